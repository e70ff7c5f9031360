"""Schemas and normalisation of the organisation tables (units, alliances, pairings, lists).

The hierarchy's four levels live in :mod:`gridparty.core.schema`; the tables of alliances, pairing
and the three lists are described here the same way (a :class:`~gridparty.core.schema.Level` each)
and read with the same machinery (:mod:`gridparty.core.columns`: explicit ``columns=`` first, then
the Chinese/English aliases). Point tables go through :func:`gridparty.core.layers.normalise_layer`;
relation tables (memberships, pairings ...) may be plain DataFrames and may lack an id column.

Problems found in the rows (an unknown unit, a duplicate pair, a negative capacity ...) are
never dropped silently: each becomes a row of a problems table with the columns of
:data:`gridparty.core.model.ISSUE_COLUMNS`, and the row itself is kept, its first problem in a ``check`` column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from gridparty.core.columns import LoadIssue, map_columns, set_id_index
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.layers import normalise_layer, typed_columns
from gridparty.core.model import ISSUE_COLUMNS
from gridparty.core.schema import Level, make_level

__all__ = [
    "PROBLEMS",
    "TableColumns",
    "check_links",
    "codes",
    "columns_for",
    "first_checks",
    "negative",
    "problem",
    "problem_frame",
    "read_table",
    "require_points",
    "resolve",
    "table_level",
]

#: Nested column mapping by table name, e.g. ``{"units": {"单位代码": "unit_id"}}``.
TableColumns = Mapping[str, Mapping[str, str]]

#: Every problem a row of these tables can have: severity and meaning.
PROBLEMS: dict[str, tuple[str, str]] = {
    "duplicate_id": ("error", "the id repeats an earlier row's id (kept under a new id)"),
    "missing_id": ("error", "the row has no id (kept under a made-up id)"),
    "unknown_unit": ("error", "the row names a unit that is not in the units table"),
    "unknown_alliance": ("error", "the row names an alliance that is not in the alliances table"),
    "unknown_community": ("error", "the row names a community that is not in the communities"),
    "unknown_department": ("error", "the row names a department not in the departments table"),
    "unknown_kind": ("error", "the alliance kind is not regional / industry / business district"),
    "unknown_category": ("error", "the category is not one of the known categories"),
    "duplicate_membership": ("error", "the unit is listed twice in the same alliance"),
    "duplicate_pair": ("error", "the same community–department pair is listed twice"),
    "duplicate_agreement": ("warning", "the same two parties have another agreement row"),
    "negative_capacity": ("error", "a capacity below 0"),
    "negative_size": ("error", "a need's size below 0"),
    "missing_value": ("error", "a required cell is empty"),
    "missing_location": ("error", "the row has no location and none can be derived"),
    "lead_not_member": ("warning", "the alliance's lead unit is not among its members"),
    "unpaired_community": ("warning", "no department is paired with the community"),
}


def table_level(
    name: str,
    layer: str,
    attributes: dict[str, str],
    aliases: dict[str, str],
    label_zh: str,
    label_en: str,
    *,
    points: bool,
) -> Level:
    """A :class:`~gridparty.core.schema.Level` describing one organisation table.

    Parameters
    ----------
    name : str
        Code name; the id column is ``f"{name}_id"``.
    layer : str
        Layer name in a GeoPackage (``"units"``).
    attributes : dict
        Column → kind (``"str"``, ``"int"``, ``"bool"``).
    aliases : dict
        Recognised alternative column names → code name.
    label_zh, label_en : str
        Labels for people.
    points : bool
        The table holds point locations (otherwise it is a plain table).
    """
    return make_level(
        name,  # type: ignore[arg-type]
        layer,
        None,
        ("Point",) if points else (),
        attributes,  # type: ignore[arg-type]
        aliases,
        label_zh,
        label_en,
    )


def columns_for(
    columns: TableColumns | None, tables: tuple[str, ...], table: str
) -> dict[str, str]:
    """The explicit column mapping of ``table`` from a mapping nested by table name.

    Raises
    ------
    InputError
        If ``columns`` is not nested by table name, or names a table that is not read here.
    """
    if not columns:
        return {}
    if not all(isinstance(v, Mapping) for v in columns.values()):
        raise InputError(
            f"columns must be nested by table name, e.g. {{{tables[0]!r}: {{'单位代码': "
            f"'unit_id'}}}}; got {dict(columns)!r}."
        )
    unknown = sorted(set(columns) - set(tables))
    if unknown:
        raise InputError(f"columns has unknown tables {unknown}; use {', '.join(tables)}.")
    return dict(columns.get(table, {}))


def read_table(
    frame: pd.DataFrame,
    level: Level,
    *,
    columns: Mapping[str, str] | None = None,
    coords: str = "wgs84",
    strict: bool = True,
    argument: str | None = None,
    make_ids: bool = False,
) -> tuple[pd.DataFrame, list[LoadIssue]]:
    """Normalise one table to the schema of ``level``; return it and the load issues.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        The user's table; never modified. Point tables must be GeoDataFrames unless they may
        lack locations; a GeoDataFrame given for a plain table keeps only its attributes.
    level : Level
        The table's schema (from :func:`table_level`).
    columns : mapping, optional
        Explicit ``{user column: code name}`` mapping.
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Datum of point coordinates.
    strict : bool
        Raise on duplicate or missing ids; with ``False`` keep them under made-up ids and
        return them as load issues.
    argument : str, optional
        Name used in messages (default: the layer name).
    make_ids : bool
        When the table has no id column, number its rows ``#1``, ``#2`` ... instead of
        raising (relation tables such as memberships).

    Returns
    -------
    (DataFrame or GeoDataFrame, list of dict)
        The table indexed by its id, typed columns first, other columns kept.
    """
    argument = argument or level.layer
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"{argument} must be a DataFrame or GeoDataFrame, got {type(frame).__name__}."
        )
    if isinstance(frame, gpd.GeoDataFrame) and not level.geometry_types:
        frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    frame = _with_ids(frame, level, columns or {}, argument, make_ids)
    if isinstance(frame, gpd.GeoDataFrame):
        return normalise_layer(
            frame, level, columns=columns, coords=coords, strict=strict, argument=argument
        )
    renamed = frame.rename(columns=map_columns(frame, level, dict(columns or {}), argument))
    table, issues = set_id_index(pd.DataFrame(renamed, copy=True), level, argument, strict=strict)
    return typed_columns(table, level, argument), issues


def _with_ids(
    frame: pd.DataFrame, level: Level, columns: Mapping[str, str], argument: str, make_ids: bool
) -> pd.DataFrame:
    if not make_ids or frame.index.name == level.id_column:
        return frame
    mapped = set(map_columns(frame, level, dict(columns), argument).values()) | set(frame.columns)
    if level.id_column in mapped:
        return frame
    ids = [f"#{i}" for i in range(1, len(frame) + 1)]
    return frame.assign(**{level.id_column: ids})


def require_points(frame: pd.DataFrame, argument: str) -> gpd.GeoDataFrame:
    """``frame`` if it is a GeoDataFrame; otherwise an :class:`InputError` saying how to make one."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{argument} must be a GeoDataFrame of points; read a CSV/Excel table with lon/lat "
            "(经度/纬度) columns with gridparty.read_table_points(path), or build one with "
            "geopandas.GeoDataFrame(..., geometry=geopandas.points_from_xy(lon, lat), crs=4326)."
        )
    return frame


def codes(values: pd.Series, vocabulary: Mapping[str, str]) -> tuple[pd.Series, pd.Series]:
    """Map words to code names (``"商圈"`` → ``"business_district"``).

    Parameters
    ----------
    values : Series
        The words as given (case and surrounding blanks are ignored).
    vocabulary : mapping
        Recognised word → code name (code names map to themselves).

    Returns
    -------
    (Series, Series of bool)
        The codes (the original text where unknown, NA where missing) and a mask of the
        values that are present but unknown.
    """
    lookup = {str(k).strip().lower(): v for k, v in vocabulary.items()}
    text = _text(values)
    mapped = text.str.lower().map(lookup, na_action="ignore").astype(TEXT_DTYPE)
    unknown = (mapped.isna() & text.notna()).astype(bool)
    return mapped.fillna(text), unknown


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped strings; blank cells (``""``, ``"  "``) are missing (NA)."""
    text = values.astype(TEXT_DTYPE).str.strip()
    return text.mask(text == "")


def problem(
    level: str, id_: object, check: str, message: str, severity: str | None = None
) -> dict[str, Any]:
    """One problem row (severity from :data:`PROBLEMS` unless given)."""
    return {
        "level": level,
        "id": str(id_),
        "check": check,
        "severity": severity or PROBLEMS[check][0],
        "message": message,
    }


def problem_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The problems table: ``level, id, check, severity, message`` as strings, in given order.

    Rows are numbered from 1 in an index named ``problem`` (序号 in exports).
    """
    table = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS), dtype=object).astype(TEXT_DTYPE)
    return table.set_axis(pd.RangeIndex(1, len(table) + 1, name="problem"))


def first_checks(rows: list[dict[str, Any]], ids: pd.Index) -> pd.Series:
    """For each id, the check of its first problem row (NA when it has none)."""
    first: dict[str, str] = {}
    for row in rows:
        first.setdefault(row["id"], row["check"])
    return pd.Series([first.get(str(i), pd.NA) for i in ids], index=ids, dtype=TEXT_DTYPE)


def resolve(values: pd.Series, table: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Ids for values naming rows of ``table`` by id or by unique ``name``.

    Returns
    -------
    (Series, Series of bool)
        The id (the value itself where unknown, NA where missing) and a mask of values that
        are present but name no row.
    """
    text = _text(values)
    names = table["name"].astype(TEXT_DTYPE) if "name" in table else pd.Series(dtype=TEXT_DTYPE)
    unique = names[~names.duplicated(keep=False)]
    by_name = pd.Series(unique.index.astype(TEXT_DTYPE), index=unique.to_numpy())
    known = text.isin(table.index.astype(TEXT_DTYPE)).fillna(False).astype(bool)
    named = text.map(by_name, na_action="ignore").astype(TEXT_DTYPE)
    out = text.where(known, named.fillna(text))
    unknown = text.notna() & ~known & named.isna()
    return out, unknown.astype(bool)


def check_links(
    frame: pd.DataFrame,
    level: str,
    ends: tuple[tuple[str, pd.DataFrame, str], tuple[str, pd.DataFrame, str]],
    duplicate: str,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Check a relation table (memberships, pairings): both ends known, no pair twice.

    Parameters
    ----------
    frame : DataFrame
        The table, indexed by its ids.
    level : str
        Its name in problem rows (``"membership"``).
    ends : two tuples ``(column, table, check)``
        Each end's column, the table its values must name (by id or unique ``name``) and the
        check reported when one does not (``"unknown_unit"``).
    duplicate : str
        The check reported for a row repeating an earlier row's pair.

    Returns
    -------
    (DataFrame, list of dict)
        The table with both ends resolved to ids and a ``check`` column (the first problem
        of each row, NA when fine), and the problem rows.
    """
    (col_a, table_a, check_a), (col_b, table_b, check_b) = ends
    a, bad_a = resolve(frame[col_a], table_a)
    b, bad_b = resolve(frame[col_b], table_b)
    rows = [
        problem(
            level,
            i,
            "missing_value",
            f"{level} {i}: {col_a} and {col_b} are both "
            "required; fill the empty cell or delete the row.",
        )
        for i in frame.index[(a.isna() | b.isna()).to_numpy()]
    ]
    for column, values, bad, check in ((col_a, a, bad_a, check_a), (col_b, b, bad_b, check_b)):
        rows += [
            problem(
                level,
                i,
                check,
                f"{level} {i}: {column} {v!r} is not known (neither an id "
                "nor a unique name); add it or correct the cell.",
            )
            for i, v in values[bad].items()
        ]
    pairs = pd.DataFrame({"a": a, "b": b})
    complete = pairs.notna().all(axis=1)
    first = pairs[complete].reset_index().drop_duplicates(["a", "b"]).set_index(["a", "b"])
    again = pairs.duplicated(keep="first") & complete
    rows += [
        problem(
            level,
            i,
            duplicate,
            f"{level} {i}: {x} and {y} are already listed together in "
            f"row {first.at[(x, y), frame.index.name]}; delete one of the two rows.",  # type: ignore[str-bytes-safe]  # a pandas scalar: text here
        )
        for i, (x, y) in pairs[again].iterrows()
    ]
    out = frame.assign(**{col_a: a, col_b: b})
    return out.assign(check=first_checks(rows, out.index)), rows


def negative(values: pd.Series) -> np.ndarray:
    """True where a number is below 0 (missing numbers are not negative)."""
    return (pd.to_numeric(values, errors="coerce") < 0).fillna(False).to_numpy(dtype=bool)
