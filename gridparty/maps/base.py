"""The base map: tiles (OpenStreetMap, CartoDB, Gaode or none), assets, display coordinates."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element
from folium.map import FitBounds

from gridparty.core.atomic import write_text
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.paths import refuse_sources
from gridparty.core.safe import JINJA_DELIMITER, escape
from gridparty.maps.assets import (
    ASSETS,
    LEAFLET_CSS_URL,
    LEAFLET_JS_URL,
    Assets,
    RawHtml,
    inline_leaflet,
)

__all__ = [
    "DISPLAY_PRECISION_DEG",
    "TILES",
    "GridpartyMap",
    "MapSettings",
    "TileSource",
    "base_map",
    "map_settings",
    "owned",
    "save_map",
    "to_display",
]

Datum = Literal["wgs84", "gcj02"]
E = TypeVar("E", bound=Element)

#: Display coordinates are rounded to this many degrees (≈ 0.1 m); analysis never is.
DISPLAY_PRECISION_DEG = 1e-6


@dataclass(frozen=True)
class TileSource:
    """A tile service: URL template, attribution and the datum its tiles are drawn in."""

    url: str
    attribution: tuple[tuple[str, str], ...]  # (text, link) pairs
    datum: Datum
    max_zoom: int
    subdomains: str = "abc"

    def attribution_html(self) -> str:
        """Attribution as HTML, every text and link escaped."""
        return " ".join(f'<a href="{escape(href)}">{escape(t)}</a>' for t, href in self.attribution)


_OSM = ("© OpenStreetMap contributors", "https://www.openstreetmap.org/copyright")

#: Tile sources by name; ``"none"`` draws no tiles (intranets without internet).
TILES: dict[str, TileSource | None] = {
    "osm": TileSource("https://tile.openstreetmap.org/{z}/{x}/{y}.png", (_OSM,), "wgs84", 19),
    "cartodb": TileSource(
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        (_OSM, ("© CARTO", "https://carto.com/attributions")),
        "wgs84",
        20,
        "abcd",
    ),
    "gaode": TileSource(
        "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
        "&x={x}&y={y}&z={z}",
        (("© 高德地图 AutoNavi", "https://www.amap.com/"),),
        "gcj02",
        18,
        "1234",
    ),
    "none": None,
}

_CSS = """<style>
.leaflet-container { font-family: "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC",
  "Source Han Sans SC", "WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif; }
.gp-popup table { border-collapse: collapse; margin-top: 4px; }
.gp-popup th { text-align: left; font-weight: normal; color: #555; padding: 1px 8px 1px 0; }
.gp-popup td { padding: 1px 0; }
.gp-legend { background: rgba(255,255,255,0.92); padding: 6px 10px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); line-height: 18px; font-size: 12px; }
.gp-legend b { display: block; margin-bottom: 4px; font-size: 13px; }
.gp-legend i { display: inline-block; width: 16px; height: 12px; margin-right: 6px;
  vertical-align: -2px; box-sizing: border-box; }
.gp-legend .gp-note { color: #666; margin-top: 4px; max-width: 220px; }
</style>"""


@dataclass(frozen=True)
class MapSettings:
    """What builders need to know about the map they draw on."""

    lang: Lang = "zh"
    tiles: str = "osm"
    datum: Datum = "wgs84"
    assets: Assets = "inline"


class GridpartyMap(folium.Map):
    """A ``folium.Map`` that links Leaflet only, can inline it, and renders deterministically.

    Element ids are numbered in tree order at render time instead of folium's random ones,
    so the same map gives byte-identical HTML.

    Rendering checks that no element gridparty made (see :func:`owned`) hands branca a Jinja
    delimiter (``{{``, ``{%``, ``{#``) in the script, header or html that branca compiles
    again as a template: the last line of defence behind :func:`~gridparty.maps.safe.escape`.
    Elements a user adds to the map are not checked.
    """

    def __init__(self, settings: MapSettings, **kwargs: Any) -> None:
        super().__init__(tiles=None, **kwargs)
        self.default_js = [("leaflet", LEAFLET_JS_URL)]
        self.default_css = [("leaflet_css", LEAFLET_CSS_URL)]
        self.gridparty = settings
        owned(self)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium's Map.render returns None
        _renumber(self)
        super().render(**kwargs)  # type: ignore[no-untyped-call]  # folium is not annotated
        _check_no_template_text(self)
        header = self.get_root().header  # type: ignore[attr-defined]  # the root is a branca Figure
        header.add_child(RawHtml(_CSS), name="gridparty_css")
        if self.gridparty.tiles == "none":
            style = f"<style>#{self.get_name()} {{ background: #f4f3ee; }}</style>"
            header.add_child(RawHtml(style), name="gridparty_no_tiles")
        if self.gridparty.assets == "inline":
            inline_leaflet(header)


def owned(element: E) -> E:
    """Mark ``element`` as made by gridparty from escaped text and return it.

    :class:`GridpartyMap` refuses to render when a marked element's rendered script, header or
    html holds a Jinja delimiter (branca would compile it as a template).
    """
    element._gridparty_owned = True  # type: ignore[attr-defined]
    return element


def _tree(root: Element) -> Iterator[Element]:
    """``root`` and every element below it, breadth first (tree order)."""
    queue: deque[Element] = deque([root])
    while queue:
        element = queue.popleft()
        yield element
        queue.extend(element._children.values())


def _renumber(root: folium.Map) -> None:
    for n, element in enumerate(_tree(root)):
        element._id = f"gp{n}"


def _check_no_template_text(m: folium.Map) -> None:
    """Raise when an element gridparty made gave branca text with a Jinja delimiter.

    branca's ``MacroElement.render`` puts each element's rendered parts into the figure as
    ``Element(text)``, which compiles ``text`` as a template, under the element's name.
    """
    names = {e.get_name() for e in _tree(m) if getattr(e, "_gridparty_owned", False)}
    figure = m.get_root()
    for part in ("header", "html", "script"):
        for name, child in getattr(figure, part)._children.items():
            source = getattr(child, "_template_str", None) or ""
            found = JINJA_DELIMITER.search(source) if name in names else None
            if found:
                raise RuntimeError(
                    f"map element {name!r} would hand branca a Jinja delimiter "
                    f"{found.group()!r} in its {part} (text reached a template unescaped); "
                    "this is a gridparty bug: please report it."
                )


def map_settings(m: folium.Map) -> MapSettings:
    """Settings of a map made by :func:`base_map`; defaults (WGS84, Chinese) for other maps."""
    settings = getattr(m, "gridparty", None)
    return settings if isinstance(settings, MapSettings) else MapSettings(tiles="osm")


def base_map(
    bounds: Sequence[float],
    *,
    tiles: str = "osm",
    lang: str = "zh",
    assets: str = "inline",
) -> GridpartyMap:
    """An empty map fitted to ``bounds``, ready for the layer builders.

    Parameters
    ----------
    bounds : sequence of 4 floats
        ``(min_lon, min_lat, max_lon, max_lat)`` in WGS84 degrees, e.g. ``gdf.total_bounds``.
    tiles : {"osm", "cartodb", "gaode", "none"}
        OpenStreetMap (default), CartoDB Positron, Gaode (GCJ-02: every layer drawn on this map
        is converted to GCJ-02 for display) or no tiles at all (intranets).
    lang : {"zh", "en"}
        Language of labels, legends and popups.
    assets : {"inline", "cdn"}
        ``"inline"`` (default) writes the vendored Leaflet 1.9.4 into the HTML, so the map
        opens without internet (tiles then simply stay blank); ``"cdn"`` links it instead
        (smaller files). Only Leaflet is used; folium's jQuery/Bootstrap/Font Awesome are not.

    Returns
    -------
    GridpartyMap
        A ``folium.Map``.

    Raises
    ------
    InputError
        For an unknown ``tiles``, ``lang`` or ``assets``, or bounds that are not finite
        WGS84 degrees.
    """
    if tiles not in TILES:
        raise InputError(f"tiles={tiles!r} is not known; use one of {', '.join(TILES)}.")
    if assets not in ASSETS:
        raise InputError(f"assets={assets!r} is not known; use 'inline' (works offline) or 'cdn'.")
    source = TILES[tiles]
    settings = MapSettings(
        lang=check_lang(lang),
        tiles=tiles,
        datum="wgs84" if source is None else source.datum,
        assets=assets,
    )
    (x0, y0), (x1, y1) = _display_corners(_checked_bounds(bounds), settings.datum)
    m = GridpartyMap(
        settings,
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        zoom_start=14,
        control_scale=True,
        max_zoom=source.max_zoom if source else 20,
    )
    m.get_root().title = escape(text("map_title", settings.lang))  # type: ignore[attr-defined]  # the root is a branca Figure
    if source is not None:
        owned(
            folium.TileLayer(
                tiles=source.url,
                attr=source.attribution_html(),
                name=escape(tiles),
                control=False,
                max_zoom=source.max_zoom,
                subdomains=source.subdomains,
            )
        ).add_to(m)
    # Jump to the data without the zoom animation (a screenshot taken at load shows it done).
    fit = owned(FitBounds([[y0, x0], [y1, x1]], padding=(12, 12)))
    fit.options["animate"] = False
    m.add_child(fit)
    return m


def _checked_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        x0, y0, x1, y1 = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise InputError(
            f"bounds={bounds!r} must be four numbers (min_lon, min_lat, max_lon, max_lat), "
            "e.g. gdf.total_bounds."
        ) from None
    if not all(map(math.isfinite, (x0, y0, x1, y1))):
        raise InputError(
            f"bounds={bounds!r} are not finite; is the layer empty? Map a layer with geometry."
        )
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InputError(
            f"bounds={bounds!r} are not (min_lon, min_lat, max_lon, max_lat) in WGS84 degrees; "
            "convert the data with gdf.to_crs(4326) and check the order."
        )
    return x0, y0, x1, y1


def _display_corners(
    bounds: tuple[float, float, float, float], datum: Datum
) -> tuple[tuple[float, float], tuple[float, float]]:
    x0, y0, x1, y1 = bounds
    corners = shapely.points([[x0, y0], [x1, y1]])
    a, b = shapely.get_coordinates(to_display(corners, datum))
    return (float(a[0]), float(a[1])), (float(b[0]), float(b[1]))


def to_display(geoms: gpd.GeoSeries | np.ndarray, datum: Datum) -> np.ndarray:
    """Geometries as drawn: converted to the tiles' datum, rounded to 1e-6 degrees.

    Parameters
    ----------
    geoms : GeoSeries or array of shapely geometries
        WGS84 (EPSG:4326) geometries.
    datum : {"wgs84", "gcj02"}
        Datum of the tiles (GCJ-02 for Gaode).

    Returns
    -------
    numpy.ndarray
        New geometries for display only; never use them for measuring.
    """
    array = np.asarray(geoms.array if isinstance(geoms, gpd.GeoSeries) else geoms, dtype=object)
    if datum == "gcj02":
        from gridparty.core.coords import convert_geometries

        array = np.asarray(convert_geometries(array, "wgs84", "gcj02"), dtype=object)
    return shapely.set_precision(array, DISPLAY_PRECISION_DEG, mode="pointwise")


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write the map's HTML to ``path`` atomically (temp file + rename) and return the path.

    Refuses (:class:`InputError`) a ``path`` among the map's ``gridparty_sources`` (the files
    the drawn hierarchy was read from, set by :func:`hierarchy_map` and the coverage map).

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> path = gp.save_map(gp.hierarchy_map(gp.sample_city()), os.path.join(tempfile.mkdtemp(), "city.html"))
    >>> path.name
    'city.html'
    """
    refuse_sources(path, getattr(m, "gridparty_sources", ()))
    return write_text(path, m.get_root().render())
