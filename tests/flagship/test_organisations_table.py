"""Tests for gridparty.flagship.organisations: communities, grids and 两新 organisations as one table.

tests/tiny_city.py gives member counts checkable by eye (C1: 2+1+1+3 = 7 formal members in
G1 = 4 and G2 = 3; C2 = G3 = 2); tests/flagship_city.py the 两新 organisations. The joining of
the three kinds and its basic errors are in tests/test_flagship.py; here are the schema, the
roster columns, spatial look-up, the inputs left alone and the sample city.
"""

from __future__ import annotations

import flagship_city
import geopandas as gpd
import pandas as pd
import pytest
import tiny_city
from tiny_city import box, point

import gridparty as gp
from gridparty.core.errors import ColumnError, InputError
from gridparty.datasets.sample import sample_layer
from gridparty.flagship.organisations import (
    CONTACT_ALIASES,
    ORGANISATION_LEVEL,
    ORGANISATION_LEVELS,
    PUBLIC_COLUMNS,
    organisation_table,
)

TINY = gp.Hierarchy(**tiny_city.layers())


def test_the_organisation_schema() -> None:
    assert ORGANISATION_LEVELS == ("community", "grid", "organisation")
    assert ORGANISATION_LEVEL.id_column == "organisation_id"
    assert ORGANISATION_LEVEL.parent is None
    assert ORGANISATION_LEVEL.geometry_types == ("Point", "Polygon", "MultiPolygon")
    assert ORGANISATION_LEVEL.public_columns == (
        "organisation_id",
        "name",
        "kind",
        "formal_members",
        "community_id",
    )
    assert ORGANISATION_LEVEL.aliases["统一社会信用代码"] == "organisation_id"
    assert ORGANISATION_LEVEL.aliases["党员数"] == "formal_members"
    assert PUBLIC_COLUMNS == ("level", "name", "kind", "community_id", "members")
    contacts = {alias for aliases in CONTACT_ALIASES.values() for alias in aliases}
    assert not contacts & set(PUBLIC_COLUMNS)
    assert tuple(CONTACT_ALIASES) == ("secretary", "contact", "phone")


def test_communities_and_grids_take_their_members_from_the_households() -> None:
    table = organisation_table(TINY)
    assert table.index.name == "organisation_id"
    assert table.index.tolist() == ["C1", "C2", "G1", "G2", "G3"]
    assert table["level"].tolist() == ["community"] * 2 + ["grid"] * 3
    assert table["members"].tolist() == [7, 2, 4, 3, 2]
    assert str(table["members"].dtype) == "Int64"
    assert table["community_id"].tolist() == ["C1", "C2", "C1", "C1", "C2"]
    assert table["name"].tolist() == ["东社区", "西社区", "一网格", "二网格", "三网格"]
    assert table["kind"].isna().all()
    assert table.columns.tolist() == [*PUBLIC_COLUMNS, "geometry"]  # no contacts in the tiny city
    assert table.geometry.geom_equals(
        pd.concat([TINY.communities.geometry, TINY.grids.geometry])
    ).all()


def test_a_grid_without_member_households_counts_zero() -> None:
    layers = tiny_city.layers()
    layers["households"] = layers["households"].iloc[:3]  # H4 (G2) and H5 (G3) leave
    table = organisation_table(gp.Hierarchy(**layers), levels="grid")
    assert table["members"].tolist() == [4, 0, 0]


def test_one_level_as_a_string_or_a_tuple() -> None:
    assert organisation_table(TINY, levels="community").index.tolist() == ["C1", "C2"]
    assert organisation_table(TINY, levels=("grid",)).index.tolist() == ["G1", "G2", "G3"]


@pytest.mark.parametrize(
    ("levels", "match"),
    [
        ((), r"^levels=\(\) must name some of \('community', 'grid', 'organisation'\)\.$"),
        ("communities", r"^levels=\('communities',\) must name some of"),
        (["grid", "household"], r"^levels=\('grid', 'household'\) must name some of"),
    ],
)
def test_bad_levels_are_named(levels: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        organisation_table(TINY, levels=levels)  # type: ignore[arg-type]


def test_roster_columns_come_from_the_first_alias_found() -> None:
    layers = tiny_city.layers()
    layers["communities"] = layers["communities"].assign(
        书记=["虚构甲", "虚构乙"], phone=["10000000001", None], 联系电话=["x", "y"]
    )
    table = organisation_table(gp.Hierarchy(**layers), levels="community")
    assert table["secretary"].tolist() == ["虚构甲", "虚构乙"]
    assert table["phone"].tolist() == ["10000000001", pd.NA]  # "phone" comes before 联系电话
    assert "contact" not in table.columns
    assert str(table["secretary"].dtype) == "string"


def test_organisations_mapped_with_columns_and_located_from_a_polygon() -> None:
    orgs = tiny_city.frame(
        {
            "编码": ["X1", "X2"],
            "名称": ["东园", "西楼"],
            "在册党员": [6, 0],
            "community_id": [None, "C1"],
        },
        [box(20, 20, 60, 60), point(300, 50)],  # X1 inside C1; X2 in C2 but declared in C1
    )
    before = orgs.copy()
    table = organisation_table(
        TINY,
        orgs,
        levels="organisation",
        columns={"编码": "organisation_id", "在册党员": "formal_members"},
    )
    assert table.index.tolist() == ["X1", "X2"]
    assert table["members"].tolist() == [6, 0]
    assert table["community_id"].tolist() == ["C1", "C1"]  # found in space; declared kept
    assert table["kind"].isna().all()
    assert table.geom_type.tolist() == ["Polygon", "Point"]
    pd.testing.assert_frame_equal(orgs, before)


def test_a_bad_mapping_names_the_organisations() -> None:
    with pytest.raises(ColumnError, match=r"^organisations: columns= names \['编码'\]"):
        organisation_table(TINY, flagship_city.organisations(), columns={"编码": "organisation_id"})


def test_the_hierarchy_and_the_organisations_are_not_changed() -> None:
    h = flagship_city.hierarchy()
    orgs = flagship_city.organisations()
    layers = {name: frame.copy() for name, frame in h.layers.items()}
    orgs_before = orgs.copy()
    table = organisation_table(h, orgs)
    table.loc["A", "name"] = "改名"
    for name, frame in h.layers.items():
        pd.testing.assert_frame_equal(frame, layers[name])
    pd.testing.assert_frame_equal(orgs, orgs_before)


def test_sample_city_organisations() -> None:
    h = gp.sample_city()
    orgs = sample_layer("organisations")
    table = organisation_table(h, orgs)
    assert isinstance(table, gpd.GeoDataFrame)
    assert table.crs.to_epsg() == 4326
    counts = table["level"].value_counts().to_dict()
    assert counts == {"grid": 60, "organisation": 48, "community": 9}
    by_level = table.groupby("level")["members"].sum()
    households = int(h.households["formal_members"].sum())
    assert by_level.to_dict() == {
        "community": households,
        "grid": households,
        "organisation": int(orgs["formal_members"].sum()),
    }
    # without their declared community the 两新 organisations are placed in the same one
    located = organisation_table(h, orgs.drop(columns="community_id"), levels="organisation")
    assert located["community_id"].tolist() == orgs["community_id"].astype(str).tolist()
