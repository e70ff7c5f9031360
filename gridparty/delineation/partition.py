"""Contiguous partitions of a graph of weighted atoms into a band of weights.

The atoms are cells of buildings (or whole compounds) with their households (the weight) and
formal members; edges join atoms sharing a boundary, with the length of boundary a grid
border would follow if it ran between them. The objective, in order:

1. the band violation: Σ over regions of max(0, low − w) + max(0, w − high) households;
2. the number of regions (at least ⌈W / high⌉);
3. the cut: Σ of shared lengths between regions, a length along a street counting
   :data:`STREET_CUT_WEIGHT` (grids follow streets and stay compact);

and, among partitions equal on these, as many regions as possible with at least
``branch_min`` formal members.

:func:`grow` is the heuristic (balanced region growing from spread seeds, then local search
moving boundary atoms); :func:`exact` solves the same objective as a mixed-integer programme
with flow contiguity (PuLP/CBC) for small graphs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["STREET_CUT_WEIGHT", "Graph", "exact", "grow", "score"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

#: Weight of a metre of grid border along a street, against 1 for a metre through a block.
STREET_CUT_WEIGHT = 0.05


@dataclass(frozen=True)
class Graph:
    """Atoms (weight ``w``, formal ``members``, centroid ``xy`` in metres) and edges ``(i, j)``
    with their ``cut`` cost (see the module's objective)."""

    w: FloatArray
    members: FloatArray
    xy: FloatArray
    edges: IntArray
    cut: FloatArray

    @property
    def n(self) -> int:
        return len(self.w)

    def neighbours(self) -> list[dict[int, float]]:
        out: list[dict[int, float]] = [{} for _ in range(self.n)]
        for (i, j), c in zip(self.edges.tolist(), self.cut.tolist(), strict=True):
            out[i][j] = out[i].get(j, 0.0) + c
            out[j][i] = out[j].get(i, 0.0) + c
        return out


def violation(weights: FloatArray, low: int, high: int) -> FloatArray:
    """Households outside the band, per region."""
    out: FloatArray = np.maximum(0, low - weights) + np.maximum(0, weights - high)
    return out


def score(g: Graph, labels: IntArray, low: int, high: int) -> tuple[float, int, float]:
    """(band violation, regions, cut) of a labelling (regions numbered 0..k-1)."""
    k = int(labels.max()) + 1 if len(labels) else 0
    weights = np.bincount(labels, weights=g.w, minlength=k).astype(np.float64)
    cut = (
        float(g.cut[labels[g.edges[:, 0]] != labels[g.edges[:, 1]]].sum()) if len(g.edges) else 0.0
    )
    return float(violation(weights, low, high).sum()), k, cut


def bounds(total: float, low: int, high: int) -> tuple[int, int]:
    """Fewest regions (⌈total / high⌉, at least 1) and most (⌊total / low⌋) a band allows."""
    fewest = max(1, int(np.ceil(total / high))) if high > 0 else 1
    most = int(total // low) if low > 0 else max(fewest, 1)
    return fewest, most


def grow(
    g: Graph,
    low: int,
    high: int,
    *,
    branch_min: int = 3,
    tries: int = 3,
    max_tries: int = 8,
    max_passes: int = 60,
) -> IntArray:
    """Heuristic partition of a connected graph: region labels 0..k-1 per atom.

    Tries ``k`` from ⌈W / high⌉ upwards (while the band allows) and ``tries`` seedings each,
    up to ``max_tries`` while no seeding meets the band; keeps the best by :func:`score`.
    Each seeding is :func:`gridparty.delineation.kernels.attempt` (compiled by numba).
    """
    if g.n == 0:
        return np.empty(0, dtype=np.int64)
    from gridparty.delineation.kernels import attempt, csr

    w = np.ascontiguousarray(g.w, dtype=np.float64)
    members = np.ascontiguousarray(g.members, dtype=np.float64)
    xy = np.ascontiguousarray(g.xy, dtype=np.float64)
    edges = np.ascontiguousarray(np.asarray(g.edges, dtype=np.int64).reshape(-1, 2))
    indptr, indices, cost = csr(g.n, edges, np.ascontiguousarray(g.cut, dtype=np.float64))
    total = float(g.w.sum())
    centre = np.average(xy, axis=0, weights=np.maximum(g.w, 1))  # seeds spread from here
    fewest, most = bounds(total, low, high)
    if fewest > most or g.w.max() > high:  # the band cannot be met: no extra seedings
        max_tries = tries
    best: tuple[tuple[float, int, float], IntArray] | None = None
    for k in range(fewest, max(fewest, min(most, fewest + 2)) + 1):
        k = min(k, g.n)
        for t in range(max(tries, max_tries)):
            if t >= tries and best is not None and best[0][0] == 0:
                break
            labels: IntArray = attempt(
                indptr, indices, cost, w, members, xy, centre, k, t, total,
                low, high, branch_min, max_passes,
            )  # fmt: skip
            s = score(g, labels, low, high)
            if best is None or s < best[0]:
                best = (s, labels)
            if s[0] == 0 and k == 1:
                break
        if best is not None and best[0][0] == 0:
            break
    assert best is not None
    return best[1]


def _renumber(labels: IntArray) -> IntArray:
    """Labels 0..k-1 in order of first appearance."""
    _, first = np.unique(labels, return_index=True)
    order = labels[np.sort(first)]
    mapping = np.empty(labels.max() + 1, dtype=np.int64)
    mapping[order] = np.arange(len(order))
    out: IntArray = mapping[labels]
    return out


def exact(g: Graph, low: int, high: int, k: int, *, time_limit_s: float = 60.0) -> IntArray:
    """Optimal partition into ``k`` connected regions for :func:`score`'s objective (band
    violation weighted above the cut), by PuLP/CBC with single-commodity flow contiguity.

    Meant for small graphs (tens of atoms) to validate :func:`grow`.
    """
    from gridparty.spatial.siting import _quiet_pulp

    with _quiet_pulp():  # PuLP 3 notices about its 4.0 API
        return _exact(g, low, high, k, time_limit_s)


def _exact(g: Graph, low: int, high: int, k: int, time_limit_s: float) -> IntArray:
    import pulp

    from gridparty.spatial.siting import _cbc

    n = g.n
    arcs = [(int(i), int(j)) for i, j in g.edges] + [(int(j), int(i)) for i, j in g.edges]
    prob = pulp.LpProblem("grids", pulp.LpMinimize)
    x = pulp.LpVariable.dicts("x", (range(n), range(k)), cat="Binary")
    root = pulp.LpVariable.dicts("root", (range(n), range(k)), cat="Binary")
    flow = pulp.LpVariable.dicts("f", (range(len(arcs)), range(k)), lowBound=0)
    under = pulp.LpVariable.dicts("under", range(k), lowBound=0)
    over = pulp.LpVariable.dicts("over", range(k), lowBound=0)
    cutv = pulp.LpVariable.dicts("cut", range(len(g.edges)), lowBound=0)
    big = float(g.cut.sum()) + 1.0
    prob += big * pulp.lpSum(under[r] + over[r] for r in range(k)) + pulp.lpSum(
        float(c) * cutv[e] for e, c in enumerate(g.cut)
    )
    for i in range(n):
        prob += pulp.lpSum(x[i][r] for r in range(k)) == 1
    for r in range(k):
        prob += pulp.lpSum(root[i][r] for i in range(n)) == 1
        load = pulp.lpSum(float(g.w[i]) * x[i][r] for i in range(n))
        prob += load + under[r] >= low
        prob += load - over[r] <= high
        for i in range(n):
            prob += root[i][r] <= x[i][r]
        for e, (a, b) in enumerate(arcs):
            prob += flow[e][r] <= (n - 1) * x[a][r]
            prob += flow[e][r] <= (n - 1) * x[b][r]
    for r in range(k):  # every non-root atom of region r consumes a unit sent from r's root
        for i in range(n):
            out = pulp.lpSum(flow[e][r] for e, (a, _) in enumerate(arcs) if a == i)
            inn = pulp.lpSum(flow[e][r] for e, (_, b) in enumerate(arcs) if b == i)
            prob += inn - out >= x[i][r] - n * root[i][r]
    for r in range(1, k):  # symmetry: region r's root has a larger index than region r-1's
        prob += (
            pulp.lpSum(i * root[i][r] for i in range(n))
            >= pulp.lpSum(i * root[i][r - 1] for i in range(n)) + 1
        )
    for e, (i, j) in enumerate(g.edges.tolist()):
        for r in range(k):
            prob += cutv[e] >= x[i][r] - x[j][r]
            prob += cutv[e] >= x[j][r] - x[i][r]
    prob.solve(_cbc(time_limit_s))
    labels = np.array(
        [max(range(k), key=lambda r: pulp.value(x[i][r]) or 0.0) for i in range(n)],
        dtype=np.int64,
    )
    return _renumber(labels)
