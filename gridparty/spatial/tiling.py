"""Array-level geometry of coverage checks (metric shapely arrays in, numpy arrays out).

* :func:`boundaries_match` — proves with numpy alone that groups of polygons tile their parent
  exactly (the oriented boundary segments cancel), so most parents need no GEOS overlay;
* :func:`polygon_parts`, :func:`classify_parts` — the polygon parts of overlay results, their
  areas (m²), widths (m, largest inscribed circle) and the sliver call;
* :func:`padded` — ragged groups as a padded 2-d array for GEOS's ``axis=`` reductions;
* :func:`fill_holes`, :func:`leaking_holes_filled` — outlines with their enclosed holes filled.

Width is the diameter of the largest circle that fits inside the part (2 × the radius that
``shapely.maximum_inscribed_circle`` finds; computed by the compiled search
:func:`gridparty.spatial.kernels.inscribed_radii`, in parallel, a few times faster than
GEOS, to the same tolerance; exact for convex parts): a 1 m × 500 m strip is 1 m wide. It is computed to
:data:`WIDTH_PRECISION` of itself or 1/2000 of the perimeter, whichever is coarser (between
1 mm and 1 m; a fixed 1 cm would cost GEOS tens of milliseconds per long strip), never below
2 × area / perimeter (itself a lower bound of the width, and close to it for thin strips), and
refined to :data:`WIDTH_TOLERANCE_M` near ``min_width_m``, so the sliver call is exact to 1 cm.
Parts below :data:`NOISE_M2` (a square millimetre) are floating-point noise of the overlay, not
data, and are not reported.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from gridparty.core.geometry import to_wgs84_array
from gridparty.core.parallel import chunked
from gridparty.spatial.kernels import inscribed_radii, interiors_verdicts, polygon_arrays

__all__ = [
    "NOISE_M2",
    "WIDTH_PRECISION",
    "WIDTH_TOLERANCE_M",
    "boundaries_match",
    "classify_parts",
    "holes_filled",
    "interiors_meet",
    "leaking_holes_filled",
    "padded",
    "polygon_parts",
]

#: Precision (m) of a width close to ``min_width_m`` (largest inscribed circle).
WIDTH_TOLERANCE_M = 0.01
#: Relative precision of other widths (of 2 × area / perimeter, a lower estimate of the width),
#: but at least 1/2000 of the perimeter (GEOS's cost grows with perimeter / precision).
WIDTH_PRECISION = 0.01
#: Parts smaller than this (m²) are rounding noise of the overlay and are not reported.
NOISE_M2 = 1e-6


def boundaries_match(parents: np.ndarray, children: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Whether the oriented boundary segments of each group of children sum to its parent's.

    Every ring counts counter-clockwise for an exterior and clockwise for a hole; each segment
    counts +1 for a child and -1 for the parent, with its sign flipped when it runs against
    the lexicographic order of its end points. A group whose counts all cancel has children
    whose winding numbers add up to the parent's: 1 inside it, 0 outside (the children tile
    it). Pure numpy on the coordinates: shared vertices must be bit-identical.
    """
    a, b, owner, direction = _segments(np.concatenate([children, parents]))
    weight = np.where(owner < len(children), direction, -direction)
    group_of = np.concatenate([group, np.arange(len(parents))])[owner]
    forward = (a[:, 0] < b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] < b[:, 1]))
    low, high = np.where(forward[:, None], a, b), np.where(forward[:, None], b, a)
    keys = np.column_stack([group_of.astype(np.float64), low, high])
    order, start = _runs(keys)
    broken = np.zeros(len(parents), dtype=bool)
    if len(keys):
        sums = np.add.reduceat((weight * np.where(forward, 1, -1))[order], start)
        broken[keys[order[start[sums != 0]], 0].astype(np.int64)] = True
    return ~broken


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An order of the rows of ``keys`` (n, k floats) that puts equal rows next to each other,
    and the start of every run of equal rows in that order.

    Rows are sorted by a 64-bit hash of their bits (one sort instead of a k-key lexsort);
    runs are then checked to hold equal rows, and on a hash collision (two different rows
    with one hash, about 1 in 2**64 per pair) the rows are sorted by their values instead.
    Zero is counted as one value (-0.0 == 0.0), as the comparison of coordinates does.
    """
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bits = np.ascontiguousarray(keys + 0.0).view(np.uint64)  # + 0.0 turns -0.0 into 0.0
    digest = np.zeros(len(keys), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in bits.T:
            digest = _mix(digest ^ _mix(column))
    order = np.argsort(digest)
    digest, sorted_keys = digest[order], keys[order]
    new = np.r_[True, digest[1:] != digest[:-1]]
    same = ~new[1:]
    if (sorted_keys[1:][same] != sorted_keys[:-1][same]).any():  # a collision
        order = np.lexsort(keys.T[::-1])
        sorted_keys = keys[order]
        new = np.r_[True, (sorted_keys[1:] != sorted_keys[:-1]).any(axis=1)]
    return order, np.flatnonzero(new)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: every bit of the input changes about half the output bits."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: np.ndarray = x ^ (x >> np.uint64(31))
    return out


def _segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every non-degenerate ring segment: start and end (n, 2), owning geometry, and +1/-1.

    The sign is -1 for a ring drawn against its proper orientation (exteriors
    counter-clockwise, holes clockwise), found from the ring's signed area.
    """
    if (shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON).all():
        parts, part_owner = geoms, np.arange(len(geoms))  # get_parts would copy them all
    else:
        parts, part_owner = shapely.get_parts(geoms, return_index=True)
    if (shapely.get_num_interior_rings(parts) == 0).all():  # the coordinates are the exteriors
        n_rings, ring_part = len(parts), np.arange(len(parts))
        xy, ring = shapely.get_coordinates(parts, return_index=True)
    else:
        rings, ring_part = shapely.get_rings(parts, return_index=True)
        n_rings = len(rings)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[1:] == ring[:-1]
    a, b, seg_ring = xy[:-1][same], xy[1:][same], ring[:-1][same]
    centre = xy.mean(axis=0) if len(xy) else np.zeros(2)
    da, db = a - centre, b - centre  # shifted for the cross products only
    area = np.bincount(seg_ring, da[:, 0] * db[:, 1] - db[:, 0] * da[:, 1], minlength=n_rings)
    exterior = np.r_[True, ring_part[1:] != ring_part[:-1]] if n_rings else np.ones(0, bool)
    direction = np.where((area > 0) == exterior, 1, -1)[seg_ring]
    real = (a != b).any(axis=1)
    return a[real], b[real], part_owner[ring_part[seg_ring[real]]], direction[real]


def interiors_meet(a: np.ndarray, b: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs (positions into ``a`` and ``b``, valid polygons) whose interiors intersect (not
    only touch).

    The answer of ``shapely.relate_pattern(a[left], b[right], "T********")``. Most pairs are
    decided by the compiled screen :func:`gridparty.spatial.kernels.interiors_verdicts`
    (neighbours sharing an edge are apart, a vertex deep inside the other meets it); GEOS
    relates the rest.
    """
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    if not len(left):
        return np.zeros(0, dtype=bool)
    used_a, at_a = np.unique(left, return_inverse=True)
    used_b, at_b = np.unique(right, return_inverse=True)
    polys = polygon_arrays(np.concatenate([a[used_a], b[used_b]]))
    verdict = interiors_verdicts(polys, at_a, at_b + len(used_a))
    meet = verdict > 0
    open_ = verdict < 0
    meet[open_] = chunked(
        shapely.relate_pattern, a[left[open_]], b[right[open_]], pattern="T********"
    )
    return meet


def polygon_parts(
    geoms: np.ndarray, owner: np.ndarray, other: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Polygon parts of at least :data:`NOISE_M2`, with the ``owner``/``other`` of their geometry."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = (shapely.get_type_id(parts) == shapely.GeometryType.POLYGON) & (
        shapely.area(parts) >= NOISE_M2
    )
    return parts[keep], owner[index[keep]], other[index[keep]]


def padded(geoms: np.ndarray, group: np.ndarray, n_groups: int) -> np.ndarray:
    """A (n_groups, k) object array with each group's geometries in its row, padded with None."""
    order = np.argsort(group, kind="stable")
    group, geoms = group[order], geoms[order]
    counts = np.bincount(group, minlength=n_groups)
    rank = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)
    out = np.full((n_groups, max(1, int(counts.max(initial=0)))), None, dtype=object)
    out[group, rank] = geoms
    return out


def classify_parts(
    parts: np.ndarray, min_area_m2: float, min_width_m: float, *, engine: str = "numba"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area (m²), width (m) and sliver flag of metric polygon parts.

    A part is a sliver when its area is below ``min_area_m2`` or its width (the diameter of
    its largest inscribed circle) below ``min_width_m``. ``engine``: see :func:`widths`.
    """
    area = shapely.area(parts)
    width = widths(parts, min_width_m, engine=engine)
    return area, width, (area < min_area_m2) | (width < min_width_m)


def widths(parts: np.ndarray, min_width_m: float, *, engine: str = "numba") -> np.ndarray:
    """Diameters (m) of the largest inscribed circles, refined near ``min_width_m``.

    ``engine="numba"``: the compiled search :func:`gridparty.spatial.kernels.inscribed_radii`
    (parallel); ``"shapely"``: ``shapely.maximum_inscribed_circle`` (GEOS), the same search
    to the same tolerance, one part at a time.
    """
    if engine not in ("numba", "shapely"):
        raise ValueError(f"engine={engine!r} is not known; use 'numba' or 'shapely'")
    if not len(parts):
        return np.zeros(0)

    def radii(geoms: np.ndarray, tolerance: np.ndarray | float) -> np.ndarray:
        if engine == "shapely":
            return shapely.length(shapely.maximum_inscribed_circle(geoms, tolerance))
        return inscribed_radii(polygon_arrays(geoms), np.broadcast_to(tolerance, len(geoms)))

    perimeter = shapely.length(parts)
    estimate = 2.0 * shapely.area(parts) / perimeter
    tolerance = np.clip(np.maximum(WIDTH_PRECISION * estimate, perimeter / 2000), 1e-3, 1.0)
    width = np.maximum(2.0 * radii(parts, tolerance), estimate)
    near = np.abs(width - min_width_m) < 2.0 * tolerance + WIDTH_TOLERANCE_M
    if near.any():
        width[near] = 2.0 * radii(parts[near], WIDTH_TOLERANCE_M / 2)
    return width


def holes_filled(geoms: np.ndarray) -> np.ndarray:
    """Each geometry with its holes filled (the union of its parts' exteriors)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    filled = np.asarray(shapely.polygons(shapely.get_exterior_ring(parts)))
    out = np.asarray(geoms, dtype=object).copy()
    if len(parts):
        merged = np.asarray(shapely.union_all(padded(filled, owner, len(geoms)), axis=1))
        has = np.bincount(owner, minlength=len(geoms)) > 0
        out[has] = merged[has]
    return out


def leaking_holes_filled(geoms: np.ndarray, crs: pyproj.CRS, slit_m: float) -> np.ndarray:
    """``geoms`` (EPSG:4326) plus the holes that appear once slits below ``slit_m`` are closed."""
    metric = np.asarray(gpd.GeoSeries(geoms, crs=4326).to_crs(crs).array, dtype=object)
    closed = shapely.buffer(
        shapely.buffer(metric, slit_m, join_style="mitre"), -slit_m, join_style="mitre"
    )
    parts, owner = shapely.get_parts(closed, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    hole = np.r_[False, ring_part[1:] == ring_part[:-1]] if len(rings) else np.zeros(0, bool)
    if not hole.any():
        return geoms
    holes = to_wgs84_array(np.asarray(shapely.polygons(rings[hole])), crs).to_numpy()
    extra = shapely.union_all(padded(holes, owner[ring_part[hole]], len(geoms)), axis=1)
    return shapely.union(geoms, extra)
