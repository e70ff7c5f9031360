"""The coverage map: grids coloured by status, gaps, overlaps, spill-overs and slivers.

Popups show areas (m²), widths (m) and counts of buildings, households and member households;
household counts below ``min_count`` show as ``"<5"``. No household points, no personal data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.results import header
from gridparty.maps.base import Tiles, start_map
from gridparty.maps.hierarchy import layer_bounds
from gridparty.maps.layers import add_communities, add_features
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT, check_min_count, suppress_small_counts

if TYPE_CHECKING:
    from gridparty.checks.report import CoverageReport

__all__ = ["coverage_map"]

_PART_COLUMNS = {
    "gaps": ("parent_id", "area_m2", "width_m", "buildings", "households", "member_households"),
    "overlaps": (
        "child_id",
        "other_id",
        "area_m2",
        "width_m",
        "buildings",
        "households",
        "member_households",
    ),
    "outside": (
        "child_id",
        "parent_id",
        "area_m2",
        "width_m",
        "buildings",
        "households",
        "member_households",
    ),
}
_HOUSEHOLD_COUNTS = ("households", "member_households")


def coverage_map(
    report: CoverageReport,
    *,
    tiles: Tiles = "osm",
    lang: str = "zh",
    min_count: int = DEFAULT_MIN_COUNT,
    assets: str = "inline",
    slivers: bool = False,
    m: folium.Map | None = None,
    title: str | None = None,
) -> folium.Map:
    """A map of a :class:`~gridparty.checks.report.CoverageReport` for sharing.

    Layers (each switchable): communities, grids coloured by status
    (:data:`~gridparty.checks.report.GRID_STATUSES`), gaps, overlaps, spill-overs, gaps
    between the communities of a street, and slivers (off when the map opens).

    Parameters
    ----------
    report : CoverageReport
        From :func:`gridparty.check_coverage`.
    tiles : str or xyzservices.TileProvider
        Base tiles, as for :func:`gridparty.maps.base_map`; with Gaode tiles everything is
        drawn in GCJ-02.
    lang : {"zh", "en"}
        Label language.
    min_count : int
        Household counts below this show as ``"<min_count"`` (0 shows every count).
    assets : {"inline", "cdn"}
        Inline Leaflet (offline, default) or link it.
    slivers : bool
        Switch the sliver layer on when the map opens.
    m : folium.Map, optional
        Draw onto this map (its tiles and language stay) instead of a new one.
    title : str, optional
        Title shown at the top of the map (plain text).

    Returns
    -------
    folium.Map
    """
    from gridparty.checks.report import CoverageReport

    if not isinstance(report, CoverageReport):
        raise InputError(
            f"report must be a CoverageReport (gridparty.check_coverage(h)), got "
            f"{type(report).__name__}."
        )
    lang_ = check_lang(lang)
    min_count = check_min_count(min_count)
    h = report.hierarchy
    m = start_map(
        m,
        layer_bounds([h.communities, h.grids]),
        tiles=tiles,
        lang=lang_,
        assets=assets,
        title=title,
        sources=h.sources,
    )
    groups = []
    if len(h.communities):
        groups.append(
            add_communities(m, h.communities, counts=h.summary("community"), min_count=min_count)
        )
    if len(h.grids):
        groups.append(_add_grids(m, report, lang_, min_count))
    spatial = report.grids
    layers = [
        ("gaps", spatial.gaps, "coverage_gap", True),
        ("overlaps", spatial.overlaps, "coverage_overlap", True),
        ("outside", spatial.outside, "coverage_outside", True),
    ]
    if report.communities is not None:
        layers.append(("street_gaps", report.communities.gaps, "coverage_street_gap", True))
    for name, table, style, show in layers:
        real = table[table["kind"] != "sliver"]
        if len(real):
            groups.append(_add_parts(m, real, name, style, lang_, min_count, show))
    sliver_table = spatial.slivers
    if len(sliver_table):
        groups.append(_add_slivers(m, sliver_table, lang_, min_count, slivers))
    note = text("coverage_sliver_note", lang_).format(
        area=spatial.min_area_m2, width=spatial.min_width_m
    )
    add_legend(m, [k for g in groups for k in g.legend_keys], notes=[note], groups=groups)  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    add_layer_control(m)
    return m


def _add_grids(
    m: folium.Map, report: CoverageReport, lang: Lang, min_count: int
) -> folium.FeatureGroup:
    status = report.grid_status
    counts = report.hierarchy.summary("grid").reindex(status.index)
    names = counts["name"].astype(TEXT_DTYPE)
    ids = pd.Series(status.index.astype(TEXT_DTYPE), index=status.index)
    values = pd.DataFrame(
        {
            "grid_id": ids,
            "community_id": status["community_id"].astype(TEXT_DTYPE),
            "status": [text(f"coverage_grid_{s}", lang) for s in status["status"]],
            "reasons": [
                ", ".join(header(r, lang) for r in str(v).split(", ") if r)
                for v in status["reasons"].fillna("")
            ],
            **{c: suppress_small_counts(counts[c], min_count) for c in _HOUSEHOLD_COUNTS},
        },
        index=status.index,
    )
    tips = text("grid", lang) + label_colon(lang) + names.mask(names.str.strip().eq("")).fillna(ids)
    return add_features(
        m,
        status,
        tips=tips.tolist(),
        labels=[header(c, lang) for c in values.columns],
        values=values,
        styles=_grid_styles(status),
        name=header("grid_status", lang),
        show=True,
    )


def _grid_styles(status: pd.DataFrame) -> list[str]:
    """Style per grid: its status, with a ``spatial`` grid that neither overlaps nor spills
    over (only its geometry or parent is wrong) in a class of its own."""
    styles = []
    for value, reasons in zip(status["status"], status["reasons"].fillna(""), strict=True):
        checks = {r for r in str(reasons).split(", ") if r}
        spatial_only = value == "spatial" and not checks & {"overlap", "outside"}
        styles.append("coverage_grid_geometry" if spatial_only else f"coverage_grid_{value}")
    return styles


def _add_parts(
    m: folium.Map,
    table: gpd.GeoDataFrame,
    name: str,
    style: str,
    lang: Lang,
    min_count: int,
    show: bool,
) -> folium.FeatureGroup:
    columns = [c for c in _PART_COLUMNS.get(name.removeprefix("street_"), ()) if c in table]
    values = _part_values(table, columns, min_count)
    head = text(style, lang) + label_colon(lang)
    tips = [f"{head}{a:,.0f} m²" for a in table["area_m2"]]
    return add_features(
        m,
        table,
        tips=tips,
        labels=[header(c, lang) for c in columns],
        values=values,
        styles=[style] * len(table),
        name=header(name, lang),
        show=show,
        markers=True,
    )


def _add_slivers(
    m: folium.Map, table: gpd.GeoDataFrame, lang: Lang, min_count: int, show: bool
) -> folium.FeatureGroup:
    columns = ["problem", "parent_id", "child_id", "other_id", "area_m2", "width_m"]
    values = _part_values(table, columns, min_count)
    values["problem"] = [header(p if p != "gap" else "gaps", lang) for p in table["problem"]]
    tips = [
        f"{text('coverage_sliver', lang)}{label_colon(lang)}{a:,.2f} m²" for a in table["area_m2"]
    ]
    return add_features(
        m,
        table,
        tips=tips,
        labels=[header(c, lang) for c in columns],
        values=values,
        styles=["coverage_sliver"] * len(table),
        name=text("coverage_sliver", lang),
        show=show,
    )


def _part_values(table: pd.DataFrame, columns: list[str], min_count: int) -> pd.DataFrame:
    out = {}
    for column in columns:
        values = table[column]
        if column in _HOUSEHOLD_COUNTS:
            out[column] = suppress_small_counts(values, min_count)
        elif column in ("area_m2", "width_m"):
            out[column] = [f"{v:,.1f}" for v in values]  # type: ignore[assignment]  # a column of text
        else:
            out[column] = values.astype(TEXT_DTYPE)
    return pd.DataFrame(out, index=table.index)


def label_colon(lang: Lang) -> str:
    return "：" if lang == "zh" else ": "
