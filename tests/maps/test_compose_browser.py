"""Every map function gives an ordinary folium map: users add folium layers, markers and
``gdf.explore(m=m)`` to it, or draw it onto their own map, and it runs in headless Chromium
without a console error, every layer listed in the layer control.

Every http(s) request is aborted: the inlined Leaflet and jQuery must carry the map.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import folium
import geopandas as gpd
import pytest
import shapely

import gridparty.datasets.sample as ds
from gridparty.access.service import service_access
from gridparty.alliances.lists import match_lists
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.alliances.pairing import propose_pairing
from gridparty.checks.report import check_coverage
from gridparty.checks.validate import validate
from gridparty.flagship.zones import mentoring_zones
from gridparty.maps import hierarchy_map, save_map
from gridparty.maps.access import access_map
from gridparty.maps.alliance import alliance_map
from gridparty.maps.assets import JQUERY_URL, jquery_js, leaflet_css, leaflet_js
from gridparty.maps.flagship import flagship_map

pytestmark = pytest.mark.browser


def _maps() -> dict[str, Callable[..., folium.Map]]:
    h = ds.sample_city()
    layer = {
        n: ds.sample_layer(n)
        for n in (
            "organisations",
            "service_centres",
            "units",
            "alliances",
            "memberships",
            "departments",
            "pairings",
            "needs",
            "resources",
        )
    }
    return {
        "hierarchy": lambda **kw: hierarchy_map(h, issues=validate(h), tiles="none", **kw),
        "coverage": lambda **kw: check_coverage(h).map(tiles="none", **kw),
        "flagship": lambda **kw: flagship_map(
            mentoring_zones(
                h,
                ["310101002001", "310115005001"],
                radius_m=1000,
                organisations=layer["organisations"],
            ),
            tiles="none",
            **kw,
        ),
        "access": lambda **kw: access_map(
            service_access(h, layer["service_centres"], threshold_m=300), tiles="none", **kw
        ),
        "alliance": lambda **kw: alliance_map(
            analyse_alliances(
                alliance_network(
                    layer["units"],
                    layer["alliances"],
                    layer["memberships"],
                    communities=h.communities,
                )
            ),
            communities=h.communities,
            pairing=propose_pairing(
                h.communities, layer["departments"], pairings=layer["pairings"]
            ),
            lists=match_lists(layer["needs"], layer["resources"], units=layer["units"]),
            tiles="none",
            **kw,
        ),
    }


MAPS = _maps()


def _cdn(route: object) -> None:
    """Serve folium's Leaflet and jQuery links from the vendored files (a plain folium map
    links them); abort every other request."""
    url = route.request.url  # type: ignore[attr-defined]
    if re.search(r"/leaflet@[\d.]+/dist/leaflet\.js$", url):
        route.fulfill(body=leaflet_js(), content_type="text/javascript")  # type: ignore[attr-defined]
    elif re.search(r"/leaflet@[\d.]+/dist/leaflet\.css$", url):
        route.fulfill(body=leaflet_css(), content_type="text/css")  # type: ignore[attr-defined]
    elif url == JQUERY_URL:
        route.fulfill(body=jquery_js(), content_type="text/javascript")  # type: ignore[attr-defined]
    else:
        route.abort()  # type: ignore[attr-defined]


def _open(chromium: object, path: Path, cdn: bool = False) -> tuple[object, list[str]]:
    context = chromium.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
    context.route(re.compile(r"^https?://"), _cdn if cdn else lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))

    def console(msg: object) -> None:
        url = (msg.location or {}).get("url", "")  # type: ignore[attr-defined]
        aborted = msg.text.startswith("Failed to load resource") and url.startswith("http")  # type: ignore[attr-defined]
        if msg.type == "error" and not aborted:  # type: ignore[attr-defined]
            errors.append(f"console: {msg.text} at {url}")  # type: ignore[attr-defined]

    page.on("console", console)
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-control-layers').length")
    page.wait_for_timeout(100)  # the legend updates after the script ran
    return page, errors


def _overlays(page: object) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined]
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(e => e.textContent.trim())"
    )


def _add_user_layers(m: folium.Map) -> None:
    """What users add to a folium map: a GeoJSON layer with a tooltip, a marker with an icon
    and a popup, and a GeoDataFrame through ``explore``."""
    lat, lon = m.location
    frame = gpd.GeoDataFrame(
        {"label": ["用户图层"]},
        geometry=[shapely.Point(lon, lat).buffer(0.002)],
        crs=4326,
    )
    folium.GeoJson(
        frame.__geo_interface__,
        name="user geojson",
        tooltip=folium.GeoJsonTooltip(fields=["label"]),
    ).add_to(m)
    folium.Marker(
        [lat, lon], icon=folium.Icon(color="green"), popup=folium.Popup("用户标注")
    ).add_to(m)
    folium.Marker([lat + 0.001, lon], popup="plain marker").add_to(m)
    frame.assign(label="explore").explore(m=m, name="user explore")


@pytest.mark.parametrize("kind", list(MAPS))
def test_users_add_folium_layers_markers_and_explore(chromium, tmp_path: Path, kind: str) -> None:
    m = MAPS[kind]()
    _add_user_layers(m)
    page, errors = _open(chromium, save_map(m, tmp_path / "m.html"))
    # Leaflet.awesome-markers (folium.Icon) comes from a CDN, cut off here: the icon marker
    # falls back to Leaflet's default marker instead of stopping the scripts after it.
    assert errors == []
    assert page.locator(".leaflet-marker-icon").count() == 2  # type: ignore[attr-defined]
    overlays = _overlays(page)
    assert overlays[-2:] == ["user geojson", "user explore"]
    assert len(overlays) == len(set(overlays)) >= 4
    # The popup of the plain marker opens (folium builds popups with jQuery).
    page.locator(".leaflet-marker-icon").last.click()  # type: ignore[attr-defined]
    assert page.locator(".leaflet-popup-content").inner_text() == "plain marker"  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", list(MAPS))
def test_map_functions_draw_onto_an_existing_map(chromium, tmp_path: Path, kind: str) -> None:
    lat, lon = 31.23, 121.47
    m = folium.Map(location=[lat, lon], zoom_start=13, tiles=None)
    folium.Marker([lat, lon], popup="mine").add_to(m)
    drawn = MAPS[kind](m=m, title="用户地图")
    assert drawn is m
    folium.LayerControl().add_to(m)  # a plain folium map: the user adds the control last
    page, errors = _open(chromium, save_map(m, tmp_path / "m.html"), cdn=True)
    assert errors == []
    assert len(_overlays(page)) >= 2
    assert page.locator(".gp-title").inner_text() == "用户地图"  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]


def test_two_gridparty_maps_on_one(chromium, tmp_path: Path) -> None:
    m = MAPS["hierarchy"](title="网格与覆盖")
    MAPS["coverage"](m=m)
    page, errors = _open(chromium, save_map(m, tmp_path / "m.html"))
    assert errors == []
    groups = [c for c in m._children.values() if isinstance(c, folium.FeatureGroup)]
    # both maps draw the communities: the control lists a name once
    assert sorted(_overlays(page)) == sorted({g.layer_name for g in groups})
    page.close()  # type: ignore[attr-defined]
