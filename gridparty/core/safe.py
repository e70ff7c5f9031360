"""The one escaping helper: every string that reaches a map's HTML or JavaScript passes here.

folium escapes nothing (checked against folium 0.20):

* ``folium.Tooltip`` writes its text raw into a JavaScript template literal
  (`` bindTooltip(`<div>{{ text }}</div>`) ``): a backtick or ``${...}`` runs code, and Leaflet
  then sets the text as ``innerHTML``.
* ``folium.Popup`` writes its HTML raw into `` $(`...`) ``: the same, and it needs jQuery.
* ``GeoJsonTooltip``/``GeoJsonPopup`` build ``<table>`` HTML from feature properties in the
  browser and set it as ``innerHTML`` unescaped.
* ``LayerControl`` JSON-encodes layer names (safe as JavaScript) but Leaflet's layer control
  sets them as ``innerHTML``, so a name ``<img src=x onerror=...>`` runs.
* ``Figure(title=...)`` and element templates write strings raw into the page.

gridparty therefore never hands user text to those classes. Tooltips, popup labels and values,
layer names, the legend and attributions are escaped here (:func:`escape`), travel to the
browser inside JSON (:func:`js_literal` or folium's ``tojson``, which also escape ``<``, ``>``,
``&`` and ``'``), and are set by Leaflet as ``innerHTML``: escaped text shows literally and
runs nothing.
"""

from __future__ import annotations

import json
import math
import re

__all__ = ["MISSING", "escape", "is_color", "js_literal"]

#: Shown for a missing value (``None``, ``pd.NA``, ``NaN``).
MISSING = "—"

_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#39;",
    "`": "&#96;",
    "$": "&#36;",
    "\\": "&#92;",
    "\n": "&#10;",
    "\r": "&#13;",
    "\u2028": "&#8232;",
    "\u2029": "&#8233;",
}
# C0 controls (but tab, LF, CR handled above), DEL and lone surrogates become U+FFFD.
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
_TABLE = str.maketrans({**_ENTITIES, **_CONTROLS})
_JS_TABLE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})
_SURROGATES = re.compile("[\ud800-\udfff]")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def escape(value: object, *, missing: str = MISSING) -> str:
    """Return ``value`` as text that is inert in HTML and in any JavaScript string literal.

    The result contains none of ``< > " ' ` $ \\``, no line terminator (LF, CR, U+2028,
    U+2029) and no control character, and ``&`` only as the start of an entity. It is
    therefore safe as HTML text, as a quoted HTML attribute value, inside ``'...'``,
    ``"..."`` and `` `...` `` JavaScript literals and inside ``<script>``; the browser shows
    the original text (control characters and lone surrogates as U+FFFD).

    Parameters
    ----------
    value : object
        Any value; ``str(value)`` is escaped. ``None``, ``pd.NA`` and ``NaN`` give ``missing``.
    missing : str
        Text for a missing value (escaped as well).

    Returns
    -------
    str
        The escaped text.

    Examples
    --------
    >>> escape("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape("`${x}`")
    '&#96;&#36;{x}&#96;'
    """
    if _is_missing(value):
        value = missing
    text = _SURROGATES.sub("\ufffd", str(value))
    return text.translate(_TABLE)


def js_literal(value: object) -> str:
    """``value`` (str, number, bool, None, list, dict) as a JavaScript literal safe inside
    ``<script>``.

    JSON with every non-ASCII character, ``<``, ``>``, ``&`` and ``'`` as ``\\uXXXX`` escapes
    (as folium's and Jinja's ``tojson`` do), so no ``</script>``, ``<!--`` or line terminator
    can appear. It encodes, it does not make text safe as HTML: pass HTML through
    :func:`escape` first.
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, sort_keys=True)
    return text.translate(_JS_TABLE)


def is_color(value: str) -> bool:
    """True when ``value`` is a CSS colour ``#rrggbb``, safe to put in a style."""
    return isinstance(value, str) and _COLOR.match(value) is not None


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    # pd.NA and pd.NaT: comparing them does not give a bool.
    return type(value).__name__ in ("NAType", "NaTType")
