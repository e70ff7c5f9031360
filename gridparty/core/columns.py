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
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import ColumnError, DuplicateIdError, InputError
from gridparty.core.schema import LEVEL_NAMES, LEVELS, Level

__all__ = [
    "ID_ADVICE",
    "MISSING_VALUES",
    "ColumnMapping",
    "LoadIssue",
    "as_id_strings",
    "coerce_attribute",
    "column_label",
    "dissolve_parts",
    "map_columns",
    "mapping_for_level",
    "nest_by_layer",
    "part_ids",
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
        raise id_problem(ids, missing, duplicated, level, argument)
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
            f"row {r} repeats {level.id_column} {ids[r]!r}; kept as {fixed[r]!r} (one "
            f"{level.label_en} in several rows? merge_parts=True / --merge-parts dissolves them)",
        )
        for r in dup_rows
    ]
    return fixed, issues


def id_problem(
    ids: pd.Series, missing: pd.Series, duplicated: pd.Series, level: Level, argument: str
) -> DuplicateIdError:
    missing_rows = np.flatnonzero(missing.to_numpy())
    parts = []
    if duplicated.any():
        repeated = ids[duplicated].unique()
        extra = int(duplicated.sum())
        parts.append(
            f"{len(repeated)} {level.id_column} value{'s' * (len(repeated) > 1)} shared by "
            f"several rows ({extra} extra row{'s' * (extra > 1)}), e.g. {list(repeated[:5])}"
        )
    if len(missing_rows):
        parts.append(
            f"{len(missing_rows)} rows without {level.id_column} (rows {missing_rows[:5].tolist()})"
        )
    problem = f"{argument}: {'; '.join(parts)}"
    if "Polygon" in level.geometry_types:
        return DuplicateIdError(f"{problem}. {ID_ADVICE}", problem=problem)
    return DuplicateIdError(
        f"{problem}. Give every {level.label_en} a unique id, or load with strict=False to keep "
        "every row and see each problem in gridparty.checks.validate().",
        problem=problem,
    )


#: What to do about repeated or missing ids (the end of every strict id error).
ID_ADVICE = (
    "A unit stored as several rows sharing one id (a multi-part community or grid) is dissolved "
    "into one (Multi)Polygon by merge_parts=True (CLI --merge-parts); otherwise give every row "
    "a unique id, or load with strict=False to keep every row and see each problem in "
    "gridparty.checks.validate()."
)


def _issue(level: Level, id_: str, check: str, message: str) -> LoadIssue:
    return {"level": level.name, "id": id_, "check": check, "severity": "error", "message": message}


#: Marks the rows of one id while a layer is normalised with ``merge_parts=True`` (a text no
#: id holds), so each row keeps a unique index until :func:`dissolve_parts` dissolves them.
_PART = "\x00part "


def part_ids(frame: pd.DataFrame, level: Level) -> tuple[pd.DataFrame, pd.Series | None]:
    """Give the rows that share an id unique stand-in ids, to be dissolved by :func:`dissolve_parts`.

    Only rows with a polygon geometry take part (a point cannot be one part of a unit); rows
    without an id are left as they are (:func:`set_id_index` reports them).

    Returns
    -------
    (DataFrame, Series or None)
        The frame (a copy, with the stand-ins in its id column or index) and the original id of
        each stand-in, indexed by stand-in; ``None`` when no id is shared.
    """
    id_col = level.id_column
    if id_col in frame.columns:
        raw = frame[id_col]
    elif frame.index.name == id_col:
        raw = pd.Series(frame.index, index=frame.index)
    else:
        return frame, None  # set_id_index names the missing column
    ids = as_id_strings(raw)
    geometry = frame.geometry if hasattr(frame, "geometry") else None
    polygonal = (
        np.ones(len(frame), bool)
        if geometry is None
        else geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    )
    shared = (ids.duplicated(keep=False) & ids.notna()).to_numpy() & polygonal
    shared &= ids.where(shared).duplicated(keep=False).to_numpy()  # still two parts or more
    if not shared.any():
        return frame, None
    rank = ids[shared].groupby(ids[shared]).cumcount()
    stand_in = ids.copy()
    stand_in[shared] = ids[shared] + _PART + rank.astype(TEXT_DTYPE)
    out = frame.copy()
    if id_col in out.columns:
        out[id_col] = stand_in.to_numpy()
    else:
        out.index = pd.Index(stand_in.to_numpy(), name=id_col)
    originals = pd.Series(
        ids[shared].to_numpy(), index=stand_in[shared].to_numpy(), dtype=TEXT_DTYPE
    )
    return out, originals


def dissolve_parts(
    layer: pd.DataFrame,
    originals: pd.Series,
    level: Level,
    sources: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[LoadIssue]]:
    """Dissolve the rows :func:`part_ids` marked into one row per id.

    The geometry becomes the union of the parts (a Polygon, or a MultiPolygon where they do not
    touch; the parts side by side when one of them is invalid, for validation to report). Each
    other column keeps its first non-blank value; a column of the level (parent id, name,
    attributes) whose non-blank values differ between the parts is a ``part_conflict`` warning
    naming the id, the column and the values. Other columns (``OBJECTID``, ``Shape_Area`` ...)
    differ between parts by nature and are not compared.
    Each dissolved id is a ``merged_parts`` info row. The merged row stands where its first
    part stood.
    """
    named = sources or {}
    stand_in = layer.index.isin(originals.index)
    key = pd.Series(layer.index.astype(TEXT_DTYPE), index=layer.index, dtype=TEXT_DTYPE)
    key[stand_in] = originals.reindex(layer.index[stand_in]).to_numpy()
    position = pd.Series(np.arange(len(layer)), index=layer.index)
    first = ~key.duplicated(keep="first").to_numpy()
    merged = layer[first].copy()
    merged.index = pd.Index(key[first].to_numpy(), name=level.id_column, dtype=TEXT_DTYPE)
    issues: list[LoadIssue] = []
    geometry_name = getattr(layer, "_geometry_column_name", None)
    columns = [c for c in layer.columns if c != geometry_name]
    # the level's own columns; others (OBJECTID, Shape_Area ...) differ by nature
    compared = {level.parent_column, *level.attributes}
    for id_, rows in layer[stand_in].groupby(key[stand_in].to_numpy(), sort=False):
        for column in columns:
            values = rows[column].dropna()
            distinct = list(dict.fromkeys(values.astype(str)))
            if len(values):
                merged.at[id_, column] = values.iloc[0]
            if len(distinct) > 1 and column in compared:
                issues.append(
                    {
                        "level": level.name,
                        "id": id_,
                        "check": "part_conflict",
                        "severity": "warning",
                        "message": f"the {len(rows)} rows of {level.id_column} {id_!r} differ in "
                        f"column {column_label(column, named.get(column))}: {distinct[:5]}; "
                        f"kept {distinct[0]!r}",
                    }
                )
        if geometry_name is not None:
            parts = np.asarray(rows[geometry_name].array)
            merged.at[id_, geometry_name] = _dissolve(parts)
        issues.append(
            {
                "level": level.name,
                "id": id_,
                "check": "merged_parts",
                "severity": "info",
                "message": f"{len(rows)} rows (rows {position[rows.index].tolist()[:5]}) "
                f"sharing {level.id_column} {id_!r} dissolved into one {level.label_en} "
                "(merge_parts=True)",
            }
        )
    return merged, issues


def _dissolve(parts: np.ndarray) -> object:
    present = parts[~shapely.is_missing(parts) & ~shapely.is_empty(parts)]
    if not len(present):
        return None
    if shapely.is_valid(present).all():
        return shapely.union_all(present)
    polygons = [p for g in present for p in shapely.get_parts(g)]
    return shapely.multipolygons(polygons)
