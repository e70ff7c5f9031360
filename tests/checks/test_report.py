"""Tests for gridparty.checks.report: check_coverage, the CoverageReport and its exports."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pyogrio
import pytest
import tiny_city
from tiny_city import box

from gridparty.checks.report import GRID_STATUSES, CoverageReport, check_coverage
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets import sample as ds


@pytest.fixture(scope="module")
def sample_report() -> CoverageReport:
    return check_coverage(ds.sample_city())


def _tiny(**changes: gpd.GeoDataFrame) -> Hierarchy:
    return Hierarchy(**{**tiny_city.layers(), **changes})


def test_sample_city_summary_by_community_and_street(sample_report: CoverageReport) -> None:
    by_community = sample_report.summary()
    assert len(by_community) == 9
    assert by_community.index.name == "community_id"
    strip = by_community.loc["310101002001"]
    assert (strip["gaps"], strip["buildings_in_gaps"]) == (1, 2)
    assert round(strip["gap_m2"]) == 1_025
    assert by_community["gaps"].sum() == 1
    assert by_community.loc["310101002002", "outside_m2"] == pytest.approx(302, abs=1)
    assert by_community.loc["310101002004", "overlap_m2"] == pytest.approx(320, abs=1)
    assert by_community["warnings"].sum() == 2  # the planted missing branch and group
    by_street = sample_report.summary("street")
    assert by_street.index.tolist() == ["北外滩街道", "外滩街道", "陆家嘴街道"]
    assert by_street["grids"].sum() == 60
    assert by_street.loc["外滩街道", "gap_m2"] == pytest.approx(1_025, abs=1)
    assert by_street["community_gap_m2"].sum() == 0  # communities tile their streets
    assert by_street.loc["北外滩街道", "coverage_ratio"] == 1.0
    with pytest.raises(InputError, match="by='grid' is not a unit of the report"):
        sample_report.summary("grid")


def test_grid_status_explains_every_coloured_grid(sample_report: CoverageReport) -> None:
    status = sample_report.grid_status
    assert set(status["status"]) <= set(GRID_STATUSES)
    counts = status["status"].value_counts().to_dict()
    # 3 grids in the planted overlap and spill-over; the planted missing branch; 10 grids
    # outside the households band (the 11th, 31010100200302, is the missing branch)
    assert counts == {"ok": 46, "attention": 10, "spatial": 3, "no_branch": 1}
    spatial = status[status["status"] == "spatial"]
    assert sorted(spatial.index) == ["31010100200201", "31010100200401", "31010100200402"]
    assert status.loc["31010100200302", "reasons"] == (
        "committee_due, households_outside_band, members_without_branch"
    )
    assert status.crs.to_epsg() == 4326


def test_exports_excel_and_geopackage(sample_report: CoverageReport, tmp_path: Path) -> None:
    book = sample_report.to_excel(tmp_path / "覆盖报告.xlsx")
    workbook = openpyxl.load_workbook(book, read_only=True)
    assert workbook.sheetnames[:5] == ["概要", "按街道汇总", "空白区域", "重叠区域", "超出上级部分"]
    header = [c.value for c in next(workbook["空白区域"].iter_rows(max_row=1))]
    assert header == [
        "序号",
        "上级编号",
        "类型",
        "面积（平方米）",
        "宽度（米）",
        "楼栋数",
        "户数",
        "党员户",
    ]
    english = openpyxl.load_workbook(sample_report.to_excel(tmp_path / "en.xlsx", lang="en"))
    assert english.sheetnames[:3] == ["Summary", "By street", "Gaps"]
    gpkg = sample_report.to_geopackage(tmp_path / "coverage.gpkg")
    layers = dict(pyogrio.list_layers(gpkg))
    assert {"gaps", "overlaps", "outside", "grid_status", "findings"} <= set(layers)
    gaps = gpd.read_file(gpkg, layer="gaps")
    assert gaps["parent_id"].tolist() == ["310101002001"]
    assert gaps.crs.to_epsg() == 4326
    findings = pd.read_excel(book, sheet_name="组织覆盖问题")
    assert "姓名" not in findings.columns
    assert "联系电话" not in findings.columns


def test_html_repr_escapes_names() -> None:
    communities = tiny_city.communities().assign(name=["<script>alert(1)</script>", "西社区"])
    report = check_coverage(_tiny(communities=communities))
    html = report._repr_html_()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert html.startswith("<div><b>CoverageReport</b>")


def test_other_grids_and_a_previous_snapshot() -> None:
    metric = tiny_city.grids().to_crs(tiny_city.UTM)
    previous = metric.assign(
        geometry=[box(0, 0, 100, 100), box(100, 0, 170, 100), box(200, 0, 400, 100)]
    )
    other = gpd.GeoDataFrame(
        index=pd.Index(["Z1", "Z2"], name="code"),
        geometry=[box(0, 0, 100, 100), box(100, 0, 400, 100)],
        crs=tiny_city.UTM,
    )
    report = check_coverage(_tiny(), other_grids=other, previous=_tiny(grids=previous.to_crs(4326)))
    assert report.fusion is not None
    assert report.changes is not None
    assert report.fusion.matches["other_id"].fillna("-").tolist() == ["Z1", "-", "Z2"]
    assert report.changes.gap_changes["change"].tolist() == ["closed"]
    assert report.changes.gap_changes["area_m2"].round(3).tolist() == [3_000.0]
    assert {"fusion_matches", "gap_changes", "changes_by_community"} <= set(report.tables())


def test_workbook_sheets_have_labelled_first_columns_and_chinese_words(tmp_path: Path) -> None:
    """覆盖率 and 网格相交对 start with a named column; level and scope words are Chinese."""
    other = gpd.GeoDataFrame(
        index=pd.Index(["Z1", "Z2"], name="code"),
        geometry=[box(0, 0, 100, 100), box(100, 0, 400, 100)],
        crs=tiny_city.UTM,
    )
    report = check_coverage(_tiny(), other_grids=other)
    book = openpyxl.load_workbook(report.to_excel(tmp_path / "报告.xlsx"), read_only=True)

    def rows(sheet: str) -> list[tuple]:
        return [tuple(r) for r in book[sheet].iter_rows(values_only=True)]

    rates = rows("覆盖率")
    assert rates[0][:3] == ("统计范围", "单位", "层级")
    assert rates[1][:3] == ("社区", "C1", "楼栋")
    assert {r[0] for r in rates[1:]} == {"社区", "街道", "合计"}
    assert {r[2] for r in rates[1:]} == {"网格", "楼栋"}
    assert ("合计", "全部", "网格") in {r[:3] for r in rates[1:]}
    pairs = rows("网格相交对")
    assert pairs[0] == ("网格编号", "另一方编号", "相交面积（平方米）", "重合度（IoU）", "已匹配")
    assert [r[:2] for r in pairs[1:]] == [("G1", "Z1"), ("G2", "Z2"), ("G3", "Z2")]
    english = openpyxl.load_workbook(
        report.to_excel(tmp_path / "en.xlsx", lang="en"), read_only=True
    )
    first = [tuple(r) for r in english["Coverage rates"].iter_rows(values_only=True)][:2]
    assert first[0][:3] == ("Scope", "Unit", "Level")
    assert first[1][:3] == ("community", "C1", "building")  # codes as they are in English
    assert report.organisation.rates["level"].iloc[0] == "building"  # the table is unchanged


def test_problems_of_both_levels_and_bad_input() -> None:
    grids = tiny_city.grids()
    grids.loc[1, "geometry"] = None
    report = check_coverage(_tiny(grids=grids))
    assert report.problems[["id", "check"]].values.tolist() == [["G2", "empty_geometry"]]
    assert report.grid_status.loc["G2", "status"] == "spatial"
    with pytest.raises(InputError, match=r"h must be a gridparty\.Hierarchy"):
        check_coverage("city.gpkg")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"previous must be a gridparty\.Hierarchy"):
        check_coverage(_tiny(), previous="old.gpkg")  # type: ignore[arg-type]
    steps: list[str] = []
    check_coverage(_tiny(), streets=False, progress=steps.append)
    assert steps[0].startswith("assigning parents")
    assert steps[1:] == [
        "parents filled from space: none",
        "checking grids in communities",
        "checking communities, streets and districts for land claimed twice",
        "checking the organisation rules",
    ]
