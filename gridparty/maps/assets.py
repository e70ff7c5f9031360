"""The JavaScript and CSS a gridparty map needs: Leaflet only, inlined or from a CDN.

folium's maps link jQuery, Bootstrap, glyphicons, Font Awesome and awesome-markers from
CDNs. gridparty maps need none of them (no icon markers, no ``folium.Popup``), so
:class:`~gridparty.maps.base.GridpartyMap` links Leaflet alone, and with
``assets="inline"`` writes the vendored Leaflet (``static/``) into the page so it opens with
no internet at all.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Literal

from branca.element import Element

__all__ = [
    "ASSETS",
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "LEAFLET_VERSION",
    "Assets",
    "RawHtml",
    "inline_leaflet",
    "leaflet_css",
    "leaflet_js",
]

Assets = Literal["inline", "cdn"]
ASSETS: tuple[Assets, ...] = ("inline", "cdn")

LEAFLET_VERSION = "1.9.4"
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"

_DIR = f"leaflet-{LEAFLET_VERSION}"
_CLOSING_TAG = re.compile(r"</(script|style)", re.IGNORECASE)


class RawHtml(Element):
    """A header element that renders ``html`` verbatim (branca's ``Element`` would run it
    through Jinja, which breaks on ``{{`` inside JavaScript)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._html = html

    def render(self, **kwargs: object) -> str:
        return self._html


def _static(*parts: str) -> Traversable:
    return resources.files("gridparty.maps").joinpath("static", _DIR, *parts)


@cache
def leaflet_js() -> str:
    """The vendored ``leaflet.js`` without its ``sourceMappingURL`` comment."""
    code = _static("leaflet.js").read_text(encoding="utf-8")
    return _checked(re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", code), "leaflet.js")


@cache
def leaflet_css() -> str:
    """The vendored ``leaflet.css`` with its layer-control images as ``data:`` URIs."""
    css = _static("leaflet.css").read_text(encoding="utf-8")
    for name in ("layers.png", "layers-2x.png"):
        data = base64.b64encode(_static("images", name).read_bytes()).decode("ascii")
        css = css.replace(f"url(images/{name})", f"url(data:image/png;base64,{data})")
    return _checked(css, "leaflet.css")


def _checked(code: str, name: str) -> str:
    # A closing tag inside the file would end the inline <script>/<style> early.
    if _CLOSING_TAG.search(code):
        raise RuntimeError(f"vendored {name} contains a closing </script> or </style> tag")
    return code


def inline_leaflet(header: Element) -> None:
    """Replace the Leaflet links in a rendered figure ``header`` by the vendored files."""
    children = header._children
    if "leaflet" in children:
        children["leaflet"] = RawHtml(f"<script>{leaflet_js()}</script>")
    if "leaflet_css" in children:
        children["leaflet_css"] = RawHtml(f"<style>{leaflet_css()}</style>")
