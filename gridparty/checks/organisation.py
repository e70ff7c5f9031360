"""Organisational coverage: which units lack the party organisation the rules ask for.

The rules are the thresholds of :class:`gridparty.core.rules.PartyRules` (each with its source).
Grids are the branch level (网格党支部), buildings the party-group level (楼栋党小组) and the
hub households (党员中心户) the level below. Two rates per level (:func:`coverage_rates`):

* **organisation coverage** = units that should have an organisation *and* have one ÷ units
  that should have one. A grid should have a branch when its buildings' member households hold
  at least ``branch_min_formal`` formal members; a building should have a party group when its
  member households hold at least ``group_min_members`` members of whom at least
  ``group_min_formal`` are formal. A unit whose flag (``has_branch``/``has_group``) is missing
  counts as not having one (``not_recorded`` says how many).
* **work coverage** = households reached ÷ households, where households are the buildings'
  ``households`` attribute; a grid reaches the households of its buildings when it has a
  branch, a building reaches its own households when it has a party group or a hub household.
  ``member_work_coverage`` is the same share counted in member households (the household points).

Findings (:func:`organisation_findings`) are one row per unit and check, see
:data:`ORGANISATION_CHECKS`.

Missing values
--------------
An attribute the checks read (:data:`NEEDED_ATTRIBUTES`: ``has_branch`` and
``full_time_workers`` of grids, ``has_group`` and ``households`` of buildings,
``formal_members`` and ``is_hub`` of member households) is **not recorded** when it is missing
on every row of a non-empty layer — typically a column that was not there or not recognised
(map it with ``columns={"你的列名": "has_branch"}``). Then the checks that need it are not run
(they would all answer from unknowns), one ``not_recorded`` finding per level and attribute
says so, and the rates that need it are NaN with the reason in the rates' ``reasons`` column
(:func:`unrecorded_attributes` lists them). Where an attribute is missing on *some* rows only:

* ``has_branch``/``has_group``: the unit is unknown, not without one: no
  ``members_without_branch``/``members_without_group`` finding; in the rates it counts as not
  having one (a lower bound) and ``not_recorded`` counts it;
* ``full_time_workers``: a ``no_full_time_worker`` finding "not recorded" for that grid;
* ``formal_members``, ``probationary_members`` and ``households`` count as 0, ``is_hub`` as
  not a hub. ``probationary_members`` is optional: when it is not recorded at all, members are
  the formal members.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.geometry import measurable
from gridparty.core.model import Hierarchy, building_counts
from gridparty.core.results import Tables, figures
from gridparty.core.rules import COMPARISONS, DEFAULT_RULES, PartyRules
from gridparty.core.schema import LEVEL_NAMES, LEVELS

__all__ = [
    "NEEDED_ATTRIBUTES",
    "ORGANISATION_CHECKS",
    "OrganisationCoverage",
    "coverage_rates",
    "joint_branches",
    "organisation_coverage",
    "organisation_findings",
    "unit_tables",
    "unrecorded_attributes",
]

#: Every organisational check: check → (level, severity, meaning).
ORGANISATION_CHECKS: dict[str, tuple[str, str, str]] = {
    "members_without_branch": (
        "grid",
        "warning",
        "enough formal members for a branch (>= branch_min_formal) but none",
    ),
    "joint_branch_candidate": (
        "grid",
        "warning",
        "too few formal members for a branch of its own (< branch_min_formal) but some members "
        "or a branch: a joint branch with neighbouring units (see joint_branches)",
    ),
    "committee_due": (
        "grid",
        "info",
        "the branch has >= committee_min_formal formal members: a branch committee",
    ),
    "general_branch_possible": (
        "grid",
        "info",
        "more than general_branch_min_formal formal members: may become a general branch (党总支)",
    ),
    "primary_committee_due": (
        "grid",
        "info",
        ">= primary_committee_min_formal formal members: a primary committee (基层党委)",
    ),
    "households_outside_band": (
        "grid",
        "info",
        "households outside the band grid_households_min–grid_households_max",
    ),
    "no_full_time_worker": (
        "grid",
        "warning",
        "fewer full-time grid workers than grid_min_full_time (or none recorded)",
    ),
    "members_without_group": ("building", "warning", "enough members for a party group but none"),
    "no_hub_household": (
        "building",
        "info",
        ">= hub_min_member_households member households but no hub household",
    ),
    "not_recorded": (
        "grid, building or household",
        "warning",
        "an attribute some checks need is recorded for no unit of a level: those checks are not "
        "run and the rates that need it are unknown (the row's id is the attribute's name)",
    ),
}

_FORMAL = ("household", "formal_members")
_HOUSEHOLDS = ("building", "households")

#: What each check and rate reads: check, or (level, rate), → the (level, attribute) it needs.
NEEDED_ATTRIBUTES: dict[str | tuple[str, str], tuple[tuple[str, str], ...]] = {
    "members_without_branch": (("grid", "has_branch"), _FORMAL),
    "joint_branch_candidate": (_FORMAL,),
    "committee_due": (_FORMAL,),
    "general_branch_possible": (_FORMAL,),
    "primary_committee_due": (_FORMAL,),
    "households_outside_band": (_HOUSEHOLDS,),
    "no_full_time_worker": (("grid", "full_time_workers"),),
    "members_without_group": (("building", "has_group"), _FORMAL),
    "no_hub_household": (("household", "is_hub"),),
    ("grid", "organisation_coverage"): (("grid", "has_branch"), _FORMAL),
    ("grid", "work_coverage"): (("grid", "has_branch"), _HOUSEHOLDS),
    ("grid", "member_work_coverage"): (("grid", "has_branch"),),
    ("building", "organisation_coverage"): (("building", "has_group"), _FORMAL),
    ("building", "work_coverage"): (
        ("building", "has_group"),
        ("household", "is_hub"),
        _HOUSEHOLDS,
    ),
    ("building", "member_work_coverage"): (("building", "has_group"), ("household", "is_hub")),
}

_FINDING_COLUMNS = (
    "level",
    "id",
    "check",
    "severity",
    "value",
    "threshold",
    "message",
    "community_id",
    "geometry",
)

#: The member counts of a unit, summed over its member households.
MEMBER_COLUMNS = ("member_households", "formal_members", "probationary_members", "hub_households")


@dataclass(frozen=True)
class OrganisationCoverage(Tables):
    """Result of :func:`organisation_coverage`.

    Attributes
    ----------
    findings : GeoDataFrame
        :func:`organisation_findings`.
    grids, buildings : DataFrame
        :func:`unit_tables`: counts and flags per grid (with its recommended ``form``) and per
        building.
    joint_branches : DataFrame
        :func:`joint_branches`.
    rates : DataFrame
        :func:`coverage_rates`.
    rules : PartyRules
        The thresholds used.
    """

    findings: gpd.GeoDataFrame
    grids: pd.DataFrame
    buildings: pd.DataFrame
    joint_branches: pd.DataFrame
    rates: pd.DataFrame
    rules: PartyRules

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {
            "findings": self.findings,
            "rates": self.rates,
            "joint_branches": self.joint_branches,
            "grid_units": self.grids,
        }

    def summary(self) -> pd.DataFrame:
        """Findings per check and the overall rates per level.

        A rate an unrecorded attribute leaves unknown is NaN, and ``<level>_rates_unknown``
        says why (only present then).
        """
        counts = self.findings["check"].value_counts()
        values: dict[str, object] = {c: int(counts.get(c, 0)) for c in ORGANISATION_CHECKS}
        total = self.rates[self.rates["scope"] == "total"].set_index("level")
        for level, row in total.iterrows():
            for rate in ("organisation_coverage", "work_coverage", "member_work_coverage"):
                values[f"{level}_{rate}"] = row[rate]
            if pd.notna(row["reasons"]):
                values[f"{level}_rates_unknown"] = row["reasons"]
        return figures(values)


def organisation_coverage(
    h: Hierarchy, *, rules: PartyRules = DEFAULT_RULES, metric_crs: pyproj.CRS | None = None
) -> OrganisationCoverage:
    """Check a hierarchy against the rules of party organisation.

    Parameters
    ----------
    h : Hierarchy
        With parent ids filled (run :func:`gridparty.spatial.assign` first when some are missing).
    rules : PartyRules
        Thresholds, each with its source (:data:`gridparty.core.rules.SOURCES`).
    metric_crs : pyproj.CRS, optional
        Metric CRS to find neighbouring grids in; default ``h.metric_crs``.

    Returns
    -------
    OrganisationCoverage
        Findings, unit tables, joint-branch suggestions and coverage rates.

    Examples
    --------
    >>> import gridparty as gp
    >>> org = gp.organisation_coverage(gp.sample_city())
    >>> len(org.findings), org.grids.shape, org.buildings.shape
    (396, (60, 13), (1321, 11))
    """
    _check(h, rules)
    grids, buildings = unit_tables(h, rules)
    return OrganisationCoverage(
        findings=_findings(h, grids, buildings, rules),
        grids=grids,
        buildings=buildings,
        joint_branches=joint_branches(h, rules=rules, metric_crs=metric_crs, grids=grids),
        rates=coverage_rates(h, rules=rules, units=(grids, buildings)),
        rules=rules,
    )


def _check(h: object, rules: object) -> None:
    if not isinstance(h, Hierarchy):
        raise InputError(f"h must be a gridparty.Hierarchy, got {type(h).__name__}.")
    if not isinstance(rules, PartyRules):
        raise InputError(
            f"rules must be a gridparty.PartyRules, got {type(rules).__name__}; e.g. "
            "dataclasses.replace(gridparty.DEFAULT_RULES, branch_min_formal=5)."
        )


# -- units ----------------------------------------------------------------------------------------


def unit_tables(
    h: Hierarchy, rules: PartyRules = DEFAULT_RULES
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and flags per grid and per building, with what the rules ask of each.

    Returns
    -------
    (DataFrame, DataFrame)
        Grids (index ``grid_id``): ``community_id``, ``street``, ``buildings``,
        ``households``, member counts, ``has_branch``, ``full_time_workers``,
        ``should_have_branch``, ``form`` (``none``, ``joint_branch``, ``branch``,
        ``branch_with_committee``, ``general_branch``, ``primary_committee``).
        Buildings (index ``building_id``): ``grid_id``, ``community_id``, ``street``,
        ``households``, member counts, ``members`` (formal + probationary), ``has_group``,
        ``should_have_group``.
    """
    street = h.communities["street"]
    grids = grid_units(h.summary("grid"), h.grids, street, rules)
    buildings = building_units(
        h.buildings, building_counts(h.households), h.grids["community_id"], street, rules
    )
    return grids, buildings


def grid_units(
    summary: pd.DataFrame, grids: pd.DataFrame, street: pd.Series, rules: PartyRules
) -> pd.DataFrame:
    """The grids table of :func:`unit_tables` from the grids' counts (``h.summary("grid")``),
    the grids (their ``has_branch`` and ``full_time_workers``) and the street of each community
    (community id → street); any subset of the grids gives their rows of the whole table."""
    table = summary.join(grids[["has_branch", "full_time_workers"]])
    table.insert(1, "street", street.reindex(table["community_id"]).array)
    formal = table["formal_members"]
    table["should_have_branch"] = formal >= rules.branch_min_formal
    table["form"] = _forms(formal, table["has_branch"], rules)
    return table


def building_units(
    buildings: pd.DataFrame,
    counts: pd.DataFrame,
    community: pd.Series,
    street: pd.Series,
    rules: PartyRules,
) -> pd.DataFrame:
    """The buildings table of :func:`unit_tables` from the buildings, the member counts per
    building (:func:`~gridparty.core.model.building_counts`), the community of each grid (grid
    id → community id) and the street of each community; any subset of the buildings (with
    their counts) gives their rows of the whole table."""
    table = buildings[["grid_id", "households", "has_group"]].join(counts)
    table[list(MEMBER_COLUMNS)] = table[list(MEMBER_COLUMNS)].fillna(0).astype("int64")
    of_grid = community.reindex(table["grid_id"]).to_numpy()
    table.insert(1, "community_id", pd.array(of_grid, dtype=TEXT_DTYPE))
    table.insert(2, "street", street.reindex(of_grid).array)
    table["members"] = table["formal_members"] + table["probationary_members"]
    table["should_have_group"] = (table["members"] >= rules.group_min_members) & (
        table["formal_members"] >= rules.group_min_formal
    )
    return table


def _forms(formal: pd.Series, has_branch: pd.Series, rules: PartyRules) -> pd.Series:
    """The organisation form the rules give a unit with ``formal`` formal members."""
    too_few = formal < rules.branch_min_formal
    form = np.select(
        [
            too_few & ((formal > 0) | has_branch.fillna(False)),
            too_few,
            formal >= rules.primary_committee_min_formal,
            np.asarray(rules.general_branch_possible(formal), dtype=bool),
            formal >= rules.committee_min_formal,
        ],
        ["joint_branch", "none", "primary_committee", "general_branch", "branch_with_committee"],
        default="branch",
    )
    return pd.Series(form, index=formal.index, dtype=TEXT_DTYPE)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any


# -- findings -------------------------------------------------------------------------------------


def organisation_findings(h: Hierarchy, *, rules: PartyRules = DEFAULT_RULES) -> gpd.GeoDataFrame:
    """Every organisational finding, one row per unit and check.

    Returns
    -------
    GeoDataFrame
        Columns ``level, id, check, severity, value, threshold, message, community_id,
        geometry`` (the unit's geometry, EPSG:4326), sorted by level, check and id.
        :data:`ORGANISATION_CHECKS` lists the checks.

    Examples
    --------
    >>> import gridparty as gp
    >>> findings = gp.organisation_findings(gp.sample_city())
    >>> int(findings["check"].value_counts()["members_without_branch"])
    1
    """
    _check(h, rules)
    grids, buildings = unit_tables(h, rules)
    return _findings(h, grids, buildings, rules)


def _findings(
    h: Hierarchy, grids: pd.DataFrame, buildings: pd.DataFrame, rules: PartyRules
) -> gpd.GeoDataFrame:
    missing = _missing(h)
    frames = [
        unit_findings("grid", grids, rules, missing, h.grids.geometry),
        unit_findings("building", buildings, rules, missing, h.buildings.geometry),
        _not_recorded_rows(h),
    ]
    out = pd.concat(frames, ignore_index=True)
    order = {"grid": 0, "building": 1, "household": 2}
    out = out.sort_values(
        ["level", "check", "id"], key=lambda s: s.map(order) if s.name == "level" else s
    )
    out = out.set_axis(pd.RangeIndex(1, len(out) + 1, name="finding"))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)


def unit_findings(
    level: str,
    table: pd.DataFrame,
    rules: PartyRules,
    missing: frozenset[tuple[str, str]],
    geometry: gpd.GeoSeries,
) -> pd.DataFrame:
    """The findings (columns of :func:`organisation_findings`, unsorted) of the grids or
    buildings of ``table`` (:func:`grid_units` or :func:`building_units` rows).

    ``missing`` are the attributes not recorded in the whole hierarchy
    (:func:`missing_attributes`): their checks are not run. ``geometry`` holds the units'
    geometries by id (any superset of the table's units).
    """
    specs = _grid_specs(table, rules) if level == "grid" else _building_specs(table, rules)
    return pd.concat(
        [
            _finding_rows(
                geometry, check, table, mask & _runs(check, missing), value, threshold, template
            )
            for check, mask, value, threshold, template in specs
        ],
        ignore_index=True,
    )


#: A check of :func:`unit_findings`: check, which units, value, threshold, message after the value.
_Spec = tuple[str, pd.Series, pd.Series, str, str]


def _grid_specs(grids: pd.DataFrame, rules: PartyRules) -> list[_Spec]:
    formal = grids["formal_members"]
    lo, hi = rules.grid_households_min, rules.grid_households_max
    workers = grids["full_time_workers"]
    form = grids["form"]
    r = rules
    branch, committee = f">= {r.branch_min_formal}", f">= {r.committee_min_formal}"
    general = f"{COMPARISONS[r.general_branch_comparison]} {r.general_branch_min_formal}"
    primary, band = f">= {r.primary_committee_min_formal}", f"{lo}–{hi}"
    return [
        (
            "members_without_branch",
            grids["should_have_branch"] & grids["has_branch"].eq(False).fillna(False),
            formal,
            branch,
            f"formal members ({branch}) but no party branch",
        ),
        (
            "joint_branch_candidate",
            form.eq("joint_branch"),
            formal,
            f"< {r.branch_min_formal}",
            f"formal members (< {r.branch_min_formal}): a joint branch with neighbouring units",
        ),
        (
            "committee_due",
            form.eq("branch_with_committee"),
            formal,
            committee,
            f"formal members ({committee}): the branch sets up a branch committee",
        ),
        (
            "general_branch_possible",
            form.eq("general_branch"),
            formal,
            general,
            f"formal members ({general}): may become a general branch",
        ),
        (
            "primary_committee_due",
            form.eq("primary_committee"),
            formal,
            primary,
            f"formal members ({primary}): a primary committee",
        ),
        (
            "households_outside_band",
            (grids["households"] < lo) | (grids["households"] > hi),
            grids["households"],
            band,
            f"households, outside {band}",
        ),
        (
            "no_full_time_worker",
            workers.lt(r.grid_min_full_time).fillna(True),
            workers,
            f">= {r.grid_min_full_time}",
            f"full-time grid workers (< {r.grid_min_full_time})",
        ),
    ]


def _building_specs(buildings: pd.DataFrame, rules: PartyRules) -> list[_Spec]:
    r = rules
    return [
        (
            "members_without_group",
            buildings["should_have_group"] & buildings["has_group"].eq(False).fillna(False),
            buildings["members"],
            f">= {r.group_min_members}",
            f"members (>= {r.group_min_members}) but no party group",
        ),
        (
            "no_hub_household",
            (buildings["member_households"] >= max(r.hub_min_member_households, 1))
            & (buildings["hub_households"] == 0),
            buildings["member_households"],
            f">= {r.hub_min_member_households}",
            "member households but no hub household",
        ),
    ]


def _finding_rows(
    geometry: gpd.GeoSeries,
    check: str,
    table: pd.DataFrame,
    mask: pd.Series,
    value: pd.Series,
    threshold: str,
    template: str,
) -> pd.DataFrame:
    """Rows of one check: ``message`` is the value and ``template`` ("3 formal members ...")."""
    level, severity, _ = ORGANISATION_CHECKS[check]
    hit = mask.to_numpy(dtype=bool)
    ids = table.index[hit]
    values = pd.array(value[hit], dtype="Int64")  # type: ignore[call-overload]  # pandas-stubs: any array-like
    messages = [
        f"{template.split(' (')[0]} not recorded" if pd.isna(v) else f"{int(v)} {template}"
        for v in values
    ]
    n = len(ids)
    return pd.DataFrame(
        {
            "level": pd.array([level] * n, dtype=TEXT_DTYPE),
            "id": pd.array(ids, dtype=TEXT_DTYPE),
            "check": pd.array([check] * n, dtype=TEXT_DTYPE),
            "severity": pd.array([severity] * n, dtype=TEXT_DTYPE),
            "value": values,
            "threshold": pd.array([threshold] * n, dtype=TEXT_DTYPE),
            "message": pd.array(messages, dtype=TEXT_DTYPE),
            "community_id": pd.array(table["community_id"][hit], dtype=TEXT_DTYPE),
            "geometry": gpd.GeoSeries(geometry.reindex(ids).array, crs=4326),  # type: ignore[arg-type]  # geopandas takes a GeometryArray or a list of geometries/None
        },
        columns=list(_FINDING_COLUMNS),
    )


def _not_recorded_rows(h: Hierarchy) -> pd.DataFrame:
    """One ``not_recorded`` finding per level and attribute (id = the attribute's name)."""
    table = unrecorded_attributes(h)
    n = len(table)
    _, severity, _ = ORGANISATION_CHECKS["not_recorded"]
    return pd.DataFrame(
        {
            "level": pd.array(table["level"], dtype=TEXT_DTYPE),
            "id": pd.array(table["attribute"], dtype=TEXT_DTYPE),
            "check": pd.array(["not_recorded"] * n, dtype=TEXT_DTYPE),
            "severity": pd.array([severity] * n, dtype=TEXT_DTYPE),
            "value": pd.array([pd.NA] * n, dtype="Int64"),
            "threshold": pd.array([pd.NA] * n, dtype=TEXT_DTYPE),
            "message": pd.array(table["message"], dtype=TEXT_DTYPE),
            "community_id": pd.array([pd.NA] * n, dtype=TEXT_DTYPE),
            "geometry": gpd.GeoSeries([None] * n, crs=4326),  # type: ignore[arg-type]  # geopandas takes a GeometryArray or a list of geometries/None
        },
        columns=list(_FINDING_COLUMNS),
    )


# -- attributes not recorded ------------------------------------------------------------------------


def unrecorded_attributes(
    h: Hierarchy, needed_by: tuple[str | tuple[str, str], ...] | None = None
) -> pd.DataFrame:
    """The attributes checks or rates need that no unit of a (non-empty) level records.

    An attribute is *not recorded* when it is missing on every row of its layer, or when its
    whole layer is absent while there are grids (then ``units`` is 0 and the message says
    "no buildings loaded"; one row for the layer, its ``attribute`` the layer's name), e.g. a ``has_branch`` column the data did not have or under a name that was not
    recognised. The checks and rates that need it cannot answer (see the module docstring).

    Parameters
    ----------
    h : Hierarchy
        The hierarchy.
    needed_by : tuple, optional
        Keys of :data:`NEEDED_ATTRIBUTES` (checks, and ``(level, rate)`` pairs) to consider;
        default all of them.

    Returns
    -------
    DataFrame
        One row per level and attribute not recorded: ``level``, ``attribute``, ``units`` (rows
        of its layer), ``checks`` and ``rates`` (the checks not run and the rates unknown,
        comma-separated, as ``<level>_<rate>``) and ``message`` (what is affected, the
        attribute's Chinese names and how to map a column to it).
    """
    units: dict[str, int] = {name: len(h.layer(name)) for name in LEVEL_NAMES}
    return unrecorded_table(_missing(h), units, needed_by)


def unrecorded_table(
    missing: frozenset[tuple[str, str]],
    units: Mapping[str, int],
    needed_by: tuple[str | tuple[str, str], ...] | None = None,
) -> pd.DataFrame:
    """:func:`unrecorded_attributes` from the attributes not recorded
    (:func:`missing_attributes`) and the number of units per level (level name → rows)."""
    keys = tuple(NEEDED_ATTRIBUTES) if needed_by is None else needed_by
    unknown = [k for k in keys if k not in NEEDED_ATTRIBUTES]
    if unknown:
        raise InputError(
            f"needed_by has unknown keys {unknown}; use checks or (level, rate) pairs of "
            "gridparty.checks.organisation.NEEDED_ATTRIBUTES."
        )
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}  # → (checks, rates)
    for key in keys:
        kind, name = (0, key) if isinstance(key, str) else (1, "_".join(key))
        for need in NEEDED_ATTRIBUTES[key]:
            if need in missing:
                found.setdefault(need, ([], []))[kind].append(name)
    absent: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for (level, _), (checks, rates) in found.items():
        if not units[level]:  # one row for the whole layer, id = the layer's name
            both = absent.setdefault((level, LEVELS[level].layer), ([], []))
            both[0].extend(c for c in checks if c not in both[0])
            both[1].extend(r for r in rates if r not in both[1])
    found = {k: v for k, v in found.items() if units[k[0]]} | absent
    order = {name: i for i, name in enumerate(LEVEL_NAMES)}
    rows = []
    for (level, attribute), (checks, rates) in sorted(
        found.items(),
        key=lambda item: order[item[0][0]],  # type: ignore[index]  # a level name
    ):
        rows.append(
            {
                "level": level,
                "attribute": attribute,
                "units": units[level],
                "checks": ", ".join(checks),
                "rates": ", ".join(rates),
                "message": _not_recorded_message(level, attribute, units[level], checks, rates),
            }
        )
    columns = ["level", "attribute", "units", "checks", "rates", "message"]
    table = pd.DataFrame(rows, columns=columns)
    return table.astype({c: TEXT_DTYPE for c in columns if c != "units"} | {"units": "int64"})


def _missing(h: Hierarchy) -> frozenset[tuple[str, str]]:
    """Every (level, attribute) of :data:`NEEDED_ATTRIBUTES` that is not recorded in ``h``."""
    units: dict[str, int] = {name: len(h.layer(name)) for name in LEVEL_NAMES}
    return missing_attributes(recorded_attributes(h.layers), units)


def recorded_attributes(layers: Mapping[str, pd.DataFrame]) -> frozenset[tuple[str, str]]:
    """Every (level, attribute) of :data:`NEEDED_ATTRIBUTES` that some row of ``layers`` (level
    name → rows, all or some of a layer's) records."""
    return frozenset(
        (level, attribute)
        for level, attribute in _NEEDS
        if level in layers
        and attribute in layers[level].columns
        and layers[level][attribute].notna().any()
    )


def missing_attributes(
    recorded: frozenset[tuple[str, str]], units: Mapping[str, int]
) -> frozenset[tuple[str, str]]:
    """Every (level, attribute) of :data:`NEEDED_ATTRIBUTES` that is not recorded, given those
    recorded anywhere (:func:`recorded_attributes`) and the rows per level: missing on every row
    of its layer, or its whole layer absent while there are grids to check (no buildings: no
    grid's households are known; no member households: no member is)."""
    return frozenset(
        (level, attribute)
        for level, attribute in _NEEDS
        if (units[level] and (level, attribute) not in recorded)
        or (not units[level] and units["grid"])
    )


#: Every (level, attribute) some check or rate needs.
_NEEDS = frozenset(need for needs in NEEDED_ATTRIBUTES.values() for need in needs)


def _runs(key: str | tuple[str, str], missing: frozenset[tuple[str, str]]) -> bool:
    """Whether the check or rate ``key`` has every attribute it needs."""
    return not any(need in missing for need in NEEDED_ATTRIBUTES[key])


def _not_recorded_message(
    level: str, attribute: str, units: int, checks: list[str], rates: list[str]
) -> str:
    lvl = LEVELS[level]
    names = [a for a, code in lvl.aliases.items() if code == attribute and not a.isascii()]
    aliases = f" ({', '.join(names)})" if names else ""
    effects = [f"{', '.join(checks)} cannot be checked"] if checks else []
    effects += [f"{', '.join(rates)} unknown"] if rates else []
    if not units:
        return (
            f"no {lvl.layer} loaded: {'; '.join(effects)}. Load the {lvl.layer} layer to check them"
        )
    return (
        f"{attribute}{aliases} is recorded for none of the {units:,} {lvl.layer}: "
        f"{'; '.join(effects)}. If the data holds it under another name, map that column "
        f"with columns={{'你的列名': '{attribute}'}}"
    )


# -- joint branches ---------------------------------------------------------------------------------


def joint_branches(
    h: Hierarchy,
    *,
    rules: PartyRules = DEFAULT_RULES,
    metric_crs: pyproj.CRS | None = None,
    grids: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Joint-branch candidates, their neighbouring candidates and a suggested grouping.

    A candidate is a grid with fewer than ``branch_min_formal`` formal members that has some
    members or a branch. Two grids are neighbours when they share boundary (their metric
    geometries intersect, via ``shapely.STRtree``). Candidates that neighbour each other are
    grouped into suggested joint branches of at most ``joint_branch_max_units`` grids, each
    group connected (grown breadth-first from the candidate with the fewest free neighbours).

    Parameters
    ----------
    h : Hierarchy
        With parent ids filled.
    rules : PartyRules
        ``branch_min_formal`` and ``joint_branch_max_units``.
    metric_crs : pyproj.CRS, optional
        Metric CRS; default ``h.metric_crs``.
    grids : DataFrame, optional
        :func:`unit_tables`' grid table, when already computed.

    Returns
    -------
    DataFrame
        Index ``grid_id``: ``community_id``, ``formal_members``, ``has_branch``,
        ``neighbours`` (candidate grids sharing a boundary, comma-separated),
        ``branch_neighbours`` (neighbouring grids that have a branch), ``group`` (``J1``, ...),
        ``group_units``, ``group_formal_members`` and ``group_enough`` (the group reaches
        ``branch_min_formal``).

    Examples
    --------
    >>> import gridparty as gp
    >>> joint = gp.joint_branches(gp.sample_city())
    >>> len(joint), list(joint.columns[:3])
    (0, ['community_id', 'formal_members', 'has_branch'])
    """
    grids = unit_tables(h, rules)[0] if grids is None else grids
    is_candidate = grids["form"].eq("joint_branch").to_numpy(dtype=bool)
    table = grids.loc[is_candidate, ["community_id", "formal_members", "has_branch"]]
    geoms = measurable(h.grids, metric_crs or h.metric_crs) if len(h.grids) else np.empty(0, object)
    a, b = shapely.STRtree(geoms).query(geoms[is_candidate], predicate="intersects")
    a = np.flatnonzero(is_candidate)[a]
    pairs = a != b
    a, b = a[pairs], b[pairs]
    ids = grids.index.to_numpy(dtype=object)
    both = is_candidate[b]
    with_branch = grids["has_branch"].fillna(False).to_numpy(dtype=bool)[b] & ~both
    table["neighbours"] = _joined(ids[a[both]], ids[b[both]], table.index)
    table["branch_neighbours"] = _joined(ids[a[with_branch]], ids[b[with_branch]], table.index)
    group = _groups(table.index, ids[a[both]], ids[b[both]], rules.joint_branch_max_units)
    table["group"] = pd.array(group.reindex(table.index), dtype=TEXT_DTYPE)
    sizes = table.groupby("group")["formal_members"].agg(["size", "sum"])
    table["group_units"] = sizes["size"].reindex(table["group"]).to_numpy()
    table["group_formal_members"] = sizes["sum"].reindex(table["group"]).to_numpy()
    table["group_enough"] = table["group_formal_members"] >= rules.branch_min_formal
    return table


def _joined(left: np.ndarray, right: np.ndarray, index: pd.Index) -> pd.Series:
    pairs = pd.Series(right, index=pd.Index(left, dtype=TEXT_DTYPE)).sort_values()
    text = pairs.groupby(level=0).agg(", ".join)
    return text.reindex(index).fillna("").astype(TEXT_DTYPE)


def _groups(nodes: pd.Index, left: np.ndarray, right: np.ndarray, max_units: int) -> pd.Series:
    """Connected groups of at most ``max_units`` nodes, grown breadth-first from sparse nodes.

    Each group is seeded at the free node with the fewest free neighbours (ties by ``str``)
    and takes the first ``max_units`` free nodes of a breadth-first walk from it over free
    nodes, neighbours in the graph's adjacency order. Seeds come from a heap of
    ``(free degree, str(node))`` updated lazily: taking a node lowers its free neighbours'
    degrees and pushes new entries for them, and an entry whose degree is no longer current is
    skipped when popped. Near-linear in the number of nodes and edges.
    """
    graph: nx.Graph[Any] = nx.Graph()
    graph.add_nodes_from(nodes)
    graph.add_edges_from(zip(left, right, strict=True))
    size = max(1, max_units)
    degree = {node: len(graph.adj[node]) for node in graph}
    pushed = itertools.count()  # unique third key: nodes themselves are never compared
    heap = [(d, str(node), next(pushed), node) for node, d in degree.items()]
    heapq.heapify(heap)
    free = set(degree)
    group: dict[object, str] = {}
    labels = 0
    while heap:
        d, _, _, seed = heapq.heappop(heap)
        if seed not in free or d != degree[seed]:
            continue  # taken already, or stale: the node's free degree has dropped since
        members = _walk(graph, seed, free, size)
        labels += 1
        group.update(dict.fromkeys(members, f"J{labels}"))
        free.difference_update(members)
        for node in members:
            for other in graph.adj[node]:
                if other in free:
                    degree[other] -= 1
                    heapq.heappush(heap, (degree[other], str(other), next(pushed), other))
    return pd.Series(group, dtype=TEXT_DTYPE)  # type: ignore[no-any-return]  # pandas-stubs type this call's result as Any


def _walk(graph: nx.Graph[Any], seed: object, free: set[Any], size: int) -> list[Any]:
    """The first ``size`` free nodes of a breadth-first walk from ``seed`` over free nodes."""
    members = [seed]
    seen = {seed}
    for node in members:  # the list is also the queue: it grows while it is walked
        if len(members) == size:
            break
        for other in graph.adj[node]:
            if other in free and other not in seen:
                seen.add(other)
                members.append(other)
                if len(members) == size:
                    break
    return members


# -- rates ----------------------------------------------------------------------------------------


def coverage_rates(
    h: Hierarchy,
    *,
    rules: PartyRules = DEFAULT_RULES,
    units: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Organisation and work coverage per level (grid, building), by community, street and total.

    See the module docstring for the definitions.

    Returns
    -------
    DataFrame
        Columns ``scope`` (``community``, ``street`` or ``total``), ``unit`` (its id or name;
        ``all`` for the total), ``level`` (``grid`` or ``building``), ``units``, ``should``,
        ``have``, ``not_recorded``, ``organisation_coverage``, ``households``,
        ``households_reached``, ``work_coverage``, ``member_households``,
        ``member_households_reached``, ``member_work_coverage`` (shares 0–1, NaN where the
        denominator is 0, or where an attribute the rate needs is not recorded at all) and
        ``reasons`` (which attributes are not recorded and which rates they leave unknown;
        missing where every rate of the row could be computed).

    Examples
    --------
    >>> import gridparty as gp
    >>> rates = gp.coverage_rates(gp.sample_city())
    >>> rates.shape, sorted(rates["scope"].unique())
    ((26, 15), ['community', 'street', 'total'])
    """
    grids, buildings = unit_tables(h, rules) if units is None else units
    frames = [
        _level_frame(
            grids,
            "grid",
            grids["should_have_branch"],
            grids["has_branch"],
            grids["has_branch"].fillna(False),
        ),
        _level_frame(
            buildings,
            "building",
            buildings["should_have_group"],
            buildings["has_group"],
            buildings["has_group"].fillna(False) | (buildings["hub_households"] > 0),
        ),
    ]
    table = pd.concat(frames, ignore_index=True)
    sums = [
        "units",
        "should",
        "have",
        "not_recorded",
        "households",
        "households_reached",
        "member_households",
        "member_households_reached",
    ]
    parts = []
    for scope, key in (("community", "community_id"), ("street", "street"), ("total", None)):
        keys = ["level"] if key is None else [key, "level"]
        grouped = table.groupby(keys, dropna=True)[sums].sum().reset_index()
        # text columns in TEXT_DTYPE: a scalar would be inferred as pandas' str (Arrow-backed
        # with pyarrow), which the concat below would then force on every name
        unit = ["all"] * len(grouped) if key is None else grouped.pop(key)
        parts.append(
            grouped.assign(
                scope=pd.array([scope] * len(grouped), dtype=TEXT_DTYPE),
                unit=pd.array(unit, dtype=TEXT_DTYPE),
            )
        )
    rates = pd.concat(parts, ignore_index=True)
    for rate, (num, den) in {
        "organisation_coverage": ("have", "should"),
        "work_coverage": ("households_reached", "households"),
        "member_work_coverage": ("member_households_reached", "member_households"),
    }.items():
        rates[rate] = (rates[num] / rates[den].where(rates[den] > 0)).astype("float64")
    rates["reasons"] = pd.Series(pd.NA, index=rates.index, dtype=TEXT_DTYPE)
    for level, (unknown, reason) in _unknown_rates(h).items():
        rows = rates["level"] == level
        rates.loc[rows, unknown] = np.nan
        rates.loc[rows, "reasons"] = reason
    columns = [
        "scope",
        "unit",
        "level",
        *sums[:4],
        "organisation_coverage",
        *sums[4:6],
        "work_coverage",
        *sums[6:],
        "member_work_coverage",
        "reasons",
    ]
    return rates[columns].astype({"scope": TEXT_DTYPE, "unit": TEXT_DTYPE, "level": TEXT_DTYPE})


def _unknown_rates(h: Hierarchy) -> dict[str, tuple[list[str], str]]:
    """Per level: the rates an attribute not recorded leaves unknown, and the reason."""
    missing = _missing(h)
    out: dict[str, tuple[list[str], str]] = {}
    for level in ("grid", "building"):
        lacking: dict[str, None] = {}  # an ordered set
        unknown = []
        for rate in ("organisation_coverage", "work_coverage", "member_work_coverage"):
            needs = [a for lv, a in NEEDED_ATTRIBUTES[(level, rate)] if (lv, a) in missing]
            if needs:
                lacking.update(dict.fromkeys(needs))
                unknown.append(rate)
        if unknown:
            out[level] = (
                unknown,
                f"{', '.join(lacking)} not recorded: {', '.join(unknown)} unknown",
            )
    return out


def _level_frame(
    units: pd.DataFrame, level: str, should: pd.Series, flag: pd.Series, reached: pd.Series
) -> pd.DataFrame:
    households = units["households"].fillna(0).astype("int64")
    return pd.DataFrame(
        {
            "community_id": units["community_id"],
            "street": units["street"],
            "level": level,
            "units": 1,
            "should": should.astype("int64"),
            "have": (should & flag.fillna(False)).astype("int64"),
            "not_recorded": (should & flag.isna()).astype("int64"),
            "households": households,
            "households_reached": households.where(reached.to_numpy(dtype=bool), 0),
            "member_households": units["member_households"].astype("int64"),
            "member_households_reached": units["member_households"]
            .where(reached.to_numpy(dtype=bool), 0)
            .astype("int64"),
        }
    )
