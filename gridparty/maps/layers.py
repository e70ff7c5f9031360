"""One builder per layer: communities, grids, buildings, validation issues.

Each builder adds a named ``FeatureGroup`` holding one ``GeoJson`` layer. Its features carry
only three properties: ``tip`` (tooltip and popup title), ``row`` (popup values) and ``s`` (a
style key); the popup labels and styles are written once per layer. Every text is escaped in
:func:`add_features` (see :mod:`gridparty.core.safe`); no other column of the input reaches the
page.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.map import CustomPane
from folium.template import Template
from folium.utilities import JsCode

from gridparty.core.coords import ensure_wgs84
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import ColumnError, InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.model import ISSUE_COLUMNS
from gridparty.core.safe import escape, js_literal
from gridparty.core.schema import LEVELS
from gridparty.maps.base import map_settings, owned, to_display
from gridparty.maps.privacy import (
    DEFAULT_MIN_COUNT,
    SMALL_COUNT_COLUMNS,
    check_min_count,
    public_table,
    suppress_small_counts,
)
from gridparty.maps.styles import STYLES

__all__ = [
    "add_buildings",
    "add_communities",
    "add_features",
    "add_grids",
    "add_issues",
    "bind_js",
    "building_styles",
    "grid_styles",
    "issue_table",
    "layer_frame",
    "unit_table",
]

_LABEL_KEYS = {"grids": "grids_count", "buildings": "buildings_count"}
#: Zoom from which names show as labels (communities from street level, grids closer in).
LABEL_ZOOM = {"community": 14, "grid": 16}
_PANE = "gp-boundaries"

# Runs for each feature: style from the layer's table, tooltip, and a popup table built from
# the layer's labels and the feature's values. Every label and value was escaped in Python.
_BIND = """(function () {
    var labels = %(labels)s, styles = %(styles)s;
    return function (feature, layer) {
        var p = feature.properties;
        p.style = styles[p.s];
        if (layer.setStyle) { layer.setStyle(p.style); }
        layer.bindTooltip(p.tip, {sticky: true});
        layer.bindPopup(function () {
            var rows = "";
            for (var i = 0; i < labels.length; i++) {
                rows += "<tr><th>" + labels[i] + "</th><td>" + p.row[i] + "</td></tr>";
            }
            return '<div class="gp-popup"><b>' + p.tip + "</b><table>" + rows + "</table></div>";
        }, {maxWidth: 360});
    };
})()"""


def _feature_collection(
    geoms: gpd.GeoSeries,
    tips: Sequence[str],
    rows: Sequence[Sequence[str]],
    styles: Sequence[str],
    datum: str,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection for display; features without geometry are left out.

    Each feature's properties are only ``tip`` (tooltip and popup title), ``row`` (popup
    values) and ``s`` (style key); the caller passes them escaped.

    Parameters
    ----------
    geoms : GeoSeries
        Geometries in EPSG:4326.
    tips : sequence of str
        Escaped tooltip per feature.
    rows : sequence of sequences of str
        Escaped popup values per feature, in the order of the layer's labels.
    styles : sequence of str
        Style key (of :data:`~gridparty.maps.styles.STYLES`) per feature.
    datum : {"wgs84", "gcj02"}
        Datum of the tiles; coordinates are converted and rounded to 1e-6 degrees.
    """
    array = np.asarray(geoms.array, dtype=object)
    keep = ~(shapely.is_missing(array) | shapely.is_empty(array))
    shapes = shapely.to_geojson(to_display(array[keep], datum))  # type: ignore[arg-type]
    features = ",".join(
        f'{{"type":"Feature","geometry":{g},"properties":'
        f"{json.dumps({'tip': tips[i], 'row': list(rows[i]), 's': styles[i]})}}}"  # type: ignore[call-overload]  # a numpy integer indexes it
        for g, i in zip(shapes, np.flatnonzero(keep), strict=True)
    )
    collection: dict[str, Any] = json.loads(
        f'{{"type":"FeatureCollection","features":[{features}]}}'
    )
    return collection


def add_features(
    m: folium.Map,
    frame: gpd.GeoDataFrame,
    *,
    tips: Sequence[str],
    labels: Sequence[str],
    values: pd.DataFrame,
    styles: Sequence[str],
    name: str,
    show: bool,
    pane: str | None = None,
    markers: bool = False,
    label_zoom: int | None = None,
) -> folium.FeatureGroup:
    """Add ``frame``'s geometry as a named layer with tooltips, popups and styles; return it.

    The one generic builder every layer goes through: every text is escaped here.

    Parameters
    ----------
    m : folium.Map
        Map from :func:`~gridparty.maps.base_map` (its tiles decide the display datum).
    frame : GeoDataFrame
        Geometries in EPSG:4326 (points are drawn as circle markers).
    tips : sequence of str
        Tooltip (and popup title) per feature, plain text.
    labels : sequence of str
        Popup row labels, plain text, once for the layer.
    values : DataFrame
        Popup values per feature, one column per label, plain text or numbers. Only pass
        public, aggregated values: this function shows whatever it is given.
    styles : sequence of str
        Style key of :data:`~gridparty.maps.styles.STYLES` per feature (also the legend class).
    name : str
        Layer name in the layer control, plain text.
    show : bool
        Whether the layer is on when the map opens.
    pane : str, optional
        Leaflet pane to draw in.
    markers : bool
        Also draw a circle marker (style key + ``"_marker"``, a fixed size in pixels) at a
        point on each feature, with the same tooltip and popup: problems stay visible when
        zoomed out far enough for their outline to vanish.
    label_zoom : int, optional
        Show each tooltip as a permanent label at a point on the feature from this zoom level
        on, while the layer is switched on.
    """
    if markers:
        frame, tips, values, styles = _with_markers(frame, tips, values, styles)
    rows = [[escape(v) for v in row] for row in values.itertuples(index=False)]
    collection = _feature_collection(
        frame.geometry, [escape(t) for t in tips], rows, styles, map_settings(m).datum
    )
    used = [k for k in STYLES if k in set(styles)]
    legend_keys = tuple(k for k in used if not k.endswith("_marker"))
    bind = bind_js(labels, used)
    group = owned(folium.FeatureGroup(name=escape(name), show=show))
    group.legend_keys = legend_keys  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    owned(
        folium.GeoJson(
            collection,
            control=False,
            marker=folium.CircleMarker(radius=5),
            on_each_feature=JsCode(bind),
            **({"pane": pane} if pane else {}),  # type: ignore[arg-type]  # pane is a keyword folium passes on
        )
    ).add_to(group)
    if markers:
        owned(_Clusters(CLUSTER_ABOVE, CLUSTER_UNTIL_ZOOM)).add_to(group)
    if label_zoom is not None:
        _add_labels(group, frame, tips, label_zoom, map_settings(m).datum)
    group.add_to(m)
    return group


def bind_js(labels: Sequence[str], used: Sequence[str]) -> str:
    """The JavaScript function binding style, tooltip and popup to each feature of a layer
    (``labels`` are escaped here; ``used`` are the layer's style keys)."""
    return _BIND % {
        "labels": js_literal([escape(label) for label in labels]),
        "styles": js_literal({k: STYLES[k].leaflet() for k in used}),
    }


def _with_markers(
    frame: gpd.GeoDataFrame,
    tips: Sequence[str],
    values: pd.DataFrame,
    styles: Sequence[str],
) -> tuple[gpd.GeoDataFrame, list[str], pd.DataFrame, list[str]]:
    """``frame`` followed by one point per non-point feature (style key + ``_marker``)."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    areal = ~shapely.is_missing(geoms) & (shapely.get_type_id(geoms) != 0)
    where = np.flatnonzero(areal)
    points = gpd.GeoSeries(shapely.point_on_surface(geoms[where]), crs=frame.crs)
    both = gpd.GeoDataFrame(
        geometry=pd.concat([frame.geometry, points], ignore_index=True), crs=frame.crs
    )
    more_values = pd.concat([values, values.iloc[where]], ignore_index=True)
    more_tips = [*tips, *(tips[i] for i in where)]  # type: ignore[call-overload]  # numpy integer index
    more_styles = [*styles, *(f"{styles[i]}_marker" for i in where)]  # type: ignore[call-overload]  # numpy integer index
    return both, more_tips, more_values, more_styles


#: Problem markers are clustered when a layer has more than this many.
CLUSTER_ABOVE = 50
#: From this zoom level on every problem marker is shown on its own.
CLUSTER_UNTIL_ZOOM = 16


class _Clusters(MacroElement):
    """Clusters the problem markers of its layer's GeoJSON (style keys ending ``_marker``)
    with Leaflet.markercluster when there are more than ``above``, up to ``until_zoom``.

    A cluster shows its number of problems, coloured like its most severe one (the marker
    style with the largest radius) and sized by the count; clicking it zooms in. Without the
    plugin (a plain folium map) the markers stay as they are.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group, above, untilZoom) {
            if (!L.markerClusterGroup) { return; }
            group.getLayers().forEach(function (layer) {
                if (!(layer instanceof L.GeoJSON)) { return; }
                var markers = [];
                layer.eachLayer(function (item) {
                    var s = item.feature && item.feature.properties.s;
                    if (s && /_marker$/.test(s)) { markers.push(item); }
                });
                if (markers.length <= above) { return; }
                var clusters = L.markerClusterGroup({
                    disableClusteringAtZoom: untilZoom,
                    showCoverageOnHover: false,
                    iconCreateFunction: function (cluster) {
                        var worst = null, n = cluster.getChildCount();
                        cluster.getAllChildMarkers().forEach(function (m) {
                            if (!worst || m.options.radius > worst.options.radius) { worst = m; }
                        });
                        var size = Math.round(24 + 6 * Math.log10(n));
                        var div = document.createElement("div");
                        div.style.background = worst.options.fillColor;
                        div.textContent = String(n);
                        return L.divIcon({html: div, className: "gp-cluster",
                                          iconSize: L.point(size, size)});
                    }
                });
                markers.forEach(function (m) { layer.removeLayer(m); });
                clusters.addLayers(markers);
                group.addLayer(clusters);
            });
        })({{ this._parent.get_name() }}, {{ this.above }}, {{ this.until_zoom }});
        {% endmacro %}
        """
    )

    def __init__(self, above: int, until_zoom: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is not annotated
        self._name = "Clusters"
        self._gridparty_clusters = True
        self.above = int(above)
        self.until_zoom = int(until_zoom)


class NameLabels(MacroElement):
    """Permanent labels (pre-escaped text at display coordinates) shown from ``min_zoom`` on
    while their layer is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (group, items, minZoom) {
            var labels = L.layerGroup();
            items.forEach(function (item) {
                labels.addLayer(L.tooltip({permanent: true, direction: "center",
                    className: "gp-label", interactive: false})
                    .setLatLng([item[0], item[1]]).setContent(item[2]));
            });
            var bound = null;
            function update() {
                var on = bound.hasLayer(group) && bound.getZoom() >= minZoom;
                if (on && !bound.hasLayer(labels)) { bound.addLayer(labels); }
                if (!on && bound.hasLayer(labels)) { bound.removeLayer(labels); }
            }
            function attach() {
                if (group._map && bound !== group._map) {
                    bound = group._map;
                    bound.on("zoomend", update);
                }
                if (bound) { update(); }
            }
            group.on("add", attach);
            group.on("remove", function () { if (labels._map) { labels.remove(); } });
            attach();
        })({{ this._parent.get_name() }}, {{ this.items|tojson }}, {{ this.min_zoom }});
        {% endmacro %}
        """
    )

    def __init__(self, items: list[tuple[float, float, str]], min_zoom: int) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is not annotated
        self._name = "Labels"
        self.items = items
        self.min_zoom = int(min_zoom)


def _add_labels(
    group: folium.FeatureGroup,
    frame: gpd.GeoDataFrame,
    tips: Sequence[str],
    min_zoom: int,
    datum: str,
) -> None:
    geoms = np.asarray(frame.geometry.array, dtype=object)
    keep = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    at = shapely.get_coordinates(to_display(shapely.point_on_surface(geoms[keep]), datum))  # type: ignore[arg-type]  # the library accepts it at run time
    # The label is the name after the level's prefix ("网格：" / "Grid: ").
    names = [_short(tips[i]) for i in keep]  # type: ignore[call-overload]  # numpy integer index
    items = [(round(y, 6), round(x, 6), escape(n)) for (x, y), n in zip(at, names, strict=True)]
    owned(NameLabels(items, min_zoom)).add_to(group)


def _short(tip: str) -> str:
    for sep in ("：", ": "):
        if sep in tip:
            return tip.split(sep, 1)[1]
    return tip


def layer_frame(frame: object, argument: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{argument} must be a GeoDataFrame (e.g. h.{argument}), got {type(frame).__name__}."
        )
    geoms = np.asarray(frame.geometry.array, dtype=object)
    drawable = frame[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    return ensure_wgs84(drawable, argument)


def _display_table(table: pd.DataFrame, lang: Lang, min_count: int) -> pd.DataFrame:
    """Every column as text for people: yes/no, suppressed small counts, missing as NA."""
    out = {}
    for column in table.columns:
        values = table[column]
        if column in SMALL_COUNT_COLUMNS:
            out[column] = suppress_small_counts(values, min_count)
        elif pd.api.types.is_bool_dtype(values.dtype):
            out[column] = values.astype("boolean").map(
                {True: text("yes", lang), False: text("no", lang)}, na_action="ignore"
            )
        else:
            out[column] = values.astype(TEXT_DTYPE)
    return pd.DataFrame(out, index=table.index)


def _unit_layer(
    m: folium.Map,
    frame: gpd.GeoDataFrame,
    level: str,
    counts: pd.DataFrame | None,
    styles: Sequence[str],
    *,
    lang: Lang,
    min_count: int,
    show: bool,
    pane: str | None = None,
) -> folium.FeatureGroup:
    spec = LEVELS[level]
    tips, labels, values = unit_table(frame, level, counts, lang=lang, min_count=min_count)
    return add_features(
        m,
        frame,
        tips=tips,
        labels=labels,
        values=values,
        styles=styles,
        name=text(spec.layer, lang),
        show=show,
        pane=pane,
        label_zoom=LABEL_ZOOM.get(level),
    )


def unit_table(
    frame: gpd.GeoDataFrame,
    level: str,
    counts: pd.DataFrame | None,
    *,
    lang: Lang,
    min_count: int,
) -> tuple[list[str], list[str], pd.DataFrame]:
    """Tooltips, popup labels and popup values (public columns and counts, small counts
    suppressed) of the units of ``level`` in ``frame``, as plain text."""
    spec = LEVELS[level]
    min_count = check_min_count(min_count)
    # The name is the popup's title, so it is not repeated as a row.
    public = public_table(frame, level, counts).drop(columns="name", errors="ignore")
    values = _display_table(public, lang, min_count)
    ids = pd.Series(frame.index.astype(TEXT_DTYPE), index=frame.index)
    values.insert(0, spec.id_column, ids)
    names = _column(frame, "name", "string")
    head = text(level, lang) + label_colon(lang)
    tips = (head + names.mask(names.str.strip().eq("")).fillna(ids)).tolist()
    labels = [text(_LABEL_KEYS.get(c, c), lang) for c in values.columns]
    return tips, labels, values


def _flag_styles(values: pd.Series, prefix: str, yes: str, no: str) -> list[str]:
    flags = values.astype("boolean")
    keys = np.where(flags.fillna(False), f"{prefix}_{yes}", f"{prefix}_unknown")
    styles: list[str] = np.where(flags.eq(False).fillna(False), f"{prefix}_{no}", keys).tolist()
    return styles


def add_communities(
    m: folium.Map,
    communities: gpd.GeoDataFrame,
    *,
    counts: pd.DataFrame | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    lang: str | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add community boundaries (社区) as a named layer and return it.

    Parameters
    ----------
    m : folium.Map
        Map from :func:`~gridparty.maps.base_map` (its tiles decide the display datum).
    communities : GeoDataFrame
        ``h.communities``: index ``community_id``; ``name``, ``street``, ``district`` shown.
    counts : DataFrame, optional
        Aggregates by community (``h.summary("community")``) shown in the popup.
    min_count : int
        Household and member counts below this are shown as ``"<min_count"``.
    lang : {"zh", "en"}, optional
        Label language; the map's by default.
    show : bool
        Whether the layer is switched on when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The layer (already on ``m``); its ``legend_keys`` lists the style classes it uses.

    Raises
    ------
    InputError, CRSError
        ``communities`` is not a GeoDataFrame, or its CRS is missing or does not fit.
    """
    lang_ = check_lang(lang or map_settings(m).lang)
    frame = layer_frame(communities, "communities")
    styles = ["community_boundary"] * len(frame)
    return _unit_layer(
        m,
        frame,
        "community",
        counts,
        styles,
        lang=lang_,
        min_count=min_count,
        show=show,
        pane=_boundary_pane(m),
    )


def _boundary_pane(m: folium.Map) -> str:
    """A pane above grids and buildings for community outlines (their strokes stay on top).

    The pane lets clicks through (``pointer_events=False``); only the outlines themselves
    (interactive paths) catch them, so grids and buildings below stay clickable.
    """
    if not any(isinstance(c, CustomPane) and c.name == _PANE for c in m._children.values()):
        owned(CustomPane(_PANE, z_index=450, pointer_events=False)).add_to(m)
    return _PANE


def add_grids(
    m: folium.Map,
    grids: gpd.GeoDataFrame,
    *,
    counts: pd.DataFrame | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    lang: str | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add grids (网格), coloured by whether a party branch exists, and return the layer.

    Parameters are those of :func:`add_communities`; ``grids`` is ``h.grids`` and ``counts``
    is ``h.summary("grid")``. Popups show the public grid columns (name, community, branch,
    full-/part-time grid workers) and the aggregates, small counts suppressed.
    """
    lang_ = check_lang(lang or map_settings(m).lang)
    frame = layer_frame(grids, "grids")
    styles = grid_styles(frame)
    return _unit_layer(m, frame, "grid", counts, styles, lang=lang_, min_count=min_count, show=show)


def add_buildings(
    m: folium.Map,
    buildings: gpd.GeoDataFrame,
    *,
    counts: pd.DataFrame | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    lang: str | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add buildings (楼栋, footprints or points), coloured by party group, and return the layer.

    Parameters are those of :func:`add_communities`; ``buildings`` is ``h.buildings`` and
    ``counts`` holds per-building aggregates of member households (``member_households``,
    ``formal_members``, ``probationary_members``, ``hub_households``). The building's own
    ``households`` count is suppressed below ``min_count`` too.
    """
    lang_ = check_lang(lang or map_settings(m).lang)
    frame = layer_frame(buildings, "buildings")
    styles = building_styles(frame)
    return _unit_layer(
        m, frame, "building", counts, styles, lang=lang_, min_count=min_count, show=show
    )


def grid_styles(frame: pd.DataFrame) -> list[str]:
    """Style key per grid: with, without or unknown party branch."""
    return _flag_styles(_column(frame, "has_branch"), "grid", "branch", "no_branch")


def building_styles(frame: pd.DataFrame) -> list[str]:
    """Style key per building: with, without or unknown party group."""
    return _flag_styles(_column(frame, "has_group"), "building", "group", "no_group")


def add_issues(
    m: folium.Map,
    issues: gpd.GeoDataFrame,
    *,
    messages: bool = False,
    lang: str | None = None,
    show: bool = True,
) -> folium.FeatureGroup:
    """Add validation issues (校验问题) with geometry, coloured by severity.

    Household-level rows are never drawn (their geometry is a household's position); rows
    without geometry are left out too: the table itself lists every issue.

    Parameters
    ----------
    m : folium.Map
        The map.
    issues : GeoDataFrame
        The table from :func:`gridparty.checks.validate`: ``level, id, check, severity, message,
        geometry``.
    messages : bool
        Show each issue's message text in its popup. Off by default: messages may quote
        member counts, which shared maps suppress.
    lang : {"zh", "en"}, optional
        Label language; the map's by default.
    show : bool
        Whether the layer is switched on when the map opens.

    Returns
    -------
    folium.FeatureGroup
        The layer; ``legend_keys`` lists the style classes it uses.
    """
    lang_ = check_lang(lang or map_settings(m).lang)
    frame, tips, labels, values, styles = issue_table(issues, lang=lang_, messages=messages)
    return add_features(
        m,
        frame,
        tips=tips,
        labels=labels,
        values=values,
        styles=styles,
        name=text("issues", lang_),
        show=show,
        markers=True,
    )


def issue_table(
    issues: object, *, lang: Lang, messages: bool
) -> tuple[gpd.GeoDataFrame, list[str], list[str], pd.DataFrame, list[str]]:
    """The issues drawn on a map (no household rows, none without geometry), with their
    tooltips, popup labels and values (plain text) and style keys (by severity)."""
    table = _issue_table(issues)
    household = table["level"].astype(TEXT_DTYPE).eq("household").fillna(False).to_numpy(bool)
    frame = layer_frame(table[~household], "issues")
    severity = frame["severity"].astype(TEXT_DTYPE).fillna("info")
    styles = [f"issue_{s}" if f"issue_{s}" in STYLES else "issue_info" for s in severity]
    checks = [text(str(c), lang) + label_colon(lang) for c in frame["check"]]
    tips = [c + str(i) for c, i in zip(checks, frame["id"], strict=True)]
    columns = ["level", "id", "check", "severity", *(["message"] if messages else [])]
    values = pd.DataFrame({c: frame[c].astype(TEXT_DTYPE) for c in columns})
    for column in ("level", "check", "severity"):
        values[column] = values[column].map(lambda v: text(str(v), lang), na_action="ignore")
    labels = [text(c, lang) for c in columns]
    return frame, tips, labels, values, styles


def _issue_table(issues: object) -> gpd.GeoDataFrame:
    if not isinstance(issues, gpd.GeoDataFrame):
        raise InputError(
            f"issues must be the GeoDataFrame returned by gridparty.checks.validate(h), got "
            f"{type(issues).__name__}."
        )
    missing = [c for c in (*ISSUE_COLUMNS, "geometry") if c not in issues.columns]
    if missing:
        raise ColumnError(
            f"issues lacks columns {missing}; pass the table returned by gridparty.checks.validate(h)."
        )
    return issues


def label_colon(lang: Lang) -> str:
    return "：" if lang == "zh" else ": "


def _column(frame: pd.DataFrame, column: str, dtype: str = "boolean") -> pd.Series:
    if column in frame:
        return frame[column].astype(dtype)  # type: ignore[call-overload, no-any-return]  # a dtype name
    return pd.Series(pd.NA, index=frame.index, dtype=dtype)
