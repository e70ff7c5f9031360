"""Tests for gridparty.maps.coverage: the coverage map (content, privacy, escaping, browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tiny_city
from tiny_city import box

from gridparty.checks.report import check_coverage
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets import sample as ds
from gridparty.maps import save_map
from gridparty.maps.coverage import coverage_map

HOSTILE = '<img src=x onerror="window.__pwned=1">`${window.__pwned=2}`'


def _features(html: str) -> list[dict]:
    found = [json.loads(s) for s in re.findall(r"_add\((\{.*\})\);\n", html)]
    return [f for c in found for f in c["features"]]


def _report(**changes: object):
    grids = tiny_city.grids().to_crs(tiny_city.UTM)
    grids["geometry"] = [box(0, 0, 60, 100), box(100, 0, 200, 100), box(190, 0, 400, 100)]
    layers = {**tiny_city.layers(), "grids": grids.to_crs(4326), **changes}
    return check_coverage(Hierarchy(**layers))  # type: ignore[arg-type]


def test_layers_legend_and_small_counts() -> None:
    m = coverage_map(_report(), tiles="none", lang="en")
    html = m.get_root().render()
    features = _features(html)
    styles = {f["properties"]["s"] for f in features}
    assert {
        "coverage_gap",
        "coverage_overlap",
        "coverage_outside",
        "coverage_grid_spatial",
        "community_boundary",
    } <= styles
    gap = next(f for f in features if f["properties"]["s"] == "coverage_gap")
    assert gap["properties"]["tip"] == "gap (no grid): 4,000 m²"
    # parent, area, width, buildings, households (B2: 30), member households (1: suppressed)
    assert gap["properties"]["row"] == ["C1", "4,000.0", "40.0", "1", "30", "&lt;5"]
    assert "Legend" in html
    assert "slivers: area below 1 m\\u00b2 or width below 2 m" in html
    text = json.dumps(features, ensure_ascii=False)
    for personal in ("张三", "13800000001", '"H1"', "姓名", "household_id"):
        assert personal not in text


def test_names_are_escaped_and_bad_input_named() -> None:
    communities = tiny_city.communities().assign(name=[HOSTILE, "西社区"])
    grids = tiny_city.grids().assign(name=HOSTILE)
    html = coverage_map(_report(communities=communities, grids=grids)).get_root().render()
    assert "<img src=x" not in html
    assert "${window" not in html
    tips = [f["properties"]["tip"] for f in _features(html)]
    assert sum("&lt;img src=x" in t and "&#36;&#123;window" in t for t in tips) == 4  # C1, G1–G3
    with pytest.raises(InputError, match="report must be a CoverageReport"):
        coverage_map("report")  # type: ignore[arg-type]


@pytest.mark.browser
def test_sample_city_coverage_map_renders_offline(chromium: object, tmp_path: Path) -> None:
    report = check_coverage(ds.sample_city())
    path = save_map(report.map(), tmp_path / "coverage.html")
    context = chromium.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_function("() => document.querySelectorAll('.leaflet-control-layers').length")
    names = page.evaluate(
        "Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(e => e.textContent.trim())"
    )
    assert names == ["社区（大党委）", "网格状态", "空白区域", "重叠区域", "超出上级部分"]
    drawn = page.evaluate("document.querySelectorAll('.leaflet-map-pane svg path').length")
    # communities, grids, the gap, the overlap, the spill-over, and a marker for each of the three
    assert drawn == 9 + 60 + 3 + 3
    page.screenshot(path=str(tmp_path / "coverage.png"))
    context.close()
    assert errors == []
