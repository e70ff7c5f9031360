"""Tests for gridparty.spatial.projection: the unit–unit projection of a membership (incidence) matrix.

Small incidence matrices are written out by hand; random ones are checked against networkx
(the projection built link by link and ``networkx.betweenness_centrality``); the sample city's
alliance memberships are the realistic case.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse

from gridparty.datasets.sample import sample_layer
from gridparty.spatial import projection as _projection
from gridparty.spatial.projection import Projection

# units 0..3; group g0 = {0, 1, 2}, g1 = {1, 2}, g2 = {3}
TRIANGLE = np.array([[1, 0, 0], [1, 1, 0], [1, 1, 0], [0, 0, 1]])
# units 0..3 on a path: groups {0, 1}, {1, 2}, {2, 3}
PATH = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1]])


def _reference_graph(incidence: np.ndarray) -> nx.Graph:
    """The projection built pair by pair, as networkx users would."""
    graph = nx.Graph()
    graph.add_nodes_from(range(incidence.shape[0]))
    for group in incidence.T:
        members = np.flatnonzero(group).tolist()
        graph.add_edges_from((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return graph


def test_links_count_the_shared_groups() -> None:
    p = Projection(sparse.csr_array(TRIANGLE))
    assert p.size == 4
    assert p.links.toarray().tolist() == [
        [0, 1, 1, 0],
        [1, 0, 2, 0],
        [1, 2, 0, 0],
        [0, 0, 0, 0],
    ]
    assert p.degree.tolist() == [2, 2, 2, 0]


def test_adjacent_is_the_zero_one_adjacency_times_the_block() -> None:
    p = Projection(sparse.csr_array(TRIANGLE))
    assert p.adjacent(np.eye(4)).tolist() == [
        [0, 1, 1, 0],
        [1, 0, 1, 0],
        [1, 1, 0, 0],
        [0, 0, 0, 0],
    ]  # units 1 and 2 share two groups but are linked once
    assert p.adjacent(np.array([[1.0], [10.0], [100.0], [1000.0]])).ravel().tolist() == [
        110,
        101,
        11,
        0,
    ]


def test_betweenness_of_a_path_and_a_star() -> None:
    assert Projection(sparse.csr_array(PATH)).betweenness() == pytest.approx([0, 2 / 3, 2 / 3, 0])
    # unit 0 is in every group {0, k}: the centre of a star of 4 leaves
    star = np.zeros((5, 4))
    star[0, :] = 1
    star[np.arange(1, 5), np.arange(4)] = 1
    assert Projection(sparse.csr_array(star)).betweenness() == pytest.approx([1, 0, 0, 0, 0])
    # a triangle plus a lone unit: no one lies between others
    assert Projection(sparse.csr_array(TRIANGLE)).betweenness().tolist() == [0, 0, 0, 0]


def test_two_units_or_fewer_have_zero_betweenness() -> None:
    for incidence in (np.zeros((0, 2)), np.ones((1, 1)), np.ones((2, 1))):
        out = Projection(sparse.csr_array(incidence)).betweenness()
        assert out.tolist() == [0.0] * incidence.shape[0]


def test_units_without_groups_are_isolated() -> None:
    incidence = np.array([[0, 0], [1, 1], [1, 0], [0, 0]])
    p = Projection(sparse.csr_array(incidence))
    assert p.degree.tolist() == [0, 1, 1, 0]
    assert p.adjacent(np.ones((4, 1))).ravel().tolist() == [0, 1, 1, 0]
    assert p.links.nnz == 2


def test_the_incidence_matrix_is_not_changed() -> None:
    incidence = sparse.csr_array(TRIANGLE.astype(float))
    before = incidence.copy()
    p = Projection(incidence)
    p.betweenness()
    assert (incidence != before).nnz == 0
    assert incidence.dtype == before.dtype


def test_batches_of_one_source_give_the_same_betweenness(monkeypatch: pytest.MonkeyPatch) -> None:
    incidence = sparse.csr_array(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 1], [0, 0, 1], [0, 1, 0]]))
    whole = Projection(incidence).betweenness()
    monkeypatch.setattr(_projection, "_BLOCK_BYTES", 8.0)  # one source per block
    assert Projection(incidence).betweenness() == pytest.approx(whole)
    assert whole == pytest.approx([0, 0.5, 0.5, 0, 0])


incidences = st.integers(0, 9).flatmap(
    lambda n: st.integers(0, 5).flatmap(
        lambda g: hnp.arrays(np.int8, (n, g), elements=st.sampled_from([0, 0, 1]))
    )
)


@settings(max_examples=60, deadline=None)
@given(incidences)
def test_projection_matches_networkx(incidence: np.ndarray) -> None:
    p = Projection(sparse.csr_array(incidence))
    graph = _reference_graph(incidence)
    n = incidence.shape[0]
    shared = incidence.astype(int) @ incidence.T.astype(int)
    np.fill_diagonal(shared, 0)
    assert np.array_equal(p.links.toarray().reshape(n, n), shared)
    assert p.degree.tolist() == [graph.degree(i) for i in range(n)]
    block = np.arange(n * 2, dtype=float).reshape(n, 2)
    assert np.allclose(p.adjacent(block), nx.to_numpy_array(graph, nodelist=range(n)) @ block)
    reference = nx.betweenness_centrality(graph)
    assert p.betweenness() == pytest.approx([reference[i] for i in range(n)], abs=1e-12)


def test_sample_alliances_projection_matches_networkx() -> None:
    """The sample city's 70 units in 8 alliances (membership M096 names no unit: left out)."""
    units = sample_layer("units").index
    memberships = sample_layer("memberships")
    alliances = sample_layer("alliances").index
    valid = memberships[memberships["unit_id"].isin(units)]
    assert len(memberships) - len(valid) == 1
    incidence = sparse.csr_array(
        (
            np.ones(len(valid)),
            (units.get_indexer(valid["unit_id"]), alliances.get_indexer(valid["alliance_id"])),
        ),
        shape=(len(units), len(alliances)),
    )
    p = Projection(incidence)
    graph = _reference_graph(incidence.toarray())
    assert p.size == 70
    assert p.links.nnz == 2 * graph.number_of_edges()
    assert p.degree.tolist() == [graph.degree(i) for i in range(70)]
    reference = nx.betweenness_centrality(graph)
    assert p.betweenness() == pytest.approx([reference[i] for i in range(70)], abs=1e-12)
