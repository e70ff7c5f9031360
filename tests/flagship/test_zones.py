"""Tests for gridparty.flagship.zones (zones, mentees), gridparty.flagship.organisations and the mentee rules.

The hand-made city (tests/flagship_city.py) has distances checkable by eye; the sample city is
the realistic setting.
"""

from __future__ import annotations

import math

import flagship_city
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import tiny_city
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_city import point

import gridparty as gp
from gridparty.core.errors import DuplicateIdError, InputError
from gridparty.flagship.organisations import organisation_table
from gridparty.flagship.zones import (
    MentoringZones,
    ZoneDefinition,
    flagship_origins,
    mentoring_zones,
    zone_definition,
)

H = flagship_city.hierarchy()
ORGS = flagship_city.organisations()


def _zones(flagships: list[str] = ["A", "B"], **kwargs) -> MentoringZones:  # noqa: B006
    kwargs.setdefault("organisations", ORGS)
    if "area_km2" not in kwargs:
        kwargs.setdefault("radius_m", 600)
    return mentoring_zones(H, flagships, **kwargs)


# -- the zone definition ------------------------------------------------------------------------


def test_radius_and_area_definitions_and_their_labels() -> None:
    by_radius = zone_definition(radius_m=1000)
    assert by_radius == ZoneDefinition(1000.0, None, "centre")
    assert by_radius.label() == "半径 1000 米"
    assert by_radius.label("en") == "radius 1000 m"
    by_area = zone_definition(area_km2=1.0, origin="boundary")
    assert by_area.radius_m == pytest.approx(1000 * math.sqrt(1 / math.pi))
    assert round(by_area.radius_m) == 564
    assert by_area.label() == "面积 1 km²（半径 564 米）"
    assert by_area.label("en") == "area 1 km² (radius 564 m)"
    assert by_area.describe() == "面积 1 km²（半径 564 米），自社区边界起算"
    assert by_area.describe("en") == "area 1 km² (radius 564 m), from the community boundary"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, r"give exactly one of radius_m and area_km2 \(got radius_m=None, area_km2=None\)"),
        ({"radius_m": 1000, "area_km2": 1.0}, r"give exactly one of radius_m and area_km2"),
        ({"radius_m": 0}, r"radius_m=0 must be a positive finite number"),
        ({"radius_m": -5.0}, r"radius_m=-5\.0 must be a positive finite number"),
        ({"area_km2": float("nan")}, r"area_km2=nan must be a positive finite number"),
        ({"area_km2": float("inf")}, r"area_km2=inf must be a positive"),
        ({"radius_m": "1000"}, r"radius_m='1000' must be a number"),
        ({"radius_m": True}, r"radius_m=True must be a number"),
        ({"radius_m": 1000, "origin": "edge"}, r"origin='edge' is not known"),
    ],
)
def test_bad_zone_sizes(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        zone_definition(**kwargs)
    with pytest.raises(InputError, match=match):
        mentoring_zones(H, ["A"], organisations=ORGS, **kwargs)


# -- organisations -------------------------------------------------------------------------------


def test_organisation_table_joins_the_three_kinds() -> None:
    table = organisation_table(H, ORGS)
    assert table.index.tolist() == [
        "A",
        "B",
        "C",
        "A1",
        "A2",
        "B1",
        "C1",
        "O1",
        "O2",
        "O3",
        "O4",
        "O5",
    ]
    assert table["level"].tolist() == ["community"] * 3 + ["grid"] * 4 + ["organisation"] * 5
    assert table["members"].tolist() == [0, 0, 5, 0, 0, 0, 5, 12, 3, 7, 1, 50]
    assert table.loc["A1", "community_id"] == "A"
    assert table.loc["O1", "secretary"] == "虚构书记甲"
    assert table.loc["O1", "phone"] == "10000000001"
    assert table.crs.to_epsg() == 4326
    only = organisation_table(H, ORGS, levels=["organisation"])
    assert only.index.tolist() == ["O1", "O2", "O3", "O4", "O5"]


def test_organisations_without_community_are_located_in_space() -> None:
    orgs = tiny_city.frame(
        {"组织编号": ["X", "Y"], "名称": ["甲内", "外"], "党员数": [4, 2]},
        [point(50, 50), point(500, 500)],
    )
    table = organisation_table(H, orgs, levels="organisation")
    assert table["community_id"].tolist() == ["A", pd.NA]
    assert table["members"].tolist() == [4, 2]


def test_organisation_table_errors() -> None:
    with pytest.raises(InputError, match="there are no organisations to mentor"):
        organisation_table(H, None, levels=["organisation"])
    with pytest.raises(InputError, match="organisations is empty"):
        organisation_table(H, ORGS.iloc[:0])
    with pytest.raises(InputError, match=r"levels=\('building',\) must name some of"):
        organisation_table(H, ORGS, levels=["building"])
    clash = ORGS.assign(organisation_id=["A1", "O2", "O3", "O4", "O5"])
    with pytest.raises(DuplicateIdError, match=r"ids \['A1'\] are used by two kinds"):
        organisation_table(H, clash)


# -- origins ---------------------------------------------------------------------------------------


def test_origins_use_community_stations_else_a_point_inside() -> None:
    origins = flagship_origins(H, ["A", "B"], centres=flagship_city.centres())
    assert origins["centre_source"].tolist() == ["service_centre", "representative_point"]
    assert origins["service_centre_id"].tolist() == ["S1", pd.NA]
    xy = origins.to_crs(tiny_city.UTM).get_coordinates()
    assert xy["x"].to_numpy() - tiny_city.X0 == pytest.approx([150, 1100], abs=1e-3)
    assert xy["y"].to_numpy() - tiny_city.Y0 == pytest.approx([150, 100], abs=1e-3)


def test_two_stations_in_a_community_the_first_by_id_is_the_centre() -> None:
    extra = tiny_city.frame(
        {"service_centre_id": ["S0"], "name": ["甲二站"], "tier": ["社区"]}, [point(50, 50)]
    )
    centres = pd.concat([flagship_city.centres(), extra])
    origins = flagship_origins(H, ["A"], centres=centres)
    assert origins["service_centre_id"].tolist() == ["S0"]


@pytest.mark.parametrize(
    ("flagships", "match"),
    [
        (["A", "X9"], r"flagships: \['X9'\] are not community ids"),
        (["A1"], r"flagships: \['A1'\] are not community ids"),
        ([], r"flagships is empty"),
        (["A", "A"], r"flagships lists \['A'\] more than once"),
    ],
)
def test_bad_flagships(flagships: list[str], match: str) -> None:
    with pytest.raises(InputError, match=match):
        _zones(flagships)


# -- zones and mentees ------------------------------------------------------------------------------


def test_hand_made_zones_radius_600() -> None:
    z = _zones()
    assert z.definition.radius_m == 600.0
    mentees = z.mentees
    assert mentees.index.tolist() == ["O1", "O2", "O5"]
    assert mentees["flagship_id"].tolist() == ["A", "A", "B"]
    assert mentees["distance_m"].tolist() == pytest.approx(
        [500.0, 500.0, math.hypot(300, 50)], abs=1e-3
    )
    assert mentees["zones_count"].tolist() == [1, 2, 1]
    assert z.multiple[["organisation_id", "flagship_id", "assigned"]].values.tolist() == [
        ["O2", "A", True],
        ["O2", "B", False],
    ]
    unreached = z.unreached
    assert unreached.index.tolist() == ["O3", "C", "C1", "O4"]
    assert unreached["nearest_flagship_id"].tolist() == ["B"] * 4
    assert unreached["distance_m"].tolist() == pytest.approx([900, 1900, 1900, 2700], abs=1e-3)
    assert unreached["beyond_m"].tolist() == pytest.approx([300, 1300, 1300, 2100], abs=1e-3)
    assert z.own["flagship_id"].to_dict() == {"A": "A", "B": "B", "A1": "A", "A2": "A", "B1": "B"}
    load = z.flagships
    assert load["mentees"].tolist() == [2, 1]
    assert load["mentee_organisations"].tolist() == [2, 1]
    assert load["mentee_communities"].tolist() == [0, 0]
    assert load["members_reached"].tolist() == [15, 50]
    assert len(mentees) + len(unreached) + len(z.own) == 12  # every organisation listed once


def test_zone_polygons_and_their_area() -> None:
    z = _zones(area_km2=1.0)
    assert z.zones["zone_km2"].tolist() == pytest.approx([1.0, 1.0], rel=0.005)
    assert (
        z.zones["definition"].tolist()
        == ["面积 1 km²（半径 564 米），自社区党群服务站（无则社区内代表点）起算"] * 2
    )
    assert z.summary().loc["radius_m", "value"] == pytest.approx(564.19, abs=0.01)
    # O1 and O2 (500 m) are inside a 564 m zone; O5 (304 m from B) too.
    assert z.mentees.index.tolist() == ["O1", "O2", "O5"]


def test_a_wider_zone_mentors_communities_and_counts_members_once() -> None:
    z = _zones(["B"], radius_m=2000)
    assert sorted(z.mentees.index) == ["A", "A1", "A2", "C", "C1", "O1", "O2", "O3", "O5"]
    assert z.mentees.loc["A", "distance_m"] == pytest.approx(900, abs=1e-3)
    assert z.mentees.loc["A1", "distance_m"] == pytest.approx(1000, abs=1e-3)
    # C1's 5 members reach B through C1 and through C: counted once; 12 + 3 + 7 + 50 from 两新.
    assert z.flagships.loc["B", "members_reached"] == 77
    assert z.flagships.loc["B", "mentee_communities"] == 2
    assert z.unreached.index.tolist() == ["O4"]


def test_boundary_origin_measures_from_the_polygon() -> None:
    z = _zones(origin="boundary")
    assert z.mentees.index.tolist() == ["O1", "O2", "O5"]
    assert z.mentees["distance_m"].tolist() == pytest.approx([400, 400, 200], abs=1e-3)
    assert z.unreached.loc["O3", "beyond_m"] == pytest.approx(200, abs=1e-3)
    assert "自社区边界起算" in z.zones["definition"].iloc[0]
    # A 600 m band around a 200 m square: 0.04 + 4 × 0.12 + π × 0.36 km².
    assert z.zones["zone_km2"].iloc[0] == pytest.approx(0.04 + 0.48 + math.pi * 0.36, rel=0.002)


def test_zones_start_at_the_community_station() -> None:
    z = _zones(centres=flagship_city.centres())
    assert z.flagships["centre_source"].tolist() == ["service_centre", "representative_point"]
    assert z.mentees.loc["O1", "distance_m"] == pytest.approx(math.hypot(50, 450), abs=1e-3)


def test_mentee_rules() -> None:
    orgs = ORGS.loc[[2, 4, 1]]  # O3, O5, O2
    nearest = _zones(radius_m=1000, organisations=orgs)
    assert nearest.mentees["flagship_id"].to_dict() == {"O3": "B", "O5": "B", "O2": "A"}
    # least loaded: O3 is B's alone; O5 (nearest first) goes to empty A; O2 ties → A (first).
    balanced = _zones(radius_m=1000, organisations=orgs, rule="least_loaded")
    assert balanced.mentees["flagship_id"].to_dict() == {"O3": "B", "O5": "A", "O2": "A"}
    assert balanced.rule == "least_loaded"

    def last_candidate(pairs: pd.DataFrame) -> pd.Series:
        assert set(pairs.columns) == {
            "organisation_id",
            "flagship_id",
            "distance_m",
            "level",
            "name",
            "members",
        }
        return pairs.groupby("organisation_id", sort=False)["flagship_id"].last()

    custom = _zones(radius_m=1000, organisations=orgs, rule=last_candidate)
    assert custom.mentees["flagship_id"].to_dict() == {"O3": "B", "O5": "B", "O2": "B"}
    assert custom.rule == "last_candidate"


@pytest.mark.parametrize(
    ("rule", "match"),
    [
        ("farthest", r"rule='farthest' is not known"),
        (lambda pairs: {"O1": "A"}, r"rule returned dict"),
        (lambda pairs: pd.Series({"O1": "B", "O2": "A", "O5": "B"}), r"it did not for \['O1'\]"),
        (lambda pairs: pd.Series({"O1": "A", "O2": "A"}), r"it did not for \['O5'\]"),
        (
            lambda pairs: pd.Series({"O1": "A", "O2": "A", "O5": "B", "O4": "B"}),
            r"it did not for \['O4'\]",
        ),
    ],
)
def test_bad_rules(rule: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        _zones(rule=rule)


def test_no_organisations_is_an_error() -> None:
    with pytest.raises(InputError, match="there are no organisations to mentor"):
        _zones(organisations=None, levels=["organisation"])


def test_inputs_are_not_modified() -> None:
    orgs = ORGS.copy()
    before = H.communities.copy()
    _zones(organisations=orgs, centres=flagship_city.centres())
    pd.testing.assert_frame_equal(orgs, ORGS)
    pd.testing.assert_frame_equal(H.communities, before)


# -- roster and exports -------------------------------------------------------------------------------


def test_roster_has_contacts_and_the_other_tables_do_not(tmp_path) -> None:
    z = _zones()
    roster = z.roster()
    assert roster["organisation_id"].tolist() == ["O1", "O2", "O5"]
    assert roster["flagship_name"].tolist() == ["甲社区", "甲社区", "乙社区"]
    assert roster["secretary"].tolist() == ["虚构书记甲", "虚构书记乙", "虚构书记戊"]
    assert roster["level"].tolist() == ["两新组织"] * 3
    assert roster["distance_m"].tolist() == [500.0, 500.0, 304.0]
    path = z.roster_to_excel(tmp_path / "名册.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["联合党委名册", "目录", "A 甲社区", "B 乙社区", "说明"]
    assert sheets["A 甲社区"]["书记"].tolist() == ["虚构书记甲", "虚构书记乙"]
    assert sheets["B 乙社区"]["联系电话"].astype(str).tolist() == ["10000000005"]
    book = pd.read_excel(z.to_excel(tmp_path / "zones.xlsx"), sheet_name=None)
    assert list(book) == [
        "概要",
        "旗舰社区",
        "辐射区",
        "帮带对象",
        "多辐射区组织",
        "辐射区外组织",
        "旗舰社区自身及其网格",
        "说明",
    ]
    assert not any(
        "虚构书记" in str(v) or "1000000000" in str(v)
        for t in book.values()
        for v in t.to_numpy().ravel()
    )
    layers = gpd.list_layers(z.to_geopackage(tmp_path / "zones.gpkg"))["name"].tolist()
    assert layers == ["flagships", "zones", "mentees", "unreached"]
    html = z._repr_html_()
    assert "MentoringZones" in html
    assert "虚构书记" not in html


# -- properties and the realistic setting ---------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-500, 4000), st.floats(-800, 800)), min_size=1, max_size=12),
    st.floats(100, 1500),
)
def test_every_organisation_is_placed_once_and_mentees_go_to_the_nearest_zone(xy, radius) -> None:
    orgs = tiny_city.frame(
        {"organisation_id": [f"P{i}" for i in range(len(xy))], "formal_members": 1},
        [point(x, y) for x, y in xy],
    )
    z = mentoring_zones(H, ["A", "C"], radius_m=radius, organisations=orgs, levels="organisation")
    assert len(z.mentees) + len(z.unreached) == len(xy)
    for pid, (x, y) in zip(orgs.organisation_id, xy, strict=True):
        d = {f: math.dist((x, y), flagship_city.MIDDLES[f]) for f in ("A", "C")}
        best = min(d, key=lambda f: (round(d[f], 3), f != "A"))
        if round(d[best], 3) <= radius:
            assert z.mentees.loc[pid, "flagship_id"] == best
            assert z.mentees.loc[pid, "distance_m"] == pytest.approx(d[best], abs=0.01)
        else:
            assert z.unreached.loc[pid, "nearest_flagship_id"] == best
            assert z.unreached.loc[pid, "beyond_m"] == pytest.approx(d[best] - radius, abs=0.01)


def test_sample_city_zones() -> None:
    h = gp.sample_city()
    orgs = gp.sample_layer("organisations")
    z = mentoring_zones(
        h,
        ["310101002003", "310115005001"],
        area_km2=1.0,
        organisations=orgs,
        centres=gp.sample_layer("service_centres"),
    )
    assert (z.flagships["centre_source"] == "service_centre").all()
    assert len(z.mentees) + len(z.unreached) + len(z.own) == len(h.communities) + len(
        h.grids
    ) + len(orgs)
    assert (z.mentees["distance_m"] <= z.definition.radius_m).all()
    assert (z.unreached["distance_m"] > z.definition.radius_m).all()
    assert z.flagships["mentees"].sum() == len(z.mentees)
    assert 20 <= len(z.mentees) <= 80
    orgs_members = z.mentees.loc[z.mentees["level"] == "organisation"]
    assert (
        z.flagships["members_reached"]
        >= orgs_members.groupby("flagship_id")["members"].sum().reindex(z.flagships.index).fillna(0)
    ).all()
    assert np.isfinite(z.unreached["distance_m"]).all()
