"""Service access: tiers, distances, life circles, service areas, the under-served, siting, map, CLI.

The tiny city (tests/tiny_city.py) gets three streets, in metres from its origin:

    y=100  +-----------S2-----------+
           |                        S3
    y=0    +-----------S1-----------+---------------------------+ (400, 0)
         x=0                      x=200

and three centres: K1, a post (驿站) at (0, -5); K2, a street centre (街道) at (300, -10); K3 of
an unknown tier at (400, -50). Building points (their centres): B1 (20, 20), B2 (70, 20),
B3 (120, 70), B4 (260, 50). B3 is nearest to the top street, a dead end at x = 0, so it walks
80 + 100 + 100 m round by S3 to K2.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import tiny_city as tc

import gridparty.datasets.sample as ds
from gridparty.access.service import (
    LIFE_CIRCLE_M,
    ServiceAccess,
    band_limits,
    centre_distances,
    centre_layer,
    service_access,
    site_posts,
)
from gridparty.cli.main import main
from gridparty.core.errors import CRSError, InputError
from gridparty.core.model import Hierarchy
from gridparty.maps import save_map
from gridparty.maps.access import access_map
from gridparty.spatial.network import street_network


def shown(text: str, html: str) -> bool:
    """``text`` is in the page, as it is or JSON-escaped (the map's features are JSON)."""
    safe = json.dumps(text)[1:-1]
    html_safe = safe.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return any(form in html for form in (text, safe, html_safe))


def line(*points: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(tc.X0 + x, tc.Y0 + y) for x, y in points])


def tiny_streets(*extra: shapely.LineString, to_400: bool = True) -> gpd.GeoDataFrame:
    bottom = [(0, 0), (100, 0), (200, 0), *([(300, 0), (400, 0)] if to_400 else [])]
    lines = [
        line(*bottom),
        line((0, 100), (100, 100), (200, 100)),
        line((200, 0), (200, 100)),
        *extra,
    ]
    return (
        gpd.GeoDataFrame(
            {"road_id": [f"S{i}" for i in range(1, len(lines) + 1)]}, geometry=lines, crs=tc.UTM
        )
        .set_index("road_id")
        .to_crs(4326)
    )


def tiny_centres() -> gpd.GeoDataFrame:
    return tc.frame(
        {
            "编号": ["K1", "K2", "K3"],
            "名称": ["一号驿站", "外滩街道党群服务中心", "流动站"],
            "层级": ["驿站", "街道", "流动"],
        },
        [tc.point(0, -5), tc.point(300, -10), tc.point(400, -50)],
    )


@pytest.fixture(scope="module")
def h() -> Hierarchy:
    return Hierarchy(**tc.layers())


@pytest.fixture(scope="module")
def tiny(h: Hierarchy) -> ServiceAccess:
    return service_access(h, tiny_centres(), streets=tiny_streets(), threshold_m=300)


# -- tiers and bands -------------------------------------------------------------------------------


def test_tiers_are_read_by_code_chinese_or_english_name() -> None:
    frame = tc.frame(
        {
            "service_centre_id": list("ABCDEFGH"),
            "tier": [
                "Core",
                "区级",
                "街道党群服务中心",
                "社区党群服务站",
                "党群服务驿站",
                "驿站",
                "党群驿站",
                "片区站",
            ],
        },
        [tc.point(i, 0) for i in range(8)],
    )
    layer = centre_layer(frame)
    assert layer["tier"].tolist()[:7] == [
        "core",
        "district",
        "street",
        "community",
        "post",
        "post",
        "post",
    ]
    assert pd.isna(layer["tier"].iloc[7])
    assert layer["tier_given"].iloc[7] == "片区站"
    assert centre_layer(frame, tier_names={"片区站": "community"})["tier"].iloc[7] == "community"


def test_a_normalised_layer_keeps_the_tier_as_given() -> None:
    again = centre_layer(centre_layer(tiny_centres()))
    assert again["tier"].tolist()[:2] == ["post", "street"]
    assert again["tier_given"].tolist() == ["驿站", "街道", "流动"]


def test_tier_names_must_name_a_tier() -> None:
    with pytest.raises(InputError, match=r"'片区站' to 'area'.*core, district, street"):
        centre_layer(tiny_centres(), tier_names={"片区站": "area"})


def test_band_limits_follow_the_standard_or_the_speed() -> None:
    assert band_limits().tolist() == [300.0, 500.0, 800.0]
    assert dict(LIFE_CIRCLE_M) == {5: 300.0, 10: 500.0, 15: 800.0}
    assert band_limits((5, 10, 15), speed_m_per_min=80).tolist() == [400.0, 800.0, 1200.0]
    with pytest.raises(InputError, match="no standard distance"):
        band_limits((20,))
    with pytest.raises(InputError, match="increasing"):
        band_limits((10, 5))
    with pytest.raises(InputError, match="speed_m_per_min=0"):
        band_limits(speed_m_per_min=0)


# -- distances -------------------------------------------------------------------------------------


def test_hand_computed_distances_to_any_tier_and_each_tier(h: Hierarchy) -> None:
    table = centre_distances(h.buildings, tiny_centres(), streets=tiny_streets())
    np.testing.assert_allclose(table["network_m"], [45, 95, 320, 100], atol=1e-3)
    np.testing.assert_allclose(
        table["straight_m"],
        [np.hypot(20, 25), np.hypot(70, 25), np.hypot(120, 75), np.hypot(40, 60)],
        atol=1e-3,
    )
    assert table["centre_id"].tolist() == ["K1", "K1", "K2", "K2"]
    np.testing.assert_allclose(table["snap_m"], [20, 20, 30, 50], atol=1e-3)
    np.testing.assert_allclose(table["post_m"], [45, 95, 415, 315], atol=1e-3)
    np.testing.assert_allclose(table["street_m"], [310, 260, 320, 100], atol=1e-3)
    assert "core_m" not in table  # no core centre in the data
    assert table["status"].tolist() == ["ok"] * 4
    assert (table["distance_m"] == table["network_m"]).all()


def test_straight_line_only_without_streets(h: Hierarchy) -> None:
    table = centre_distances(h.buildings, tiny_centres())
    assert table["network_m"].isna().all()
    assert (table["distance_m"] == table["straight_m"]).all()
    assert table["centre_id"].tolist() == ["K1", "K1", "K1", "K2"]
    assert table["snap_m"].isna().all()


@pytest.mark.parametrize("engine", ["scipy", "networkx"])
def test_engines_give_the_same_table(h: Hierarchy, engine: str) -> None:
    table = centre_distances(h.households, tiny_centres(), streets=tiny_streets(), engine=engine)  # type: ignore[arg-type]
    np.testing.assert_allclose(table["network_m"], [35, 50, 90, 320, 100], atol=1e-3)


def test_a_geographic_crs_where_metres_are_needed_is_refused(h: Hierarchy) -> None:
    with pytest.raises(CRSError, match="projected CRS in metres"):
        centre_distances(h.buildings, tiny_centres(), metric_crs=4326)
    with pytest.raises(CRSError, match="projected CRS in metres"):
        centre_distances(
            h.buildings, tiny_centres(), streets=tiny_streets(), metric_crs="EPSG:4490"
        )


def test_far_homes_and_homes_without_geometry_are_reported_not_dropped(h: Hierarchy) -> None:
    households = tc.households()
    households.loc[4, "geometry"] = None
    table = centre_distances(
        households.set_index("household_id"), tiny_centres(), streets=tiny_streets(), max_snap_m=25
    )
    assert table.index.tolist() == ["H1", "H2", "H3", "H4", "H5"]
    assert table["status"].tolist() == ["ok", "ok", "ok", "far_from_street", "no_geometry"]
    assert np.isnan(table["distance_m"].iloc[4])
    np.testing.assert_allclose(table["snap_m"].iloc[3], 30, atol=1e-3)


# -- the whole analysis ----------------------------------------------------------------------------


def test_bands_shares_and_under_served(tiny: ServiceAccess) -> None:
    b = tiny.buildings
    assert tiny.measure == "network"
    assert b["band_min"].tolist() == [5.0, 5.0, 10.0, 5.0]
    assert b["under_served"].tolist() == [False, False, True, False]
    assert tiny.under_served.index.tolist() == ["B3"]
    row = tiny.under_served.iloc[0]
    assert (row["households"], row["member_households"], row["members"], row["rank"]) == (
        20,
        1,
        3,
        1,
    )
    shares = tiny.communities
    assert shares.loc["C1", "households"] == 90
    assert shares.loc["C1", "households_5min"] == pytest.approx(70 / 90)
    assert shares.loc["C1", "households_10min"] == pytest.approx(1.0)
    assert shares.loc["C1", "member_households_5min"] == pytest.approx(3 / 4)
    assert shares.loc["C2", "households_5min"] == pytest.approx(1.0)
    summary = tiny.summary()["value"]
    assert summary["under_served_households"] == 20
    assert summary["centres_post"] == 1
    assert summary["centres_unknown_tier"] == 1
    assert summary["households_within_5min"] == pytest.approx(130 / 150)


def test_unknown_tiers_are_reported(tiny: ServiceAccess) -> None:
    issues = tiny.issues
    row = issues[issues["check"] == "unknown_tier"]
    assert row["id"].tolist() == ["K3"]
    assert "tier '流动'" in row["message"].iloc[0]
    assert "tier_names={'流动': 'post'}" in row["message"].iloc[0]


def test_service_areas_grow_with_the_bands(tiny: ServiceAccess) -> None:
    areas = tiny.service_areas.to_crs(tc.UTM)
    assert areas["distance_m"].tolist() == [300.0, 500.0, 800.0]
    assert (areas.area.diff().iloc[1:] >= -1e-6).all()
    assert areas.geometry.iloc[0].contains(tc.point(0, -5).buffer(1))
    far = tc.point(40, 100)  # on the top street, 370 m from K2 round by S3
    assert not areas.geometry.iloc[0].contains(far)
    assert areas.geometry.iloc[1].contains(far)


def test_straight_service_areas_are_circles(h: Hierarchy) -> None:
    access = service_access(h, tiny_centres(), minutes=(5,))
    area = access.service_areas.to_crs(tc.UTM).area.iloc[0]
    circles = [
        p.buffer(300, quad_segs=64)
        for p in (tc.point(0, -5), tc.point(300, -10), tc.point(400, -50))
    ]
    assert access.measure == "straight"
    assert area == pytest.approx(shapely.union_all(circles).area, rel=0.01)


def test_disconnected_streets_strand_homes_and_say_so(h: Hierarchy) -> None:
    streets = tiny_streets(line((240, 30), (280, 30)), to_400=False)
    access = service_access(h, tiny_centres().iloc[:1], streets=streets, threshold_m=300)
    b4 = access.buildings.loc["B4"]
    assert b4["status"] == "unreachable"
    assert np.isinf(b4["distance_m"])
    assert b4["under_served"]
    comp = access.components
    assert comp["stranded"].tolist() == [False, True]
    assert comp.loc[1, ["households", "member_households", "buildings"]].tolist() == [60, 1, 1]
    checks = access.issues.groupby(["level", "check"]).size().to_dict()
    assert checks[("building", "unreachable")] == 1
    assert checks[("household", "unreachable")] == 1
    message = access.issues.loc[access.issues["check"] == "disconnected_streets", "message"]
    assert "strands 1 buildings, 60 households, 1 member households" in message.iloc[0]
    assert access.under_served.index[0] == "B4"  # 60 households first


def test_compounds_are_ranked_by_households_beyond_the_threshold(h: Hierarchy) -> None:
    compounds = tc.frame(
        {"compound_id": ["P1", "P2"], "name": ["东苑", "西苑"]},
        [tc.box(100, 0, 200, 100), tc.box(0, 0, 100, 100)],
    ).set_index("compound_id")
    access = service_access(
        h, tiny_centres(), streets=tiny_streets(), compounds=compounds, threshold_m=300
    )
    table = access.compounds
    assert table.index.tolist() == ["P1"]
    assert table.loc[
        "P1", ["name", "households", "all_households", "buildings", "rank"]
    ].tolist() == ["东苑", 20, 20, 1, 1]


def test_sample_city_network_is_never_shorter_than_straight() -> None:
    h = ds.sample_city()
    access = service_access(
        h, ds.sample_layer("service_centres"), streets=ds.sample_layer("streets")
    )
    b = access.buildings
    assert (b["distance_m"] >= b["straight_m"] - 1e-6).all()
    assert (b["status"] == "ok").all()
    assert len(access.components) == 1
    shares = access.communities[[c for c in access.communities if c.startswith("households_")]]
    assert ((shares >= 0) & (shares <= 1)).all().all()
    assert (shares.diff(axis=1).iloc[:, 1:] >= 0).all().all()  # wider band, larger share
    assert set(access.centres["tier"]) == {"core", "district", "street", "community", "post"}
    straight = service_access(h, ds.sample_layer("service_centres"))
    within = "households_within_5min"
    assert straight.summary().loc[within, "value"] > access.summary().loc[within, "value"]


def test_no_centres_and_no_households_are_measured_not_refused() -> None:
    layers = tc.layers()
    h = Hierarchy(layers["communities"], layers["grids"], layers["buildings"])
    access = service_access(h, tiny_centres().iloc[:0], streets=tiny_streets())
    assert np.isinf(access.buildings["distance_m"]).all()
    assert access.buildings["centre_id"].isna().all()
    assert access.under_served.index.tolist() == ["B4", "B1", "B2", "B3"]  # by households
    assert len(access.households) == 0
    assert access.service_areas.is_empty.all()


def test_bad_arguments_are_refused(h: Hierarchy) -> None:
    with pytest.raises(InputError, match=r"must be a gridparty\.Hierarchy"):
        service_access(h.buildings, tiny_centres())  # type: ignore[arg-type]
    with pytest.raises(InputError, match="threshold_m=-1"):
        service_access(h, tiny_centres(), threshold_m=-1)
    with pytest.raises(InputError, match="threshold_m='500' must be a number"):
        service_access(h, tiny_centres(), threshold_m="500")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="area_buffer_m=0 must be a positive finite number"):
        service_access(h, tiny_centres(), area_buffer_m=0)
    with pytest.raises(InputError, match="max_snap_m"):
        centre_distances(h.buildings, tiny_centres(), max_snap_m=float("nan"))


# -- exports ---------------------------------------------------------------------------------------


def test_excel_has_chinese_sheets_and_no_household_rows(
    tiny: ServiceAccess, tmp_path: Path
) -> None:
    path = tiny.to_excel(tmp_path / "access.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == [
        "概要",
        "社区生活圈",
        "服务不足楼栋",
        "楼栋距离",
        "党群服务中心",
        "生活圈服务范围",
        "问题",
        "路网连通",
        "说明",  # the notes sheet, last
    ]
    assert "服务中心编号" in sheets["党群服务中心"].columns
    assert "距离（米）" in sheets["楼栋距离"].columns
    text = " ".join(str(v) for frame in sheets.values() for v in frame.to_numpy().ravel())
    assert "张三" not in text
    assert "H1" not in text
    english = pd.read_excel(tiny.to_excel(tmp_path / "en.xlsx", lang="en"), sheet_name=None)
    assert "Under-served buildings" in english


def test_geopackage_layers(tiny: ServiceAccess, tmp_path: Path) -> None:
    path = tiny.to_geopackage(tmp_path / "access.gpkg")
    names = [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    assert names == [
        "under_served_buildings",
        "buildings_access",
        "service_centres",
        "service_areas",
    ]


def test_repr_html_escapes(h: Hierarchy) -> None:
    centres = tiny_centres()
    centres["层级"] = ["<script>", "街道", "驿站"]
    html = service_access(h, centres)._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "under_served_buildings" in html


# -- siting ----------------------------------------------------------------------------------------


def test_a_post_on_the_top_street_serves_b3(tiny: ServiceAccess) -> None:
    candidates = tc.frame({"site": ["near", "far"]}, [tc.point(150, 95), tc.point(10, 95)])
    cover = site_posts(tiny, candidates=candidates.set_index("site"), threshold_m=120)
    assert cover.problem == "lscp"
    assert cover.posts["candidate_id"].tolist() == ["near"]
    assert cover.posts["households"].tolist() == [20]
    assert cover.coverage["share_before"] == pytest.approx(130 / 150)
    assert cover.coverage["share_after"] == pytest.approx(1.0)


def _random_city(seed: int) -> tuple[Hierarchy, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Building points with households, one centre, a few candidate sites (metres)."""
    rng = np.random.default_rng(seed)
    n = 9
    xy = rng.uniform(0, 1000, (n, 2))
    com = tc.frame({"community_id": ["C"], "name": ["社区"]}, [tc.box(-10, -10, 1010, 1010)])
    grids = tc.frame({"grid_id": ["G"], "community_id": ["C"]}, [tc.box(-10, -10, 1010, 1010)])
    buildings = tc.frame(
        {
            "building_id": [f"B{i}" for i in range(n)],
            "grid_id": ["G"] * n,
            "households": rng.integers(1, 50, n),
        },
        [tc.point(x, y) for x, y in xy],
    )
    h = Hierarchy(com, grids, buildings)
    centres = tc.frame({"id": ["K"], "tier": ["社区"]}, [tc.point(500, 500)])
    sites = rng.uniform(0, 1000, (6, 2))
    candidates = tc.frame(
        {"site": [f"S{i}" for i in range(6)]}, [tc.point(x, y) for x, y in sites]
    ).set_index("site")
    return h, centres, candidates


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_siting_matches_brute_force(seed: int) -> None:
    h, centres, candidates = _random_city(seed)
    access = service_access(h, centres, threshold_m=300)
    demand = access.buildings[access.buildings["under_served"]]
    assert len(demand) > 0  # every seed here leaves homes beyond 300 m
    d_xy = shapely.get_coordinates(demand.to_crs(tc.UTM).geometry.array)
    c_xy = shapely.get_coordinates(candidates.to_crs(tc.UTM).geometry.array)
    covers = np.hypot(*(d_xy[:, None, :] - c_xy[None, :, :]).transpose(2, 0, 1)) <= 300
    weights = demand["households"].to_numpy()
    coverable = covers.any(axis=1)
    fewest = min(
        len(s)
        for r in range(len(c_xy) + 1)
        for s in itertools.combinations(range(len(c_xy)), r)
        if (covers[:, list(s)].any(axis=1) | ~coverable).all()
    )
    lscp = site_posts(access, candidates=candidates, solver="exact")
    assert len(lscp.posts) == fewest
    for k in (1, 2):
        best = max(
            weights[covers[:, list(s)].any(axis=1)].sum()
            for s in itertools.combinations(range(len(c_xy)), k)
        )
        mclp = site_posts(access, k=k, candidates=candidates, solver="exact")
        reached = access.buildings["households"].sum() - weights.sum() + best
        assert mclp.coverage["within_after"] == reached


def test_nothing_under_served_needs_no_post(h: Hierarchy) -> None:
    """Every home within 5,000 m: 0 posts, a valid answer (coverage 100 % before and after)."""
    access = service_access(h, tiny_centres(), streets=tiny_streets(), threshold_m=5000)
    assert access.under_served.empty
    for k in (None, 3):
        posts = site_posts(access, k=k)
        assert posts.problem == ("lscp" if k is None else "mclp")
        assert posts.posts.empty
        assert list(posts.posts.columns) == ["candidate_id", "households", "buildings", "geometry"]
        assert (posts.coverage["share_before"], posts.coverage["share_after"]) == (1.0, 1.0)
        assert posts.coverage["within_after"] == 150
        assert posts.note == "0 posts needed: no household is beyond 5,000 m of a centre."
        summary = posts.summary()["value"]
        assert summary["posts"] == 0
        assert summary.get("posts_requested") == k
        assert posts.siting.optimal
    m = access_map(access, communities=h.communities, posts=site_posts(access), tiles="none")
    assert m is not None


def test_best_k_stops_once_every_under_served_household_is_reached(tiny: ServiceAccess) -> None:
    # "near" alone brings B3 (20 households, the only one beyond 120 m) within reach; "far" and
    # "also" would newly reach nothing.
    candidates = tc.frame(
        {"site": ["far", "near", "also"]}, [tc.point(10, 95), tc.point(150, 95), tc.point(140, 95)]
    ).set_index("site")
    for solver in ("exact", "greedy"):
        posts = site_posts(tiny, k=3, candidates=candidates, threshold_m=120, solver=solver)
        assert posts.problem == "mclp"
        assert posts.posts["candidate_id"].tolist() == ["near"]
        assert posts.posts["households"].tolist() == [20]
        assert posts.requested == 3
        assert posts.coverage["share_after"] == pytest.approx(1.0)
        summary = posts.summary()["value"]
        assert (summary["posts_requested"], summary["posts"]) == (3, 1)
        assert posts.note == (
            "1 post needed to bring every under-served household within 120 m (3 requested)."
        )
    # Fewer posts than needed: all of them are opened and the note says more are needed.
    tight = site_posts(tiny, k=1, threshold_m=60)
    assert len(tight.posts) == 1
    assert (tight.posts["households"] > 0).all()
    assert "more are needed" in tight.note


def test_best_k_on_the_sample_city_opens_only_the_posts_needed() -> None:
    """The report: k=1000 sited 1,000 posts where 27 reach every under-served household."""
    h = ds.sample_city()
    access = service_access(
        h, ds.sample_layer("service_centres"), streets=ds.sample_layer("streets"), threshold_m=500
    )
    fewest = site_posts(access)
    many = site_posts(access, k=1000)
    assert len(many.posts) == len(fewest.posts) == 27
    assert (many.posts["households"] > 0).all()
    assert many.coverage["share_after"] == pytest.approx(1.0)
    assert many.summary().loc["posts_requested", "value"] == 1000


def test_siting_needs_a_candidate_near_the_under_served(tiny: ServiceAccess) -> None:
    far = tc.frame({"site": ["x"]}, [tc.point(5000, 5000)]).set_index("site")
    with pytest.raises(InputError, match="no candidate lies within 300 m"):
        site_posts(tiny, candidates=far)
    with pytest.raises(InputError, match="access must be the result"):
        site_posts(tiny.buildings)  # type: ignore[arg-type]


def test_site_posts_checks_k_and_threshold(tiny: ServiceAccess) -> None:
    with pytest.raises(InputError, match="k='2' must be a whole number"):
        site_posts(tiny, k="2")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="k=0 must be a whole number >= 1"):
        site_posts(tiny, k=0)
    with pytest.raises(InputError, match="threshold_m='300' must be a number"):
        site_posts(tiny, threshold_m="300")  # type: ignore[arg-type]


def test_post_siting_is_a_result_with_exports(tiny: ServiceAccess, tmp_path: Path) -> None:
    candidates = tc.frame({"site": ["near"]}, [tc.point(150, 95)]).set_index("site")
    posts = site_posts(tiny, candidates=candidates, threshold_m=120)
    summary = posts.summary()
    assert summary.index.name == "figure"
    assert summary.loc["posts", "value"] == 1
    assert summary.loc["share_after", "value"] == pytest.approx(1.0)
    sheets = pd.read_excel(posts.to_excel(tmp_path / "posts.xlsx"), sheet_name=None)
    assert list(sheets) == ["概要", "拟新设驿站", "说明"]
    assert sheets["拟新设驿站"]["候选点"].tolist() == ["near"]
    layer = gpd.read_file(posts.to_geopackage(tmp_path / "posts.gpkg"), layer="posts")
    assert layer["candidate_id"].tolist() == ["near"]
    assert "<summary>posts (1 rows)</summary>" in posts._repr_html_()


# -- map and command line --------------------------------------------------------------------------


def test_map_shows_buildings_and_centres_never_households(
    h: Hierarchy, tiny: ServiceAccess, tmp_path: Path
) -> None:
    posts = site_posts(tiny, threshold_m=100)
    m = access_map(tiny, communities=h.communities, posts=posts, tiles="none")
    html = save_map(m, tmp_path / "map.html").read_text(encoding="utf-8")
    assert all(shown(t, html) for t in ("B3", "K1", "一号驿站", "流动站", "拟新设驿站"))
    assert not any(shown(t, html) for t in ('"H1"', '"H4"', "张三", "13800000001"))
    assert shown("&lt;5", html)  # B3's one member household
    english = save_map(access_map(tiny, lang="en", tiles="none"), tmp_path / "en.html")
    assert shown("Service centres", english.read_text(encoding="utf-8"))
    assert not shown("Proposed posts", english.read_text(encoding="utf-8"))


def test_map_escapes_names(h: Hierarchy, tmp_path: Path) -> None:
    centres = tiny_centres()
    centres["名称"] = ['<img src=x onerror="alert(1)">', "b", "c"]
    html = save_map(access_map(service_access(h, centres), tiles="none"), tmp_path / "m.html")
    assert not shown("<img src=x", html.read_text(encoding="utf-8"))
    assert shown("&lt;img src=x", html.read_text(encoding="utf-8"))


def test_cli_access_writes_report_layers_and_map(
    h: Hierarchy, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridparty.core.io import write_layers

    gpkg = tmp_path / "city.gpkg"
    layers = {name: frame for name, frame in tc.layers().items()}
    layers["service_centres"] = tiny_centres()
    layers["streets"] = tiny_streets()
    write_layers(
        {k: v.set_index(v.columns[0]) if k != "streets" else v for k, v in layers.items()}, gpkg
    )
    out = tmp_path / "out"
    out.mkdir()
    code = main(
        [
            "access",
            str(gpkg),
            "--threshold-m",
            "300",
            "--cover",
            "--tiles",
            "none",
            "--xlsx",
            str(out / "r.xlsx"),
            "--gpkg",
            str(out / "l.gpkg"),
            "--html",
            str(out / "m.html"),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "under_served_households" in printed
    assert "lscp" in printed
    assert {p.name for p in out.iterdir()} == {"r.xlsx", "l.gpkg", "m.html"}


def _tiny_gpkg(path: Path) -> Path:
    from gridparty.core.io import write_layers

    layers = {k: v.set_index(v.columns[0]) for k, v in tc.layers().items()}
    layers["service_centres"] = tiny_centres().set_index("编号")
    layers["streets"] = tiny_streets()
    return write_layers(layers, path)


def test_cli_with_nothing_under_served_sites_0_posts_and_writes_the_workbook(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    gpkg = _tiny_gpkg(tmp_path / "city.gpkg")
    for option in (["--cover"], ["--posts", "2"]):
        book = tmp_path / f"cov5k{len(option)}.xlsx"
        argv = ["access", str(gpkg), "--threshold-m", "5000", *option, "--xlsx", str(book)]
        assert main(argv) == 0
        printed = capsys.readouterr().out
        assert "0 posts needed" in printed
        assert book.is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--posts", "0"], "k=0 must be a whole number >= 1."),
        (["--threshold-m", "-1"], "threshold_m=-1.0 must be a positive finite number (metres)."),
        (["--minutes", "10", "5"], "minutes=(10.0, 5.0) must be increasing positive numbers."),
        (["--tier", "驿站=kiosk"], "tier_names maps '驿站' to 'kiosk', which is not a tier"),
        (["--xlsx", "{tmp}/r.csv"], "path='{tmp}/r.csv' must end in .xlsx to write a workbook."),
        (["--gpkg", "{tmp}/l.shp"], "path='{tmp}/l.shp' must end in .gpkg to write a GeoPackage."),
        (["--html", "{tmp}/m.txt"], "path='{tmp}/m.txt' must end in .html to write a map."),
        (
            ["--html", "{tmp}/no/m.html"],
            "path='{tmp}/no/m.html': the folder '{tmp}/no' does not exist; create it first.",
        ),
    ],
)
def test_cli_refuses_bad_arguments_before_measuring(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    import gridparty.access.service

    gpkg = _tiny_gpkg(tmp_path / "city.gpkg")

    def heavy(*args: object, **kwargs: object) -> None:
        raise AssertionError("service_access ran before the arguments were checked")

    monkeypatch.setattr(gridparty.access.service, "service_access", heavy)
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(["access", str(gpkg), *argv]) == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err


def test_cli_reads_every_layer_in_the_given_datum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--coords gcj02 converts the centres and streets too, not only the hierarchy."""
    from gridparty.core.coords import convert_geometries
    from gridparty.core.io import write_layers

    layers = {k: v.set_index(v.columns[0]) for k, v in tc.layers().items()}
    layers["service_centres"] = tiny_centres().set_index("编号")
    layers["streets"] = tiny_streets()
    printed = {}
    for datum in ("wgs84", "gcj02"):
        gpkg = tmp_path / f"{datum}.gpkg"
        write_layers({k: convert_geometries(v, "wgs84", datum) for k, v in layers.items()}, gpkg)
        argv = ["access", str(gpkg), "--coords", datum, "--threshold-m", "300", "--tiles", "none"]
        assert main(argv) == 0
        printed[datum] = capsys.readouterr().out
    assert "under_served_households" in printed["wgs84"]
    assert printed["gcj02"] == printed["wgs84"]


def test_cli_without_centres_says_how_to_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridparty.core.io import write_layers

    gpkg = tmp_path / "city.gpkg"
    write_layers({"communities": tc.communities().set_index("community_id")}, gpkg)
    assert main(["access", str(gpkg)]) == 2
    assert "--centres FILE" in capsys.readouterr().err


def test_network_from_the_access_result_is_reusable(tiny: ServiceAccess, h: Hierarchy) -> None:
    net = tiny.network
    assert net is not None
    assert len(net.components()) == 1
    again = service_access(h, tiny_centres(), streets=net, threshold_m=300)
    pd.testing.assert_frame_equal(again.buildings, tiny.buildings)
    assert street_network(tiny_streets()).length_m.sum() == pytest.approx(net.length_m.sum())


def test_exports_leave_out_contacts_and_household_rows(tmp_path: Path) -> None:
    h = ds.sample_city()
    centres = ds.sample_layer("service_centres").assign(联系电话="13800138000", 负责人="张三")
    access = service_access(
        h, centres, streets=ds.sample_layer("streets"), threshold_m=500, max_snap_m=10
    )
    households = access.issues[access.issues["level"] == "household"]
    assert len(households) > 0  # homes more than 10 m from a street
    book = pd.read_excel(access.to_excel(tmp_path / "a.xlsx", lang="en"), sheet_name=None)
    text = "".join(frame.to_csv() for frame in book.values())
    assert "13800138000" not in text
    assert "张三" not in text
    issues = book["Issues"]
    assert not issues["ID"].isin(households["id"]).any()
    rolled = issues[issues["Level"] == "member household"]
    assert rolled["Message"].tolist() == [
        f"{n} households (not listed: personal data)" for n in households.groupby("check").size()
    ]
    layer = gpd.read_file(access.to_geopackage(tmp_path / "a.gpkg"), layer="service_centres")
    assert "联系电话" not in layer.columns


def test_parents_missing_in_the_data_are_filled_before_the_roll_ups(h: Hierarchy) -> None:
    layers = tc.layers()
    layers["grids"] = layers["grids"].assign(community_id=None)
    layers["buildings"] = layers["buildings"].assign(grid_id=None)
    undeclared = service_access(Hierarchy(**layers), tiny_centres(), minutes=(5,))
    declared = service_access(h, tiny_centres(), minutes=(5,))
    assert undeclared.parents_filled == {"grid": 3, "building": 4, "household": 0}
    assert declared.parents_filled == {"grid": 0, "building": 0, "household": 0}
    pd.testing.assert_frame_equal(undeclared.communities, declared.communities)
