"""Column mapping and typing: turn a user's layer into the schema of one hierarchy level.

A user's columns are matched in this order: the explicit ``columns=`` mapping, a column that
already has the code name, then the recognised aliases of the level (Chinese and English, see
:mod:`gridparty.core.schema`). Ids become strings; attributes get nullable dtypes.

A yes/no or count cell that is blank, only spaces, or one of the placeholders in
:data:`MISSING_VALUES` (``-``, ``/``, ``无``, ``未填`` ...) is a missing value, exactly like
NULL: the attribute is *not recorded* for that unit, never "no" or 0.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import ColumnError, DuplicateIdError, InputError
from gridparty.core.schema import LEVEL_NAMES, LEVELS, Level

__all__ = [
    "MISSING_VALUES",
    "ColumnMapping",
    "LoadIssue",
    "as_id_strings",
    "coerce_attribute",
    "column_label",
    "map_columns",
    "mapping_for_level",
    "nest_by_layer",
    "row_ids",
    "set_id_index",
]

ColumnMapping = Mapping[str, str] | Mapping[str, Mapping[str, str]]

LoadIssue = dict[str, Any]

#: Whole numbers this large (2**53, where float64 stops holding every one of them) are errors.
_MAX_COUNT = 2.0**53

_TRUE = frozenset({"true", "t", "yes", "y", "1", "是", "有", "已建立", "已建", "√", "✓"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "否", "没有", "未建立", "未建", "×", "✗"})

#: Cell texts read as a missing value (like NULL) in yes/no and count columns, compared after
#: NFKC normalisation (full-width ``／`` is ``/``), stripping and lower-casing; a blank or
#: whitespace-only cell is missing too. ``无`` is among them: in a filled-in form it is the
#: usual "nothing to enter", not a "no" (write 否 or 没有 for that).
MISSING_VALUES: frozenset[str] = frozenset(
    {
        "-",
        "--",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "?",
        "？",
        "...",
        "…",
        "……",
        "无",
        "未填",
        "未填写",
        "不详",
        "暂无",
        "空",
        "待定",
        "待填",
        "n/a",
        "na",
        "null",
        "none",
        "nan",
        "nil",
    }
)
_MISSING = frozenset(unicodedata.normalize("NFKC", v).lower() for v in MISSING_VALUES)


def mapping_for_level(columns: ColumnMapping | None, level: Level) -> dict[str, str]:
    """Return the user's column mapping for ``level``.

    ``columns`` may be flat (``{"编号": "grid_id"}``, applied to every level) or nested by
    level name (``{"grid": {"编号": "grid_id"}}``).
    """
    if not columns:
        return {}
    if all(isinstance(v, Mapping) for v in columns.values()):
        unknown = sorted(set(columns) - set(LEVEL_NAMES))
        if unknown:
            raise InputError(
                f"columns has unknown level keys {unknown}; nest mappings under "
                f"{', '.join(LEVEL_NAMES)} or pass one flat mapping {{'your column': 'code name'}}."
            )
        return dict(columns.get(level.name, {}))  # type: ignore[arg-type]
    if not all(isinstance(v, str) for v in columns.values()):
        raise InputError(
            "columns must map a column name to a code name, e.g. {'网格编号': 'grid_id'}, or nest such "
            f"mappings by level; got {dict(columns)!r}."
        )
    return dict(columns)  # type: ignore[arg-type]


def nest_by_layer(
    columns: ColumnMapping | None, frames: Mapping[str, pd.DataFrame | None]
) -> ColumnMapping | None:
    """A flat mapping split by level: each column mapped where a layer has it.

    A flat ``{"WGBH": "grid_id"}`` names a column that usually exists in one or two of the
    layers only; it applies to every layer that has it. A key found in no layer is an error.
    Nested mappings are returned as they are (each level's keys must exist in its layer).

    Raises
    ------
    ColumnError
        A flat mapping names a column no layer has.
    """
    if not columns or all(isinstance(v, Mapping) for v in columns.values()):
        return columns
    flat = mapping_for_level(columns, LEVELS["community"])
    present = {
        name: set(map(str, f.columns)) for name, f in frames.items() if isinstance(f, pd.DataFrame)
    }
    unused = [c for c in flat if not any(c in cols for cols in present.values())]
    if unused:
        shown = "; ".join(f"{name}: {sorted(cols)}" for name, cols in present.items())
        raise ColumnError(
            f"columns= names {unused}, which no layer has ({shown}); fix the names in columns=."
        )
    return {name: {c: t for c, t in flat.items() if c in cols} for name, cols in present.items()}


def map_columns(
    frame: pd.DataFrame, level: Level, columns: Mapping[str, str], argument: str
) -> dict[str, str]:
    """Decide which source column becomes which code-name column.

    Returns
    -------
    dict
        ``{source column: code name}`` for every column to rename.

    Raises
    ------
    ColumnError
        If an explicit mapping names a column the frame lacks, or two columns would become
        the same code name. An alias column whose code name is already there (or mapped in
        ``columns``) is left as it is, an extra column.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ColumnError(
            f"{argument}: columns= names {missing} but the layer has only {list(frame.columns)}; "
            "fix the names in columns=."
        )
    clash = [
        (s, t) for s, t in columns.items() if t in frame.columns and t not in columns and s != t
    ]
    if clash:
        raise ColumnError(
            f"{argument}: columns= maps {clash[0][0]!r} to {clash[0][1]!r} but the layer already has a "
            f"{clash[0][1]!r} column; drop or rename one of them."
        )
    targets = set(level.public_columns)
    chosen: dict[str, str] = dict(columns)
    # a code-name column, or one the caller mapped explicitly, wins over every alias
    settled = {c for c in frame.columns if c in targets and c not in chosen} | set(columns.values())
    for source in frame.columns:
        target = level.aliases.get(str(source))
        if source in chosen or source in targets or target is None or target in settled:
            continue
        if target in chosen.values():
            rivals = [s for s, t in chosen.items() if t == target]
            raise ColumnError(
                f"{argument}: both {source!r} and {rivals[0]!r} could be {target!r}; "
                f"say which with columns={{{rivals[0]!r}: {target!r}}}."
            )
        chosen[source] = target
    return {s: t for s, t in chosen.items() if s != t}


def as_id_strings(values: pd.Series | pd.Index) -> pd.Series:
    """Return ids as a nullable string Series: ``12`` and ``12.0`` become ``"12"``, blanks become NA."""
    series = pd.Series(values, copy=False).reset_index(drop=True)
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.notna() & np.isfinite(series) & (series == np.round(series))
        if whole.all() or (whole | series.isna()).all():
            series = series.astype("Int64")
    out = series.astype(TEXT_DTYPE).str.strip()
    return out.mask(out == "", pd.NA)


def coerce_attribute(
    values: pd.Series, kind: str, argument: str, column: str, source: str | None = None
) -> pd.Series:
    """Convert an attribute column to its nullable dtype (``string``, ``Int64`` or ``boolean``).

    Messages name the column as the user knows it when ``source`` (the column's name in the
    file) is given — ``'党员数' (formal_members)`` — and the rows by ``values``' index (ids).

    Raises
    ------
    InputError
        If values cannot be read as the kind, naming the column and showing the bad values.
    """
    if kind == "str":
        return values.astype(TEXT_DTYPE)
    column = column_label(column, source)
    if kind == "int":
        number, bad = _numbers(values)
        whole = (number.abs() < _MAX_COUNT) & (number == np.round(number))
        wrong = values[(number.notna() & ~whole.fillna(False)).to_numpy(bool)]
        if len(bad) or len(wrong):
            found = pd.concat([bad, wrong])
            raise InputError(
                f"{argument}: column {column} must hold whole numbers; found "
                f"{found.unique()[:5].tolist()} (ids {row_ids(found)}). Fix those cells or map "
                "another column with columns=."
            )
        return number.astype("Int64")
    return _coerce_bool(values, argument, column)


def column_label(column: str, source: str | None = None) -> str:
    """``'党员数' (formal_members)`` when the user's column had another name, else ``'column'``."""
    return f"{source!r} ({column})" if source and source != column else repr(column)


def row_ids(rows: pd.Series) -> list[str]:
    """The first five row ids (index values) of ``rows``, as text."""
    return [str(i) for i in rows.index[:5]]


def _numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``values`` as Float64 (blank → NA; text read after NFKC, so full-width digits count)
    and the values that are not numbers."""
    kind = values.dtype
    if pd.api.types.is_numeric_dtype(kind) and not pd.api.types.is_bool_dtype(kind):
        return values.astype("Float64"), values.iloc[:0]
    text = _cell_text(values)
    number = pd.to_numeric(text, errors="coerce").astype("Float64")
    return number, values[(number.isna() & text.notna()).to_numpy(bool)]


def _cell_text(values: pd.Series) -> pd.Series:
    """Cells as NFKC-normalised, stripped text; blank cells and :data:`MISSING_VALUES` are NA."""
    text = values.astype(TEXT_DTYPE).str.normalize("NFKC").str.strip()
    return text.mask(text.str.lower().isin(_MISSING) | (text == ""))


def _coerce_bool(values: pd.Series, argument: str, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = _cell_text(values).str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[text.isin(_TRUE).fillna(False)] = True
    result[text.isin(_FALSE).fillna(False)] = False
    bad = values[(result.isna() & text.notna()).to_numpy(bool)]
    if len(bad):
        raise InputError(
            f"{argument}: column {column} must be yes/no (是/否, 有/没有, true/false, 1/0; "
            f"blank, -, /, 无, 未填 for not recorded); found {bad.unique()[:5].tolist()} (ids "
            f"{row_ids(bad)}). Fix those cells or map another column with columns=."
        )
    return result


def set_id_index(
    frame: pd.DataFrame, level: Level, argument: str, *, strict: bool
) -> tuple[pd.DataFrame, list[LoadIssue]]:
    """Make the id column the index (unique strings).

    With ``strict=True`` duplicate or missing ids raise :class:`DuplicateIdError`. With
    ``strict=False`` they are kept under made-up unique ids (``"G1#2"``, ``"<missing grid 7>"``)
    and returned as load issues so :func:`gridparty.checks.validate` reports them; no row is dropped.
    """
    id_col = level.id_column
    if id_col in frame.columns:
        ids = as_id_strings(frame[id_col])
        frame = frame.drop(columns=id_col)
    elif frame.index.name == id_col:
        ids = as_id_strings(frame.index)
    else:
        raise ColumnError(
            f"{argument} has no id column {id_col!r} (nor a recognised alias); its columns are "
            f"{list(frame.columns)}. Pass columns={{'<your id column>': {id_col!r}}}."
        )
    ids, issues = _repair_ids(ids, level, argument, strict=strict)
    frame = frame.set_axis(pd.Index(ids, name=id_col, dtype=TEXT_DTYPE), axis=0)
    return frame, issues


def _repair_ids(
    ids: pd.Series, level: Level, argument: str, *, strict: bool
) -> tuple[pd.Series, list[LoadIssue]]:
    missing = ids.isna()
    duplicated = ids.duplicated(keep="first") & ~missing
    if not (missing.any() or duplicated.any()):
        return ids, []
    if strict:
        raise DuplicateIdError(_id_problem(ids, missing, duplicated, level, argument))
    rows = np.flatnonzero(missing.to_numpy())
    fixed = ids.copy()
    fixed[missing] = [f"<missing {level.name} row {r}>" for r in rows]
    issues: list[LoadIssue] = [
        _issue(level, fixed[r], "missing_id", f"row {r} of {argument} has no {level.id_column}")
        for r in rows
    ]
    rank = fixed.groupby(fixed).cumcount() + 1
    dup_rows = np.flatnonzero(duplicated.to_numpy())
    fixed[duplicated] = fixed[duplicated] + "#" + rank[duplicated].astype(TEXT_DTYPE)
    issues += [
        _issue(
            level,
            fixed[r],
            "duplicate_id",
            f"row {r} repeats {level.id_column} {ids[r]!r}; kept as {fixed[r]!r}",
        )
        for r in dup_rows
    ]
    return fixed, issues


def _id_problem(
    ids: pd.Series, missing: pd.Series, duplicated: pd.Series, level: Level, argument: str
) -> str:
    parts = []
    if duplicated.any():
        shown = list(ids[duplicated].unique()[:5])
        parts.append(f"{int(duplicated.sum())} duplicate {level.id_column} values, e.g. {shown}")
    if missing.any():
        parts.append(
            f"{int(missing.sum())} rows without {level.id_column} (rows "
            f"{np.flatnonzero(missing.to_numpy())[:5].tolist()})"
        )
    return (
        f"{argument}: {'; '.join(parts)}. Give every {level.label_en} a unique id, or load with "
        "strict=False to keep every row and see each problem in gridparty.checks.validate()."
    )


def _issue(level: Level, id_: str, check: str, message: str) -> LoadIssue:
    return {"level": level.name, "id": id_, "check": check, "severity": "error", "message": message}
