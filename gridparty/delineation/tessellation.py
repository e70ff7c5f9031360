"""A tessellation of one community by its streets and buildings (pure shapely).

The community is cut by every street into blocks (街坊) and by every main road into
super-blocks; inside it, the Voronoi cells of the buildings' representative points
(computed in a locally isotropic frame: longitude × cos(latitude)) cut it further. All lines
are noded together and polygonised, so the faces tile the community exactly: they share
bit-identical edges with each other and keep the community's own vertices (no reprojection).

A face belongs to the building whose Voronoi cell holds it when that building stands in the
same block; a face cut off from its building by a street joins the building cell next to it
in its block; a block without buildings is one empty cell. This is momepy's *enclosed
tessellation* (enclosures by streets, a building tessellation inside each) without its
densified footprints (cells grow from representative points): momepy is not needed and its
buffered cells do not keep the community's vertices bit for bit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import shapely

__all__ = ["METRES_PER_DEGREE", "Tessellation", "face_adjacency", "tessellate"]

#: Metres per degree of latitude (and of longitude at the equator), for local lengths.
METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class Tessellation:
    """Faces of one community and their owners.

    Attributes
    ----------
    faces : ndarray of Polygon
        The faces (same CRS as the community); they tile it exactly.
    site : ndarray of int
        Building site (position in the ``sites`` given) each face belongs to; ``-1`` for a
        face of a block without buildings.
    block, superblock : ndarray of int
        Block (cut by every street) and super-block (cut by main roads only) of each face.
    pairs : ndarray (m, 2) of int
        Faces sharing an edge, and ``length`` (m, local scale) of the edges they share.
    scale : float
        cos(latitude) of the community's centroid (metres per degree of longitude over
        :data:`METRES_PER_DEGREE`).
    """

    faces: np.ndarray
    site: np.ndarray
    block: np.ndarray
    superblock: np.ndarray
    pairs: np.ndarray
    length: np.ndarray
    scale: float


def tessellate(
    community: shapely.Geometry,
    sites: np.ndarray,
    streets: np.ndarray,
    main: np.ndarray,
) -> Tessellation:
    """Tessellate ``community`` (WGS84 degrees) by ``streets`` and building ``sites`` (points).

    ``main`` marks the streets that are main roads. Sites must be distinct points inside the
    community.
    """
    boundary = shapely.boundary(community)
    near = shapely.intersects(streets, community)
    streets, main = streets[near], main[near]
    inside = shapely.intersection(streets, community) if len(streets) else streets
    lat = shapely.centroid(community).y
    scale = np.cos(np.radians(lat))
    edges = _voronoi_edges(sites, community, scale)
    faces = _faces(community, [boundary, *inside, *edges])
    blocks = _faces(community, [boundary, *inside]) if len(inside) else _parts(community)
    main_lines = inside[main] if len(inside) else inside
    supers = _faces(community, [boundary, *main_lines]) if len(main_lines) else _parts(community)
    points = shapely.point_on_surface(faces)
    block = _containing(blocks, points)
    superblock = _containing(supers, points)
    site = _owner(points, sites, scale)
    pairs, length = face_adjacency(faces, (METRES_PER_DEGREE * scale, METRES_PER_DEGREE))
    site_block = _site_blocks(site, block, shapely.area(faces), len(sites))
    site = _resolve_orphans(site, block, site_block, pairs)
    return Tessellation(faces, site, block, superblock, pairs, length, float(scale))


def _voronoi_edges(
    sites: np.ndarray, community: shapely.Geometry, scale: float
) -> list[shapely.Geometry]:
    if len(sites) < 2:
        return []
    stretch = shapely.transform(shapely.multipoints(sites), lambda xy: xy * [scale, 1.0])
    frame = shapely.transform(shapely.envelope(community), lambda xy: xy * [scale, 1.0])
    cells = shapely.get_parts(shapely.voronoi_polygons(stretch, extend_to=frame))
    cells = shapely.transform(cells, lambda xy: xy / [scale, 1.0])
    # whole cell boundaries: clipped ends would not lie exactly on the community boundary
    return list(shapely.boundary(cells))


def _faces(community: shapely.Geometry, lines: list[shapely.Geometry]) -> np.ndarray:
    noded = shapely.union_all(np.asarray(lines, dtype=object))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    keep = shapely.contains_properly(community, shapely.point_on_surface(faces))
    keep |= shapely.covers(community, shapely.point_on_surface(faces))
    return faces[keep & (shapely.area(faces) > 0)]


def _parts(community: shapely.Geometry) -> np.ndarray:
    """The faces of a community cut by no line: its polygons."""
    return shapely.get_parts(community)


def _containing(polygons: np.ndarray, points: np.ndarray) -> np.ndarray:
    tree = shapely.STRtree(polygons)
    hit_point, hit_poly = tree.query(points, predicate="intersects")
    out = np.full(len(points), -1, dtype=np.int64)
    out[hit_point[::-1]] = hit_poly[::-1]
    missing = np.flatnonzero(out < 0)
    if len(missing):
        out[missing] = tree.query_nearest(
            points[missing], return_distance=False, all_matches=False
        )[1]
    return out


def _owner(points: np.ndarray, sites: np.ndarray, scale: float) -> np.ndarray:
    if len(sites) == 0:
        return np.full(len(points), -1, dtype=np.int64)
    stretch = shapely.transform(sites, lambda xy: xy * [scale, 1.0])
    tree = shapely.STRtree(stretch)
    query = shapely.transform(points, lambda xy: xy * [scale, 1.0])
    near = tree.query_nearest(query, all_matches=False)
    out = np.empty(len(points), dtype=np.int64)
    out[near[0]] = near[1]
    return out


def face_adjacency(
    faces: np.ndarray, scale: tuple[float, float] = (1.0, 1.0)
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of faces sharing at least one identical edge, and the shared length (coordinate
    differences multiplied by ``scale``, e.g. metres per degree of longitude and latitude).

    Faces from one polygonisation share bit-identical segments; each segment is keyed by its
    end points in lexicographic order and counted once per face.
    """
    rings, ring_owner = shapely.get_rings(faces, return_index=True)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = ring_owner[ring[:-1][same]]
    forward = (a[:, 0] < b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] < b[:, 1]))
    low, high = np.where(forward[:, None], a, b), np.where(forward[:, None], b, a)
    keys = np.column_stack([low, high])
    order = np.lexsort((owner, keys[:, 3], keys[:, 2], keys[:, 1], keys[:, 0]))
    keys, owner = keys[order], owner[order]
    seg_len = np.hypot(*((keys[:, 2:] - keys[:, :2]) * np.asarray(scale)).T)
    same_key = (keys[1:] == keys[:-1]).all(axis=1) & (owner[1:] != owner[:-1])
    i, j = owner[:-1][same_key], owner[1:][same_key]
    pairs = np.column_stack([np.minimum(i, j), np.maximum(i, j)])
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    uniq, inverse = np.unique(pairs, axis=0, return_inverse=True)
    length = np.bincount(inverse.ravel(), weights=seg_len[:-1][same_key], minlength=len(uniq))
    return uniq.astype(np.int64), length


def _site_blocks(site: np.ndarray, block: np.ndarray, area: np.ndarray, n: int) -> np.ndarray:
    """Block of each site: the block of the largest face of its Voronoi cell (a point on a
    street line belongs to the side where most of its cell lies)."""
    out = np.full(n, -1, dtype=np.int64)
    ok = site >= 0
    order = np.lexsort((area[ok], site[ok]))
    out[site[ok][order]] = block[ok][order]  # the last (largest) face of each site wins
    return out


def _resolve_orphans(
    site: np.ndarray, block: np.ndarray, site_block: np.ndarray, pairs: np.ndarray
) -> np.ndarray:
    """Give every face cut off from its building's block to a building cell of its own block
    (breadth first over shared edges); faces of blocks without buildings get ``-1``."""
    site = site.copy()
    if len(site_block):
        orphan = (site >= 0) & (site_block[np.maximum(site, 0)] != block)
    else:
        orphan = np.ones(len(site), dtype=bool)
    site[orphan] = -2
    neighbours: list[list[int]] = [[] for _ in range(len(site))]
    for i, j in pairs:
        if block[i] == block[j]:
            neighbours[i].append(j)
            neighbours[j].append(i)
    queue = deque(int(f) for f in np.flatnonzero(site >= 0))
    while queue:
        f = queue.popleft()
        for g in neighbours[f]:
            if site[g] == -2:
                site[g] = site[f]
                queue.append(g)
    site[site == -2] = -1
    return site
