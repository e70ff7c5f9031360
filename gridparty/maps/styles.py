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


#: Style of every legend class, keyed by its label key in :mod:`gridparty.maps.labels`.
STYLES: MappingProxyType[str, Style] = MappingProxyType(
    {
        "community_boundary": Style("#1f3a93", "#1f3a93", weight=3.0, fill=False),
        "grid_branch": Style("#1e8449", "#58d68d", weight=1.5, fill_opacity=0.25),
        "grid_no_branch": Style("#ca6f1e", "#f5b041", weight=1.5, fill_opacity=0.35),
        "grid_unknown": Style("#717d7e", "#bdc3c7", weight=1.5, fill_opacity=0.25),
        "building_group": Style("#922b21", "#e74c3c", weight=0.8, fill_opacity=0.8, radius=4),
        "building_no_group": Style("#9a7d0a", "#f4d03f", weight=0.8, fill_opacity=0.85, radius=4),
        "building_unknown": Style("#616a6b", "#aab7b8", weight=0.8, fill_opacity=0.7, radius=4),
        "issue_error": Style("#b03a2e", "#e74c3c", weight=2.5, fill_opacity=0.15, dash="6 4",
                             radius=8),
        "issue_warning": Style("#a04000", "#eb984e", weight=2.5, fill_opacity=0.12, dash="6 4",
                               radius=8),
        "issue_info": Style("#1f618d", "#5dade2", weight=2.0, fill_opacity=0.1, dash="3 4",
                            radius=8),
        # coverage (issue 3)
        # flagship zones (issue 4)
        # service access (issue 5)
        # alliances (issue 6)
    }
)
