"""A hand-made city for the flagship tests, in metres, whose every distance is checkable by eye.

Drawn in UTM 51N like :mod:`tiny_city` (origin x=355000, y=3455000), stored in WGS84.

    y=200  +----A----+        +----B----+                +----C----+
           | A1 | A2 |  O2    |   B1    |  O3            |   C1    |        O4
    y=0    +----+----+  [O5]  +---------+                +---------+
           x=0      200   600 700-800  1000     1200      2000      3000    3200     3800

Communities A = 0..200, B = 1000..1200, C = 3000..3200 (× 0..200); a point inside each is its
middle (100, 100), (1100, 100), (3100, 100). Grids A1 = 0..100, A2 = 100..200, B1 = B, C1 = C.
Organisations (两新): O1 (100, 600), O2 (600, 100), O3 (2000, 100), O4 (3800, 100) and the
polygon O5 = 700..800 × 0..50.

Distances from the middles: O1–A 500, O1–B √(1000² + 500²) ≈ 1118.03; O2–A 500, O2–B 500;
O3–B 900, O3–C 1100; O4–C 700; O5–A √(600² + 50²) ≈ 602.08, O5–B √(300² + 50²) ≈ 304.14;
grid C1 and community C from B's middle 1900.
Formal members: O1 12, O2 3, O3 7, O4 1, O5 50; grid C1 holds one household with 5 (so C has 5).
"""

from __future__ import annotations

import geopandas as gpd
import tiny_city
from tiny_city import box, point

from gridparty.core.model import Hierarchy

MIDDLES = {"A": (100.0, 100.0), "B": (1100.0, 100.0), "C": (3100.0, 100.0)}


def communities() -> gpd.GeoDataFrame:
    return tiny_city.frame(
        {"community_id": ["A", "B", "C"], "name": ["甲社区", "乙社区", "丙社区"]},
        [box(0, 0, 200, 200), box(1000, 0, 1200, 200), box(3000, 0, 3200, 200)],
    )


def grids() -> gpd.GeoDataFrame:
    return tiny_city.frame(
        {
            "grid_id": ["A1", "A2", "B1", "C1"],
            "community_id": ["A", "A", "B", "C"],
            "name": ["甲一网格", "甲二网格", "乙一网格", "丙一网格"],
        },
        [
            box(0, 0, 100, 200),
            box(100, 0, 200, 200),
            box(1000, 0, 1200, 200),
            box(3000, 0, 3200, 200),
        ],
    )


def hierarchy() -> Hierarchy:
    buildings = tiny_city.frame(
        {"building_id": ["BC"], "grid_id": ["C1"], "households": [10]},
        [box(3050, 50, 3070, 70)],
    )
    households = tiny_city.frame(
        {"household_id": ["H1"], "building_id": ["BC"], "formal_members": [5]},
        [point(3060, 60)],
    )
    return Hierarchy(communities(), grids(), buildings, households)


def organisations() -> gpd.GeoDataFrame:
    return tiny_city.frame(
        {
            "organisation_id": ["O1", "O2", "O3", "O4", "O5"],
            "name": ["一号公司", "二号协会", "三号公司", "四号公司", "五号园区"],
            "kind": ["enterprise", "social_organisation", "enterprise", "enterprise", "enterprise"],
            "formal_members": [12, 3, 7, 1, 50],
            "书记": ["虚构书记甲", "虚构书记乙", "虚构书记丙", "虚构书记丁", "虚构书记戊"],
            "联系电话": ["10000000001", "10000000002", "10000000003", "10000000004", "10000000005"],
        },
        [
            point(100, 600),
            point(600, 100),
            point(2000, 100),
            point(3800, 100),
            box(700, 0, 800, 50),
        ],
    )


def centres() -> gpd.GeoDataFrame:
    """A community station inside A at (150, 150); a street centre inside B (not a station)."""
    return tiny_city.frame(
        {
            "service_centre_id": ["S1", "S2"],
            "name": ["甲站", "乙街道中心"],
            "tier": ["community", "street"],
        },
        [point(150, 150), point(1150, 150)],
    )
