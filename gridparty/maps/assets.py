"""The JavaScript and CSS of a map: folium's own, with Leaflet and jQuery inlined on request.

A :class:`~gridparty.maps.base.GridpartyMap` keeps every asset folium links (jQuery, Bootstrap,
glyphicons, Font Awesome, Leaflet.awesome-markers), so ``folium.Marker``, ``folium.Popup`` and
``folium.Icon`` added by users work as on any folium map. With ``assets="inline"`` the vendored
Leaflet 1.9.4 (with its marker images) and jQuery 3.7.1 (``static/``) are written into the page:
the gridparty layers, plain markers and popups then work with no internet at all; the other
folium assets stay links (icons from ``folium.Icon`` need internet).
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
    "JQUERY_URL",
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "LEAFLET_VERSION",
    "Assets",
    "RawHtml",
    "inline_leaflet",
    "jquery_js",
    "leaflet_css",
    "leaflet_js",
    "marker_images_js",
    "markercluster_html",
]

Assets = Literal["inline", "cdn"]
ASSETS: tuple[Assets, ...] = ("inline", "cdn")

LEAFLET_VERSION = "1.9.4"
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"

JQUERY_VERSION = "3.7.1"
#: folium's link to jQuery (the vendored copy replaces it with ``assets="inline"``).
JQUERY_URL = f"https://code.jquery.com/jquery-{JQUERY_VERSION}.min.js"

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


def _static(*parts: str, folder: str = _DIR) -> Traversable:
    return resources.files("gridparty.maps").joinpath("static", folder, *parts)


def _data_uri(name: str) -> str:
    data = base64.b64encode(_static("images", name).read_bytes()).decode("ascii")
    return f"data:image/png;base64,{data}"


@cache
def leaflet_js() -> str:
    """The vendored ``leaflet.js`` without its ``sourceMappingURL`` comment."""
    code = _static("leaflet.js").read_text(encoding="utf-8")
    return _checked(_without_source_map(code), "leaflet.js")


@cache
def leaflet_css() -> str:
    """The vendored ``leaflet.css`` with its layer-control images as ``data:`` URIs."""
    css = _static("leaflet.css").read_text(encoding="utf-8")
    for name in ("layers.png", "layers-2x.png"):
        css = css.replace(f"url(images/{name})", f"url({_data_uri(name)})")
    return _checked(css, "leaflet.css")


@cache
def marker_images_js() -> str:
    """JavaScript pointing Leaflet's default marker at the vendored images (``data:`` URIs).

    Leaflet finds its marker images next to ``leaflet.css``; an inlined stylesheet has no
    location, so the default icon is given its images directly.
    """
    options = {
        "iconUrl": _data_uri("marker-icon.png"),
        "iconRetinaUrl": _data_uri("marker-icon-2x.png"),
        "shadowUrl": _data_uri("marker-shadow.png"),
    }
    items = ",".join(f'{k}:"{v}"' for k, v in options.items())
    return f'L.Icon.Default.imagePath="";L.Icon.Default.mergeOptions({{{items}}});'


@cache
def jquery_js() -> str:
    """The vendored ``jquery.min.js`` (folium's popups build their content with it)."""
    code = _static("jquery.min.js", folder=f"jquery-{JQUERY_VERSION}").read_text(encoding="utf-8")
    return _checked(code, "jquery.min.js")


MARKERCLUSTER_VERSION = "1.5.3"
_CLUSTER_DIR = f"leaflet.markercluster-{MARKERCLUSTER_VERSION}"
_CLUSTER_CDN = f"https://cdn.jsdelivr.net/npm/leaflet.markercluster@{MARKERCLUSTER_VERSION}/dist"


@cache
def markercluster_html(assets: Assets) -> str:
    """Leaflet.markercluster's script and stylesheets for a page header: the vendored files
    (``"inline"``) or links to them (``"cdn"``)."""
    styles = ("MarkerCluster.css", "MarkerCluster.Default.css")
    if assets == "cdn":
        links = "".join(f'<link rel="stylesheet" href="{_CLUSTER_CDN}/{n}"/>' for n in styles)
        return f'<script src="{_CLUSTER_CDN}/leaflet.markercluster.js"></script>{links}'
    code = _static("leaflet.markercluster.js", folder=_CLUSTER_DIR).read_text(encoding="utf-8")
    code = _without_source_map(code)
    css = "".join(_static(n, folder=_CLUSTER_DIR).read_text(encoding="utf-8") for n in styles)
    return (
        f"<script>{_checked(code, 'leaflet.markercluster.js')}</script>"
        f"<style>{_checked(css, 'MarkerCluster.css')}</style>"
    )


def _without_source_map(code: str) -> str:
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", code)


def _checked(code: str, name: str) -> str:
    # A closing tag inside the file would end the inline <script>/<style> early.
    if _CLOSING_TAG.search(code):
        raise RuntimeError(f"vendored {name} contains a closing </script> or </style> tag")
    return code


def inline_leaflet(header: Element) -> None:
    """Replace the Leaflet and jQuery links in a rendered figure ``header`` by the vendored
    files (folium's other links stay)."""
    children = header._children
    if "leaflet" in children:
        children["leaflet"] = RawHtml(f"<script>{leaflet_js()}{marker_images_js()}</script>")
    if "leaflet_css" in children:
        children["leaflet_css"] = RawHtml(f"<style>{leaflet_css()}</style>")
    if "jquery" in children:
        children["jquery"] = RawHtml(f"<script>{jquery_js()}</script>")
