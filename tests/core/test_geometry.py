"""Tests for gridparty.core.geometry: measuring copies, large parts, the -1 lookup and the way back.

Shapes are drawn in metres (tests/tiny_city.py for the WGS84 round trips); the sample city
holds one invalid footprint on purpose.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_city import box

import gridparty as gp
from gridparty.core.geometry import measurable, take_or, to_wgs84_array

UTM = tiny_city.UTM
BOWTIE = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # self-intersecting, area 0


# -- measurable ------------------------------------------------------------------------------------


def test_measurable_projects_to_the_metric_crs() -> None:
    grids = tiny_city.grids()
    geoms = measurable(grids, UTM)
    assert isinstance(geoms, np.ndarray)
    assert geoms.dtype == object
    assert shapely.area(geoms) == pytest.approx([10_000, 10_000, 20_000], rel=1e-9)
    assert shapely.bounds(geoms[2]) - [tiny_city.X0, tiny_city.Y0] * 2 == pytest.approx(
        [200, 0, 400, 100], abs=1e-6
    )
    # a GeoSeries works the same
    assert shapely.equals_exact(measurable(grids.geometry, UTM), geoms, tolerance=0).all()


def test_measurable_repairs_a_copy_and_keeps_missing_geometry() -> None:
    frame = gpd.GeoDataFrame(
        {"name": ["bowtie", "none", "square"]},
        geometry=[BOWTIE, None, shapely.box(0, 0, 1, 1)],
        crs=UTM,
    )
    before = frame.copy()
    geoms = measurable(frame, UTM)
    assert shapely.is_valid(geoms[[0, 2]]).all()
    assert geoms[1] is None
    assert shapely.area(geoms[0]) == 50.0  # the two triangles of the bow tie
    assert shapely.area(geoms[2]) == 1.0
    pd.testing.assert_frame_equal(frame, before)
    assert not frame.geometry.iloc[0].is_valid


def test_measurable_on_the_sample_city_repairs_only_the_planted_bowtie() -> None:
    h = gp.sample_city()
    buildings = h.buildings
    invalid = ~shapely.is_valid(buildings.geometry.array)
    assert buildings.index[invalid].tolist() == ["osm-w113520430"]
    geoms = measurable(buildings, h.metric_crs)
    assert len(geoms) == len(buildings) == 1321
    assert shapely.is_valid(geoms).all()
    assert shapely.get_type_id(geoms[invalid])[0] == shapely.GeometryType.MULTIPOLYGON
    assert not shapely.is_valid(h.buildings.geometry.array)[invalid].any()  # layer untouched
    valid = ~invalid
    assert shapely.area(geoms[valid]) == pytest.approx(
        shapely.area(buildings.geometry[valid].to_crs(h.metric_crs).array), rel=1e-12
    )


# -- take_or ---------------------------------------------------------------------------------------


def test_take_or_fills_minus_one() -> None:
    values = np.array(["G1", "G2", "G3"], dtype=object)
    assert take_or(values, np.array([2, -1, 0, -1]), None).tolist() == ["G3", None, "G1", None]
    assert take_or(np.array([1.5, 2.5]), np.array([-1, 1]), 0.0).tolist() == [0.0, 2.5]
    flags = take_or(np.array([True, False]), np.array([1, -1, 0]), False)
    assert flags.tolist() == [False, False, True]
    assert take_or(np.array([], dtype=object), np.array([-1, -1]), "x").tolist() == ["x", "x"]
    assert take_or(np.array([], dtype=float), np.array([], dtype=int), 0.0).tolist() == []
    assert values.tolist() == ["G1", "G2", "G3"]


def test_take_or_keeps_a_string_fill_whole() -> None:
    assert take_or(np.array(["G1", "G2"]), np.array([1, -1]), "none").tolist() == ["G2", "none"]


# -- to_wgs84_array --------------------------------------------------------------------------------


def test_to_wgs84_array_gives_a_fresh_index_in_degrees() -> None:
    geoms = np.array([box(0, 0, 100, 100), None], dtype=object)
    out = to_wgs84_array(geoms, UTM)
    assert isinstance(out, gpd.GeoSeries)
    assert out.crs.to_epsg() == 4326
    assert out.index.tolist() == [0, 1]
    assert out.iloc[1] is None
    assert shapely.equals_exact(out.iloc[0], tiny_city.grids().geometry.iloc[0], tolerance=1e-12)


@settings(max_examples=50, deadline=None)
@given(
    st.floats(-50_000, 50_000),
    st.floats(-50_000, 50_000),
    st.floats(0.01, 5_000),
    st.floats(0.01, 5_000),
)
def test_wgs84_to_metric_and_back_is_the_identity(x: float, y: float, w: float, h: float) -> None:
    square = gpd.GeoSeries([box(x, y, x + w, y + h)], crs=UTM).to_crs(4326)
    metric = measurable(square, UTM)
    assert shapely.area(metric)[0] == pytest.approx(w * h, rel=1e-6)
    back = to_wgs84_array(metric, UTM)
    assert shapely.equals_exact(back.array, square.array, tolerance=1e-10).all()
