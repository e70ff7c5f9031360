"""Compiled point-in-polygon kernels (numba) over flat coordinate arrays.

Polygons are held as ragged arrays (:class:`PolygonArrays`): one ``(n, 2)`` coordinate array,
ring offsets into it and per-geometry offsets into the rings. Polygons and MultiPolygons share
this layout, and a point is inside a geometry when a ray from it crosses the rings of the
geometry an odd number of times (even-odd rule over *all* rings: holes and parts of a
MultiPolygon need no special case).

Points exactly on a boundary follow the half-open rule of the crossing-number test: a point on
a left or bottom edge counts as inside, on a right or top edge as outside (so a point on an
edge shared by two polygons lands in exactly one of them). GEOS (the ``engine="shapely"`` path
of :mod:`gridparty.spatial.assign`) counts boundary points as outside of both. Off the boundary both
give the same answer.

Candidates come from a uniform grid over the polygons' bounding boxes in CSR form
(:class:`GridIndex`): cells are the median bounding-box width and height (grown when that would
make more than four cells per polygon), so a point sees one to a few candidates, whose bounding
box is tested before the crossing test. Points are bucketed by cell first (a counting sort), so
the polygons of a cell stay in cache whatever the order of the input.

On 2,000,000 points in 200,000 16-vertex footprints (two cores) the search takes about 0.1 s
once the coordinates are extracted; extracting them from shapely objects takes about as long
again (see ``benchmarks/bench_assign.py``).

The kernels are compiled on the first call in a fresh install (about 5–6 s for all of them)
and cached on disk (``cache=True``); later processes load them in about 0.5 s. Loops over
points run in parallel (``prange``) on the threads numba is given (``NUMBA_NUM_THREADS``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit, prange

__all__ = [
    "GridIndex",
    "PolygonArrays",
    "build_grid_index",
    "covers_verdicts",
    "inscribed_radii",
    "interiors_verdicts",
    "nearest_segments",
    "point_xy",
    "polygon_arrays",
    "search_points",
    "segment_index",
    "verify_pairs",
]

#: At most this many grid cells per indexed polygon (bounds memory on sparse, wide extents).
_MAX_CELLS_PER_POLYGON = 4


@dataclass(frozen=True)
class PolygonArrays:
    """Polygons as flat arrays.

    Attributes
    ----------
    coords : ndarray of float64, shape (m, 2)
        Every vertex of every ring, rings closed (last vertex = first).
    ring_offsets : ndarray of int64, shape (r + 1,)
        Ring ``k`` spans ``coords[ring_offsets[k]:ring_offsets[k + 1]]``.
    geom_offsets : ndarray of int64, shape (n + 1,)
        Geometry ``g`` owns rings ``geom_offsets[g]:geom_offsets[g + 1]`` (none when missing or
        empty).
    bounds : ndarray of float64, shape (n, 4)
        ``xmin, ymin, xmax, ymax`` of each geometry (NaN when it has no coordinates).
    """

    coords: np.ndarray
    ring_offsets: np.ndarray
    geom_offsets: np.ndarray
    bounds: np.ndarray

    def __len__(self) -> int:
        return len(self.geom_offsets) - 1


@dataclass(frozen=True)
class GridIndex:
    """A uniform grid over polygon bounding boxes, in CSR form.

    Cell ``(i, j)`` (column ``i``, row ``j``) is number ``c = j * nx + i`` and holds polygons
    ``items[starts[c]:starts[c + 1]]`` in increasing order.
    """

    x0: float
    y0: float
    inv_dx: float
    inv_dy: float
    nx: int
    ny: int
    starts: np.ndarray
    items: np.ndarray


def polygon_arrays(geoms: np.ndarray) -> PolygonArrays:
    """Flatten an array of Polygon/MultiPolygon (or missing/empty) geometries.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Polygons and MultiPolygons in any mix; ``None`` and empty geometries get no rings.
        The caller checks the types (points or lines here raise ``TypeError``).
    """
    geoms = np.asarray(geoms, dtype=object)
    types = shapely.get_type_id(geoms)
    if not np.isin(
        types, (-1, shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    ).all():
        raise TypeError("polygon_arrays() needs Polygon or MultiPolygon geometries")
    if (types != shapely.GeometryType.MULTIPOLYGON).all() and not shapely.get_num_interior_rings(
        geoms
    ).any():
        ring_offsets, geom_offsets = _simple_offsets(shapely.get_num_coordinates(geoms))
        coords = shapely.get_coordinates(geoms)
    else:
        coords, ring_offsets, geom_offsets = _ragged(geoms)
    coords = np.ascontiguousarray(coords, dtype=np.float64)
    return PolygonArrays(
        coords, ring_offsets, geom_offsets, _bounds(coords, ring_offsets, geom_offsets)
    )


def _simple_offsets(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Offsets for polygons without holes: one ring per non-empty geometry, none otherwise."""
    present = counts > 0
    ring_offsets = np.concatenate([[0], np.cumsum(counts[present])]).astype(np.int64)
    geom_offsets = np.concatenate([[0], np.cumsum(present)]).astype(np.int64)
    return ring_offsets, geom_offsets


def _ragged(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets for any mix of polygons (holes, multi-parts) via ``shapely.to_ragged_array``."""
    if (shapely.is_missing(geoms) | shapely.is_empty(geoms)).all():
        return np.empty((0, 2)), np.zeros(1, np.int64), np.zeros(len(geoms) + 1, np.int64)
    kind, coords, offsets = shapely.to_ragged_array(geoms, include_z=False)
    if kind == shapely.GeometryType.POLYGON:
        rings, geom_rings = offsets
    else:
        rings, parts, geom_parts = offsets
        geom_rings = parts[geom_parts]
    return coords, np.asarray(rings, np.int64), np.asarray(geom_rings, np.int64)


def point_xy(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of an array of Points (NaN for missing or empty points).

    The caller checks the types (any non-point raises ``TypeError``).
    """
    geoms = np.asarray(geoms, dtype=object)
    x: np.ndarray | None
    y: np.ndarray | None
    try:
        x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    except shapely.errors.GEOSException:  # empty points
        x = y = None
    if x is not None and y is not None and not np.isnan(x).any():
        return x, y
    types = shapely.get_type_id(geoms)  # only when something is missing, empty or no point
    if not np.isin(types, (-1, shapely.GeometryType.POINT)).all():
        raise TypeError("point_xy() needs Point geometries")
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    x[present], y[present] = shapely.get_x(geoms[present]), shapely.get_y(geoms[present])
    return x, y


@njit(cache=True)
def _bounds(coords: np.ndarray, ring_offsets: np.ndarray, geom_offsets: np.ndarray) -> np.ndarray:
    n = geom_offsets.size - 1
    out = np.full((n, 4), np.nan)
    for g in range(n):
        start = ring_offsets[geom_offsets[g]]
        stop = ring_offsets[geom_offsets[g + 1]]
        if stop <= start:
            continue
        xmin = xmax = coords[start, 0]
        ymin = ymax = coords[start, 1]
        for k in range(start + 1, stop):
            x = coords[k, 0]
            y = coords[k, 1]
            xmin = min(xmin, x)
            xmax = max(xmax, x)
            ymin = min(ymin, y)
            ymax = max(ymax, y)
        out[g, 0] = xmin
        out[g, 1] = ymin
        out[g, 2] = xmax
        out[g, 3] = ymax
    return out


@njit(cache=True, inline="always")
def _inside(
    x: float,
    y: float,
    g: int,
    coords: np.ndarray,
    ring_offsets: np.ndarray,
    geom_offsets: np.ndarray,
) -> bool:
    """Even-odd crossing-number test of point (x, y) against every ring of geometry ``g``."""
    inside = False
    for r in range(geom_offsets[g], geom_offsets[g + 1]):
        start = ring_offsets[r]
        stop = ring_offsets[r + 1]
        xj = coords[start, 0]
        yj = coords[start, 1]
        for k in range(start + 1, stop):
            xi = coords[k, 0]
            yi = coords[k, 1]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                inside = not inside
            xj = xi
            yj = yi
    return inside


@njit(cache=True, inline="always")
def _in_box(x: float, y: float, bounds: np.ndarray, g: int) -> bool:
    return bool(bounds[g, 0] <= x <= bounds[g, 2] and bounds[g, 1] <= y <= bounds[g, 3])


def build_grid_index(
    bounds: np.ndarray, cell_factor: float = 1.0, *, square: bool = False
) -> GridIndex:
    """Index polygon (or segment) bounding boxes in a uniform grid.

    Parameters
    ----------
    bounds : ndarray, shape (n, 4)
        Bounding boxes; rows with NaN (missing/empty geometries) are left out.
    cell_factor : float
        Cell size as a multiple of the median bounding-box width/height.
    square : bool
        Square cells, as wide as ``cell_factor`` times the median of the larger side of the
        boxes: for segments, whose boxes are often flat (a street along x has no height).
    """
    ok = np.isfinite(bounds).all(axis=1)
    if not ok.any():
        return GridIndex(0.0, 0.0, 1.0, 1.0, 1, 1, np.zeros(2, np.int64), np.zeros(0, np.int64))
    good = bounds[ok]
    x0, y0 = good[:, 0].min(), good[:, 1].min()
    width = max(good[:, 2].max() - x0, 1e-12)
    height = max(good[:, 3].max() - y0, 1e-12)
    if square:
        side = np.maximum(good[:, 2] - good[:, 0], good[:, 3] - good[:, 1])
        dx = dy = max(cell_factor * float(np.median(side)), max(width, height) * 1e-9, 1e-12)
    else:
        dx = max(cell_factor * float(np.median(good[:, 2] - good[:, 0])), width * 1e-9, 1e-12)
        dy = max(cell_factor * float(np.median(good[:, 3] - good[:, 1])), height * 1e-9, 1e-12)
    max_cells = _MAX_CELLS_PER_POLYGON * len(good) + 64
    nx, ny = int(width / dx) + 1, int(height / dy) + 1
    while nx * ny > max_cells:  # grow the cells until the grid fits (a few rounds at most)
        grow = 1.01 * np.sqrt(nx * ny / max_cells)
        dx, dy = dx * grow, dy * grow
        nx, ny = int(width / dx) + 1, int(height / dy) + 1
    starts, items = _fill_grid(bounds, x0, y0, 1.0 / dx, 1.0 / dy, nx, ny)
    return GridIndex(float(x0), float(y0), 1.0 / dx, 1.0 / dy, nx, ny, starts, items)


@njit(cache=True)
def _cell_range(
    bounds: np.ndarray,
    g: int,
    x0: float,
    y0: float,
    inv_dx: float,
    inv_dy: float,
    nx: int,
    ny: int,
) -> tuple[int, int, int, int]:
    i0 = min(max(int((bounds[g, 0] - x0) * inv_dx), 0), nx - 1)
    i1 = min(max(int((bounds[g, 2] - x0) * inv_dx), 0), nx - 1)
    j0 = min(max(int((bounds[g, 1] - y0) * inv_dy), 0), ny - 1)
    j1 = min(max(int((bounds[g, 3] - y0) * inv_dy), 0), ny - 1)
    return i0, i1, j0, j1


@njit(cache=True)
def _fill_grid(
    bounds: np.ndarray, x0: float, y0: float, inv_dx: float, inv_dy: float, nx: int, ny: int
) -> tuple[np.ndarray, np.ndarray]:
    n = bounds.shape[0]
    starts = np.zeros(nx * ny + 1, dtype=np.int64)
    for g in range(n):
        if not (np.isfinite(bounds[g, 0]) and np.isfinite(bounds[g, 3])):
            continue
        i0, i1, j0, j1 = _cell_range(bounds, g, x0, y0, inv_dx, inv_dy, nx, ny)
        for j in range(j0, j1 + 1):
            for i in range(i0, i1 + 1):
                starts[j * nx + i + 1] += 1
    for c in range(nx * ny):
        starts[c + 1] += starts[c]
    cursor = starts[:-1].copy()
    items = np.empty(starts[-1], dtype=np.int64)
    for g in range(n):
        if not (np.isfinite(bounds[g, 0]) and np.isfinite(bounds[g, 3])):
            continue
        i0, i1, j0, j1 = _cell_range(bounds, g, x0, y0, inv_dx, inv_dy, nx, ny)
        for j in range(j0, j1 + 1):
            for i in range(i0, i1 + 1):
                c = j * nx + i
                items[cursor[c]] = g
                cursor[c] += 1
    return starts, items


#: Bucket the points first unless at least half of the steps from one point to the next stay
#: within neighbouring keys (input already grouped, e.g. households listed building by building).
_GROUPED_SHARE = 0.5
#: Steps looked at to decide that.
_SAMPLE = 4096


def _grouped(keys_from: np.ndarray, keys_to: np.ndarray, nx: int = 1) -> bool:
    """Are steps between neighbours in the input mostly steps to neighbouring keys?

    Keys are cells ``j * nx + i`` of a grid ``nx`` wide (neighbours: ``i`` and ``j`` within 1),
    or polygon positions with ``nx=1`` (neighbours: positions within 1); ``-1`` is no key.
    """
    a, b = keys_from.astype(np.int64), keys_to.astype(np.int64)
    far = (a >= 0) & (b >= 0) & ((np.abs(a % nx - b % nx) > 1) | (np.abs(a // nx - b // nx) > 1))
    return bool(np.count_nonzero(far) <= (1 - _GROUPED_SHARE) * len(far))


def _steps(n: int) -> np.ndarray:
    """Positions ``p`` of up to :data:`_SAMPLE` evenly spread steps ``p → p + 1`` (none for n < 2)."""
    return np.unique(np.linspace(0, n - 2, min(max(n - 1, 0), _SAMPLE)).astype(np.int64))


@njit(cache=True)
def _bucket(
    keys: np.ndarray, n_keys: int, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Counting sort of the points with a key >= 0: positions, x, y and keys in key order.

    Reading the input once in order and writing the buckets turns the random reads of a
    search over scattered points into random writes, which do not stall.
    """
    starts = np.zeros(n_keys + 1, dtype=np.int64)
    for k in keys:
        if k >= 0:
            starts[k + 1] += 1
    for i in range(n_keys):
        starts[i + 1] += starts[i]
    m = starts[n_keys]
    order = np.empty(m, dtype=np.int32)
    xs = np.empty(m)
    ys = np.empty(m)
    ks = np.empty(m, dtype=keys.dtype)
    for p in range(keys.size):
        k = keys[p]
        if k >= 0:
            j = starts[k]
            order[j] = p
            xs[j] = x[p]
            ys[j] = y[p]
            ks[j] = k
            starts[k] = j + 1
    return order, xs, ys, ks


@njit(cache=True, parallel=True)
def _unsorted(order: np.ndarray, values: np.ndarray, n: int, fill: int | bool) -> np.ndarray:
    """Back to input order: ``out[order] = values``, ``fill`` where a point had no bucket."""
    out = np.empty(n, dtype=values.dtype)
    for p in prange(n):
        out[p] = fill
    for j in prange(order.size):
        out[order[j]] = values[j]
    return out


@njit(cache=True, parallel=True)
def _verify_keys(
    x: np.ndarray,
    y: np.ndarray,
    declared: np.ndarray,
    coords: np.ndarray,
    ring_offsets: np.ndarray,
    geom_offsets: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    out = np.zeros(x.size, dtype=np.bool_)
    for p in prange(x.size):
        g = declared[p]
        if g >= 0 and _in_box(x[p], y[p], bounds, g):
            out[p] = _inside(x[p], y[p], g, coords, ring_offsets, geom_offsets)
    return out


def verify_pairs(
    x: np.ndarray, y: np.ndarray, declared: np.ndarray, polys: PolygonArrays
) -> np.ndarray:
    """For each point ``i``: is it inside polygon ``declared[i]``? (``-1`` → False).

    Unless the input is already grouped by polygon, pairs are sorted by polygon first, so each
    polygon's vertices are read once.

    Parameters
    ----------
    x, y : ndarray of float64
        Point coordinates (NaN for a missing point: never inside).
    declared : ndarray of int64
        Position of the declared polygon of each point, ``-1`` for none.
    polys : PolygonArrays
        The polygons, in the same CRS as the points.
    """
    x, y = np.ascontiguousarray(x, np.float64), np.ascontiguousarray(y, np.float64)
    declared = np.ascontiguousarray(declared, np.int64)
    arrays = (polys.coords, polys.ring_offsets, polys.geom_offsets, polys.bounds)
    steps = _steps(x.size)
    if x.size < 2 or _grouped(declared[steps], declared[steps + 1]):
        return _verify_keys(x, y, declared, *arrays)
    order, xs, ys, ks = _bucket(declared, len(polys), x, y)
    return _unsorted(order, _verify_keys(xs, ys, ks, *arrays), x.size, False)


@njit(cache=True, inline="always")
def _cell_of(
    x: float, y: float, x0: float, y0: float, inv_dx: float, inv_dy: float, nx: int, ny: int
) -> int:
    """Grid cell of a point, ``-1`` outside the grid (or NaN)."""
    fi = (x - x0) * inv_dx
    fj = (y - y0) * inv_dy
    if 0.0 <= fi < nx and 0.0 <= fj < ny:
        return int(fj) * nx + int(fi)
    return -1


@njit(cache=True)
def _cells(
    x: np.ndarray,
    y: np.ndarray,
    x0: float,
    y0: float,
    inv_dx: float,
    inv_dy: float,
    nx: int,
    ny: int,
) -> np.ndarray:
    """Grid cell of each point, ``-1`` outside the grid (or NaN)."""
    out = np.empty(x.size, dtype=np.int32)
    for p in range(x.size):
        out[p] = _cell_of(x[p], y[p], x0, y0, inv_dx, inv_dy, nx, ny)
    return out


@njit(cache=True, parallel=True)
def _search(
    x: np.ndarray,
    y: np.ndarray,
    x0: float,
    y0: float,
    inv_dx: float,
    inv_dy: float,
    nx: int,
    ny: int,
    coords: np.ndarray,
    ring_offsets: np.ndarray,
    geom_offsets: np.ndarray,
    bounds: np.ndarray,
    starts: np.ndarray,
    items: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    parent = np.full(x.size, -1, dtype=np.int64)
    hits = np.zeros(x.size, dtype=np.int32)
    for p in prange(x.size):
        px = x[p]
        py = y[p]
        c = _cell_of(px, py, x0, y0, inv_dx, inv_dy, nx, ny)
        if c < 0:
            continue
        best = -1
        count = 0
        for i in range(starts[c], starts[c + 1]):
            g = items[i]
            if _in_box(px, py, bounds, g) and _inside(
                px, py, g, coords, ring_offsets, geom_offsets
            ):
                count += 1
                if best < 0:  # items are in increasing order: the first hit is the smallest
                    best = g
        parent[p] = best
        hits[p] = count
    return parent, hits


def search_points(
    x: np.ndarray, y: np.ndarray, polys: PolygonArrays, index: GridIndex | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Find, for each point, the containing polygon with the smallest position.

    Unless the input is already grouped by grid cell (as households listed building by
    building are), points are bucketed by cell first, so the polygons of a cell stay in cache
    whatever the order of the input.

    Parameters
    ----------
    x, y : ndarray of float64
        Point coordinates (NaN for a missing point).
    polys : PolygonArrays
        The polygons, in the same CRS as the points.
    index : GridIndex, optional
        A prebuilt index of ``polys.bounds``; built when not given.

    Returns
    -------
    (ndarray of int64, ndarray of int32)
        Position of the containing polygon (``-1`` for none) and how many polygons contain
        the point.
    """
    if index is None:
        index = build_grid_index(polys.bounds)
    x, y = np.ascontiguousarray(x, np.float64), np.ascontiguousarray(y, np.float64)
    grid = (index.x0, index.y0, index.inv_dx, index.inv_dy, index.nx, index.ny)
    arrays = (
        polys.coords,
        polys.ring_offsets,
        polys.geom_offsets,
        polys.bounds,
        index.starts,
        index.items,
    )
    steps = _steps(x.size)
    if x.size < 2 or _grouped(
        _cells(x[steps], y[steps], *grid), _cells(x[steps + 1], y[steps + 1], *grid), index.nx
    ):
        return _search(x, y, *grid, *arrays)
    order, xs, ys, _ = _bucket(_cells(x, y, *grid), index.nx * index.ny, x, y)
    found, count = _search(xs, ys, *grid, *arrays)
    return _unsorted(order, found, x.size, -1), _unsorted(order, count, x.size, 0)


# -- nearest segment ------------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _segment_gap2(
    px: float, py: float, ax: float, ay: float, bx: float, by: float, length2: float
) -> float:
    """Squared distance from (px, py) to segment a–b (``length2`` = its squared length)."""
    ex = bx - ax
    ey = by - ay
    t = 0.0
    if length2 > 0.0:
        t = min(max(((px - ax) * ex + (py - ay) * ey) / length2, 0.0), 1.0)
    dx = px - (ax + t * ex)
    dy = py - (ay + t * ey)
    return dx * dx + dy * dy


@njit(cache=True, parallel=True)
def _nearest_segments(
    x: np.ndarray,
    y: np.ndarray,
    ends: np.ndarray,
    x0: float,
    y0: float,
    inv: float,
    nx: int,
    ny: int,
    starts: np.ndarray,
    items: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest segment of each point: rings of grid cells around its cell, nearest first.

    A segment at distance ``d`` has its nearest point, and so a cell holding it, within ``d``
    of the point; once the best distance found is no more than the distance from the point to
    the grid cells not yet searched, no other segment can be nearer. Ties go to the segment with
    the smallest position. Returns the segment, the position ``t`` (0–1) of the nearest point
    along it and the distance.
    """
    out = np.full(x.size, -1, dtype=np.int64)
    where = np.zeros(x.size)
    gap = np.zeros(x.size)
    cell = 1.0 / inv
    slack = 1e-9 * cell  # cells are filled with ``(v - x0) * inv``: allow for its rounding
    for p in prange(x.size):
        px = x[p]
        py = y[p]
        ci = min(max(int(np.floor((px - x0) * inv)), 0), nx - 1)
        cj = min(max(int(np.floor((py - y0) * inv)), 0), ny - 1)
        best = np.inf
        found = -1
        r = 0
        while True:
            i0, i1, j0, j1 = ci - r, ci + r, cj - r, cj + r
            for j in range(max(j0, 0), min(j1, ny - 1) + 1):
                edge_row = j in (j0, j1)
                for i in range(max(i0, 0), min(i1, nx - 1) + 1):
                    if not edge_row and i != i0 and i != i1:
                        continue  # inner cells were searched in an earlier ring
                    c = j * nx + i
                    for k in range(starts[c], starts[c + 1]):
                        s = items[k]
                        ax = ends[s, 0]
                        ay = ends[s, 1]
                        bx = ends[s, 2]
                        by = ends[s, 3]
                        ex = bx - ax
                        ey = by - ay
                        d2 = _segment_gap2(px, py, ax, ay, bx, by, ex * ex + ey * ey)
                        if d2 < best or (d2 == best and s < found):
                            best = d2
                            found = s
            # distance from the point to the cells outside the searched block
            reach = np.inf
            if i0 > 0:
                reach = min(reach, max(px - (x0 + i0 * cell), 0.0))
            if i1 < nx - 1:
                reach = min(reach, max(x0 + (i1 + 1) * cell - px, 0.0))
            if j0 > 0:
                reach = min(reach, max(py - (y0 + j0 * cell), 0.0))
            if j1 < ny - 1:
                reach = min(reach, max(y0 + (j1 + 1) * cell - py, 0.0))
            reach -= slack
            if reach == np.inf or (found >= 0 and reach > 0.0 and best < reach * reach):
                break
            r += 1
        out[p] = found
        ex = ends[found, 2] - ends[found, 0]
        ey = ends[found, 3] - ends[found, 1]
        length2 = ex * ex + ey * ey
        if length2 > 0.0:
            t = ((px - ends[found, 0]) * ex + (py - ends[found, 1]) * ey) / length2
            where[p] = min(max(t, 0.0), 1.0)
        gap[p] = np.sqrt(best)
    return out, where, gap


def nearest_segments(
    x: np.ndarray, y: np.ndarray, ends: np.ndarray, index: GridIndex | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nearest segment to each point (exact; ties: the smallest position).

    Candidates come from a square-cell grid over the segments' boxes (:func:`segment_index`),
    searched ring by ring outwards from the point's cell until no unsearched cell can hold a
    nearer segment, so points far from every segment are exact too (only slower).

    Parameters
    ----------
    x, y : ndarray of float64
        Point coordinates (finite).
    ends : ndarray of float64, shape (m, 4)
        Segments as ``ax, ay, bx, by``, in the same CRS as the points (m >= 1).
    index : GridIndex, optional
        A prebuilt square-cell index of the segments' boxes (``build_grid_index(bounds,
        square=True)``); built when not given.

    Returns
    -------
    (ndarray of int64, ndarray of float64, ndarray of float64)
        Per point: the position of its nearest segment, the position ``t`` of the nearest
        point along it (0 at ``a``, 1 at ``b``) and the distance to it (units of the CRS).
    """
    ends = np.ascontiguousarray(ends, np.float64)
    if index is None:
        index = segment_index(ends)
    if index.inv_dx != index.inv_dy:
        raise ValueError("nearest_segments() needs an index with square cells")
    return _nearest_segments(
        np.ascontiguousarray(x, np.float64),
        np.ascontiguousarray(y, np.float64),
        ends,
        index.x0,
        index.y0,
        index.inv_dx,
        index.nx,
        index.ny,
        index.starts,
        index.items,
    )


#: Cell side of :func:`segment_index` as a multiple of the median segment box side: half a
#: segment keeps the rings searched around a point small (about twice as fast as one segment).
_SEGMENT_CELL_FACTOR = 0.5


def segment_index(ends: np.ndarray) -> GridIndex:
    """A square-cell grid index of segments given as ``ax, ay, bx, by`` rows."""
    bounds = np.column_stack(
        [
            np.minimum(ends[:, 0], ends[:, 2]),
            np.minimum(ends[:, 1], ends[:, 3]),
            np.maximum(ends[:, 0], ends[:, 2]),
            np.maximum(ends[:, 1], ends[:, 3]),
        ]
    )
    return build_grid_index(bounds, _SEGMENT_CELL_FACTOR, square=True)


# -- largest inscribed circle ---------------------------------------------------------------------


@njit(cache=True, inline="always")
def _boundary_gap(
    x: float,
    y: float,
    g: int,
    coords: np.ndarray,
    ring_offsets: np.ndarray,
    geom_offsets: np.ndarray,
) -> float:
    """Signed distance from (x, y) to the rings of geometry ``g``: positive inside."""
    best = np.inf
    for r in range(geom_offsets[g], geom_offsets[g + 1]):
        for k in range(ring_offsets[r], ring_offsets[r + 1] - 1):
            ax = coords[k, 0]
            ay = coords[k, 1]
            bx = coords[k + 1, 0]
            by = coords[k + 1, 1]
            ex = bx - ax
            ey = by - ay
            best = min(best, _segment_gap2(x, y, ax, ay, bx, by, ex * ex + ey * ey))
    gap = float(np.sqrt(best))
    return gap if _inside(x, y, g, coords, ring_offsets, geom_offsets) else -gap


#: Convex rings with at most this many edges get the exact inscribed circle (O(n⁴) work).
_EXACT_MAX_EDGES = 32


@njit(cache=True)
def _convex_inradius(
    g: int, coords: np.ndarray, ring_offsets: np.ndarray, geom_offsets: np.ndarray
) -> float:
    """Exact radius of the largest circle inside geometry ``g`` if it is one convex ring of at
    most :data:`_EXACT_MAX_EDGES` edges; -1 for any other geometry.

    The circle's centre and radius solve a linear programme (the Chebyshev centre): maximise
    ``r`` with every edge at least ``r`` from the centre. The optimum is a vertex of that
    programme, where three edge constraints hold with equality, so every triple of edges is
    solved (3 × 3, Cramer's rule) and the largest feasible radius is the answer. A ring is
    convex when every vertex lies on the inner side of every edge (to 1e-9 of its size) and
    its edges turn once around.
    """
    if geom_offsets[g + 1] - geom_offsets[g] != 1:
        return -1.0
    start = ring_offsets[geom_offsets[g]]
    stop = ring_offsets[geom_offsets[g] + 1]
    if stop - start - 1 > _EXACT_MAX_EDGES or stop - start < 4:
        return -1.0
    ox = coords[start, 0]
    oy = coords[start, 1]
    n = stop - start - 1
    px = np.empty(n)
    py = np.empty(n)
    for k in range(n):  # local coordinates: metres from the first vertex, not 10⁶ m from UTM's
        px[k] = coords[start + k, 0] - ox
        py[k] = coords[start + k, 1] - oy
    nx = np.empty(n)
    ny = np.empty(n)
    c = np.empty(n)
    m = 0
    twice_area = 0.0
    size = 0.0
    for k in range(n):
        j = (k + 1) % n
        ex = px[j] - px[k]
        ey = py[j] - py[k]
        twice_area += px[k] * py[j] - px[j] * py[k]
        size = max(size, abs(px[k]), abs(py[k]))
        length = np.sqrt(ex * ex + ey * ey)
        if length > 0.0:
            nx[m] = -ey / length
            ny[m] = ex / length
            m += 1
    if m < 3 or twice_area == 0.0:
        return -1.0
    orientation = 1.0 if twice_area > 0.0 else -1.0  # inner normals point left of a ccw ring
    turning = 0.0
    m = 0
    for k in range(n):
        j = (k + 1) % n
        if px[j] == px[k] and py[j] == py[k]:
            continue
        nx[m] *= orientation
        ny[m] *= orientation
        c[m] = nx[m] * px[k] + ny[m] * py[k]
        m += 1
    for k in range(m):
        j = (k + 1) % m
        turning += np.arctan2(ny[k] * nx[j] - nx[k] * ny[j], nx[k] * nx[j] + ny[k] * ny[j])
    if abs(abs(turning) - 2.0 * np.pi) > 1e-6:
        return -1.0
    eps = 1e-9 * max(size, 1.0)
    for k in range(m):
        for v in range(n):
            if nx[k] * px[v] + ny[k] * py[v] - c[k] < -eps:
                return -1.0
    best = -1.0
    for i in range(m):
        for j in range(i + 1, m):
            for k in range(j + 1, m):
                # n·p - r = c for the three edges: subtract the first to lose r
                ax = nx[j] - nx[i]
                ay = ny[j] - ny[i]
                bx = nx[k] - nx[i]
                by = ny[k] - ny[i]
                det = ax * by - ay * bx
                if abs(det) < 1e-12:
                    continue
                x = ((c[j] - c[i]) * by - ay * (c[k] - c[i])) / det
                y = (ax * (c[k] - c[i]) - (c[j] - c[i]) * bx) / det
                r = nx[i] * x + ny[i] * y - c[i]
                if r <= best:
                    continue
                feasible = True
                for e in range(m):
                    if nx[e] * x + ny[e] * y - c[e] < r - eps:
                        feasible = False
                        break
                if feasible:
                    best = r
    return best


#: Simple rings with at most this many edges plus reflex vertices are solved exactly (O(k⁴)).
_EXACT_MAX_SITES = 20


@njit(cache=True, inline="always")
def _quadratic_roots(a: float, b: float, c: float) -> tuple[int, float, float]:
    """Real roots of a t² + b t + c = 0 (count, roots); a linear equation when a is ~0."""
    if abs(a) < 1e-12 * (abs(b) + abs(c) + 1e-300):
        if b == 0.0:
            return 0, 0.0, 0.0
        return 1, -c / b, 0.0
    disc = b * b - 4.0 * a * c
    if disc < 0.0:
        if disc > -1e-12 * b * b:
            disc = 0.0
        else:
            return 0, 0.0, 0.0
    q = -0.5 * (b + np.copysign(np.sqrt(disc), b))
    if q == 0.0:
        return 1, 0.0, 0.0
    return 2, q / a, c / q


@njit(cache=True)
def _simple_inradius(
    g: int, coords: np.ndarray, ring_offsets: np.ndarray, geom_offsets: np.ndarray
) -> float:
    """Radius of the largest circle inside geometry ``g`` if it is one ring (no hole) with at
    most :data:`_EXACT_MAX_SITES` edges plus reflex vertices; -1 for any other geometry.

    The centre of the largest circle is a vertex of the polygon's medial axis: a point at the
    same distance from three sites, edges (touched from the inside) or reflex vertices (a
    plateau between parallel edges ends at one too). Every triple of sites is solved (a
    linear or quadratic equation) and each centre found is measured by its true distance to
    the boundary, so the answer is a circle that fits, and the largest one among them.
    """
    if geom_offsets[g + 1] - geom_offsets[g] != 1:
        return -1.0
    start = ring_offsets[geom_offsets[g]]
    stop = ring_offsets[geom_offsets[g] + 1]
    n = stop - start - 1
    if n < 3 or n > _EXACT_MAX_SITES:
        return -1.0
    ox = coords[start, 0]
    oy = coords[start, 1]
    twice_area = 0.0
    for k in range(n):
        j = k + 1
        twice_area += (coords[start + k, 0] - ox) * (coords[start + j, 1] - oy) - (
            coords[start + j, 0] - ox
        ) * (coords[start + k, 1] - oy)
    if twice_area == 0.0:
        return -1.0
    orientation = 1.0 if twice_area > 0.0 else -1.0
    # sites: kind 0 an edge line (n·p - c = r), kind 1 a reflex vertex (|p - q| = r)
    kind = np.empty(2 * n, dtype=np.int64)
    sx = np.empty(2 * n)
    sy = np.empty(2 * n)
    sc = np.empty(2 * n)
    m = 0
    for k in range(n):
        ax = coords[start + k, 0] - ox
        ay = coords[start + k, 1] - oy
        bx = coords[start + k + 1, 0] - ox
        by = coords[start + k + 1, 1] - oy
        length = np.sqrt((bx - ax) ** 2 + (by - ay) ** 2)
        if length > 0.0:
            kind[m] = 0
            sx[m] = -orientation * (by - ay) / length
            sy[m] = orientation * (bx - ax) / length
            sc[m] = sx[m] * ax + sy[m] * ay
            m += 1
        prev = start + (k - 1 if k > 0 else n - 1)
        turn = (ax - (coords[prev, 0] - ox)) * (by - ay) - (ay - (coords[prev, 1] - oy)) * (bx - ax)
        if orientation * turn < 0.0:  # the ring turns away from its inside at vertex k
            kind[m] = 1
            sx[m] = ax
            sy[m] = ay
            sc[m] = 0.0
            m += 1
        if m > _EXACT_MAX_SITES:
            return -1.0
    best = 0.0
    px = np.empty(2)
    py = np.empty(2)
    for i in range(m):
        for j in range(i + 1, m):
            for k in range(j + 1, m):
                found = _tangent_centres(i, j, k, kind, sx, sy, sc, px, py)
                for f in range(found):
                    gap = _boundary_gap(
                        px[f] + ox, py[f] + oy, g, coords, ring_offsets, geom_offsets
                    )
                    best = max(best, gap)
    return best


@njit(cache=True)
def _tangent_centres(
    i: int,
    j: int,
    k: int,
    kind: np.ndarray,
    sx: np.ndarray,
    sy: np.ndarray,
    sc: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
) -> int:
    """Centres at the same distance r from sites i, j, k (see :func:`_simple_inradius`), into
    ``px, py``; returns how many (0 to 2)."""
    # order: lines first, then points
    a, b, c = i, j, k
    if kind[a] > kind[b]:
        a, b = b, a
    if kind[b] > kind[c]:
        b, c = c, b
    if kind[a] > kind[b]:
        a, b = b, a
    lines = 3 - kind[a] - kind[b] - kind[c]
    if lines == 3:
        ax = sx[b] - sx[a]
        ay = sy[b] - sy[a]
        bx = sx[c] - sx[a]
        by = sy[c] - sy[a]
        det = ax * by - ay * bx
        if abs(det) < 1e-12:
            return 0
        px[0] = ((sc[b] - sc[a]) * by - ay * (sc[c] - sc[a])) / det
        py[0] = (ax * (sc[c] - sc[a]) - (sc[b] - sc[a]) * bx) / det
        return 1
    if lines == 0:  # circumcentre
        ax = sx[b] - sx[a]
        ay = sy[b] - sy[a]
        bx = sx[c] - sx[a]
        by = sy[c] - sy[a]
        det = 2.0 * (ax * by - ay * bx)
        if det == 0.0:
            return 0
        a2 = ax * ax + ay * ay
        b2 = bx * bx + by * by
        px[0] = sx[a] + (by * a2 - ay * b2) / det
        py[0] = sy[a] + (ax * b2 - bx * a2) / det
        return 1
    # p = p0 + t u on a line, r = r0 + t dr, and |p - q|² = r² for the point site q
    if lines == 2:  # (n_a - n_b)·p = c_a - c_b
        ux = sx[a] - sx[b]
        uy = sy[a] - sy[b]
        norm2 = ux * ux + uy * uy
        if norm2 < 1e-24:  # parallel lines facing the same way: no centre between
            return 0
        w = (sc[a] - sc[b]) / norm2
        p0x = ux * w
        p0y = uy * w
        dx = -uy
        dy = ux
        q = c
    else:  # one line a, points b and c: the bisector of b and c
        mx = 0.5 * (sx[b] + sx[c])
        my = 0.5 * (sy[b] + sy[c])
        dx = -(sy[c] - sy[b])
        dy = sx[c] - sx[b]
        if dx == 0.0 and dy == 0.0:
            return 0
        p0x = mx
        p0y = my
        q = b
    r0 = sx[a] * p0x + sy[a] * p0y - sc[a]
    dr = sx[a] * dx + sy[a] * dy
    ex = p0x - sx[q]
    ey = p0y - sy[q]
    count, t1, t2 = _quadratic_roots(
        dx * dx + dy * dy - dr * dr,
        2.0 * (ex * dx + ey * dy - r0 * dr),
        ex * ex + ey * ey - r0 * r0,
    )
    px[0] = p0x + t1 * dx
    py[0] = p0y + t1 * dy
    px[1] = p0x + t2 * dx
    py[1] = p0y + t2 * dy
    return count


@njit(cache=True)
def _inscribed_radius(
    g: int,
    coords: np.ndarray,
    ring_offsets: np.ndarray,
    geom_offsets: np.ndarray,
    bounds: np.ndarray,
    tolerance: float,
    solve: bool,
) -> float:
    """Radius of the largest circle inside geometry ``g``, to within ``tolerance`` below.

    With ``solve``, small convex and simple rings are solved exactly first
    (:func:`_convex_inradius`, :func:`_simple_inradius`); the search below takes the others.

    Branch and bound over square cells (the "pole of inaccessibility" search): a cell of
    half-side ``h`` whose centre lies ``d`` inside the boundary holds no centre farther than
    ``d + h√2`` from it, so cells that cannot beat the best centre by more than ``tolerance``
    are dropped and the others split in four. Depth first, the deepest-inside child on top,
    so a good centre is found early and prunes the rest.
    """
    xmin, ymin, xmax, ymax = bounds[g, 0], bounds[g, 1], bounds[g, 2], bounds[g, 3]
    if solve:
        exact = _convex_inradius(g, coords, ring_offsets, geom_offsets)
        if exact < 0.0:
            exact = _simple_inradius(g, coords, ring_offsets, geom_offsets)
        if exact >= 0.0:
            return exact
    side = min(xmax - xmin, ymax - ymin)
    if not side > 0.0:
        return 0.0
    root2 = np.sqrt(2.0)
    h = side / 2.0
    cx = 0.5 * (xmin + xmax)
    cy = 0.5 * (ymin + ymax)
    best = max(_boundary_gap(cx, cy, g, coords, ring_offsets, geom_offsets), 0.0)
    size = 64
    sx = np.empty(size)
    sy = np.empty(size)
    sh = np.empty(size)
    sd = np.empty(size)
    top = 0
    x = xmin + h
    while x < xmax + h:
        y = ymin + h
        while y < ymax + h:
            if top == size:
                size *= 2
                sx, sy, sh, sd = _grown(sx, sy, sh, sd, size)
            d = _boundary_gap(x, y, g, coords, ring_offsets, geom_offsets)
            best = max(best, d)
            sx[top], sy[top], sh[top], sd[top] = x, y, h, d
            top += 1
            y += 2.0 * h
        x += 2.0 * h
    kx = np.empty(4)
    ky = np.empty(4)
    kd = np.empty(4)
    while top > 0:
        top -= 1
        x, y, h, d = sx[top], sy[top], sh[top], sd[top]
        if d + h * root2 - best <= tolerance:
            continue
        q = h / 2.0
        for k in range(4):
            kx[k] = x - q if k < 2 else x + q
            ky[k] = y - q if k % 2 == 0 else y + q
            kd[k] = _boundary_gap(kx[k], ky[k], g, coords, ring_offsets, geom_offsets)
            best = max(best, kd[k])
        if top + 4 > size:
            size *= 2
            sx, sy, sh, sd = _grown(sx, sy, sh, sd, size)
        for k in np.argsort(kd):  # the deepest inside is searched first
            if kd[k] + q * root2 - best > tolerance:
                sx[top], sy[top], sh[top], sd[top] = kx[k], ky[k], q, kd[k]
                top += 1
    return best


@njit(cache=True)
def _grown(
    sx: np.ndarray, sy: np.ndarray, sh: np.ndarray, sd: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    out = (np.empty(size), np.empty(size), np.empty(size), np.empty(size))
    n = sx.size
    out[0][:n] = sx
    out[1][:n] = sy
    out[2][:n] = sh
    out[3][:n] = sd
    return out


@njit(cache=True, parallel=True)
def _inscribed_radii(
    tolerance: np.ndarray,
    polygons: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    solve: bool,
) -> np.ndarray:
    coords, ring_offsets, geom_offsets, bounds = polygons
    out = np.zeros(geom_offsets.size - 1)
    for g in prange(out.size):
        out[g] = _inscribed_radius(
            g, coords, ring_offsets, geom_offsets, bounds, tolerance[g], solve
        )
    return out


def inscribed_radii(
    polys: PolygonArrays, tolerance: np.ndarray, *, exact: bool = True
) -> np.ndarray:
    """Radius of the largest inscribed circle of each polygon, within ``tolerance`` below.

    The same quantity as ``shapely.maximum_inscribed_circle`` (whose line's length is the
    radius), by the same kind of search, compiled and run over the polygons in parallel: both
    are within the tolerance of the true radius, and never above it. Polygons without holes
    and with few edges (most overlay parts) are solved exactly instead, in microseconds: convex
    ones (up to 32 edges; the intersection of two convex grids is convex) as a small linear
    programme, others (up to 20 edges plus reflex vertices) by the vertices of their medial
    axis. The search spends most of its time refining the plateau of equally deep centres of
    a strip or a rectangle, which the exact solutions do not have. Empty geometries get 0.
    (On thin bent strips GEOS's search can stop short of the largest circle by a few tenths
    of a millimetre, more than its tolerance; the exact solution does not.)

    Parameters
    ----------
    polys : PolygonArrays
        Polygons or MultiPolygons (a MultiPolygon: the largest circle in any of its parts).
    tolerance : ndarray of float64
        Precision per polygon (units of the CRS), > 0.
    exact : bool
        Solve small polygons exactly (default); ``False``: the search for every polygon.
    """
    tolerance = np.ascontiguousarray(np.broadcast_to(tolerance, len(polys)), np.float64)
    return _inscribed_radii(
        tolerance, (polys.coords, polys.ring_offsets, polys.geom_offsets, polys.bounds), exact
    )


# -- do two polygons' interiors meet? ---------------------------------------------------------

#: Pairs with more vertices than this between them are left to GEOS (the screen is O(n²)).
_SCREEN_MAX_VERTICES = 256


@njit(cache=True, inline="always")
def _cross(ax: float, ay: float, bx: float, by: float, px: float, py: float) -> float:
    """Twice the signed area of a, b, p (> 0: p left of a→b; exactly 0 when p is a or b)."""
    return (bx - ax) * (py - ay) - (by - ay) * (px - ax)


@njit(cache=True)
def _separated(ga: int, gb: int, coords: np.ndarray, rings: np.ndarray, geoms: np.ndarray) -> bool:
    """Whether an edge line of ``ga`` has all of ``ga`` on one side and all of ``gb`` on the
    other (points on the line allowed): the interiors are then disjoint."""
    for r in range(geoms[ga], geoms[ga + 1]):
        for k in range(rings[r], rings[r + 1] - 1):
            ax, ay = coords[k, 0], coords[k, 1]
            bx, by = coords[k + 1, 0], coords[k + 1, 1]
            if ax == bx and ay == by:
                continue
            side = 0.0
            hull = True
            for rr in range(geoms[ga], geoms[ga + 1]):
                for v in range(rings[rr], rings[rr + 1] - 1):
                    c = _cross(ax, ay, bx, by, coords[v, 0], coords[v, 1])
                    if c != 0.0:
                        if side == 0.0:
                            side = c
                        elif (c > 0.0) != (side > 0.0):
                            hull = False
                            break
                if not hull:
                    break
            if not hull or side == 0.0:
                continue
            apart = True
            for rr in range(geoms[gb], geoms[gb + 1]):
                for v in range(rings[rr], rings[rr + 1] - 1):
                    c = _cross(ax, ay, bx, by, coords[v, 0], coords[v, 1])
                    if c != 0.0 and (c > 0.0) == (side > 0.0):
                        apart = False
                        break
                if not apart:
                    break
            if apart:
                return True
    return False


@njit(cache=True)
def _vertex_deep_inside(
    ga: int, gb: int, coords: np.ndarray, rings: np.ndarray, geoms: np.ndarray
) -> bool:
    """Whether a vertex of ``gb`` lies inside ``ga``, farther from its boundary than rounding
    could blur (1e-9 of the coordinates' magnitude): the interiors then meet, as every
    boundary point of a valid polygon touches its interior."""
    for r in range(geoms[gb], geoms[gb + 1]):
        for v in range(rings[r], rings[r + 1] - 1):
            x, y = coords[v, 0], coords[v, 1]
            margin = 1e-9 * (abs(x) + abs(y)) + 1e-12
            if _boundary_gap(x, y, ga, coords, rings, geoms) > margin:
                return True
    return False


@njit(cache=True, parallel=True)
def _interiors_verdicts(
    left: np.ndarray,
    right: np.ndarray,
    coords: np.ndarray,
    rings: np.ndarray,
    geoms: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    out = np.full(left.size, -1, dtype=np.int8)
    for p in prange(left.size):
        ga = left[p]
        gb = right[p]
        na = rings[geoms[ga + 1]] - rings[geoms[ga]]
        nb = rings[geoms[gb + 1]] - rings[geoms[gb]]
        if na == 0 or nb == 0 or na + nb > _SCREEN_MAX_VERTICES:
            continue
        if (
            (
                bounds[ga, 2] < bounds[gb, 0]
                or bounds[gb, 2] < bounds[ga, 0]
                or bounds[ga, 3] < bounds[gb, 1]
                or bounds[gb, 3] < bounds[ga, 1]
            )
            or _separated(ga, gb, coords, rings, geoms)
            or _separated(gb, ga, coords, rings, geoms)
        ):
            out[p] = 0
        elif _vertex_deep_inside(ga, gb, coords, rings, geoms) or _vertex_deep_inside(
            gb, ga, coords, rings, geoms
        ):
            out[p] = 1
    return out


def interiors_verdicts(polys: PolygonArrays, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether the interiors of polygons ``left[i]`` and ``right[i]`` (rows of ``polys``) meet:
    1 yes, 0 no, -1 not decided here (ask GEOS, e.g. ``shapely.relate_pattern``).

    A cheap, exact screen of candidate pairs, in parallel. No: the bounding boxes are apart,
    or an edge line of one polygon has all of it on one side and all of the other on the other
    (points on the line allowed: neighbours that share an edge; a shared vertex gives an
    exactly zero cross product). Yes: a vertex of one lies inside the other, farther than
    rounding from its boundary. Anything else, and pairs with more than 256 vertices, are -1.

    Parameters
    ----------
    polys : PolygonArrays
        Valid polygons or MultiPolygons (an invalid one may get a wrong "yes").
    left, right : ndarray of int
        Rows of ``polys`` to compare pairwise.
    """
    return _pair_verdicts(_interiors_verdicts, polys, left, right)


# -- does a polygon cover another? ------------------------------------------------------------

#: Pairs whose vertex counts multiply to more than this are left to GEOS (the screen is O(n·m)).
_COVERS_MAX_WORK = 4096


@njit(cache=True, inline="always")
def _is_vertex(x: float, y: float, start: int, stop: int, coords: np.ndarray) -> bool:
    """Whether (x, y) is bit for bit one of ``coords[start:stop]``."""
    for k in range(start, stop):  # noqa: SIM110  (numba compiles loops, not generators)
        if coords[k, 0] == x and coords[k, 1] == y:
            return True
    return False


@njit(cache=True, inline="always")
def _same_point(coords: np.ndarray, i: int, j: int) -> bool:
    return bool(coords[i, 0] == coords[j, 0] and coords[i, 1] == coords[j, 1])


@njit(cache=True)
def _edges_apart(p: int, q: int, a0: int, a1: int, coords: np.ndarray, margin: float) -> int:
    """Whether segment p→q meets the ring ``coords[a0:a1]`` only at its own end points where
    they are vertices of the ring, or lies on one of its edges: 1 yes (2: it is an edge of
    the ring), -1 too close to tell."""
    px, py, qx, qy = coords[p, 0], coords[p, 1], coords[q, 0], coords[q, 1]
    length = np.hypot(qx - px, qy - py)
    is_edge = False
    for k in range(a0, a1 - 1):
        r, s = k, k + 1
        if _same_point(coords, r, s):
            continue
        rx, ry, sx, sy = coords[r, 0], coords[r, 1], coords[s, 0], coords[s, 1]
        if (
            max(px, qx) + margin < min(rx, sx)
            or max(rx, sx) + margin < min(px, qx)
            or max(py, qy) + margin < min(ry, sy)
            or max(ry, sy) + margin < min(py, qy)
        ):
            continue
        pr, ps = _same_point(coords, p, r), _same_point(coords, p, s)
        qr, qs = _same_point(coords, q, r), _same_point(coords, q, s)
        if (pr and qs) or (ps and qr):
            is_edge = True
            continue
        span = np.hypot(sx - rx, sy - ry)
        if pr or ps or qr or qs:  # one shared end: apart elsewhere unless they fold back
            cx, cy = (px, py) if (pr or ps) else (qx, qy)
            ox, oy = (qx, qy) if (pr or ps) else (px, py)
            tx, ty = (sx, sy) if (pr or qr) else (rx, ry)
            if (
                abs(_cross(rx, ry, sx, sy, ox, oy)) > span * margin
                or abs(_cross(px, py, qx, qy, tx, ty)) > length * margin
                or (ox - cx) * (tx - cx) + (oy - cy) * (ty - cy) < 0.0  # on one line, away
            ):
                continue
            return -1
        d1 = _cross(rx, ry, sx, sy, px, py)
        d2 = _cross(rx, ry, sx, sy, qx, qy)
        if (d1 > span * margin and d2 > span * margin) or (
            d1 < -span * margin and d2 < -span * margin
        ):
            continue
        d3 = _cross(px, py, qx, qy, rx, ry)
        d4 = _cross(px, py, qx, qy, sx, sy)
        if (d3 > length * margin and d4 > length * margin) or (
            d3 < -length * margin and d4 < -length * margin
        ):
            continue
        return -1
    return 2 if is_edge else 1


@njit(cache=True)
def _covered(ga: int, gb: int, coords: np.ndarray, rings: np.ndarray, geoms: np.ndarray) -> int:
    """1 when polygon ``ga`` (one ring, no hole) certainly covers ``gb``, 0 when it certainly
    does not, -1 when a point lies too close to its boundary to tell."""
    ra = geoms[ga]
    a0, a1 = rings[ra], rings[ra + 1]
    for r in range(geoms[gb], geoms[gb + 1]):
        for v in range(rings[r], rings[r + 1] - 1):
            x, y = coords[v, 0], coords[v, 1]
            if _is_vertex(x, y, a0, a1, coords):
                continue
            margin = 1e-9 * (abs(x) + abs(y)) + 1e-12
            gap = _boundary_gap(x, y, ga, coords, rings, geoms)
            if gap < -margin:
                return 0
            if gap <= margin:
                return -1
    for r in range(geoms[gb], geoms[gb + 1]):
        for v in range(rings[r], rings[r + 1] - 1):
            if _same_point(coords, v, v + 1):
                continue
            margin = 1e-9 * (abs(coords[v, 0]) + abs(coords[v, 1])) + 1e-12
            apart = _edges_apart(v, v + 1, a0, a1, coords, margin)
            if apart < 0:
                return -1
            if apart == 2:  # on an edge of the ring
                continue
            if _is_vertex(coords[v, 0], coords[v, 1], a0, a1, coords) and _is_vertex(
                coords[v + 1, 0], coords[v + 1, 1], a0, a1, coords
            ):  # a chord between two vertices of the ring: inside or outside as its middle
                mx = 0.5 * (coords[v, 0] + coords[v + 1, 0])
                my = 0.5 * (coords[v, 1] + coords[v + 1, 1])
                gap = _boundary_gap(mx, my, ga, coords, rings, geoms)
                if gap < -margin:
                    return 0
                if gap <= margin:
                    return -1
    return 1


@njit(cache=True, parallel=True)
def _covers_verdicts(
    left: np.ndarray,
    right: np.ndarray,
    coords: np.ndarray,
    rings: np.ndarray,
    geoms: np.ndarray,
    bounds: np.ndarray,
) -> np.ndarray:
    out = np.full(left.size, -1, dtype=np.int8)
    for p in prange(left.size):
        ga = left[p]
        gb = right[p]
        if geoms[ga + 1] - geoms[ga] != 1 or geoms[gb + 1] == geoms[gb]:
            continue  # a hole or several parts in the cover, or nothing to cover: GEOS decides
        na = rings[geoms[ga + 1]] - rings[geoms[ga]]
        nb = rings[geoms[gb + 1]] - rings[geoms[gb]]
        if na * nb > _COVERS_MAX_WORK:
            continue
        if (
            bounds[gb, 0] < bounds[ga, 0]
            or bounds[gb, 1] < bounds[ga, 1]
            or bounds[gb, 2] > bounds[ga, 2]
            or bounds[gb, 3] > bounds[ga, 3]
        ):
            out[p] = 0
        else:
            out[p] = _covered(ga, gb, coords, rings, geoms)
    return out


def covers_verdicts(polys: PolygonArrays, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Whether polygon ``left[i]`` covers polygon ``right[i]`` (rows of ``polys``): 1 yes,
    0 no, -1 not decided here (ask GEOS, ``shapely.covers``).

    An exact screen, in parallel, for a cover with one ring (no hole, one part). No: the
    bounding box sticks out, or a vertex (or the middle of a chord between two of the cover's
    vertices) lies outside the cover, farther than rounding from its boundary. Yes: every
    vertex is a vertex of the cover (bit for bit) or lies deep inside it, and every edge
    either is an edge of the cover or meets its boundary only at such shared vertices (its
    middle inside when both ends are on the boundary): the boundary of the covered polygon
    is then in the cover, and so is all of it, the cover having no hole. Anything closer to
    the boundary than rounding (1e-9 of the coordinates' magnitude), and pairs with more
    than 4,096 vertex pairs, are -1.

    Parameters
    ----------
    polys : PolygonArrays
        Valid polygons or MultiPolygons.
    left, right : ndarray of int
        Rows of ``polys``: the covers and the covered.
    """
    return _pair_verdicts(_covers_verdicts, polys, left, right)


def _pair_verdicts(
    kernel: Callable[..., np.ndarray], polys: PolygonArrays, left: np.ndarray, right: np.ndarray
) -> np.ndarray:
    """``kernel``'s verdicts (int8: 1, 0, -1) for the pairs of rows ``left[i]``, ``right[i]``."""
    return kernel(
        np.ascontiguousarray(left, dtype=np.int64),
        np.ascontiguousarray(right, dtype=np.int64),
        polys.coords,
        polys.ring_offsets,
        polys.geom_offsets,
        polys.bounds,
    )
