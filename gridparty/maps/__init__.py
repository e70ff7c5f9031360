"""Folium maps of the hierarchy that are safe to share.

* Every string that reaches HTML or JavaScript passes :func:`escape` (folium escapes nothing).
* No household-level points and no personal fields; counts below ``min_count`` show as ``"<5"``.
* Works offline: Leaflet and jQuery are inlined from vendored copies (``assets="inline"``).
* Gaode and Tencent tiles are GCJ-02: every layer drawn on them is converted for display.
* Ordinary folium maps: every map function takes ``m=`` to draw onto an existing map, and the
  layer control is created when the map is rendered, so folium layers added later are listed.

Examples
--------
>>> from gridparty.maps import hierarchy_map, save_map
>>> m = hierarchy_map(h, issues=validate(h), tiles="osm", lang="zh")  # doctest: +SKIP
>>> save_map(m, "map.html")  # doctest: +SKIP
"""

from gridparty.core.labels import LANGS
from gridparty.core.safe import escape, js_literal
from gridparty.maps.access import access_map
from gridparty.maps.alliance import alliance_map
from gridparty.maps.base import (
    TILES,
    GridpartyMap,
    MapSettings,
    Tiles,
    base_map,
    map_settings,
    save_map,
    tile_source,
    to_display,
)
from gridparty.maps.coverage import coverage_map
from gridparty.maps.delineation import delineation_map
from gridparty.maps.flagship import flagship_map
from gridparty.maps.hierarchy import hierarchy_map
from gridparty.maps.layers import (
    add_buildings,
    add_communities,
    add_features,
    add_grids,
    add_issues,
)
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT, suppress_small_counts
from gridparty.maps.styles import STYLES, Style

__all__ = [
    "DEFAULT_MIN_COUNT",
    "LANGS",
    "STYLES",
    "TILES",
    "GridpartyMap",
    "MapSettings",
    "Style",
    "Tiles",
    "access_map",
    "add_buildings",
    "add_communities",
    "add_features",
    "add_grids",
    "add_issues",
    "add_layer_control",
    "add_legend",
    "alliance_map",
    "base_map",
    "coverage_map",
    "delineation_map",
    "escape",
    "flagship_map",
    "hierarchy_map",
    "js_literal",
    "map_settings",
    "save_map",
    "suppress_small_counts",
    "tile_source",
    "to_display",
]
