"""Tests for gridparty.maps: escaping, privacy, tiles and datums, offline assets, labels."""

from __future__ import annotations

import html as htmllib
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city
from hypothesis import given
from hypothesis import strategies as st

from gridparty.core.coords import wgs84_to_gcj02
from gridparty.core.errors import ColumnError, CRSError, InputError
from gridparty.core.model import Hierarchy, building_counts
from gridparty.core.safe import shorten
from gridparty.maps import (
    add_buildings,
    add_communities,
    add_grids,
    add_issues,
    add_layer_control,
    add_legend,
    base_map,
    escape,
    hierarchy_map,
    js_literal,
    save_map,
    suppress_small_counts,
)

HOSTILE = (
    '<img src=x onerror="window.__pwned=1">'
    "</script><script>window.__pwned=2</script>"
    "${window.__pwned=3}`+(window.__pwned=4)+`"
    "'\"\\u2028\u2028\u2029<!--"
)
# Characters that must never come from data into the page: each map's count of them must not
# change when names turn hostile.
STRUCTURAL = ("<", ">", "`", "$", "\u2028", "\u2029", "\\u0022")


# -- helpers that read a rendered map ----------------------------------------------------------


def render(m) -> str:
    return m.get_root().render()


def collections(page: str) -> list[dict]:
    """The GeoJSON FeatureCollections embedded in the page, in layer order."""
    return [json.loads(s) for s in re.findall(r"_add\((\{.*\})\);\n", page)]


def features(page: str) -> list[dict]:
    return [f for c in collections(page) for f in c["features"]]


def overlay_names(page: str) -> list[str]:
    block = re.search(r"overlays :  \{(.*?)\},", page, re.S).group(1)
    return [json.loads(s) for s in re.findall(r'^\s*(".*") : feature_group_\w+,$', block, re.M)]


def legend_text(page: str) -> str:
    markup = json.loads(re.search(r"div\.innerHTML = (\".*\");\n", page).group(1))
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", markup))


def labelled(page: str) -> list[tuple[list[str], list[dict]]]:
    """Per layer: its popup labels (escaped, as in the page) and its features."""
    labels = [json.loads(s) for s in re.findall(r"var labels = (\[.*?\]), styles", page)]
    return list(zip(labels, [c["features"] for c in collections(page)], strict=True))


def tip(feature: dict) -> str:
    """The tooltip (and popup title) as a browser shows it."""
    return htmllib.unescape(feature["properties"]["tip"])


def popup(page: str, title: str) -> dict[str, str]:
    """The popup rows, as a browser shows them, of the feature titled ``title``."""
    for labels, feats in labelled(page):
        for f in feats:
            if tip(f) == title:
                rows = zip(labels, f["properties"]["row"], strict=True)
                return {htmllib.unescape(k): htmllib.unescape(v) for k, v in rows}
    raise AssertionError(f"no feature titled {title!r}")


def in_page(page: str, value: str) -> bool:
    """``value`` anywhere in the page, raw or JSON-escaped (as folium writes non-ASCII)."""
    as_json = json.dumps(value)[1:-1]
    return value in page or as_json in page or escape(value) in page


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture
def h() -> Hierarchy:
    return Hierarchy(**tiny_city.layers())


def hostile_layers() -> dict[str, gpd.GeoDataFrame]:
    layers = tiny_city.layers()
    layers["communities"] = layers["communities"].assign(
        community_id=["C1" + HOSTILE, "C2"], name=[HOSTILE, "西社区"], street=HOSTILE
    )
    layers["grids"] = layers["grids"].assign(
        community_id=["C1" + HOSTILE, "C1" + HOSTILE, "C2"], name=HOSTILE
    )
    layers["buildings"] = layers["buildings"].assign(
        building_id=["B1" + HOSTILE, "B2", "B3", "B4"], name=HOSTILE
    )
    return layers


def issues_table(
    ids: list[str] | None = None, message: str = "2 members but no group"
) -> gpd.GeoDataFrame:
    c = tiny_city
    rows = {
        "level": ["grid", "building", "household", "community"],
        "id": ids or ["G1", "B2", "H3", "C1"],
        "check": ["overlap", "members_without_group", "not_in_any_parent", "duplicate_id"],
        "severity": ["warning", "warning", "warning", "error"],
        "message": [message] * 4,
    }
    geometry = [c.box(90, 0, 110, 100), c.box(60, 10, 80, 30), c.point(65, 20), None]
    return gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geometry, crs=c.UTM).to_crs(4326))


# -- safe: the one escaping helper -------------------------------------------------------------


DANGEROUS = "<>\"'`$\\\n\r\u2028\u2029&#;{}\x00\x7f"


@given(st.text(st.one_of(st.sampled_from(DANGEROUS), st.characters())))
def test_escape_output_is_inert_and_shows_the_original_text(value: str) -> None:
    out = escape(value)
    assert not set(out) & set("<>\"'`$\\\n\r\u2028\u2029{}")
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", out)
    assert re.fullmatch(r"([^&]|&(amp|lt|gt|quot|#\d+);)*", out)
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", "\ufffd", shorten(value))
    assert htmllib.unescape(out) == expected


def test_escape_examples() -> None:
    assert escape("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert escape("`${x}`") == "&#96;&#36;&#123;x&#125;&#96;"
    assert escape("</script>") == "&lt;/script&gt;"
    assert escape("a\u2028b") == "a&#8232;b"
    assert escape(None) == escape(pd.NA) == escape(float("nan")) == "—"
    assert escape(pd.NA, missing="<na>") == "&lt;na&gt;"
    assert escape(12) == "12"


def test_js_literal_cannot_close_the_script() -> None:
    out = js_literal(["</script><!--", "a\u2028b", "it's", {"k": 1.5}])
    assert out == '["\\u003c/script\\u003e\\u003c!--", "a\\u2028b", "it\\u0027s", {"k": 1.5}]'
    assert json.loads(out) == ["</script><!--", "a\u2028b", "it's", {"k": 1.5}]


# -- privacy helpers ---------------------------------------------------------------------------


def test_small_counts_are_suppressed_zero_included() -> None:
    values = pd.Series([0, 1, 4, 5, pd.NA, 12], dtype="Int64")
    out = suppress_small_counts(values, 5)
    assert out.tolist()[:4] == ["<5", "<5", "<5", "5"]
    assert out.isna().tolist() == [False] * 4 + [True, False]
    assert out.iloc[5] == "12"
    assert suppress_small_counts(values, 0).dropna().tolist() == ["0", "1", "4", "5", "12"]


@pytest.mark.parametrize("bad", [-1, 2.5, "5", True])
def test_min_count_must_be_a_whole_number(bad: object) -> None:
    with pytest.raises(InputError, match="min_count"):
        suppress_small_counts(pd.Series([1]), bad)  # type: ignore[arg-type]


def test_building_counts_roll_up_member_households(h: Hierarchy) -> None:
    counts = building_counts(h.households)
    assert counts.loc["B1"].tolist() == [2, 3, 1, 1]
    assert list(counts.columns) == [
        "member_households",
        "formal_members",
        "probationary_members",
        "hub_households",
    ]


# -- base map: tiles, datums, assets -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tiles": "google"}, "tiles='google'"),
        ({"lang": "fr"}, "lang='fr'"),
        ({"assets": "local"}, "assets='local'"),
    ],
)
def test_base_map_rejects_unknown_options(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        base_map((121.4, 31.2, 121.5, 31.3), **kwargs)


@pytest.mark.parametrize(
    "bounds", [(np.nan, 31.2, 121.5, 31.3), (31.2, 121.4, 31.3, 121.5), (1, 2, 3), "abcd"]
)
def test_base_map_rejects_bad_bounds(bounds: object) -> None:
    with pytest.raises(InputError, match="bounds="):
        base_map(bounds)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tiles", "url", "attribution"),
    [
        ("osm", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "OpenStreetMap contributors"),
        ("cartodb", "basemaps.cartocdn.com/light_all", "CARTO"),
        ("gaode", "is.autonavi.com/appmaptile", "AutoNavi"),
    ],
)
def test_tiles_and_attribution(tiles: str, url: str, attribution: str) -> None:
    page = render(base_map((121.4, 31.2, 121.5, 31.3), tiles=tiles))
    assert page.count("L.tileLayer(") == 1
    assert url in page
    assert attribution in page


def test_none_mode_has_no_tile_layer() -> None:
    page = render(base_map((121.4, 31.2, 121.5, 31.3), tiles="none"))
    assert "L.tileLayer" not in page
    assert "background: #f4f3ee" in page


def test_inline_assets_inline_leaflet_and_jquery_and_keep_folium_links(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, issues=issues_table()))
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert not any("leaflet@" in s or "jquery" in s for s in scripts)
    assert "Leaflet 1.9.4" in page
    assert "jQuery v3.7.1" in page
    assert "sourceMappingURL" not in page
    assert "url(data:image/png;base64," in page
    assert 'L.Icon.Default.imagePath="";' in page  # markers find the vendored images
    # folium's own assets stay linked, so users' icon markers work online
    assert "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/" in page


def test_cdn_assets_link_leaflet_194_and_folium_assets(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, assets="cdn"))
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts[0] == "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js"
    assert "https://code.jquery.com/jquery-3.7.1.min.js" in scripts
    assert "Leaflet 1.9.4" not in page


def test_osm_mode_draws_wgs84_rounded_to_about_a_metre(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, tiles="osm"))
    drawn = shapely.from_geojson(json.dumps(features(page)[0]["geometry"]))
    original = h.communities.geometry.iloc[0]
    xy = shapely.get_coordinates(drawn)
    assert xy == pytest.approx(shapely.get_coordinates(original), abs=5e-6)
    assert np.allclose(xy * 1e5, np.round(xy * 1e5), atol=1e-6)  # on the 1e-5° grid


def test_gaode_mode_shifts_coordinates_to_gcj02(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, tiles="gaode"))
    drawn = np.vstack(
        [
            shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))
            for f in features(page)
        ]
    )
    frames = (h.communities, h.grids, h.buildings)
    wgs = np.vstack([shapely.get_coordinates(f.geometry.array) for f in frames])
    lon, lat = wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    assert drawn == pytest.approx(np.column_stack([lon, lat]), abs=5e-6)
    # The shift near the Bund is a few hundred metres: about +0.0045° lon, -0.0020° lat.
    shift = drawn - wgs
    assert shift[:, 0] == pytest.approx(0.0045, abs=0.0005)
    assert shift[:, 1] == pytest.approx(-0.0020, abs=0.0005)
    centre = re.search(r"center: \[([\d.]+), ([\d.]+)\]", page)
    assert float(centre.group(2)) > h.communities.total_bounds[[0, 2]].mean() + 0.004


# -- layers, legend, labels --------------------------------------------------------------------


def test_layers_legend_and_chinese_labels_by_default(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, issues=issues_table()))
    assert overlay_names(page) == ["社区（大党委）", "网格（党支部）", "楼栋（党小组）", "校验问题"]
    legend = legend_text(page)
    for label in (
        "图例",
        "社区边界",
        "网格：已建党支部",
        "楼栋：已建党小组",
        "楼栋：未建党小组",
        "问题：警告",
        "户级问题 1 条未在地图上显示（隐私）",
    ):
        assert label in legend
    assert "未建党支部" not in legend  # every tiny-city grid has a branch
    assert "问题：错误" not in legend  # the only error has no geometry
    assert popup(page, "网格：一网格")["网格党支部"] == "是"


def test_english_labels(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, issues=issues_table(), lang="en"))
    assert overlay_names(page) == ["Communities", "Grids", "Buildings", "Validation issues"]
    legend = legend_text(page)
    assert "Legend" in legend
    assert "building without party group" in legend
    assert "1 household-level issues not shown (privacy)" in legend
    assert popup(page, "building: B2")["Party group"] == "no"


def test_layer_counts_and_styles(h: Hierarchy) -> None:
    page = render(hierarchy_map(h, issues=issues_table()))
    sizes = [len(c["features"]) for c in collections(page)]
    # issues: household row and row without geometry not drawn; a marker per drawn problem
    assert sizes == [2, 3, 4, 4]
    issues = collections(page)[3]["features"]
    assert [f["geometry"]["type"] for f in issues] == ["Polygon", "Polygon", "Point", "Point"]
    assert [f["properties"]["s"] for f in issues] == [
        "issue_warning",
        "issue_warning",
        "issue_warning_marker",
        "issue_warning_marker",
    ]
    assert [tip(f) for f in issues[2:]] == [tip(f) for f in issues[:2]]
    b2 = next(f for f in features(page) if tip(f) == "楼栋：B2")
    assert b2["properties"]["s"] == "building_no_group"
    assert '"building_no_group": {"color": "#8c7f00"' in page


def test_builders_take_the_maps_language_and_can_override_it(h: Hierarchy) -> None:
    m = base_map(h.grids.total_bounds, lang="en")
    add_grids(m, h.grids)
    add_communities(m, h.communities, lang="zh")
    add_layer_control(m)
    assert overlay_names(render(m)) == ["Grids", "社区（大党委）"]


def test_legend_rejects_unknown_classes() -> None:
    m = base_map((121.4, 31.2, 121.5, 31.3))
    with pytest.raises(InputError, match="legend classes"):
        add_legend(m, ["grid_branch", "<b>"])
    with pytest.raises(InputError, match="position="):
        add_legend(m, ["grid_branch"], position="middle")


def test_point_buildings_are_drawn_as_circle_markers(h: Hierarchy) -> None:
    points = h.buildings.assign(geometry=h.buildings.to_crs(tiny_city.UTM).centroid.to_crs(4326))
    m = base_map(h.buildings.total_bounds)
    add_buildings(m, points)
    page = render(m)
    assert {f["geometry"]["type"] for f in features(page)} == {"Point"}
    assert "L.CircleMarker(latlng, opts)" in page


def test_builders_check_their_input(h: Hierarchy) -> None:
    m = base_map(h.grids.total_bounds)
    with pytest.raises(InputError, match="grids must be a GeoDataFrame"):
        add_grids(m, pd.DataFrame(h.grids))
    with pytest.raises(CRSError):
        add_grids(m, h.grids.set_crs(None, allow_override=True))
    with pytest.raises(ColumnError, match=r"issues lacks columns \['severity'\]"):
        add_issues(m, issues_table().drop(columns="severity"))
    with pytest.raises(InputError, match="counts must be a DataFrame"):
        add_grids(m, h.grids, counts=[1, 2, 3])  # type: ignore[arg-type]


def test_empty_hierarchy_cannot_be_mapped(h: Hierarchy) -> None:
    empty = Hierarchy(h.communities.iloc[:0])
    with pytest.raises(InputError, match="nothing to map"):
        hierarchy_map(empty)
    with pytest.raises(InputError, match=r"h must be a gridparty\.Hierarchy"):
        hierarchy_map(h.communities)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="min_count=-1"):
        hierarchy_map(h, min_count=-1)


def test_layers_that_are_not_given_are_left_out() -> None:
    h = Hierarchy(tiny_city.communities(), tiny_city.grids())
    page = render(hierarchy_map(h, tiles="none"))
    assert overlay_names(page) == ["社区（大党委）", "网格（党支部）"]
    assert popup(page, "网格：一网格")["户数"] == "<5"  # no buildings: 0 households


def test_same_hierarchy_gives_byte_identical_html(h: Hierarchy, tmp_path) -> None:
    first = save_map(hierarchy_map(h, issues=issues_table()), tmp_path / "a.html")
    second = save_map(hierarchy_map(h, issues=issues_table()), tmp_path / "b.html")
    assert first.read_bytes() == second.read_bytes()
    assert not list(tmp_path.glob(".*tmp*"))


# -- hostile text ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_hostile_names_are_escaped_in_every_builder(lang: str) -> None:
    benign = Hierarchy(**tiny_city.layers())
    hostile = Hierarchy(**hostile_layers())
    pages = [
        render(hierarchy_map(x, issues=issues_table(ids), lang=lang, messages=True))
        for x, ids in ((benign, None), (hostile, [HOSTILE, HOSTILE, "H3", HOSTILE]))
    ]
    for token in STRUCTURAL:
        assert pages[0].count(token) == pages[1].count(token), token
    assert "window.__pwned=1" not in pages[0]
    # The hostile text shows literally in each layer: communities, grids, buildings, issues.
    for _, feats in labelled(pages[1]):
        first = feats[0]["properties"]
        assert HOSTILE in htmllib.unescape(first["tip"] + "|".join(first["row"]))
    tips = [tip(f) for f in features(pages[1])]
    # names and issue ids; each of the two issues also has a marker with the same tooltip
    assert sum(HOSTILE in t for t in tips) == 1 + 3 + 4 + 2 + 2


def test_hostile_layer_labels_and_legend_notes_are_escaped() -> None:
    m = base_map((121.4, 31.2, 121.5, 31.3))
    add_legend(m, ["grid_branch"], notes=[HOSTILE])
    page = render(m)
    assert HOSTILE in legend_text(page)
    assert "<img" not in page
    assert "<script>window" not in page


# -- personal data -----------------------------------------------------------------------------


def test_no_household_points_and_no_personal_values(h: Hierarchy) -> None:
    layers = tiny_city.layers()
    layers["buildings"] = layers["buildings"].assign(
        联系人=["赵大", "钱二", "孙三", "李四"], phone="13912345678", note="SECRET-NOTE"
    )
    h = Hierarchy(**layers)
    page = render(hierarchy_map(h, issues=issues_table()))
    for value in (
        *tiny_city.households()["姓名"],
        *tiny_city.households()["联系电话"],
        "赵大",
        "13912345678",
        "SECRET-NOTE",
        "联系人",
        "联系电话",
        "姓名",
    ):
        assert not in_page(page, value), value
    drawn = {
        tuple(xy)
        for f in features(page)
        for xy in shapely.get_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))
    }
    homes = np.round(shapely.get_coordinates(h.households.geometry.array), 6)
    assert not drawn & {tuple(xy) for xy in homes}
    # the only points are problem markers (at a point on the problem's surface), never homes
    assert all(
        f["geometry"]["type"] != "Point" or f["properties"]["s"].endswith("_marker")
        for f in features(page)
    )
    for f in features(page):
        assert set(f["properties"]) == {"tip", "row", "s"}
        assert not re.search(r"\bH\d\b", "|".join(f["properties"]["row"]))


def test_popups_show_aggregates_with_small_counts_suppressed(h: Hierarchy) -> None:
    page = render(hierarchy_map(h))
    assert popup(page, "楼栋：B1") == {
        "楼栋编号": "B1",
        "网格编号": "G1",
        "户数": "40",
        "楼栋党小组": "是",
        "党员户": "<5",
        "正式党员": "<5",
        "预备党员": "<5",
        "党员中心户": "<5",
    }
    assert popup(page, "网格：一网格") == {
        "网格编号": "G1",
        "社区编码": "C1",
        "网格党支部": "是",
        "专职网格员": "1",
        "兼职网格员": "3",
        "楼栋数": "2",
        "户数": "70",
        "党员户": "<5",
        "正式党员": "<5",
        "预备党员": "<5",
        "党员中心户": "<5",
    }
    shown_all = render(hierarchy_map(h, min_count=0))
    b1 = popup(shown_all, "楼栋：B1")
    assert (b1["党员户"], b1["正式党员"], b1["预备党员"], b1["党员中心户"]) == ("2", "3", "1", "1")


def test_issue_messages_are_hidden_unless_asked(h: Hierarchy) -> None:
    message = "2 members but no group"
    assert not in_page(render(hierarchy_map(h, issues=issues_table(message=message))), message)
    page = render(hierarchy_map(h, issues=issues_table(message=message), messages=True))
    assert in_page(page, message)
    assert popup(page, "网格重叠：G1")["说明"] == message
    assert not any("H3" in tip(f) for f in features(page))
