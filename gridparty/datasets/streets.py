"""Generated street networks for synthetic cities.

Synthetic cities come with no real streets, so they get a **generated, plausible** street layer:
:func:`boundary_streets` takes the edges of a polygon layer as streets (every block is ringed by
streets, neighbouring blocks share them).

Every street layer has the index ``road_id`` and the columns ``name`` (else <NA>) and ``kind``
(``street``, ``bridge``, ``tunnel``, ``ferry``), in EPSG:4326.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.dtypes import TEXT_DTYPE

__all__ = ["boundary_streets", "street_frame"]


def boundary_streets(polygons: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Streets along the edges of polygons (each shared edge once), in EPSG:4326.

    Neighbouring polygons must share their vertices along common edges (the synthetic city's
    grids do); the edges are then merged into lines between junctions.

    Parameters
    ----------
    polygons : GeoDataFrame
        Polygons or MultiPolygons with a CRS (e.g. grids).

    Returns
    -------
    GeoDataFrame
        Index ``road_id`` (``R000001`` ...), columns ``name`` (<NA>) and ``kind`` (``street``).
    """
    rings = shapely.get_exterior_ring(
        shapely.get_parts(np.asarray(polygons.to_crs(4326).geometry.array))
    )
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    follows = ring[1:] == ring[:-1]
    a, b = xy[:-1][follows], xy[1:][follows]
    swap = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    pairs = np.where(swap[:, None], np.c_[b, a], np.c_[a, b])
    pairs = np.unique(pairs[(pairs[:, :2] != pairs[:, 2:]).any(axis=1)], axis=0)  # type: ignore[assignment, call-overload]  # a numpy array
    merged = shapely.line_merge(
        shapely.multilinestrings(shapely.linestrings(pairs.reshape(-1, 2, 2)))  # type: ignore[call-overload, attr-defined]  # a numpy array
    )
    return street_frame(shapely.get_parts(merged), kinds=None, names=None)


def street_frame(
    geoms: np.ndarray, *, kinds: np.ndarray | None, names: np.ndarray | None, width: int = 6
) -> gpd.GeoDataFrame:
    n = len(geoms)
    index = pd.Index([f"R{i:0{width}d}" for i in range(1, n + 1)], name="road_id", dtype=TEXT_DTYPE)
    return gpd.GeoDataFrame(
        {
            "name": pd.array(names if names is not None else [None] * n, dtype=TEXT_DTYPE),
            "kind": pd.array(kinds if kinds is not None else ["street"] * n, dtype=TEXT_DTYPE),
        },
        index=index,
        geometry=gpd.GeoSeries(np.asarray(geoms, dtype=object), index=index, crs=4326),
    )
