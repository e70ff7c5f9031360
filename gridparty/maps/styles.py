"""Styles of the map layers, one per legend class; the legend is drawn from the same table."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["STYLES", "Style"]


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


#: Style of every legend class, keyed by its label key in :mod:`gridparty.core.labels`.
STYLES: MappingProxyType[str, Style] = MappingProxyType(
    {
        "community_boundary": Style("#1f3a93", "#1f3a93", weight=3.0, fill=False),
        "grid_branch": Style("#1e8449", "#58d68d", weight=1.5, fill_opacity=0.25),
        "grid_no_branch": Style("#ca6f1e", "#f5b041", weight=1.5, fill_opacity=0.35),
        "grid_unknown": Style("#717d7e", "#bdc3c7", weight=1.5, fill_opacity=0.25),
        "building_group": Style("#922b21", "#e74c3c", weight=0.8, fill_opacity=0.8, radius=4),
        "building_no_group": Style("#9a7d0a", "#f4d03f", weight=0.8, fill_opacity=0.85, radius=4),
        "building_unknown": Style("#616a6b", "#aab7b8", weight=0.8, fill_opacity=0.7, radius=4),
        "issue_error": Style(
            "#b03a2e", "#e74c3c", weight=2.5, fill_opacity=0.15, dash="6 4", radius=8
        ),
        "issue_warning": Style(
            "#a04000", "#eb984e", weight=2.5, fill_opacity=0.12, dash="6 4", radius=8
        ),
        "issue_info": Style(
            "#1f618d", "#5dade2", weight=2.0, fill_opacity=0.1, dash="3 4", radius=8
        ),
        # coverage
        "coverage_gap": Style("#922b21", "#e74c3c", weight=2.0, fill_opacity=0.55),
        "coverage_street_gap": Style(
            "#641e16", "#cb4335", weight=2.0, fill_opacity=0.45, dash="4 3"
        ),
        "coverage_overlap": Style("#5b2c6f", "#a569bd", weight=2.0, fill_opacity=0.6),
        "coverage_outside": Style("#a04000", "#f39c12", weight=2.0, fill_opacity=0.6),
        "coverage_sliver": Style("#5d6d7e", "#aeb6bf", weight=1.0, fill_opacity=0.5, dash="2 3"),
        "coverage_grid_ok": Style("#1e8449", "#82e0aa", weight=1.0, fill_opacity=0.2),
        "coverage_grid_attention": Style("#1f618d", "#85c1e9", weight=1.5, fill_opacity=0.3),
        "coverage_grid_joint_branch": Style("#9a7d0a", "#f7dc6f", weight=1.5, fill_opacity=0.4),
        "coverage_grid_no_branch": Style("#ba4a00", "#f0b27a", weight=1.5, fill_opacity=0.45),
        "coverage_grid_spatial": Style("#943126", "#f1948a", weight=2.0, fill_opacity=0.35),
        # flagship zones
        "flagship_zone": Style("#1a5276", "#5dade2", weight=2.0, fill_opacity=0.12, dash="6 4"),
        "flagship_centre": Style("#7b241c", "#e74c3c", weight=2.5, fill_opacity=1.0, radius=10),
        "flagship_link": Style("#2874a6", "#2874a6", weight=1.5, fill=False),
        "flagship_mentee": Style("#196f3d", "#2ecc71", weight=1.0, fill_opacity=0.9, radius=5),
        "flagship_multiple": Style("#9a7d0a", "#f4d03f", weight=1.5, fill_opacity=0.95, radius=6),
        "flagship_unreached": Style("#000000", "#8e44ad", weight=2.0, fill_opacity=0.95, radius=7),
        # service access
        "access_band_1": Style("#1a7a4c", "#27ae60", weight=0.5, fill_opacity=0.35),
        "access_band_2": Style("#b7950b", "#f4d03f", weight=0.5, fill_opacity=0.3),
        "access_band_3": Style("#af601a", "#eb984e", weight=0.5, fill_opacity=0.25),
        "access_street": Style("#7f8c8d", "#7f8c8d", weight=1.0, fill=False),
        "access_crossing": Style("#2471a3", "#2471a3", weight=3.0, fill=False, dash="6 4"),
        "access_under_served": Style("#922b21", "#e74c3c", weight=1.0, fill_opacity=0.85, radius=4),
        "access_centre_core": Style("#4a235a", "#8e44ad", weight=2.0, fill_opacity=0.95, radius=11),
        "access_centre_district": Style(
            "#78281f", "#c0392b", weight=2.0, fill_opacity=0.95, radius=10
        ),
        "access_centre_street": Style(
            "#7e5109", "#e67e22", weight=2.0, fill_opacity=0.95, radius=9
        ),
        "access_centre_community": Style(
            "#0e6251", "#16a085", weight=1.5, fill_opacity=0.95, radius=7
        ),
        "access_centre_post": Style("#1b4f72", "#3498db", weight=1.5, fill_opacity=0.95, radius=5),
        "access_centre_unknown": Style(
            "#424949", "#95a5a6", weight=1.5, fill_opacity=0.9, radius=6
        ),
        "access_post_new": Style(
            "#000000", "#f1c40f", weight=2.5, fill_opacity=1.0, dash="3 2", radius=9
        ),
        # grid delineation
        "delineation_in_band": Style("#1e8449", "#82e0aa", weight=1.5, fill_opacity=0.3),
        "delineation_below_min": Style("#1f618d", "#85c1e9", weight=1.5, fill_opacity=0.45),
        "delineation_above_max": Style("#a04000", "#f0b27a", weight=1.5, fill_opacity=0.45),
        "delineation_existing": Style("#000000", "#000000", weight=2.0, fill=False, dash="6 4"),
        "delineation_moved": Style("#922b21", "#e74c3c", weight=1.5, fill_opacity=0.9, radius=5),
        # alliances
        "alliance_regional": Style("#1f618d", "#5dade2", weight=2.0, fill_opacity=0.08),
        "alliance_industry": Style("#6c3483", "#af7ac5", weight=2.0, fill_opacity=0.08),
        "alliance_business_district": Style("#b9770e", "#f5b041", weight=2.0, fill_opacity=0.1),
        "alliance_unknown": Style("#616a6b", "#aab7b8", weight=2.0, fill_opacity=0.08),
        "alliance_link": Style("#7f8c8d", "#7f8c8d", weight=1.0, fill=False, dash="2 3"),
        "unit_member": Style("#196f3d", "#2ecc71", weight=1.0, fill_opacity=0.9, radius=5),
        "unit_agreement_only": Style("#9a7d0a", "#f4d03f", weight=1.0, fill_opacity=0.9, radius=5),
        "unit_uncovered": Style("#922b21", "#e74c3c", weight=1.5, fill_opacity=0.95, radius=6),
        "unit_bridging": Style("#000000", "#2ecc71", weight=3.0, fill_opacity=0.95, radius=8),
        "pairing_fixed": Style("#1b2631", "#1b2631", weight=2.0, fill=False),
        "pairing_proposed": Style("#d35400", "#d35400", weight=3.0, fill=False, dash="8 5"),
        "pairing_department": Style("#1b2631", "#566573", weight=1.5, fill_opacity=0.95, radius=7),
        "list_matched": Style("#196f3d", "#58d68d", weight=1.0, fill_opacity=0.9, radius=5),
        "list_partly_matched": Style("#a04000", "#f0b27a", weight=1.5, fill_opacity=0.9, radius=6),
        "list_unmatched": Style("#922b21", "#ec7063", weight=2.0, fill_opacity=0.95, radius=7),
        "list_resource": Style("#1a5276", "#5499c7", weight=1.0, fill_opacity=0.9, radius=4),
        "list_match": Style("#5499c7", "#5499c7", weight=1.5, fill=False),
    }
)
