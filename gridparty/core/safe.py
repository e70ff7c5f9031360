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

branca compiles text as a Jinja2 template: ``MacroElement.render`` wraps each element's
already-rendered script (and header and html) in ``Element(...)``, which compiles it, so any
``{{ ... }}``, ``{% ... %}`` or ``{# ... #}`` in it is evaluated when the page is written
(``{{7*7}}`` shows ``49``, ``lipsum.__globals__`` reaches ``os``, ``{#3}号楼`` raises
``TemplateSyntaxError``). No text from data is therefore ever part of a template's source:
:func:`escape` writes ``{`` and ``}`` as the entities ``&#123;`` and ``&#125;`` (the browser
shows the braces; no Jinja delimiter can form), and :func:`js_literal` writes them as
``\\u007b`` and ``\\u007d`` inside JSON strings. :class:`~gridparty.maps.base.GridpartyMap`
checks at render time that no gridparty layer hands branca a delimiter.

Text shown on a map is cut to :data:`MAX_CHARS` characters (the last one an ellipsis) by
:func:`escape`, before escaping, so an entity is never cut in half and a huge name cannot
blow up a map (each feature repeats it). Exports (Excel, GeoPackage, CSV) keep the full text.
"""

from __future__ import annotations

import json
import math
import re

from gridparty.core.errors import InputError

__all__ = [
    "ELLIPSIS",
    "JINJA_DELIMITER",
    "MAX_CHARS",
    "MISSING",
    "escape",
    "is_color",
    "js_literal",
    "shorten",
]

#: Shown for a missing value (``None``, ``pd.NA``, ``NaN``).
MISSING = "—"

#: Text shown on a map (tooltip, popup label or value, layer name, legend line) is cut to this
#: many characters, the last one :data:`ELLIPSIS`; exports keep the full text.
MAX_CHARS = 200

#: Ends text cut to :data:`MAX_CHARS`.
ELLIPSIS = "…"

#: The start of a Jinja2 tag: ``{{``, ``{%`` or ``{#`` (nothing from data may form one).
JINJA_DELIMITER = re.compile(r"\{[{%#]")

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
    "{": "&#123;",
    "}": "&#125;",
}
# C0 controls (but tab, LF, CR handled above), DEL and lone surrogates become U+FFFD.
_CONTROLS = {c: "\ufffd" for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]}
_TABLE = str.maketrans({**_ENTITIES, **_CONTROLS})
_JS_TABLE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})
_JS_STRING_TABLE = str.maketrans({"{": "\\u007b", "}": "\\u007d"})
# A JSON string in ``json.dumps(..., ensure_ascii=True)`` output (escapes are two characters
# or ``\uXXXX``; neither contains a quote).
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_SURROGATES = re.compile("[\ud800-\udfff]")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def escape(value: object, *, missing: str = MISSING, limit: int | None = MAX_CHARS) -> str:
    """Return ``value`` as text that is inert in HTML, in any JavaScript string literal and in
    a Jinja2 template, cut to ``limit`` characters.

    The result contains none of ``< > " ' ` $ \\ { }``, no line terminator (LF, CR, U+2028,
    U+2029) and no control character, and ``&`` only as the start of an entity. It is
    therefore safe as HTML text, as a quoted HTML attribute value, inside ``'...'``,
    ``"..."`` and `` `...` `` JavaScript literals, inside ``<script>`` and inside text that
    branca compiles as a template (no ``{{``, ``{%`` or ``{#`` can form); the browser shows
    the original text (control characters and lone surrogates as U+FFFD).

    Parameters
    ----------
    value : object
        Any value; ``str(value)`` is escaped. ``None``, ``pd.NA`` and ``NaN`` give ``missing``.
    missing : str
        Text for a missing value (escaped as well).
    limit : int or None
        Longest text shown, in characters (code points) before escaping: longer text is cut
        by :func:`shorten` (default :data:`MAX_CHARS`, 200). ``None`` keeps it whole.

    Returns
    -------
    str
        The escaped text.

    Examples
    --------
    >>> escape("<img src=x onerror=alert(1)>")
    '&lt;img src=x onerror=alert(1)&gt;'
    >>> escape("`${x}`")
    '&#96;&#36;&#123;x&#125;&#96;'
    >>> escape("{{7*7}}")
    '&#123;&#123;7*7&#125;&#125;'
    >>> len(escape("楼" * 1000))
    200
    """
    if _is_missing(value):
        value = missing
    text = str(value) if limit is None else shorten(str(value), limit)
    return _SURROGATES.sub("\ufffd", text).translate(_TABLE)


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in :data:`ELLIPSIS` when cut.

    Parameters
    ----------
    text : str
        Plain (unescaped) text.
    limit : int
        Longest result in characters (code points), at least 1.

    Examples
    --------
    >>> shorten("abcdef", 4)
    'abc…'
    >>> shorten("abc", 4)
    'abc'
    """
    if limit < 1:
        raise InputError(f"limit={limit!r} must be a whole number of characters >= 1.")
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def js_literal(value: object) -> str:
    """``value`` (str, number, bool, None, list, dict) as a JavaScript literal safe inside
    ``<script>`` and inside text that branca compiles as a template.

    JSON with every non-ASCII character, ``<``, ``>``, ``&`` and ``'`` as ``\\uXXXX`` escapes
    (as folium's and Jinja's ``tojson`` do), so no ``</script>``, ``<!--`` or line terminator
    can appear; ``{`` and ``}`` inside strings (keys and values) are ``\\u007b`` and
    ``\\u007d``, so no Jinja delimiter can form (an object's own braces are always followed
    by ``"`` or ``}``). It encodes, it does not make text safe as HTML: pass HTML through
    :func:`escape` first.

    Examples
    --------
    >>> js_literal({"a{": ["{{x}}"]})
    '{"a\\\\u007b": ["\\\\u007b\\\\u007bx\\\\u007d\\\\u007d"]}'
    """
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, sort_keys=True)
    text = _JSON_STRING.sub(lambda s: s.group().translate(_JS_STRING_TABLE), text)
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
