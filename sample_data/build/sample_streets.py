"""The sample city's generated street network (a build step of ``sample_city.gpkg``).

Neither city comes with real streets (the sample's real data are building footprints only),
so both get a **generated, plausible** street layer, documented as such:

* :func:`boundary_streets` — the edges of a polygon layer as streets (the synthetic city's grid
  boundaries: every block is ringed by streets, neighbouring blocks share them).
* :func:`sample_streets` — the sample city: per bank of the river, community and grid boundaries
  (cut along the gaps between buildings), the edge of the built-up area, and a north–south /
  east–west lattice every :data:`LATTICE_M` metres whose pieces crossing footprints are left out.
  The Huangpu and Suzhou Creek are barriers: the banks meet only at the crossings listed in
  :data:`CROSSINGS` (bridges, a pedestrian tunnel and ferries, at the approximate places of real
  ones; names for orientation only).

Every street layer has the index ``road_id`` and the columns ``name`` (the crossing's name,
else <NA>) and ``kind`` (``street``, ``bridge``, ``tunnel``, ``ferry``), in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from gridparty.datasets.streets import street_frame
from gridparty.spatial.network import NODE_PRECISION_M, _network

__all__ = ["CROSSINGS", "LATTICE_M", "Crossing", "sample_streets"]

#: Metric CRS of the sample city (WGS 84 / UTM 51N) in which streets are laid out.
_METRIC = "EPSG:32651"
#: Spacing of the street lattice over the built-up area (metres): the Bund's blocks are
#: roughly 100–200 m across.
LATTICE_M = 150.0
#: The street area reaches this far (metres) beyond the communities: the edge road and links
#: between neighbouring built-up patches.
EDGE_M = 40.0
#: Streets keep this far (metres) from the river and creek centre lines drawn in the sample.
BANK_M = 15.0
#: A lattice piece is left out when more than this share of its length runs through footprints.
MAX_BUILT_SHARE = 0.2
#: Coordinates are stored on the sample's 1e-7° lattice.
_DECIMALS = 7


@dataclass(frozen=True)
class Crossing:
    """A link across a river: ``kind`` (``bridge``, ``tunnel``, ``ferry``) from bank ``a`` to ``b``.

    ``at_a`` and ``at_b`` are approximate landing points (lon, lat); the crossing joins the
    street node of each bank nearest to its landing point.
    """

    name: str
    kind: str
    a: str
    b: str
    at_a: tuple[float, float]
    at_b: tuple[float, float]


#: The only links between the sample city's three banks (keys are the 街道 they belong to).
#: Walkable crossings only: the road tunnels under the Huangpu (延安东路隧道, 新建路隧道) are
#: closed to pedestrians and left out, and so is the 东复线 ferry, which lands south of the
#: sample's Pudong footprints; ferries count as their crossing length, without waiting.
CROSSINGS: tuple[Crossing, ...] = (
    Crossing(
        "外白渡桥", "bridge", "外滩街道", "北外滩街道", (121.4883, 31.2462), (121.4886, 31.2472)
    ),
    Crossing(
        "乍浦路桥", "bridge", "外滩街道", "北外滩街道", (121.4860, 31.2461), (121.4860, 31.2472)
    ),
    Crossing(
        "四川路桥", "bridge", "外滩街道", "北外滩街道", (121.4838, 31.2460), (121.4838, 31.2472)
    ),
    Crossing(
        "河南路桥", "bridge", "外滩街道", "北外滩街道", (121.4815, 31.2460), (121.4815, 31.2472)
    ),
    Crossing(
        "外滩观光隧道", "tunnel", "外滩街道", "陆家嘴街道", (121.4895, 31.2410), (121.4921, 31.2413)
    ),
    Crossing(
        "东金线轮渡", "ferry", "外滩街道", "陆家嘴街道", (121.4920, 31.2321), (121.4972, 31.2336)
    ),
    Crossing(
        "其秦线轮渡", "ferry", "北外滩街道", "陆家嘴街道", (121.4970, 31.2490), (121.5000, 31.2469)
    ),
)


def sample_streets(
    communities: gpd.GeoDataFrame,
    grids: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    banks: Mapping[str, shapely.Polygon],
) -> gpd.GeoDataFrame:
    """The sample city's generated street network (see the module notes), in EPSG:4326.

    Parameters
    ----------
    communities, grids, buildings : GeoDataFrame
        The sample city's layers (communities carry ``street``, the 街道 naming its bank).
    banks : mapping of str to Polygon
        Outline (lon/lat) of each 街道's bank, bounded by the river and creek centre lines.

    Returns
    -------
    GeoDataFrame
        Streets of every bank plus the :data:`CROSSINGS`; index ``road_id`` (``R0001`` ...),
        columns ``name``, ``kind``.
    """
    to_m = _METRIC
    footprints = np.asarray(buildings.geometry.to_crs(to_m).make_valid().array)
    built = shapely.STRtree(footprints)
    lines, nodes = [], {}
    for street, group in communities.groupby("street", sort=True):
        bank = gpd.GeoSeries([banks[street]], crs=4326).to_crs(to_m).iloc[0]
        mine = grids[grids["community_id"].isin(group.index)]
        bank_lines = _bank_streets(
            np.asarray(group.geometry.to_crs(to_m).array),
            np.asarray(mine.geometry.to_crs(to_m).array),
            shapely.buffer(bank, -BANK_M),
            footprints,
            built,
        )
        lines.append(bank_lines)
        nodes[street] = np.unique(shapely.get_coordinates(bank_lines), axis=0)
    links = [_crossing_line(c, nodes, to_m) for c in CROSSINGS]
    streets = np.concatenate([*lines, np.array(links, dtype=object)])
    kinds = np.r_[np.full(len(streets) - len(links), "street"), [c.kind for c in CROSSINGS]]
    names = np.r_[np.full(len(streets) - len(links), None), [c.name for c in CROSSINGS]]
    wgs = gpd.GeoSeries(streets, crs=to_m).to_crs(4326).array
    rounded = shapely.transform(np.asarray(wgs), lambda xy: np.round(xy, _DECIMALS))
    kept = shapely.length(rounded) > 0  # a piece shorter than the lattice: its ends are one node
    return street_frame(rounded[kept], kinds=kinds[kept], names=names[kept], width=4)


def _bank_streets(
    communities: np.ndarray,
    grids: np.ndarray,
    bank: shapely.Geometry,
    footprints: np.ndarray,
    built: shapely.STRtree,
) -> np.ndarray:
    """Noded street segments of one bank (metres): boundaries, the area's edge and a lattice."""
    area = shapely.intersection(shapely.buffer(shapely.union_all(communities), EDGE_M), bank)
    fixed = shapely.union_all(
        [
            shapely.intersection(shapely.union_all(shapely.boundary(grids)), area),
            shapely.boundary(area),
        ]
    )
    lattice = shapely.intersection(_lattice(area), area)
    noded = shapely.get_parts(shapely.node(shapely.union_all([fixed, lattice])))
    noded = noded[shapely.length(noded) > 0]
    from_lattice = ~shapely.covered_by(noded, shapely.buffer(fixed, 1e-6))
    share = _built_share(noded, footprints, built)
    keep = ~from_lattice | (share <= MAX_BUILT_SHARE)
    merged = shapely.get_parts(shapely.line_merge(shapely.multilinestrings(noded[keep])))
    return np.concatenate([merged, _links(merged)])


def _links(lines: np.ndarray) -> np.ndarray:
    """Access roads joining every separate part of the streets to the rest.

    Parts (lines connected through shared vertices) are joined one by one, the one nearest to
    those already joined first (starting from the longest), by a straight road between their
    closest vertices.
    """
    net = _network(lines, pd.RangeIndex(len(lines)), _METRIC, NODE_PRECISION_M)
    xy = np.unique(shapely.get_coordinates(lines), axis=0)
    part = net.component[cKDTree(net.xy).query(xy)[1]]
    joined = np.zeros(int(part.max()) + 1, dtype=bool)
    joined[0] = True
    links = []
    while not joined.all():
        inside = joined[part]
        gap, near = cKDTree(xy[inside]).query(xy[~inside])
        best = int(np.argmin(gap))
        links.append(shapely.LineString([xy[~inside][best], xy[inside][near[best]]]))
        joined[part[~inside][best]] = True
    return np.array(links, dtype=object)


def _lattice(area: shapely.Geometry) -> shapely.Geometry:
    """North–south and east–west lines every LATTICE_M metres across ``area``'s bounds."""
    x0, y0, x1, y1 = shapely.bounds(area)
    xs = np.arange(np.floor(x0 / LATTICE_M) + 1, np.ceil(x1 / LATTICE_M)) * LATTICE_M
    ys = np.arange(np.floor(y0 / LATTICE_M) + 1, np.ceil(y1 / LATTICE_M)) * LATTICE_M
    vertical = [[(x, y0), (x, y1)] for x in xs]
    horizontal = [[(x0, y), (x1, y)] for y in ys]
    return shapely.multilinestrings(np.array(vertical + horizontal, dtype=float))


def _built_share(lines: np.ndarray, footprints: np.ndarray, built: shapely.STRtree) -> np.ndarray:
    """Share of each line's length that runs through building footprints."""
    line, hit = built.query(lines, predicate="intersects")
    inside = shapely.length(shapely.intersection(lines[line], footprints[hit]))
    return np.bincount(line, weights=inside, minlength=len(lines)) / shapely.length(lines)


def _crossing_line(
    crossing: Crossing, nodes: Mapping[str, np.ndarray], crs: object
) -> shapely.LineString:
    """The crossing as a straight line between the nearest street nodes of its two banks."""
    landing = gpd.GeoSeries(shapely.points([crossing.at_a, crossing.at_b]), crs=4326).to_crs(crs)
    ends = []
    for bank, point in zip(
        (crossing.a, crossing.b), shapely.get_coordinates(landing.array), strict=True
    ):
        candidates = nodes[bank]
        ends.append(candidates[np.argmin(np.hypot(*(candidates - point).T))])
    return shapely.LineString(ends)
