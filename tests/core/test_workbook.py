"""The one workbook style: frozen header, autofilter, number formats by unit, no geometry,
fitted widths and a notes sheet with the run's parameters."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
from shapely.geometry import Point

from gridparty.core.io import write_table, write_workbook
from gridparty.core.results import figures
from gridparty.core.workbook import VERSION, column_width, number_format


def _book(tmp_path: Path) -> openpyxl.Workbook:
    gaps = gpd.GeoDataFrame(
        {
            "grid_id": ["G1", "G2"],
            "gap_m2": [260939.4503974683, 12.5],
            "distance_m": [12.345, 0.05],
            "area_km2": [1.23456, 0.5],
            "coverage_ratio": [0.9997913718674166, 0.5],
            "buildings": pd.array([3, 12000], dtype="Int64"),
        },
        geometry=[Point(0, 0), Point(1, 1)],
        crs=4326,
    )
    summary = figures({"area_m2": 4911311.847413, "covered_share": 0.25, "grids": 7})
    path = write_workbook(
        {"summary": summary, "gaps": gaps},
        tmp_path / "book.xlsx",
        headers={"grid_id": "网格编号", "gap_m2": "空白面积（平方米）", "area_m2": "面积"},
        notes={"min_area_m2": 1.0, "levels": ["grid", "building"], "previous": None},
    )
    return openpyxl.load_workbook(path)


def test_every_sheet_has_a_frozen_header_and_an_autofilter(tmp_path: Path) -> None:
    book = _book(tmp_path)
    assert book.sheetnames == ["summary", "gaps", "说明"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
    assert book["gaps"].auto_filter.ref == "A1:G3"  # index + six columns, header + two rows
    assert book["summary"].auto_filter.ref == "A1:B4"


def test_numbers_are_shown_rounded_with_their_unit_and_kept_exact(tmp_path: Path) -> None:
    sheet = _book(tmp_path)["gaps"]
    header = [c.value for c in sheet[1]]
    assert header == [
        None,
        "网格编号",
        "空白面积（平方米）",
        "distance_m",
        "area_km2",
        "coverage_ratio",
        "buildings",
    ]
    row = sheet[2]
    assert row[2].value == 260939.4503974683
    assert row[2].number_format == "#,##0"
    assert row[3].number_format == "#,##0.0"
    assert row[4].number_format == "#,##0.000"
    assert row[5].number_format == "0.0%"
    assert row[6].number_format == "#,##0"
    assert row[1].number_format == "General"  # text stays text


def test_no_geometry_is_written_as_text(tmp_path: Path) -> None:
    sheet = _book(tmp_path)["gaps"]
    texts = [str(c.value) for row in sheet.iter_rows() for c in row]
    assert "geometry" not in texts
    assert not any(t.startswith("POINT") for t in texts)


def test_summary_figures_are_named_and_formatted_by_their_own_unit(tmp_path: Path) -> None:
    sheet = _book(tmp_path)["summary"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1] == ["面积", 4911311.847413]  # the figure named by headers
    assert [sheet.cell(row=r, column=2).number_format for r in (2, 3, 4)] == [
        "#,##0",
        "0.0%",
        "General",
    ]


def test_the_notes_sheet_lists_the_version_and_the_parameters(tmp_path: Path) -> None:
    rows = [[c.value for c in row] for row in _book(tmp_path)["说明"].iter_rows()]
    assert rows == [
        ["参数", "值"],
        ["gridparty 版本", VERSION],
        ["min_area_m2", "1"],
        ["levels", "grid, building"],
        ["previous", "—"],
    ]


def test_widths_fit_the_text_and_cjk_counts_double(tmp_path: Path) -> None:
    assert column_width(["abcd"]) == 6  # the minimum
    assert column_width(["网格编号网格编号"]) == 18  # 8 CJK characters = 16, + 2
    assert column_width(["x" * 200]) == 60  # the maximum
    sheet = _book(tmp_path)["gaps"]
    assert sheet.column_dimensions["C"].width == column_width(["空白面积（平方米）", "260,939"])


def test_the_issues_workbook_has_the_same_style(tmp_path: Path) -> None:
    issues = gpd.GeoDataFrame(
        {
            "level": ["grid"],
            "id": ["G1"],
            "check": ["gap"],
            "severity": ["warning"],
            "message": ["x"],
        },
        geometry=[Point(0, 0)],
        crs=4326,
    )
    path = write_table(issues, tmp_path / "issues.xlsx", notes={"min_width_m": 2.0})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["校验问题", "说明"]
    sheet = book["校验问题"]
    assert [c.value for c in sheet[1]] == ["层级", "编号", "问题", "检查代码", "级别", "说明"]
    # code words in words for people, the check code kept for filters
    assert [c.value for c in sheet[2]] == ["网格", "G1", "gap", "gap", "警告", "x"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F2"
    assert ["min_width_m", "2"] in [[c.value for c in r] for r in book["说明"].iter_rows()]


def test_number_format_by_code_name() -> None:
    assert number_format("gap_m2_before") == "#,##0"
    assert number_format("alliance_share") == "0.0%"
    assert number_format("shareable") is None
    assert number_format("count", pd.Series([1, 2])) == "#,##0"
    assert number_format("name", pd.Series(["a"])) is None
