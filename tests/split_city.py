"""The tiny city (:mod:`tiny_city`) as a grid-management system exports it: multi-part units
stored as several rows that share one id, at two levels.

* community C1 (0..200 × 0..100) is two rows: 0..100 and 100..200 (they touch: one Polygon);
* community C2 (200..400 × 0..100) is its main row and a detached 0.25 m² fragment at
  (500, 50) (a MultiPolygon when dissolved, a tiny polygon when kept apart);
* grid G3 (200..400 × 0..100) is two rows: 200..300 and 300..400.

Every other attribute of the parts agrees, so dissolving them gives the tiny city back (plus
C2's fragment).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import tiny_city
from tiny_city import box, frame

#: Extra rows per level: C1's second half, C2's fragment; G3's second half.
FRAGMENT = box(500, 50, 500.5, 50.5)


def communities() -> gpd.GeoDataFrame:
    return frame(
        {
            "community_id": ["C1", "C1", "C2", "C2"],
            "name": ["东社区", "东社区", "西社区", "西社区"],
            "street": ["外滩街道"] * 4,
            "district": ["黄浦区"] * 4,
        },
        [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 400, 100), FRAGMENT],
    )


def grids() -> gpd.GeoDataFrame:
    whole = tiny_city.grids()
    g3 = whole[whole["grid_id"] == "G3"]
    halves = pd.concat([g3, g3], ignore_index=True)
    utm = gpd.GeoSeries([box(200, 0, 300, 100), box(300, 0, 400, 100)], crs=tiny_city.UTM)
    halves = halves.set_geometry(utm.to_crs(4326).to_numpy())
    return pd.concat([whole[whole["grid_id"] != "G3"], halves], ignore_index=True)


def layers() -> dict[str, gpd.GeoDataFrame]:
    """The four layers, keyed like :class:`gridparty.Hierarchy`'s arguments."""
    return {
        **tiny_city.layers(),
        "communities": communities(),
        "grids": grids(),
    }
