"""Tests for gridparty.core.model: the Hierarchy container, roll-ups and the graph."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
import shapely
import tiny_city

from gridparty.core.errors import (
    CRSError,
    DuplicateIdError,
    GeometryError,
    InputError,
    RepairWarning,
)
from gridparty.core.model import Hierarchy


@pytest.fixture
def h() -> Hierarchy:
    return Hierarchy(**tiny_city.layers())


def test_layers_are_indexed_by_string_ids_in_wgs84(h: Hierarchy) -> None:
    assert list(h.grids.index) == ["G1", "G2", "G3"]
    assert h.grids.index.name == "grid_id"
    assert h.households.index.name == "household_id"
    for frame in h.layers.values():
        assert frame.crs.to_epsg() == 4326
        assert frame.index.dtype == "string"
    assert h.grids["has_branch"].dtype == "boolean"
    assert h.buildings["households"].dtype == "Int64"


def test_missing_layers_are_empty_frames_with_the_schema() -> None:
    h = Hierarchy(tiny_city.communities())
    assert len(h.grids) == 0
    assert list(h.households.columns) == [
        "building_id",
        "formal_members",
        "probationary_members",
        "is_hub",
        "geometry",
    ]
    assert h.summary("community")["grids"].tolist() == [0, 0]


def test_inputs_are_not_mutated() -> None:
    layers = tiny_city.layers()
    before = {k: v.copy() for k, v in layers.items()}
    Hierarchy(**layers)
    for key, frame in layers.items():
        pd.testing.assert_frame_equal(frame, before[key])


def test_numeric_ids_become_strings() -> None:
    communities = tiny_city.communities().assign(community_id=[110101001000, 110101002000])
    grids = tiny_city.grids().assign(community_id=[110101001000.0, 110101001000.0, 110101002000.0])
    h = Hierarchy(communities, grids)
    assert list(h.communities.index) == ["110101001000", "110101002000"]
    assert h.grids["community_id"].tolist() == ["110101001000", "110101001000", "110101002000"]


def test_chinese_aliases_are_recognised() -> None:
    grids = tiny_city.grids().rename(
        columns={
            "grid_id": "网格编号",
            "community_id": "社区编码",
            "has_branch": "是否建立党支部",
            "full_time_workers": "专职网格员",
        }
    )
    grids["是否建立党支部"] = ["是", "否", "是"]
    h = Hierarchy(tiny_city.communities(), grids)
    assert h.grids["has_branch"].tolist() == [True, False, True]
    assert h.grids["full_time_workers"].tolist() == [1, 1, 2]
    assert h.grids["community_id"].tolist() == ["C1", "C1", "C2"]


def test_explicit_columns_mapping_per_level() -> None:
    grids = tiny_city.grids().rename(columns={"grid_id": "编号"})
    h = Hierarchy(tiny_city.communities(), grids, columns={"grid": {"编号": "grid_id"}})
    assert list(h.grids.index) == ["G1", "G2", "G3"]


def test_duplicate_ids_raise_in_strict_mode() -> None:
    grids = tiny_city.grids().assign(grid_id=["G1", "G1", "G3"])
    with pytest.raises(
        DuplicateIdError,
        match=r"grids: 1 grid_id value shared by several rows \(1 extra row\), e.g. \[.G1.\]",
    ):
        Hierarchy(tiny_city.communities(), grids)


def test_duplicate_and_missing_ids_are_kept_and_reported_when_lenient() -> None:
    grids = tiny_city.grids().assign(grid_id=["G1", "G1", None])
    h = Hierarchy(tiny_city.communities(), grids, strict=False)
    assert list(h.grids.index) == ["G1", "G1#2", "<missing grid row 2>"]
    assert h.load_issues[["id", "check"]].values.tolist() == [
        ["<missing grid row 2>", "missing_id"],
        ["G1#2", "duplicate_id"],
    ]


def test_missing_id_column_names_the_layer_and_the_fix() -> None:
    grids = tiny_city.grids().drop(columns="grid_id")
    with pytest.raises(InputError, match=r"grids has no id column 'grid_id'.*columns=\{"):
        Hierarchy(tiny_city.communities(), grids)


def test_missing_crs_is_an_error() -> None:
    grids = tiny_city.grids().set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="grids"):
        Hierarchy(tiny_city.communities(), grids)


def test_points_given_as_grids_is_a_geometry_error() -> None:
    grids = tiny_city.grids()
    grids["geometry"] = grids.representative_point()
    with pytest.raises(
        GeometryError, match="grids holds Point geometries but grids must be Polygon"
    ):
        Hierarchy(tiny_city.communities(), grids)


def test_repair_fixes_invalid_polygons_with_a_warning() -> None:
    grids = tiny_city.grids()
    bowtie = shapely.Polygon(
        [(121.48, 31.22), (121.481, 31.221), (121.481, 31.22), (121.48, 31.221)]
    )
    grids.loc[1, "geometry"] = bowtie
    with pytest.warns(RepairWarning, match=r"repaired 1 invalid grids geometries.*'G2'"):
        h = Hierarchy(tiny_city.communities(), grids, repair=True)
    assert h.grids.geometry.is_valid.all()
    assert h.load_issues["check"].tolist() == ["repaired_geometry"]
    assert not grids.geometry.is_valid.all()  # the input is untouched


def test_gcj02_input_is_converted_to_wgs84() -> None:
    from gridparty.core.coords import convert_geometries

    communities = tiny_city.communities()
    shifted = communities.set_geometry(convert_geometries(communities.geometry, "wgs84", "gcj02"))
    h = Hierarchy(shifted, coords="gcj02")
    original = communities.geometry.to_numpy()
    assert shapely.hausdorff_distance(shifted.geometry.to_numpy(), original).min() > 1e-3
    assert shapely.hausdorff_distance(h.communities.geometry.to_numpy(), original).max() < 1e-7


def test_metric_crs_is_the_utm_zone_or_the_given_one(h: Hierarchy) -> None:
    assert h.metric_crs.to_epsg() == 32651
    given = Hierarchy(tiny_city.communities(), metric_crs="EPSG:4547")
    assert given.metric_crs.to_epsg() == 4547
    with pytest.raises(CRSError, match=r"metric_crs='EPSG:4326' is not a projected CRS in metres"):
        Hierarchy(tiny_city.communities(), metric_crs="EPSG:4326")


def test_summary_by_community_grid_street(h: Hierarchy) -> None:
    by_community = h.summary("community")
    assert by_community.loc[
        "C1",
        [
            "grids",
            "buildings",
            "households",
            "member_households",
            "formal_members",
            "probationary_members",
            "hub_households",
        ],
    ].tolist() == [2, 3, 90, 4, 7, 1, 2]
    assert by_community.loc["C2", "households"] == 60
    by_grid = h.summary("grid")
    assert by_grid.loc["G2", ["buildings", "formal_members"]].tolist() == [1, 3]
    by_street = h.summary("street")
    assert by_street.loc["外滩街道", "member_households"] == 5
    with pytest.raises(InputError, match="by='building'"):
        h.summary("building")  # type: ignore[arg-type]


def test_to_graph_is_a_tree_with_upper_levels(h: Hierarchy) -> None:
    graph = h.to_graph()
    assert nx.is_tree(graph)
    root = [n for n, d in graph.in_degree() if d == 0]
    assert root == [("district", "黄浦区")]
    assert list(graph.successors(("building", "B1"))) == [("household", "H1"), ("household", "H2")]
    assert graph.nodes[("grid", "G1")]["name"] == "一网格"
    assert graph.number_of_nodes() == 1 + 1 + 2 + 3 + 4 + 5


def test_replace_returns_a_new_hierarchy(h: Hierarchy) -> None:
    fewer = h.replace(households=h.households.iloc[:2])
    assert len(fewer.households) == 2
    assert len(h.households) == 5
    with pytest.raises(InputError, match="replace\\(\\) got parks="):
        h.replace(parks=h.households)


def test_layer_lookup(h: Hierarchy) -> None:
    assert h.layer("grids") is h.grids
    assert h.layer("grid") is h.grids
    with pytest.raises(InputError, match="name='street' is not a layer"):
        h.layer("street")
    assert repr(h) == "<Hierarchy: 2 communities, 3 grids, 4 buildings, 5 households>"
