"""Styles of the map layers, one per legend class; the legend is drawn from the same table."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["PROBLEMS", "STYLES", "Style"]


@dataclass(frozen=True)
class Style:
    """Leaflet path style of one legend class (colours as ``#rrggbb``, weight in pixels)."""

    color: str
    fill_color: str
    weight: float = 1.0
    fill_opacity: float = 0.35
    fill: bool = True
    dash: str | None = None
    radius: float = 5.0  # circle markers (point geometries), pixels

    def leaflet(self) -> dict[str, object]:
        """Options for Leaflet's ``setStyle``."""
        out: dict[str, object] = {
            "color": self.color,
            "weight": self.weight,
            "fill": self.fill,
            "fillColor": self.fill_color,
            "fillOpacity": self.fill_opacity,
            "radius": self.radius,
        }
        if self.dash:
            out["dashArray"] = self.dash
        return out


# One colour language on every map: red and orange mean a problem, nothing else (see
# PROBLEMS); other classes use the Okabe-Ito colour-blind-safe palette: blue #0072B2, sky blue
# #56B4E9, bluish green #009E73, yellow #F0E442, reddish purple #CC79A7, greys.

#: Style of every legend class, keyed by its label key in :mod:`gridparty.core.labels`.
STYLES: MappingProxyType[str, Style] = MappingProxyType(
    {
        "community_boundary": Style("#1b2631", "#1b2631", weight=3.0, fill=False),
        "grid_branch": Style("#00664a", "#009e73", weight=1.5, fill_opacity=0.25),
        "grid_no_branch": Style("#8c7f00", "#f0e442", weight=1.5, fill_opacity=0.35),
        "grid_unknown": Style("#717d7e", "#bdc3c7", weight=1.5, fill_opacity=0.25),
        # grids by number of buildings (big-city maps at overview zoom), light to dark blue
        "grid_buildings_0": Style("#7f8c8d", "#eeeeee", weight=0.8, fill_opacity=0.5),
        "grid_buildings_1": Style("#4f8db3", "#deebf7", weight=0.8, fill_opacity=0.65),
        "grid_buildings_2": Style("#4f8db3", "#c6dbef", weight=0.8, fill_opacity=0.65),
        "grid_buildings_3": Style("#2f6f99", "#9ecae1", weight=0.8, fill_opacity=0.7),
        "grid_buildings_4": Style("#1b4f72", "#4292c6", weight=0.8, fill_opacity=0.7),
        "grid_buildings_5": Style("#0b2e4a", "#08519c", weight=0.8, fill_opacity=0.75),
        "building_group": Style("#004b75", "#0072b2", weight=0.8, fill_opacity=0.8, radius=4),
        "building_no_group": Style("#8c7f00", "#f0e442", weight=0.8, fill_opacity=0.85, radius=4),
        "building_unknown": Style("#616a6b", "#aab7b8", weight=0.8, fill_opacity=0.7, radius=4),
        "issue_error": Style(
            "#b03a2e", "#d55e00", weight=2.5, fill_opacity=0.15, dash="6 4", radius=9
        ),
        "issue_warning": Style(
            "#a04000", "#e69f00", weight=2.5, fill_opacity=0.12, dash="6 4", radius=7
        ),
        "issue_info": Style(
            "#1f618d", "#56b4e9", weight=2.0, fill_opacity=0.1, dash="3 4", radius=5
        ),
        # one marker per problem, visible at any zoom, sized by severity
        "issue_error_marker": Style("#7b1e12", "#d55e00", weight=1.5, fill_opacity=0.9, radius=9),
        "issue_warning_marker": Style("#7e4a00", "#e69f00", weight=1.5, fill_opacity=0.9, radius=7),
        "issue_info_marker": Style("#1f618d", "#56b4e9", weight=1.0, fill_opacity=0.8, radius=5),
        # coverage
        "coverage_gap": Style("#922b21", "#e74c3c", weight=2.0, fill_opacity=0.55),
        "coverage_street_gap": Style(
            "#641e16", "#cb4335", weight=2.0, fill_opacity=0.45, dash="4 3"
        ),
        "coverage_overlap": Style("#5b2c6f", "#a569bd", weight=2.0, fill_opacity=0.6),
        "coverage_outside": Style("#a04000", "#f39c12", weight=2.0, fill_opacity=0.6),
        "coverage_gap_marker": Style("#641e16", "#e74c3c", weight=1.5, fill_opacity=0.9, radius=7),
        "coverage_street_gap_marker": Style(
            "#641e16", "#cb4335", weight=1.5, fill_opacity=0.9, radius=7
        ),
        "coverage_overlap_marker": Style(
            "#3b1a48", "#a569bd", weight=1.5, fill_opacity=0.9, radius=7
        ),
        "coverage_outside_marker": Style(
            "#6e2c00", "#f39c12", weight=1.5, fill_opacity=0.9, radius=7
        ),
        "coverage_sliver": Style("#5d6d7e", "#aeb6bf", weight=1.0, fill_opacity=0.5, dash="2 3"),
        "coverage_grid_ok": Style("#00664a", "#009e73", weight=1.0, fill_opacity=0.2),
        "coverage_grid_attention": Style("#004b75", "#56b4e9", weight=1.5, fill_opacity=0.3),
        "coverage_grid_joint_branch": Style("#8c7f00", "#f0e442", weight=1.5, fill_opacity=0.4),
        "coverage_grid_no_branch": Style("#ba4a00", "#f0b27a", weight=1.5, fill_opacity=0.45),
        "coverage_grid_spatial": Style("#943126", "#f1948a", weight=2.0, fill_opacity=0.35),
        "coverage_grid_geometry": Style(
            "#943126", "#f1948a", weight=2.0, fill_opacity=0.2, dash="2 4"
        ),
        # flagship zones
        "flagship_zone": Style("#1a5276", "#56b4e9", weight=2.0, fill_opacity=0.12, dash="6 4"),
        "flagship_centre": Style("#002f4a", "#0072b2", weight=2.5, fill_opacity=1.0, radius=10),
        "flagship_link": Style("#2874a6", "#2874a6", weight=1.5, fill=False),
        "flagship_mentee": Style("#00664a", "#009e73", weight=1.0, fill_opacity=0.9, radius=5),
        "flagship_multiple": Style("#8c7f00", "#f0e442", weight=1.5, fill_opacity=0.95, radius=6),
        "flagship_unreached": Style("#7b1e12", "#d55e00", weight=2.0, fill_opacity=0.95, radius=7),
        # service access
        "access_band_1": Style("#00664a", "#009e73", weight=0.5, fill_opacity=0.35),
        "access_band_2": Style("#2f8fc0", "#56b4e9", weight=0.5, fill_opacity=0.3),
        "access_band_3": Style("#9b5a86", "#cc79a7", weight=0.5, fill_opacity=0.25),
        "access_street": Style("#7f8c8d", "#7f8c8d", weight=1.0, fill=False),
        "access_crossing": Style("#2471a3", "#2471a3", weight=3.0, fill=False, dash="6 4"),
        "access_under_served": Style("#922b21", "#e74c3c", weight=1.0, fill_opacity=0.85, radius=4),
        "access_centre_core": Style("#4a235a", "#8e44ad", weight=2.0, fill_opacity=0.95, radius=11),
        "access_centre_district": Style(
            "#002f4a", "#0072b2", weight=2.0, fill_opacity=0.95, radius=10
        ),
        "access_centre_street": Style(
            "#00664a", "#009e73", weight=2.0, fill_opacity=0.95, radius=9
        ),
        "access_centre_community": Style(
            "#0e6251", "#56b4e9", weight=1.5, fill_opacity=0.95, radius=7
        ),
        "access_centre_post": Style("#1b4f72", "#cc79a7", weight=1.5, fill_opacity=0.95, radius=5),
        "access_centre_unknown": Style(
            "#424949", "#95a5a6", weight=1.5, fill_opacity=0.9, radius=6
        ),
        "access_post_new": Style(
            "#000000", "#f0e442", weight=2.5, fill_opacity=1.0, dash="3 2", radius=9
        ),
        # grid delineation
        "delineation_in_band": Style("#1e8449", "#82e0aa", weight=1.5, fill_opacity=0.3),
        "delineation_below_min": Style("#1f618d", "#85c1e9", weight=1.5, fill_opacity=0.45),
        "delineation_above_max": Style("#a04000", "#f0b27a", weight=1.5, fill_opacity=0.45),
        "delineation_existing": Style("#000000", "#000000", weight=2.0, fill=False, dash="6 4"),
        "delineation_moved": Style("#004b75", "#0072b2", weight=1.5, fill_opacity=0.9, radius=5),
        # alliances
        "alliance_regional": Style("#1f618d", "#56b4e9", weight=2.0, fill_opacity=0.08),
        "alliance_industry": Style("#6c3483", "#cc79a7", weight=2.0, fill_opacity=0.08),
        "alliance_business_district": Style("#8c7f00", "#f0e442", weight=2.0, fill_opacity=0.1),
        "alliance_unknown": Style("#616a6b", "#aab7b8", weight=2.0, fill_opacity=0.08),
        "alliance_link": Style("#7f8c8d", "#7f8c8d", weight=1.0, fill=False, dash="2 3"),
        "unit_member": Style("#00664a", "#009e73", weight=1.0, fill_opacity=0.9, radius=5),
        "unit_agreement_only": Style("#8c7f00", "#f0e442", weight=1.0, fill_opacity=0.9, radius=5),
        "unit_uncovered": Style("#922b21", "#e74c3c", weight=1.5, fill_opacity=0.95, radius=6),
        "unit_bridging": Style("#000000", "#009e73", weight=3.0, fill_opacity=0.95, radius=8),
        "pairing_fixed": Style("#1b2631", "#1b2631", weight=2.0, fill=False),
        "pairing_proposed": Style("#0072b2", "#0072b2", weight=3.0, fill=False, dash="8 5"),
        "pairing_department": Style("#1b2631", "#566573", weight=1.5, fill_opacity=0.95, radius=7),
        "list_matched": Style("#00664a", "#009e73", weight=1.0, fill_opacity=0.9, radius=5),
        "list_partly_matched": Style("#a04000", "#f0b27a", weight=1.5, fill_opacity=0.9, radius=6),
        "list_unmatched": Style("#922b21", "#ec7063", weight=2.0, fill_opacity=0.95, radius=7),
        "list_resource": Style("#1a5276", "#56b4e9", weight=1.0, fill_opacity=0.9, radius=4),
        "list_match": Style("#56b4e9", "#56b4e9", weight=1.5, fill=False),
    }
)

#: The classes that mark a problem: the only ones drawn in red or orange.
PROBLEMS: frozenset[str] = frozenset(
    {
        "delineation_above_max",
        "issue_error",
        "issue_warning",
        "issue_error_marker",
        "issue_warning_marker",
        "coverage_gap",
        "coverage_street_gap",
        "coverage_outside",
        "coverage_overlap",
        "coverage_gap_marker",
        "coverage_street_gap_marker",
        "coverage_overlap_marker",
        "coverage_outside_marker",
        "coverage_grid_no_branch",
        "coverage_grid_spatial",
        "coverage_grid_geometry",
        "flagship_unreached",
        "access_under_served",
        "unit_uncovered",
        "list_partly_matched",
        "list_unmatched",
    }
)
