"""The legend (a Leaflet control drawn from :data:`~gridparty.maps.styles.STYLES`) and the
layer control."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from folium.template import Template

from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.safe import escape, is_color
from gridparty.maps.base import map_settings, owned
from gridparty.maps.styles import STYLES, Style

__all__ = ["Legend", "add_layer_control", "add_legend", "legend_html"]

_POSITIONS = ("topleft", "topright", "bottomleft", "bottomright")


class Legend(MacroElement):
    """A Leaflet control showing pre-escaped legend HTML (JSON-encoded into the script)."""

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
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str = "bottomright") -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is not annotated
        self._name = "Legend"
        self.html = html
        self.position = position


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
    rows = "".join(f"{_swatch(STYLES[k])}{escape(text(k, lang))}<br>" for k in keys)
    extra = "".join(f'<div class="gp-note">{escape(n)}</div>' for n in notes)
    return f"<b>{escape(text('legend', lang))}</b>{rows}{extra}"


def add_legend(
    m: folium.Map,
    keys: Sequence[str],
    *,
    notes: Sequence[str] = (),
    lang: str | None = None,
    position: str = "bottomright",
) -> Legend:
    """Add a legend of the given style classes to ``m`` and return it.

    Parameters
    ----------
    m : folium.Map
        The map (from :func:`~gridparty.maps.base_map`).
    keys : sequence of str
        Legend classes (keys of :data:`~gridparty.maps.styles.STYLES`) in display order.
    notes : sequence of str
        Plain-text lines shown under the entries.
    lang : {"zh", "en"}, optional
        Label language; the map's by default.
    position : {"topleft", "topright", "bottomleft", "bottomright"}
        Corner of the map.
    """
    if position not in _POSITIONS:
        raise InputError(f"position={position!r} is not a corner; use one of {_POSITIONS}.")
    lang = check_lang(lang or map_settings(m).lang)
    legend = owned(Legend(legend_html(keys, lang, notes), position))
    legend.add_to(m)
    return legend


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.LayerControl:
    """Add the layer control (call it after the layers: it lists what is on the map then).

    Layer names are escaped by the builders; Leaflet shows them as HTML.
    """
    control = owned(folium.LayerControl(collapsed=collapsed, position="topright"))
    control.add_to(m)
    return control
