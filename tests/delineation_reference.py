"""The grid heuristic as it was written in pure Python (dicts, heapq), before its loops
moved to :mod:`gridparty.delineation.kernels`: the reference the compiled kernels must match
label for label (tests/delineation/test_grids.py)."""

from __future__ import annotations

import heapq

import numpy as np

from gridparty.delineation.partition import Graph, _renumber, bounds, score


def grow(
    g: Graph,
    low: int,
    high: int,
    *,
    branch_min: int = 3,
    tries: int = 3,
    max_tries: int = 8,
    max_passes: int = 60,
) -> np.ndarray:
    """Heuristic partition of a connected graph: region labels 0..k-1 per atom.

    Tries ``k`` from ⌈W / high⌉ upwards (while the band allows) and ``tries`` seedings each,
    up to ``max_tries`` while no seeding meets the band; keeps the best by :func:`score`.
    """
    if g.n == 0:
        return np.empty(0, dtype=np.int64)
    total = float(g.w.sum())
    fewest, most = bounds(total, low, high)
    nbrs = g.neighbours()
    if fewest > most or g.w.max() > high:  # the band cannot be met: no extra seedings
        max_tries = tries
    best: tuple[tuple[float, int, float], np.ndarray] | None = None
    for k in range(fewest, max(fewest, min(most, fewest + 2)) + 1):
        k = min(k, g.n)
        for t in range(max(tries, max_tries)):
            if t >= tries and best is not None and best[0][0] == 0:
                break
            labels = _grow_once(g, nbrs, k, t, high)
            labels = _local_search(g, nbrs, labels, low, high, max_passes)
            for _ in range(3):  # spread an excess over the regions, then search again
                if score(g, _renumber(labels), low, high)[0] == 0:
                    break
                labels = _balance(g, nbrs, labels, low, high, max_passes)
                labels = _local_search(g, nbrs, labels, low, high, max_passes)
            labels = _spread_members(g, nbrs, labels, low, high, branch_min)
            labels = _renumber(labels)
            s = score(g, labels, low, high)
            if best is None or s < best[0]:
                best = (s, labels)
            if s[0] == 0 and k == 1:
                break
        if best is not None and best[0][0] == 0:
            break
    assert best is not None
    return best[1]


def _seeds(g: Graph, k: int, turn: int) -> list[int]:
    xy = g.xy
    centre = np.average(xy, axis=0, weights=np.maximum(g.w, 1))
    d = np.hypot(*(xy - centre).T)
    order = np.argsort(-d, kind="stable")
    seeds = [int(order[min(turn, g.n - 1)])]
    near = np.hypot(*(xy - xy[seeds[0]]).T)
    while len(seeds) < k:
        nxt = int(np.argmax(near))
        seeds.append(nxt)
        near = np.minimum(near, np.hypot(*(xy - xy[nxt]).T))
    return seeds


def _grow_once(g: Graph, nbrs: list[dict[int, float]], k: int, turn: int, high: int) -> np.ndarray:
    labels = np.full(g.n, -1, dtype=np.int64)
    seeds = _seeds(g, k, turn)
    weight = np.zeros(k)
    target = float(g.w.sum()) / k
    heaps: list[list[tuple[float, int]]] = [[] for _ in range(k)]
    for r, s in enumerate(seeds):
        labels[s] = r
        weight[r] += g.w[s]
    for r, s in enumerate(seeds):
        for j in nbrs[s]:
            heapq.heappush(heaps[r], (_cost(g, seeds[r], j), j))
    active = set(range(k))
    while active:
        r = min(active, key=lambda q: (weight[q] >= target, weight[q]))
        while heaps[r] and labels[heaps[r][0][1]] >= 0:
            heapq.heappop(heaps[r])
        if not heaps[r]:
            active.discard(r)
            continue
        _, a = heapq.heappop(heaps[r])
        if weight[r] + g.w[a] > high and weight[r] > 0 and len(active) > 1:
            active.discard(r)
            heapq.heappush(heaps[r], (0.0, a))
            continue
        labels[a] = r
        weight[r] += g.w[a]
        for j in nbrs[a]:
            if labels[j] < 0:
                heapq.heappush(heaps[r], (_cost(g, seeds[r], j), j))
    _fill(g, nbrs, labels, weight)
    return labels


def _cost(g: Graph, seed: int, atom: int) -> float:
    return float(np.hypot(*(g.xy[atom] - g.xy[seed])))


def _fill(g: Graph, nbrs: list[dict[int, float]], labels: np.ndarray, weight: np.ndarray) -> None:
    """Give atoms left over (regions closed at the top of the band) to the lightest neighbour."""
    left = set(np.flatnonzero(labels < 0).tolist())
    while left:
        progress = False
        for a in sorted(left):
            options = [labels[j] for j in nbrs[a] if labels[j] >= 0]
            if options:
                r = min(options, key=lambda q: weight[q])
                labels[a] = r
                weight[r] += g.w[a]
                left.discard(a)
                progress = True
        if not progress:  # a part cut off from every seed: its own region
            a = min(left)
            labels[a] = labels.max() + 1
            weight.resize(labels.max() + 1, refcheck=False)
            weight[labels[a]] = g.w[a]
            left.discard(a)


def _off_band(weight: float, low: int, high: int) -> float:
    """Households of one region outside the band (a scalar :func:`violation`)."""
    return low - weight if weight < low else weight - high if weight > high else 0.0


def _connected_without(
    nbrs: list[dict[int, float]], labels: list[int], r: int, a: int, size: int
) -> bool:
    """Whether region ``r`` (``size`` atoms, ``a`` among them) stays connected without ``a``:
    a search from one of ``a``'s neighbours in ``r`` reaches the other ``size - 1`` atoms."""
    start = next((j for j in nbrs[a] if labels[j] == r), None)
    if start is None:
        return False
    seen = {start}
    stack = [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y != a and y not in seen and labels[y] == r:
                seen.add(y)
                stack.append(y)
    return len(seen) == size - 1


def _moves(nbrs: list[dict[int, float]], labels: list[int]):
    for a in range(len(labels)):
        r = labels[a]
        gain: dict[int, float] = {}
        inside = 0.0
        for j, c in nbrs[a].items():
            s = labels[j]
            if s != r:
                gain[s] = gain.get(s, 0.0) + c
            else:
                inside += c
        for s, c in gain.items():
            yield a, r, s, c - inside


def _move(
    lab: list[int], weight: list[float], count: list[int], a: int, r: int, s: int, wa: float
) -> None:
    """Move atom ``a`` (weight ``wa``) from region ``r`` to ``s``, keeping the tallies."""
    lab[a] = s
    weight[r] -= wa
    weight[s] += wa
    count[r] -= 1
    count[s] += 1


def _local_search(
    g: Graph,
    nbrs: list[dict[int, float]],
    labels: np.ndarray,
    low: int,
    high: int,
    max_passes: int,
) -> np.ndarray:
    """Move boundary atoms between regions while the band violation falls, then while the
    cut falls at no band cost; every region stays connected and non-empty."""
    lab = labels.tolist()
    w = g.w.tolist()
    weight = np.bincount(labels, weights=g.w).astype(float).tolist()
    count = np.bincount(labels).tolist()
    for _ in range(max_passes):
        moved = False
        for a, r, s, cut_gain in list(_moves(nbrs, lab)):
            if lab[a] != r:
                continue
            wa = w[a]
            before = _off_band(weight[r], low, high) + _off_band(weight[s], low, high)
            after = _off_band(weight[s] + wa, low, high)
            if count[r] > 1:  # a region left empty disappears (one grid fewer)
                after += _off_band(weight[r] - wa, low, high)
            better = after < before or (after == before and cut_gain > 1e-9)
            if better and (count[r] == 1 or _connected_without(nbrs, lab, r, a, count[r])):
                _move(lab, weight, count, a, r, s, wa)
                moved = True
        if not moved:
            break
    return np.asarray(lab, dtype=np.int64)


def _balance(
    g: Graph,
    nbrs: list[dict[int, float]],
    labels: np.ndarray,
    low: int,
    high: int,
    max_passes: int,
) -> np.ndarray:
    """Move boundary atoms from heavier to lighter regions while the band violation does not
    grow (each move lowers Σ weight², so it ends): an excess a single move cannot cure flows
    through the regions between toward one with room."""
    lab = labels.tolist()
    w = g.w.tolist()
    weight = np.bincount(labels, weights=g.w).astype(float).tolist()
    count = np.bincount(labels).tolist()
    for _ in range(max_passes):
        moved = False
        for a, r, s, _ in list(_moves(nbrs, lab)):
            wa = w[a]
            if lab[a] != r or count[r] == 1 or not 0 < wa < weight[r] - weight[s]:
                continue
            before = _off_band(weight[r], low, high) + _off_band(weight[s], low, high)
            after = _off_band(weight[r] - wa, low, high) + _off_band(weight[s] + wa, low, high)
            if after <= before and _connected_without(nbrs, lab, r, a, count[r]):
                _move(lab, weight, count, a, r, s, wa)
                moved = True
        if not moved:
            break
    return np.asarray(lab, dtype=np.int64)


def _spread_members(
    g: Graph,
    nbrs: list[dict[int, float]],
    labels: np.ndarray,
    low: int,
    high: int,
    branch_min: int,
) -> np.ndarray:
    """Move boundary atoms that give a region its ``branch_min``-th formal member, when the
    donor keeps enough and no household leaves the band."""
    lab = labels.tolist()
    w, members = g.w.tolist(), g.members.tolist()
    weight = np.bincount(labels, weights=g.w).astype(float).tolist()
    formal = np.bincount(labels, weights=g.members, minlength=len(weight)).astype(float).tolist()
    count = np.bincount(labels).tolist()
    for a, r, s, _ in list(_moves(nbrs, lab)):
        if lab[a] != r or members[a] <= 0:
            continue
        if formal[s] >= branch_min or formal[s] + members[a] < branch_min:
            continue
        if formal[r] >= branch_min and formal[r] - members[a] < branch_min:
            continue
        wa = w[a]
        if _off_band(weight[r] - wa, low, high) + _off_band(weight[s] + wa, low, high) > _off_band(
            weight[r], low, high
        ) + _off_band(weight[s], low, high):
            continue
        if _connected_without(nbrs, lab, r, a, count[r]):
            _move(lab, weight, count, a, r, s, wa)
            formal[r] -= members[a]
            formal[s] += members[a]
    return np.asarray(lab, dtype=np.int64)
