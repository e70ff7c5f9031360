"""Tests for gridparty.core.results: headers, headline figures, HTML tables and the Tables base.

A two-table result built here (one GeoDataFrame, one plain table) is written to Excel and
GeoPackage and read back; the sample city's pairing check is the real result without geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import tiny_city

import gridparty as gp
from gridparty.alliances.pairing import check_pairing
from gridparty.core.errors import InputError
from gridparty.core.results import HEADERS, HTML_ROWS, Tables, figures, header, html_table
from gridparty.datasets.sample import sample_layer


@dataclass(frozen=True)
class _Result(Tables):
    """A result holding the tables it is given, with its headline figures given too."""

    named: dict[str, pd.DataFrame]
    headline: dict[str, object] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return dict(self.named)

    def summary(self) -> pd.DataFrame:
        return figures(self.headline)


def _gaps() -> _Result:
    """Two gaps (400 m² in C1, 1234.5 m² in C2) with geometry, and a plain table of rates."""
    gaps = tiny_city.frame(
        {"part": [1, 2], "parent_id": ["C1", "C2"], "area_m2": [400.0, 1234.5]},
        [tiny_city.box(0, 0, 20, 20), tiny_city.box(200, 0, 230, 41.15)],
    ).set_index("part")
    rates = pd.DataFrame({"scope": ["grid", "building"], "coverage_ratio": [0.5, 1.0]}).set_index(
        "scope"
    )
    return _Result({"gaps": gaps, "rates": rates}, {"gaps_count": 2, "area_m2": 1634.5})


# -- header ----------------------------------------------------------------------------------------


#: Code name → (Chinese, English) header.
LABELS = {
    "gaps": ("空白区域", "Gaps"),
    "area_m2": ("面积（平方米）", "Area (m²)"),
    "gap_m2_before": ("空白面积（平方米）（之前）", "Gap area (m²) (before)"),
    "covered_m2_after": ("覆盖面积（平方米）（之后）", "Covered area (m²) (after)"),
    "before": ("之前", "before"),
    "grid": ("网格", "grid"),  # from the schema via maps.labels.text
    "no_such_column": ("no_such_column", "no_such_column"),
    "other_after": ("other（之后）", "other (after)"),
}


@pytest.mark.parametrize("key", LABELS)
def test_header_in_both_languages(key: str) -> None:
    assert (header(key), header(key, "en")) == LABELS[key]
    assert header(key, "zh") == LABELS[key][0]


def test_header_refuses_an_unknown_language() -> None:
    with pytest.raises(
        InputError, match=r"^lang='fr' is not supported; use 'zh' \(Chinese\) or 'en'"
    ):
        header("gaps", "fr")


def _has_chinese(label: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in label)


def test_every_header_is_chinese_then_english() -> None:
    assert [k for k, (zh, _) in HEADERS.items() if not _has_chinese(zh)] == []
    assert [k for k, (_, en) in HEADERS.items() if not en or _has_chinese(en)] == []


# -- figures and html_table ------------------------------------------------------------------------


def test_figures_is_one_object_column_indexed_by_figure() -> None:
    table = figures({"communities": 9, "share": 0.25, "note": "ok"})
    assert table.index.name == "figure"
    assert table.index.tolist() == ["communities", "share", "note"]
    assert table.columns.tolist() == ["value"]
    assert table["value"].dtype == object
    assert table["value"].tolist() == [9, 0.25, "ok"]
    assert figures({}).shape == (0, 1)


def test_html_table_escapes_and_rounds() -> None:
    table = pd.DataFrame(
        {"<b>v</b>": [0.123456, 12345.6, np.nan, 1.0, "<script>"], "n": [1, 2, 3, 4, 5]},
        index=pd.Index(["a", "b", "c", "d", "e&f"], name="id"),
    )
    html = html_table(table)
    assert html.startswith("<table><thead><tr><th>id</th><th>&lt;b&gt;v&lt;/b&gt;</th><th>n</th>")
    cells = [row.split("</td><td>") for row in html.split("<tr><td>")[1:]]
    assert [c[1] for c in cells] == ["0.123", "12,346", "—", "1", "&lt;script&gt;"]
    assert [c[0] for c in cells] == ["a", "b", "c", "d", "e&amp;f"]
    assert "<script>" not in html


def test_html_table_without_a_named_index_leaves_it_out() -> None:
    assert html_table(pd.DataFrame({"x": [1]})) == (
        "<table><thead><tr><th>x</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )


def test_html_table_shows_nearly_a_thousand_without_an_exponent() -> None:
    html = html_table(pd.DataFrame({"area_m2": [999.7]}))
    assert "<td>1,000</td>" in html


# -- the Tables base -------------------------------------------------------------------------------


def test_to_excel_writes_chinese_sheets_and_headers(tmp_path: Path) -> None:
    result = _gaps()
    path = result.to_excel(tmp_path / "结果.xlsx")
    assert path == tmp_path / "结果.xlsx"
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["概要", "空白区域", "覆盖率", "说明"]
    assert sheets["概要"].columns.tolist() == ["指标", "数值"]
    # figures are named for people too, like the headers
    assert sheets["概要"]["指标"].tolist() == [header("gaps_count"), header("area_m2")]
    assert sheets["概要"]["数值"].tolist() == [2, 1634.5]
    assert sheets["空白区域"].columns.tolist() == [
        "序号",
        "上级编号",
        "面积（平方米）",
    ]  # no geometry
    assert sheets["覆盖率"].to_dict("list") == {
        "统计范围": ["网格", "楼栋"],  # level codes in words
        "空间覆盖率": [0.5, 1.0],
    }
    english = pd.read_excel(result.to_excel(tmp_path / "en.xlsx", lang="en"), sheet_name=None)
    assert list(english) == ["Summary", "Gaps", "Coverage rates", "Notes"]
    assert english["Gaps"].columns.tolist() == ["No.", "Parent ID", "Area (m²)"]


def test_to_excel_refuses_a_bad_language_or_suffix(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^lang='de' is not supported"):
        _gaps().to_excel(tmp_path / "x.xlsx", lang="de")
    with pytest.raises(InputError, match=r"path='.*x\.csv' must end in \.xlsx"):
        _gaps().to_excel(tmp_path / "x.csv")
    assert not list(tmp_path.iterdir())


def test_to_geopackage_writes_only_the_tables_with_geometry(tmp_path: Path) -> None:
    result = _gaps()
    before = result.named["gaps"].copy()
    path = result.to_geopackage(tmp_path / "gaps.gpkg")
    assert [name for name, _ in pyogrio.list_layers(path)] == ["gaps"]
    back = gpd.read_file(path, layer="gaps")
    assert back["part"].tolist() == [1, 2]
    assert back["parent_id"].tolist() == ["C1", "C2"]
    assert back.crs.to_epsg() == 4326
    assert back.to_crs(tiny_city.UTM).area.round(1).tolist() == [400.0, 1234.5]
    pd.testing.assert_frame_equal(result.named["gaps"], before)


def test_to_geopackage_without_geometry_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"^nothing to write: _Result has no table with geometry; write its tables with to_excel\(\)\.$",
    ):
        _Result({"rates": pd.DataFrame({"x": [1]})}).to_geopackage(tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()


def test_repr_html_lists_each_table_with_its_row_count() -> None:
    rates = pd.DataFrame(
        {"v": range(HTML_ROWS + 3)},
        index=pd.Index([f"<u{i}>" for i in range(HTML_ROWS + 3)], name="unit"),
    )
    html = _Result({"rates": rates}, {"units": len(rates)})._repr_html_()
    assert html.startswith("<div><b>_Result</b><table>")
    assert f"<details><summary>rates ({HTML_ROWS + 3:,} rows)</summary>" in html
    assert html.count("<tr><td>&lt;u") == HTML_ROWS  # only the first rows are shown
    assert "<u0>" not in html
    assert "POLYGON" not in _gaps()._repr_html_()  # geometry is left out


# -- on the sample city ----------------------------------------------------------------------------


def test_sample_pairing_check_exports_and_shows(tmp_path: Path) -> None:
    """check_pairing's result on the sample city: four plain tables, one planted duplicate."""
    result = check_pairing(
        gp.sample_city().communities, sample_layer("departments"), sample_layer("pairings")
    )
    summary = result.summary()["value"]
    assert summary["duplicate_rows"] == 1
    assert summary["unpaired_communities"] == 1
    sheets = pd.read_excel(result.to_excel(tmp_path / "pairing.xlsx", lang="en"), sheet_name=None)
    assert next(iter(sheets)) == "Summary"
    assert len(sheets) == 1 + len(result.tables()) + 1  # the Notes sheet last
    assert list(sheets)[-1] == "Notes"
    assert sheets["Summary"]["Figure"].tolist() == [header(f, "en") for f in summary.index]
    with pytest.raises(
        InputError, match=r"^nothing to write: PairingCheck has no table with geometry"
    ):
        result.to_geopackage(tmp_path / "pairing.gpkg")
    html = result._repr_html_()
    assert "<b>PairingCheck</b>" in html
    assert "<details><summary>pairings (10 rows)</summary>" in html
