"""Compiled loops (numba) of the grid heuristic: region growing and boundary moves.

The graph is held in CSR form (:func:`csr`): the neighbours of atom ``a`` are
``indices[indptr[a]:indptr[a + 1]]`` with the summed ``cost`` of the edges joining them, in the
order the edges first name them (the order :meth:`gridparty.delineation.partition.Graph.
neighbours` gives). numba compiles the kernels on the first call (cached on disk,
``cache=True``); they release the GIL, so communities can run in threads side by side.
They keep the order of every loop and of every floating-point sum of the pure-Python
heuristic they replace, so they give the same grids, about ten times faster.

:func:`improve` holds the three boundary-move searches (local search, balance, member spread)
of :mod:`gridparty.delineation.partition`: they share the candidate moves of a pass (atoms on
a region border and the border length they would add or remove), the tallies and the
contiguity test, and differ only in which move they accept.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

__all__ = [
    "BALANCE",
    "LOCAL_SEARCH",
    "SPREAD_MEMBERS",
    "attempt",
    "components",
    "csr",
    "grow_once",
    "improve",
    "off_band",
    "renumber",
    "seeds",
]

#: Modes of :func:`improve`.
LOCAL_SEARCH, BALANCE, SPREAD_MEMBERS = 0, 1, 2

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@njit(cache=True, nogil=True)
def csr(n: int, edges: IntArray, cut: FloatArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Adjacency of ``n`` atoms from ``edges`` (m, 2) and their ``cut`` costs: ``indptr``,
    ``indices``, ``cost`` (repeated edges summed, neighbours in order of first mention)."""
    degree = np.zeros(n + 1, dtype=np.int64)
    for e in range(edges.shape[0]):
        degree[edges[e, 0] + 1] += 1
        degree[edges[e, 1] + 1] += 1
    start = np.cumsum(degree)
    fill = start[:-1].copy()
    raw = np.empty(start[-1], dtype=np.int64)
    raw_cost = np.empty(start[-1], dtype=np.float64)
    for e in range(edges.shape[0]):
        i, j = edges[e, 0], edges[e, 1]
        raw[fill[i]], raw_cost[fill[i]] = j, cut[e]
        fill[i] += 1
        raw[fill[j]], raw_cost[fill[j]] = i, cut[e]
        fill[j] += 1
    indptr = np.zeros(n + 1, dtype=np.int64)
    indices = np.empty(start[-1], dtype=np.int64)
    cost = np.empty(start[-1], dtype=np.float64)
    slot = np.full(n, -1, dtype=np.int64)
    k = 0
    for a in range(n):
        row = k
        for p in range(start[a], start[a + 1]):
            b = raw[p]
            if slot[b] >= row:  # seen in this row: add up
                cost[slot[b]] += raw_cost[p]
            else:
                slot[b] = k
                indices[k] = b
                cost[k] = 0.0 + raw_cost[p]
                k += 1
        indptr[a + 1] = k
    return indptr, indices[:k], cost[:k]


@njit(cache=True, nogil=True)
def _off_band(weight: float, low: int, high: int) -> float:
    """Households of one region outside the band."""
    if weight < low:
        return low - weight
    if weight > high:
        return weight - high
    return 0.0


@njit(cache=True, nogil=True)
def _before(key: float, atom: int, other_key: float, other_atom: int) -> bool:
    """Whether heap entry ``(key, atom)`` comes before ``(other_key, other_atom)``."""
    return key < other_key or (key == other_key and atom < other_atom)


@njit(cache=True, nogil=True)
def _push(
    keys: FloatArray, atoms: IntArray, size: IntArray, r: int, key: float, atom: int
) -> tuple[FloatArray, IntArray]:
    """Push ``(key, atom)`` on region ``r``'s binary heap (rows of ``keys``/``atoms``)."""
    if size[r] == keys.shape[1]:
        grown_k = np.empty((keys.shape[0], 2 * keys.shape[1]), dtype=np.float64)
        grown_a = np.empty((keys.shape[0], 2 * keys.shape[1]), dtype=np.int64)
        grown_k[:, : keys.shape[1]] = keys
        grown_a[:, : keys.shape[1]] = atoms
        keys, atoms = grown_k, grown_a
    i = size[r]
    size[r] += 1
    while i > 0:
        parent = (i - 1) // 2
        pk, pa = keys[r, parent], atoms[r, parent]
        if not _before(key, atom, pk, pa):
            break
        keys[r, i], atoms[r, i] = pk, pa
        i = parent
    keys[r, i], atoms[r, i] = key, atom
    return keys, atoms


@njit(cache=True, nogil=True)
def _pop(keys: FloatArray, atoms: IntArray, size: IntArray, r: int) -> int:
    """Remove the smallest ``(key, atom)`` of region ``r``'s heap; its atom."""
    top = atoms[r, 0]
    size[r] -= 1
    last = size[r]
    key, atom = keys[r, last], atoms[r, last]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= last:
            break
        right = child + 1
        if right < last and _before(
            keys[r, right], atoms[r, right], keys[r, child], atoms[r, child]
        ):
            child = right
        ck, ca = keys[r, child], atoms[r, child]
        if not _before(ck, ca, key, atom):
            break
        keys[r, i], atoms[r, i] = ck, ca
        i = child
    keys[r, i], atoms[r, i] = key, atom
    return int(top)


@njit(cache=True, nogil=True)
def _distance(xy: FloatArray, a: int, b: int) -> float:
    return math.hypot(xy[a, 0] - xy[b, 0], xy[a, 1] - xy[b, 1])


@njit(cache=True, nogil=True)
def _lighter(a: float, b: float, target: float) -> bool:
    """Whether a region of weight ``a`` grows before one of ``b``: under the target first,
    then the lighter."""
    if (a >= target) != (b >= target):
        return b >= target
    return a < b


@njit(cache=True, nogil=True)
def grow_once(
    indptr: IntArray,
    indices: IntArray,
    w: FloatArray,
    xy: FloatArray,
    seeds: IntArray,
    target: float,
    high: int,
) -> IntArray:
    """Grow one region per seed, the lightest region first, each taking the free neighbour
    nearest its seed, a region closing when the next atom would take it above ``high``;
    atoms left over join their lightest labelled neighbour (a part no region reaches is a
    region of its own). ``target``: the households of a region if all were equal. Region
    labels per atom."""
    n, k = len(w), len(seeds)
    labels = np.full(n, -1, dtype=np.int64)
    weight = np.zeros(k + n)
    keys = np.empty((k, 16), dtype=np.float64)
    atoms = np.empty((k, 16), dtype=np.int64)
    size = np.zeros(k, dtype=np.int64)
    for r in range(k):
        labels[seeds[r]] = r
        weight[r] += w[seeds[r]]
    for r in range(k):
        s = seeds[r]
        for p in range(indptr[s], indptr[s + 1]):
            j = indices[p]
            keys, atoms = _push(keys, atoms, size, r, _distance(xy, seeds[r], j), j)
    active = np.ones(k, dtype=np.bool_)
    n_active = k
    while n_active > 0:
        r = -1
        for q in range(k):  # the lightest region under the target first
            if active[q] and (r < 0 or _lighter(weight[q], weight[r], target)):
                r = q
        while size[r] > 0 and labels[atoms[r, 0]] >= 0:
            _pop(keys, atoms, size, r)
        if size[r] == 0:
            active[r] = False
            n_active -= 1
            continue
        a = _pop(keys, atoms, size, r)
        if weight[r] + w[a] > high and weight[r] > 0 and n_active > 1:
            active[r] = False
            n_active -= 1
            keys, atoms = _push(keys, atoms, size, r, 0.0, a)
            continue
        labels[a] = r
        weight[r] += w[a]
        for p in range(indptr[a], indptr[a + 1]):
            j = indices[p]
            if labels[j] < 0:
                keys, atoms = _push(keys, atoms, size, r, _distance(xy, seeds[r], j), j)
    _fill(indptr, indices, w, labels, weight, k)
    return labels


@njit(cache=True, nogil=True)
def _fill(
    indptr: IntArray, indices: IntArray, w: FloatArray, labels: IntArray, weight: FloatArray, k: int
) -> None:
    """Give atoms left over (regions closed at the top of the band) to the lightest
    neighbour, in passes over them in order; a part cut off from every seed is a region."""
    regions = k
    left = np.flatnonzero(labels < 0)
    while len(left):
        progress = False
        for a in left:
            r = -1
            for p in range(indptr[a], indptr[a + 1]):
                q = labels[indices[p]]
                if q >= 0 and (r < 0 or weight[q] < weight[r]):
                    r = q
            if r >= 0:
                labels[a] = r
                weight[r] += w[a]
                progress = True
        if not progress:
            a = left[0]
            labels[a] = regions
            weight[regions] = w[a]
            regions += 1
        left = left[labels[left] < 0]


@njit(cache=True, nogil=True)
def _moves(
    indptr: IntArray, indices: IntArray, cost: FloatArray, lab: IntArray
) -> tuple[IntArray, IntArray, IntArray, FloatArray]:
    """Candidate moves of a pass: atom, its region, target region and the border cost the move saves
    (length to the target minus length inside its region), per atom in order, targets in
    order of first neighbour."""
    n = len(lab)
    move_atom = np.empty(len(indices), dtype=np.int64)
    move_from = np.empty(len(indices), dtype=np.int64)
    move_to = np.empty(len(indices), dtype=np.int64)
    move_gain = np.empty(len(indices), dtype=np.float64)
    slot = np.full(n, -1, dtype=np.int64)  # per region: its move of the current atom
    m = 0
    for a in range(n):
        r = lab[a]
        first = m
        inside = 0.0
        for p in range(indptr[a], indptr[a + 1]):
            s = lab[indices[p]]
            if s == r:
                inside += cost[p]
            elif slot[s] >= first:
                move_gain[slot[s]] += cost[p]
            else:
                slot[s] = m
                move_atom[m], move_from[m], move_to[m] = a, r, s
                move_gain[m] = 0.0 + cost[p]
                m += 1
        for q in range(first, m):
            move_gain[q] -= inside
    return move_atom[:m], move_from[:m], move_to[:m], move_gain[:m]


@njit(cache=True, nogil=True)
def _connected_without(
    indptr: IntArray,
    indices: IntArray,
    lab: IntArray,
    r: int,
    a: int,
    size: int,
    seen: IntArray,
    stack: IntArray,
    stamp: int,
) -> bool:
    """Whether region ``r`` (``size`` atoms, ``a`` among them) stays connected without ``a``
    (``seen`` marks visited atoms with ``stamp``; ``stack`` is scratch space)."""
    start = -1
    for p in range(indptr[a], indptr[a + 1]):
        if lab[indices[p]] == r:
            start = indices[p]
            break
    if start < 0:
        return False
    seen[start] = stamp
    stack[0] = start
    top, reached = 1, 1
    while top > 0:
        top -= 1
        x = stack[top]
        for p in range(indptr[x], indptr[x + 1]):
            y = indices[p]
            if y != a and seen[y] != stamp and lab[y] == r:
                seen[y] = stamp
                stack[top] = y
                top += 1
                reached += 1
    return reached == size - 1


@njit(cache=True, nogil=True)
def improve(
    mode: int,
    indptr: IntArray,
    indices: IntArray,
    cost: FloatArray,
    w: FloatArray,
    members: FloatArray,
    labels: IntArray,
    low: int,
    high: int,
    branch_min: int,
    max_passes: int,
) -> IntArray:
    """Move border atoms between regions, every region staying connected and non-empty.

    ``mode`` :data:`LOCAL_SEARCH`: while the band violation falls, then while the border cost
    falls at no band cost (an emptied region disappears). :data:`BALANCE`: from heavier to
    lighter regions while the band violation does not grow (each move lowers Σ weight², so it
    ends): an excess one move cannot cure flows through the regions between toward one with
    room. :data:`SPREAD_MEMBERS` (one pass): a move that gives a region its
    ``branch_min``-th formal member, when the donor keeps enough and no household leaves the
    band. Moves are those of the labelling at the start of each pass.
    """
    lab = labels.copy()
    n = len(lab)
    k = lab.max() + 1
    weight = np.zeros(k)
    formal = np.zeros(k)
    count = np.zeros(k, dtype=np.int64)
    for a in range(n):
        weight[lab[a]] += w[a]
        formal[lab[a]] += members[a]
        count[lab[a]] += 1
    seen = np.zeros(n, dtype=np.int64)
    stack = np.empty(n, dtype=np.int64)
    stamp = 0
    passes = 1 if mode == SPREAD_MEMBERS else max_passes
    for _ in range(passes):
        moved = False
        move_atom, move_from, move_to, move_gain = _moves(indptr, indices, cost, lab)
        for q in range(len(move_atom)):
            a, r, s = move_atom[q], move_from[q], move_to[q]
            if lab[a] != r:  # an earlier move of the pass took the atom elsewhere
                continue
            wa = w[a]
            before = _off_band(weight[r], low, high) + _off_band(weight[s], low, high)
            if mode == LOCAL_SEARCH:
                after = _off_band(weight[s] + wa, low, high)
                if count[r] > 1:  # a region left empty disappears (one grid fewer)
                    after += _off_band(weight[r] - wa, low, high)
                if not (after < before or (after == before and move_gain[q] > 1e-9)):
                    continue
                check = count[r] > 1
            elif mode == BALANCE:
                if count[r] == 1 or not 0 < wa < weight[r] - weight[s]:
                    continue
                after = _off_band(weight[r] - wa, low, high)
                if after + _off_band(weight[s] + wa, low, high) > before:
                    continue
                check = True
            else:
                ma = members[a]
                if ma <= 0 or formal[s] >= branch_min or formal[s] + ma < branch_min:
                    continue
                if formal[r] >= branch_min and formal[r] - ma < branch_min:
                    continue
                after = _off_band(weight[r] - wa, low, high)
                if after + _off_band(weight[s] + wa, low, high) > before:
                    continue
                check = True
            if check:
                stamp += 1
                if not _connected_without(indptr, indices, lab, r, a, count[r], seen, stack, stamp):
                    continue
            lab[a] = s
            weight[r] -= wa
            weight[s] += wa
            formal[r] -= members[a]
            formal[s] += members[a]
            count[r] -= 1
            count[s] += 1
            moved = True
        if not moved:
            break
    return lab


@njit(cache=True, nogil=True)
def seeds(xy: FloatArray, centre: FloatArray, k: int, turn: int) -> IntArray:
    """``k`` spread atoms: the ``turn``-th farthest from ``centre`` (ties by position), then
    each the farthest from those already chosen."""
    n = xy.shape[0]
    d = np.empty(n)
    for i in range(n):
        d[i] = math.hypot(xy[i, 0] - centre[0], xy[i, 1] - centre[1])
    order = np.argsort(-d, kind="mergesort")
    out = np.empty(k, dtype=np.int64)
    out[0] = order[min(turn, n - 1)]
    near = np.empty(n)
    for i in range(n):
        near[i] = _distance(xy, i, out[0])
    for q in range(1, k):
        out[q] = np.argmax(near)
        for i in range(n):
            near[i] = min(near[i], _distance(xy, i, out[q]))
    return out


@njit(cache=True, nogil=True)
def _root(parent: IntArray, x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@njit(cache=True, nogil=True)
def components(n: int, edges: IntArray, allowed: npt.NDArray[np.bool_]) -> IntArray:
    """Connected component of each of ``n`` atoms over the ``allowed`` edges, named by a
    root atom (union-find with path halving, edges in order)."""
    parent = np.arange(n)
    for e in range(edges.shape[0]):
        if allowed[e]:
            b = _root(parent, edges[e, 1])
            parent[_root(parent, edges[e, 0])] = b
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = _root(parent, i)
    return out


@njit(cache=True, nogil=True)
def renumber(labels: IntArray) -> IntArray:
    """Labels 0..k-1 in order of first appearance (empty regions drop out)."""
    mapping = np.full(labels.max() + 1, -1, dtype=np.int64)
    out = np.empty(len(labels), dtype=np.int64)
    k = 0
    for a in range(len(labels)):
        if mapping[labels[a]] < 0:
            mapping[labels[a]] = k
            k += 1
        out[a] = mapping[labels[a]]
    return out


@njit(cache=True, nogil=True)
def off_band(w: FloatArray, labels: IntArray, low: int, high: int) -> float:
    """Households outside the band over the (non-empty) regions of ``labels``."""
    weight = np.zeros(labels.max() + 1)
    count = np.zeros(labels.max() + 1, dtype=np.int64)
    for a in range(len(labels)):
        weight[labels[a]] += w[a]
        count[labels[a]] += 1
    out = 0.0
    for r in range(len(weight)):
        if count[r]:
            out += _off_band(weight[r], low, high)
    return out


@njit(cache=True, nogil=True)
def attempt(
    indptr: IntArray,
    indices: IntArray,
    cost: FloatArray,
    w: FloatArray,
    members: FloatArray,
    xy: FloatArray,
    centre: FloatArray,
    k: int,
    turn: int,
    total: float,
    low: int,
    high: int,
    branch_min: int,
    max_passes: int,
) -> IntArray:
    """One seeding of :func:`gridparty.delineation.partition.grow`: ``k`` regions grown from
    the ``turn``-th spread seeds, local search; while the band is missed (three rounds at
    most) balance and search again; then spread formal members. Labels 0..k'-1."""
    start = seeds(xy, centre, k, turn)
    labels = grow_once(indptr, indices, w, xy, start, total / k, high)
    labels = improve(
        LOCAL_SEARCH, indptr, indices, cost, w, members, labels, low, high, 0, max_passes
    )
    for _ in range(3):  # spread an excess over the regions, then search again
        if off_band(w, labels, low, high) == 0:
            break
        labels = improve(
            BALANCE, indptr, indices, cost, w, members, labels, low, high, 0, max_passes
        )
        labels = improve(
            LOCAL_SEARCH, indptr, indices, cost, w, members, labels, low, high, 0, max_passes
        )
    labels = improve(
        SPREAD_MEMBERS, indptr, indices, cost, w, members, labels, low, high, branch_min, 1
    )
    return renumber(labels)
