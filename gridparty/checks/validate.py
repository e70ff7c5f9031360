"""Validation: every referential, geometric, spatial and organisational problem in one table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.checks.coverage import (
    DEFAULT_MIN_AREA_M2,
    DEFAULT_MIN_WIDTH_M,
    SpatialCoverage,
    merge_parts,
    spatial_coverage,
    street_outlines,
    unit_overlaps,
)
from gridparty.checks.organisation import organisation_findings, unrecorded_attributes
from gridparty.core.arguments import positive_number
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.model import ISSUE_COLUMNS, Hierarchy
from gridparty.core.rules import DEFAULT_RULES, PartyRules
from gridparty.core.schema import LEVEL_NAMES, LEVELS, Level
from gridparty.spatial.assign import Assignment, assign

__all__ = ["CHECKS", "shareable", "validate"]

#: Every check with its severity and what it means.
CHECKS: dict[str, tuple[str, str]] = {
    "duplicate_id": ("error", "the id repeats an earlier row's id (kept under a new id)"),
    "missing_id": ("error", "the row has no id (kept under a made-up id)"),
    "empty_geometry": ("error", "the row has no geometry, or an empty one"),
    "wrong_geometry_type": ("error", "the geometry type does not fit the level"),
    "invalid_geometry": ("error", "the geometry is invalid (e.g. self-intersecting)"),
    "unknown_parent": ("error", "the declared parent id is not in the parent layer"),
    "parent_mismatch": ("warning", "the declared parent disagrees with space"),
    "not_in_any_parent": ("warning", "the child lies in no parent at all"),
    "outside_parent": ("warning", "part of a grid lies outside its community"),
    "overlap": ("warning", "two grids overlap"),
    "uncovered": ("warning", "part of a community is covered by no grid"),
    "members_without_branch": ("warning", "a grid has enough formal members for a branch but none"),
    "members_without_group": (
        "warning",
        "a building has enough members for a party group but none",
    ),
    "not_recorded": (
        "warning",
        "an attribute the organisational checks need (has_branch, has_group, formal_members) "
        "is recorded for no row of its layer: those checks are not run; id is the attribute",
    ),
    "sliver": (
        "info",
        "a gap, overlap or spill-over of at least min_area_m2 but narrower than min_width_m: "
        "digitising noise, not a problem",
    ),
    "repaired_geometry": ("info", "an invalid geometry was repaired on loading (repair=True)"),
    "merged_parts": (
        "info",
        "rows sharing an id were dissolved into one (Multi)Polygon on loading (merge_parts=True)",
    ),
    "part_conflict": (
        "warning",
        "rows dissolved into one unit (merge_parts=True) differ in a column: the first value kept",
    ),
    "same_level_overlap": (
        "warning",
        "two communities, streets or districts claim the same land, area in m²",
    ),
    "tiny_polygon": (
        "warning",
        "a polygon smaller than min_area_m2: a community, grid or building, or the outline of a "
        "street or district",
    ),
}

#: Levels above the communities, as columns of ``h.communities`` (their outlines are the
#: communities dissolved by the column).
UPPER = ("street", "district")

#: The organisational checks :func:`validate` runs.
_ORGANISATION = (("grid", "members_without_branch"), ("building", "members_without_group"))

#: Their names, as ``needed_by`` of :func:`~gridparty.checks.organisation.unrecorded_attributes`.
ORGANISATION_CHECKS: tuple[str | tuple[str, str], ...] = tuple(c for _, c in _ORGANISATION)


def validate(
    h: Hierarchy,
    *,
    assignment: Assignment | None = None,
    rules: PartyRules = DEFAULT_RULES,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
    tolerance_m: float = 5.0,
) -> gpd.GeoDataFrame:
    """Check a hierarchy and return every problem found, one row each.

    Parameters
    ----------
    h : Hierarchy
        The hierarchy to check.
    assignment : Assignment, optional
        A result of :func:`gridparty.spatial.assign` for ``h``; computed when not given.
    rules : PartyRules
        Thresholds of the organisational checks.
    min_area_m2, min_width_m : float
        Overlaps, gaps and spill-overs smaller than ``min_area_m2`` (m², measured in
        ``h.metric_crs``) or narrower than ``min_width_m`` (m) are slivers from digitising, by
        the rule of :func:`gridparty.checks.coverage.spatial_coverage` and
        :func:`gridparty.checks.report.check_coverage` (same defaults). Those below
        ``min_area_m2`` are not reported; the narrow ones of at least ``min_area_m2`` are
        ``sliver`` info rows, not warnings. ``min_width_m=0`` separates by area only.
    tolerance_m : float
        Passed to :func:`gridparty.spatial.assign` for building points (metres).

    Returns
    -------
    GeoDataFrame
        Columns ``level, id, check, severity, message, geometry`` (EPSG:4326), sorted by
        level, check and id. ``CHECKS`` lists every check. The geometry is the child's, or the
        overlap, gap or spill-over itself. A ``not_recorded`` row is about a whole layer: its id
        is the attribute's name and it has no geometry (see
        :func:`gridparty.checks.organisation.unrecorded_attributes`).

    Examples
    --------
    >>> import gridparty as gp
    >>> issues = gp.validate(gp.sample_city())
    >>> len(issues)  # the nine planted defects
    9
    >>> int(issues["check"].value_counts()["not_in_any_parent"])
    2
    """
    if not isinstance(h, Hierarchy):
        raise InputError(f"h must be a gridparty.Hierarchy, got {type(h).__name__}.")
    if assignment is not None and not isinstance(assignment, Assignment):
        raise InputError(
            f"assignment must be a gridparty.Assignment (the result of gridparty.spatial.assign(h)), "
            f"got {type(assignment).__name__}."
        )
    positive_number(min_area_m2, "min_area_m2", zero=True, hint="square metres")
    positive_number(min_width_m, "min_width_m", zero=True, hint="metres")
    assignment = assignment if assignment is not None else assign(h, tolerance_m=tolerance_m)
    filled = assignment.hierarchy
    frames = [
        _load_issues(h),
        *(geometry_checks(h.layer(name), name) for name in LEVEL_NAMES),
        *(
            unknown_parents(h.layer(name), name, h.layer(LEVELS[name].parent).index)  # type: ignore[arg-type]  # a child level has a parent
            for name in LEVEL_NAMES[1:]
        ),
        _space_checks(h, assignment.table),
        *_spatial(filled, min_area_m2, min_width_m),
        *same_level(filled, min_area_m2, min_width_m),
        *(
            tiny_polygons(filled.layer(name), name, h.metric_crs, min_area_m2)
            for name in POLYGON_LEVELS
        ),
        *upper_tiny_polygons(filled, min_area_m2),
        organisation(filled, rules),
    ]
    return issue_table(frames)


def issue_table(frames: list[pd.DataFrame]) -> gpd.GeoDataFrame:
    """The issues table of :func:`validate` from its parts, sorted by level, check and id."""
    table = (
        pd.concat([f for f in frames if len(f)], ignore_index=True)
        if any(len(f) for f in frames)
        else _rows("community", [], "uncovered", [], [])
    )
    order = {name: i for i, name in enumerate((*reversed(UPPER), *LEVEL_NAMES))}
    table = table.sort_values(
        ["level", "check", "id"], key=lambda s: s.map(order) if s.name == "level" else s
    ).reset_index(drop=True)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=4326)


def shareable(issues: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of an issues table fit to hand out: household rows lose their location.

    A household's point is personal data; its row (id, check, message) stays so the office
    can follow it up in its own register. Use this before writing issues to a shared file.
    """
    out = issues.copy()
    out.loc[out["level"] == "household", "geometry"] = None
    return out


def _rows(
    level: str, ids: Iterable[Any], check: str, messages: Iterable[Any], geometry: Iterable[Any]
) -> pd.DataFrame:
    ids = list(ids)
    return pd.DataFrame(
        {
            "level": pd.Series([level] * len(ids), dtype=TEXT_DTYPE),
            "id": pd.Series(ids, dtype=TEXT_DTYPE),
            "check": pd.Series([check] * len(ids), dtype=TEXT_DTYPE),
            "severity": pd.Series([CHECKS[check][0]] * len(ids), dtype=TEXT_DTYPE),
            "message": pd.Series(list(messages), dtype=TEXT_DTYPE),
            "geometry": gpd.GeoSeries(list(geometry), crs=4326),
        }
    )


def _load_issues(h: Hierarchy) -> pd.DataFrame:
    issues = h.load_issues
    if not len(issues):
        return _rows("community", [], "missing_id", [], [])
    geometry = [
        h.layer(lvl).geometry.get(i) for lvl, i in zip(issues["level"], issues["id"], strict=True)
    ]
    return issues[list(ISSUE_COLUMNS)].assign(geometry=gpd.GeoSeries(geometry, crs=4326))  # type: ignore[arg-type]  # geopandas takes a GeometryArray or a list of geometries/None


def geometry_checks(frame: gpd.GeoDataFrame, name: str) -> pd.DataFrame:
    level = LEVELS[name]
    geoms = np.asarray(frame.geometry.array)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    allowed = np.isin(frame.geometry.geom_type.to_numpy(), level.geometry_types)
    wrong = ~empty & ~allowed
    invalid = ~empty & allowed & ~shapely.is_valid(geoms)
    types = frame.geometry.geom_type[wrong]
    reasons = shapely.is_valid_reason(np.asarray(geoms[invalid]))
    return pd.concat(
        [
            _rows(
                name,
                frame.index[empty],
                "empty_geometry",
                [f"{level.label_en} has no geometry"] * int(empty.sum()),
                [None] * int(empty.sum()),
            ),
            _rows(
                name,
                frame.index[wrong],
                "wrong_geometry_type",
                [f"{t} where {' or '.join(level.geometry_types)} is expected" for t in types],
                geoms[wrong],
            ),
            _rows(
                name,
                frame.index[invalid],
                "invalid_geometry",
                [f"invalid geometry: {r}; load with repair=True to fix it" for r in reasons],
                geoms[invalid],
            ),
        ]
    )


def unknown_parents(frame: gpd.GeoDataFrame, name: str, parent_ids: Any) -> pd.DataFrame:
    """``unknown_parent`` rows of the children ``frame`` of level ``name``: the declared parent
    is not among ``parent_ids`` (the parent layer's ids)."""
    level = LEVELS[name]
    parent = frame[level.parent_column]
    unknown = parent.notna() & ~parent.isin(parent_ids)
    return _rows(
        name,
        frame.index[unknown],
        "unknown_parent",
        [
            f"{level.parent_column} {p!r} is not in {LEVELS[level.parent].layer}"  # type: ignore[index]  # a child level has a parent
            for p in parent[unknown]
        ],
        frame.geometry[unknown],
    )


def _space_checks(h: Hierarchy, table: pd.DataFrame) -> pd.DataFrame:
    frames = [
        space_checks(
            h.layer(name),
            name,
            h.layer(LEVELS[name].parent).index,  # type: ignore[arg-type]  # a child level has a parent
            table[table["level"] == name],
        )
        for name in LEVEL_NAMES[1:]
    ]
    return pd.concat(frames)


def space_checks(
    frame: gpd.GeoDataFrame, name: str, parent_ids: Any, table: pd.DataFrame
) -> pd.DataFrame:
    """``not_in_any_parent`` and ``parent_mismatch`` rows of the children ``frame`` of level
    ``name``, from their rows of the assignment table; ``parent_ids`` are the parent layer's ids."""
    frames = []
    level = LEVELS[name]
    rows = table.set_index("id")
    known = rows["declared"].isin(parent_ids)
    nowhere = rows["spatial"].isna() & _locatable(frame, level).reindex(rows.index)
    mismatch = ~nowhere & known & (rows["declared"] != rows["spatial"]).fillna(False)
    geometry = frame.geometry
    frames.append(
        _rows(
            name,
            rows.index[nowhere],
            "not_in_any_parent",
            [
                f"in no {LEVELS[level.parent].label_en}"  # type: ignore[index]  # a child level has a parent
                + ("" if pd.isna(d) else f" (declared {d!r})")
                for d in rows["declared"][nowhere]
            ],
            geometry.reindex(rows.index[nowhere]),
        )
    )
    frames.append(
        _rows(
            name,
            rows.index[mismatch],
            "parent_mismatch",
            [
                f"declared {level.parent_column} {d!r} but lies in {s!r}"
                for d, s in zip(rows["declared"][mismatch], rows["spatial"][mismatch], strict=True)
            ],
            geometry.reindex(rows.index[mismatch]),
        )
    )
    return pd.concat(frames)


def _locatable(frame: gpd.GeoDataFrame, level: Level) -> pd.Series:
    """Rows whose own geometry can be placed in space (not empty, of an allowed type)."""
    geoms = frame.geometry
    ok = ~(geoms.isna() | geoms.is_empty) & geoms.geom_type.isin(level.geometry_types)
    return pd.Series(ok.to_numpy(), index=frame.index)


def _spatial(h: Hierarchy, min_area_m2: float, min_width_m: float) -> list[pd.DataFrame]:
    """Spill-overs, overlaps and gaps of the grids, from :func:`gridparty.checks.coverage.spatial_coverage`.

    Slivers follow its rule (below ``min_area_m2`` or narrower than ``min_width_m``). Real
    parts are merged per grid, per pair of grids and per community into warnings; slivers of at
    least ``min_area_m2`` (the narrow ones) likewise into ``sliver`` info rows; smaller ones
    are left out.
    """
    if not len(h.grids):
        return [no_grids_row()]
    found = spatial_coverage(
        h.communities,
        h.grids,
        parent_column="community_id",
        metric_crs=h.metric_crs,
        min_area_m2=min_area_m2,
        min_width_m=min_width_m,
    )
    return coverage_rows(found, min_area_m2, min_width_m)


def no_grids_row() -> pd.DataFrame:
    """The ``not_recorded`` row of a hierarchy without grids: coverage is not checked."""
    return _rows(
        "grid",
        ["grids"],
        "not_recorded",
        ["no grids loaded: the coverage of communities by grids is not checked"],
        [None],
    )


def coverage_rows(
    found: SpatialCoverage, min_area_m2: float, min_width_m: float
) -> list[pd.DataFrame]:
    """The ``outside_parent``, ``overlap``, ``uncovered`` and ``sliver`` rows of a coverage of
    grids in communities (see :func:`_spatial`)."""
    total = found.by_parent["area_m2"]
    frames = []
    for narrow in (False, True):
        outside = _merged(found.outside, ["child_id", "parent_id"], narrow, min_area_m2)
        overlaps = _merged(found.overlaps, ["child_id", "other_id"], narrow, min_area_m2)
        first = np.minimum(
            overlaps["child_id"].to_numpy(object), overlaps["other_id"].to_numpy(object)
        )
        second = np.maximum(
            overlaps["child_id"].to_numpy(object), overlaps["other_id"].to_numpy(object)
        )
        gaps = _merged(found.gaps, ["parent_id"], narrow, min_area_m2)
        share = gaps["area_m2"] / total.reindex(gaps["parent_id"]).to_numpy()
        texts = [
            [
                f"{a:,.0f} m² lies outside community {c!r}"
                for a, c in zip(outside["area_m2"], outside["parent_id"], strict=True)
            ],
            [
                f"overlaps grid {o!r} by {x:,.0f} m²"
                for o, x in zip(second, overlaps["area_m2"], strict=True)
            ],
            [
                f"{a:,.0f} m² ({s:.1%}) covered by no grid"
                for a, s in zip(gaps["area_m2"], share, strict=True)
            ],
        ]
        parts = (
            ("grid", outside["child_id"], "outside_parent", outside),
            ("grid", first, "overlap", overlaps),
            ("community", gaps["parent_id"], "uncovered", gaps),
        )
        for (level, ids, check, table), messages in zip(parts, texts, strict=True):
            if narrow:
                messages = [
                    f"sliver ({_SLIVER_WHAT[check]}): {m}, at most {w:.2g} m wide (narrower "
                    f"than min_width_m={min_width_m:g} m)"
                    for m, w in zip(messages, table["width_m"], strict=True)
                ]
            frames.append(
                _rows(level, ids, "sliver" if narrow else check, messages, table.geometry)
            )
    return frames


#: What a sliver row is a sliver of, by the check its real counterpart would have.
_SLIVER_WHAT = {"outside_parent": "spill-over", "overlap": "overlap", "uncovered": "gap"}


def same_level(h: Hierarchy, min_area_m2: float, min_width_m: float) -> list[pd.DataFrame]:
    """Communities, streets and districts that claim the same land
    (:func:`gridparty.checks.coverage.unit_overlaps`); narrow ones are ``sliver`` rows."""
    return overlap_rows(
        unit_overlaps(h, min_area_m2=min_area_m2, min_width_m=min_width_m), min_width_m
    )


def overlap_rows(found: pd.DataFrame, min_width_m: float) -> list[pd.DataFrame]:
    """The ``same_level_overlap`` and ``sliver`` rows of a
    :func:`gridparty.checks.coverage.unit_overlaps` table, in its order."""
    frames = []
    for level in ("community", *UPPER):
        label = LEVELS["community"].label_en if level == "community" else level
        for narrow in (False, True):
            rows = found[(found["level"] == level) & ((found["kind"] == "sliver") == narrow)]
            messages = [
                f"overlaps {label} {o!r} by {a:,.0f} m²"
                for o, a in zip(rows["other_id"], rows["area_m2"], strict=True)
            ]
            if narrow:
                messages = [
                    f"sliver (overlap): {m}, at most {w:.2g} m wide (narrower than "
                    f"min_width_m={min_width_m:g} m)"
                    for m, w in zip(messages, rows["width_m"], strict=True)
                ]
            check = "sliver" if narrow else "same_level_overlap"
            frames.append(_rows(level, rows["id"], check, messages, rows.geometry))
    return frames


#: The levels whose units are polygons (their ``tiny_polygon`` rows), before streets and districts.
POLYGON_LEVELS = tuple(name for name in LEVEL_NAMES if "Polygon" in LEVELS[name].geometry_types)


def upper_tiny_polygons(h: Hierarchy, min_area_m2: float) -> list[pd.DataFrame]:
    """:func:`tiny_polygons` of the street and district outlines (their communities merged)."""
    return [
        tiny_polygons(
            street_outlines(h.communities, by=name, metric_crs=h.metric_crs),
            name,
            h.metric_crs,
            min_area_m2,
        )
        for name in UPPER
    ]


def tiny_polygons(frame: gpd.GeoDataFrame, name: str, crs: Any, min_area_m2: float) -> pd.DataFrame:
    """Polygons of ``frame`` (level ``name``, or ``street``/``district`` outlines) smaller than
    ``min_area_m2`` (m², in the metric ``crs``): a fragment of a unit rather than a unit (often
    one part of an id split over several rows)."""
    label = LEVELS[name].label_en if name in LEVELS else name
    geoms = np.asarray(frame.geometry.array, dtype=object)
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6]) & ~shapely.is_empty(geoms)
    polygonal &= shapely.is_valid(geoms)  # an invalid one (its area unreliable) is reported so
    if not polygonal.any():
        return _rows(name, [], "tiny_polygon", [], [])
    area = np.full(len(frame), np.inf)
    area[polygonal] = shapely.area(
        np.asarray(frame.geometry[polygonal].to_crs(crs).array)  # type: ignore[operator]  # a GeoSeries
    )
    tiny = area < min_area_m2
    return _rows(
        name,
        frame.index[tiny],
        "tiny_polygon",
        [f"{label} polygon of {a:.3g} m², below min_area_m2={min_area_m2:g}" for a in area[tiny]],
        geoms[tiny],
    )


def _merged(
    table: gpd.GeoDataFrame, keys: list[str], narrow: bool, min_area_m2: float
) -> gpd.GeoDataFrame:
    """Real parts (``narrow=False``), or slivers of at least ``min_area_m2``, merged per ``keys``.

    :func:`gridparty.checks.coverage.merge_parts` does the merging; for slivers ``width_m`` is the
    widest part's.
    """
    if not narrow:
        return merge_parts(table, keys)
    chosen = table[(table["kind"] == "sliver") & (table["area_m2"] >= min_area_m2)]
    merged = merge_parts(chosen, keys, slivers=True)
    width = chosen.groupby(keys, sort=True)["width_m"].max()
    return merged.assign(width_m=width.to_numpy())


def organisation(h: Hierarchy, rules: PartyRules) -> pd.DataFrame:
    """Branches and groups missing, from :func:`gridparty.checks.organisation.organisation_findings`,
    and the attributes these checks need that are not recorded at all."""
    return organisation_rows(
        organisation_findings(h, rules=rules),
        unrecorded_attributes(h, needed_by=ORGANISATION_CHECKS),
    )


def organisation_rows(found: pd.DataFrame, missing: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`organisation` from the findings (those of :data:`ORGANISATION_CHECKS`
    are kept) and :func:`~gridparty.checks.organisation.unrecorded_attributes` for them."""
    return pd.concat(
        [
            *(  # type: ignore[list-item]  # pandas-stubs: a list of frames
                _rows(level, rows["id"], check, rows["message"], rows.geometry)
                for (level, check) in _ORGANISATION
                for rows in [found[found["check"] == check]]
            ),
            *(  # type: ignore[list-item]  # pandas-stubs: a list of frames
                _rows(level, rows["attribute"], "not_recorded", rows["message"], [None] * len(rows))  # type: ignore[arg-type]  # a level name
                for level, rows in missing.groupby("level", sort=False)
            ),
        ]
    )
