"""Maps of big cities: aggregation switch, the choropleth's counts, compact coordinates, and
zooming in and out in Chromium."""

from __future__ import annotations

import math
from pathlib import Path

import hostile_maps as hm
import numpy as np
import pytest
import shapely
from browser_js import open_offline

import gridparty.maps.bigcity as bigcity
from gridparty.checks.validate import validate
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets.synthetic import synthetic_city
from gridparty.maps import hierarchy_map, save_map
from gridparty.maps.layers import CLUSTER_ABOVE, CLUSTER_UNTIL_ZOOM, unit_table
from gridparty.spatial.assign import assign


@pytest.fixture(scope="module")
def city() -> Hierarchy:
    return assign(synthetic_city(0.3, seed=3)).hierarchy


def _page(h: Hierarchy, **kwargs: object) -> str:
    return hierarchy_map(h, tiles="none", lang="en", **kwargs).get_root().render()  # type: ignore[arg-type]


def test_auto_switches_to_aggregate_above_the_threshold(
    city: Hierarchy, monkeypatch: pytest.MonkeyPatch
) -> None:
    n = len(city.buildings)
    monkeypatch.setattr(bigcity, "DETAIL_THRESHOLD", n)
    assert hm.compact_layers(_page(city)) == []
    monkeypatch.setattr(bigcity, "DETAIL_THRESHOLD", n - 1)
    layers = hm.compact_layers(_page(city))
    # grids by branch, grids by building count, buildings
    assert [len(layer["tips"]) for layer in layers] == [len(city.grids), len(city.grids), n]
    assert hm.compact_layers(_page(city, detail="full")) == []


def test_unknown_detail_is_refused(city: Hierarchy) -> None:
    with pytest.raises(InputError, match=r"detail='fine' is not known; use 'auto'"):
        hierarchy_map(city, detail="fine")


def test_choropleth_counts_equal_the_assignment(city: Hierarchy) -> None:
    layers = hm.compact_layers(_page(city, detail="aggregate"))
    choropleth = layers[1]
    per_grid = city.buildings["grid_id"].value_counts()
    expected = per_grid.reindex(city.grids.index, fill_value=0)
    shown_ids = [row[0] for row in choropleth["rows"]]
    assert shown_ids == city.grids.index.tolist()
    _, _, values = unit_table(city.grids, "grid", city.summary("grid"), lang="en", min_count=5)
    column = list(values.columns).index("buildings")
    shown = [int(row[column]) for row in choropleth["rows"]]
    assert shown == expected.tolist()
    classes = np.searchsorted(bigcity.COUNT_CLASSES, expected.to_numpy(), side="right") - 1
    assert choropleth["styles"] == [f"grid_buildings_{i}" for i in classes]


def test_compact_coordinates_stay_within_a_metre(city: Hierarchy) -> None:
    buildings = hm.compact_layers(_page(city, detail="aggregate"))[2]
    assert buildings["tips"] == [f"building: {n}" for n in city.buildings["name"]]
    for geom, polygons in zip(city.buildings.geometry, buildings["shapes"], strict=True):
        original = shapely.get_coordinates(geom)
        for vertex in (v for rings in polygons for ring in rings for v in ring):
            dx = (original[:, 0] - vertex[0]) * 111_320 * math.cos(math.radians(vertex[1]))
            dy = (original[:, 1] - vertex[1]) * 110_574
            assert np.hypot(dx, dy).min() <= 1.0


def test_integers_round_trip() -> None:
    values = np.array([0, 1, -1, 15, -16, 16, 1_000_000, -(2**40), 2**40])
    text, n = bigcity.encode_integers(values)
    assert hm._integers(text, True) == values.tolist()
    assert n.sum() == len(text)
    assert set(text) <= set(bigcity.ALPHABET)


def test_points_and_multipolygons_are_encoded() -> None:
    geoms = np.array(
        [
            shapely.Point(116.0, 39.0),
            shapely.MultiPolygon(
                [shapely.box(116, 39, 116.001, 39.001), shapely.box(116.01, 39, 116.011, 39.001)]
            ),
        ]
    )
    origin, shapes = bigcity.compact_geometries(geoms)
    assert origin == [11_600_000, 3_900_000]
    assert shapes[0] == "00"
    assert shapes[1].count(";") == 1


@pytest.mark.browser
def test_zooming_in_shows_buildings_and_out_the_choropleth(
    chromium: object, city: Hierarchy, tmp_path: Path
) -> None:
    path = save_map(hierarchy_map(city, tiles="none", detail="aggregate"), tmp_path / "city.html")
    context, page, errors = open_offline(chromium, path)
    drawn = """zoom => {
        const map = window[document.querySelector('.folium-map').id];
        map.setZoom(zoom, {animate: false});
        const out = {};
        map.eachLayer(layer => {
            if (layer.feature && layer.feature.properties.s) {
                const kind = layer.feature.properties.s.split('_')[0] + '_' +
                    layer.feature.properties.s.split('_')[1];
                out[kind] = (out[kind] || 0) + 1;
            }
        });
        return out;
    }"""
    zoomed_out = page.evaluate(drawn, 13)
    assert zoomed_out.get("grid_buildings") == len(city.grids)
    assert not any(k.startswith("building_") for k in zoomed_out)
    zoomed_in = page.evaluate(drawn, 19)  # only those in view
    assert "grid_buildings" not in zoomed_in
    assert (
        0 < sum(v for k, v in zoomed_in.items() if k.startswith("building_")) < len(city.buildings)
    )
    assert page.evaluate(drawn, 13) == zoomed_out
    assert errors == []
    context.close()


def test_cluster_plugin_is_inlined_only_where_problems_are_clustered(city: Hierarchy) -> None:
    issues = validate(city)
    page = _page(city, issues=issues)
    assert "e.MarkerClusterGroup=t" in page  # the vendored plugin
    assert "leaflet.markercluster@" not in page  # inlined, no CDN link
    cdn = hierarchy_map(city, issues=issues, tiles="none", assets="cdn").get_root().render()
    assert "leaflet.markercluster@1.5.3/dist/leaflet.markercluster.js" in cdn
    assert "e.MarkerClusterGroup=t" not in _page(city)  # no problems: no plugin


@pytest.mark.browser
def test_problems_cluster_at_overview_zoom(chromium: object, tmp_path: Path) -> None:
    h = synthetic_city(1, seed=2, wrong_share=0.05)
    issues = validate(h)
    drawn = issues[(issues["level"] != "household") & issues.geometry.notna()]
    assert len(drawn) > CLUSTER_ABOVE
    path = save_map(hierarchy_map(h, issues=issues, tiles="none"), tmp_path / "city.html")
    context, page, errors = open_offline(chromium, path)
    zoom = "z => window[document.querySelector('.folium-map').id].setZoom(z, {animate: false})"
    clusters = "() => [...document.querySelectorAll('.gp-cluster')].map(c => +c.textContent)"
    page.evaluate(zoom, 13)
    page.wait_for_timeout(500)
    counts = page.evaluate(clusters)
    assert max(counts) > 1
    assert sum(counts) <= len(drawn)  # a cluster counts problems, one marker each
    page.evaluate(zoom, CLUSTER_UNTIL_ZOOM)
    page.wait_for_timeout(500)
    assert page.evaluate(clusters) == []  # every problem on its own
    assert errors == []
    context.close()
