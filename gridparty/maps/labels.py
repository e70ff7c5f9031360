"""Labels for people on maps: Chinese by default, English with ``lang="en"``."""

from __future__ import annotations

from typing import Literal

from ..errors import InputError
from ..schema import LEVELS

__all__ = ["LANGS", "Lang", "check_lang", "text"]

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

_TEXT: dict[str, tuple[str, str]] = {
    # layers
    "communities": ("社区（大党委）", "Communities"),
    "grids": ("网格（党支部）", "Grids"),
    "buildings": ("楼栋（党小组）", "Buildings"),
    "issues": ("校验问题", "Validation issues"),
    "legend": ("图例", "Legend"),
    "map_title": ("gridparty 网格党建地图", "gridparty grid map"),
    # fields (public columns and aggregates)
    "community_id": ("社区编码", "Community ID"),
    "grid_id": ("网格编号", "Grid ID"),
    "building_id": ("楼栋编号", "Building ID"),
    "name": ("名称", "Name"),
    "street": ("街道", "Street"),
    "district": ("区", "District"),
    "has_branch": ("网格党支部", "Party branch"),
    "full_time_workers": ("专职网格员", "Full-time grid workers"),
    "part_time_workers": ("兼职网格员", "Part-time grid workers"),
    "has_group": ("楼栋党小组", "Party group"),
    "grids_count": ("网格数", "Grids"),
    "buildings_count": ("楼栋数", "Buildings"),
    "households": ("户数", "Households"),
    "member_households": ("党员户", "Member households"),
    "formal_members": ("正式党员", "Formal members"),
    "probationary_members": ("预备党员", "Probationary members"),
    "hub_households": ("党员中心户", "Hub households"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # issues
    "level": ("层级", "Level"),
    "id": ("编号", "ID"),
    "check": ("问题", "Check"),
    "severity": ("级别", "Severity"),
    "message": ("说明", "Message"),
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "info": ("提示", "info"),
    "household_issues_hidden": (
        "户级问题 {n} 条未在地图上显示（隐私）",
        "{n} household-level issues not shown (privacy)",
    ),
    "duplicate_id": ("编号重复", "duplicate id"),
    "missing_id": ("缺少编号", "missing id"),
    "empty_geometry": ("几何为空", "empty geometry"),
    "wrong_geometry_type": ("几何类型不符", "wrong geometry type"),
    "invalid_geometry": ("几何无效", "invalid geometry"),
    "unknown_parent": ("上级编号不存在", "unknown parent id"),
    "parent_mismatch": ("所填上级与空间位置不符", "declared parent disagrees with space"),
    "not_in_any_parent": ("不在任何上级范围内", "in no parent at all"),
    "outside_parent": ("网格超出所属社区", "grid outside its community"),
    "overlap": ("网格重叠", "overlapping grids"),
    "uncovered": ("社区内无网格覆盖的区域", "part of a community in no grid"),
    "members_without_branch": ("党员达标但未建网格党支部", "enough members but no branch"),
    "members_without_group": ("有党员但未建楼栋党小组", "members but no party group"),
    "repaired_geometry": ("几何已修复", "geometry repaired"),
    # legend classes
    "community_boundary": ("社区边界", "community boundary"),
    "grid_branch": ("网格：已建党支部", "grid with party branch"),
    "grid_no_branch": ("网格：未建党支部", "grid without party branch"),
    "grid_unknown": ("网格：党支部未填写", "grid, branch not recorded"),
    "building_group": ("楼栋：已建党小组", "building with party group"),
    "building_no_group": ("楼栋：未建党小组", "building without party group"),
    "building_unknown": ("楼栋：党小组未填写", "building, group not recorded"),
    "issue_error": ("问题：错误", "issue: error"),
    "issue_warning": ("问题：警告", "issue: warning"),
    "issue_info": ("问题：提示", "issue: info"),
    # coverage (issue 3)
    # flagship zones (issue 4)
    # service access (issue 5)
    # alliances (issue 6)
}


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported label language.

    Raises
    ------
    InputError
        If ``lang`` is not ``"zh"`` or ``"en"``.
    """
    if lang not in LANGS:
        raise InputError(f"lang={lang!r} is not supported; use 'zh' (Chinese) or 'en' (English).")
    return lang  # type: ignore[return-value]


def text(key: str, lang: Lang) -> str:
    """Label ``key`` in ``lang``; level names (``"grid"``) come from the schema; unknown keys as is.

    The result is plain text: escape it (:func:`gridparty.maps.safe.escape`) before HTML.
    """
    if key in _TEXT:
        return _TEXT[key][LANGS.index(lang)]
    if key in LEVELS:
        return LEVELS[key].label_zh if lang == "zh" else LEVELS[key].label_en
    return key
