"""Tests for gridparty.alliances.tables: reading the organisation tables and finding problems in their rows.

Tiny tables of units, alliances and memberships are written out here; the sample city's
memberships hold one planted problem (M096 names a unit that does not exist).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from gridparty.alliances import tables
from gridparty.alliances.schema import ALLIANCE, ALLIANCE_KINDS, MEMBERSHIP, UNIT
from gridparty.core.errors import ColumnError, DuplicateIdError, InputError
from gridparty.core.model import ISSUE_COLUMNS
from gridparty.core.schema import Level
from gridparty.datasets.sample import ALLIANCE_PROBLEMS as SAMPLE_PROBLEMS
from gridparty.datasets.sample import sample_layer

TABLES = ("units", "alliances", "memberships")

# U2 and U3 share a name, so that name names no unit
UNITS = pd.DataFrame(
    {"name": ["甲公司", "乙公司", "乙公司"]}, index=pd.Index(["U1", "U2", "U3"], name="unit_id")
)
ALLIANCES = pd.DataFrame({"name": ["金融联盟"]}, index=pd.Index(["A1"], name="alliance_id"))
ENDS = (("unit_id", UNITS, "unknown_unit"), ("alliance_id", ALLIANCES, "unknown_alliance"))


def _memberships() -> pd.DataFrame:
    """Five rows by Chinese headers: #3 repeats #1 by name, #4 has no unit, #5 repeats #1."""
    return pd.DataFrame(
        {
            "成员单位": ["U1", " U2 ", "甲公司", None, "U1"],
            "联盟": ["A1"] * 5,
            "加入年份": ["2020", "2021", None, "2022", "2020"],
        }
    )


# -- table_level and columns_for -------------------------------------------------------------------


def test_table_level_describes_a_point_or_plain_table() -> None:
    level = tables.table_level(
        "post",
        "posts",
        {"name": "str", "staff_count": "int"},
        {"驿站编号": "post_id"},
        "驿站",
        "post",
        points=True,
    )
    assert isinstance(level, Level)
    assert (level.name, level.layer, level.id_column) == ("post", "posts", "post_id")
    assert level.parent is None
    assert level.geometry_types == ("Point",)
    assert level.public_columns == ("post_id", "name", "staff_count")
    assert dict(level.aliases) == {"驿站编号": "post_id", "staff_coun": "staff_count"}
    assert (level.label_zh, level.label_en) == ("驿站", "post")
    plain = tables.table_level("tie", "ties", {}, {}, "结对", "tie", points=False)
    assert plain.geometry_types == ()
    assert UNIT.aliases["formal_mem"] == "formal_members"


def test_columns_for_picks_one_table() -> None:
    assert tables.columns_for(None, TABLES, "units") == {}
    assert tables.columns_for({}, TABLES, "units") == {}
    nested = {"units": {"单位代码": "unit_id"}, "memberships": {"x": "since"}}
    assert tables.columns_for(nested, TABLES, "units") == {"单位代码": "unit_id"}
    assert tables.columns_for(nested, TABLES, "alliances") == {}


def test_columns_for_refuses_flat_or_unknown_tables() -> None:
    with pytest.raises(
        InputError,
        match=r"^columns must be nested by table name, e\.g\. \{'units': \{'单位代码': 'unit_id'\}\}; "
        r"got \{'单位代码': 'unit_id'\}\.$",
    ):
        tables.columns_for({"单位代码": "unit_id"}, TABLES, "units")  # type: ignore[dict-item]
    with pytest.raises(
        InputError,
        match=r"^columns has unknown tables \['unit'\]; use units, alliances, memberships\.$",
    ):
        tables.columns_for({"unit": {"a": "b"}}, TABLES, "units")


# -- read_table ------------------------------------------------------------------------------------


def test_read_table_maps_aliases_types_columns_and_numbers_rows() -> None:
    raw = _memberships()
    before = raw.copy()
    table, issues = tables.read_table(raw, MEMBERSHIP, make_ids=True)
    assert issues == []
    assert table.index.name == "membership_id"
    assert table.index.tolist() == ["#1", "#2", "#3", "#4", "#5"]
    assert table.columns.tolist() == ["unit_id", "alliance_id", "since"]
    assert table["since"].tolist() == [2020, 2021, pd.NA, 2022, 2020]
    assert {c: str(t) for c, t in table.dtypes.items()} == {
        "unit_id": "string",
        "alliance_id": "string",
        "since": "Int64",
    }
    pd.testing.assert_frame_equal(raw, before)


def test_read_table_without_ids_raises_unless_asked_to_number() -> None:
    with pytest.raises(ColumnError, match=r"^memberships has no id column 'membership_id'"):
        tables.read_table(_memberships(), MEMBERSHIP)
    given = _memberships().assign(编号=list("abcde"))
    table, _ = tables.read_table(
        given, MEMBERSHIP, columns={"编号": "membership_id"}, make_ids=True
    )
    assert table.index.tolist() == list("abcde")


def test_read_table_of_a_plain_table_drops_geometry() -> None:
    alliances = gpd.GeoDataFrame(
        {"联盟编号": ["A1", "A2"], "联盟名称": ["甲", "乙"], "类型": ["商圈", "行业"]},
        geometry=[shapely.Point(121.48, 31.22), None],
        crs=4326,
    )
    table, _ = tables.read_table(alliances, ALLIANCE)
    assert type(table) is pd.DataFrame
    assert table.columns.tolist() == ["name", "kind", "lead_unit_id", "chair_unit_id"]
    assert table["kind"].tolist() == ["商圈", "行业"]  # words are mapped to codes later
    assert table["lead_unit_id"].isna().all()


def test_read_table_of_points_keeps_them() -> None:
    units = gpd.GeoDataFrame(
        {"单位编号": ["U1"], "党员数": ["12"], "联系电话": ["10000000001"]},
        geometry=[shapely.Point(121.48, 31.22)],
        crs=4326,
    )
    table, _ = tables.read_table(units, UNIT, argument="units")
    assert isinstance(table, gpd.GeoDataFrame)
    assert table.index.tolist() == ["U1"]
    assert table["formal_members"].tolist() == [12]
    assert table["联系电话"].tolist() == ["10000000001"]
    assert table.crs.to_epsg() == 4326


def test_read_table_errors_name_the_argument() -> None:
    with pytest.raises(
        InputError, match=r"^alliances must be a DataFrame or GeoDataFrame, got list\.$"
    ):
        tables.read_table([{"alliance_id": "A1"}], ALLIANCE)  # type: ignore[arg-type]
    twice = pd.DataFrame({"alliance_id": ["A1", "A1"]})
    with pytest.raises(
        DuplicateIdError, match=r"^my_alliances: 1 alliance_id value shared by several rows"
    ):
        tables.read_table(twice, ALLIANCE, argument="my_alliances")
    table, issues = tables.read_table(twice, ALLIANCE, strict=False)
    assert table.index.tolist() == ["A1", "A1#2"]
    assert [i["check"] for i in issues] == ["duplicate_id"]


def test_require_points() -> None:
    points = gpd.GeoDataFrame({"unit_id": ["U1"]}, geometry=[shapely.Point(0, 0)], crs=4326)
    assert tables.require_points(points, "units") is points
    with pytest.raises(InputError, match=r"^units must be a GeoDataFrame of points; read a CSV"):
        tables.require_points(pd.DataFrame(points), "units")


# -- codes, resolve, negative ----------------------------------------------------------------------


def test_codes_maps_words_ignoring_case_and_blanks() -> None:
    values = pd.Series([" 商圈 ", "Regional", None, "外星", "industry"], index=list("abcde"))
    code, unknown = tables.codes(values, ALLIANCE_KINDS)
    assert code.tolist() == ["business_district", "regional", pd.NA, "外星", "industry"]
    assert code.index.tolist() == list("abcde")
    assert unknown.tolist() == [False, False, False, True, False]
    assert values.tolist()[0] == " 商圈 "


def test_resolve_by_id_or_unique_name() -> None:
    values = pd.Series([" U2", "甲公司", "乙公司", None, "U9"])
    ids, unknown = tables.resolve(values, UNITS)
    assert ids.tolist() == ["U2", "U1", "乙公司", pd.NA, "U9"]
    assert unknown.tolist() == [False, False, True, False, True]
    # a table without names resolves ids only
    ids, unknown = tables.resolve(pd.Series(["A1", "金融联盟"]), ALLIANCES.drop(columns="name"))
    assert ids.tolist() == ["A1", "金融联盟"]
    assert unknown.tolist() == [False, True]


def test_negative_ignores_missing_and_text() -> None:
    values = pd.Series(["-1", 2, None, "x", -0.5, 0])
    assert tables.negative(values).tolist() == [True, False, False, False, True, False]
    assert tables.negative(pd.Series([], dtype="Int64")).tolist() == []


# -- problems --------------------------------------------------------------------------------------


def test_problem_rows_and_frames() -> None:
    row = tables.problem("membership", 7, "duplicate_membership", "twice")
    assert row == {
        "level": "membership",
        "id": "7",
        "check": "duplicate_membership",
        "severity": "error",
        "message": "twice",
    }
    info = tables.problem("pairing", "P1", "duplicate_pair", "m", severity="info")
    assert info["severity"] == "info"
    assert tables.problem("alliance", "A1", "lead_not_member", "m")["severity"] == "warning"
    frame = tables.problem_frame([row])
    assert tuple(frame.columns) == ISSUE_COLUMNS
    assert set(map(str, frame.dtypes)) == {"string"}
    assert frame.iloc[0].tolist() == ["membership", "7", "duplicate_membership", "error", "twice"]
    assert (frame.index.name, frame.index.tolist()) == ("problem", [1])  # 序号 in exports
    empty = tables.problem_frame([])
    assert tuple(empty.columns) == ISSUE_COLUMNS
    assert len(empty) == 0
    assert {severity for severity, _ in tables.PROBLEMS.values()} == {"error", "warning"}


def test_first_checks_keeps_each_ids_first_problem() -> None:
    rows = [
        tables.problem("m", "#2", "missing_value", ""),
        tables.problem("m", "#1", "unknown_unit", ""),
        tables.problem("m", "#2", "unknown_unit", ""),
    ]
    out = tables.first_checks(rows, pd.Index(["#1", "#2", "#3"], name="membership_id"))
    assert out.tolist() == ["unknown_unit", "missing_value", pd.NA]
    assert out.index.name == "membership_id"


def test_check_links_finds_missing_unknown_and_repeated_pairs() -> None:
    raw = _memberships().assign(联盟=["A1", "A1", "A1", "A1", "A9"])
    table, _ = tables.read_table(raw, MEMBERSHIP, make_ids=True)
    before = table.copy()
    out, rows = tables.check_links(table, "membership", ENDS, "duplicate_membership")
    assert [(r["id"], r["check"]) for r in rows] == [
        ("#4", "missing_value"),
        ("#5", "unknown_alliance"),
        ("#3", "duplicate_membership"),
    ]
    assert rows[0]["message"] == (
        "membership #4: unit_id and alliance_id are both required; fill the empty cell or "
        "delete the row."
    )
    assert rows[1]["message"] == (
        "membership #5: alliance_id 'A9' is not known (neither an id nor a unique name); add it "
        "or correct the cell."
    )
    assert rows[2]["message"] == (
        "membership #3: U1 and A1 are already listed together in row #1; delete one of the two rows."
    )
    assert out["unit_id"].tolist() == ["U1", "U2", "U1", pd.NA, "U1"]
    assert out["check"].tolist() == [
        pd.NA,
        pd.NA,
        "duplicate_membership",
        "missing_value",
        "unknown_alliance",
    ]
    pd.testing.assert_frame_equal(table, before)


def test_check_links_reports_a_shared_name_as_unknown() -> None:
    table = pd.DataFrame(
        {"unit_id": ["乙公司"], "alliance_id": ["金融联盟"]},
        index=pd.Index(["m1"], name="membership_id"),
    )
    out, rows = tables.check_links(table, "membership", ENDS, "duplicate_membership")
    assert [(r["id"], r["check"]) for r in rows] == [("m1", "unknown_unit")]
    assert out.loc["m1", "alliance_id"] == "A1"


def test_check_links_treats_a_blank_cell_as_missing() -> None:
    table = pd.DataFrame(
        {"unit_id": ["  "], "alliance_id": ["A1"]}, index=pd.Index(["m1"], name="membership_id")
    )
    _, rows = tables.check_links(table, "membership", ENDS, "duplicate_membership")
    assert [(r["id"], r["check"]) for r in rows] == [("m1", "missing_value")]


# -- on the sample city ----------------------------------------------------------------------------


def test_sample_memberships_hold_exactly_the_planted_problem() -> None:
    units, _ = tables.read_table(tables.require_points(sample_layer("units"), "units"), UNIT)
    alliances, _ = tables.read_table(sample_layer("alliances"), ALLIANCE)
    raw = sample_layer("memberships")
    memberships, issues = tables.read_table(raw, MEMBERSHIP, make_ids=True)
    assert issues == []
    assert (len(units), len(alliances), len(memberships)) == (70, 8, 96)
    assert memberships.index.tolist() == raw.index.tolist()  # ids given: not renumbered
    ends = (("unit_id", units, "unknown_unit"), ("alliance_id", alliances, "unknown_alliance"))
    out, rows = tables.check_links(memberships, "membership", ends, "duplicate_membership")
    planted = [(p.id, p.check) for p in SAMPLE_PROBLEMS if p.table == "memberships"]
    assert [(r["id"], r["check"]) for r in rows] == planted == [("M096", "unknown_unit")]
    assert int(out["check"].notna().sum()) == 1
    kinds, unknown = tables.codes(alliances["kind"], ALLIANCE_KINDS)
    assert not unknown.any()
    assert set(kinds) <= set(ALLIANCE_KINDS.values())
    assert not tables.negative(units["formal_members"]).any()
    assert np.array_equal(out.index.to_numpy(), memberships.index.to_numpy())
