"""Tests for gridparty.spatial.tiling: the exact-tiling proof, parts, widths, filled holes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import shapely.affinity

from gridparty.spatial import tiling
from gridparty.spatial.kernels import interiors_verdicts, polygon_arrays
from gridparty.spatial.tiling import (
    NOISE_M2,
    boundaries_match,
    classify_parts,
    holes_filled,
    interiors_meet,
    padded,
    polygon_parts,
)


def test_tiling_check_follows_the_boundary_segments() -> None:
    parent = np.array([shapely.Polygon([(0, 0), (1, 0), (2, 0), (2, 1), (1, 1), (0, 1)])])
    halves = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1, ccw=False)])
    assert boundaries_match(parent, halves, np.array([0, 0])).tolist() == [True]
    # without the vertices at x=1 the parent's edges do not match (T-junctions): not proved
    assert boundaries_match(
        np.array([shapely.box(0, 0, 2, 1)]), halves, np.array([0, 0])
    ).tolist() == [False]
    overlapping = np.array([shapely.box(0, 0, 1, 1), shapely.box(0, 0, 1, 1)])
    assert boundaries_match(parent, overlapping, np.array([0, 0])).tolist() == [False]
    holed = np.array([shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))])
    frame = np.array([holed[0], shapely.box(1, 1, 2, 2)])
    # a frame and its core tile the square: the hole's ring cancels the core's
    assert boundaries_match(
        np.array([shapely.box(0, 0, 3, 3)]), frame, np.array([0, 0])
    ).tolist() == [True]
    assert boundaries_match(holed, holed, np.array([0])).tolist() == [True]


def _tiling_cases() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ten parents cut in strips, every other one with a strip moved off its neighbour."""
    parents, children, group = [], [], []
    for i in range(10):
        x0 = 10.0 * i
        parents.append(
            shapely.Polygon(
                [(x0 + k, 0) for k in range(5)]
                + [(x0 + 4, 1)]
                + [(x0 + k, 1) for k in range(3, -1, -1)]
            )
        )
        shift = 0.25 if i % 2 else 0.0
        for k in range(4):
            children.append(shapely.box(x0 + k + (shift if k == 2 else 0), 0, x0 + k + 1, 1))
            group.append(i)
    return np.array(parents), np.array(children), np.array(group)


def test_tiling_proof_sorts_by_hash_and_survives_collisions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parents, children, group = _tiling_cases()
    expected = [i % 2 == 0 for i in range(10)]
    keys = np.array([[0.0, 1.0], [0.0, -0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]])
    for hashed in (True, False):
        if not hashed:  # every key one hash: runs of different rows, sorted by value instead
            monkeypatch.setattr(tiling, "_mix", lambda x: np.zeros_like(x))
        assert boundaries_match(parents, children, group).tolist() == expected
        order, start = tiling._runs(keys)
        runs = np.split(keys[order], start[1:])
        assert sorted(len(r) for r in runs) == [1, 2, 2]  # -0.0 and 0.0 are one value
        assert all((r == r[0]).all() for r in runs)


def test_widths_are_inscribed_circle_diameters_and_slivers_are_exact_near_the_limit() -> None:
    parts = np.array(
        [
            shapely.box(0, 0, 500, 1),
            shapely.box(0, 0, 40, 30),
            shapely.box(0, 0, 300, 1.995),
            shapely.box(0, 0, 300, 2.004),
            shapely.Polygon([(0, 0), (100, 0), (50, 0.2)]),
        ]
    )
    area, width, sliver = classify_parts(parts, min_area_m2=1.0, min_width_m=2.0)
    assert area.tolist() == pytest.approx([500, 1200, 598.5, 601.2, 10])
    assert width[:4] == pytest.approx([1.0, 30.0, 1.995, 2.004], abs=0.005)
    assert sliver.tolist() == [True, False, True, False, True]
    assert width[4] <= 0.2  # a hairline triangle
    assert classify_parts(np.empty(0, dtype=object), 1.0, 2.0)[1].shape == (0,)


def test_polygon_parts_keep_polygons_above_the_noise() -> None:
    geoms = np.array(
        [
            shapely.GeometryCollection(
                [shapely.box(0, 0, 1, 1), shapely.LineString([(0, 0), (5, 5)])]
            ),
            shapely.MultiPolygon([shapely.box(0, 0, 2, 2), shapely.box(3, 3, 3 + 1e-4, 3 + 1e-4)]),
            None,
        ]
    )
    parts, owner, other = polygon_parts(geoms, np.array([7, 8, 9]), np.array([0, 1, 2]))
    assert shapely.area(parts).tolist() == [1.0, 4.0]  # the 1e-8 m² speck is noise
    assert owner.tolist() == [7, 8]
    assert other.tolist() == [0, 1]
    assert NOISE_M2 == 1e-6


def test_padded_groups_and_interiors() -> None:
    geoms = np.array(["a", "b", "c"], dtype=object)
    assert padded(geoms, np.array([2, 0, 2]), 3).tolist() == [["b", None], [None, None], ["a", "c"]]
    boxes = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1), shapely.box(0.5, 0, 2, 1)])
    assert interiors_meet(boxes, boxes, np.array([0, 0]), np.array([1, 2])).tolist() == [
        False,
        True,
    ]  # touching is not meeting


def test_holes_filled() -> None:
    ring = shapely.box(0, 0, 3, 3).difference(shapely.box(1, 1, 2, 2))
    filled = holes_filled(np.array([ring, None], dtype=object))
    assert filled[0].area == 9
    assert filled[1] is None


def test_compiled_widths_match_geos_widths() -> None:
    """The compiled search and GEOS give the same widths, to their tolerance, and slivers."""
    rng = np.random.default_rng(11)
    strips = [
        shapely.affinity.rotate(shapely.box(0, 0, length, width), angle, origin=(0, 0))
        for length, width, angle in zip(
            rng.uniform(20, 800, 60), rng.uniform(0.2, 6, 60), rng.uniform(0, 180, 60), strict=True
        )
    ]
    strips += [shapely.box(0, 0, 100, 2.004), shapely.box(0, 0, 100, 1.996)]  # near 2 m: refined
    parts = np.array(strips, dtype=object)
    fast = tiling.classify_parts(parts, 1.0, 2.0)
    geos = tiling.classify_parts(parts, 1.0, 2.0, engine="shapely")
    np.testing.assert_array_equal(fast[0], geos[0])
    perimeter = shapely.length(parts)
    tolerance = np.clip(np.maximum(0.01 * fast[0] * 2 / perimeter, perimeter / 2000), 1e-3, 1.0)
    assert (np.abs(fast[1] - geos[1]) <= 2 * tolerance).all()
    np.testing.assert_array_equal(fast[2], geos[2])
    assert fast[2][-1]
    assert not fast[2][-2]
    with pytest.raises(ValueError, match="engine='gpu' is not known"):
        tiling.widths(parts, 2.0, engine="gpu")


def test_interiors_meet_gives_relates_answer_on_shared_edges_and_random_pairs() -> None:
    """The compiled screen plus GEOS for the rest: exactly ``relate_pattern("T********")``, on
    tiled neighbours (shared vertices, collinear chains), nudged and shifted copies, holes."""
    rng = np.random.default_rng(3)
    xs = np.cumsum(rng.uniform(20, 60, 7)) + 400_000.0
    ys = np.cumsum(rng.uniform(20, 60, 5)) + 3_390_000.0
    cells = [
        shapely.Polygon(
            [
                (xs[i], ys[j]),
                ((xs[i] + xs[i + 1]) / 2, ys[j] + 0.0001),
                (xs[i + 1], ys[j]),
                (xs[i + 1], ys[j + 1]),
                (xs[i], ys[j + 1]),
            ]
        )
        for i in range(len(xs) - 1)
        for j in range(len(ys) - 1)
    ]
    moved = [
        shapely.affinity.translate(c, *rng.choice([-1, 1], 2) * rng.uniform(0, 3, 2))
        for c in cells[:8]
    ]
    nudged = [shapely.affinity.translate(c, 1e-7, 0) for c in cells[8:12]]
    framed = [shapely.box(xs[1], ys[1], xs[4], ys[3]).difference(shapely.box(*cells[7].bounds))]
    geoms = np.array(cells + moved + nudged + framed, dtype=object)
    left, right = np.triu_indices(len(geoms), 1)
    near = shapely.intersects(shapely.envelope(geoms[left]), shapely.envelope(geoms[right]))
    left, right = left[near], right[near]
    expected = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    np.testing.assert_array_equal(interiors_meet(geoms, geoms, left, right), expected)
    assert expected.sum() > 10
    assert (~expected).sum() > 10
    verdict = interiors_verdicts(polygon_arrays(geoms), left, right)
    assert ((verdict == 0) & ~expected).sum() > 0  # the screen decides some of each itself
    assert ((verdict == 1) & expected).sum() > 0
    assert not ((verdict == 0) & expected).any()
    assert not ((verdict == 1) & ~expected).any()
