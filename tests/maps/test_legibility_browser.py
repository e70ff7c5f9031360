"""Maps a planner reads without clicking, checked in headless Chromium: a title, names as
labels from a sensible zoom, a marker per problem at overview zoom, and a legend that lists
only the layers switched on.

With ``GRIDPARTY_SCREENSHOTS=DIR`` the checked maps are also saved as PNG files (the images of
docs/guides/maps.md).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import gridparty.datasets.sample as ds
from gridparty.checks.report import check_coverage
from gridparty.checks.validate import validate
from gridparty.core.labels import text
from gridparty.core.schema import LEVELS
from gridparty.maps import hierarchy_map, save_map
from gridparty.maps.layers import LABEL_ZOOM

pytestmark = pytest.mark.browser

H = ds.sample_city()


def _open(chromium: object, path: Path) -> object:
    context = chromium.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-control-layers').length")
    page.wait_for_timeout(100)
    assert errors == []
    return page


def _shot(page: object, name: str) -> None:
    folder = os.environ.get("GRIDPARTY_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"))  # type: ignore[attr-defined]


def _visible_legend_rows(page: object) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined]
        "Array.from(document.querySelectorAll('.gp-legend [data-k]'))"
        ".filter(r => r.style.display !== 'none').map(r => r.getAttribute('data-k'))"
    )


def _labels(page: object) -> list[str]:
    return page.evaluate(  # type: ignore[attr-defined]
        "Array.from(document.querySelectorAll('.gp-label')).map(e => e.textContent)"
    )


def _zoom(page: object, level: int) -> None:
    map_name = page.evaluate(  # type: ignore[attr-defined]
        "Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)"
    )
    page.evaluate(  # type: ignore[attr-defined]
        f"window['{map_name}'].setZoom({level}, {{animate: false}})"
    )
    page.wait_for_timeout(50)  # type: ignore[attr-defined]


def test_title_labels_and_problem_markers(chromium, tmp_path: Path) -> None:
    issues = validate(H)
    m = hierarchy_map(H, issues=issues, tiles="none", title="示例街道 网格党建")
    page = _open(chromium, save_map(m, tmp_path / "m.html"))
    assert page.locator(".gp-title").inner_text() == "示例街道 网格党建"  # type: ignore[attr-defined]
    assert page.title() == "示例街道 网格党建"  # type: ignore[attr-defined]
    # At the opening (overview) zoom: a marker per drawn problem, sized by severity.
    drawn = issues[issues["level"] != "household"].geometry
    radii = page.evaluate(  # type: ignore[attr-defined]
        "(() => { const out = []; Object.values(window).find(v => v instanceof L.Map)"
        ".eachLayer(l => { if (l instanceof L.CircleMarker && l.feature && "
        "l.feature.properties.s.startsWith('issue_')) out.push(l.getRadius()); }); return out; })()"
    )
    assert len(radii) == int((drawn.notna() & ~drawn.is_empty).sum()) > 0
    assert set(radii) <= {9, 7, 5}
    _shot(page, "map-overview")
    community_names = set(H.communities["name"])
    grid_names = set(H.grids["name"])
    _zoom(page, LABEL_ZOOM["community"] - 1)
    assert _labels(page) == []
    _zoom(page, LABEL_ZOOM["community"])
    assert set(_labels(page)) == community_names
    _zoom(page, LABEL_ZOOM["grid"])
    assert set(_labels(page)) == community_names | grid_names
    _shot(page, "map-labels")


def test_the_legend_follows_the_layer_control(chromium, tmp_path: Path) -> None:
    m = hierarchy_map(H, issues=validate(H), tiles="none")
    page = _open(chromium, save_map(m, tmp_path / "m.html"))
    before = _visible_legend_rows(page)
    assert "building_group" in before
    assert "issue_error" in before
    buildings = text(LEVELS["building"].layer, "zh")
    page.get_by_label(buildings).uncheck()  # type: ignore[attr-defined]
    after = _visible_legend_rows(page)
    assert [k for k in before if not k.startswith("building_")] == after
    page.get_by_label(buildings).check()  # type: ignore[attr-defined]
    assert _visible_legend_rows(page) == before


def test_every_grid_status_has_its_own_legend_entry(chromium, tmp_path: Path) -> None:
    report = check_coverage(H)
    m = report.map(tiles="none", title="覆盖检查")
    page = _open(chromium, save_map(m, tmp_path / "m.html"))
    rows = _visible_legend_rows(page)
    status = report.grid_status
    only_geometry = status[
        (status["status"] == "spatial") & ~status["reasons"].str.contains("overlap|outside")
    ]
    assert ("coverage_grid_geometry" in rows) == bool(len(only_geometry))
    _shot(page, "map-coverage")
