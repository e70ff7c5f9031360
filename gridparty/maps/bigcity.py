"""Maps of big cities: grids coloured by building counts at overview zooms, buildings drawn
from a compact encoding only when zoomed in.

Above :data:`DETAIL_THRESHOLD` buildings (``detail="auto"``) a map no longer carries one
GeoJSON feature per building:

- a choropleth layer colours each grid by its number of buildings (popups give the building
  and household counts); it is shown below zoom :data:`BUILDING_ZOOM`;
- buildings are written once as one compact JSON object (outlines simplified within
  :data:`SIMPLIFY_M` metres, coordinates as integers of 1e-5 degrees (≈ 1 m), delta-coded;
  popup texts dictionary-coded) and drawn on a canvas from zoom :data:`BUILDING_ZOOM` on, only
  those in view, redrawn as the map pans.

Every text is escaped (:func:`gridparty.core.safe.escape`) and reaches the page as JSON data
of the script (branca's ``tojson``), never as template source.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, text
from gridparty.core.safe import escape
from gridparty.core.schema import LEVELS
from gridparty.maps.base import DISPLAY_PRECISION_DEG, map_settings, owned, to_display
from gridparty.maps.layers import bind_js, building_styles, grid_styles, layer_frame, unit_table
from gridparty.maps.styles import STYLES

__all__ = [
    "ALPHABET",
    "BUILDING_ZOOM",
    "COUNT_CLASSES",
    "DETAIL",
    "DETAIL_THRESHOLD",
    "SIMPLIFY_M",
    "Detail",
    "add_aggregated",
    "add_compact",
    "aggregated",
    "compact_geometries",
    "count_classes",
    "encode_integers",
    "simplify_m",
]

Detail = Literal["auto", "full", "aggregate"]
DETAIL: tuple[Detail, ...] = ("auto", "full", "aggregate")
#: ``detail="auto"`` aggregates maps with more buildings than this.
DETAIL_THRESHOLD = 5_000
#: Zoom level from which aggregated maps draw buildings (about 2 km across a laptop screen).
BUILDING_ZOOM = 16
#: Building outlines of aggregated maps are simplified within this many metres.
SIMPLIFY_M = 1.0
#: Lower bounds of the grid classes by building count (style ``grid_buildings_<i>``).
COUNT_CLASSES: tuple[int, ...] = (0, 1, 5, 10, 20, 50)

_METRES_PER_DEGREE = 111_320.0


def aggregated(detail: str, n_buildings: int) -> bool:
    """Whether a map of ``n_buildings`` buildings is drawn aggregated.

    Parameters
    ----------
    detail : {"auto", "full", "aggregate"}
        ``"auto"`` aggregates above :data:`DETAIL_THRESHOLD` buildings.
    n_buildings : int
        Number of buildings on the map.

    Raises
    ------
    InputError
        For an unknown ``detail``.

    Examples
    --------
    >>> aggregated("auto", 5_000), aggregated("auto", 5_001), aggregated("full", 10**6)
    (False, True, False)
    """
    if detail not in DETAIL:
        raise InputError(
            f"detail={detail!r} is not known; use 'auto' (aggregate above "
            f"{DETAIL_THRESHOLD:,} buildings), 'full' (every building) or 'aggregate'."
        )
    return detail == "aggregate" or (detail == "auto" and n_buildings > DETAIL_THRESHOLD)


def count_classes(counts: pd.Series) -> list[str]:
    """Style key ``grid_buildings_<i>`` per grid, ``i`` the class of its building count in
    :data:`COUNT_CLASSES` (a missing count is 0)."""
    values = pd.to_numeric(counts, errors="coerce").fillna(0).to_numpy(float)
    index = np.searchsorted(np.asarray(COUNT_CLASSES, dtype=float), values, side="right") - 1
    return [f"grid_buildings_{i}" for i in np.clip(index, 0, len(COUNT_CLASSES) - 1)]


def simplify_m(geoms: np.ndarray, tolerance_m: float) -> np.ndarray:
    """WGS84 geometries simplified within ``tolerance_m`` metres (topology kept).

    Simplified in a local equirectangular projection (metres east and north of the data's
    mean latitude), accurate to well under 1 % within a city.
    """
    array = np.asarray(geoms, dtype=object)
    if not len(array) or tolerance_m <= 0:
        return array
    lat = float(np.nanmean(shapely.get_coordinates(array)[:, 1])) if len(array) else 0.0
    scale = np.array([np.cos(np.radians(lat)) * _METRES_PER_DEGREE, _METRES_PER_DEGREE])
    metres = shapely.transform(array, lambda xy: xy * scale)
    simple = shapely.simplify(metres, tolerance_m, preserve_topology=True)
    return shapely.transform(simple, lambda xy: xy / scale)


#: Digits of the compact encoding: 32 ending a number, 32 continuing it (5 bits each).
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_DIGITS = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def encode_integers(values: np.ndarray, *, signed: bool = True) -> tuple[str, np.ndarray]:
    """Integers as one string of base-32 digits of :data:`ALPHABET`, least significant first,
    digits 32–63 continuing a number (signed values zigzag-coded first); also returns the
    number of characters per value.

    Examples
    --------
    >>> encode_integers(np.array([0, -1, 1, 40]))
    ('012m2', array([1, 1, 1, 2]))
    """
    ints = np.asarray(values, dtype=np.int64)
    v = ((ints << 1) ^ (ints >> 63)).astype(np.uint64) if signed else ints.astype(np.uint64)
    n = np.ones(len(v), dtype=np.int64)
    rest = v >> np.uint64(5)
    while rest.any():
        n += rest > 0
        rest >>= np.uint64(5)
    starts = np.cumsum(n) - n
    level = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(starts, n)
    digit = (np.repeat(v, n) >> (np.uint64(5) * level.astype(np.uint64))) & np.uint64(31)
    more = level < np.repeat(n, n) - 1
    chars = _DIGITS[digit.astype(np.int64) + 32 * more]
    return chars.tobytes().decode("ascii"), n


def compact_geometries(geoms: np.ndarray) -> tuple[list[int], list[str]]:
    """Display geometries as strings of integers of 1e-5 degrees (≈ 1 m).

    Returns the origin ``[x0, y0]`` (in 1e-5 degrees) and one string per geometry: its
    polygons separated by ``;``, each polygon's rings by ``,``; a ring is
    :func:`encode_integers` of ``x, y, dx, dy, dx, dy, …``: its first vertex relative to the
    origin, the others relative to the vertex before (the closing vertex dropped). A point
    is a ring of one vertex.
    """
    step = DISPLAY_PRECISION_DEG
    array = np.asarray(geoms, dtype=object)
    parts, part_of = shapely.get_parts(array, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    rings, ring_of = shapely.get_rings(parts[polygonal], return_index=True)
    # every shape drawn: polygon rings, and points (or lines) as they are
    shapes = np.concatenate([rings, parts[~polygonal]])
    owner = np.concatenate([np.flatnonzero(polygonal)[ring_of], np.flatnonzero(~polygonal)])
    order = np.argsort(owner, kind="stable")  # parts in order, each part's rings in order
    shapes, owner = shapes[order], owner[order]
    coords, coord_of = shapely.get_coordinates(shapes, return_index=True)
    closing = np.zeros(len(coords), dtype=bool)
    ends = np.flatnonzero(np.r_[coord_of[1:] != coord_of[:-1], True])
    is_ring = shapely.get_type_id(shapes) == 2
    closing[ends[is_ring[coord_of[ends]]]] = True
    coords, coord_of = coords[~closing], coord_of[~closing]
    ints = np.rint(coords / step).astype(np.int64)
    origin = ints.min(axis=0) if len(ints) else np.zeros(2, dtype=np.int64)
    first = np.r_[True, coord_of[1:] != coord_of[:-1]]
    before = np.vstack([origin, ints[:-1]]) if len(ints) else ints
    before[first] = origin
    text_, n = encode_integers((ints - before).ravel())
    char_end = np.cumsum(n)[1::2]  # a vertex ends after its y
    last = np.r_[np.flatnonzero(first[1:]), len(ints) - 1] if len(ints) else first[:0]
    shape_end = char_end[last]
    shape_start = np.r_[0, shape_end[:-1]]
    out: list[list[list[str]]] = [[] for _ in range(len(array))]
    last_part = -1
    for shape, a, b in zip(coord_of[first], shape_start, shape_end, strict=True):
        part = int(owner[shape])
        if part != last_part:
            out[int(part_of[part])].append([])
            last_part = part
        out[int(part_of[part])][-1].append(text_[a:b])
    origin_list: list[int] = [int(v) for v in origin]
    return origin_list, [";".join(",".join(r) for r in polygons) for polygons in out]


def _coded(values: Sequence[str]) -> list[str] | dict[str, Any]:
    """Values as a plain list, or as ``{"v": uniques, "c": codes}`` (codes by
    :func:`encode_integers`) when fewer than half are distinct."""
    codes, uniques = pd.factorize(pd.Series(list(values), dtype=object), sort=False)
    if len(uniques) * 2 > len(values):
        return list(values)
    return {"v": [str(u) for u in uniques], "c": encode_integers(codes, signed=False)[0]}


class _CompactLayer(MacroElement):
    """Features drawn on a canvas from compact JSON (see :func:`compact_geometries`), only
    those in view and only from ``min_zoom`` to below ``max_zoom``, while their layer is on.
    Texts are pre-escaped and JSON-encoded; popups and styles come from ``bind``."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group, data, minZoom, maxZoom, bind) {
            var digits = {{ this.alphabet|tojson }}, value = {};
            for (var d = 0; d < digits.length; d++) { value[digits.charAt(d)] = d; }
            function integers(text, signed) {
                var out = [], v = 0, scale = 1;
                for (var k = 0; k < text.length; k++) {
                    var digit = value[text.charAt(k)];
                    v += (digit & 31) * scale;
                    if (digit >= 32) { scale *= 32; continue; }
                    out.push(signed ? (v % 2 ? -(v + 1) / 2 : v / 2) : v);
                    v = 0; scale = 1;
                }
                return out;
            }
            function column(c) {
                if (Array.isArray(c)) { return c; }
                return integers(c.c, false).map(function (i) { return c.v[i]; });
            }
            var ox = data.o[0], oy = data.o[1], step = data.step;
            function ring(text) {
                var flat = integers(text, true), x = ox, y = oy, out = [];
                for (var k = 0; k < flat.length; k += 2) {
                    x += flat[k]; y += flat[k + 1];
                    out.push([+(y * step).toFixed(6), +(x * step).toFixed(6)]);
                }
                return out;
            }
            var shapes = data.g.map(function (text) {
                return text.split(";").map(function (p) { return p.split(",").map(ring); });
            });
            var boxes = shapes.map(function (polygons) {
                var box = L.latLngBounds([]);
                polygons.forEach(function (p) { box.extend(p[0]); });
                return box;
            });
            var tips = column(data.tip), styles = column(data.s), rows = data.rows.map(column);
            var renderer = L.canvas({padding: 0.5}), drawn = {}, bound = null;
            function make(i) {
                var polygons = shapes[i], layer;
                if (polygons.length === 1 && polygons[0].length === 1 &&
                        polygons[0][0].length === 1) {
                    layer = L.circleMarker(polygons[0][0][0], {renderer: renderer});
                } else {
                    layer = L.polygon(polygons, {renderer: renderer});
                }
                layer.feature = {type: "Feature", properties: {
                    tip: tips[i], s: styles[i],
                    row: rows.map(function (r) { return r[i]; })
                }};
                bind(layer.feature, layer);
                return layer;
            }
            function update() {
                if (!bound) { return; }
                var zoom = bound.getZoom(), keep = {};
                var on = bound.hasLayer(group) && zoom >= minZoom && zoom < maxZoom;
                var view = on ? bound.getBounds().pad(0.25) : null;
                for (var i = 0; on && i < boxes.length; i++) {
                    if (view.intersects(boxes[i])) {
                        keep[i] = true;
                        if (!drawn[i]) { drawn[i] = make(i); group.addLayer(drawn[i]); }
                    }
                }
                Object.keys(drawn).forEach(function (i) {
                    if (!keep[i]) { group.removeLayer(drawn[i]); delete drawn[i]; }
                });
            }
            function attach() {
                if (group._map && bound !== group._map) {
                    bound = group._map;
                    bound.on("zoomend moveend", update);
                }
                update();
            }
            group.on("add", attach);
            attach();
        })({{ this._parent.get_name() }}, {{ this.data|tojson }}, {{ this.min_zoom }},
           {{ this.max_zoom }}, {{ this.bind }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any], min_zoom: int, max_zoom: int, bind: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is not annotated
        self._name = "CompactLayer"
        self.alphabet = ALPHABET
        self.data = data
        self.min_zoom = int(min_zoom)
        self.max_zoom = int(max_zoom)
        self.bind = bind  # JavaScript from layers.bind_js: escaped labels, fixed styles


def add_compact(
    m: folium.Map,
    frame: gpd.GeoDataFrame,
    table: tuple[Sequence[str], Sequence[str], pd.DataFrame],
    styles: Sequence[str],
    name: str,
    *,
    show: bool = True,
    min_zoom: int = 0,
    max_zoom: int = 99,
) -> folium.FeatureGroup:
    """Like :func:`~gridparty.maps.layers.add_features`, from one compact JSON object: drawn
    on a canvas from ``min_zoom`` to below ``max_zoom``, only the features in view.

    ``table`` holds the tooltips, popup labels and popup values (plain text, as from
    :func:`~gridparty.maps.layers.unit_table`); ``styles`` the style key per feature and
    ``name`` the layer's name. Outlines are simplified within :data:`SIMPLIFY_M` metres and
    rounded to 1e-5 degrees (≈ 1 m); texts are escaped here and dictionary-coded.
    """
    tips, labels, values = table
    geoms = np.asarray(frame.geometry.array, dtype=object)
    display = to_display(simplify_m(geoms, SIMPLIFY_M), map_settings(m).datum)
    origin, shapes = compact_geometries(display)
    used = [k for k in STYLES if k in set(styles)]
    data = {
        "step": DISPLAY_PRECISION_DEG,
        "o": origin,
        "g": shapes,
        "s": _coded(list(styles)),
        "tip": _coded([escape(t) for t in tips]),
        "rows": [_coded([escape(v) for v in values[c]]) for c in values.columns],
    }
    group = owned(folium.FeatureGroup(name=escape(name), show=show))
    group.legend_keys = tuple(used)  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    owned(_CompactLayer(data, min_zoom, max_zoom, bind_js(labels, used))).add_to(group)
    group.add_to(m)
    return group


def add_aggregated(
    m: folium.Map,
    grids: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    *,
    grid_counts: pd.DataFrame,
    building_counts: pd.DataFrame | None,
    min_count: int,
    lang: Lang,
    zoom: int = BUILDING_ZOOM,
) -> list[folium.FeatureGroup]:
    """Add the grids and buildings of a big city and return the layers: grids by party
    branch (switched off), grids coloured by their number of buildings (below ``zoom``) and
    buildings (from ``zoom`` on), all compact (see :func:`add_compact`).

    Parameters
    ----------
    m : folium.Map
        The map.
    grids, buildings : GeoDataFrame
        ``h.grids`` and ``h.buildings`` (either may be empty).
    grid_counts : DataFrame
        ``h.summary("grid")``: its ``buildings`` column colours the choropleth.
    building_counts : DataFrame, optional
        Per-building aggregates, as for :func:`~gridparty.maps.layers.add_buildings`.
    min_count : int
        Small-count threshold of popups.
    lang : {"zh", "en"}
        Label language.
    zoom : int
        Zoom level from which buildings replace the choropleth.
    """
    groups = []
    if len(grids):
        frame = layer_frame(grids, "grids")
        table = unit_table(frame, "grid", grid_counts, lang=lang, min_count=min_count)
        name = text(LEVELS["grid"].layer, lang)
        groups.append(add_compact(m, frame, table, grid_styles(frame), name, show=False))
        number = grid_counts["buildings"] if "buildings" in grid_counts else pd.Series(dtype=float)
        classes = count_classes(number.reindex(frame.index))
        name = text("grid_buildings_layer", lang)
        groups.append(add_compact(m, frame, table, classes, name, max_zoom=zoom))
    if len(buildings):
        frame = layer_frame(buildings, "buildings")
        table = unit_table(frame, "building", building_counts, lang=lang, min_count=min_count)
        name = text(LEVELS["building"].layer, lang)
        groups.append(add_compact(m, frame, table, building_styles(frame), name, min_zoom=zoom))
    return groups
