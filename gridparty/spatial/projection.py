"""The one-mode projection of a membership graph, computed from its sparse incidence matrix.

Units are linked when they share a group (an alliance). The projection of groups with many
members is dense — a group of 200 members alone gives 19,900 links — so networkx's pure-Python
betweenness (Brandes, O(units × links)) takes minutes on a district. Here the projection is
never built link by link: its adjacency acts on a block of vectors as

    A @ F = M @ (Mᵀ @ F) − X @ F

where ``M`` is the units × groups incidence matrix and ``X`` holds, for pairs sharing ``k``
groups, the ``k − 1`` extra paths (and the diagonal), so every product costs about the number
of memberships instead of the number of links. :func:`betweenness` runs Brandes' algorithm
for a batch of sources at once with such products; it equals
``networkx.betweenness_centrality(projection)`` (normalised, unweighted).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["Projection"]

_BLOCK_BYTES = 64e6  # memory of one dense (units × sources) block of float64


class Projection:
    """The unit–unit projection of a units × groups incidence matrix.

    Parameters
    ----------
    incidence : sparse matrix (units, groups)
        1 where a unit belongs to a group (each pair at most once).
    """

    def __init__(self, incidence: sparse.sparray) -> None:
        # scipy-stubs leave out a sparse input together with a dtype; scipy converts it.
        m = sparse.csr_array(incidence, dtype=float)  # type: ignore[call-overload]
        self.m, self.mt = m, m.T.tocsr()
        shared = (m @ self.mt).tocsr()
        groups = np.asarray(m.sum(axis=1)).ravel()
        extra = shared.copy()
        extra.data -= 1.0
        self.extra = (extra + sparse.diags_array((groups > 0).astype(float))).tocsr()
        self.extra.eliminate_zeros()
        links = sparse.csr_array(shared - sparse.diags_array(shared.diagonal()))
        links.eliminate_zeros()
        #: Number of groups each pair of distinct units shares (symmetric, no diagonal).
        self.links = links
        #: Number of other units each unit shares a group with.
        self.degree = np.diff(links.indptr)

    @property
    def size(self) -> int:
        """Number of units."""
        return int(self.m.shape[0])

    def adjacent(self, block: np.ndarray) -> np.ndarray:
        """``A @ block`` for the projection's 0/1 adjacency ``A`` (no self-links)."""
        return np.asarray(self.m @ (self.mt @ block) - self.extra @ block)

    def betweenness(self) -> np.ndarray:
        """Betweenness centrality of every unit, normalised by ``(n - 1)(n - 2)`` like networkx."""
        n = self.size
        total = np.zeros(n)
        if n <= 2:
            return total
        batch = max(1, min(n, int(_BLOCK_BYTES // (8 * n))))
        for start in range(0, n, batch):
            total += self._dependencies(np.arange(start, min(n, start + batch)))
        return total / ((n - 1) * (n - 2))

    def _dependencies(self, sources: np.ndarray) -> np.ndarray:
        """Brandes' dependencies summed over a batch of sources (one column per source)."""
        n, cols = self.size, np.arange(len(sources))
        sigma = np.zeros((n, len(sources)))
        sigma[sources, cols] = 1.0
        dist = np.full((n, len(sources)), -1, dtype=np.int32)
        dist[sources, cols] = 0
        front, depth = sigma.copy(), 0
        while True:
            reached = self.adjacent(front)
            reached[dist >= 0] = 0.0
            new = reached > 0.5  # path counts are whole numbers
            if not new.any():
                break
            depth += 1
            dist[new] = depth
            sigma += np.where(new, reached, 0.0)
            front = np.where(new, reached, 0.0)
        delta = np.zeros_like(sigma)
        safe = np.where(sigma > 0, sigma, 1.0)
        for level in range(depth, 0, -1):
            coef = np.where(dist == level, (1.0 + delta) / safe, 0.0)
            delta += np.where(dist == level - 1, sigma * self.adjacent(coef), 0.0)
        delta[sources, cols] = 0.0
        return np.asarray(delta.sum(axis=1))
