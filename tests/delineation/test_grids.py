"""Grid delineation: exact tiling, the band, contiguity, redraw and bad input."""

from __future__ import annotations

import delineation_reference
import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, box

import gridparty as gp
from gridparty.delineation.grids import delineate_grids
from gridparty.delineation.partition import Graph, exact, grow, score


@pytest.fixture(scope="module")
def sample():
    h = gp.sample_city()
    return h, delineate_grids(h, streets=gp.sample_layer("streets"))


def _city(households, *, streets=None, grids=None, extra=None):
    """One 400 m × 200 m community with a row of buildings (households given)."""
    community = gpd.GeoDataFrame(
        {"community_id": ["C1"]}, geometry=[box(121.0, 31.0, 121.004, 31.002)], crs=4326
    )
    n = len(households)
    xs = 121.0002 + (np.arange(n) % 10) * 0.0004
    ys = 31.0005 + (np.arange(n) // 10) * 0.001
    buildings = gpd.GeoDataFrame(
        {"building_id": [f"B{i:02d}" for i in range(n)], "households": households},
        geometry=[box(x, y, x + 0.0001, y + 0.0001) for x, y in zip(xs, ys, strict=True)],
        crs=4326,
    )
    if extra is not None:
        buildings = gpd.GeoDataFrame(
            __import__("pandas").concat([buildings, extra], ignore_index=True), crs=4326
        )
    return gp.Hierarchy(community, grids, buildings)


def test_sample_grids_tile_every_community_exactly(sample):
    h, d = sample
    cov = gp.spatial_coverage(h.communities, d.grids, parent_column="community_id")
    figures = cov.summary()["value"]
    assert figures["gaps"] == 0
    assert figures["overlaps"] == 0
    assert figures["spill_overs"] == 0
    assert figures["coverage_ratio"] == pytest.approx(1.0, abs=1e-6)


def test_sample_every_building_in_one_grid_and_counts_add_up(sample):
    h, d = sample
    assert d.buildings.index.equals(h.buildings.index)
    assert d.buildings["grid_id"].notna().all()
    assert set(d.buildings["grid_id"]) == set(d.grids.index)
    sums = d.buildings.groupby("grid_id")["households"].sum()
    assert (sums.reindex(d.grids.index).fillna(0).astype(int) == d.grids["households"]).all()
    assert d.grids["formal_members"].sum() == int(h.households["formal_members"].sum())


def test_sample_band_and_grid_count(sample):
    _, d = sample
    feasible = d.communities.index[~d.communities["note"].astype(bool)]
    inside = d.grids[d.grids["community_id"].isin(feasible)]
    assert len(feasible) >= 6
    assert (inside["status"] == "in band").all()
    assert len(d.grids) <= 1.1 * d.communities["fewest_grids"].sum()
    # every community whose band is not met says why
    assert set(d.communities.index[d.communities["note"].astype(bool)]) <= set(d.problems["id"])


def test_band_met_and_grids_contiguous_along_streets():
    h = _city([40] * 20)  # 800 households: two grids of 400
    street = gpd.GeoDataFrame(
        {"kind": ["street"]}, geometry=[LineString([(121.002, 30.99), (121.002, 31.01)])], crs=4326
    )
    d = delineate_grids(h, 300, 500, streets=street)
    assert sorted(d.grids["households"]) == [400, 400]
    assert (d.grids.geometry.geom_type == "Polygon").all()
    # the border between the two grids runs along the street
    border = d.grids.geometry.iloc[0].intersection(d.grids.geometry.iloc[1])
    assert border.length > 0
    assert (
        border.hausdorff_distance(
            street.geometry.iloc[0].intersection(box(121.0, 31.0, 121.004, 31.002))
        )
        < 1e-9
    )


def test_infeasible_band_is_explained_and_small_community_is_one_grid():
    d = delineate_grids(_city([52] * 10), 300, 500)  # 520: 1 grid too big, 2 too small
    assert "no split of 520 households" in d.communities.at["C1", "note"]
    assert "band_infeasible" in set(d.problems["check"])
    small = delineate_grids(_city([20] * 10), 300, 500)
    assert len(small.grids) == 1
    assert small.grids["status"].iloc[0] == "below min"
    assert "below_band" in set(small.problems["check"])


def test_unknown_households_and_outside_buildings_are_reported_not_dropped():
    outside = gpd.GeoDataFrame(
        {"building_id": ["FAR"], "households": [10]},
        geometry=[box(122.0, 31.0, 122.0001, 31.0001)],
        crs=4326,
    )
    hh = [40.0] * 19 + [np.nan]
    d = delineate_grids(_city(hh, extra=outside), 300, 500)
    assert len(d.buildings) == 21
    assert d.buildings["grid_id"].isna().tolist() == [False] * 20 + [True]
    checks = dict(zip(d.problems["id"], d.problems["check"], strict=True))
    assert checks["FAR"] == "outside_communities"
    assert checks["B19"] == "households_unknown"
    assert d.grids["unknown_buildings"].sum() == 1
    assert d.grids["households"].sum() == 760


def test_community_without_buildings_is_one_flagged_grid():
    h = _city([40] * 10)
    empty = gpd.GeoDataFrame(
        {"community_id": ["C1", "C2"]},
        geometry=[box(121.0, 31.0, 121.004, 31.002), box(121.004, 31.0, 121.008, 31.002)],
        crs=4326,
    )
    d = delineate_grids(h.replace(communities=empty), 300, 500)
    assert d.grids.loc[d.grids["community_id"] == "C2", "households"].tolist() == [0]
    assert ("C2", "no_buildings") in set(zip(d.problems["id"], d.problems["check"], strict=True))


def test_compound_kept_whole():
    h = _city([40] * 20)
    h.buildings["compound"] = ["A"] * 3 + [None] * 17
    d = delineate_grids(
        h.replace(buildings=h.buildings.assign(compound=["A"] * 3 + [None] * 17)),
        300,
        500,
        compounds="compound",
    )
    assert d.buildings.loc[["B00", "B01", "B02"], "grid_id"].nunique() == 1


def test_keep_existing_keeps_in_band_grids_and_lists_moves():
    h = gp.sample_city()
    streets = gp.sample_layer("streets")
    d = delineate_grids(h, streets=streets, keep_existing=True)
    b = d.buildings  # previous_grid_id: the existing grid holding the building in space
    hh = b.groupby("previous_grid_id")["households"].sum()
    in_band = set(hh.index[(hh >= 300) & (hh <= 500)])
    kept = set(d.grids.index[d.grids["kept"]])
    assert kept & in_band
    # a grid out of the band is kept unchanged only where no better split was found
    for gid in kept - in_band:
        assert d.grids.at[gid, "status"] != "in band"
        assert d.communities.at[d.grids.at[gid, "community_id"], "note"]
    for gid in kept:  # a kept grid holds exactly the buildings it held
        assert set(b.index[b["grid_id"] == gid]) == set(b.index[b["previous_grid_id"] == gid])
    moved = d.moves.set_index("building_id")
    assert len(moved)
    assert not moved["from_grid"].isin(kept).any()
    assert (moved["from_grid"] != moved["to_grid"]).all()
    cov = gp.spatial_coverage(h.communities, d.grids, parent_column="community_id")
    assert cov.summary()["value"]["gaps"] == 0
    assert cov.summary()["value"]["overlaps"] == 0


def test_heuristic_matches_exact_on_a_small_graph():
    # a 3 × 4 lattice of 100-household atoms: 1,200 households, band 300–500 → 3 grids of 400
    xy = np.array([(x * 100.0, y * 100.0) for y in range(3) for x in range(4)])
    edges = [(i, i + 1) for i in range(12) if i % 4 != 3] + [(i, i + 4) for i in range(8)]
    g = Graph(np.full(12, 100.0), np.ones(12), xy, np.array(edges), np.full(len(edges), 100.0))
    h = grow(g, 300, 500)
    e = exact(g, 300, 500, 3)
    assert score(g, e, 300, 500)[:2] == (0.0, 3)
    assert score(g, h, 300, 500)[:2] == (0.0, 3)
    assert score(g, h, 300, 500)[2] <= 1.25 * score(g, e, 300, 500)[2]


def test_bad_band_is_one_clear_error():
    h = _city([40] * 10)
    with pytest.raises(gp.InputError, match="min_households=600 exceeds max_households=500"):
        delineate_grids(h, 600, 500)
    with pytest.raises(gp.ColumnError, match="compounds='小区'"):
        delineate_grids(h, compounds="小区")


def test_input_not_mutated():
    h = _city([40] * 20)
    before = h.buildings.copy()
    delineate_grids(h, 300, 500)
    assert h.buildings.equals(before)


def test_workbook_has_chinese_sheets_and_headers(sample, tmp_path):
    from openpyxl import load_workbook

    _, d = sample
    path = d.to_excel(tmp_path / "网格划分.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == [
        "概要",
        "拟划网格",
        "楼栋所属网格",
        "各社区网格划分",
        "调整网格的楼栋",
        "网格员配备",
        "输入数据问题",
        "说明",  # the notes sheet every workbook ends with
    ]
    heads = [c.value for c in next(book["拟划网格"].iter_rows(max_row=1))]
    assert {"紧凑度（Polsby–Popper）", "党组织设置", "专职网格员", "兼职网格员"} <= set(heads)
    # no header falls back to its code name
    for sheet in book.worksheets:
        for cell in next(sheet.iter_rows(max_row=1)):
            assert not str(cell.value).isascii(), (sheet.title, cell.value)


def test_sample_band_met_wherever_a_building_allows():
    h = gp.sample_city()
    d = delineate_grids(h, streets=gp.sample_layer("streets"))
    # one community holds a building of 502 households (never split): the only miss
    assert list(d.communities.index[~d.communities["in_band"]]) == ["310115005001"]
    assert d.problems["check"].tolist() == ["building_above_max"]


def test_an_island_below_the_band_joins_the_nearest_grid():
    from shapely.geometry import MultiPolygon

    main, island = box(121.0, 31.0, 121.004, 31.002), box(121.0050, 31.0, 121.0056, 31.0006)
    community = gpd.GeoDataFrame(
        {"community_id": ["C1"]}, geometry=[MultiPolygon([main, island])], crs=4326
    )
    xs = [121.0005, 121.0015, 121.0025, 121.0035, 121.0052]
    buildings = gpd.GeoDataFrame(
        {"building_id": [f"B{i}" for i in range(5)], "households": [100, 100, 100, 100, 50]},
        geometry=[box(x, 31.0002, x + 0.0001, 31.0003) for x in xs],
        crs=4326,
    )
    d = delineate_grids(gp.Hierarchy(community, None, buildings), 150, 250)
    assert sorted(d.grids["households"]) == [200, 250]
    assert (d.grids["status"] == "in band").all()
    island_grid = d.buildings.at["B4", "grid_id"]
    assert d.grids.geometry[island_grid].geom_type == "MultiPolygon"


def test_every_building_keeps_its_own_cell():
    """Voronoi cells cut by the community's boundary close exactly: no building loses its cell
    to a neighbour (which would make a cell of several buildings above the maximum)."""
    import shapely

    from gridparty.delineation.tessellation import tessellate

    h = gp.synthetic_city(0.2)
    for cid in h.communities.index[:3]:
        shape = h.communities.geometry[cid]
        points = shapely.point_on_surface(h.buildings.geometry.to_numpy())
        inside = points[shapely.contains(shape, points)]
        t = tessellate(shape, inside, np.array([], dtype=object), np.array([], dtype=bool))
        assert sorted(set(t.site[t.site >= 0].tolist())) == list(range(len(inside)))


def _lattice(nx: int, ny: int, w: np.ndarray) -> Graph:
    xy = np.array([(x * 100.0, y * 100.0) for y in range(ny) for x in range(nx)])
    n = nx * ny
    edges = [(i, i + 1) for i in range(n) if i % nx != nx - 1] + [
        (i, i + nx) for i in range(n - nx)
    ]
    cut = np.where(np.arange(len(edges)) % 3 == 0, 5.0, 100.0)  # some borders along streets
    return Graph(w, (np.arange(n) % 4 == 0).astype(float), xy, np.array(edges), cut)


def _attempts_match(g: Graph, low: int, high: int) -> int:
    """Compare every seeding grow would try with the reference; how many were compared."""
    from gridparty.delineation.kernels import attempt, csr

    indptr, indices, cost = csr(g.n, g.edges.astype(np.int64), g.cut.astype(float))
    centre = np.average(g.xy, axis=0, weights=np.maximum(g.w, 1))
    total = float(g.w.sum())
    fewest = int(np.ceil(total / high))
    compared = 0
    for k in range(fewest, min(g.n, fewest + 2) + 1):
        for turn in range(4):
            fast = attempt(
                indptr, indices, cost, g.w, g.members, g.xy, centre, k, turn, total,
                low, high, 3, 60,
            )  # fmt: skip
            slow = delineation_reference.attempt(g, k, turn, low, high)
            np.testing.assert_array_equal(fast, slow)
            compared += 1
    return compared


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_heuristic_gives_the_reference_labels(seed):
    rng = np.random.default_rng(seed)
    g = _lattice(9, 7, rng.integers(5, 60, 63).astype(float))
    assert _attempts_match(g, 300, 500) == 12
    assert _attempts_match(g, 380, 420) == 12  # a tight band: balancing runs
    v, k, _ = score(g, grow(g, 300, 500), 300, 500)
    assert v == 0  # 1,9xx households on a lattice: the band is met
    assert k == int(np.ceil(g.w.sum() / 500))


def test_compiled_heuristic_matches_the_reference_on_tessellated_communities():
    from gridparty.delineation.grids import _Run

    h = gp.synthetic_city(0.6, seed=3)
    run = _Run(h, 300, 500, gp.PartyRules(), True, 0)
    run.prepare(None, None, False)
    graphs = [
        run.graph(c, np.flatnonzero(run.community_of == c))[3] for c in range(len(h.communities))
    ]
    assert sum(g.n for g in graphs) == 600
    for g in graphs:
        assert _attempts_match(g, 300, 500) >= 4
        assert _attempts_match(g, 380, 420) >= 4


def test_threads_give_the_same_grids(sample):
    h, d = sample
    one = delineate_grids(h, streets=gp.sample_layer("streets"), workers=1)
    assert one.grids.index.equals(d.grids.index)
    assert one.grids.geometry.geom_equals_exact(d.grids.geometry, 0).all()
    assert one.buildings["grid_id"].equals(d.buildings["grid_id"])
    assert one.problems.equals(d.problems)
    with pytest.raises(gp.InputError, match="workers=0 must be a whole number"):
        delineate_grids(h, workers=0)


def test_redraw_meets_the_band_where_feasible_and_keeps_most_grids():
    h = gp.sample_city()
    d = delineate_grids(h, streets=gp.sample_layer("streets"), keep_existing=True)
    feasible = d.communities.index[~d.communities["note"].astype(bool)]
    assert len(feasible) == 8  # one community has a building above the maximum
    inside = d.grids[d.grids["community_id"].isin(feasible)]
    assert (inside["status"] == "in band").all()
    hh = d.buildings.groupby("previous_grid_id")["households"].sum()
    in_band = hh.index[(hh >= 300) & (hh <= 500)]
    # in-band grids are freed only where a neighbour cannot meet the band without them
    assert d.grids["kept"].sum() >= 0.75 * len(in_band)
    assert set(d.moves["from_grid"]).isdisjoint(d.grids.index[d.grids["kept"]])
