"""The legend (a Leaflet control drawn from :data:`~gridparty.maps.styles.STYLES`, listing
the classes of the layers switched on) and the layer control."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import folium
from branca.element import MacroElement
from folium.template import Template

from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.safe import escape, is_color
from gridparty.maps.base import GridpartyMap, map_settings, owned
from gridparty.maps.styles import STYLES, Style

__all__ = ["Legend", "add_layer_control", "add_legend", "legend_html"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")


class Legend(MacroElement):
    """A Leaflet control showing pre-escaped legend HTML (JSON-encoded into the script).

    Rows carry their style class (``data-k``); a class drawn by known layers (``layers``:
    class → layers) is shown only while one of them is on, and the legend hides when no row
    is shown, following the layer control. Layers are looked up when the map has loaded, so
    the legend may come before them.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function () {
            var div = L.DomUtil.create("div", "gp-legend");
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        (function (map, control, layers) {
            function update() {
                var div = control.getContainer(), shown = 0;
                if (!div) { return; }
                div.querySelectorAll("[data-k]").forEach(function (row) {
                    var names = layers[row.getAttribute("data-k")];
                    var on = !names || names.some(function (n) {
                        return window[n] && map.hasLayer(window[n]);
                    });
                    row.style.display = on ? "" : "none";
                    shown += on ? 1 : 0;
                });
                div.style.display = shown ? "" : "none";
            }
            map.on("overlayadd overlayremove", update);
            setTimeout(update, 0);
        })({{ this._parent.get_name() }}, {{ this.get_name() }}, {{ this.layer_names()|tojson }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html: str,
        position: str = "bottomright",
        layers: Mapping[str, Sequence[Any]] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is not annotated
        self._name = "Legend"
        self.html = html
        self.position = position
        self.layers = {k: list(v) for k, v in (layers or {}).items()}
        #: The classes and notes listed (set by :func:`add_legend`; prints draw them too).
        self.keys: tuple[str, ...] = ()
        self.notes: tuple[str, ...] = ()

    def layer_names(self) -> dict[str, list[str]]:
        """Style class → JavaScript names of the layers drawing it (known at render time)."""
        return {k: [layer.get_name() for layer in v] for k, v in self.layers.items()}


def _swatch(style: Style) -> str:
    if not (is_color(style.color) and is_color(style.fill_color)):
        raise InputError(f"legend style {style!r} has a colour that is not #rrggbb.")
    line = "dashed" if style.dash else "solid"
    width = max(1, round(style.weight))
    # A little more opaque than on the map, so the small swatch reads; the border stays solid.
    alpha = round(255 * min(1.0, style.fill_opacity + 0.25))
    background = f"{style.fill_color}{alpha:02x}" if style.fill else "transparent"
    css = f"background:{background};border:{width}px {line} {style.color}"
    return f'<i style="{escape(css)}"></i>'


def legend_html(keys: Sequence[str], lang: Lang, notes: Sequence[str] = ()) -> str:
    """Legend HTML: a title, one swatch and label per style key, then notes (all escaped).

    Parameters
    ----------
    keys : sequence of str
        Keys of :data:`~gridparty.maps.styles.STYLES`, in display order.
    lang : {"zh", "en"}
        Label language.
    notes : sequence of str
        Extra lines under the entries (plain text).
    """
    unknown = [k for k in keys if k not in STYLES]
    if unknown:
        raise InputError(f"keys={unknown!r} are not legend classes; use keys of STYLES.")
    rows = "".join(
        f'<div data-k="{escape(k)}">{_swatch(STYLES[k])}{escape(text(k, lang))}</div>' for k in keys
    )
    extra = "".join(f'<div class="gp-note">{escape(n)}</div>' for n in notes)
    return f"<b>{escape(text('legend', lang))}</b>{rows}{extra}"


def add_legend(
    m: folium.Map,
    keys: Sequence[str],
    *,
    notes: Sequence[str] = (),
    lang: str | None = None,
    position: str = "bottomright",
    groups: Sequence[folium.FeatureGroup] = (),
) -> Legend:
    """Add a legend of the given style classes to ``m`` and return it.

    Parameters
    ----------
    m : folium.Map
        The map (from :func:`~gridparty.maps.base_map`).
    keys : sequence of str
        Legend classes (keys of :data:`~gridparty.maps.styles.STYLES`) in display order;
        repeated keys are shown once.
    notes : sequence of str
        Plain-text lines shown under the entries.
    lang : {"zh", "en"}, optional
        Label language; the map's by default.
    position : {"topleft", "topright", "bottomleft", "bottomright"}
        Corner of the map.
    groups : sequence of folium.FeatureGroup
        Layers from the builders (their ``legend_keys``): a class they draw is listed only
        while one of its layers is switched on.
    """
    if position not in _POSITIONS:
        raise InputError(f"position={position!r} is not a corner; use one of {_POSITIONS}.")
    lang = check_lang(lang or map_settings(m).lang)
    layers: dict[str, list[folium.FeatureGroup]] = {}
    for group in groups:
        for key in getattr(group, "legend_keys", ()):
            layers.setdefault(key, []).append(group)
    keys = list(dict.fromkeys(keys))
    legend = owned(Legend(legend_html(keys, lang, notes), position, layers))
    legend.keys, legend.notes = tuple(keys), tuple(notes)
    legend.add_to(m)
    return legend


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.LayerControl | None:
    """Give ``m`` a layer control listing every layer.

    On a :class:`~gridparty.maps.base.GridpartyMap` the control is created when the map is
    rendered, as its last element, so layers added afterwards (``folium.GeoJson``,
    ``gdf.explore(m=m)``) are listed too; returns None. When you add your own
    ``folium.LayerControl`` to such a map, gridparty adds none. On another ``folium.Map`` the
    control is added now (returned): add it after your own layers.

    Layer names are escaped by the builders; Leaflet shows them as HTML.
    """
    options = {"collapsed": collapsed, "position": "topright"}
    if isinstance(m, GridpartyMap):
        m.layer_control = options
        return None
    control = owned(folium.LayerControl(**options))  # type: ignore[arg-type]  # the library accepts it at run time
    control.add_to(m)
    return control
