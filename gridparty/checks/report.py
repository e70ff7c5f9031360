"""The whole coverage check of a hierarchy in one result: :func:`check_coverage` → :class:`CoverageReport`.

A planner's question "where are our blind spots?" answered per community and street: gaps,
overlaps and spill-overs of grids in communities (and of communities in streets), the
organisational findings and coverage rates, optionally how the party grids line up with
another grid layer and what changed since an earlier snapshot. Tables, an Excel workbook
(Chinese headers by default), a GeoPackage and a coverage map
(:func:`gridparty.maps.coverage.coverage_map`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from gridparty.checks.coverage import (
    COVERAGE_CHECKS,
    DEFAULT_MIN_AREA_M2,
    DEFAULT_MIN_WIDTH_M,
    SpatialCoverage,
    spatial_coverage,
    street_outlines,
    unit_overlaps,
)
from gridparty.checks.fusion import GridFusion, grid_fusion
from gridparty.checks.organisation import (
    OrganisationCoverage,
    coverage_rates,
    organisation_coverage,
)
from gridparty.checks.snapshots import SnapshotComparison, compare_coverage
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.core.results import Tables, figures, value_word
from gridparty.core.rules import DEFAULT_RULES, PartyRules
from gridparty.spatial.assign import Assignment, assign, with_parents

if TYPE_CHECKING:
    import folium

__all__ = ["GRID_STATUSES", "CoverageReport", "check_coverage", "grid_status"]

#: Status of a grid on the coverage map, from the most to the least urgent:
#: ``spatial`` (overlaps another grid, spills out of its community or has invalid geometry),
#: ``no_branch`` (enough formal members but no branch), ``joint_branch`` (a joint-branch
#: candidate), ``attention`` (households outside the band, no full-time grid worker), ``ok``.
GRID_STATUSES = ("spatial", "no_branch", "joint_branch", "attention", "ok")
_STATUS_CHECKS = {
    "spatial": ("overlap", "outside", *COVERAGE_CHECKS),
    "no_branch": ("members_without_branch",),
    "joint_branch": ("joint_branch_candidate",),
    "attention": ("households_outside_band", "no_full_time_worker"),
}

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CoverageReport(Tables):
    """Result of :func:`check_coverage`; every area in m², every geometry in EPSG:4326.

    Attributes
    ----------
    hierarchy : Hierarchy
        The checked hierarchy with parent ids filled from space.
    grids : SpatialCoverage
        Grids in communities: gaps, overlaps, spill-overs (``outside``), per community.
    communities : SpatialCoverage or None
        Communities in their streets (communities dissolved by ``street``, holes filled).
    organisation : OrganisationCoverage
        Findings, unit tables, joint branches, coverage rates.
    grid_status : GeoDataFrame
        Per grid: ``community_id``, ``status`` (:data:`GRID_STATUSES`), ``reasons`` and the
        grid's geometry.
    fusion : GridFusion or None
        Party grids against another grid layer (when ``other_grids`` was given).
    changes : SnapshotComparison or None
        Changes since ``previous`` (when given).
    unit_overlaps : GeoDataFrame or None
        Land claimed by two communities, two streets or two districts
        (:func:`gridparty.checks.coverage.same_level_overlaps` per ``level``).

    Examples
    --------
    >>> import gridparty as gp
    >>> report = gp.check_coverage(gp.sample_city())
    >>> report.grid_status["status"].value_counts().to_dict()
    {'ok': 46, 'attention': 10, 'spatial': 3, 'no_branch': 1}
    """

    hierarchy: Hierarchy
    grids: SpatialCoverage
    communities: SpatialCoverage | None
    organisation: OrganisationCoverage
    grid_status: gpd.GeoDataFrame
    fusion: GridFusion | None = None
    changes: SnapshotComparison | None = None
    unit_overlaps: gpd.GeoDataFrame | None = None

    def headline(self) -> pd.DataFrame:
        """The figures a person reads first: grid coverage, gaps, overlaps at every polygon
        level (grids, communities, streets, districts; count and m², slivers left out),
        spill-overs and input problems.

        Returns
        -------
        DataFrame
            One column ``value`` indexed by ``figure``.
        """
        grids = self.grids.summary()["value"]
        rows: dict[str, object] = {
            name: grids[name]
            for name in ("communities", "grids", "coverage_ratio", "gaps", "gap_m2")
        }
        rows["grid_overlaps"], rows["grid_overlap_m2"] = grids["overlaps"], grids["overlap_m2"]
        found = self.unit_overlaps
        for level in ("community", "street", "district"):
            real = (
                found[(found["level"] == level) & (found["kind"] != "sliver")]
                if found is not None
                else pd.DataFrame({"area_m2": []})
            )
            rows[f"{level}_unit_overlaps"] = len(real)
            rows[f"{level}_unit_overlap_m2"] = float(real["area_m2"].sum())
        rows["spill_overs"], rows["outside_m2"] = grids["spill_overs"], grids["outside_m2"]
        rows["problems"] = len(self.problems)
        return figures(rows)

    def summary(self, by: str = "community") -> pd.DataFrame:
        """Coverage per community or per street.

        Parameters
        ----------
        by : {"community", "street"}
            The unit.

        Returns
        -------
        DataFrame
            Area, grids, gaps and gap area, coverage ratio, overlap and spill-over area (m²),
            slivers, buildings, households and member households in gaps, grid and building
            organisation and work coverage, warnings and infos; by street also the gaps
            between its communities (``community_gap_m2``).
        """
        if by == "community":
            return self._by_community()
        if by == "street":
            return self._by_street()
        raise InputError(f"by={by!r} is not a unit of the report; use 'community' or 'street'.")

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table by name (the Excel sheets and, with geometry, the GeoPackage layers)."""
        out: dict[str, pd.DataFrame] = {
            "summary_street": self.summary("street"),
            "gaps": self.grids.gaps,
            "overlaps": self.grids.overlaps,
            "outside": self.grids.outside,
        }
        if self.communities is not None:
            out.update(
                {
                    "street_gaps": self.communities.gaps,
                    "street_overlaps": self.communities.overlaps,
                    "street_outside": self.communities.outside,
                }
            )
        if self.unit_overlaps is not None:
            out["unit_overlaps"] = self.unit_overlaps
        out.update(
            {
                "grid_status": self.grid_status,
                "findings": self.organisation.findings,
                "rates": self.organisation.rates.set_index("scope"),
                "joint_branches": self.organisation.joint_branches,
                "problems": self.problems,
            }
        )
        for part in (self.fusion, self.changes):
            if part is not None:
                out.update(part.tables())
        return out

    def _sheets(self, lang: str) -> dict[str, pd.DataFrame]:
        """As for every result (code words of level, scope, check and severity in ``lang``),
        and the ``unit`` ``all`` in ``lang`` too."""
        return {name: _in_words(table, lang) for name, table in super()._sheets(lang).items()}

    @property
    def problems(self) -> pd.DataFrame:
        """Input problems of both spatial checks (``level, id, check, severity, message``)."""
        parts = [self.grids.problems]
        if self.communities is not None:
            parts.append(self.communities.problems)
        table = pd.concat(parts, ignore_index=True).drop_duplicates()
        return table.set_axis(pd.RangeIndex(1, len(table) + 1, name="problem"))

    def map(self, **kwargs: object) -> folium.Map:
        """The coverage map (see :func:`gridparty.maps.coverage.coverage_map` for options)."""
        from gridparty.maps.coverage import coverage_map

        return coverage_map(self, **kwargs)  # type: ignore[arg-type]

    def to_png(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """This map as a PNG for reports (see :func:`gridparty.to_png` for options)."""
        from gridparty.maps.static import to_png

        return to_png(self, path, **options)

    def to_pdf(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """This map as a PDF page for reports (see :func:`gridparty.to_pdf` for options)."""
        from gridparty.maps.static import to_pdf

        return to_pdf(self, path, **options)

    def _by_community(self) -> pd.DataFrame:
        spatial = self.grids.by_parent.rename_axis("community_id")
        table = self.hierarchy.communities[["name", "street"]].join(
            spatial.drop(columns=["name"]).rename(columns={"children": "grids"})
        )
        findings = self.organisation.findings
        severity = findings.pivot_table(
            index="community_id", columns="severity", values="id", aggfunc="count"
        ).reindex(columns=["warning", "info"])
        table = table.join(_level_rates(self.organisation.rates, "community"))
        table = table.join(severity.rename(columns=lambda s: f"{s}s")).fillna(
            {"warnings": 0, "infos": 0}
        )
        return table.astype({"warnings": "int64", "infos": "int64"})

    def _by_street(self) -> pd.DataFrame:
        communities = self._by_community()
        sums = [
            c
            for c in communities.columns
            if c not in ("name", "street", "coverage_ratio") and "coverage" not in c
        ]
        table = communities.groupby("street")[sums].sum(min_count=1)  # unknown stays unknown
        table["coverage_ratio"] = table["covered_m2"] / table["area_m2"].where(table["area_m2"] > 0)
        table = table.join(_level_rates(self.organisation.rates, "street"))
        if self.communities is not None:
            streets = self.communities.by_parent
            table["community_gap_m2"] = streets["gap_m2"].reindex(table.index).fillna(0)
            table["community_overlap_m2"] = streets["overlap_m2"].reindex(table.index).fillna(0)
        return table.rename_axis("street")


#: Code words of the ``level``/``scope`` columns that :func:`gridparty.core.labels.text` does
#: not know, in Chinese.
_WORD_COLUMNS = ("level", "scope")


def _in_words(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``table`` with the unit ``all`` (the total row of the rates) in ``lang``; the code words
    of the level/scope/check/severity columns are put in words by the workbook writer."""
    if "unit" not in table.columns:
        return table
    return table.assign(unit=table["unit"].replace({"all": value_word("all", lang)}))


def _level_rates(rates: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Organisation and work coverage per unit of ``scope`` as ``<level>_<rate>`` columns."""
    values = ["organisation_coverage", "work_coverage"]
    per = rates[rates["scope"] == scope].pivot(index="unit", columns="level", values=values)
    per.columns = [f"{level}_{rate}" for rate, level in per.columns]  # type: ignore[str-unpack]  # MultiIndex columns are tuples
    order = [f"{lv}_{r}" for lv in ("grid", "building") for r in values if f"{lv}_{r}" in per]
    return per[order]


def check_coverage(
    h: Hierarchy,
    *,
    assignment: Assignment | None = None,
    grid_coverage: SpatialCoverage | None = None,
    streets: bool = True,
    other_grids: gpd.GeoDataFrame | None = None,
    previous: Hierarchy | None = None,
    rules: PartyRules = DEFAULT_RULES,
    min_area_m2: float = DEFAULT_MIN_AREA_M2,
    min_width_m: float = DEFAULT_MIN_WIDTH_M,
    min_iou: float = 0.5,
    progress: Progress | None = None,
) -> CoverageReport:
    """Check the spatial and organisational coverage of a hierarchy.

    Parameters
    ----------
    h : Hierarchy
        The hierarchy; parent ids missing in it are filled from space first.
    assignment : Assignment, optional
        :func:`gridparty.spatial.assign` of ``h`` when already computed.
    grid_coverage : SpatialCoverage, optional
        The coverage of the grids in the communities of the filled ``h`` (with buildings and
        households counted) when already computed, e.g. by
        :func:`gridparty.distributed_coverage` with ``counts=True`` on a cluster.
    streets : bool
        Also check communities against their streets (communities dissolved by ``street``).
    other_grids : GeoDataFrame, optional
        Another grid layer (e.g. comprehensive-governance grids), index = its ids: matched with
        the party grids by IoU (:func:`gridparty.checks.fusion.grid_fusion`).
    previous : Hierarchy, optional
        An earlier snapshot of the same area: gaps closed and opened, rates before and after.
    rules : PartyRules
        Thresholds of the organisational checks.
    min_area_m2, min_width_m : float
        Gaps, overlaps and spill-overs below this area (m²) or narrower than this width (m)
        are slivers (reported with ``kind="sliver"``).
    min_iou : float
        Smallest IoU of a grid-fusion match.
    progress : callable, optional
        Called with a short message before each step (the CLI prints them).

    Returns
    -------
    CoverageReport

    Examples
    --------
    >>> import gridparty as gp
    >>> report = gp.check_coverage(gp.sample_city())
    >>> len(report.grids.gaps), len(report.grids.overlaps), len(report.grids.outside)
    (1, 1, 1)
    >>> report.summary("street").index.tolist()
    ['北外滩街道', '外滩街道', '陆家嘴街道']
    """
    if not isinstance(h, Hierarchy):
        raise InputError(f"h must be a gridparty.Hierarchy, got {type(h).__name__}.")
    if grid_coverage is not None and not isinstance(grid_coverage, SpatialCoverage):
        raise InputError(
            "grid_coverage must be a gridparty.SpatialCoverage (e.g. from "
            f"gridparty.distributed_coverage), got {type(grid_coverage).__name__}."
        )
    say = progress or (lambda message: None)
    say(f"assigning parents: {h}")
    assigned = assignment if assignment is not None else with_parents(h)
    say(assigned.describe())
    filled = assigned.hierarchy
    crs = filled.metric_crs
    if grid_coverage is None:
        say("checking grids in communities")
        grids = _grid_coverage(filled, crs, min_area_m2, min_width_m)
    else:
        grids = grid_coverage
    communities = None
    if streets:
        say("checking communities in streets")
        communities = spatial_coverage(
            street_outlines(filled.communities),
            filled.communities,
            parent_column="street",
            metric_crs=crs,
            min_area_m2=min_area_m2,
            min_width_m=min_width_m,
            parent_level="street",
            child_level="community",
        )
    say("checking communities, streets and districts for land claimed twice")
    overlapping = unit_overlaps(
        filled,
        metric_crs=crs,
        min_area_m2=min_area_m2,
        min_width_m=min_width_m,
    )
    say("checking the organisation rules")
    organisation = organisation_coverage(filled, rules=rules, metric_crs=crs)
    fusion = None
    if other_grids is not None:
        say(f"matching {len(filled.grids):,} grids with {len(other_grids):,} other grids")
        fusion = grid_fusion(filled.grids, other_grids, metric_crs=crs, min_iou=min_iou)
    changes = None
    if previous is not None:
        say("comparing with the previous snapshot")
        changes = _compare(previous, grids, organisation, rules, crs, min_area_m2, min_width_m)
    return CoverageReport(
        hierarchy=filled,
        grids=grids,
        communities=communities,
        organisation=organisation,
        grid_status=grid_status(filled, grids, organisation),
        fusion=fusion,
        changes=changes,
        unit_overlaps=overlapping,
    )


def _grid_coverage(
    h: Hierarchy, crs: object, min_area_m2: float, min_width_m: float
) -> SpatialCoverage:
    return spatial_coverage(
        h.communities,
        h.grids,
        parent_column="community_id",
        metric_crs=crs,  # type: ignore[arg-type]
        buildings=h.buildings,
        households=h.households,
        min_area_m2=min_area_m2,
        min_width_m=min_width_m,
    )


def _compare(
    previous: Hierarchy,
    grids: SpatialCoverage,
    organisation: OrganisationCoverage,
    rules: PartyRules,
    crs: object,
    min_area_m2: float,
    min_width_m: float,
) -> SnapshotComparison:
    if not isinstance(previous, Hierarchy):
        raise InputError(f"previous must be a gridparty.Hierarchy, got {type(previous).__name__}.")
    before = assign(previous).hierarchy
    return compare_coverage(
        _grid_coverage(before, crs, min_area_m2, min_width_m),
        grids,
        rates_before=coverage_rates(before, rules=rules),
        rates_after=organisation.rates,
    )


def grid_status(
    h: Hierarchy, grids: SpatialCoverage, organisation: OrganisationCoverage
) -> gpd.GeoDataFrame:
    """The map status of every grid (:data:`GRID_STATUSES`) and the checks behind it.

    Returns
    -------
    GeoDataFrame
        Index ``grid_id``: ``community_id``, ``status``, ``reasons`` (comma-separated checks:
        ``overlap``, ``outside``, ``invalid_geometry`` and the organisational ones), geometry.
    """
    reasons = [
        _ids_with(grids.by_child["overlaps"] > 0, "overlap"),
        _ids_with(grids.by_child["outside_m2"] > 0, "outside"),
        grids.problems.loc[grids.problems["level"] == "grid", ["id", "check"]],
        organisation.findings.loc[organisation.findings["level"] == "grid", ["id", "check"]],
    ]
    found = pd.concat(reasons, ignore_index=True).astype(TEXT_DTYPE)
    status = pd.Series("ok", index=h.grids.index, dtype="object")
    for name in reversed(GRID_STATUSES[:-1]):  # the most urgent status is set last and wins
        hit = found.loc[found["check"].isin(_STATUS_CHECKS[name]), "id"]
        status[status.index.isin(hit)] = name
    text = found.groupby("id")["check"].agg(lambda s: ", ".join(sorted(set(s))))
    return gpd.GeoDataFrame(
        {
            "community_id": h.grids["community_id"],
            "status": status.astype(TEXT_DTYPE),
            "reasons": text.reindex(h.grids.index).fillna("").astype(TEXT_DTYPE),
        },
        geometry=h.grids.geometry,
        crs=4326,
    )


def _ids_with(mask: pd.Series, check: str) -> pd.DataFrame:
    return pd.DataFrame({"id": mask.index[mask.to_numpy(dtype=bool)], "check": check})
