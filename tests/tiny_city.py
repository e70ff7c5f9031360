"""A hand-built city whose every answer can be checked by eye.

Drawn in metres in UTM zone 51N (EPSG:32651) near the Bund in Shanghai, then stored in WGS84.
Origin (0, 0) is at x=355000, y=3455000.

    y=100 +-----------C1-----------+-----------C2------------+
          |     G1     |    G2     |           G3            |
          |            |  [B3]     |      [B4]               |
          | [B1]  [B2] |           |                         |
    y=0   +------------+-----------+-------------------------+
          x=0        x=100       x=200                     x=400

B1 = 10..30 × 10..30, B2 = 60..80 × 10..30, B3 = 110..130 × 60..80, B4 = 250..270 × 40..60.
Households: H1 (15,15) and H2 (20,25) in B1, H3 (65,20) in B2, H4 (120,70) in B3, H5 (260,50) in B4.
"""

from __future__ import annotations

import geopandas as gpd
import shapely

UTM = "EPSG:32651"
X0, Y0 = 355_000.0, 3_455_000.0


def box(x1: float, y1: float, x2: float, y2: float) -> shapely.Polygon:
    """A rectangle given in metres from the origin."""
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


def point(x: float, y: float) -> shapely.Point:
    """A point given in metres from the origin."""
    return shapely.Point(X0 + x, Y0 + y)


def frame(data: dict, geometry: list) -> gpd.GeoDataFrame:
    """A GeoDataFrame in UTM 51N converted to WGS84, as a user would hand it in."""
    return gpd.GeoDataFrame(data, geometry=geometry, crs=UTM).to_crs(4326)


def communities() -> gpd.GeoDataFrame:
    return frame(
        {
            "community_id": ["C1", "C2"],
            "name": ["东社区", "西社区"],
            "street": ["外滩街道"] * 2,
            "district": ["黄浦区"] * 2,
        },
        [box(0, 0, 200, 100), box(200, 0, 400, 100)],
    )


def grids() -> gpd.GeoDataFrame:
    return frame(
        {
            "grid_id": ["G1", "G2", "G3"],
            "community_id": ["C1", "C1", "C2"],
            "name": ["一网格", "二网格", "三网格"],
            "has_branch": [True, True, True],
            "full_time_workers": [1, 1, 2],
            "part_time_workers": [3, 4, 5],
        },
        [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 400, 100)],
    )


def buildings() -> gpd.GeoDataFrame:
    return frame(
        {
            "building_id": ["B1", "B2", "B3", "B4"],
            "grid_id": ["G1", "G1", "G2", "G3"],
            "households": [40, 30, 20, 60],
            "has_group": [True, False, True, True],
        },
        [box(10, 10, 30, 30), box(60, 10, 80, 30), box(110, 60, 130, 80), box(250, 40, 270, 60)],
    )


def households() -> gpd.GeoDataFrame:
    return frame(
        {
            "household_id": ["H1", "H2", "H3", "H4", "H5"],
            "building_id": ["B1", "B1", "B2", "B3", "B4"],
            "formal_members": [2, 1, 1, 3, 2],
            "probationary_members": [0, 1, 0, 0, 1],
            "is_hub": [True, False, False, True, False],
            "姓名": ["张三", "李四", "王五", "赵六", "钱七"],
            "联系电话": ["13800000001", "13800000002", "13800000003", "13800000004", "13800000005"],
        },
        [point(15, 15), point(20, 25), point(65, 20), point(120, 70), point(260, 50)],
    )


def layers() -> dict[str, gpd.GeoDataFrame]:
    """The four layers, keyed like :class:`gridparty.Hierarchy`'s arguments."""
    return {
        "communities": communities(),
        "grids": grids(),
        "buildings": buildings(),
        "households": households(),
    }
