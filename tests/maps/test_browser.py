"""Maps rendered in headless Chromium: no JavaScript errors, layers drawn, hostile text inert.

Every http(s) request is aborted, so the maps must work offline (tiles stay blank).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import tiny_city
from browser_js import OPEN_ALL

from gridparty.core.model import Hierarchy
from gridparty.maps import hierarchy_map, save_map

pytestmark = pytest.mark.browser

HOSTILE = (
    '<img src=x onerror="window.__pwned=1">'
    "</script><script>window.__pwned=2</script>"
    "${window.__pwned=3}`+(window.__pwned=4)+`'\"\u2028"
)


@dataclass
class Opened:
    page: object
    errors: list[str] = field(default_factory=list)

    def js(self, expression: str) -> object:
        return self.page.evaluate(expression)  # type: ignore[attr-defined]


@pytest.fixture
def open_map(chromium: object):
    """Open an HTML file with the network cut off; collect JavaScript errors."""
    pages = []

    def _open(path: Path) -> Opened:
        context = chromium.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
        context.route(re.compile(r"^https?://"), lambda route: route.abort())
        page = context.new_page()
        pages.append(context)
        opened = Opened(page)
        page.on("pageerror", lambda exc: opened.errors.append(f"pageerror: {exc}"))
        page.on("console", lambda msg: _console(msg, opened.errors))
        page.add_init_script("window.__pwned = 0;")
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function("() => document.querySelectorAll('.leaflet-control-layers').length")
        return opened

    yield _open
    for context in pages:
        context.close()


def _console(msg: object, errors: list[str]) -> None:
    if msg.type != "error":  # type: ignore[attr-defined]
        return
    url = (msg.location or {}).get("url", "")  # type: ignore[attr-defined]
    if msg.text.startswith("Failed to load resource") and url.startswith(("http://", "https://")):  # type: ignore[attr-defined]
        return  # a tile request we aborted
    errors.append(f"console: {msg.text} at {url}")  # type: ignore[attr-defined]


def _paths(geoms: object) -> int:
    """How many SVG paths Leaflet draws: one per feature, one per part of a collection."""
    array = shapely.from_geojson([json.dumps(g) for g in geoms])  # type: ignore[attr-defined]
    multi_points = shapely.get_type_id(array) == shapely.GeometryType.MULTIPOINT
    collections = shapely.get_type_id(array) == shapely.GeometryType.GEOMETRYCOLLECTION
    parts = shapely.get_num_geometries(array)
    return int(((multi_points | collections) * (parts - 1) + 1).sum())


def _embedded_geometries(page: str) -> list[dict]:
    found = [json.loads(s) for s in re.findall(r"_add\((\{.*\})\);\n", page)]
    return [f["geometry"] for c in found for f in c["features"]]


def _check_map(opened: Opened, page: str, layers: list[str]) -> None:
    assert opened.js("typeof L === 'object' && L.version") == "1.9.4"
    names = opened.js(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(e => e.textContent.trim())"
    )
    assert names == layers
    drawn = opened.js("document.querySelectorAll('.leaflet-map-pane svg path').length")
    assert drawn == _paths(_embedded_geometries(page))
    assert opened.js("document.querySelector('.gp-legend').textContent.length") > 10


def test_hand_made_map_runs_without_errors_and_shows_hostile_text_literally(
    open_map, tmp_path: Path
) -> None:
    layers = tiny_city.layers()
    layers["communities"] = layers["communities"].assign(name=[HOSTILE, "West"])
    layers["grids"] = layers["grids"].assign(name=HOSTILE)
    layers["buildings"] = layers["buildings"].assign(building_id=["B1", HOSTILE, "B3", "B4"])
    h = Hierarchy(**layers)
    issues = gpd.GeoDataFrame(
        {
            "level": ["grid"],
            "id": [HOSTILE],
            "check": ["overlap"],
            "severity": ["warning"],
            "message": [HOSTILE],
        },
        geometry=gpd.GeoSeries([tiny_city.box(90, 0, 110, 100)], crs=tiny_city.UTM).to_crs(4326),
    )
    m = hierarchy_map(h, issues=issues, lang="en", messages=True)
    path = save_map(m, tmp_path / "tiny.html")
    page = path.read_text(encoding="utf-8")
    opened = open_map(path)

    _check_map(opened, page, ["Communities", "Grids", "Buildings", "Validation issues"])
    # 10 shapes and one circle marker for the one issue (problems show at overview zoom)
    assert opened.js("document.querySelectorAll('.leaflet-map-pane svg path').length") == 11
    opened.page.screenshot(path="/tmp/gridparty_tiny_map.png")  # type: ignore[attr-defined]
    # A real mouse over a building shows its tooltip: the outline pane above lets it through.
    box = opened.js("""() => {
        let found = null;
        window[document.querySelector('.folium-map').id].eachLayer(l => {
            if (l.feature && l.feature.properties.tip === 'building: B3') {
                found = l.getElement().getBoundingClientRect().toJSON();
            }
        });
        return found;
    }""")
    opened.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    hovered = "document.querySelector('.leaflet-tooltip:not(.gp-label)').textContent"
    assert opened.js(hovered) == "building: B3"
    shown = opened.js(OPEN_ALL)
    # 10 features and the issue's marker, which repeats the issue's tooltip and popup
    assert len(shown["tips"]) == len(shown["pops"]) == 11
    core = HOSTILE.strip()  # ids are stripped on loading (U+2028 is whitespace)
    # 1 community, 3 grids, 1 building, 1 issue and its marker (its id; its message too)
    assert sum(core in t for t in shown["tips"]) == 7
    assert sum(core in p for p in shown["pops"]) == 7
    # names in 4 titles; the issue id in its title and id row, and its message, twice
    assert sum(p.count(HOSTILE) for p in shown["pops"]) == 4 + 3 + 3
    opened.page.wait_for_timeout(300)  # type: ignore[attr-defined]  # let any onerror fire
    assert opened.js("window.__pwned") == 0
    assert (
        opened.js(
            "document.querySelectorAll('.leaflet-popup-pane img, .leaflet-tooltip-pane img, "
            ".leaflet-control-container img, .leaflet-popup-pane script').length"
        )
        == 0
    )
    assert opened.errors == []


def test_demo_map_of_the_sample_city_renders_offline(open_map, need, tmp_path: Path) -> None:
    try:
        from gridparty.cli.main import main
        from gridparty.datasets.sample import sample_city  # noqa: F401
    except ImportError as exc:  # pragma: no cover - until the sample city lands
        need(False, f"the demo needs gridparty.datasets.sample_city: {exc}")
    assert main(["demo", "--out", str(tmp_path)]) == 0
    path = tmp_path / "sample_city_map.html"
    page = path.read_text(encoding="utf-8")
    opened = open_map(path)

    _check_map(opened, page, ["社区（大党委）", "网格（党支部）", "楼栋（党小组）", "校验问题"])
    assert opened.js("document.querySelectorAll('.leaflet-map-pane svg path').length") > 100
    opened.page.screenshot(path="/tmp/gridparty_demo_map.png")  # type: ignore[attr-defined]
    assert opened.js("window.__pwned") == 0
    assert opened.errors == []
