"""Tests for gridparty.maps.alliance and the ``gridparty alliances`` command."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import tiny_city as tc

import gridparty.datasets.sample as ds
from gridparty.alliances.lists import match_lists
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.alliances.pairing import propose_pairing
from gridparty.cli.main import main
from gridparty.core.coords import wgs84_to_gcj02
from gridparty.core.errors import InputError
from gridparty.maps import js_literal, save_map
from gridparty.maps.alliance import alliance_map


def js(text: str) -> str:
    """``text`` as it is written into the page (non-ASCII, ``&<>'`` as \\uXXXX escapes)."""
    return js_literal(text)[1:-1]


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    names = (
        "communities",
        "units",
        "alliances",
        "memberships",
        "agreements",
        "departments",
        "pairings",
        "needs",
        "resources",
    )
    return {n: ds.sample_layer(n) for n in names}


@pytest.fixture(scope="module")
def sample_html(sample: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory) -> str:
    s = sample
    net = alliance_network(
        s["units"],
        s["alliances"],
        s["memberships"],
        agreements=s["agreements"],
        communities=s["communities"],
    )
    m = alliance_map(
        analyse_alliances(net),
        communities=s["communities"],
        pairing=propose_pairing(s["communities"], s["departments"], pairings=s["pairings"]),
        departments=s["departments"],
        lists=match_lists(
            s["needs"], s["resources"], units=s["units"], communities=s["communities"]
        ),
        tiles="none",
    )
    path = save_map(m, tmp_path_factory.mktemp("map") / "alliances.html")
    return path.read_text(encoding="utf-8")


def test_sample_map_shows_alliances_pairing_and_lists(
    sample: dict[str, pd.DataFrame], sample_html: str
) -> None:
    for name in sample["alliances"]["name"]:
        assert js(name) in sample_html
    for label in (
        "党建联盟范围",
        "社区—部门结对",
        "需求清单",
        "资源清单",
        "建议结对",
        "需求：未满足",
    ):
        assert js(label) in sample_html
    assert js("浦东新区卫生健康委员会") in sample_html


def test_no_personal_data_reaches_the_map(
    sample: dict[str, pd.DataFrame], sample_html: str
) -> None:
    units = sample["units"]
    for value in (*units["联系人"].head(3), *units["联系电话"].head(3)):
        assert js(value) not in sample_html
        assert value not in sample_html
    for title in sample["needs"]["title"].unique():  # free text may name residents
        assert js(title) not in sample_html
    assert js("&lt;5") in sample_html  # small member counts and need sizes are suppressed


def tiny() -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    units = tc.frame(
        {
            "unit_id": ["U1", "U2"],
            "name": ["<img src=x onerror=alert(1)>", "乙"],
            "formal_members": [3, 40],
            "联系人": ["张三", "李四"],
        },
        [tc.point(10, 10), tc.point(300, 50)],
    )
    alliances = pd.DataFrame(
        {"alliance_id": ["A"], "name": ["`${x}`联盟"], "kind": ["商圈"], "lead_unit_id": ["U1"]}
    )
    memberships = pd.DataFrame({"unit_id": ["U1", "U2"], "alliance_id": ["A", "A"]})
    return units, alliances, memberships


def test_names_are_escaped_and_counts_suppressed() -> None:
    units, alliances, memberships = tiny()
    net = alliance_network(units, alliances, memberships, communities=tc.communities())
    html = alliance_map(analyse_alliances(net), tiles="none", lang="en").get_root().render()
    assert "<img src=x" not in html
    assert "${x}" not in html
    assert js("&lt;img src=x onerror=alert(1)&gt;") in html
    assert "张三" not in html
    assert js("张三") not in html
    assert js("&lt;5") in html  # U1's 3 members
    assert "business-district alliance" in html


def test_nothing_to_draw_is_an_error() -> None:
    with pytest.raises(InputError, match="alliance_map needs something to draw"):
        alliance_map()


def test_gaode_tiles_shift_the_units() -> None:
    units, alliances, memberships = tiny()
    r = analyse_alliances(alliance_network(units, alliances, memberships))
    wgs = alliance_map(r, tiles="osm").get_root().render()
    gcj = alliance_map(r, tiles="gaode").get_root().render()
    point = units.geometry.iloc[1]
    lon = repr(round(point.x, 5))
    assert lon in wgs
    assert lon not in gcj
    gcj_lon, gcj_lat = (round(float(v), 5) for v in wgs84_to_gcj02(point.x, point.y))
    assert repr(gcj_lon) != lon
    assert f"[{gcj_lat!r}, {gcj_lon!r}]" in gcj  # drawn rounded to 5 decimals (≈ 1 m), lat first


# -- the command --------------------------------------------------------------------------------


def test_command_on_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["alliances", "--out", str(tmp_path), "--tiles", "none", "--within", "district"]) == 0
    )
    out = capsys.readouterr().out
    assert re.search(r"^党建联盟 +8 *$", out, re.M)  # figures named for people, aligned
    assert re.search(r"^unpaired_communities +1 *$", out, re.M)
    assert re.search(r"^proposed_pairs +1 *$", out, re.M)
    assert "发现 3 个问题" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "alliances.gpkg",
        "alliances.xlsx",
        "alliances_map.html",
        "lists.gpkg",
        "lists.xlsx",
        "pairing.gpkg",
        "pairing.xlsx",
    ]
    assert main(["alliances", "--out", str(tmp_path), "--tiles", "none", "--fail-on", "error"]) == 1


def test_command_reads_a_folder_of_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    units, alliances, memberships = tiny()
    folder = tmp_path / "in"
    folder.mkdir()
    table = units.assign(经度=units.geometry.x, 纬度=units.geometry.y).drop(columns="geometry")
    pd.DataFrame(table).to_csv(folder / "单位.csv", index=False, encoding="utf-8-sig")
    alliances.to_csv(folder / "党建联盟.csv", index=False)
    memberships.assign(unit_id=["U1", "U7"]).to_csv(folder / "联盟成员.csv", index=False)
    assert main(["alliances", str(folder), "--out", str(tmp_path / "out"), "--tiles", "none"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^党建联盟 +1 *$", out, re.M)
    assert re.search(r"^单元数 +2 *$", out, re.M)
    assert re.search(r"联盟成员 +单位不存在 +1 ", out)  # the problem named, in words
    assert not (tmp_path / "out" / "pairing.xlsx").exists()


def test_command_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["alliances", str(tmp_path / "nope.gpkg")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["alliances", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    assert "need units + alliances + memberships" in capsys.readouterr().err


@pytest.mark.browser
def test_the_map_renders_without_script_errors(
    chromium: object, sample_html: str, tmp_path: Path
) -> None:
    path = tmp_path / "map.html"
    path.write_text(sample_html, encoding="utf-8")
    page = chromium.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".gp-legend")
    assert errors == []
    assert page.locator("path.leaflet-interactive").count() > 100
    page.close()


def test_units_without_points_are_left_off_the_map() -> None:
    units, alliances, memberships = tiny()
    units.loc[units.index[1], "geometry"] = None
    r = analyse_alliances(alliance_network(units, alliances, memberships))
    html = alliance_map(r, tiles="none").get_root().render()
    assert js("乙") not in html  # U2 has no point: no marker, no link
    assert r.alliances.at["A", "member_units"] == 2


def test_command_reads_gcj02_tables_with_coords(tmp_path: Path) -> None:
    """--coords gcj02 brings Gaode-coordinate units back to WGS84: the same outputs as WGS84 input."""
    units, alliances, memberships = tiny()
    outputs = {}
    for datum in ("wgs84", "gcj02"):
        folder = tmp_path / datum
        folder.mkdir()
        lon, lat = units.geometry.x.to_numpy(), units.geometry.y.to_numpy()
        if datum == "gcj02":
            lon, lat = wgs84_to_gcj02(lon, lat)
        table = pd.DataFrame(units.drop(columns="geometry")).assign(经度=lon, 纬度=lat)
        table.to_csv(folder / "单位.csv", index=False, encoding="utf-8-sig")
        alliances.to_csv(folder / "党建联盟.csv", index=False)
        memberships.to_csv(folder / "联盟成员.csv", index=False)
        out = tmp_path / f"out-{datum}"
        argv = ["alliances", str(folder), "--coords", datum, "--out", str(out), "--tiles", "none"]
        assert main(argv) == 0
        outputs[datum] = gpd.read_file(out / "alliances.gpkg", layer="alliance_units")
    wgs, gcj = outputs["wgs84"], outputs["gcj02"]
    assert len(wgs) == 2
    assert gcj.geometry.to_crs(tc.UTM).distance(wgs.geometry.to_crs(tc.UTM)).max() < 0.01  # metres
