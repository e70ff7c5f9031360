"""detect_datum_offset against polygons: by declared parents, and saying when it cannot tell."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
import tiny_city

from gridparty.core.coords import convert_geometries, detect_datum_offset
from gridparty.core.errors import InputError


def bd09_households() -> gpd.GeoDataFrame:
    """The tiny city's member households as a Baidu-based API returns them: BD-09 coordinates
    labelled EPSG:4326, each declaring its building (id) and its community (name)."""
    households = tiny_city.households()
    community = {"H1": "东社区", "H2": "东社区", "H3": "东社区", "H4": "东社区", "H5": "西社区"}
    households["社区"] = households["household_id"].map(community)
    households["geometry"] = convert_geometries(households.geometry, "wgs84", "bd09")
    return households


def test_declared_buildings_name_bd09() -> None:
    buildings = tiny_city.buildings().set_index("building_id")
    found = detect_datum_offset(bd09_households(), buildings, declared="building_id")
    assert found.datum == "bd09"
    assert found.agreement == {"wgs84": 0.0, "gcj02": 0.0, "bd09": 1.0}
    assert found.points == 5
    assert found.distance_m == pytest.approx(found.bd09_m, rel=0.01)  # the BD-09 offset here
    assert found.message.startswith(
        "of the 5 features that declare a parent, the share inside it when read as each datum: "
        "wgs84 0%, gcj02 0%, bd09 100%: its coordinates are BD-09 (Baidu) labelled as WGS84"
    )
    assert found.message.endswith(
        "Read it with coords='bd09', or convert it with "
        "gridparty.core.coords.convert_geometries(layer, 'bd09', 'wgs84')."
    )


def test_declared_names_of_large_parents_name_bd09() -> None:
    communities = tiny_city.communities().set_index("community_id")
    found = detect_datum_offset(bd09_households(), communities, declared="社区")
    assert found.datum == "bd09"
    assert found.agreement["bd09"] == 1.0
    assert found.agreement["wgs84"] == 0.0


def test_wgs84_points_that_declare_parents_are_wgs84() -> None:
    buildings = tiny_city.buildings().set_index("building_id")
    found = detect_datum_offset(tiny_city.households(), buildings, declared="building_id")
    assert found.datum == "wgs84"
    assert found.distance_m == 0.0
    assert "agree best in WGS84; nothing to convert" in found.message


def test_nothing_declared_says_detection_is_not_possible() -> None:
    buildings = tiny_city.buildings().set_index("building_id")
    households = bd09_households().assign(building_id=None)
    found = detect_datum_offset(households, buildings, declared="building_id")
    assert found.datum is None
    assert found.points == 0
    assert found.message.startswith("no feature declares a parent that is in the reference")
    assert "detection is not possible, which does not mean there is no shift" in found.message


def test_large_polygons_without_declared_parents_do_not_claim_no_shift() -> None:
    # one 6 km × 3 km district around the city (its surface point 2 km away): every reading
    # of the points lies inside it
    district = tiny_city.frame({"name": ["黄浦区"]}, [tiny_city.box(-5000, -1000, 1000, 2000)])
    found = detect_datum_offset(bd09_households(), district)
    assert found.datum is None
    assert found.polygons
    assert "so detection is not possible this way. Pass declared=" in found.message
    small = detect_datum_offset(bd09_households(), tiny_city.buildings())
    assert not small.polygons  # footprints are a reference the nearest-feature measure reads


def test_declared_must_name_a_column() -> None:
    with pytest.raises(InputError, match=r"declared='楼栋' is not a column of layer"):
        detect_datum_offset(bd09_households(), tiny_city.buildings(), declared="楼栋")


def test_points_inside_no_polygon_are_not_counted_as_agreeing() -> None:
    buildings = tiny_city.buildings().set_index("building_id")
    buildings.loc["B1", "geometry"] = shapely.Polygon()
    found = detect_datum_offset(bd09_households(), buildings, declared="building_id")
    assert found.agreement["bd09"] == pytest.approx(3 / 5)


def test_repeated_parent_names_and_ids_do_not_stop_detection() -> None:
    """Buildings sharing a name (or an id twice in bad data) are not a parent to point at."""
    buildings = tiny_city.buildings().set_index("building_id")
    buildings["name"] = "同名楼"  # every building has the same name
    households = bd09_households()
    households.index = ["H"] * len(households)  # repeated household ids
    found = detect_datum_offset(households, buildings, declared="building_id")
    assert found.datum == "bd09"
    assert found.points == 5
    twice = buildings.iloc[[0, 0, 1, 2, 3]].assign(name=lambda b: b.index)
    found = detect_datum_offset(households, twice, declared="building_id")
    assert found.points == 3  # B1 (two rows) names no one parent: H1 and H2 are not compared
