"""Schemas of the organisation tables: units, alliances, memberships, agreements,
departments, pairings, needs and resources (columns, kinds, Chinese/English aliases).

Like :mod:`gridparty.core.schema` for the hierarchy, this is the single source of truth for the
column names of :mod:`gridparty.alliances.network`, :mod:`gridparty.alliances.pairing` and :mod:`gridparty.alliances.lists`;
the tables are read with :func:`gridparty.alliances.tables.read_table`.
"""

from __future__ import annotations

from typing import Literal

from gridparty.alliances.tables import table_level

__all__ = [
    "AGREEMENT",
    "ALLIANCE",
    "ALLIANCE_KINDS",
    "CATEGORIES",
    "CATEGORY_WORDS",
    "DEPARTMENT",
    "MEMBERSHIP",
    "NEED",
    "PAIRING",
    "RESOURCE",
    "UNIT",
]

AllianceKind = Literal["regional", "industry", "business_district"]

#: Alliance kinds and the words recognised for them.
ALLIANCE_KINDS: dict[str, str] = {
    "regional": "regional",
    "region": "regional",
    "区域": "regional",
    "区域化": "regional",
    "区域性": "regional",
    "区域党建联盟": "regional",
    "区域化党建联盟": "regional",
    "industry": "industry",
    "sector": "industry",
    "行业": "industry",
    "行业性": "industry",
    "行业党建联盟": "industry",
    "business_district": "business_district",
    "business district": "business_district",
    "商圈": "business_district",
    "商圈党建联盟": "business_district",
}

_ID_WORDS = ("编号", "编码", "代码", "ID", "id")

UNIT = table_level(
    "unit",
    "units",
    {
        "name": "str",
        "kind": "str",
        "industry": "str",
        "party_org": "str",
        "formal_members": "int",
    },
    {
        **{f"单位{w}": "unit_id" for w in _ID_WORDS},
        "unit_code": "unit_id",
        "id": "unit_id",
        "单位名称": "name",
        "名称": "name",
        "Name": "name",
        "单位类型": "kind",
        "单位性质": "kind",
        "类型": "kind",
        "type": "kind",
        "unit_type": "kind",
        "行业": "industry",
        "所属行业": "industry",
        "行业类别": "industry",
        "党组织": "party_org",
        "党组织名称": "party_org",
        "党组织类型": "party_org",
        "党组织形式": "party_org",
        "party_organisation": "party_org",
        "党员数": "formal_members",
        "党员人数": "formal_members",
        "正式党员": "formal_members",
        "正式党员数": "formal_members",
        "members": "formal_members",
        "party_members": "formal_members",
    },
    "单位",
    "unit",
    points=True,
)

ALLIANCE = table_level(
    "alliance",
    "alliances",
    {"name": "str", "kind": "str", "lead_unit_id": "str", "chair_unit_id": "str"},
    {
        **{f"联盟{w}": "alliance_id" for w in _ID_WORDS},
        "alliance_code": "alliance_id",
        "id": "alliance_id",
        "联盟名称": "name",
        "名称": "name",
        "联盟类型": "kind",
        "类型": "kind",
        "type": "kind",
        "牵头单位": "lead_unit_id",
        "牵头单位编号": "lead_unit_id",
        "牵头单位编码": "lead_unit_id",
        "lead": "lead_unit_id",
        "lead_unit": "lead_unit_id",
        "轮值主席单位": "chair_unit_id",
        "轮值主席": "chair_unit_id",
        "轮值单位": "chair_unit_id",
        "chair": "chair_unit_id",
        "chair_unit": "chair_unit_id",
    },
    "党建联盟",
    "alliance",
    points=False,
)

MEMBERSHIP = table_level(
    "membership",
    "memberships",
    {"unit_id": "str", "alliance_id": "str", "since": "int"},
    {
        **{f"单位{w}": "unit_id" for w in _ID_WORDS},
        "成员单位": "unit_id",
        "成员单位编号": "unit_id",
        "单位": "unit_id",
        "单位名称": "unit_id",
        "unit": "unit_id",
        "member": "unit_id",
        **{f"联盟{w}": "alliance_id" for w in _ID_WORDS},
        "联盟": "alliance_id",
        "联盟名称": "alliance_id",
        "所属联盟": "alliance_id",
        "alliance": "alliance_id",
        "加入年份": "since",
        "加入时间": "since",
        "入盟年份": "since",
        "joined": "since",
        "year": "since",
    },
    "联盟成员",
    "membership",
    points=False,
)

AGREEMENT = table_level(
    "agreement",
    "agreements",
    {"party_a": "str", "party_b": "str", "since": "int", "topic": "str"},
    {
        "协议编号": "agreement_id",
        "id": "agreement_id",
        "甲方": "party_a",
        "共建甲方": "party_a",
        "共建方一": "party_a",
        "party1": "party_a",
        "乙方": "party_b",
        "共建乙方": "party_b",
        "共建方二": "party_b",
        "party2": "party_b",
        "签订年份": "since",
        "签约年份": "since",
        "签订时间": "since",
        "year": "since",
        "共建内容": "topic",
        "内容": "topic",
        "项目": "topic",
    },
    "共建协议",
    "co-building agreement",
    points=False,
)


# -- pairing ---------------------------------------------------------------------------------------

DEPARTMENT = table_level(
    "department",
    "departments",
    {"name": "str", "district": "str", "capacity": "int"},
    {
        **{f"部门{w}": "department_id" for w in _ID_WORDS},
        "department_code": "department_id",
        "id": "department_id",
        "部门名称": "name",
        "部门": "name",
        "名称": "name",
        "区": "district",
        "所属区": "district",
        "区县": "district",
        "可结对社区数": "capacity",
        "结对容量": "capacity",
        "容量": "capacity",
    },
    "部门",
    "department",
    points=True,
)

PAIRING = table_level(
    "pairing",
    "pairings",
    {"community_id": "str", "department_id": "str", "since": "int"},
    {
        "结对编号": "pairing_id",
        "id": "pairing_id",
        "社区编码": "community_id",
        "社区编号": "community_id",
        "社区代码": "community_id",
        "社区": "community_id",
        "社区名称": "community_id",
        "community": "community_id",
        **{f"部门{w}": "department_id" for w in _ID_WORDS},
        "部门": "department_id",
        "部门名称": "department_id",
        "结对部门": "department_id",
        "结对单位": "department_id",
        "department": "department_id",
        "结对年份": "since",
        "结对时间": "since",
        "year": "since",
    },
    "结对",
    "pairing",
    points=False,
)


# -- the three lists -------------------------------------------------------------------------------

#: Service categories: code → (Chinese label, English label).
CATEGORIES: dict[str, tuple[str, str]] = {
    "elderly_care": ("为老服务", "elderly care"),
    "childcare": ("托育服务", "childcare"),
    "youth": ("青少年教育", "youth education"),
    "health": ("医疗健康", "health"),
    "legal": ("法律服务", "legal advice"),
    "employment": ("就业帮扶", "employment help"),
    "culture": ("文体活动", "culture and sports"),
    "environment": ("环境整治", "environment"),
    "volunteering": ("志愿服务", "volunteering"),
    "finance": ("金融知识", "financial literacy"),
}

#: Words recognised for each category (its code and labels too).
CATEGORY_WORDS: dict[str, str] = {
    **{code: code for code in CATEGORIES},
    **{zh: code for code, (zh, _) in CATEGORIES.items()},
    **{en: code for code, (_, en) in CATEGORIES.items()},
    **dict.fromkeys(("养老", "为老", "助老", "养老服务", "助餐"), "elderly_care"),
    **dict.fromkeys(("托育", "托幼", "托管", "儿童托管"), "childcare"),
    **dict.fromkeys(("助学", "教育", "青少年", "课后辅导"), "youth"),
    **dict.fromkeys(("医疗", "健康", "义诊", "健康咨询"), "health"),
    **dict.fromkeys(("法律", "法律咨询", "法律援助", "普法"), "legal"),
    **dict.fromkeys(("就业", "招聘", "就业服务"), "employment"),
    **dict.fromkeys(("文化", "文体", "文化活动", "体育"), "culture"),
    **dict.fromkeys(("环境", "垃圾分类", "环境卫生"), "environment"),
    **dict.fromkeys(("志愿", "志愿者"), "volunteering"),
    **dict.fromkeys(("金融", "反诈", "金融服务"), "finance"),
}

NEED = table_level(
    "need",
    "needs",
    {"community_id": "str", "category": "str", "size": "int", "title": "str"},
    {
        "需求编号": "need_id",
        "id": "need_id",
        "社区": "community_id",
        "社区编码": "community_id",
        "社区名称": "community_id",
        "所属社区": "community_id",
        "community": "community_id",
        "类别": "category",
        "需求类别": "category",
        "服务类别": "category",
        "分类": "category",
        "规模": "size",
        "数量": "size",
        "人数": "size",
        "需求人数": "size",
        "需求": "title",
        "需求内容": "title",
        "需求名称": "title",
        "内容": "title",
    },
    "需求",
    "need",
    points=True,
)

RESOURCE = table_level(
    "resource",
    "resources",
    {"unit_id": "str", "category": "str", "capacity": "int", "title": "str"},
    {
        "资源编号": "resource_id",
        "id": "resource_id",
        "单位": "unit_id",
        "单位编号": "unit_id",
        "单位名称": "unit_id",
        "提供单位": "unit_id",
        "unit": "unit_id",
        "类别": "category",
        "资源类别": "category",
        "服务类别": "category",
        "分类": "category",
        "容量": "capacity",
        "可服务人数": "capacity",
        "数量": "capacity",
        "资源": "title",
        "资源内容": "title",
        "资源名称": "title",
        "内容": "title",
    },
    "资源",
    "resource",
    points=True,
)
