"""The base map: tiles (a name, an xyzservices provider or a URL template), assets, title,
display coordinates, and the layer control placed when the map is rendered."""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.map import FitBounds
from folium.template import Template

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
    markercluster_html,
)

__all__ = [
    "DISPLAY_PRECISION_DEG",
    "TILES",
    "GridpartyMap",
    "MapSettings",
    "TileSource",
    "Tiles",
    "base_map",
    "map_settings",
    "owned",
    "save_map",
    "start_map",
    "tile_source",
    "to_display",
]

Datum = Literal["wgs84", "gcj02"]
#: What ``tiles=`` takes: a name of :data:`TILES`, an ``xyzservices.TileProvider`` (or the
#: dotted name of one, e.g. ``"Gaode.Normal"``) or a URL template with ``{z}``, ``{x}``, ``{y}``.
Tiles = str | Mapping[str, Any]
E = TypeVar("E", bound=Element)

#: Display coordinates are rounded to this many degrees (≈ 1 m); analysis never is.
DISPLAY_PRECISION_DEG = 1e-5
#: Outlines are simplified for display within this many degrees (≈ 0.5 m) first.
DISPLAY_SIMPLIFY_DEG = 5e-6


@dataclass(frozen=True)
class TileSource:
    """A tile service: URL template, attribution and the datum its tiles are drawn in."""

    url: str
    attribution: tuple[tuple[str, str], ...]  # (text, link) pairs
    datum: Datum
    max_zoom: int
    subdomains: str = "abc"

    def attribution_html(self) -> str:
        """Attribution as HTML, every text and link escaped (a pair without link is text)."""
        return " ".join(
            f'<a href="{escape(href)}">{escape(t)}</a>' if href else escape(t)
            for t, href in self.attribution
        )


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

# Tile services drawn in GCJ-02 (data is shifted to match them): Gaode/AutoNavi and Tencent.
_GCJ02_NAMES = ("gaode", "tencent", "autonavi")
_GCJ02_HOSTS = ("autonavi.com", "amap.com", "gtimg.com", "map.qq.com")


def tile_source(tiles: Tiles, attr: str | None = None) -> tuple[str, TileSource | None]:
    """Resolve ``tiles=`` to a display name and a :class:`TileSource` (None: no tiles).

    Parameters
    ----------
    tiles : str or xyzservices.TileProvider
        A name of :data:`TILES` (``"osm"``, ``"cartodb"``, ``"gaode"``, ``"none"``), an
        ``xyzservices.TileProvider`` or the dotted name of one (``"Gaode.Normal"``,
        ``"OpenStreetMap.Mapnik"``), or a URL template such as
        ``"https://tiles.example.cn/{z}/{x}/{y}.png"`` (then ``attr`` is required).
        Gaode/AutoNavi and Tencent tiles are GCJ-02: the data is shifted to them for display.
    attr : str, optional
        Attribution shown for a URL template (plain text).

    Raises
    ------
    InputError
        For an unknown name, a URL template without ``attr``, or a provider needing a key.
    """
    if isinstance(tiles, Mapping):
        return _provider_source(tiles)
    if not isinstance(tiles, str):
        raise InputError(
            f"tiles={tiles!r} is neither a name, an xyzservices.TileProvider nor a URL template; "
            f"use one of {', '.join(TILES)}, e.g. xyzservices.providers.Gaode.Normal, or "
            "'https://host/{z}/{x}/{y}.png' with attr='© …'."
        )
    if tiles in TILES:
        return tiles, TILES[tiles]
    if all(part in tiles for part in ("{z}", "{x}", "{y}")):
        if not attr or not str(attr).strip():
            raise InputError(
                f"tiles={tiles!r} is a URL template without attribution; pass attr='© the tile "
                "owner' (tile services require it)."
            )
        host = tiles.split("//", 1)[-1].split("/", 1)[0].lower()
        datum: Datum = "gcj02" if host.endswith(_GCJ02_HOSTS) else "wgs84"
        return "custom", TileSource(tiles, ((str(attr), ""),), datum, 20)
    import xyzservices

    try:
        provider = xyzservices.providers.query_name(tiles)
    except ValueError:
        raise InputError(
            f"tiles={tiles!r} is not known; use one of {', '.join(TILES)}, the name of an "
            "xyzservices provider (e.g. 'Gaode.Normal') or a URL template with {z}, {x}, {y}."
        ) from None
    return _provider_source(provider)


def _provider_source(provider: Mapping[str, Any]) -> tuple[str, TileSource]:
    import xyzservices

    if not isinstance(provider, xyzservices.TileProvider) or "url" not in provider:
        raise InputError(
            f"tiles={dict(provider)!r} is not a single xyzservices.TileProvider; pick one, "
            "e.g. xyzservices.providers.Gaode.Normal."
        )
    name = str(provider.get("name", "custom"))
    if provider.requires_token():
        raise InputError(
            f"tiles={name!r} needs an API key; pass the provider with it, e.g. "
            f"xyzservices.providers.{name}(apikey='…')."
        )
    url = provider.build_url(fill_subdomain=False)
    attribution = str(provider.get("attribution") or provider.get("html_attribution") or name)
    gcj02 = name.lower().startswith(_GCJ02_NAMES)
    return name, TileSource(
        url,
        ((attribution, ""),),
        "gcj02" if gcj02 else "wgs84",
        int(provider.get("max_zoom", 19)),
        str(provider.get("subdomains", "abc")),
    )


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
.gp-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%);
  z-index: 1000; background: rgba(255,255,255,0.92); padding: 4px 14px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font-size: 18px; font-weight: bold;
  pointer-events: none; white-space: nowrap; }
.gp-label { background: transparent; border: none; box-shadow: none; font-weight: bold;
  color: #1b2631; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 3px #fff; }
.gp-label::before { display: none; }
.gp-cluster div { border-radius: 50%; display: flex; align-items: center; justify-content: center;
  width: 100%; height: 100%; color: #fff; font: bold 12px sans-serif; box-sizing: border-box;
  border: 2px solid rgba(255,255,255,0.9); box-shadow: 0 1px 4px rgba(0,0,0,0.4); }
</style>"""


class MapTitle(MacroElement):
    """A title box at the top centre of the map (pre-escaped text, JSON-encoded)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var box = L.DomUtil.create("div", "gp-title",
                {{ this._parent.get_name() }}.getContainer());
            box.innerHTML = {{ this.html|tojson }};
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is not annotated
        self._name = "MapTitle"
        self.html = html


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
        # folium's own assets stay (users add markers, icons, popups); Leaflet is 1.9.4.
        self.default_js = [
            (n, LEAFLET_JS_URL if n == "leaflet" else u) for n, u in folium.Map.default_js
        ]
        self.default_css = [
            (n, LEAFLET_CSS_URL if n == "leaflet_css" else u) for n, u in folium.Map.default_css
        ]
        self.gridparty = settings
        self.layer_control: dict[str, Any] | None = None
        owned(self)

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]  # folium's render returns None at run time
        self._place_layer_control()
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
        if any(getattr(e, "_gridparty_clusters", False) for e in _tree(self)):
            html = markercluster_html(self.gridparty.assets)
            header.add_child(RawHtml(html), name="gridparty_markercluster")
        # Offline, folium.Icon's plugin cannot load: its markers fall back to Leaflet's
        # default marker instead of stopping every script after them.
        header.add_child(RawHtml(_ICON_FALLBACK), name="gridparty_icon_fallback")

    def _place_layer_control(self) -> None:
        """Add the layer control as the map's last element, so it lists every layer, also
        those added after the gridparty builders; none when the user added a LayerControl."""
        self._children.pop(_CONTROL, None)
        if self.layer_control is None:
            return
        if any(isinstance(c, folium.LayerControl) for c in self._children.values()):
            return
        control = folium.LayerControl(**self.layer_control)
        self.add_child(control, name=_CONTROL)
        # Checked for template text when every layer it lists is gridparty's own.
        listed = [c for c in self._children.values() if getattr(c, "control", False)]
        if all(getattr(c, "_gridparty_owned", False) for c in listed):
            owned(control)


_CONTROL = "gridparty_layer_control"
_ICON_FALLBACK = (
    "<script>if (window.L && !L.AwesomeMarkers) { L.AwesomeMarkers = "
    "{icon: function () { return new L.Icon.Default(); }}; }</script>"
)


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
    tiles: Tiles = "osm",
    lang: str = "zh",
    assets: str = "inline",
    title: str | None = None,
    attr: str | None = None,
) -> GridpartyMap:
    """An empty map fitted to ``bounds``, ready for the layer builders.

    Parameters
    ----------
    bounds : sequence of 4 floats
        ``(min_lon, min_lat, max_lon, max_lat)`` in WGS84 degrees, e.g. ``gdf.total_bounds``.
    tiles : str or xyzservices.TileProvider
        ``"osm"`` (default), ``"cartodb"``, ``"gaode"`` or ``"none"`` (no tiles, intranets); an
        ``xyzservices.TileProvider`` or its dotted name (``"Gaode.Normal"``); or a URL template
        (``"https://host/{z}/{x}/{y}.png"``, with ``attr``). Gaode and Tencent tiles are
        GCJ-02: every layer drawn on this map is converted to GCJ-02 for display.
    lang : {"zh", "en"}
        Language of labels, legends and popups.
    assets : {"inline", "cdn"}
        ``"inline"`` (default) writes the vendored Leaflet 1.9.4 and jQuery into the HTML, so
        the map opens without internet (tiles then simply stay blank); ``"cdn"`` links them
        instead (smaller files). folium's other assets (Bootstrap, Font Awesome,
        awesome-markers, used by ``folium.Icon``) are always linked.
    title : str, optional
        Title shown at the top of the map and as the page title (plain text).
    attr : str, optional
        Attribution of a URL-template ``tiles`` (plain text).

    Returns
    -------
    GridpartyMap
        A ``folium.Map``.

    Raises
    ------
    InputError
        For an unknown ``tiles``, ``lang`` or ``assets``, or bounds that are not finite
        WGS84 degrees.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> m = base_map(h.communities.total_bounds, tiles="none", title="示例街道")
    >>> m.gridparty.datum
    'wgs84'
    """
    tiles_name, source = tile_source(tiles, attr)
    if assets not in ASSETS:
        raise InputError(f"assets={assets!r} is not known; use 'inline' (works offline) or 'cdn'.")
    settings = MapSettings(
        lang=check_lang(lang),
        tiles=tiles_name,
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
    # The map's own limit too (folium gives it to the tiles only): clusters need it.
    m.options["max_zoom"] = source.max_zoom if source else 20
    m.get_root().title = escape(title if title else text("map_title", settings.lang))  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    if title:
        owned(MapTitle(escape(title))).add_to(m)
    if source is not None:
        owned(
            folium.TileLayer(
                tiles=source.url,
                attr=source.attribution_html(),
                name=escape(tiles_name),
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


def start_map(
    m: folium.Map | None,
    bounds: Sequence[float],
    *,
    tiles: Tiles = "osm",
    lang: str = "zh",
    assets: str = "inline",
    title: str | None = None,
    sources: Sequence[object] = (),
) -> folium.Map:
    """The map a map function draws on: ``m`` when given, else a new :func:`base_map`.

    On a given ``m`` the map's own tiles, display datum and language stay (``tiles``,
    ``assets`` and ``lang`` apply to new maps only); a ``title`` is added to it. ``sources``
    (files the drawn data was read from) join the map's ``gridparty_sources``, which
    :func:`save_map` refuses to write over.
    """
    if m is None:
        m = base_map(bounds, tiles=tiles, lang=lang, assets=assets, title=title)
    elif not isinstance(m, folium.Map):
        raise InputError(
            f"m must be a folium.Map to draw on (a gridparty map or folium.Map()), got "
            f"{type(m).__name__}; or leave m=None for a new map."
        )
    elif title:
        owned(MapTitle(escape(title))).add_to(m)
    m.gridparty_sources = (*getattr(m, "gridparty_sources", ()), *sources)  # type: ignore[attr-defined]
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
    """Geometries as drawn: converted to the tiles' datum, simplified within 5e-6 degrees
    (≈ 0.5 m) and rounded to 1e-5 degrees (≈ 1 m), which keeps maps of big cities small.

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
    array = shapely.simplify(array, DISPLAY_SIMPLIFY_DEG, preserve_topology=True)
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
