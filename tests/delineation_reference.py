"""One seeding of the grid heuristic in plain Python (dicts and heapq), as it was written
before its loops moved to :mod:`gridparty.delineation.kernels`: the reference the compiled
:func:`~gridparty.delineation.kernels.attempt` must match label for label."""

from __future__ import annotations

import heapq

import numpy as np

from gridparty.delineation.partition import Graph, _renumber, score

LOCAL_SEARCH, BALANCE, SPREAD_MEMBERS = "local search", "balance", "spread members"


def attempt(
    g: Graph, k: int, turn: int, low: int, high: int, branch_min: int = 3, max_passes: int = 60
) -> np.ndarray:
    """Labels 0..k'-1 of one seeding (see :func:`gridparty.delineation.kernels.attempt`)."""
    nbrs = g.neighbours()
    labels = _grow_once(g, nbrs, _seeds(g, k, turn), high)
    labels = _improve(LOCAL_SEARCH, g, nbrs, labels, low, high, branch_min, max_passes)
    for _ in range(3):
        if score(g, _renumber(labels), low, high)[0] == 0:
            break
        labels = _improve(BALANCE, g, nbrs, labels, low, high, branch_min, max_passes)
        labels = _improve(LOCAL_SEARCH, g, nbrs, labels, low, high, branch_min, max_passes)
    return _renumber(_improve(SPREAD_MEMBERS, g, nbrs, labels, low, high, branch_min, 1))


def _seeds(g: Graph, k: int, turn: int) -> list[int]:
    centre = np.average(g.xy, axis=0, weights=np.maximum(g.w, 1))
    order = np.argsort(-np.hypot(*(g.xy - centre).T), kind="stable")
    seeds = [int(order[min(turn, g.n - 1)])]
    near = np.hypot(*(g.xy - g.xy[seeds[0]]).T)
    while len(seeds) < k:
        seeds.append(int(np.argmax(near)))
        near = np.minimum(near, np.hypot(*(g.xy - g.xy[seeds[-1]]).T))
    return seeds


def _grow_once(g: Graph, nbrs: list[dict[int, float]], seeds: list[int], high: int) -> np.ndarray:
    k = len(seeds)
    labels = np.full(g.n, -1, dtype=np.int64)
    weight = np.zeros(k)
    target = float(g.w.sum()) / k
    heaps: list[list[tuple[float, int]]] = [[] for _ in range(k)]

    def push(r: int, j: int) -> None:
        heapq.heappush(heaps[r], (float(np.hypot(*(g.xy[j] - g.xy[seeds[r]]))), j))

    for r, s in enumerate(seeds):
        labels[s] = r
        weight[r] += g.w[s]
    for r, s in enumerate(seeds):
        for j in nbrs[s]:
            push(r, j)
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
                push(r, j)
    weights = list(weight)
    left = sorted(np.flatnonzero(labels < 0).tolist())
    while left:  # leftovers join their lightest neighbour; a cut-off part is a region
        progress = False
        for a in left:
            options = [labels[j] for j in nbrs[a] if labels[j] >= 0]
            if options:
                r = min(options, key=lambda q: weights[q])
                labels[a] = r
                weights[r] += g.w[a]
                progress = True
        if not progress:
            labels[left[0]] = len(weights)
            weights.append(g.w[left[0]])
        left = [a for a in left if labels[a] < 0]
    return labels


def _off(weight: float, low: int, high: int) -> float:
    return low - weight if weight < low else weight - high if weight > high else 0.0


def _connected_without(
    nbrs: list[dict[int, float]], lab: list[int], r: int, a: int, size: int
) -> bool:
    start = next((j for j in nbrs[a] if lab[j] == r), None)
    if start is None:
        return False
    seen, stack = {start}, [start]
    while stack:
        for y in nbrs[stack.pop()]:
            if y != a and y not in seen and lab[y] == r:
                seen.add(y)
                stack.append(y)
    return len(seen) == size - 1


def _improve(
    mode: str,
    g: Graph,
    nbrs: list[dict[int, float]],
    labels: np.ndarray,
    low: int,
    high: int,
    branch_min: int,
    passes: int,
) -> np.ndarray:
    lab = labels.tolist()
    w, members = g.w.tolist(), g.members.tolist()
    weight = np.bincount(labels, weights=g.w).astype(float).tolist()
    formal = np.bincount(labels, weights=g.members, minlength=len(weight)).tolist()
    count = np.bincount(labels).tolist()
    for _ in range(passes):
        moves = []  # the moves of the labelling at the start of the pass
        for a in range(len(lab)):
            gain: dict[int, float] = {}
            inside = 0.0
            for j, c in nbrs[a].items():
                if lab[j] != lab[a]:
                    gain[lab[j]] = gain.get(lab[j], 0.0) + c
                else:
                    inside += c
            moves += [(a, lab[a], s, c - inside) for s, c in gain.items()]
        moved = False
        for a, r, s, cut_gain in moves:
            wa, ma = w[a], members[a]
            if lab[a] != r:
                continue
            before = _off(weight[r], low, high) + _off(weight[s], low, high)
            if mode == LOCAL_SEARCH:
                after = _off(weight[s] + wa, low, high)
                if count[r] > 1:
                    after += _off(weight[r] - wa, low, high)
                if not (after < before or (after == before and cut_gain > 1e-9)):
                    continue
            elif mode == BALANCE:
                if count[r] == 1 or not 0 < wa < weight[r] - weight[s]:
                    continue
                if _off(weight[r] - wa, low, high) + _off(weight[s] + wa, low, high) > before:
                    continue
            else:
                if ma <= 0 or formal[s] >= branch_min or formal[s] + ma < branch_min:
                    continue
                if formal[r] >= branch_min and formal[r] - ma < branch_min:
                    continue
                if _off(weight[r] - wa, low, high) + _off(weight[s] + wa, low, high) > before:
                    continue
            if (mode != LOCAL_SEARCH or count[r] > 1) and not _connected_without(
                nbrs, lab, r, a, count[r]
            ):
                continue
            lab[a] = s
            weight[r] -= wa
            weight[s] += wa
            formal[r] -= ma
            formal[s] += ma
            count[r] -= 1
            count[s] += 1
            moved = True
        if not moved:
            break
    return np.asarray(lab, dtype=np.int64)
