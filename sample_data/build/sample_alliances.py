"""The sample city's units, alliances, co-building agreements, departments, pairings and lists.

Generated deterministically from the seed on top of the sample city's communities, buildings
and organisations (:mod:`gridparty.datasets.sample`): the 48 new economic and social organisations
become units, 22 more units (street party working committees, state-owned banks and insurers,
health centres, schools, a library and a gallery, department stores, hotels) are placed in
non-residential buildings, and eight alliances (one regional alliance per street, three
industry alliances, two business districts) recruit them by rule. Departments follow the published
figure of one district pairing 58 communities with 58 departments (docs/rules.md): one
department per community in each district, one spare. ``sample_data/README.md`` documents
the layers; :data:`gridparty.datasets.sample.ALLIANCE_PROBLEMS` lists the problems planted on purpose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.rules import DEFAULT_RULES
from gridparty.datasets.sample import _ALLIANCE_INTS as INT_COLUMNS
from gridparty.datasets.sample import ALLIANCE_LAYERS as LAYERS

__all__ = ["build"]

_DECIMALS = 7
_METRIC = "EPSG:32651"  # UTM 51N, as the sample city


# -- units -------------------------------------------------------------------------------------------

_INDUSTRY_BY_SUFFIX = {
    "投资管理有限公司": "金融",
    "融资租赁有限公司": "金融",
    "信息科技有限公司": "信息技术",
    "律师事务所": "法律服务",
    "会计师事务所": "专业服务",
    "咨询有限公司": "专业服务",
    "文化传媒有限公司": "文化传媒",
    "商业管理有限公司": "商贸",
    "社会工作服务社": "社会服务",
    "志愿者协会": "社会服务",
    "青年创业促进会": "社会服务",
    "养老服务中心": "养老服务",
    "文化促进会": "文化传媒",
    "楼宇商会": "商贸",
}
_KIND = {"enterprise": "非公企业", "social_organisation": "社会组织"}

# (name, kind, industry, formal members, street position, community position within the street)
_EXTRA_UNITS = (
    ("{s}街道党工委", "机关", "公共管理", 42, 0, 0),
    ("{s}街道党工委", "机关", "公共管理", 36, 1, 0),
    ("{s}街道党工委", "机关", "公共管理", 40, 2, 1),
    ("汇金银行{s}支行", "国有企业", "金融", 35, 0, 1),
    ("申城银行{s}支行", "国有企业", "金融", 28, 1, 0),
    ("滨江银行{s}支行", "国有企业", "金融", 52, 2, 0),
    ("浦江保险上海分公司", "国有企业", "金融", 120, 2, 0),
    ("恒信证券{s}营业部", "国有企业", "金融", 18, 0, 2),
    ("{s}社区卫生服务中心", "事业单位", "医疗卫生", 45, 0, 4),
    ("{s}社区卫生服务中心", "事业单位", "医疗卫生", 33, 1, 0),
    ("{s}社区卫生服务中心", "事业单位", "医疗卫生", 38, 2, 1),
    ("{s}第一小学", "事业单位", "教育", 30, 0, 3),
    ("{s}中学", "事业单位", "教育", 38, 1, 0),
    ("{s}实验学校", "事业单位", "教育", 26, 2, 1),
    ("{s}图书馆", "事业单位", "文化传媒", 12, 0, 5),
    ("滨江美术馆", "事业单位", "文化传媒", 9, 2, 0),
    ("申江百货{s}店", "非公企业", "商贸", 21, 0, 2),
    ("外滩华庭酒店", "非公企业", "酒店餐饮", 15, 0, 1),
    ("北外滩国际酒店", "非公企业", "酒店餐饮", 11, 1, 0),
    ("陆家嘴中心商场", "非公企业", "商贸", 24, 2, 0),
    ("金桥购物中心", "非公企业", "商贸", 8, 2, 1),
    ("启元餐饮集团", "非公企业", "酒店餐饮", 6, 0, 3),
)


@dataclass(frozen=True)
class _Place:
    """Where things can go: communities by street, buildings with their community."""

    communities: gpd.GeoDataFrame
    streets: tuple[str, ...]
    buildings: pd.DataFrame  # community_id, street, district, residential, x, y (metres), point

    def community(self, street: int, position: int) -> str:
        ids = self.communities.index[
            self.communities["street"] == self.streets[street % len(self.streets)]
        ]
        return str(ids[position % len(ids)])


def _place(layers: Mapping[str, gpd.GeoDataFrame]) -> _Place:
    com, grids, b = layers["communities"], layers["grids"], layers["buildings"]
    geoms = np.asarray(b.geometry.array)
    ok = shapely.is_valid(geoms) & b["grid_id"].notna().to_numpy()
    community = grids["community_id"].reindex(b["grid_id"]).to_numpy()
    points = shapely.transform(
        shapely.point_on_surface(geoms[ok]), lambda xy: np.round(xy, _DECIMALS)
    )
    xy = shapely.get_coordinates(gpd.GeoSeries(points, crs=4326).to_crs(_METRIC).array)
    table = pd.DataFrame(
        {
            "community_id": community[ok],
            "street": com["street"].reindex(community[ok]).to_numpy(),
            "district": com["district"].reindex(community[ok]).to_numpy(),
            "residential": b["residential"].to_numpy(dtype=bool)[ok],
            "x": xy[:, 0],
            "y": xy[:, 1],
            "point": points,
        },
        index=b.index[ok],
    )
    return _Place(com, tuple(pd.unique(com["street"])), table)


def _pick(
    place: _Place, community: str, residential: bool, taken: set[str], rng: np.random.Generator
) -> str:
    """A building of ``community`` (of the wanted kind if any is left), not yet taken."""
    b = place.buildings
    free = b[(b["community_id"] == community) & ~b.index.isin(list(taken))]
    wanted = free[free["residential"] == residential]
    pool = wanted if len(wanted) else free
    choice = str(pool.index[rng.integers(len(pool))])
    taken.add(choice)
    return choice


def _party_org(members: np.ndarray) -> np.ndarray:
    """党委 (>= 100), 党总支 (> 50), 党支部 (>= 3), else 联合党支部 (docs/rules.md)."""
    return np.select(
        [members >= 100, members > 50, members >= DEFAULT_RULES.branch_min_formal],
        ["党委", "党总支", "党支部"],
        "联合党支部",
    )


def _units(
    layers: Mapping[str, gpd.GeoDataFrame], place: _Place, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    org = layers["organisations"]
    industry = pd.Series("其他", index=org.index, dtype="string")
    for suffix, value in _INDUSTRY_BY_SUFFIX.items():
        industry[org["name"].str.endswith(suffix).to_numpy(dtype=bool)] = value
    taken: set[str] = set(org["building_id"])
    rows = []
    for k, (name, kind, ind, members, street, position) in enumerate(_EXTRA_UNITS, start=1):
        short = place.streets[street % len(place.streets)].removesuffix("街道")
        building = _pick(place, place.community(street, position), False, taken, rng)
        rows.append(
            (
                f"U{k:02d}",
                name.format(s=short),
                kind,
                ind,
                members,
                place.buildings.at[building, "point"],
            )
        )
    ids = [*org.index, *(r[0] for r in rows)]
    members = np.r_[org["formal_members"].to_numpy(dtype=np.int64), [r[4] for r in rows]]
    n = len(ids)
    seq = np.char.zfill(np.arange(1, n + 1).astype(str), 3)
    return gpd.GeoDataFrame(
        {
            "name": pd.array([*org["name"], *(r[1] for r in rows)], dtype="string"),
            "kind": pd.array([*org["kind"].map(_KIND), *(r[2] for r in rows)], dtype="string"),
            "industry": pd.array([*industry, *(r[3] for r in rows)], dtype="string"),
            "party_org": pd.array(_party_org(members), dtype="string"),
            "formal_members": pd.array(members, dtype="Int64"),
            "联系人": pd.array(np.char.add("虚构联系人", seq), dtype="string"),
            "联系电话": pd.array(np.char.add("200000", np.char.zfill(seq, 5)), dtype="string"),
        },
        index=pd.Index(ids, name="unit_id", dtype="string"),
        geometry=[*org.geometry, *(r[5] for r in rows)],
        crs=4326,
    )


# -- alliances and memberships ----------------------------------------------------------------------

_FOUNDED = (2017, 2020)  # alliances founded in these years (inclusive)
_LAST_YEAR = 2025


@dataclass(frozen=True)
class _Alliance:
    name: str
    kind: str
    lead: str
    members: tuple[str, ...]
    chair: str | None


def _street_of_units(units: gpd.GeoDataFrame, place: _Place) -> pd.Series:
    polygons = np.asarray(place.communities.geometry.array)
    i, j = shapely.STRtree(polygons).query(np.asarray(units.geometry.array), predicate="within")
    out = pd.Series(pd.NA, index=units.index, dtype="string")
    out.iloc[i] = place.communities["street"].to_numpy()[j]
    return out


def _draw(ids: pd.Index, p: float, rng: np.random.Generator) -> list[str]:
    return sorted(ids[rng.random(len(ids)) < p])


def _alliance_specs(
    units: gpd.GeoDataFrame, place: _Place, rng: np.random.Generator
) -> list[_Alliance]:
    street = _street_of_units(units, place)
    ind, kind = units["industry"], units["kind"]
    xy = shapely.get_coordinates(units.geometry.to_crs(_METRIC).array)
    out = []
    for name in place.streets:
        lead = str(units.index[(kind == "机关") & (street == name)][0])
        mine = units.index[(street == name) & (units.index != lead) & (kind != "社会组织")]
        public = units.index[(street == name) & kind.isin(["事业单位"])]
        others = units.index[(street != name).fillna(True) & (kind == "国有企业")]
        members = {
            lead,
            *_draw(mine, 0.5, rng),
            *public,
            *rng.choice(np.asarray(others), min(2, len(others)), replace=False),
        }
        chair = str(rng.choice(sorted(members - {lead})))
        out.append(
            _Alliance(f"{name}区域化党建联盟", "regional", lead, tuple(sorted(members)), chair)
        )
    for title, leads, industries, p, extra in (
        ("金融行业党建联盟", ["金融"], ["金融"], 0.8, ["专业服务"]),
        ("法律服务行业党建联盟", ["法律服务", "专业服务"], ["法律服务", "专业服务"], 0.8, []),
        ("医养服务行业党建联盟", ["医疗卫生"], ["养老服务"], 1.0, ["社会服务"]),
    ):
        lead = str(units.loc[ind.isin(leads), "formal_members"].idxmax())
        near = _draw(units.index[ind.isin(extra)], 0.5, rng)[:2]
        members = {lead, *_draw(units.index[ind.isin(industries)], p, rng), *near}
        out.append(_Alliance(title, "industry", lead, tuple(sorted(members)), None))
    for title, lead_name, radius_m in (
        ("南京东路商圈党建联盟", "申江百货", 700.0),
        ("陆家嘴金融城商圈党建联盟", "陆家嘴中心商场", 900.0),
    ):
        lead_pos = int(np.flatnonzero(units["name"].str.startswith(lead_name).to_numpy(bool))[0])
        near = np.hypot(*(xy - xy[lead_pos]).T) <= radius_m
        fits = ind.isin(["商贸", "酒店餐饮", "金融", "文化传媒", "信息技术", "专业服务"]).to_numpy(
            bool
        )
        lead = str(units.index[lead_pos])
        members = {lead, *_draw(units.index[near & fits], 0.7, rng)}
        chair = str(rng.choice(sorted(members - {lead})))
        out.append(_Alliance(title, "business_district", lead, tuple(sorted(members)), chair))
    return out


def _alliances(
    units: gpd.GeoDataFrame, place: _Place, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    specs = _alliance_specs(units, place, rng)
    ids = [f"A{k:02d}" for k in range(1, len(specs) + 1)]
    alliances = pd.DataFrame(
        {
            "name": [a.name for a in specs],
            "kind": [a.kind for a in specs],
            "lead_unit_id": [a.lead for a in specs],
            "chair_unit_id": [a.chair for a in specs],
        },
        index=pd.Index(ids, name="alliance_id"),
    ).astype("string")
    rows = []
    for aid, spec in zip(ids, specs, strict=True):
        founded = int(rng.integers(_FOUNDED[0], _FOUNDED[1] + 1))
        for unit in spec.members:
            year = founded if unit == spec.lead else int(rng.integers(founded, _LAST_YEAR + 1))
            rows.append((unit, aid, year))
    rows.append(("ORG060", "A04", 2019))  # planted: a firm struck off the register
    return alliances, _relation(rows, ["unit_id", "alliance_id", "since"], "membership", "M", 3)


def _relation(
    rows: list[tuple], columns: list[str], name: str, prefix: str, width: int
) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    ids = [f"{prefix}{k:0{width}d}" for k in range(1, len(frame) + 1)]
    frame.index = pd.Index(ids, name=f"{name}_id", dtype="string")
    return frame.astype({c: ("Int64" if c in INT_COLUMNS else "string") for c in columns})


# -- co-building agreements ---------------------------------------------------------------------------

_TOPICS = ("党员志愿服务", "联合主题党日", "阵地共享", "结对帮扶", "党课共上", "文明创建")


def _agreements(units: gpd.GeoDataFrame, place: _Place, rng: np.random.Generator) -> pd.DataFrame:
    """Each community with 2–4 units near it; 8 unit–unit agreements (state units help NGOs)."""
    com = place.communities
    rep = shapely.point_on_surface(np.asarray(com.geometry.to_crs(_METRIC).array))
    xy = np.asarray(units.geometry.to_crs(_METRIC).array)
    rows = []
    for cid, centre in zip(com.index, rep, strict=True):
        order = np.argsort(shapely.distance(xy, centre), kind="stable")[:8]
        chosen = rng.choice(order, int(rng.integers(2, 5)), replace=False)
        rows += [
            (
                cid,
                units.index[k],
                int(rng.integers(2018, _LAST_YEAR + 1)),
                _TOPICS[rng.integers(len(_TOPICS))],
            )
            for k in sorted(chosen)
        ]
    state = units.index[units["kind"].isin(["国有企业", "事业单位"])]
    social = units.index[units["kind"] == "社会组织"]
    pairs = {(str(rng.choice(state)), str(rng.choice(social))) for _ in range(8)}
    rows += [(a, b, int(rng.integers(2018, _LAST_YEAR + 1)), "结对帮扶") for a, b in sorted(pairs)]
    return _relation(rows, ["party_a", "party_b", "since", "topic"], "agreement", "AG", 2)


# -- departments and pairings -----------------------------------------------------------------------

_DEPARTMENTS = (
    "司法局",
    "卫生健康委员会",
    "民政局",
    "市场监督管理局",
    "文化和旅游局",
    "人力资源和社会保障局",
    "生态环境局",
    "教育局",
    "商务委员会",
    "科学技术委员会",
)


def _departments(place: _Place, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """One department per community of each district, and a spare one in the largest district."""
    com = place.communities
    counts = com.groupby("district", sort=False).size()
    counts[counts.idxmax()] += 1
    taken: set[str] = set()
    rows = []
    for district, n in counts.items():
        communities = com.index[com["district"] == district]
        for k in range(n):
            where = str(communities[rng.integers(len(communities))])
            building = _pick(place, where, False, taken, rng)
            rows.append(
                (
                    f"{district}{_DEPARTMENTS[k % len(_DEPARTMENTS)]}",
                    district,
                    2 if k == len(communities) else 1,
                    place.buildings.at[building, "point"],
                )
            )
    return gpd.GeoDataFrame(
        {
            "name": pd.array([r[0] for r in rows], dtype="string"),
            "district": pd.array([r[1] for r in rows], dtype="string"),
            "capacity": pd.array([r[2] for r in rows], dtype="Int64"),
        },
        index=pd.Index(
            [f"D{k:02d}" for k in range(1, len(rows) + 1)], name="department_id", dtype="string"
        ),
        geometry=[r[3] for r in rows],
        crs=4326,
    )


def _pairings(
    departments: gpd.GeoDataFrame, place: _Place, rng: np.random.Generator
) -> pd.DataFrame:
    """Communities paired in list order with their district's departments (not by distance).

    Planted: the spare department joins the district's first community ("1+N"); the last
    community of the last district with two or more communities stays unpaired; the third row
    is repeated at the end.
    """
    com = place.communities
    districts = list(pd.unique(com["district"]))
    several = [d for d in districts if (com["district"] == d).sum() >= 2]
    unpaired = str(com.index[com["district"] == several[-1]][-1]) if several else None
    rows = []
    for district in districts:
        mine = com.index[com["district"] == district]
        deps = departments.index[departments["district"] == district]
        rows += [
            (c, d, int(rng.integers(2019, 2024)))
            for c, d in zip(mine, deps, strict=False)
            if c != unpaired
        ]
        rows += [(mine[0], d, int(rng.integers(2019, 2024))) for d in deps[len(mine) :]]
    rows.append(rows[2])
    return _relation(rows, ["community_id", "department_id", "since"], "pairing", "P", 2)


# -- needs and resources ---------------------------------------------------------------------------

# category: (share of needs, size range, titles)
_NEEDS = {
    "elderly_care": (0.24, (10, 40), ("独居老人助餐", "高龄老人上门探访", "老年人助浴")),
    "health": (0.14, (10, 50), ("慢性病健康讲座", "老年人义诊", "家庭医生签约咨询")),
    "youth": (0.12, (10, 30), ("青少年暑期课堂", "四点半课堂", "青少年心理辅导")),
    "legal": (0.10, (5, 15), ("邻里纠纷法律咨询", "遗产继承法律咨询")),
    "employment": (0.10, (5, 20), ("失业人员再就业指导", "灵活就业技能培训")),
    "culture": (0.10, (15, 50), ("社区文艺汇演", "老年书画班")),
    "environment": (0.08, (20, 60), ("老旧小区楼道清理", "垃圾分类宣传")),
    "volunteering": (0.06, (10, 30), ("社区志愿者招募", "节日慰问志愿服务")),
    "finance": (0.06, (20, 60), ("防范电信诈骗宣传", "老年人金融知识讲座")),
}

# industry: resource categories it offers, (capacity range)
_OFFERS = {
    "金融": (("finance", "volunteering"), (20, 60)),
    "法律服务": (("legal",), (5, 20)),
    "专业服务": (("legal", "employment"), (5, 15)),
    "医疗卫生": (("health", "elderly_care"), (20, 60)),
    "养老服务": (("elderly_care",), (15, 40)),
    "社会服务": (("elderly_care", "volunteering", "youth"), (10, 30)),
    "教育": (("youth",), (20, 50)),
    "文化传媒": (("culture", "youth"), (15, 40)),
    "商贸": (("employment", "volunteering"), (10, 30)),
    "酒店餐饮": (("employment", "elderly_care"), (5, 20)),
    "信息技术": (("youth", "employment"), (5, 15)),
    "公共管理": (("environment", "volunteering"), (20, 60)),
}
_RESOURCE_TITLES = {
    "finance": "反诈与金融知识宣讲",
    "volunteering": "党员志愿服务队",
    "legal": "律师公益咨询",
    "employment": "就业岗位与技能培训",
    "health": "义诊与健康讲座",
    "elderly_care": "助老服务",
    "youth": "青少年课堂",
    "culture": "文体活动场地与辅导",
    "environment": "环境整治志愿行动",
}


def _needs(place: _Place, rng: np.random.Generator) -> gpd.GeoDataFrame:
    categories = list(_NEEDS)
    share = np.array([_NEEDS[c][0] for c in categories])
    taken: set[str] = set()
    rows = []
    for cid in place.communities.index:
        for _ in range(4 + int(rng.poisson(2))):
            cat = categories[rng.choice(len(categories), p=share / share.sum())]
            _, (lo, hi), titles = _NEEDS[cat]
            building = _pick(place, str(cid), True, taken, rng)
            rows.append(
                (
                    cid,
                    cat,
                    int(rng.integers(lo, hi + 1)),
                    titles[rng.integers(len(titles))],
                    place.buildings.at[building, "point"],
                )
            )
    cid = place.community(1, 0)  # planted: a need nobody can serve
    rows.append(
        (
            cid,
            "childcare",
            12,
            "0–3岁婴幼儿托育",
            place.buildings.at[_pick(place, cid, True, taken, rng), "point"],
        )
    )
    return _points(rows, ["community_id", "category", "size", "title"], "need", "N")


def _resources(units: gpd.GeoDataFrame, rng: np.random.Generator) -> gpd.GeoDataFrame:
    rows = []
    for uid, industry, point in zip(units.index, units["industry"], units.geometry, strict=True):
        offers, (lo, hi) = _OFFERS.get(str(industry), ((), (0, 0)))
        for k, cat in enumerate(offers[:2]):
            if rng.random() < (0.8 if k == 0 else 0.35):
                rows.append((uid, cat, int(rng.integers(lo, hi + 1)), _RESOURCE_TITLES[cat], point))
    return _points(rows, ["unit_id", "category", "capacity", "title"], "resource", "R")


def _points(rows: list[tuple], columns: list[str], name: str, prefix: str) -> gpd.GeoDataFrame:
    table = _relation([r[:-1] for r in rows], columns, name, prefix, 3)
    return gpd.GeoDataFrame(table, geometry=[r[-1] for r in rows], crs=4326)


# -- all of it ----------------------------------------------------------------------------------------


def build(layers: Mapping[str, gpd.GeoDataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The alliance, pairing and list layers of the sample city for ``seed``.

    Parameters
    ----------
    layers : mapping
        The sample city's layers (``communities``, ``grids``, ``buildings``,
        ``organisations``), as built by :func:`gridparty.datasets.sample.build_sample_layers`.
    seed : int
        Seed of the draws (a stream of its own: the other layers do not change).

    Returns
    -------
    dict
        :data:`LAYERS` → frame (GeoDataFrames for point layers, DataFrames for tables), each
        indexed by its id.
    """
    rng = np.random.default_rng([seed, 6])
    place = _place(layers)
    units = _units(layers, place, rng)
    alliances, memberships = _alliances(units, place, rng)
    departments = _departments(place, rng)
    out = {
        "units": units,
        "alliances": alliances,
        "memberships": memberships,
        "agreements": _agreements(units, place, rng),
        "departments": departments,
        "pairings": _pairings(departments, place, rng),
        "needs": _needs(place, rng),
        "resources": _resources(units, rng),
    }
    return {name: out[name] for name in LAYERS}
