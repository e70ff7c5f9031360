"""Tests for gridparty.spatial.kernels: flat polygon arrays, the grid index and the numba kernels."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gridparty.spatial import kernels

SQUARE = shapely.box(0, 0, 10, 10)
WITH_HOLE = shapely.Polygon(
    [(20, 0), (30, 0), (30, 10), (20, 10)], holes=[[(22, 2), (28, 2), (28, 8), (22, 8)]]
)
MULTI = shapely.MultiPolygon([shapely.box(40, 0, 45, 5), shapely.box(50, 0, 55, 5)])


def test_polygon_arrays_flatten_holes_parts_and_missing() -> None:
    arrays = kernels.polygon_arrays(np.array([SQUARE, None, WITH_HOLE, shapely.Polygon(), MULTI]))
    rings_per_geom = np.diff(arrays.geom_offsets)
    assert rings_per_geom.tolist() == [1, 0, 2, 0, 2]
    assert len(arrays) == 5
    assert np.diff(arrays.ring_offsets).tolist() == [5, 5, 5, 5, 5]  # closed rings
    assert arrays.bounds[0].tolist() == [0, 0, 10, 10]
    assert np.isnan(arrays.bounds[[1, 3]]).all()
    assert arrays.bounds[4].tolist() == [40, 0, 55, 5]


def test_polygon_arrays_fast_path_matches_the_ragged_layout() -> None:
    geoms = np.array([SQUARE, None, shapely.box(3, 3, 4, 5), shapely.Polygon()])
    fast = kernels.polygon_arrays(geoms)
    coords, rings, geom_rings = kernels._ragged(geoms)
    assert np.array_equal(fast.coords, coords)
    assert np.array_equal(fast.ring_offsets, rings)
    assert np.array_equal(fast.geom_offsets, geom_rings)


def test_polygon_arrays_of_nothing() -> None:
    assert len(kernels.polygon_arrays(np.array([], dtype=object))) == 0
    arrays = kernels.polygon_arrays(np.array([None, None]))
    x, y = np.array([1.0]), np.array([1.0])
    assert kernels.search_points(x, y, arrays)[0].tolist() == [-1]


def test_polygon_arrays_and_point_xy_reject_other_types() -> None:
    with pytest.raises(TypeError, match="Polygon"):
        kernels.polygon_arrays(np.array([shapely.Point(0, 0)]))
    with pytest.raises(TypeError, match="Point"):
        kernels.point_xy(np.array([SQUARE]))


def test_point_xy_gives_nan_for_missing_and_empty_points() -> None:
    x, y = kernels.point_xy(
        np.array([shapely.Point(1, 2), None, shapely.Point(), shapely.Point(3, 4)])
    )
    assert x.tolist()[::3] == [1.0, 3.0]
    assert y.tolist()[::3] == [2.0, 4.0]
    assert np.isnan(x[1:3]).all()
    assert np.isnan(y[1:3]).all()


def test_search_handles_holes_parts_overlaps_and_outside() -> None:
    overlapping = shapely.box(5, 5, 15, 15)
    arrays = kernels.polygon_arrays(np.array([SQUARE, WITH_HOLE, MULTI, overlapping]))
    x = np.array([1.0, 7.0, 25.0, 21.0, 52.0, 47.0, 12.0, 100.0, np.nan])
    y = np.array([1.0, 7.0, 5.0, 5.0, 2.0, 2.0, 12.0, 100.0, 1.0])
    parent, hits = kernels.search_points(x, y, arrays)
    # in square | in square and overlap | in hole | in ring | 2nd part | between parts |
    # only overlap | far away | NaN
    assert parent.tolist() == [0, 0, -1, 1, 2, -1, 3, -1, -1]
    assert hits.tolist() == [1, 2, 0, 1, 1, 0, 1, 0, 0]


def test_verify_pairs() -> None:
    arrays = kernels.polygon_arrays(np.array([SQUARE, WITH_HOLE]))
    x = np.array([1.0, 1.0, 25.0, 21.0, 1.0])
    y = np.array([1.0, 1.0, 5.0, 5.0, 1.0])
    declared = np.array([0, 1, 1, 1, -1])
    assert kernels.verify_pairs(x, y, declared, arrays).tolist() == [
        True,
        False,
        False,
        True,
        False,
    ]


def test_boundary_points_follow_the_half_open_rule() -> None:
    """Two squares sharing the edge x=10: a point on it lands in exactly one of them."""
    arrays = kernels.polygon_arrays(np.array([SQUARE, shapely.box(10, 0, 20, 10)]))
    parent, hits = kernels.search_points(np.array([10.0]), np.array([5.0]), arrays)
    assert hits.tolist() == [1]
    assert parent.tolist() == [1]  # the left edge of the right square counts as inside


def test_grid_index_lists_every_overlapping_cell_in_increasing_order() -> None:
    bounds = np.array([[0, 0, 1, 1], [0.5, 0.5, 3.5, 1.5], [np.nan] * 4, [2, 2, 3, 3]], float)
    index = kernels.build_grid_index(bounds)
    cells = [
        index.items[index.starts[c] : index.starts[c + 1]].tolist()
        for c in range(index.nx * index.ny)
    ]
    assert all(c == sorted(c) for c in cells)
    assert 2 not in index.items  # the missing geometry is not indexed
    for g in (0, 1, 3):  # each box is in every cell its corners fall in
        for x, y in ((bounds[g, 0], bounds[g, 1]), (bounds[g, 2], bounds[g, 3])):
            i = min(int((x - index.x0) * index.inv_dx), index.nx - 1)
            j = min(int((y - index.y0) * index.inv_dy), index.ny - 1)
            assert g in cells[j * index.nx + i]


def test_grid_index_caps_the_number_of_cells() -> None:
    tiny = np.array([[0, 0, 1e-3, 1e-3], [1000, 1000, 1000.001, 1000.001]])
    index = kernels.build_grid_index(tiny)
    assert index.nx * index.ny <= kernels._MAX_CELLS_PER_POLYGON * 2 + 64
    parent, _ = kernels.search_points(
        np.array([1000.0005]),
        np.array([1000.0005]),
        kernels.polygon_arrays(shapely.box(*tiny.T)),
        index,
    )
    assert parent.tolist() == [1]


coordinate = st.floats(-50, 50, allow_nan=False, width=32)


@st.composite
def polygons(draw: st.DrawFn) -> shapely.Geometry:
    """A box, a box with a hole, a triangle or a two-part MultiPolygon."""
    x, y = draw(coordinate), draw(coordinate)
    w, h = draw(st.floats(0.5, 30)), draw(st.floats(0.5, 30))
    kind = draw(st.sampled_from(["box", "hole", "triangle", "multi"]))
    outer = shapely.box(x, y, x + w, y + h)
    if kind == "hole":
        return outer.difference(shapely.box(x + w / 4, y + h / 4, x + w / 2, y + h / 2))
    if kind == "triangle":
        return shapely.Polygon([(x, y), (x + w, y), (x, y + h)])
    if kind == "multi":
        return shapely.MultiPolygon([outer, shapely.box(x + w + 1, y, x + 2 * w + 1, y + h)])
    return outer


@settings(max_examples=60, deadline=None)
@given(
    st.lists(polygons(), min_size=1, max_size=12),
    st.lists(st.tuples(coordinate, coordinate), min_size=1, max_size=40),
)
def test_search_agrees_with_geos_off_the_boundary(
    polys: list[shapely.Geometry], points: list[tuple[float, float]]
) -> None:
    geoms = np.array(polys, dtype=object)
    xy = np.array(points, dtype=float)
    pts = shapely.points(xy)
    assume(
        not shapely.intersects(shapely.union_all(shapely.boundary(geoms)), shapely.multipoints(pts))
    )
    within = shapely.within(pts[:, None], geoms[None, :])
    parent, hits = kernels.search_points(xy[:, 0], xy[:, 1], kernels.polygon_arrays(geoms))
    assert hits.tolist() == within.sum(axis=1).tolist()
    expected = np.where(within.any(axis=1), within.argmax(axis=1), -1)
    assert parent.tolist() == expected.tolist()
    first = np.where(parent >= 0, parent, 0)
    assert kernels.verify_pairs(
        xy[:, 0], xy[:, 1], first, kernels.polygon_arrays(geoms)
    ).tolist() == (within[np.arange(len(pts)), first].tolist())


def test_grouped_and_scattered_inputs_take_both_paths_to_one_answer() -> None:
    squares = shapely.box(np.arange(50) * 2.0, 0, np.arange(50) * 2.0 + 1.5, 1.5)
    arrays = kernels.polygon_arrays(squares)
    rng = np.random.default_rng(0)
    x = np.repeat(np.arange(50) * 2.0, 6) + rng.uniform(0.1, 1.9, 300)  # some fall between
    y = rng.uniform(0.1, 1.4, 300)
    declared = np.repeat(np.arange(50), 6)
    cells, nx = _cells(x, y, arrays)
    assert kernels._grouped(cells[:-1], cells[1:], nx)
    assert kernels._grouped(declared[:-1], declared[1:])
    parent, hits = kernels.search_points(x, y, arrays)
    inside = kernels.verify_pairs(x, y, declared, arrays)
    expected = np.where((x - np.floor(x / 2) * 2) < 1.5, np.floor(x / 2), -1)
    assert parent.tolist() == expected.tolist()
    assert inside.tolist() == (expected >= 0).tolist()
    perm = rng.permutation(300)
    assert not kernels._grouped(cells[perm][:-1], cells[perm][1:], nx)
    assert not kernels._grouped(declared[perm][:-1], declared[perm][1:])
    shuffled_parent, shuffled_hits = kernels.search_points(x[perm], y[perm], arrays)
    assert shuffled_parent.tolist() == parent[perm].tolist()
    assert shuffled_hits.tolist() == hits[perm].tolist()
    assert kernels.verify_pairs(x[perm], y[perm], declared[perm], arrays).tolist() == (
        inside[perm].tolist()
    )


def test_steps_sample_at_most_a_few_thousand_steps() -> None:
    assert kernels._steps(5).tolist() == [0, 1, 2, 3]
    steps = kernels._steps(1_000_000)
    assert len(steps) == kernels._SAMPLE
    assert (steps[0], steps[-1]) == (0, 999_998)


def _cells(x: np.ndarray, y: np.ndarray, arrays: kernels.PolygonArrays) -> tuple:
    index = kernels.build_grid_index(arrays.bounds)
    grid = (index.x0, index.y0, index.inv_dx, index.inv_dy, index.nx, index.ny)
    return kernels._cells(x, y, *grid), index.nx


# -- nearest segment ------------------------------------------------------------------------------


def geos_nearest(ends: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The straightforward answer: GEOS ``STRtree.query_nearest``, every tie listed."""
    segments = shapely.linestrings(ends.reshape(-1, 2, 2))
    hit = shapely.STRtree(segments).query_nearest(shapely.points(xy), all_matches=True)
    return hit


def snapped_point(ends: np.ndarray, xy: np.ndarray, edge: np.ndarray) -> np.ndarray:
    segments = shapely.linestrings(ends[edge].reshape(-1, 2, 2))
    points = shapely.points(xy)
    return shapely.get_coordinates(
        shapely.line_interpolate_point(segments, shapely.line_locate_point(segments, points))
    )


def assert_same_as_geos(ends: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """The kernel picks one of GEOS's nearest segments: same distance and snapped point.

    Returns the first (smallest) of GEOS's nearest segments of each point.
    """
    found, t, gap = kernels.nearest_segments(xy[:, 0], xy[:, 1], ends)
    point_i, seg_i = geos_nearest(ends, xy)
    # one of the nearest: its distance is the least distance (checked below to 1e-9 m);
    # GEOS's list of exact ties is no reference, as rounding drops ties from it
    first = np.full(len(xy), np.iinfo(np.int64).max)
    np.minimum.at(first, point_i, seg_i)
    segments = shapely.linestrings(ends.reshape(-1, 2, 2))
    points = shapely.points(xy)
    exact = shapely.distance(points, shapely.multilinestrings(segments))
    np.testing.assert_allclose(shapely.distance(points, segments[found]), exact, atol=1e-9)
    np.testing.assert_allclose(gap, exact, atol=1e-9)
    assert ((t >= 0) & (t <= 1)).all()
    at_t = ends[found, :2] + t[:, None] * (ends[found, 2:] - ends[found, :2])
    np.testing.assert_allclose(at_t, snapped_point(ends, xy, found), atol=1e-3)
    single = np.bincount(point_i, minlength=len(xy)) == 1
    np.testing.assert_allclose(
        snapped_point(ends, xy[single], found[single]),
        snapped_point(ends, xy[single], first[single]),
        atol=1e-3,
    )
    return first


def test_nearest_segments_match_geos_on_scattered_streets_near_and_far() -> None:
    rng = np.random.default_rng(3)
    a = rng.uniform(0, 1000, (800, 2))
    ends = np.hstack([a, a + rng.normal(0, 40, (800, 2))])
    xy = rng.uniform(-2000, 3000, (4000, 2))  # most points inside, many far outside
    assert_same_as_geos(ends, xy)


def test_nearest_segments_break_ties_like_geos_on_a_lattice() -> None:
    """Points on a lattice of streets are often equally near two or four segments."""
    lines = [((i, j), (i + 1, j)) for i in range(6) for j in range(7)]
    lines += [((i, j), (i, j + 1)) for i in range(7) for j in range(6)]
    ends = np.array([(*a, *b) for a, b in lines], dtype=float) * 50.0
    grid = np.arange(-1, 7.01, 0.25) * 50.0
    xy = np.array([(x, y) for x in grid for y in grid])
    first = assert_same_as_geos(ends, xy)
    np.testing.assert_array_equal(kernels.nearest_segments(xy[:, 0], xy[:, 1], ends)[0], first)


def test_nearest_segments_with_one_segment_degenerate_ones_and_one_cell() -> None:
    ends = np.array([[5.0, 5.0, 5.0, 5.0]])  # a zero-length segment
    xy = np.array([[0.0, 0.0], [5.0, 5.0], [1e6, -1e6]])
    found, t, gap = kernels.nearest_segments(xy[:, 0], xy[:, 1], ends)
    np.testing.assert_array_equal(found, [0, 0, 0])
    np.testing.assert_array_equal(t, [0, 0, 0])
    np.testing.assert_allclose(gap, [np.hypot(5, 5), 0, np.hypot(1e6 - 5, 1e6 + 5)])
    ends = np.array([[0.0, 0.0, 10.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 3.0, 10.0, 3.0]])
    assert_same_as_geos(ends, np.array([[5.0, 1.0], [5.0, 2.0], [-1.0, 0.0], [5.0, 1.5]]))


def metres(bound: float) -> st.SearchStrategy[float]:
    """Coordinates in metres to the micrometre: GEOS itself divides by zero on segments
    shorter than about 1e-150 m, so those are no reference to compare with."""
    return st.floats(-bound, bound).map(lambda v: round(v, 6))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(*[metres(100)] * 4), min_size=1, max_size=30),
    st.lists(st.tuples(*[metres(300)] * 2), min_size=1, max_size=30),
)
def test_nearest_segments_match_geos_on_any_segments(
    segs: list[tuple[float, ...]], points: list[tuple[float, float]]
) -> None:
    assert_same_as_geos(np.array(segs, dtype=float), np.array(points, dtype=float))


# -- largest inscribed circle -----------------------------------------------------------------


def test_inscribed_radii_match_geos_within_the_tolerance() -> None:
    """Same radius as ``shapely.maximum_inscribed_circle``: both within the tolerance below it."""
    rng = np.random.default_rng(5)
    shapes = [
        shapely.box(0, 0, 500, 1),  # a 1 m strip
        shapely.box(0, 0, 30, 20),
        shapely.Polygon([(0, 0), (40, 0), (40, 10), (10, 10), (10, 40), (0, 40)]),  # an L
        shapely.Polygon([(0, 0), (300, 0.3), (0, 0.6)]),  # a thin triangle
        shapely.box(0, 0, 100, 100).difference(shapely.box(20, 20, 80, 80)),  # a frame
        shapely.MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(10, 0, 16, 6)]),
        shapely.affinity.rotate(shapely.box(0, 0, 200, 7), 33, origin=(0, 0)),
    ]
    shapes += list(shapely.convex_hull(shapely.multipoints(rng.uniform(0, 100, (20, 9, 2)))))
    shapes += [shapely.buffer(shapely.points(x, y), r) for x, y, r in rng.uniform(1, 50, (5, 3))]
    geoms = np.array(shapes, dtype=object)
    tolerance = np.full(len(geoms), 0.01)
    ours = kernels.inscribed_radii(kernels.polygon_arrays(geoms), tolerance)
    geos = shapely.length(shapely.maximum_inscribed_circle(geoms, 1e-5))  # within 1e-5 below
    assert (ours <= geos + 1e-5 + 1e-9).all()
    assert (ours >= geos - tolerance).all()
    corner = 10 * np.sqrt(2) / (1 + np.sqrt(2))  # the L's circle touches both outer sides
    np.testing.assert_allclose(ours[:3], [0.5, 10.0, corner], atol=0.01)  # and the inner corner
    np.testing.assert_allclose(ours[5], 3.0, atol=0.01)  # the larger part of the multipolygon


def test_convex_parts_get_the_exact_inscribed_circle() -> None:
    """Convex rings are solved exactly (Chebyshev centre), whatever the tolerance asked for:
    known radii, and GEOS's search at 1e-7 agrees to 1e-7, far from UTM's origin too."""
    rng = np.random.default_rng(8)
    hulls = list(shapely.convex_hull(shapely.multipoints(rng.uniform(0, 100, (300, 12, 2)))))
    strips = [
        shapely.affinity.rotate(shapely.box(0, 0, length, width), angle, origin=(0, 0))
        for length, width, angle in rng.uniform([1, 0.01, 0], [900, 5, 180], (200, 3))
    ]
    known = [
        shapely.box(0, 0, 300, 0.4),  # 0.2
        shapely.Polygon([(0, 0), (3, 0), (0, 4)]),  # 3-4-5 triangle: (3 + 4 - 5) / 2 = 1
        shapely.Polygon([(0, 0), (2, 0), (4, 0), (4, 4), (0, 4)]),  # collinear vertex: 2
        shapely.Polygon([(0, 4), (4, 4), (4, 0), (0, 0)]),  # clockwise: 2
    ]
    shapes = np.array(known + hulls + strips, dtype=object)
    geoms = shapely.transform(shapes, lambda xy: xy + np.array([403_000.0, 3_390_000.0]))
    ours = kernels.inscribed_radii(kernels.polygon_arrays(geoms), np.full(len(geoms), 1.0))
    np.testing.assert_allclose(ours[:4], [0.2, 1.0, 2.0, 2.0], rtol=0, atol=1e-8)
    geos = shapely.length(shapely.maximum_inscribed_circle(shapes, 1e-7))
    assert (ours >= geos - 1e-8).all()
    assert (ours <= geos + 1e-7 + 1e-8).all()


def test_simple_non_convex_parts_are_solved_exactly() -> None:
    """Rings with reflex vertices (stars, L shapes, boxes minus shifted boxes) are solved by
    their medial-axis vertices: never below the fine search, and above it by less than the
    search's tolerance; the search alone (``exact=False``) still answers for every shape."""
    rng = np.random.default_rng(12)
    shapes = []
    for _ in range(150):
        angle = np.sort(rng.uniform(0, 2 * np.pi, rng.integers(4, 10)))
        radius = rng.uniform(5, 60, len(angle))
        shapes.append(shapely.Polygon(np.c_[radius * np.cos(angle), radius * np.sin(angle)]))
    for size, turn, shift in zip(
        rng.uniform(20, 200, (60, 2)),
        rng.uniform(0, 90, 60),
        rng.uniform(-15, 15, (60, 2)),
        strict=True,
    ):
        a = shapely.affinity.rotate(shapely.box(0, 0, *size), turn, origin=(0, 0))
        b = shapely.affinity.translate(a, *shift)
        shapes += [p for p in shapely.get_parts(a.difference(b)) if p.area > 1]
    shapes.append(shapely.Polygon([(0, 0), (40, 0), (40, 10), (10, 10), (10, 40), (0, 40)]))
    geoms = np.array([s for s in shapes if s.is_valid], dtype=object)
    geoms = shapely.transform(geoms, lambda xy: xy + np.array([403_000.0, 3_390_000.0]))
    polys = kernels.polygon_arrays(geoms)
    tolerance = np.full(len(geoms), 1e-4)
    exact = kernels.inscribed_radii(polys, tolerance)
    search = kernels.inscribed_radii(polys, tolerance, exact=False)
    assert (exact >= search - 1e-8).all()
    assert (exact <= search + tolerance + 1e-8).all()
    assert exact[-1] == pytest.approx(10 * np.sqrt(2) / (1 + np.sqrt(2)), abs=1e-9)  # the L


def test_exact_radius_of_a_thin_bent_strip_where_geos_stops_short() -> None:
    """A 0.29 m strip bent at an acute corner: the largest circle sits in the corner, 0.145942
    (a brute-force grid refined to 0.1 mm agrees); GEOS's search reports 0.145252."""
    strip = shapely.from_wkt(
        "POLYGON ((399961.8082782037 3390153.4439689303, 400088.393170996 3390184.950551058, "
        "400126.5848927923 3390031.506582128, 400126.30298891757 3390031.436417139, "
        "400088.1513515409 3390184.719337755, 399961.8483626233 3390153.2829206157, "
        "399961.8082782037 3390153.4439689303))"
    )
    polys = kernels.polygon_arrays(np.array([strip], dtype=object))
    assert kernels.inscribed_radii(polys, np.array([1e-6]))[0] == pytest.approx(0.145942, abs=1e-6)
    search = kernels.inscribed_radii(polys, np.array([1e-6]), exact=False)[0]
    assert search == pytest.approx(0.145942, abs=2e-6)


def test_parts_with_holes_keep_the_search() -> None:
    frame = shapely.box(0, 0, 100, 100).difference(shapely.box(20, 20, 80, 80))
    polys = kernels.polygon_arrays(np.array([frame], dtype=object))
    corner = 20 * np.sqrt(2) / (1 + np.sqrt(2))  # touches both outer sides and the hole's corner
    assert kernels.inscribed_radii(polys, np.array([1e-4]))[0] == pytest.approx(corner, abs=1e-4)


def test_inscribed_radii_of_empty_and_degenerate_geometries_are_zero() -> None:
    geoms = np.array(
        [None, shapely.Polygon(), shapely.Polygon([(0, 0), (1, 0), (2, 0)])], dtype=object
    )
    np.testing.assert_array_equal(
        kernels.inscribed_radii(kernels.polygon_arrays(geoms), np.full(3, 0.01)), [0, 0, 0]
    )


# -- the covers screen -------------------------------------------------------------------------


def _covers_screen(a: list[shapely.Geometry], b: list[shapely.Geometry]) -> np.ndarray:
    polys = kernels.polygon_arrays(np.array([*a, *b], dtype=object))
    return kernels.covers_verdicts(polys, np.arange(len(a)), np.arange(len(b)) + len(a))


def test_covers_screen_cases() -> None:
    notch = shapely.Polygon([(0, 0), (4, 0), (4, 4), (2, 1), (0, 4)])  # concave at (2, 1)
    square = shapely.box(0, 0, 4, 4)
    holed = square.difference(shapely.box(1, 1, 2, 2))
    cases = [
        (square, square, 1),  # itself
        (square, shapely.box(0, 0, 2, 4), -1),  # vertices (2, 0), (2, 4) on its edges
        (
            shapely.Polygon([(0, 0), (2, 0), (4, 0), (4, 4), (2, 4), (0, 4)]),
            shapely.box(0, 0, 2, 4),
            1,
        ),
        (square, shapely.box(1, 1, 3, 3), 1),  # deep inside
        (square, shapely.box(3, 3, 5, 5), 0),  # sticks out
        (notch, shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)]), 0),  # over the notch
        # every vertex the cover's, but the chord (4, 4)-(0, 4) runs outside, over the notch
        (notch, shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4), (2, 1)]).buffer(0), 0),
        (notch, shapely.Polygon([(0, 0), (4, 0), (2, 1)]), 1),  # chords inside
        (holed, shapely.box(0.5, 0.5, 0.8, 0.8), -1),  # a cover with a hole: GEOS decides
        (shapely.box(0, 0, 4, 4), shapely.box(1, 0, 3, 1), -1),  # on an edge, not at vertices
    ]
    verdicts = _covers_screen([c[0] for c in cases], [c[1] for c in cases])
    assert verdicts.tolist() == [c[2] for c in cases]
    geos = shapely.covers([c[0] for c in cases], [c[1] for c in cases])
    decided = verdicts >= 0
    assert ((verdicts == 1) == geos)[decided].all()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=8),
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=8),
)
def test_covers_screen_agrees_with_geos_on_lattice_polygons(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    """Polygons on a small lattice share vertices, edges and lines all the time: wherever the
    screen decides, it gives GEOS's answer."""
    pa = shapely.make_valid(shapely.Polygon(a)) if len(set(a)) >= 3 else None
    pb = shapely.make_valid(shapely.Polygon(b)) if len(set(b)) >= 3 else None
    assume(pa is not None and pb is not None)
    pa = shapely.get_parts(pa)[np.argmax(shapely.area(shapely.get_parts(pa)))]
    pb = shapely.get_parts(pb)[np.argmax(shapely.area(shapely.get_parts(pb)))]
    assume(pa.geom_type == "Polygon" and pb.geom_type == "Polygon")
    assume(pa.area > 0 and pb.area > 0)
    verdict = _covers_screen([pa, pb], [pb, pa])
    truth = shapely.covers([pa, pb], [pb, pa])
    for v, t in zip(verdict, truth, strict=True):
        if v >= 0:
            assert (v == 1) == t


def test_covers_screen_on_a_damaged_city_decides_nearly_all_and_agrees_with_geos() -> None:
    rng = np.random.default_rng(7)
    parents, children = [], []
    for i in range(300):  # parents cut into columns that share the parents' vertices
        x0, y0, w = 500_000.0 + 900.0 * (i % 20), 3_000_000.0 + 900.0 * (i // 20), 800.0
        cuts = np.sort(rng.uniform(0, w, 3))
        xs = [x0, *(x0 + cuts), x0 + w]
        ring = [(x, y0) for x in xs] + [(x, y0 + w) for x in reversed(xs)]
        parents.append(shapely.Polygon(ring))
        for k in range(4):
            child = shapely.box(xs[k], y0, xs[k + 1], y0 + w)
            if rng.random() < 0.2:
                child = shapely.affinity.translate(child, rng.normal(0, 10), rng.normal(0, 10))
            parents_of = len(parents) - 1
            children.append((parents_of, child))
    owner = np.array([o for o, _ in children])
    verdict = _covers_screen([parents[o] for o in owner], [c for _, c in children])
    truth = shapely.covers(np.array(parents, dtype=object)[owner], [c for _, c in children])
    decided = verdict >= 0
    assert decided.mean() > 0.95
    assert ((verdict == 1) == truth)[decided].all()
    assert 0 < (verdict == 0).sum() < len(verdict)
