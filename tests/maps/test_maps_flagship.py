"""Tests for gridparty.maps.flagship (the mentoring-zone map) and the ``gridparty zones`` command."""

from __future__ import annotations

from pathlib import Path

import flagship_city
import pandas as pd
import pytest
from test_maps import features, in_page, legend_text, overlay_names, popup, render

from gridparty.cli.main import main
from gridparty.core.errors import InputError
from gridparty.core.results import header
from gridparty.flagship.zones import mentoring_zones
from gridparty.maps import save_map
from gridparty.maps.flagship import flagship_map

H = flagship_city.hierarchy()
HOSTILE = '<img src=x onerror="window.__pwned=1">`${window.__pwned=3}`'


def _zones(**kwargs):
    orgs = flagship_city.organisations().assign(
        name=["一号公司", HOSTILE, "三号公司", "四号公司", "五号园区"]
    )
    if "area_km2" not in kwargs:
        kwargs["radius_m"] = 600
    return mentoring_zones(H, ["A", "B"], organisations=orgs, **kwargs)


def test_map_layers_legend_and_popups() -> None:
    page = render(flagship_map(_zones(), communities=H.communities, tiles="none"))
    assert overlay_names(page) == [
        "旗舰社区辐射区",
        "社区（大党委）",
        "帮带连线",
        "帮带对象",
        "辐射区外组织",
        "旗舰社区",
    ]
    legend = legend_text(page)
    assert "半径 600 米，自社区党群服务站（无则社区内代表点）起算" in legend
    assert "帮带对象 3 个，辐射区外 4 个" in legend
    assert "帮带对象（位于多个辐射区）" in legend
    row = popup(page, "两新组织：五号园区")
    assert row["旗舰社区"] == "乙社区"
    assert row["距离（米）"] == "304"
    assert row["党员数"] == "50"
    assert popup(page, "两新组织：一号公司")["党员数"] == "12"
    o3 = popup(page, "两新组织：三号公司")
    assert o3["超出辐射区（米）"] == "300"
    assert o3["最近旗舰社区"] == "乙社区"
    flagship = popup(page, "旗舰社区：甲社区")
    assert flagship["帮带对象"] == "2"
    assert flagship["覆盖正式党员数"] == "15"
    # 1 zone + 1 marker per flagship, 3 communities, 3 links, 3 mentees, 4 unreached
    assert len(features(page)) == 2 + 3 + 3 + 3 + 4 + 2


def test_map_suppresses_small_counts_and_never_shows_contacts() -> None:
    page = render(flagship_map(_zones(), tiles="none"))
    assert popup(page, "两新组织：四号公司")["党员数"] == "<5"
    for secret in ("虚构书记", "10000000001", "书记", "联系电话"):
        assert not in_page(page, secret)
    # The hostile name is escaped wherever it appears: raw nowhere, shown literally.
    assert HOSTILE not in page
    assert popup(page, "两新组织：" + HOSTILE)["旗舰社区"] == "甲社区"


def test_map_in_english_without_links(tmp_path: Path) -> None:
    m = flagship_map(_zones(area_km2=1.0), links=False, lang="en", tiles="none")
    page = render(m)
    assert "Mentoring links" not in overlay_names(page)
    assert "area 1 km² (radius 564 m)" in legend_text(page)
    assert save_map(m, tmp_path / "zones.html").is_file()


def test_map_needs_a_mentoring_zones_result() -> None:
    with pytest.raises(InputError, match="zones must be the result of mentoring_zones"):
        flagship_map(H.communities)


# -- the command ---------------------------------------------------------------------------------


@pytest.fixture
def city_gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "city.gpkg"
    H.communities.to_file(path, layer="communities", driver="GPKG")
    H.grids.to_file(path, layer="grids", driver="GPKG")
    flagship_city.organisations().to_file(path, layer="organisations", driver="GPKG")
    flagship_city.centres().to_file(path, layer="service_centres", driver="GPKG")
    return path


def test_zones_command_with_given_flagships(
    city_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = {k: tmp_path / f"out.{k}" for k in ("html", "xlsx", "gpkg")}
    roster = tmp_path / "roster.xlsx"
    code = main(
        [
            "zones",
            str(city_gpkg),
            "--flagships",
            "A,B",
            "--radius-m",
            "600",
            "--html",
            str(out["html"]),
            "--xlsx",
            str(out["xlsx"]),
            "--gpkg",
            str(out["gpkg"]),
            "--roster",
            str(roster),
            "--tiles",
            "none",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "帮带对象" in printed  # the mentees figure, named in Chinese
    assert all(p.is_file() for p in [*out.values(), roster])
    mentees = pd.read_excel(out["xlsx"], sheet_name="帮带对象")
    assert mentees["组织编号"].tolist() == ["O1", "O2", "O5"]
    # A's zone starts at its community station S1 (150, 150): O1 is √(50² + 450²) away.
    assert mentees["距离（米）"].iloc[0] == pytest.approx(452.77, abs=0.01)
    assert pd.read_excel(roster, sheet_name="A 甲社区")["书记"].tolist() == [
        "虚构书记甲",
        "虚构书记乙",
    ]


def test_zones_command_chooses_flagships(
    city_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "choice.xlsx"
    assert (
        main(
            [
                "zones",
                str(city_gpkg),
                "--k",
                "2",
                "--radius-m",
                "600",
                "--no-centres",
                "--xlsx",
                str(xlsx),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "PuLP MCLP with blocked rows, CBC (exact)" in printed
    assert "flagships: A,B" in printed
    assert list(pd.read_excel(xlsx, sheet_name=None)) == [
        "概要",
        "候选社区",
        "未覆盖组织",
        "旗舰社区",
        "辐射区",
        "帮带对象",
        "多辐射区组织",
        "辐射区外组织",
        "旗舰社区自身及其网格",
        "说明",  # the notes sheet, last
    ]
    assert (
        main(["zones", str(city_gpkg), "--cover", "--radius-m", "600", "--solver", "greedy"]) == 0
    )
    assert "greedy, numpy" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--flagships", "A,Z", "--radius-m", "600"], "['Z'] are not community ids"),
        (["--flagships", "A", "--area-km2", "0"], "area_km2=0.0 must be a positive"),
        (["--k", "5", "--radius-m", "600"], "k=5 must be a whole number from 1 to the 3"),
        (["--flagships", ",", "--radius-m", "600"], "names no community id"),
    ],
)
def test_zones_command_bad_input(
    city_gpkg: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["zones", str(city_gpkg), *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--k", "0", "--radius-m", "600"], "k=0 must be a whole number from 1 to the 3"),
        (["--cover", "--radius-m", "0"], "radius_m=0.0 must be a positive finite number."),
        (
            ["--cover", "--radius-m", "600", "--time-limit", "-1"],
            "time_limit_s=-1.0 must be > 0 seconds",
        ),
        (["--flagships", "A,Z", "--radius-m", "600"], "['Z'] are not community ids"),
        (
            ["--k", "1", "--radius-m", "600", "--xlsx", "{tmp}/z.csv"],
            "path='{tmp}/z.csv' must end in .xlsx to write a workbook.",
        ),
        (
            ["--k", "1", "--radius-m", "600", "--roster", "{tmp}/r.pdf"],
            "path='{tmp}/r.pdf' must end in .xlsx to write a workbook.",
        ),
        (
            ["--k", "1", "--radius-m", "600", "--gpkg", "{tmp}/none/z.gpkg"],
            "path='{tmp}/none/z.gpkg': the folder '{tmp}/none' does not exist; create it first.",
        ),
        (
            ["--k", "1", "--radius-m", "600", "--html", "{tmp}/z.svg"],
            "path='{tmp}/z.svg' must end in .html to write a map.",
        ),
    ],
)
def test_zones_command_checks_arguments_before_the_heavy_work(
    city_gpkg: Path,
    tmp_path: Path,
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gridparty.flagship.choice
    import gridparty.flagship.zones

    def heavy(*args: object, **kwargs: object) -> None:
        raise AssertionError("a choice or the zones ran before the arguments were checked")

    for module, name in (
        (gridparty.flagship.zones, "mentoring_zones"),
        (gridparty.flagship.choice, "choose_flagships"),
        (gridparty.flagship.choice, "fewest_flagships"),
    ):
        monkeypatch.setattr(module, name, heavy)
    assert main(["zones", str(city_gpkg), *[a.format(tmp=tmp_path) for a in argv]]) == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err


def test_zones_cover_with_nothing_in_reach_says_why(
    city_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["zones", str(city_gpkg), "--cover", "--radius-m", "10", "--no-centres"]
    assert main([*argv, "--levels", "organisation"]) == 2
    err = capsys.readouterr().err
    assert "flagships is empty" not in err
    assert (
        "no organisation is within reach of a candidate flagship (zone: radius 10 m, "
        "from the community station (else a point inside the community); 5 organisations, "
        "3 candidate communities;"
    ) in err
    assert "the nearest is 304.1 m away. Pass a zone radius of at least 305 m" in err


def test_zones_cover_reports_as_covered_exactly_the_mentees(
    city_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xlsx = tmp_path / "zones.xlsx"
    argv = ["zones", str(city_gpkg), "--cover", "--radius-m", "600", "--no-centres"]
    assert main([*argv, "--xlsx", str(xlsx)]) == 0
    summary = pd.read_excel(xlsx, sheet_name=header("summary"), index_col=0)
    assert summary.loc["未被旗舰辐射"].tolist() == [4]
    printed = capsys.readouterr().out
    figures = dict(line.split()[:2] for line in printed.splitlines() if len(line.split()) == 2)
    assert (figures["已覆盖"], figures["帮带对象"]) == ("3", "3")
    assert (figures["未被旗舰辐射"], figures["辐射区外组织"]) == ("4", "4")
    assert header("uncovered") not in printed  # not the wording of a gap in grid coverage
    assert "flagships: A,B" in printed


def test_zones_command_needs_a_size(city_gpkg: Path) -> None:
    with pytest.raises(SystemExit):
        main(["zones", str(city_gpkg), "--flagships", "A"])
    with pytest.raises(SystemExit):
        main(["zones", str(city_gpkg), "--flagships", "A", "--radius-m", "1", "--area-km2", "1"])


@pytest.mark.browser
def test_zone_map_runs_in_chromium_and_hostile_text_is_inert(chromium, tmp_path: Path) -> None:
    path = save_map(
        flagship_map(_zones(), communities=H.communities, tiles="none"), tmp_path / "zones.html"
    )
    context = chromium.new_context()
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.add_init_script("window.__pwned = 0;")
        page.goto(path.as_uri(), wait_until="load")
        page.wait_for_function("() => document.querySelector('.gp-legend')")
        page.evaluate("""() => {
            const map = window[document.querySelector('.folium-map').id];
            map.eachLayer(l => { if (l.feature) { l.openTooltip && l.openTooltip();
                                                  l.openPopup && l.openPopup(); } });
        }""")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__pwned") == 0
        assert "半径 600 米" in page.evaluate("document.querySelector('.gp-legend').textContent")
        drawn = page.evaluate("document.querySelectorAll('.leaflet-map-pane svg path').length")
        assert drawn == 2 + 3 + 3 + 3 + 4 + 2
    finally:
        context.close()
    assert errors == []
