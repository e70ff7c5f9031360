"""What every multi-table result shares: exports (Excel, GeoPackage) and the Jupyter HTML repr.

A result dataclass lists its tables in :meth:`Tables.tables` (name → DataFrame or
GeoDataFrame) and its headline figures in :meth:`Tables.summary` (:func:`figures`: one column
``value`` indexed by ``figure``); this base class turns them into an Excel workbook (one sheet
per table, Chinese headers by default), a GeoPackage (one layer per GeoDataFrame) and an escaped
HTML overview.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pandas as pd

from gridparty.core.errors import InputError
from gridparty.core.labels import CODE_COLUMNS, check_lang, text, value_text
from gridparty.core.paths import refuse_sources
from gridparty.core.safe import escape
from gridparty.core.schema import drop_personal

__all__ = ["HEADERS", "Tables", "figures", "header", "html_table", "in_words", "value_word"]

#: Rows of a table shown in the HTML repr.
HTML_ROWS = 12

_M2 = ("（平方米）", " (m²)")

#: Labels for people of the coverage results' tables and columns (zh, en); other names fall
#: back to :func:`gridparty.core.labels.text`.
HEADERS: dict[str, tuple[str, str]] = {
    # tables (sheets, layers)
    "summary": ("概要", "Summary"),
    "summary_street": ("按街道汇总", "By street"),
    "gaps": ("空白区域", "Gaps"),
    "overlaps": ("重叠区域", "Overlaps"),
    "outside": ("超出上级部分", "Spill-overs"),
    "street_gaps": ("街道内空白区域", "Gaps in streets"),
    "street_overlaps": ("社区重叠区域", "Community overlaps"),
    "street_outside": ("社区超出街道部分", "Communities outside streets"),
    "by_parent": ("按上级汇总", "By parent"),
    "by_child": ("按下级汇总", "By child"),
    "grid_status": ("网格状态", "Grid status"),
    "findings": ("组织覆盖问题", "Organisational findings"),
    "rates": ("覆盖率", "Coverage rates"),
    "joint_branches": ("联合党支部建议", "Joint branches"),
    "unit_overlaps": ("同级单元重叠", "Same-level overlaps"),
    "problems": ("输入数据问题", "Input problems"),
    "grid_units": ("网格组织情况", "Grid units"),
    "fusion_matches": ("多网融合匹配", "Grid fusion matches"),
    "fusion_pairs": ("网格相交对", "Intersecting grid pairs"),
    "unmatched_grids": ("未匹配的党建网格", "Unmatched party grids"),
    "unmatched_other": ("未匹配的其他网格", "Unmatched other grids"),
    "iou_histogram": ("重合度分布", "IoU distribution"),
    "gap_changes": ("空白区域变化", "Gap changes"),
    "changes_by_community": ("各社区变化", "Changes by community"),
    # columns
    "check_code": ("检查代码", "Check code"),
    "part": ("序号", "No."),
    "finding": ("序号", "No."),
    "problem": ("序号", "No."),
    "figure": ("指标", "Figure"),
    "value": ("数值", "Value"),
    "parent_id": ("上级编号", "Parent ID"),
    "child_id": ("下级编号", "Child ID"),
    "other_id": ("另一方编号", "Other ID"),
    "other_parent_id": ("另一方上级编号", "Other parent ID"),
    "kind": ("类型", "Kind"),
    "area_m2": ("面积" + _M2[0], "Area" + _M2[1]),
    "width_m": ("宽度（米）", "Width (m)"),
    "grids": ("网格数", "Grids"),
    "buildings": ("楼栋数", "Buildings"),
    "children": ("下级单元数", "Children"),
    "gap_m2": ("空白面积" + _M2[0], "Gap area" + _M2[1]),
    "slivers": ("碎片数", "Slivers"),
    "sliver_m2": ("碎片面积" + _M2[0], "Sliver area" + _M2[1]),
    "gap_slivers": ("空白碎片数", "Gap slivers"),
    "gap_sliver_m2": ("空白碎片面积" + _M2[0], "Gap sliver area" + _M2[1]),
    "overlap_slivers": ("重叠碎片数", "Overlap slivers"),
    "overlap_sliver_m2": ("重叠碎片面积" + _M2[0], "Overlap sliver area" + _M2[1]),
    "outside_slivers": ("超出碎片数", "Spill-over slivers"),
    "outside_sliver_m2": ("超出碎片面积" + _M2[0], "Spill-over sliver area" + _M2[1]),
    "overlap_m2": ("重叠面积" + _M2[0], "Overlap area" + _M2[1]),
    "grid_overlaps": ("网格重叠处", "Grid overlaps"),
    "grid_overlap_m2": ("网格重叠面积" + _M2[0], "Grid overlap area" + _M2[1]),
    "community_unit_overlaps": ("社区间重叠处", "Overlaps between communities"),
    "community_unit_overlap_m2": (
        "社区间重叠面积" + _M2[0],
        "Area of overlaps between communities" + _M2[1],
    ),
    "street_unit_overlaps": ("街道间重叠处", "Overlaps between streets"),
    "street_unit_overlap_m2": (
        "街道间重叠面积" + _M2[0],
        "Area of overlaps between streets" + _M2[1],
    ),
    "district_unit_overlaps": ("区间重叠处", "Overlaps between districts"),
    "district_unit_overlap_m2": (
        "区间重叠面积" + _M2[0],
        "Area of overlaps between districts" + _M2[1],
    ),
    "spill_overs": ("超出上级处", "Spill-overs"),
    "outside_m2": ("超出面积" + _M2[0], "Spill-over area" + _M2[1]),
    "covered_m2": ("覆盖面积" + _M2[0], "Covered area" + _M2[1]),
    "coverage_ratio": ("空间覆盖率", "Coverage ratio"),
    "buildings_in_gaps": ("空白区内楼栋数", "Buildings in gaps"),
    "households_in_gaps": ("空白区内户数", "Households in gaps"),
    "member_households_in_gaps": ("空白区内党员户", "Member households in gaps"),
    "warnings": ("警告数", "Warnings"),
    "infos": ("提示数", "Infos"),
    "grid_organisation_coverage": ("网格党组织覆盖率", "Grid organisation coverage"),
    "grid_work_coverage": ("网格党的工作覆盖率", "Grid work coverage"),
    "grid_member_work_coverage": ("网格党员户覆盖率", "Grid member work coverage"),
    "building_organisation_coverage": ("楼栋党小组覆盖率", "Building organisation coverage"),
    "building_work_coverage": ("楼栋党的工作覆盖率", "Building work coverage"),
    "building_member_work_coverage": ("楼栋党员户覆盖率", "Building member work coverage"),
    "community_gap_m2": ("社区间空白面积" + _M2[0], "Gaps between communities" + _M2[1]),
    "community_overlap_m2": ("社区重叠面积" + _M2[0], "Community overlaps" + _M2[1]),
    "status": ("状态", "Status"),
    "reasons": ("原因", "Reasons"),
    "threshold": ("标准", "Threshold"),
    "scope": ("统计范围", "Scope"),
    "unit": ("单位", "Unit"),
    "units": ("单元数", "Units"),
    "should": ("应建数", "Should have"),
    "have": ("已建数", "Have"),
    "not_recorded": ("未填写数", "Not recorded"),
    "organisation_coverage": ("党组织覆盖率", "Organisation coverage"),
    "households_reached": ("覆盖户数", "Households reached"),
    "work_coverage": ("党的工作覆盖率", "Work coverage"),
    "member_households_reached": ("覆盖党员户", "Member households reached"),
    "member_work_coverage": ("党员户覆盖率", "Member work coverage"),
    "neighbours": ("相邻候选网格", "Neighbouring candidates"),
    "branch_neighbours": ("相邻已建支部网格", "Neighbours with a branch"),
    "group": ("建议联合支部", "Suggested joint branch"),
    "group_units": ("联合单位数", "Units in group"),
    "group_formal_members": ("联合正式党员数", "Formal members in group"),
    "group_enough": ("达到建支部人数", "Enough for a branch"),
    "should_have_branch": ("应建党支部", "Should have a branch"),
    "should_have_group": ("应建党小组", "Should have a group"),
    "form": ("建议组织形式", "Organisation form"),
    "members": ("党员数", "Members"),
    "intersection_m2": ("相交面积" + _M2[0], "Intersection" + _M2[1]),
    "iou": ("重合度（IoU）", "IoU"),
    "best_iou": ("最大重合度", "Best IoU"),
    "matched": ("已匹配", "Matched"),
    "mismatch_m2": ("边界不一致面积" + _M2[0], "Mismatched area" + _M2[1]),
    "iou_bin": ("重合度区间", "IoU bin"),
    "change": ("变化", "Change"),
    "closed_m2": ("已消除面积" + _M2[0], "Closed" + _M2[1]),
    "opened_m2": ("新出现面积" + _M2[0], "Opened" + _M2[1]),
    "remaining_m2": ("仍存在面积" + _M2[0], "Remaining" + _M2[1]),
    "gaps_count": ("空白区域数", "Gaps"),
    "sheet": ("工作表", "Sheet"),
    "roster_index": ("目录", "Index"),
    # service access: tables (sheets, layers) and columns
    "life_circles": ("社区生活圈", "Life circles by community"),
    "under_served_buildings": ("服务不足楼栋", "Under-served buildings"),
    "under_served_compounds": ("服务不足小区", "Under-served compounds"),
    "buildings_access": ("楼栋距离", "Building distances"),
    "service_centres": ("党群服务中心", "Service centres"),
    "service_areas": ("生活圈服务范围", "Service areas"),
    "access_issues": ("问题", "Issues"),
    "street_components": ("路网连通", "Street components"),
    "posts": ("拟新设驿站", "Proposed posts"),
    "post": ("序号", "No."),
    "candidate_id": ("候选点", "Candidate"),
    "compound_id": ("小区编号", "Compound ID"),
    "tier": ("层级", "Tier"),
    "tier_given": ("原填层级", "Tier as given"),
    "straight_m": ("直线距离（米）", "Straight-line distance (m)"),
    "network_m": ("路网距离（米）", "Network distance (m)"),
    "centre_id": ("最近中心编号", "Nearest centre ID"),
    "snap_m": ("到道路距离（米）", "Distance to a street (m)"),
    "band_min": ("生活圈（分钟）", "Life circle (min)"),
    "under_served": ("服务不足", "Under-served"),
    "nodes": ("节点数", "Nodes"),
    "segments": ("路段数", "Segments"),
    "length_m": ("道路长度（米）", "Street length (m)"),
    "centres": ("中心数", "Centres"),
    "stranded": ("孤立", "Stranded"),
    "all_households": ("总户数", "All households"),
    "core_m": ("距核心中心（米）", "To a core centre (m)"),
    "district_m": ("距区级中心（米）", "To a district centre (m)"),
    "street_m": ("距街道中心（米）", "To a street centre (m)"),
    "community_m": ("距社区服务站（米）", "To a community station (m)"),
    "post_m": ("距驿站（米）", "To a post (m)"),
    "before": ("之前", "before"),
    "after": ("之后", "after"),
    # grid delineation: tables (sheets, layers) and columns
    "proposed_grids": ("拟划网格", "Proposed grids"),
    "building_grids": ("楼栋所属网格", "Grid of each building"),
    "community_grids": ("各社区网格划分", "Grids by community"),
    "moves": ("调整网格的楼栋", "Buildings changing grid"),
    "staffing": ("网格员配备", "Grid worker staffing"),
    "fewest_grids": ("最少网格数", "Fewest grids"),
    "band_feasible": ("户数标准可满足", "Band feasible"),
    "in_band": ("网格户数均达标", "All grids in band"),
    "method": ("划分方法", "Method"),
    "note": ("说明", "Note"),
    "unknown_buildings": ("户数不详楼栋数", "Buildings without household count"),
    "polsby_popper": ("紧凑度（Polsby–Popper）", "Compactness (Polsby–Popper)"),
    "kept": ("保留原网格", "Existing grid kept"),
    "party_organisation": ("党组织设置", "Party organisation"),
    "joint_branch": ("联合党支部", "Joint branch"),
    "full_time": ("专职网格员", "Full-time workers"),
    "part_time": ("兼职网格员", "Part-time workers"),
    "previous_grid_id": ("原网格编号", "Previous grid ID"),
    "moved": ("调整网格", "Changes grid"),
    "from_grid": ("原网格", "From grid"),
    "to_grid": ("新网格", "To grid"),
    "grids_in_band": ("户数达标网格数", "Grids in band"),
    "share_in_band": ("户数达标网格比例", "Share of grids in band"),
    "grids_with_branch": ("可建党支部网格数", "Grids with a branch"),
    "buildings_moved": ("调整网格楼栋数", "Buildings changing grid"),
    "full_time_workers": ("专职网格员数", "Full-time workers"),
    "part_time_workers": ("兼职网格员数", "Part-time workers"),
    # checks
    "joint_branch_candidate": ("党员不足，宜建联合党支部", "joint-branch candidate"),
    "committee_due": ("应设支部委员会", "branch committee due"),
    "general_branch_possible": ("可设党总支", "may become a general branch"),
    "primary_committee_due": ("应设基层党委", "primary committee due"),
    "households_outside_band": ("网格户数超出标准范围", "households outside the band"),
    "no_full_time_worker": ("无专职网格员", "no full-time grid worker"),
    "no_hub_household": ("有党员户但无党员中心户", "no hub household"),
    "no_parent": ("未填写上级", "no parent declared"),
    "no_children": ("无下级单元", "no children"),
}


class Tables(ABC):
    """Base of result dataclasses: ``to_excel``, ``to_geopackage`` and ``_repr_html_``.

    A subclass implements :meth:`tables` and :meth:`summary`.
    """

    #: Code names (figures, columns) this result labels with another key of the label tables,
    #: e.g. a flagship choice's figure ``uncovered`` worded for zones (``zone_uncovered``), not
    #: as a gap in grid coverage.
    LABELS: ClassVar[dict[str, str]] = {}

    @abstractmethod
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the result by name (GeoDataFrames keep their geometry)."""

    @abstractmethod
    def summary(self) -> pd.DataFrame:
        """The headline figures as a table (see :func:`figures`)."""

    def to_excel(
        self,
        path: str | os.PathLike[str],
        lang: str = "zh",
        *,
        notes: dict[str, object] | None = None,
    ) -> Path:
        """Write every table as a sheet of one workbook, atomically.

        Sheet names, column headers and summary figures are in Chinese by default
        (``lang="en"`` for English); geometry columns are left out (use :meth:`to_geopackage`
        for them). The style is that of :func:`gridparty.core.io.write_workbook`: frozen
        header, autofilter, rounded numbers with units, a 说明 (Notes) sheet.

        Parameters
        ----------
        path : path
            An ``.xlsx`` file.
        lang : {"zh", "en"}
            Language of sheet names and headers.
        notes : dict, optional
            The parameters of the run to list on the notes sheet (name → value).

        Raises
        ------
        InputError
            ``path`` is a file the result's hierarchy was read from.
        """
        from gridparty.core.io import write_workbook

        lang_ = check_lang(lang)
        refuse_sources(path, self._sources())
        plain = {
            header(name, lang_): _without_geometry(t) for name, t in self._sheets(lang_).items()
        }
        columns = {c for t in plain.values() for c in (*t.columns, *t.index.names) if c}
        figures_ = {v for t in plain.values() if t.index.name == "figure" for v in t.index}
        labels = self.LABELS
        headers = {str(c): header(labels.get(str(c), str(c)), lang_) for c in {*columns, *figures_}}
        return write_workbook(plain, path, headers=headers, notes=notes, lang=lang_)

    def to_geopackage(self, path: str | os.PathLike[str]) -> Path:
        """Write every table with geometry as a layer of one GeoPackage (EPSG:4326), atomically.

        Raises
        ------
        InputError
            The result has no table with geometry (write its tables with :meth:`to_excel`),
            or ``path`` is a file the result's hierarchy was read from.
        """
        from gridparty.core.io import write_layers

        refuse_sources(path, self._sources())

        layers = {n: t for n, t in self._shared_tables().items() if isinstance(t, gpd.GeoDataFrame)}
        if not layers:
            raise InputError(
                f"nothing to write: {type(self).__name__} has no table with geometry; write its "
                "tables with to_excel()."
            )
        return write_layers(layers, path)

    def _sources(self) -> tuple[Path, ...]:
        """The files the result's data was read from: its own ``sources``, else those of the
        hierarchy it holds (``hierarchy``), else none known. The exports refuse to write over
        them."""
        own = getattr(self, "sources", None)
        if own is not None:
            return tuple(own)
        return getattr(getattr(self, "hierarchy", None), "sources", ())

    def _sheets(self, lang: str) -> dict[str, pd.DataFrame]:
        """The workbook's sheets by code name, summary first (a subclass may put cell words
        into ``lang``; headers and sheet names are translated by :meth:`to_excel`)."""
        return {"summary": self.summary(), **self._shared_tables()}

    def _shared_tables(self) -> dict[str, pd.DataFrame]:
        """:meth:`tables` as exported and shown: personal columns dropped (defence in depth)."""
        return {name: drop_personal(table) for name, table in self.tables().items()}

    def _repr_html_(self) -> str:
        title = escape(type(self).__name__)
        parts = [f"<b>{title}</b>", html_table(self.summary())]
        for name, table in self._shared_tables().items():
            parts.append(
                f"<details><summary>{escape(name)} ({len(table):,} rows)</summary>"
                f"{html_table(_without_geometry(table).head(HTML_ROWS))}</details>"
            )
        return "<div>" + "".join(parts) + "</div>"


def header(key: str, lang: str = "zh") -> str:
    """Label for people of a table or column name (``gap_m2_before`` → 空白面积（平方米）（之前）)."""
    lang_ = check_lang(lang)
    for suffix in ("_before", "_after"):
        if key.endswith(suffix) and key != suffix[1:]:
            word = header(suffix[1:], lang_)
            stem = header(key[: -len(suffix)], lang_)
            return f"{stem}（{word}）" if lang_ == "zh" else f"{stem} ({word})"
    if key in HEADERS:
        return HEADERS[key][0 if lang_ == "zh" else 1]
    return text(key, lang_)


def value_word(value: object, lang: str = "zh") -> object:
    """A code word found as a cell of a problem table in words for people: the label of a level
    (``grid`` → 网格), a check (``overlap`` → 网格重叠) or a severity (``error`` → 错误);
    anything else (ids, text already in words, NA) as it is.

    Examples
    --------
    >>> value_word("grid"), value_word("error"), value_word("error", "en"), value_word("G1")
    ('网格', '错误', 'error', 'G1')
    """
    lang_ = check_lang(lang)
    word = value_text(value, lang_)
    if isinstance(value, str) and word == value and value in HEADERS:
        return HEADERS[value][0 if lang_ == "zh" else 1]
    return word


def in_words(table: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """``table`` with the code words of its ``level``, ``scope``, ``check`` and ``severity``
    columns (and index) in ``lang``, for a workbook people read.

    The check codes stay in a column ``check_code`` (检查代码) right after ``check``, so that a
    filter or a script can still select a check by its code. The table itself is not changed.

    Examples
    --------
    >>> import pandas as pd
    >>> issues = pd.DataFrame({"level": ["grid"], "check": ["overlap"], "severity": ["warning"]})
    >>> in_words(issues).iloc[0].tolist()
    ['网格', '网格重叠', 'overlap', '警告']
    """
    lang_ = check_lang(lang)
    out = pd.DataFrame(table).copy()

    def words(values: pd.Index | pd.Series) -> list[object]:
        return [value_word(v, lang_) for v in values]

    for column in CODE_COLUMNS:
        if column not in out.columns or not _textual(out[column]):
            continue
        if column == "check" and "check_code" not in out.columns:
            after = list(out.columns).index("check") + 1
            out.insert(after, "check_code", out["check"])
        out[column] = pd.Series(words(out[column]), index=out.index, dtype=out[column].dtype)
    if out.index.name in CODE_COLUMNS and _textual(out.index.to_series()):
        out.index = pd.Index(words(out.index), name=out.index.name)
    return out


def _textual(values: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(values.dtype) or values.dtype == object


def figures(values: dict[str, object]) -> pd.DataFrame:
    """Headline figures as a one-column table (``value``) indexed by ``figure``."""
    return pd.DataFrame(
        {"value": pd.Series(list(values.values()), index=list(values), dtype=object)}
    ).rename_axis("figure")


def _without_geometry(table: pd.DataFrame) -> pd.DataFrame:
    geometry = [c for c in table.columns if isinstance(table[c].dtype, gpd.array.GeometryDtype)]
    return pd.DataFrame(table.drop(columns=geometry))


def html_table(table: pd.DataFrame) -> str:
    """A small HTML table with every header and value escaped (floats to 3 significant places)."""
    frame = table.reset_index() if any(table.index.names) else table
    head = "".join(f"<th>{escape(c)}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _cell(value: object) -> object:
    if isinstance(value, float) and value == value:
        # 3 significant places below 999.5 (where .3g would round to "1e+03"), else whole
        return f"{value:,.3g}" if abs(value) < 999.5 else f"{value:,.0f}"
    return value
