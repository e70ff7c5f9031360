"""Labels for people on maps: Chinese by default, English with ``lang="en"``."""

from __future__ import annotations

from typing import Literal

from gridparty.core.errors import InputError
from gridparty.core.schema import LEVELS

__all__ = ["CODE_COLUMNS", "LANGS", "ZONE_LABELS", "Lang", "check_lang", "text", "value_text"]

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
    "sliver": ("碎片（面积或宽度低于阈值）", "sliver (below the area or width threshold)"),
    "not_recorded": ("属性未填写，无法检查", "attribute not recorded: cannot be checked"),
    "merged_parts": ("同一编号的多条记录已合并", "rows sharing an id merged into one"),
    "part_conflict": ("同一编号的多条记录属性不一致", "rows merged into one unit disagree"),
    "same_level_overlap": ("同级单元重叠（重复划入）", "two units of one level overlap"),
    "tiny_polygon": ("面积过小的图斑", "polygon below the minimum area"),
    # legend classes
    "community_boundary": ("社区边界", "community boundary"),
    "grid_branch": ("网格：已建党支部", "grid with party branch"),
    "grid_no_branch": ("网格：未建党支部", "grid without party branch"),
    "grid_unknown": ("网格：党支部未填写", "grid, branch not recorded"),
    "grid_buildings_0": ("网格：无楼栋", "grid: no buildings"),
    "grid_buildings_1": ("网格：1–4 栋楼", "grid: 1–4 buildings"),
    "grid_buildings_2": ("网格：5–9 栋楼", "grid: 5–9 buildings"),
    "grid_buildings_3": ("网格：10–19 栋楼", "grid: 10–19 buildings"),
    "grid_buildings_4": ("网格：20–49 栋楼", "grid: 20–49 buildings"),
    "grid_buildings_5": ("网格：50 栋楼及以上", "grid: 50 buildings or more"),
    "grid_buildings_layer": ("网格楼栋数", "Buildings per grid"),
    "buildings_zoom_note": (
        "楼栋较多：放大到第 {zoom} 级显示楼栋，此前按网格汇总",
        "many buildings: shown from zoom {zoom} on, counted per grid before",
    ),
    "building_group": ("楼栋：已建党小组", "building with party group"),
    "building_no_group": ("楼栋：未建党小组", "building without party group"),
    "building_unknown": ("楼栋：党小组未填写", "building, group not recorded"),
    "issue_error": ("问题：错误", "issue: error"),
    "issue_warning": ("问题：警告", "issue: warning"),
    "issue_info": ("问题：提示", "issue: info"),
    # coverage
    "coverage_gap": ("空白区域（无网格覆盖）", "gap (no grid)"),
    "coverage_street_gap": ("街道内空白（无社区覆盖）", "gap in a street (no community)"),
    "coverage_overlap": ("网格重叠", "grid overlap"),
    "coverage_outside": ("网格超出所属社区", "grid outside its community"),
    "coverage_sliver": ("碎片（容差以下）", "sliver (below tolerance)"),
    "coverage_sliver_note": (
        "碎片：面积小于 {area:g} 平方米或宽度小于 {width:g} 米",
        "slivers: area below {area:g} m² or width below {width:g} m",
    ),
    "coverage_grid_ok": ("网格：无问题", "grid: no finding"),
    "coverage_grid_attention": (
        "网格：需关注（户数、专职网格员）",
        "grid: attention (households, grid workers)",
    ),
    "coverage_grid_joint_branch": ("网格：宜建联合党支部", "grid: joint-branch candidate"),
    "coverage_grid_no_branch": ("网格：应建未建党支部", "grid: branch missing"),
    "coverage_grid_spatial": ("网格：重叠或超出社区", "grid: overlap or spill-over"),
    "coverage_grid_geometry": (
        "网格：几何或所属社区有误",
        "grid: invalid geometry or parent",
    ),
    # grid delineation
    "delineation_in_band": ("拟划网格：户数达标", "proposed grid: households in band"),
    "delineation_below_min": ("拟划网格：户数低于下限", "proposed grid: below the minimum"),
    "delineation_above_max": ("拟划网格：户数高于上限", "proposed grid: above the maximum"),
    "delineation_existing": ("现有网格", "existing grid"),
    "delineation_existing_layer": ("现有网格", "Existing grids"),
    "delineation_moved": ("调整网格的楼栋", "building changing grid"),
    "delineation_proposed": ("拟划网格", "proposed grid"),
    "delineation_note": (
        "每个网格 {low}–{high} 户；{moved} 栋楼调整网格",
        "{low}–{high} households per grid; {moved} buildings change grid",
    ),
    # flagship zones
    "flagship_radius": ("半径 {radius} 米", "radius {radius} m"),
    "flagship_area": ("面积 {area} km²（半径 {radius} 米）", "area {area} km² (radius {radius} m)"),
    "flagship_origin_centre": (
        "自社区党群服务站（无则社区内代表点）起算",
        "from the community station (else a point inside the community)",
    ),
    "flagship_origin_boundary": ("自社区边界起算", "from the community boundary"),
    "flagship_zone": ("旗舰社区辐射区", "flagship mentoring zone"),
    "flagship_centre": ("旗舰社区", "flagship community"),
    "flagship_link": ("结对帮带关系", "mentoring link"),
    "flagship_mentee": ("帮带对象", "mentored organisation"),
    "flagship_multiple": ("帮带对象（位于多个辐射区）", "mentored, in several zones"),
    "flagship_unreached": ("辐射区外组织", "organisation out of reach"),
    "flagship_zones_layer": ("旗舰社区辐射区", "Mentoring zones"),
    "flagship_links_layer": ("帮带连线", "Mentoring links"),
    "flagship_mentees_layer": ("帮带对象", "Mentored organisations"),
    "flagship_unreached_layer": ("辐射区外组织", "Organisations out of reach"),
    "flagship_markers_layer": ("旗舰社区", "Flagship communities"),
    "flagship_note_counts": (
        "帮带对象 {mentees} 个，辐射区外 {unreached} 个",
        "{mentees} mentored, {unreached} out of reach",
    ),
    "flagships": ("旗舰社区", "Flagships"),
    "zones": ("辐射区", "Zones"),
    "mentees": ("帮带对象", "Mentees"),
    "multiple_zones": ("多辐射区组织", "In several zones"),
    "unreached": ("辐射区外组织", "Out of reach"),
    "zone_uncovered": ("未被旗舰辐射", "outside every flagship zone"),
    "zone_uncoverable": ("任何候选社区均辐射不到", "out of every candidate's reach"),
    "roster": ("联合党委名册", "Joint-committee roster"),
    "candidates": ("候选社区", "Candidates"),
    "uncovered_organisations": ("未覆盖组织", "Organisations not covered"),
    "definition": ("辐射区口径", "Zone definition"),
    "flagship_id": ("旗舰社区编码", "Flagship ID"),
    "flagship_name": ("旗舰社区", "Flagship"),
    "organisation_id": ("组织编号", "Organisation ID"),
    "organisation": ("两新组织", "new economic/social organisation"),
    "centre_source": ("中心点来源", "Centre from"),
    "service_centre": ("社区党群服务站", "community station"),
    "representative_point": ("社区内代表点", "point inside the community"),
    "service_centre_id": ("服务中心编号", "Service centre ID"),
    "mentee_communities": ("帮带社区数", "Communities mentored"),
    "mentee_grids": ("帮带网格数", "Grids mentored"),
    "mentee_organisations": ("帮带两新组织数", "Organisations mentored"),
    "members_reached": ("覆盖正式党员数", "Formal members reached"),
    "zones_count": ("所在辐射区数", "Zones it is in"),
    "radius_m": ("半径（米）", "Radius (m)"),
    "area_km2": ("面积（平方公里）", "Area (km²)"),
    "zone_km2": ("辐射区面积（平方公里）", "Zone area (km²)"),
    "nearest_flagship_id": ("最近旗舰社区", "Nearest flagship"),
    "beyond_m": ("超出辐射区（米）", "Beyond the zone (m)"),
    "assigned": ("已分配", "Assigned"),
    "secretary": ("书记", "Secretary"),
    "contact": ("联系人", "Contact"),
    "phone": ("联系电话", "Phone"),
    "origin": ("起算位置", "Measured from"),
    "rule": ("分配规则", "Rule"),
    "in_several_zones": ("位于多个辐射区的组织数", "Organisations in several zones"),
    "own_units": ("旗舰社区自身及其网格", "Flagships' own communities and grids"),
    "score": ("评分", "Score"),
    "eligible": ("符合候选条件", "Eligible"),
    "covers": ("可覆盖组织数", "Organisations within reach"),
    "covers_weight": ("可覆盖权重", "Weight within reach"),
    "chosen": ("入选", "Chosen"),
    "order": ("入选顺序", "Order"),
    # service access
    "access_areas": ("生活圈服务范围", "Life-circle service areas"),
    "access_band_1": ("生活圈：第一档", "life circle: first band"),
    "access_band_2": ("生活圈：第二档", "life circle: second band"),
    "access_band_3": ("生活圈：第三档及以外档", "life circle: third band and beyond"),
    "access_band_note": (
        "{minutes:g} 分钟：{measure} ≤ {metres:,.0f} 米",
        "{minutes:g} min: {measure} <= {metres:,.0f} m",
    ),
    "access_network": ("沿道路", "along streets"),
    "access_straight": ("直线", "straight line"),
    "access_streets": ("道路网", "Street network"),
    "access_street": ("道路", "street"),
    "access_crossing": ("过江/过河通道", "river crossing"),
    "access_under_served": ("服务不足楼栋", "under-served building"),
    "access_under_served_layer": (
        "服务不足楼栋（超过 {metres:,.0f} 米）",
        "Under-served buildings (beyond {metres:,.0f} m)",
    ),
    "access_centres": ("党群服务中心", "Service centres"),
    "access_centre_core": ("核心党群服务中心", "core centre"),
    "access_centre_district": ("区级党群服务中心", "district centre"),
    "access_centre_street": ("街道党群服务中心", "street centre"),
    "access_centre_community": ("社区党群服务站", "community station"),
    "access_centre_post": ("党群服务驿站", "post"),
    "access_centre_unknown": ("层级未识别的中心", "centre of unknown tier"),
    "access_posts": ("拟新设驿站", "Proposed posts"),
    "access_post_new": ("拟新设驿站", "proposed post"),
    "access_post_n": ("拟新设驿站 {n}", "Proposed post {n}"),
    "access_distance_m": ("距最近中心（米）", "Distance to nearest centre (m)"),
    "access_tier": ("层级", "Tier"),
    "access_kind": ("类型", "Kind"),
    "access_length_m": ("长度（米）", "Length (m)"),
    "access_service_centre_id": ("中心编号", "Centre ID"),
    "access_candidate_id": ("候选点", "Candidate"),
    "access_new_households": ("新覆盖户数", "Households newly covered"),
    "access_bridge": ("桥", "bridge"),
    "access_tunnel": ("隧道", "tunnel"),
    "access_ferry": ("轮渡", "ferry"),
    "access_street_kind": ("道路", "street"),
    "access_generated_streets": (
        "道路网为生成数据，非真实道路",
        "generated street network, not real streets",
    ),
    # alliances
    "alliance_hulls": ("党建联盟范围", "Alliance extents"),
    "alliance_links": ("联盟成员连线", "Alliance links"),
    "alliance_units": ("单位", "Units"),
    "alliance_regional": ("区域化党建联盟", "regional alliance"),
    "alliance_industry": ("行业党建联盟", "industry alliance"),
    "alliance_business_district": ("商圈党建联盟", "business-district alliance"),
    "alliance_unknown": ("类型未识别的联盟", "alliance of unknown kind"),
    "alliance_link": ("牵头单位—成员单位", "lead unit — member"),
    "unit_member": ("单位：已加入联盟", "unit in an alliance"),
    "unit_agreement_only": ("单位：仅签共建协议", "unit with an agreement only"),
    "unit_uncovered": ("单位：未加入联盟、无共建", "unit in no alliance or agreement"),
    "unit_bridging": ("单位：关键桥梁（割点）", "bridging unit (cut vertex)"),
    "pairing_lines": ("社区—部门结对", "Community–department pairs"),
    "pairing_departments": ("结对部门", "Departments"),
    "pairing_fixed": ("现有结对", "existing pair"),
    "pairing_proposed": ("建议结对", "proposed pair"),
    "pairing_department": ("部门", "department"),
    "list_needs": ("需求清单", "Needs"),
    "list_resources": ("资源清单", "Resources"),
    "list_matches": ("服务清单（已对接）", "Service list (matches)"),
    "list_matched": ("需求：已满足", "need met"),
    "list_partly_matched": ("需求：部分满足", "need partly met"),
    "list_unmatched": ("需求：未满足", "need not met"),
    "list_resource": ("资源", "resource"),
    "list_match": ("对接", "match"),
    # alliance, pairing and list tables: sheets and columns
    "alliances": ("党建联盟", "Alliances"),
    "components": ("连通分量", "Components"),
    "coverage": ("覆盖情况", "Coverage"),
    "hulls": ("联盟范围", "Alliance extents"),
    "departments": ("部门", "Departments"),
    "pairings": ("结对表", "Pairings"),
    "pairs": ("结对方案", "Pairs"),
    "unpaired": ("未结对社区", "Unpaired communities"),
    "matches": ("服务清单", "Service list"),
    "needs": ("需求", "Needs"),
    "resources": ("资源", "Resources"),
    "ranking": ("需求排行", "Needs ranking"),
    "categories": ("类别汇总", "By category"),
    "unit_id": ("单位编号", "Unit ID"),
    "alliance_id": ("联盟编号", "Alliance ID"),
    "alliance_ids": ("所在联盟", "Alliances"),
    "department_id": ("部门编号", "Department ID"),
    "department_ids": ("结对部门", "Departments"),
    "community_ids": ("结对社区", "Communities"),
    "pairing_id": ("结对编号", "Pairing ID"),
    "membership_id": ("成员记录编号", "Membership ID"),
    "agreement_id": ("协议编号", "Agreement ID"),
    "need_id": ("需求编号", "Need ID"),
    "resource_id": ("资源编号", "Resource ID"),
    "kind": ("类型", "Kind"),
    "industry": ("行业", "Industry"),
    "party_org": ("党组织", "Party organisation"),
    "lead_unit_id": ("牵头单位", "Lead unit"),
    "chair_unit_id": ("轮值主席单位", "Rotating chair"),
    "member_units": ("成员单位数", "Member units"),
    "alliance_count": ("加入联盟数", "Alliances"),
    "unit_count": ("单位数", "Units"),
    "party_members": ("党员数", "Party members"),
    "hull_area_m2": ("覆盖范围面积（平方米）", "Hull area (m²)"),
    "farthest_m": ("最远成员距离（米）", "Farthest members (m)"),
    "streets": ("涉及街道数", "Streets"),
    "lead_street": ("牵头单位所在街道", "Lead unit's street"),
    "outside_lead_street_share": ("牵头街道外成员占比", "Share outside the lead's street"),
    "industries": ("涉及行业数", "Industries"),
    "cross_industry_share": ("跨行业成员占比", "Cross-industry share"),
    "lead_is_member": ("牵头单位为成员", "Lead is a member"),
    "agreements": ("共建协议数", "Agreements"),
    "covered": ("已覆盖", "Covered"),
    "degree": ("直接联系单位数", "Degree"),
    "betweenness": ("中介中心度", "Betweenness"),
    "bridging": ("关键桥梁（割点）", "Bridging (cut vertex)"),
    "component": ("连通分量", "Component"),
    "by": ("统计口径", "By"),
    "area": ("范围", "Area"),
    "in_alliance": ("加入联盟单位数", "Units in an alliance"),
    "in_agreement": ("签共建协议单位数", "Units with an agreement"),
    "not_covered": ("未覆盖单位数", "Units not covered"),
    "alliance_share": ("联盟覆盖率", "Alliance coverage"),
    "covered_share": ("共建覆盖率", "Co-building coverage"),
    "since": ("起始年份", "Since"),
    "party_a": ("甲方", "Party A"),
    "party_b": ("乙方", "Party B"),
    "topic": ("共建内容", "Topic"),
    "capacity": ("容量", "Capacity"),
    "status": ("状态", "Status"),
    "department": ("部门", "Department"),
    "distance_m": ("距离（米）", "Distance (m)"),
    "fixed": ("现有结对", "Existing pair"),
    "missing": ("缺少结对数", "Missing pairs"),
    "reason": ("原因", "Reason"),
    "category": ("类别", "Category"),
    "size": ("需求规模（人次）", "Size (people)"),
    "title": ("内容", "Title"),
    "served": ("已服务", "Served"),
    "unserved": ("未服务", "Unserved"),
    "nearest_m": ("最近同类资源（米）", "Nearest resource of the kind (m)"),
    "used": ("已用", "Used"),
    "left": ("剩余", "Left"),
    "amount": ("对接量", "Amount"),
    "rank": ("排名", "Rank"),
    "demand": ("需求总量", "Demand"),
    "unmatched_needs": ("未满足需求数", "Needs not fully met"),
    "no_resource_of_category": ("无该类资源", "no resource of that category"),
    "out_of_range": ("超出服务距离", "out of range"),
    "capacity_used_up": ("资源容量已用完", "capacity used up"),
    "no_department": ("无可结对部门", "no department allowed"),
    "unknown_unit": ("单位不存在", "unknown unit"),
    "unknown_alliance": ("联盟不存在", "unknown alliance"),
    "unknown_community": ("社区不存在", "unknown community"),
    "unknown_department": ("部门不存在", "unknown department"),
    "unknown_kind": ("联盟类型无法识别", "unknown alliance kind"),
    "unknown_category": ("类别无法识别", "unknown category"),
    "duplicate_membership": ("同一单位重复加入同一联盟", "unit twice in one alliance"),
    "duplicate_pair": ("结对重复", "duplicate pair"),
    "duplicate_agreement": ("共建协议重复", "duplicate agreement"),
    "negative_capacity": ("容量为负数", "negative capacity"),
    "negative_size": ("需求规模为负数", "negative size"),
    "missing_value": ("必填项为空", "missing value"),
    "missing_location": ("缺少位置", "no location"),
    "lead_not_member": ("牵头单位不是成员", "lead unit not a member"),
    "unpaired_community": ("社区未结对", "community not paired"),
}


#: What some code words mean as a *value* of a ``level`` or ``scope`` column (as a column or
#: table name they may mean something else, see :func:`gridparty.core.results.header`).
_VALUES: dict[str, tuple[str, str]] = {
    "street": ("街道", "street"),
    "district": ("区", "district"),
    "unit": ("单位", "unit"),
    "alliance": ("党建联盟", "alliance"),
    "membership": ("联盟成员", "membership"),
    "agreement": ("共建协议", "agreement"),
    "department": ("结对部门", "department"),
    "pairing": ("结对", "pairing"),
    "need": ("需求", "need"),
    "resource": ("资源", "resource"),
    "service_centre": ("党群服务中心", "service centre"),
    "streets": ("道路", "streets"),
    "total": ("合计", "total"),
    "all": ("全部", "all"),
}

#: Figures of a flagship choice labelled for zones (see ``Tables.LABELS``), not as coverage gaps.
ZONE_LABELS = {"uncovered": "zone_uncovered", "uncoverable": "zone_uncoverable"}

#: Columns of problem and finding tables that hold code words, shown in words in workbooks.
CODE_COLUMNS = ("level", "scope", "check", "severity")


def value_text(key: object, lang: Lang) -> object:
    """A code word found as a cell value (``grid``, ``overlap``, ``error``) in ``lang``: the
    label of a level, check or severity; anything else (ids, words already translated, NA) as
    it is."""
    if not isinstance(key, str):
        return key
    if key in _VALUES:
        return _VALUES[key][LANGS.index(lang)]
    return text(key, lang)


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported label language.

    Raises
    ------
    InputError
        If ``lang`` is not ``"zh"`` or ``"en"``.
    """
    if lang not in LANGS:
        raise InputError(f"lang={lang!r} is not supported; use 'zh' (Chinese) or 'en' (English).")
    return lang


def text(key: str, lang: Lang) -> str:
    """Label ``key`` in ``lang``; level names (``"grid"``) come from the schema; unknown keys as is.

    The result is plain text: escape it (:func:`gridparty.core.safe.escape`) before HTML.
    """
    if key in _TEXT:
        return _TEXT[key][LANGS.index(lang)]
    if key in LEVELS:
        return LEVELS[key].label_zh if lang == "zh" else LEVELS[key].label_en
    return key
