"""Tests of gridparty.core.coords: datum conversions and the CRS checks of every reader."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from shapely.geometry import MultiPolygon, Point, Polygon

from gridparty.core.coords import (
    CHINA_RECTANGLE,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert_coords,
    convert_geometries,
    ensure_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    metric_crs,
    swap_xy,
    to_metric,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from gridparty.core.errors import CRSError, InputError

GEOD = pyproj.Geod(ellps="WGS84")
ROUND_TRIP_M = 0.01
PAIRS = [  # (forward, inverse)
    (wgs84_to_gcj02, gcj02_to_wgs84),
    (gcj02_to_bd09, bd09_to_gcj02),
    (wgs84_to_bd09, bd09_to_wgs84),
]
ALL_FUNCS = [f for pair in PAIRS for f in pair]


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance in metres on the WGS84 ellipsoid."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


# --------------------------------------------------------------------------- reference values
# wandergis/coordtransform, test/app.js (input 116.404, 39.915; printed results of the forward
# formulas, the same numbers are asserted in hutool's CoordinateUtilTest and coordtransform-rs).
def test_wgs84_to_gcj02_matches_coordtransform():
    assert_allclose(
        wgs84_to_gcj02(116.404, 39.915), (116.41024449916938, 39.91640428150164), atol=1e-12
    )


def test_gcj02_to_bd09_matches_coordtransform():
    assert_allclose(
        gcj02_to_bd09(116.404, 39.915), (116.41036949371029, 39.92133699351021), atol=1e-12
    )


def test_bd09_to_gcj02_is_exact_where_the_closed_form_is_approximate():
    # coordtransform's bd09togcj02(116.404, 39.915) = (116.39762729119315, 39.90865673957631)
    # is Baidu's closed-form approximation; the iterative inverse lies within 1e-6 deg of it
    # (~5 cm here) and maps back onto the input exactly.
    lon, lat = bd09_to_gcj02(116.404, 39.915)
    assert_allclose((lon, lat), (116.39762729119315, 39.90865673957631), atol=1e-6)
    assert_allclose(gcj02_to_bd09(lon, lat), (116.404, 39.915), atol=1e-10)


# googollee/eviltransform, go/transform_test.go and python/test.py: (wgsLat, wgsLng, gcjLat,
# gcjLng) for Shanghai, Shenzhen and Beijing (their exact inverse is only checked to 0.5 m).
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVILTRANSFORM)
def test_eviltransform_pairs(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    assert_allclose(wgs84_to_gcj02(wgs_lon, wgs_lat), (gcj_lon, gcj_lat), atol=1e-12)
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert distance_m(back_lon, back_lat, wgs_lon, wgs_lat) < ROUND_TRIP_M


# madlogos/asesgeo, tests/testthat/test_tranform_coord.R (values rounded to 8 decimals).
def test_asesgeo_values():
    assert_allclose(wgs84_to_gcj02(116.39089, 39.90734), (116.39713094, 39.90874107), atol=1e-8)
    assert_allclose(gcj02_to_wgs84(116.397131, 39.908746), (116.39089006, 39.90734493), atol=1e-8)
    assert_allclose(gcj02_to_bd09(116.397131, 39.908746), (116.40350426, 39.91508839), atol=1e-8)


# hujiulong/gcoord, test/fixtures/china-cities.json: WGS84, GCJ02, BD09 of city centres rounded to
# 7 decimals. Its GCJ02 values sit a systematic ~0.6 m (5e-6 deg lon, 4e-6 deg lat) away from the
# public formula – the same gap asesgeo records between the formula and the official API
# ("out1_ ... # api") – so WGS84<->GCJ-02 is checked to 1e-5 deg; GCJ-02<->BD-09 to 1e-7 deg.
GCOORD_CITIES = {  # name: (WGS84, GCJ02, BD09) as (lon, lat)
    "zhumadian": ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),
    "shenyang": ((123.4253306, 41.8032629), (123.4314787, 41.8057023), (123.438095, 41.8114013)),
    "jiuquan": ((98.4937175, 39.7319946), (98.4943595, 39.7328234), (98.5008441, 39.7388949)),
    "nagqu": ((92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),
}


@pytest.mark.parametrize("city", sorted(GCOORD_CITIES))
def test_gcoord_city_fixture(city):
    wgs, gcj, bd = GCOORD_CITIES[city]
    assert_allclose(wgs84_to_gcj02(*wgs), gcj, atol=1e-5)
    assert_allclose(gcj02_to_wgs84(*gcj), wgs, atol=1e-5)
    assert_allclose(gcj02_to_bd09(*gcj), bd, atol=1e-7)
    assert_allclose(bd09_to_gcj02(*bd), gcj, atol=1e-7)
    assert_allclose(wgs84_to_bd09(*wgs), bd, atol=1e-5)
    assert_allclose(bd09_to_wgs84(*bd), wgs, atol=1e-5)


def test_gcoord_unit_values_at_123_45():
    # hujiulong/gcoord test/unit/crs/{WGS84,GCJ02}.spec.ts, checked there to 5 decimals
    assert_allclose(wgs84_to_gcj02(123, 45), (123.00607541, 45.00197815), atol=1e-7)
    assert_allclose(gcj02_to_bd09(123, 45), (123.00636499, 45.00636899), atol=1e-7)
    assert_allclose(wgs84_to_bd09(123, 45), (123.0124491, 45.0083293), atol=1e-6)


def test_offsets_have_the_known_size_in_beijing():
    lon, lat = 116.3912, 39.9073  # Tiananmen, WGS84
    assert 400 < distance_m(lon, lat, *wgs84_to_gcj02(lon, lat)) < 700
    assert 600 < distance_m(lon, lat, *wgs84_to_bd09(lon, lat)) < 1500


# --------------------------------------------------------------------------- properties
china_lon = st.floats(73.5, 135.1, allow_nan=False)  # well inside CHINA_RECTANGLE
china_lat = st.floats(3.9, 53.6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    lon=arrays(np.float64, st.integers(1, 40), elements=china_lon),
    data=st.data(),
    pair=st.sampled_from(PAIRS),
)
def test_round_trip_within_a_centimetre_over_china(lon, data, pair):
    lat = data.draw(arrays(np.float64, lon.shape, elements=china_lat))
    forward, inverse = pair
    back_lon, back_lat = inverse(*forward(lon, lat))
    assert distance_m(back_lon, back_lat, lon, lat).max() < ROUND_TRIP_M
    # and the other way round: forward(inverse(p)) == p
    again_lon, again_lat = forward(*inverse(lon, lat))
    assert distance_m(again_lon, again_lat, lon, lat).max() < ROUND_TRIP_M


outside_points = st.one_of(
    st.tuples(st.floats(-180, 72.0), st.floats(-90, 90)),
    st.tuples(st.floats(137.9, 180), st.floats(-90, 90)),
    st.tuples(st.floats(-180, 180), st.floats(-90, 0.8)),
    st.tuples(st.floats(-180, 180), st.floats(55.9, 90)),
)


@settings(max_examples=200, deadline=None)
@given(points=st.lists(outside_points, min_size=1, max_size=20), func=st.sampled_from(ALL_FUNCS))
def test_identity_outside_china(points, func):
    lon, lat = np.array(points).T
    out_lon, out_lat = func(lon, lat)
    assert_array_equal(out_lon, lon)
    assert_array_equal(out_lat, lat)


def test_in_china_rectangle_edges():
    min_lon, min_lat, max_lon, max_lat = CHINA_RECTANGLE
    lon = np.array([min_lon, max_lon, min_lon - 1e-9, 116.4, np.nan, 116.4])
    lat = np.array([min_lat, max_lat, 30.0, max_lat + 1e-9, 30.0, np.nan])
    assert_array_equal(in_china(lon, lat), [True, True, False, False, False, False])


# --------------------------------------------------------------------------- array behaviour
@pytest.mark.parametrize("func", ALL_FUNCS)
def test_nan_passes_through_and_shape_is_kept(func):
    lon = np.array([[116.4, np.nan], [121.47, 116.4]])
    lat = np.array([[39.9, 39.9], [np.nan, 39.9]])
    out_lon, out_lat = func(lon, lat)
    assert out_lon.shape == out_lat.shape == (2, 2)
    assert_array_equal(np.isnan(out_lon), np.isnan(lon) | np.isnan(lat))
    assert_array_equal(np.isnan(out_lat), np.isnan(lon) | np.isnan(lat))
    assert out_lon[1, 1] != 116.4  # the finite point was converted
    assert_allclose(func(116.4, 39.9), (out_lon[1, 1], out_lat[1, 1]), atol=0)


@pytest.mark.parametrize("func", ALL_FUNCS)
def test_inputs_are_not_mutated_and_outputs_are_new(func):
    lon, lat = np.array([116.4, 121.47]), np.array([39.9, 31.23])
    out_lon, out_lat = func(lon, lat)
    assert_array_equal(lon, [116.4, 121.47])
    assert_array_equal(lat, [39.9, 31.23])
    assert not np.shares_memory(out_lon, lon)
    assert not np.shares_memory(out_lat, lat)


def test_scalars_lists_and_broadcasting():
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert np.ndim(lon) == 0
    assert isinstance(float(lon), float)
    out_lon, out_lat = wgs84_to_gcj02([116.404, 116.404], 39.915)
    assert_array_equal(out_lon, [lon, lon])
    assert_array_equal(out_lat, [lat, lat])


def test_non_numeric_and_mismatched_inputs():
    with pytest.raises(InputError, match=r"lon must be numbers in degrees"):
        wgs84_to_gcj02(["a"], [39.9])
    with pytest.raises(InputError, match=r"lon and lat must have the same shape"):
        wgs84_to_gcj02([116.4, 116.5, 116.6], [39.9, 40.0])


def test_convert_coords_dispatch_and_cgcs2000():
    lon, lat = np.array([116.404, 121.47]), np.array([39.915, 31.23])
    assert_array_equal(convert_coords(lon, lat, "wgs84", "gcj02"), wgs84_to_gcj02(lon, lat))
    assert_array_equal(convert_coords(lon, lat, "cgcs2000", "bd09"), wgs84_to_bd09(lon, lat))
    assert_array_equal(convert_coords(lon, lat, "BD-09", "GCJ_02"), bd09_to_gcj02(lon, lat))
    same = convert_coords(lon, lat, "cgcs2000", "wgs84")
    assert_array_equal(same, (lon, lat))
    assert not np.shares_memory(same[0], lon)


@pytest.mark.parametrize("argument", ["src", "dst"])
def test_convert_coords_rejects_unknown_systems(argument):
    kwargs = {"src": "wgs84", "dst": "gcj02", argument: "EPSG:3857"}
    with pytest.raises(InputError, match=rf"^{argument} must be one of 'wgs84', 'cgcs2000', "):
        convert_coords(116.4, 39.9, **kwargs)


# --------------------------------------------------------------------------- geometries
SQUARE_WITH_HOLE = Polygon(
    [(116.38, 39.90), (116.42, 39.90), (116.42, 39.94), (116.38, 39.94)],
    holes=[[(116.39, 39.91), (116.41, 39.91), (116.41, 39.93), (116.39, 39.93)]],
)
TWO_PARTS = MultiPolygon(
    [
        Polygon([(121.46, 31.22), (121.48, 31.22), (121.48, 31.24)]),
        Polygon([(121.50, 31.22), (121.52, 31.22), (121.52, 31.24), (121.50, 31.24)]),
    ]
)


def test_convert_geometries_moves_every_vertex_and_keeps_structure():
    series = gpd.GeoSeries(
        [SQUARE_WITH_HOLE, TWO_PARTS, None, Point(2.35, 48.85)],
        index=pd.Index(["g1", "g2", "g3", "paris"], name="grid_id"),
        crs="EPSG:4326",
        name="geometry",
    )
    before = series.copy()
    out = convert_geometries(series, "wgs84", "gcj02")
    # new object, same index/name/CRS, input untouched
    assert out is not series
    assert out.index.equals(series.index)
    assert out.name == "geometry"
    assert out.crs == series.crs
    assert series.geom_equals_exact(before, tolerance=0).iloc[[0, 1, 3]].all()
    # every vertex equals the array conversion of that vertex
    xy = shapely.get_coordinates(np.asarray(series.values))
    assert_allclose(
        shapely.get_coordinates(np.asarray(out.values)),
        np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1])),
        atol=0,
    )
    # holes and parts kept; missing stays missing; outside China unchanged
    assert shapely.get_num_interior_rings(out.iloc[0]) == 1
    assert out.iloc[1].geom_type == "MultiPolygon"
    assert shapely.get_num_geometries(out.iloc[1]) == 2
    assert out.iloc[2] is None
    assert out.iloc[3].equals(Point(2.35, 48.85))
    assert out.is_valid.iloc[[0, 1]].all()


def test_convert_geometries_round_trip_arrays_geodataframes_and_z():
    geoms = np.array([SQUARE_WITH_HOLE, TWO_PARTS, Point(116.4, 39.9, 55.0)], dtype=object)
    bd = convert_geometries(geoms, "cgcs2000", "bd09")
    assert isinstance(bd, np.ndarray)
    assert bd[2].has_z
    assert bd[2].z == 55.0
    back = convert_geometries(bd, "bd09", "wgs84")
    assert shapely.equals_exact(back, geoms, tolerance=1e-9).all()

    frame = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=list(geoms[:2]), crs="EPSG:4326")
    out = convert_geometries(frame, "wgs84", "gcj02")
    assert isinstance(out, gpd.GeoDataFrame)
    assert out["name"].tolist() == ["a", "b"]
    assert out.crs == frame.crs
    assert frame.geometry.iloc[0].equals(SQUARE_WITH_HOLE)
    assert not out.geometry.iloc[0].equals(SQUARE_WITH_HOLE)


def test_convert_geometries_errors():
    projected = gpd.GeoSeries([Point(450000, 4420000)], crs="EPSG:32650")
    with pytest.raises(CRSError, match=r"geoms has the projected CRS .*to_crs\('EPSG:4326'\)"):
        convert_geometries(projected, "wgs84", "gcj02")
    with pytest.raises(InputError, match=r"^dst must be one of"):
        convert_geometries(gpd.GeoSeries([Point(116.4, 39.9)]), "wgs84", "mars")
    with pytest.raises(InputError, match=r"geoms must hold shapely geometries"):
        convert_geometries([1, 2], "wgs84", "gcj02")


# --------------------------------------------------------------------------- CRS checks
# labelPoint of three Beijing subdistricts, stored [lat, lon] in the real data: GitHub
# thebamboogrove/bj-subdistricts @ 7d329de, src/boundaries/subdistrict/{dongcheng,yanqing,
# pinggu}-all.geojson (MIT): 东华门街道, 香营乡, 东高村镇.
BEIJING_LABEL_POINTS = [[39.91136, 116.39954], [40.59886, 116.14642], [40.09279, 117.11099]]


def beijing_points(crs="EPSG:4326") -> gpd.GeoDataFrame:
    lat, lon = np.array(BEIJING_LABEL_POINTS).T
    return gpd.GeoDataFrame(
        {"name": ["东华门街道", "香营乡", "东高村镇"]},
        geometry=gpd.points_from_xy(lon, lat),
        index=pd.Index(["110101001000", "110119202000", "110117101000"], name="id"),
        crs=crs,
    )


def stored_as_given() -> gpd.GeoDataFrame:
    """The labelPoints read naively: x = first value (a latitude)."""
    x, y = np.array(BEIJING_LABEL_POINTS).T
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")


def test_ensure_wgs84_detects_swapped_beijing_label_points():
    with pytest.raises(CRSError, match=r"communities looks like .*swapped.*swap_xy\(gdf\)"):
        ensure_wgs84(stored_as_given(), "communities")


def test_ensure_wgs84_detects_swapped_data_even_when_in_range():
    # Kashgar swapped is (39.47, 75.99): a valid Arctic coordinate, still [lat, lon] of China
    frame = gpd.GeoDataFrame(geometry=[Point(39.47, 75.99)], crs="EPSG:4326")
    with pytest.raises(CRSError, match=r"swapped \(all features\)"):
        ensure_wgs84(frame, "households")


def test_ensure_wgs84_names_partly_swapped_rows():
    frame = beijing_points()
    frame.loc["110119202000", "geometry"] = Point(40.59886, 116.14642)
    with pytest.raises(CRSError, match=r"swapped \(features \['110119202000'\]\)"):
        ensure_wgs84(frame, "grids")


def test_swap_xy_repairs_the_label_points():
    wrong = stored_as_given()
    fixed = swap_xy(wrong)
    assert fixed.crs == wrong.crs
    assert wrong.geometry.x.iloc[0] == 39.91136  # input untouched
    assert_array_equal(fixed.geometry.x, [116.39954, 116.14642, 117.11099])
    assert_array_equal(fixed.geometry.y, [39.91136, 40.59886, 40.09279])
    assert ensure_wgs84(fixed, "communities").geometry.equals(fixed.geometry)


def test_swap_xy_on_polygons_and_series():
    series = gpd.GeoSeries([Polygon([(39.9, 116.3), (39.9, 116.4), (40.0, 116.4)])], index=["a"])
    out = swap_xy(series)
    assert out.index.tolist() == ["a"]
    assert out.iloc[0].equals(Polygon([(116.3, 39.9), (116.4, 39.9), (116.4, 40.0)]))


def test_ensure_wgs84_without_crs_says_how_to_fix():
    frame = beijing_points().set_crs(None, allow_override=True)
    fix = r"Set it with gdf\.set_crs\('EPSG:4326'\) if the coordinates are lon/lat degrees"
    with pytest.raises(CRSError, match=rf"^buildings has no CRS.*{fix}"):
        ensure_wgs84(frame, "buildings")


def test_ensure_wgs84_projected_is_converted():
    lonlat = beijing_points()
    utm = lonlat.to_crs("EPSG:32650")
    out = ensure_wgs84(utm, "households")
    assert out.crs == "EPSG:4326"
    assert_allclose(out.geometry.x, lonlat.geometry.x, atol=1e-9)
    assert_allclose(out.geometry.y, lonlat.geometry.y, atol=1e-9)
    assert utm.crs == "EPSG:32650"  # input untouched
    assert out["name"].tolist() == lonlat["name"].tolist()
    assert out.index.equals(lonlat.index)


@pytest.mark.parametrize("crs", ["EPSG:4490", "OGC:CRS84", "EPSG:4326"])
def test_ensure_wgs84_relabels_wgs84_equivalents_without_moving_points(crs):
    frame = beijing_points(crs)
    out = ensure_wgs84(frame, "communities")
    assert out.crs == "EPSG:4326"
    assert out is not frame
    assert frame.crs == crs
    assert shapely.equals_exact(out.geometry.values, frame.geometry.values, tolerance=0).all()


def test_ensure_wgs84_accepts_data_outside_china():
    frame = gpd.GeoDataFrame(geometry=[Point(2.35, 48.85), Point(-58.38, -34.6)], crs=4326)
    assert ensure_wgs84(frame, "communities").geometry.equals(frame.geometry)


def test_ensure_wgs84_rejects_out_of_range_geographic_coordinates():
    frame = gpd.GeoDataFrame(
        geometry=[Point(116.4, 39.9), Point(450000.0, 4420000.0)], index=["ok", "bad"], crs=4326
    )
    with pytest.raises(CRSError, match=r"grids has a geographic CRS .*ids \['bad'\]"):
        ensure_wgs84(frame, "grids")


def test_ensure_wgs84_rejects_degrees_labelled_as_metres():
    frame = beijing_points().set_crs("EPSG:32650", allow_override=True)
    with pytest.raises(CRSError, match=r"households has the projected CRS .*look like lon/lat"):
        ensure_wgs84(frame, "households")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_ensure_wgs84_rejects_non_finite_coordinates(bad):
    frame = gpd.GeoDataFrame(
        geometry=[Point(116.4, 39.9), Point(bad, 39.9)], index=["h1", "h2"], crs=4326
    )
    with pytest.raises(InputError, match=r"households has NaN or infinite .*\['h2'\]"):
        ensure_wgs84(frame, "households")


def test_ensure_wgs84_empty_frames_pass_through():
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=None)
    out = ensure_wgs84(empty, "grids")
    assert out.empty
    assert out.crs == "EPSG:4326"
    assert empty.crs is None


def test_ensure_wgs84_rejects_non_frames():
    with pytest.raises(InputError, match=r"grids must be a geopandas GeoDataFrame; got DataFrame"):
        ensure_wgs84(pd.DataFrame({"x": [1]}), "grids")


# --------------------------------------------------------------------------- metric CRS
@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [(116.40, 39.91, 32650), (121.47, 31.23, 32651), (-58.38, -34.60, 32721)],
)
def test_metric_crs_is_the_utm_zone_of_the_centre(lon, lat, epsg):
    frame = gpd.GeoDataFrame(geometry=[Point(lon, lat).buffer(0.01)], crs="EPSG:4326")
    assert metric_crs(frame).to_epsg() == epsg
    assert metric_crs(frame.to_crs("EPSG:3857")).to_epsg() == epsg


def test_metric_crs_of_beijing_label_points():
    assert metric_crs(beijing_points()) == pyproj.CRS.from_epsg(32650)


def test_metric_crs_errors():
    with pytest.raises(InputError, match=r"gdf has no coordinates .*crs='EPSG:32650'"):
        metric_crs(gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"))
    with pytest.raises(CRSError, match=r"gdf has no CRS"):
        metric_crs(gpd.GeoDataFrame(geometry=[Point(116.4, 39.9)]))


def test_to_metric_defaults_to_utm_and_measures_metres():
    frame = gpd.GeoDataFrame(geometry=[Point(116.40, 39.91), Point(116.41, 39.91)], crs="EPSG:4326")
    out = to_metric(frame)
    assert out.crs.to_epsg() == 32650
    geodesic = distance_m(116.40, 39.91, 116.41, 39.91)
    assert out.geometry.iloc[0].distance(out.geometry.iloc[1]) == pytest.approx(geodesic, rel=1e-3)
    assert frame.crs == "EPSG:4326"
    assert to_metric(frame, crs="EPSG:4547").crs.to_epsg() == 4547


@pytest.mark.parametrize(
    ("crs", "message"),
    [
        ("EPSG:4326", r"crs=.EPSG:4326. is not a projected CRS in metres"),
        ("nonsense", r"is not a CRS"),
    ],
)
def test_to_metric_rejects_bad_crs(crs, message):
    with pytest.raises(CRSError, match=message):
        to_metric(beijing_points(), crs=crs)


# -- detect_datum_offset: GCJ-02 / BD-09 data labelled WGS84 ---------------------------------------


@pytest.fixture(scope="module")
def bund():
    """Real OSM footprints (WGS84) and the member households inside them, from the sample city."""
    import gridparty.datasets.sample as ds

    h = ds.sample_city()
    return h.buildings, h.households


@pytest.mark.parametrize("datum", ["wgs84", "gcj02", "bd09"])
def test_detect_datum_offset_names_the_datum_and_the_shift(bund, datum):
    from gridparty.core.coords import convert_geometries, detect_datum_offset

    buildings, households = bund
    found = detect_datum_offset(convert_geometries(households, "wgs84", datum), buildings)
    assert found.datum == datum
    assert found.points == len(households)
    assert found.gcj02_m == pytest.approx(479, abs=2)  # the GCJ-02 offset at the Bund
    assert found.bd09_m == pytest.approx(1131, abs=2)
    expected = {"wgs84": 0.0, "gcj02": found.gcj02_m, "bd09": found.bd09_m}[datum]
    assert found.distance_m == pytest.approx(expected, abs=15)
    assert found.residual_m[datum] < 20
    assert (f"coords={datum!r}" in found.message) == (datum != "wgs84")


def test_detect_datum_offset_says_so_when_no_datum_explains_the_shift(bund):
    from gridparty.core.coords import detect_datum_offset

    buildings, households = bund
    found = detect_datum_offset(households.translate(0.05, 0.0), buildings)  # about 4.8 km east
    assert found.datum is None
    assert found.distance_m > 1000  # a lower bound: the city is about 3 km across
    assert "no datum explains the shift" in found.message


def test_detect_datum_offset_outside_china_is_wgs84(bund):
    from gridparty.core.coords import detect_datum_offset

    buildings, households = bund
    far = {"xoff": -120.0, "yoff": 20.0}  # the Atlantic: no GCJ-02 there
    found = detect_datum_offset(households.translate(**far), buildings.translate(**far))
    assert found.datum == "wgs84"
    assert found.gcj02_m == found.bd09_m == 0.0


def test_detect_datum_offset_rejects_what_it_cannot_measure(bund):
    from gridparty.core.coords import detect_datum_offset

    buildings, households = bund
    with pytest.raises(InputError, match="layer has no features with geometry"):
        detect_datum_offset(households.iloc[:0], buildings)
    with pytest.raises(CRSError, match="reference has no CRS"):
        detect_datum_offset(households, buildings.set_crs(None, allow_override=True))
    with pytest.raises(InputError, match="layer must be a geopandas GeoDataFrame"):
        detect_datum_offset([Point(121.5, 31.2)], buildings)
