"""Tests for gridparty.checks.coverage: gaps, overlaps, spill-overs and slivers of any polygon layers."""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import shapely.affinity
import tiny_city
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny_city import UTM, box

from gridparty.checks.coverage import (
    COVERAGE_CHECKS,
    merge_parts,
    spatial_coverage,
    street_outlines,
)
from gridparty.core.errors import ColumnError, CRSError, DuplicateIdError, InputError
from gridparty.datasets import sample as ds
from gridparty.spatial.tiling import NOISE_M2, WIDTH_PRECISION

BEIJING = Path(__file__).parents[1] / "data" / "beijing_subdistricts"


def layer(ids: list[str], boxes: list[shapely.Geometry], **columns: list) -> gpd.GeoDataFrame:
    """A layer drawn in metres (UTM 51N) with its ids as the index, as a user hands it in."""
    index = pd.Index(ids, name="id")
    return gpd.GeoDataFrame(columns, index=index, geometry=boxes, crs=UTM)


def communities() -> gpd.GeoDataFrame:
    return layer(
        ["C1", "C2"], [box(0, 0, 200, 100), box(200, 0, 400, 100)], street=["外滩街道", "外滩街道"]
    )


def grids(
    *boxes: shapely.Geometry, parents: tuple[str, ...] = ("C1", "C1", "C2")
) -> gpd.GeoDataFrame:
    shapes = list(boxes) or [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 400, 100)]
    ids = [f"G{i + 1}" for i in range(len(shapes))]
    return layer(ids, shapes, community_id=list(parents))


def check(children: gpd.GeoDataFrame, parents: gpd.GeoDataFrame | None = None, **kw: object):
    return spatial_coverage(
        communities() if parents is None else parents,
        children,
        parent_column="community_id",
        metric_crs=UTM,
        **kw,
    )


# -- hand-made geometry, answers checkable by eye --------------------------------------------------


def test_grids_that_tile_their_communities_leave_nothing() -> None:
    result = check(grids())
    assert len(result.gaps) == len(result.overlaps) == len(result.outside) == 0
    assert result.problems.empty
    table = result.by_parent
    assert table["area_m2"].round(3).tolist() == [20_000.0, 20_000.0]
    assert table["coverage_ratio"].round(9).tolist() == [1.0, 1.0]
    assert table["children"].tolist() == [2, 1]
    assert list(result.gaps.columns) == [
        "parent_id",
        "kind",
        "area_m2",
        "width_m",
        "buildings",
        "households",
        "member_households",
        "geometry",
    ]


def test_a_gap_with_its_area_width_and_the_homes_inside() -> None:
    shrunk = grids(box(0, 0, 50, 100), box(100, 0, 200, 100), box(200, 0, 400, 100))
    h = tiny_city.layers()
    result = check(shrunk, buildings=h["buildings"], households=h["households"])
    gap = result.gaps.iloc[0]
    assert len(result.gaps) == 1
    assert (gap["parent_id"], gap["kind"]) == ("C1", "gap")
    assert gap["area_m2"] == pytest.approx(5_000, rel=1e-6)  # 50..100 × 0..100
    assert gap["width_m"] == pytest.approx(50, abs=0.01)
    # B2 (60..80 × 10..30, 30 households) and its member household H3 lie in the gap
    assert (gap["buildings"], gap["households"], gap["member_households"]) == (1, 30, 1)
    row = result.by_parent.loc["C1"]
    assert row["gap_m2"] == pytest.approx(5_000, rel=1e-6)
    assert row["coverage_ratio"] == pytest.approx(0.75, rel=1e-6)
    assert row["households_in_gaps"] == 30
    metric = gpd.GeoSeries([gap.geometry], crs=4326).to_crs(UTM).iloc[0]
    assert metric.symmetric_difference(box(50, 0, 100, 100)).area < 1e-3


def test_overlap_and_spill_overs() -> None:
    spilled = grids(box(-20, 0, 100, 100), box(100, 0, 200, 100), box(190, 0, 400, 100))
    result = check(spilled)
    assert result.gaps.empty
    overlap = result.overlaps.iloc[0]
    assert (overlap["child_id"], overlap["other_id"]) == ("G2", "G3")
    assert (overlap["parent_id"], overlap["other_parent_id"]) == ("C1", "C2")
    assert overlap["area_m2"] == pytest.approx(1_000, rel=1e-6)
    assert overlap["width_m"] == pytest.approx(10, abs=0.01)
    outside = result.outside.set_index("child_id")
    assert outside["parent_id"].to_dict() == {"G1": "C1", "G3": "C2"}
    assert outside["area_m2"].round(3).to_dict() == {"G1": 2_000.0, "G3": 1_000.0}
    assert set(outside["kind"]) == {"outside"}
    assert result.by_child.loc["G3", ["outside_m2", "overlap_m2", "overlaps"]].round(
        3
    ).tolist() == [1_000.0, 1_000.0, 1]
    assert result.by_parent["overlap_m2"].round(3).to_dict() == {"C1": 1_000.0, "C2": 1_000.0}


def test_slivers_are_reported_as_their_own_kind() -> None:
    # a 0.5 m wide gap (50 m²) and a 0.01 m wide overlap (1 m²)
    result = check(grids(box(0, 0, 100, 100), box(99.99, 0, 199.5, 100), box(200, 0, 400, 100)))
    kinds = {"gap": result.gaps["kind"].tolist(), "overlap": result.overlaps["kind"].tolist()}
    assert kinds == {"gap": ["sliver"], "overlap": ["sliver"]}
    assert result.gaps["width_m"].iloc[0] == pytest.approx(0.49, abs=0.02)
    assert result.by_parent.loc[
        "C1", ["gaps", "gap_slivers", "overlap_slivers", "slivers"]
    ].tolist() == [0, 1, 1, 2]
    assert result.by_parent.loc["C1", "gap_sliver_m2"] == pytest.approx(50, rel=1e-3)
    assert result.by_parent.loc["C1", "sliver_m2"] == pytest.approx(51, rel=1e-3)
    assert result.by_parent.loc["C1", "coverage_ratio"] < 1  # slivers count as uncovered
    assert set(result.slivers["problem"]) == {"gap", "overlap"}
    by_area = check(
        grids(box(0, 0, 100, 100), box(99.99, 0, 199.5, 100), box(200, 0, 400, 100)),
        min_width_m=0.0,
        min_area_m2=0.5,
    )
    assert by_area.gaps["kind"].tolist() == ["gap"]
    assert by_area.overlaps["kind"].tolist() == ["overlap"]


def test_by_parent_counts_the_slivers_of_every_kind() -> None:
    # G1 = 0..100 × 0..100 and G2 = 99.99..200.2 × 0..99.5 in C1, G3 = 200..400.5 × 0..100 in C2:
    # C1 has a 0.5 m gap strip on top of G2 (50 m²), G1 and G2 overlap by 0.01 m (0.995 m²),
    # G2 spills 0.2 m into C2 (19.9 m²) where it overlaps G3 (19.9 m², for both parents), and
    # G3 spills 0.5 m out of C2 (50 m²). All are slivers; none is a real part.
    result = check(grids(box(0, 0, 100, 100), box(99.99, 0, 200.2, 99.5), box(200, 0, 400.5, 100)))
    table = result.by_parent
    counts = ["gaps", "gap_slivers", "overlap_slivers", "outside_slivers", "slivers"]
    assert table.loc["C1", counts].tolist() == [0, 1, 2, 1, 4]
    assert table.loc["C2", counts].tolist() == [0, 0, 1, 1, 2]
    areas = [
        "gap_m2",
        "gap_sliver_m2",
        "overlap_m2",
        "overlap_sliver_m2",
        "outside_m2",
        "outside_sliver_m2",
        "sliver_m2",
    ]
    assert table.loc["C1", areas].round(3).tolist() == [0, 50, 0, 20.895, 0, 19.9, 90.795]
    assert table.loc["C2", areas].round(3).tolist() == [0, 0, 0, 19.9, 0, 50, 69.9]
    assert table["covered_m2"].round(3).tolist() == [19_950.0, 20_000.0]  # only gaps uncover
    # Every sliver row is counted for its parent(s): the overlap G2/G3 for C1 and for C2.
    rows = result.slivers.groupby("problem").size().to_dict()
    assert rows == {"gap": 1, "overlap": 2, "outside": 2}
    assert table["slivers"].sum() == len(result.slivers) + 1


def test_merge_parts_joins_the_real_parts_of_each_key() -> None:
    result = check(grids(box(0, 0, 40, 100), box(60, 0, 200, 100), box(200, 0, 399.5, 100)))
    merged = merge_parts(result.gaps, ["parent_id"])
    assert merged["parent_id"].tolist() == ["C1"]  # C2's 0.5 m strip is a sliver
    assert merged["area_m2"].round(3).tolist() == [2_000.0]


def test_street_outlines_fill_holes_so_enclosed_land_is_a_gap() -> None:
    ring = layer(
        ["C1", "C2", "C3", "C4"],
        [
            box(0, 0, 300, 100),
            box(0, 200, 300, 300),
            box(0, 100, 100, 200),
            box(200, 100, 300, 200),
        ],
        street=["S"] * 4,
    )
    outlines = street_outlines(ring.to_crs(4326))
    assert outlines.index.tolist() == ["S"]
    assert outlines.index.name == "street"
    result = spatial_coverage(
        outlines,
        ring,
        parent_column="street",
        metric_crs=UTM,
        parent_level="street",
        child_level="community",
    )
    assert result.gaps["area_m2"].round(3).tolist() == [10_000.0]
    assert result.gaps["width_m"].round(2).tolist() == [100.0]
    kept = street_outlines(ring.to_crs(4326), fill_holes=False)
    gaps = spatial_coverage(kept, ring, parent_column="street", metric_crs=UTM).gaps
    assert (gaps["kind"] == "sliver").all()  # in WGS84 the corners of C3, C4 miss C1, C2's
    assert gaps["area_m2"].sum() < 1  # edges by a hair: no hole, only slivers along the slits
    # the hole leaks through those slits: without closing them it is not found
    leaky = street_outlines(ring.to_crs(4326), slit_m=0.0)
    assert (
        spatial_coverage(leaky, ring, parent_column="street", metric_crs=UTM).gaps["area_m2"].sum()
        < 1
    )


def _strip(x0: int, x1: int, x2: int) -> shapely.Polygon:
    """x0..x2 × 0..100 with a vertex at x1 on both long edges (metres)."""
    ring = [(x0, 0), (x1, 0), (x2, 0), (x2, 100), (x1, 100), (x0, 100)]
    return shapely.Polygon([(tiny_city.X0 + x, tiny_city.Y0 + y) for x, y in ring])


def test_overlapping_parents_do_not_hide_overlapping_children() -> None:
    # each parent is tiled exactly by its own children, but the parents overlap
    parents = layer(["P1", "P2"], [_strip(0, 100, 200), _strip(100, 200, 300)])
    children = layer(
        ["A", "B", "C", "D"],
        [box(0, 0, 100, 100), box(100, 0, 200, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)],
        community_id=["P1", "P1", "P2", "P2"],
    )
    result = check(children, parents)
    assert result.overlaps[["child_id", "other_id"]].values.tolist() == [["B", "C"]]
    assert result.overlaps["area_m2"].round(3).tolist() == [10_000.0]
    assert result.gaps.empty
    assert result.outside.empty


# -- bad input: reported or raised -------------------------------------------------------------------


def test_problems_are_reported_not_dropped() -> None:
    bowtie = shapely.Polygon(
        [(tiny_city.X0 + x, tiny_city.Y0 + y) for x, y in [(0, 0), (100, 100), (100, 0), (0, 100)]]
    )
    children = layer(
        ["G1", "G2", "G3", "G4", "G5"],
        [bowtie, box(100, 0, 200, 100), None, box(200, 0, 300, 100), box(300, 0, 400, 100)],
        community_id=["C1", "C1", "C1", None, "C9"],
    )
    parents = layer(
        ["C1", "C2", "C3"], [box(0, 0, 200, 100), box(200, 0, 400, 100), box(400, 0, 500, 100)]
    )
    result = check(children, parents)
    found = set(result.problems[["level", "id", "check"]].itertuples(index=False, name=None))
    assert found == {
        ("grid", "G1", "invalid_geometry"),
        ("grid", "G3", "empty_geometry"),
        ("grid", "G4", "no_parent"),
        ("grid", "G5", "unknown_parent"),
        ("community", "C2", "no_children"),
        ("community", "C3", "no_children"),
    }
    assert set(result.problems["check"]) <= set(COVERAGE_CHECKS)
    # children without a (known) parent still cover land: C2 has no gap, C3 is all gap
    assert result.gaps.groupby("parent_id")["area_m2"].sum().round(3).to_dict() == {
        "C1": 5_000.0,
        "C3": 10_000.0,
    }  # the bow tie covers half of G1's square


def test_mixed_crs_are_measured_alike() -> None:
    shifted = grids(box(0, 0, 50, 100), box(100, 0, 200, 100), box(200, 0, 400, 100))
    wgs = check(shifted.to_crs(4326), communities())
    assert wgs.gaps["area_m2"].iloc[0] == pytest.approx(5_000, rel=1e-6)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(InputError, match="parents must be a GeoDataFrame"):
        spatial_coverage(pd.DataFrame(), grids(), parent_column="community_id")
    with pytest.raises(ColumnError, match="parent_column='community' is not a column"):
        spatial_coverage(communities(), grids(), parent_column="community")
    with pytest.raises(InputError, match=r"min_area_m2=-1 must be a number >= 0"):
        check(grids(), min_area_m2=-1)
    with pytest.raises(InputError, match=r"min_width_m=nan"):
        check(grids(), min_width_m=float("nan"))
    twice = grids().rename(index={"G2": "G1"})
    with pytest.raises(DuplicateIdError, match=r"children has repeated ids.*'G1'"):
        check(twice)
    with pytest.raises(CRSError, match="children"):
        check(grids().set_crs(None, allow_override=True))
    with pytest.raises(CRSError, match="projected CRS in metres"):
        spatial_coverage(
            communities(), grids(), parent_column="community_id", metric_crs="EPSG:4326"
        )


# -- properties -----------------------------------------------------------------------------------


@st.composite
def strips(draw: st.DrawFn) -> list[int]:
    """Cut positions (whole metres) splitting 0..300 into 2–6 strips."""
    cuts = draw(st.lists(st.integers(1, 299), min_size=1, max_size=5, unique=True))
    return [0, *sorted(cuts), 300]


def _tiling(xs: list[int], with_vertices: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    if with_vertices:  # the community carries every grid corner (exact coverage)
        ring = [(x, 0) for x in xs] + [(x, 100) for x in reversed(xs)]
        shape = shapely.Polygon([(tiny_city.X0 + x, tiny_city.Y0 + y) for x, y in ring])
    else:
        shape = box(0, 0, 300, 100)
    parent = layer(["C1"], [shape])
    children = layer(
        [f"G{i}" for i in range(len(xs) - 1)],
        [box(a, 0, b, 100) for a, b in itertools.pairwise(xs)],
        community_id=["C1"] * (len(xs) - 1),
    )
    return parent, children


@settings(max_examples=25, deadline=None)
@given(xs=strips(), with_vertices=st.booleans(), drop=st.integers(0, 5))
def test_tiling_removal_and_area_balance(xs: list[int], with_vertices: bool, drop: int) -> None:
    parent, children = _tiling(xs, with_vertices)
    whole = check(children, parent)
    assert whole.gaps.empty
    assert whole.overlaps.empty
    assert whole.outside.empty
    drop = drop % len(children)
    kept = children.drop(children.index[drop])
    result = check(kept, parent)
    gone = (xs[drop + 1] - xs[drop]) * 100
    assert result.gaps["area_m2"].sum() == pytest.approx(gone, rel=1e-6)
    assert result.gaps["width_m"].max() == pytest.approx(min(xs[drop + 1] - xs[drop], 100), abs=0.5)
    total = result.gaps["area_m2"].sum() + result.by_child["area_m2"].sum()
    assert total == pytest.approx(result.by_parent["area_m2"].sum(), rel=1e-6)


@st.composite
def boxes(draw: st.DrawFn) -> list[tuple[int, int, int, int]]:
    raw = draw(
        st.lists(
            st.tuples(
                st.integers(-20, 280),
                st.integers(-20, 80),
                st.integers(10, 150),
                st.integers(10, 60),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return [(x, y, x + w, y + h) for x, y, w, h in raw]


@settings(max_examples=40, deadline=None)
@given(
    shapes=boxes(), parents=st.lists(st.sampled_from(["C1", "C2", None]), min_size=8, max_size=8)
)
def test_matches_a_plain_shapely_computation(shapes: list, parents: list) -> None:
    children = layer(
        [f"G{i}" for i in range(len(shapes))],
        [box(*b) for b in shapes],
        community_id=parents[: len(shapes)],
    )
    result = check(children)
    c = np.array([box(0, 0, 200, 100), box(200, 0, 400, 100)])
    g = np.array([box(*b) for b in shapes])
    gaps = shapely.area(shapely.difference(c, shapely.union_all(g)))
    i, j = np.triu_indices(len(g), 1)
    overlaps = shapely.area(shapely.intersection(g[i], g[j])).sum()
    pos = pd.Index(["C1", "C2"]).get_indexer(pd.Series(parents[: len(shapes)]))
    has = pos >= 0
    outside = shapely.area(shapely.difference(g[has], c[pos[has]])).sum()
    assert result.gaps["area_m2"].sum() == pytest.approx(gaps.sum(), rel=1e-6, abs=1e-3)
    assert result.overlaps["area_m2"].sum() == pytest.approx(overlaps, rel=1e-6, abs=1e-3)
    assert result.outside["area_m2"].sum() == pytest.approx(outside, rel=1e-6, abs=1e-3)
    assert (result.gaps["area_m2"] >= NOISE_M2).all()


# -- the sample city: exactly its planted defects ---------------------------------------------------


def _planted(check_name: str) -> list[str]:
    return [d.id for d in ds.SAMPLE_DEFECTS if d.check == check_name]


def test_sample_city_reports_exactly_its_planted_coverage_defects() -> None:
    h = ds.sample_city()
    result = spatial_coverage(
        h.communities,
        h.grids,
        parent_column="community_id",
        buildings=h.buildings,
        households=h.households,
    )
    assert result.gaps["parent_id"].tolist() == _planted("uncovered")
    assert result.outside["child_id"].tolist() == _planted("outside_parent")
    assert result.overlaps["child_id"].tolist() == _planted("overlap")
    assert result.overlaps["other_id"].tolist() == ["31010100200402"]
    assert result.slivers.empty
    assert result.problems.empty
    gap = result.gaps.iloc[0]
    assert round(gap["area_m2"]) == 1_025
    assert gap["kind"] == "gap"
    strip = h.buildings.loc[_planted("not_in_any_parent")]
    assert gap["buildings"] == 2
    assert gap["households"] == strip["households"].sum()
    assert round(result.outside["area_m2"].iloc[0]) == 302
    assert round(result.overlaps["area_m2"].iloc[0]) == 320
    assert result.gaps["width_m"].iloc[0] > 20  # a real strip, not a sliver
    streets = spatial_coverage(
        street_outlines(h.communities),
        h.communities,
        parent_column="street",
        parent_level="street",
        child_level="community",
    )
    assert streets.gaps.empty
    assert streets.overlaps.empty
    assert streets.outside.empty
    assert streets.problems.empty


# -- real data: Beijing subdistricts against their district outlines --------------------------------


def _beijing() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    outlines = pd.concat(
        [
            gpd.read_file(BEIJING / "district" / f"{d}-outline.geojson")
            for d in ("dongcheng", "xicheng", "fengtai")
        ]
    )
    outlines = outlines.set_index(outlines["code"].astype(str).rename("district"))
    subs = pd.concat(
        [
            gpd.read_file(BEIJING / "subdistrict" / f"{d}-all.geojson")
            for d in ("dongcheng", "xicheng")
        ]
    )
    subs = subs.set_index(subs["code"].astype(str).rename("subdistrict"))
    return outlines, subs.assign(district=subs["parentCode"].astype(str))


def test_beijing_subdistricts_against_their_district_outlines() -> None:
    outlines, subs = _beijing()
    result = spatial_coverage(
        outlines, subs, parent_column="district", parent_level="district", child_level="subdistrict"
    )
    problems = set(result.problems[["id", "check"]].itertuples(index=False, name=None))
    # the invalid fengtai outline is reported (and measured on a repaired copy), not crashed on
    assert problems == {("110106000000", "invalid_geometry"), ("110106000000", "no_children")}
    assert "Too few points" in result.problems["message"].iloc[0]
    gaps = result.gaps.set_index("parent_id")
    assert gaps.index.tolist() == ["110106000000"]  # no subdistricts of fengtai are loaded
    assert gaps["area_m2"].iloc[0] > 3.0e8
    # dongcheng and xicheng are covered; their subdistricts stick out by < 1 m: slivers
    assert result.by_parent.loc[["110101000000", "110102000000"], "gap_m2"].tolist() == [0, 0]
    assert result.outside["kind"].tolist() == ["sliver", "sliver"]
    assert (result.outside["width_m"] < 1).all()
    assert result.overlaps.empty


def test_beijing_a_missing_subdistrict_is_a_gap_of_its_size() -> None:
    outlines, subs = _beijing()
    missing = subs.index[subs["Name"] == "东华门街道"][0]
    result = spatial_coverage(
        outlines.loc[["110101000000"]],
        subs.drop(index=missing),
        parent_column="district",
        metric_crs="EPSG:32650",
    )
    area = subs.loc[[missing]].to_crs("EPSG:32650").area.iloc[0]
    real = result.gaps[result.gaps["kind"] == "gap"]
    assert real["area_m2"].sum() == pytest.approx(area, rel=1e-4)
    assert len(real) == 1
    assert real["width_m"].iloc[0] > 500


# -- the fast paths give the overlay's answers -----------------------------------------------------


def _bench_coverage() -> object:
    """``benchmarks/bench_coverage.py`` as a module: its damaged city and its overlay reference."""
    import importlib.util

    path = Path(__file__).parents[2] / "benchmarks" / "bench_coverage.py"
    spec = importlib.util.spec_from_file_location("bench_coverage_for_tests", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("defects", "seed"), [(0.01, 1), (0.05, 2), (0.2, 3), (0.5, 4)])
def test_damaged_city_gives_the_overlay_answers_part_by_part(defects: float, seed: int) -> None:
    """Tiled parents proved by segments, parents differenced exactly, the compiled screen of
    candidate pairs and exact convex widths against a plain geopandas overlay with GEOS widths:
    the same parts (owner, kind), the same areas and widths (to GEOS's width tolerance)."""
    bench = _bench_coverage()
    parents, children = bench.build_city(40, 260, defects, seed)  # type: ignore[attr-defined]
    _assert_overlay_answers(bench, parents, children)


def test_overlapping_and_holed_parents_give_the_overlay_answers() -> None:
    """Parents that overlap their neighbours (shifted), one with a hole and one split in two
    parts: children inside a parent that overlaps another are not confined to it, so their
    pairs with the neighbours' children and parents must still be related exactly."""
    bench = _bench_coverage()
    damaged, children = _damaged_parents(bench)
    _assert_overlay_answers(bench, damaged, children)


def _damaged_parents(bench: object) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The benchmark city with three parents shifted about 10 m, one holed, one split in two."""
    parents, children = bench.build_city(40, 260, 0.1, 5)  # type: ignore[attr-defined]
    geoms = parents.geometry.to_numpy().copy()
    for row in (3, 11, 24):
        geoms[row] = shapely.affinity.translate(geoms[row], 0.0001, 0.00005)  # about 10 m
    hole = shapely.buffer(shapely.centroid(geoms[7]), 0.0003)
    geoms[7] = shapely.difference(geoms[7], hole)
    _, miny, maxx, maxy = geoms[15].bounds
    geoms[15] = shapely.union(
        geoms[15], shapely.box(maxx + 0.001, miny, maxx + 0.0015, maxy)
    )  # a second part off on its own
    damaged = parents.set_geometry(gpd.GeoSeries(geoms, index=parents.index, crs=parents.crs))
    return damaged, children


def _assert_overlay_answers(
    bench: object, parents: gpd.GeoDataFrame, children: gpd.GeoDataFrame
) -> None:
    ours = bench.run_gridparty(parents, children)  # type: ignore[attr-defined]
    reference = bench.run_overlay(parents, children)  # type: ignore[attr-defined]
    owner = {"gaps": "parent_id", "overlaps": "child_id", "outside": "child_id"}
    found = 0
    for name, table in ours.items():
        metric = table.geometry.to_crs(bench.METRIC_CRS)  # type: ignore[attr-defined]
        mine = pd.DataFrame(
            {
                "owner": table[owner[name]].astype(str).to_numpy(),
                "kind": np.where(table["kind"] == "sliver", "sliver", "real"),
                "area_m2": table["area_m2"].to_numpy(),
                "width_m": table["width_m"].to_numpy(),
                "perimeter_m": metric.length.to_numpy(),
            }
        ).sort_values(["owner", "area_m2"], ignore_index=True)
        theirs = (
            reference[name]
            .astype({"owner": str})
            .sort_values(["owner", "area_m2"], ignore_index=True)
        )
        assert mine["owner"].tolist() == theirs["owner"].tolist(), name
        assert mine["kind"].tolist() == theirs["kind"].tolist(), name
        np.testing.assert_allclose(mine["area_m2"], theirs["area_m2"], rtol=1e-6, atol=1e-3)
        # each width is at most its search tolerance (on the radius: twice on the width) below
        # the truth; convex parts are exact
        perimeter = mine["perimeter_m"].to_numpy()
        estimate = 2 * mine["area_m2"].to_numpy() / perimeter
        tolerance = np.clip(np.maximum(WIDTH_PRECISION * estimate, perimeter / 2000), 1e-3, 1.0)
        gap = np.abs(mine["width_m"].to_numpy() - theirs["width_m"].to_numpy())
        assert (gap <= 2 * tolerance + 1e-6).all(), name
        found += len(mine)
    assert found > 0  # the damage leaves parts to compare


def test_threaded_geos_steps_never_share_a_prepared_geometry(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GEOS's prepared geometries are not thread-safe: every array the threaded steps get is
    free of them (the parents prepared for ``covers`` are unprepared right after)."""
    import gridparty.checks.coverage as coverage_module
    from gridparty.spatial import tiling

    seen: list[bool] = []
    real = coverage_module.chunked

    def spy(func: object, *arrays: np.ndarray, **kwargs: object) -> np.ndarray:
        seen.extend(bool(shapely.is_prepared(a).any()) for a in arrays if a.dtype == object)
        return real(func, *arrays, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(coverage_module, "chunked", spy)
    monkeypatch.setattr(tiling, "chunked", spy)
    bench = _bench_coverage()
    damaged, children = _damaged_parents(bench)  # a holed parent: some covers go to GEOS
    bench.run_gridparty(damaged, children)  # type: ignore[attr-defined]
    assert len(seen) >= 5
    assert not any(seen)
