"""Tests for ``gridparty check`` (gridparty.cli.check)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import tiny_city
from tiny_city import box

from gridparty.cli.main import main
from gridparty.core.results import header


def _write(path: Path, grids: list | None = None) -> Path:
    layers = tiny_city.layers()
    if grids is not None:
        metric = layers["grids"].to_crs(tiny_city.UTM)
        metric["geometry"] = grids
        layers["grids"] = metric.to_crs(4326)
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    return path


def test_check_writes_map_workbook_and_geopackage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = _write(
        tmp_path / "city.gpkg", [box(0, 0, 100, 100), box(100, 0, 170, 100), box(200, 0, 400, 100)]
    )
    html, xlsx, gpkg = tmp_path / "map.html", tmp_path / "报告.xlsx", tmp_path / "out.gpkg"
    code = main(
        [
            "check",
            str(city),
            "--html",
            str(html),
            "--xlsx",
            str(xlsx),
            "--gpkg",
            str(gpkg),
            "--tiles",
            "none",
        ]
    )
    assert code == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # progress lines only on a terminal
    assert "空白区域" in captured.out
    assert f"workbook: {xlsx}" in captured.out
    assert "空白区域" in openpyxl.load_workbook(xlsx, read_only=True).sheetnames
    gaps = gpd.read_file(gpkg, layer="gaps")
    assert gaps["parent_id"].tolist() == ["C1"]
    assert gaps.to_crs(tiny_city.UTM).area.round(3).tolist() == [3_000.0]
    assert html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_check_with_other_grids_and_previous_snapshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = _write(tmp_path / "city.gpkg")
    previous = _write(
        tmp_path / "old.gpkg", [box(0, 0, 100, 100), box(100, 0, 170, 100), box(200, 0, 400, 100)]
    )
    other = tmp_path / "综治网格.geojson"
    gpd.GeoDataFrame(
        {"网格编号": ["Z1", "Z2"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 400, 100)],
        crs=tiny_city.UTM,
    ).to_crs(4326).to_file(other)
    gpkg = tmp_path / "out.gpkg"
    code = main(
        [
            "check",
            str(city),
            "--other-grids",
            str(other),
            "--previous",
            str(previous),
            "--gpkg",
            str(gpkg),
            "--no-streets",
            "--min-width-m",
            "3",
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    # The headline figures of the fusion and of the comparison are printed like the others.
    fusion = printed[printed.index(f"与{other}的网格融合") :]
    figures = _figures(fusion)
    assert figures["网格数"] == "3"
    assert (figures["已匹配"], figures["other_grids"], figures["min_iou"]) == ("2", "2", "0.5")
    figures = _figures(printed[printed.index(f"相比{previous}的变化") :])
    # rounded with their unit, named for people
    assert (figures[header("gap_m2_before")], figures[header("gap_m2_after")]) == (
        "3,000 m²",
        "0 m²",
    )
    assert (figures[header("closed_m2")], figures[header("gaps_before")]) == ("3,000 m²", "1")
    layers = set(pyogrio.list_layers(gpkg)[:, 0])
    assert {"gap_changes", "unmatched_grids", "unmatched_other"} <= layers
    assert "street_gaps" not in layers
    changes = gpd.read_file(gpkg, layer="gap_changes")
    assert changes["change"].tolist() == ["closed"]


def test_other_grids_with_their_own_id_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = _write(tmp_path / "city.gpkg")
    other = tmp_path / "综治网格.geojson"
    gpd.GeoDataFrame(
        {"zz_id": ["Z1", "Z2"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 400, 100)],
        crs=tiny_city.UTM,
    ).to_crs(4326).to_file(other)
    argv = ["check", str(city), "--other-grids", str(other), "--no-streets"]
    assert main(argv) == 2
    assert "no id column" in capsys.readouterr().err
    assert main([*argv, "--other-id", "zz_id"]) == 0
    assert main([*argv, "--other-id", "zz_id", "--lang", "en"]) == 0
    fusion = capsys.readouterr().out
    figures = _figures(fusion[fusion.index(f"grid fusion with {other}") :])
    assert (figures["Matched"], figures["other_grids"]) == ("2", "2")


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(tmp_path / "missing.gpkg")]) == 2
    assert "does not exist" in capsys.readouterr().err
    city = _write(tmp_path / "city.gpkg")
    assert main(["check", str(city), "--min-area-m2", "-1"]) == 2
    assert "min_area_m2=-1.0 must be a number >= 0" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--xlsx", "{tmp}/r.xls"], "path='{tmp}/r.xls' must end in .xlsx to write a workbook."),
        (
            ["--gpkg", "{tmp}/g.geojson"],
            "path='{tmp}/g.geojson' must end in .gpkg to write a GeoPackage.",
        ),
        (["--html", "{tmp}/m.png"], "path='{tmp}/m.png' must end in .html to write a map."),
        (
            ["--xlsx", "{tmp}/no/r.xlsx"],
            "path='{tmp}/no/r.xlsx': the folder '{tmp}/no' does not exist; create it first.",
        ),
        (["--min-width-m", "nan"], "min_width_m=nan must be a number >= 0 (metres)."),
        (
            ["--other-grids", "{tmp}/city.gpkg", "--min-iou", "0"],
            "min_iou=0.0 must be a share in (0, 1], e.g. 0.5.",
        ),
    ],
)
def test_bad_arguments_are_refused_before_the_check(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    import gridparty.checks.report

    city = _write(tmp_path / "city.gpkg")

    def heavy(*args: object, **kwargs: object) -> None:
        raise AssertionError("check_coverage ran before the arguments were checked")

    monkeypatch.setattr(gridparty.checks.report, "check_coverage", heavy)
    assert main(["check", str(city), *[a.format(tmp=tmp_path) for a in argv]]) == 2
    assert message.format(tmp=tmp_path) in capsys.readouterr().err


def _figures(printed: str) -> dict[str, str]:
    """The figures of a printed summary table: name → value (first one of each name)."""
    found: dict[str, str] = {}
    for line in printed.splitlines()[1:]:
        name, _, value = line.strip().rpartition("  ")
        if name.strip():
            found.setdefault(name.strip(), value.strip())
    return found


def test_an_attribute_missing_from_a_layer_is_one_not_recorded_row_per_layer(
    tmp_path: Path,
) -> None:
    """Buildings without households and has_group: one not_recorded row per attribute of the
    buildings layer, with the attribute named, and no finding per building or grid."""
    path = tmp_path / "no_attributes.gpkg"
    layers = tiny_city.layers()
    layers["buildings"] = layers["buildings"].drop(columns=["households", "has_group"])
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    argv = [str(path), "--quiet", "--tiles", "none"]
    assert main(["validate", *argv, "--csv", str(tmp_path / "issues.csv")]) == 0
    issues = pd.read_csv(tmp_path / "issues.csv", encoding="utf-8-sig")
    assert issues[["level", "id", "check"]].values.tolist() == [
        ["building", "has_group", "not_recorded"]
    ]
    assert "has_group" in issues["message"].iloc[0]
    assert "is recorded for none of the 4 buildings" in issues["message"].iloc[0]
    assert main(["check", *argv, "--gpkg", str(tmp_path / "check.gpkg")]) == 0
    findings = gpd.read_file(tmp_path / "check.gpkg", layer="findings")
    missing = findings[findings["check"] == "not_recorded"]
    assert sorted(zip(missing["level"], missing["id"], strict=True)) == [
        ("building", "has_group"),
        ("building", "households"),
    ]
    skipped = {"members_without_group", "households_outside_band"}
    assert not findings["check"].isin(skipped).any()


def _findings_sheet(path: Path, sheet: str) -> pd.DataFrame:
    return pd.read_excel(path, sheet_name=sheet)


def test_check_workbook_shows_levels_checks_and_severities_in_words(tmp_path: Path) -> None:
    """Chinese by default, the check code kept in 检查代码; English with --lang en."""
    city = _write(tmp_path / "city.gpkg")
    zh, en = tmp_path / "zh.xlsx", tmp_path / "en.xlsx"
    argv = ["check", str(city), "--tiles", "none", "--quiet"]
    assert main([*argv, "--xlsx", str(zh)]) == 0
    assert main([*argv, "--xlsx", str(en), "--lang", "en"]) == 0
    chinese = _findings_sheet(zh, header("findings"))
    joint = chinese[chinese["检查代码"] == "joint_branch_candidate"]
    assert joint[["层级", "编号", "问题", "级别"]].values.tolist() == [
        ["网格", "G3", header("joint_branch_candidate"), "警告"]
    ]
    english = _findings_sheet(en, header("findings", "en"))
    joint = english[english["Check code"] == "joint_branch_candidate"]
    assert joint[["Level", "ID", "Check", "Severity"]].values.tolist() == [
        ["grid", "G3", header("joint_branch_candidate", "en"), "warning"]
    ]


def test_lang_report_is_a_deprecated_alias_of_lang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = _write(tmp_path / "city.gpkg")
    xlsx = tmp_path / "en.xlsx"
    argv = ["check", str(city), "--xlsx", str(xlsx), "--lang-report", "en", "--tiles", "none"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err == (
        "gridparty: warning: --lang-report is deprecated and will be removed; use --lang\n"
    )
    assert header("findings", "en") in openpyxl.load_workbook(xlsx, read_only=True).sheetnames


def test_validate_workbook_in_english_with_lang_en(tmp_path: Path) -> None:
    city = _write(tmp_path / "city.gpkg")
    xlsx = tmp_path / "issues.xlsx"
    layers = tiny_city.layers()
    layers["grids"].assign(has_branch=[True, False, True]).to_file(city, layer="grids")
    argv = ["validate", str(city), "--xlsx", str(xlsx), "--lang", "en", "--tiles", "none"]
    assert main(argv) == 0
    issues = pd.read_excel(xlsx, sheet_name="Validation issues")
    assert issues[["Level", "ID", "Check", "Check code", "Severity"]].values.tolist() == [
        ["grid", "G2", "enough members but no branch", "members_without_branch", "warning"]
    ]


def test_same_level_overlaps_are_a_sheet_of_the_check_and_validate_workbooks(
    tmp_path: Path,
) -> None:
    """C2 reaches 50 m into C1: 5,000 m² claimed by two communities."""
    path = tmp_path / "overlap.gpkg"
    layers = tiny_city.layers()
    metric = layers["communities"].to_crs(tiny_city.UTM)
    metric.loc[1, "geometry"] = box(150, 0, 400, 100)
    layers["communities"] = metric.to_crs(4326)
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    argv = [str(path), "--quiet", "--tiles", "none"]
    check, issues = tmp_path / "check.xlsx", tmp_path / "issues.xlsx"
    assert main(["check", *argv, "--xlsx", str(check)]) == 0
    assert main(["validate", *argv, "--xlsx", str(issues)]) == 0
    for book in (check, issues):
        sheet = pd.read_excel(book, sheet_name="同级单元重叠")
        rows = sheet[["层级", "编号", "另一方编号"]].values.tolist()
        assert rows == [["社区", "C1", "C2"]], book.name
        assert sheet["面积（平方米）"].round(3).tolist() == [5000.0]
