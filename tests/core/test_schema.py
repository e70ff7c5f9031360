"""Tests for gridparty.core.schema: the four levels, their columns, aliases and personal fields.

The schema is the single source of truth for column names, so these tests pin it down as
written, check its internal consistency and hold the stored sample city against it.
"""

from __future__ import annotations

import dataclasses

import pyogrio
import pytest

from gridparty.core.errors import InputError
from gridparty.core.schema import LEVEL_NAMES, LEVELS, PERSONAL_ALIASES, Level, level
from gridparty.datasets.sample import sample_city_path


def test_the_four_levels_and_their_parents() -> None:
    assert LEVEL_NAMES == ("community", "grid", "building", "household")
    assert tuple(LEVELS) == LEVEL_NAMES
    assert [LEVELS[n].parent for n in LEVEL_NAMES] == [None, "community", "grid", "building"]
    assert [LEVELS[n].layer for n in LEVEL_NAMES] == [
        "communities",
        "grids",
        "buildings",
        "households",
    ]
    assert [LEVELS[n].id_column for n in LEVEL_NAMES] == [
        "community_id",
        "grid_id",
        "building_id",
        "household_id",
    ]
    assert [LEVELS[n].parent_column for n in LEVEL_NAMES] == [
        None,
        "community_id",
        "grid_id",
        "building_id",
    ]
    assert [(LEVELS[n].label_zh, LEVELS[n].label_en) for n in LEVEL_NAMES] == [
        ("社区", "community"),
        ("网格", "grid"),
        ("楼栋", "building"),
        ("党员户", "member household"),
    ]


def test_geometry_types() -> None:
    assert LEVELS["community"].geometry_types == ("Polygon", "MultiPolygon")
    assert LEVELS["grid"].geometry_types == ("Polygon", "MultiPolygon")
    assert LEVELS["building"].geometry_types == ("Polygon", "MultiPolygon", "Point")
    assert LEVELS["household"].geometry_types == ("Point",)


def test_attributes_and_public_columns() -> None:
    assert dict(LEVELS["community"].attributes) == {
        "name": "str",
        "street": "str",
        "district": "str",
    }
    assert dict(LEVELS["grid"].attributes) == {
        "name": "str",
        "has_branch": "bool",
        "full_time_workers": "int",
        "part_time_workers": "int",
    }
    assert dict(LEVELS["building"].attributes) == {
        "name": "str",
        "households": "int",
        "has_group": "bool",
    }
    assert dict(LEVELS["household"].attributes) == {
        "formal_members": "int",
        "probationary_members": "int",
        "is_hub": "bool",
    }
    assert LEVELS["community"].public_columns == ("community_id", "name", "street", "district")
    assert LEVELS["grid"].public_columns == (
        "grid_id",
        "community_id",
        "name",
        "has_branch",
        "full_time_workers",
        "part_time_workers",
    )
    assert LEVELS["household"].public_columns == (
        "household_id",
        "building_id",
        "formal_members",
        "probationary_members",
        "is_hub",
    )


#: Some aliases of each level, Chinese and English, and the names shapefiles cut to 10 characters.
SOME_ALIASES = {
    "community": {
        "社区编码": "community_id",
        "所属街道": "street",
        "名称": "name",
        "community_": "community_id",
    },
    "grid": {
        "是否建立党支部": "has_branch",
        "专职网格员": "full_time_workers",
        "所属社区": "community_id",
        "community_": "community_id",
        "full_time_": "full_time_workers",
        "part_time_": "part_time_workers",
    },
    "building": {"户数": "households", "所属网格": "grid_id", "building_i": "building_id"},
    "household": {
        "党员数": "formal_members",
        "党员中心户": "is_hub",
        "id": "household_id",
        "household_": "household_id",
        "formal_mem": "formal_members",
        "probationa": "probationary_members",
    },
}


@pytest.mark.parametrize("name", LEVEL_NAMES)
def test_chinese_english_and_shapefile_aliases(name: str) -> None:
    expected = SOME_ALIASES[name]
    assert {alias: LEVELS[name].aliases.get(alias) for alias in expected} == expected


def test_columns_of_ten_characters_or_fewer_need_no_cut_alias() -> None:
    assert "grid_id" not in LEVELS["building"].aliases  # 7 characters: kept as is by shapefiles
    assert "households" not in LEVELS["building"].aliases  # exactly 10 characters
    assert "has_branch" not in LEVELS["grid"].aliases


@pytest.mark.parametrize("name", LEVEL_NAMES)
def test_every_alias_names_a_public_column_and_no_personal_field(name: str) -> None:
    lvl = LEVELS[name]
    assert set(lvl.aliases.values()) <= set(lvl.public_columns)
    assert not set(lvl.aliases) & PERSONAL_ALIASES
    assert not set(lvl.public_columns) & PERSONAL_ALIASES


def test_personal_aliases_cover_names_phones_ids_and_addresses() -> None:
    assert {"姓名", "联系电话", "手机号", "身份证号", "住址", "phone", "address", "id_number"} <= (
        PERSONAL_ALIASES
    )
    assert isinstance(PERSONAL_ALIASES, frozenset)


def test_level_lookup() -> None:
    for name in LEVEL_NAMES:
        assert level(name) is LEVELS[name]
    with pytest.raises(
        InputError,
        match=r"^level='street' is not a level of the hierarchy; use one of community, grid, "
        r"building, household\.$",
    ):
        level("street")
    with pytest.raises(InputError, match=r"^level='Grid' is not a level"):
        level("Grid")


def test_levels_are_read_only() -> None:
    grid = LEVELS["grid"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        grid.layer = "cells"  # type: ignore[misc]
    with pytest.raises(TypeError):
        grid.aliases["编号"] = "grid_id"  # type: ignore[index]
    with pytest.raises(TypeError):
        LEVELS["street"] = grid  # type: ignore[index]
    assert isinstance(grid, Level)
    assert "编号" not in grid.aliases


def test_sample_city_layers_start_with_the_public_columns() -> None:
    """The stored GeoPackage writes each level's public columns first, in schema order."""
    path = sample_city_path()
    for name in LEVEL_NAMES:
        lvl = LEVELS[name]
        fields = pyogrio.read_info(path, layer=lvl.layer)["fields"].tolist()
        assert tuple(fields[: len(lvl.public_columns)]) == lvl.public_columns
    household_fields = pyogrio.read_info(path, layer="households")["fields"].tolist()
    assert set(household_fields) - set(LEVELS["household"].public_columns) == {"姓名", "联系电话"}
    assert {"姓名", "联系电话"} <= PERSONAL_ALIASES
