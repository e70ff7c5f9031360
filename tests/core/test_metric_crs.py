"""The measuring CRS: every area within 0.5 % of the geodesic area, wherever the features lie.

The UTM zone gridparty measures in is that of the median feature; features in other zones are
measured in their own (:func:`gridparty.core.coords.in_own_zones`). Areas are compared with
``pyproj.Geod(ellps="WGS84").geometry_area_perimeter`` of the same WGS84 polygons.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from gridparty import Hierarchy, validate
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.checks.coverage import spatial_coverage
from gridparty.checks.fusion import grid_fusion
from gridparty.core.coords import UTMZone, in_own_zones, metric_crs
from gridparty.core.errors import MetricCRSWarning
from gridparty.spatial.tiling import widths

GEOD = pyproj.Geod(ellps="WGS84")
TOLERANCE = 0.005  # 0.5 % of the geodesic area

#: West to east across China (lon, lat in degrees).
CITIES = {
    "kashgar": (75.99, 39.47),
    "urumqi": (87.62, 43.83),
    "lhasa": (91.11, 29.65),
    "chengdu": (104.07, 30.67),
    "beijing": (116.40, 39.90),
    "shanghai": (121.47, 31.23),
    "harbin": (126.60, 45.75),
}


def square(lon: float, lat: float, side_m: float) -> shapely.Polygon:
    """A lon/lat rectangle of about ``side_m`` × ``side_m`` metres centred on (lon, lat)."""
    half_lat = side_m / 2 / 110_574.0
    half_lon = side_m / 2 / (111_320.0 * np.cos(np.radians(lat)))
    return shapely.box(lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def geodesic_m2(geom: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def assert_geodesic(areas: pd.Series, geoms: gpd.GeoSeries) -> None:
    """Every area (m²) within TOLERANCE of the geodesic area of its WGS84 polygon."""
    expected = np.array([geodesic_m2(g) for g in geoms])
    error = np.asarray(areas, dtype=float) / expected - 1.0
    assert len(error) == len(geoms) > 0
    assert np.abs(error).max() < TOLERANCE, dict(zip(geoms.index, error, strict=True))


def layers(places: dict[str, tuple[float, float]], side_m: float = 1000.0) -> tuple:
    """Communities (``side_m`` squares) and one grid in each (a 600 m square at its centre)."""
    ids = list(places)
    communities = gpd.GeoDataFrame(
        {"name": ids},
        geometry=[square(*p, side_m) for p in places.values()],
        index=pd.Index(ids, name="community_id"),
        crs=4326,
    )
    grids = gpd.GeoDataFrame(
        {"community_id": ids},
        geometry=[square(*p, 0.6 * side_m) for p in places.values()],
        index=pd.Index([f"{i}-grid" for i in ids], name="grid_id"),
        crs=4326,
    )
    return communities, grids


def coverage(communities: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, **kw: object):
    return spatial_coverage(communities, grids, parent_column="community_id", **kw)


# -- the zone -----------------------------------------------------------------------------------


def test_a_placeholder_at_null_island_does_not_move_the_zone() -> None:
    places = {f"c{i}": (116.30 + 0.01 * i, 39.90) for i in range(3)} | {"placeholder": (0, 0)}
    communities, _ = layers(places, side_m=141.42)  # 20,000 m² each
    with pytest.warns(
        MetricCRSWarning,
        match=r"^1 of 4 features lie outside UTM zone 50N "
        r"\(114°E–120°E\)",
    ):
        zone = metric_crs(communities)
    assert zone.to_epsg() == 32650
    assert isinstance(zone, UTMZone)


def test_a_20000_m2_community_with_a_placeholder_at_null_island() -> None:
    # The reported case: the bounding box centre (58°E) gave zone 40N and 42,699 m².
    communities, grids = layers({"real": (116.40, 39.90), "placeholder": (0.0, 0.0)}, 141.42)
    with pytest.warns(MetricCRSWarning, match="1 of 2 features lie outside"):
        found = coverage(communities, grids)
    assert found.by_parent.loc["real", "area_m2"] == pytest.approx(20_000, rel=TOLERANCE)
    assert_geodesic(found.by_parent["area_m2"], communities.geometry)
    assert_geodesic(found.by_child["area_m2"], grids.geometry)


def test_one_community_far_west_changes_no_other_area() -> None:
    places = {f"c{i}": (116.30 + 0.01 * i, 39.90) for i in range(4)} | {"west": CITIES["kashgar"]}
    communities, grids = layers(places)
    with pytest.warns(MetricCRSWarning, match="1 of 5 features"):
        found = coverage(communities, grids)
    assert found.crs.to_epsg() == 32650
    assert_geodesic(found.by_parent["area_m2"], communities.geometry)
    assert_geodesic(found.by_child["area_m2"], grids.geometry)


def test_single_zone_geometries_are_measured_as_they_are() -> None:
    communities, _ = layers({f"c{i}": (116.30 + 0.05 * i, 39.90) for i in range(3)})
    zone = metric_crs(communities)  # no warning: all in zone 50N
    geoms = np.asarray(communities.geometry.to_crs(zone).array, dtype=object)
    assert in_own_zones(geoms, zone) is geoms
    far, _ = layers(CITIES)
    with pytest.warns(MetricCRSWarning):
        spread = metric_crs(far)
    given = pyproj.CRS.from_epsg(spread.to_epsg())  # the same zone, given by the user
    far_geoms = np.asarray(far.geometry.to_crs(given).array, dtype=object)
    assert in_own_zones(far_geoms, given) is far_geoms
    moved = in_own_zones(far_geoms, spread)
    assert moved is not far_geoms
    assert moved[list(CITIES).index("chengdu")] is far_geoms[list(CITIES).index("chengdu")]
    assert moved[0] is not far_geoms[0]  # Kashgar, in zone 43N


# -- every area-reporting function, Kashgar to Harbin -------------------------------------------


def test_coverage_areas_and_widths_from_kashgar_to_harbin() -> None:
    communities, grids = layers(CITIES)
    with pytest.warns(MetricCRSWarning, match=r"^6 of 7 features lie outside UTM zone 48N"):
        found = coverage(communities, grids)
    assert_geodesic(found.by_parent["area_m2"], communities.geometry)
    assert_geodesic(found.by_child["area_m2"], grids.geometry)
    gaps = found.gaps.set_index("parent_id").loc[list(CITIES)]
    assert_geodesic(gaps["area_m2"], gaps.geometry)
    assert_geodesic(found.by_parent["gap_m2"], gaps.geometry)
    # widths as measured in each gap's own UTM zone (found by geopandas)
    own = [
        np.asarray(
            gpd.GeoSeries([g], crs=4326).pipe(lambda s: s.to_crs(s.estimate_utm_crs())).array,
            dtype=object,
        )
        for g in gaps.geometry
    ]
    expected = np.concatenate([widths(g, 0.0) for g in own])
    assert np.abs(gaps["width_m"].to_numpy() / expected - 1).max() < TOLERANCE


def test_validate_gap_areas_from_kashgar_to_harbin() -> None:
    communities, grids = layers(CITIES)
    with pytest.warns(MetricCRSWarning, match="6 of 7 features"):
        issues = validate(Hierarchy(communities, grids))
    uncovered = issues[issues["check"] == "uncovered"].set_index("id").loc[list(CITIES)]
    said = uncovered["message"].map(
        lambda m: float(re.match(r"([\d,]+) m²", m)[1].replace(",", ""))
    )
    assert_geodesic(said, uncovered.geometry)
    expected = [
        1 - geodesic_m2(g) / geodesic_m2(c)
        for g, c in zip(grids.geometry, communities.geometry, strict=True)
    ]
    shares = uncovered["message"].str.extract(r"\(([\d.]+)%\)")[0].astype(float) / 100
    assert np.abs(shares.to_numpy() - expected).max() < 0.001  # printed to 0.1 %


def test_fusion_areas_from_kashgar_to_harbin() -> None:
    _, grids = layers(CITIES)
    shifted = grids.set_geometry(grids.geometry.translate(xoff=0.001)).set_axis(
        pd.Index([f"z-{i}" for i in CITIES], name="zone_id")
    )
    with pytest.warns(MetricCRSWarning, match="6 of 7 features"):
        fused = grid_fusion(grids, shifted)
    assert_geodesic(fused.matches.loc[grids.index, "area_m2"], grids.geometry)
    pairs = fused.pairs.set_index("grid_id").loc[grids.index]
    overlap = gpd.GeoSeries(
        shapely.intersection(grids.geometry.array, shifted.geometry.array), index=grids.index
    )
    assert_geodesic(pairs["intersection_m2"], overlap)


def test_alliance_hull_areas_from_kashgar_to_harbin() -> None:
    corners = [
        (lon + dx, lat + dy)
        for lon, lat in CITIES.values()
        for dx, dy in ((0, 0), (0.012, 0), (0, 0.009))
    ]
    units = gpd.GeoDataFrame(
        {"unit_id": [f"U{i}" for i in range(len(corners))], "name": "单位", "formal_members": 3},
        geometry=shapely.points(corners),
        crs=4326,
    )
    alliances = pd.DataFrame({"alliance_id": list(CITIES), "name": list(CITIES)})
    members = pd.DataFrame({"unit_id": units["unit_id"], "alliance_id": np.repeat(list(CITIES), 3)})
    with pytest.warns(MetricCRSWarning, match="18 of 21 features"):
        found = analyse_alliances(alliance_network(units, alliances, members))
    hulls = gpd.GeoSeries(
        [shapely.Polygon(corners[i : i + 3]) for i in range(0, len(corners), 3)], index=list(CITIES)
    )
    assert_geodesic(found.alliances.loc[list(CITIES), "hull_area_m2"], hulls)


# -- a CRS given by the user ----------------------------------------------------------------------


def test_a_given_crs_is_used_as_given_with_a_warning_when_it_misstates_areas() -> None:
    communities, grids = layers(CITIES)
    with pytest.warns(
        MetricCRSWarning,
        match=r"metric_crs='EPSG:32650' misstates the areas of "
        r"10 of 14 features by more than 0.5% \(up to 3\d\.\d%\)",
    ):
        found = coverage(communities, grids, metric_crs="EPSG:32650")
    kashgar = found.by_parent.loc["kashgar", "area_m2"] / geodesic_m2(
        communities.geometry["kashgar"]
    )
    assert kashgar == pytest.approx(1.344, abs=0.01)  # transverse Mercator 41° off its meridian
    assert found.by_parent.loc["beijing", "area_m2"] == pytest.approx(
        geodesic_m2(communities.geometry["beijing"]), rel=TOLERANCE
    )
