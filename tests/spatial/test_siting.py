"""Tests for gridparty.spatial.siting: maximal coverage (MCLP) and set covering (LSCP) on arrays."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import sparse

from gridparty.core.errors import InputError
from gridparty.spatial.siting import Siting, coverage_matrix, max_coverage, set_cover

# Rows 0..5, three sites: A covers 0-3, B covers 0, 2, 4, C covers 1, 3, 5.
# Greedy takes A first (4 rows) and ends with 5 rows for k=2, or 3 sites to cover all;
# B + C cover all 6 rows.
TRAP = np.array(
    [
        [1, 1, 0],
        [1, 0, 1],
        [1, 1, 0],
        [1, 0, 1],
        [0, 1, 0],
        [0, 0, 1],
    ],
    dtype=bool,
)

# Distances in metres: 4 organisations × 3 candidate sites; NaN = unreachable.
COSTS = np.array(
    [
        [100.0, 900.0, np.nan],
        [400.0, 600.0, 2000.0],
        [1500.0, 450.0, 800.0],
        [np.nan, 3000.0, 2500.0],
    ]
)


def test_greedy_falls_into_the_trap_and_exact_does_not() -> None:
    greedy = max_coverage(TRAP, 2, solver="greedy")
    exact = max_coverage(TRAP, 2, solver="exact")
    assert greedy.chosen.tolist() == [0, 1]
    assert greedy.covered_weight == 5.0
    assert not greedy.optimal
    assert exact.chosen.tolist() == [1, 2]
    assert exact.covered_weight == 6.0
    assert exact.coverage == 1.0
    assert exact.optimal
    assert exact.solver == "exact"
    assert exact.method == "spopt MCLP, CBC (exact)"


def test_set_cover_trap() -> None:
    greedy = set_cover(TRAP, solver="greedy")
    exact = set_cover(TRAP, solver="exact")
    assert greedy.chosen.tolist() == [0, 1, 2]
    assert not greedy.optimal
    assert exact.chosen.tolist() == [1, 2]
    assert exact.optimal
    assert exact.covered.all()
    assert exact.problem == "lscp"


def test_weights_change_the_choice() -> None:
    # Row 4 weighs 10: B (rows 0, 2, 4 → 12) beats A (rows 0-3 → 4).
    weights = np.array([1, 1, 1, 1, 10, 0])
    for solver in ("exact", "greedy"):
        result = max_coverage(TRAP, 1, weights=weights, solver=solver)
        assert result.chosen.tolist() == [1]
        assert result.covered_weight == 12.0
        assert result.total_weight == 14.0


def test_cost_matrix_with_max_cost_in_metres() -> None:
    cov = coverage_matrix(COSTS, 500.0)
    assert cov.toarray().tolist() == [
        [True, False, False],
        [True, False, False],
        [False, True, False],
        [False, False, False],
    ]
    for solver in ("exact", "greedy"):
        result = max_coverage(COSTS, 1, max_cost=1000.0, solver=solver)
        # Site 0 covers rows 0, 1; site 1 rows 0, 1, 2; site 2 row 2.
        assert result.chosen.tolist() == [1]
        assert result.covered.tolist() == [True, True, True, False]
        assert result.coverable.tolist() == [True, True, True, False]
        assert result.optimal  # every coverable row is covered
    cover = set_cover(COSTS, max_cost=500.0, solver="exact")
    assert cover.chosen.tolist() == [0, 1]
    assert cover.summary().loc["n_uncoverable", "value"] == 1


def test_sparse_coverage_gives_the_same_answer() -> None:
    dense = max_coverage(TRAP, 2, solver="greedy")
    sparse_result = max_coverage(sparse.csr_array(TRAP), 2, solver="greedy")
    assert sparse_result.chosen.tolist() == dense.chosen.tolist()
    assert set_cover(sparse.coo_array(TRAP), solver="exact").chosen.tolist() == [1, 2]


def test_fixed_sites_count_towards_k() -> None:
    for solver in ("exact", "greedy"):
        result = max_coverage(TRAP, 2, fixed=[0], solver=solver)
        assert result.chosen[0] == 0
        assert len(result.chosen) == 2
        assert result.covered_weight == 5.0
    cover = set_cover(TRAP, fixed=[0], solver="exact")
    assert cover.chosen.tolist() == [0, 1, 2]


def test_k_above_the_useful_sites_is_padded_with_earliest_columns() -> None:
    coverage = np.array([[False, True, False, False]])
    for solver in ("exact", "greedy"):
        result = max_coverage(coverage, 3, solver=solver)
        assert result.chosen.tolist() == [1, 0, 2]
        assert result.coverage == 1.0
        assert result.optimal


def test_nothing_coverable() -> None:
    coverage = np.zeros((3, 2), dtype=bool)
    result = max_coverage(coverage, 1)
    assert result.covered_weight == 0.0
    assert result.chosen.tolist() == [0]
    cover = set_cover(coverage)
    assert len(cover.chosen) == 0
    assert cover.summary().loc["n_uncoverable", "value"] == 3


def test_auto_picks_exact_for_small_problems() -> None:
    assert max_coverage(TRAP, 2).solver == "exact"
    assert set_cover(TRAP).solver == "exact"


def test_summary_and_types() -> None:
    result = max_coverage(TRAP, 2, solver="exact")
    assert isinstance(result, Siting)
    summary = result.summary()["value"]
    assert summary["n_sites"] == 2
    assert summary["n_covered"] == 6
    assert summary["coverage"] == 1.0
    assert result.chosen.dtype == np.int64
    assert result.seconds >= 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 4}, r"k=4 is larger than the 3 candidate"),
        ({"k": 0}, r"k=0 must be >= 1"),
        ({"k": 1.5}, r"k=1.5 must be a whole number"),
        ({"k": 1, "fixed": [0, 1]}, r"k=1 must be >= 1 and >= the 2 fixed"),
        ({"k": 1, "fixed": [5]}, r"fixed holds positions \[5\]"),
        ({"k": 1, "weights": [1, 2]}, r"weights has shape \(2,\)"),
        ({"k": 1, "weights": [1, 1, 1, 1, -1, 1]}, r"weights must be finite and >= 0"),
        ({"k": 1, "solver": "fast"}, r"solver='fast' is not one of"),
        ({"k": 1, "max_cost": 3.0}, r"max_cost=3.0 was given but matrix is boolean"),
        ({"k": 1, "time_limit_s": 0, "solver": "exact"}, r"time_limit_s=0 must be > 0"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        max_coverage(TRAP, **kwargs)


def test_bad_matrices() -> None:
    with pytest.raises(InputError, match="matrix holds costs but max_cost is None"):
        max_coverage(COSTS, 1)
    with pytest.raises(InputError, match=r"max_cost=-1\.0 must be a finite number"):
        set_cover(COSTS, max_cost=-1.0)
    with pytest.raises(InputError, match="matrix must be 2-d"):
        set_cover(np.ones(3, dtype=bool))
    with pytest.raises(InputError, match="no candidate sites"):
        set_cover(np.zeros((3, 0), dtype=bool))
    with pytest.raises(InputError, match="sparse float64 matrix"):
        set_cover(sparse.csr_array(COSTS), max_cost=1.0)
    with pytest.raises(InputError, match="booleans or numbers"):
        set_cover(np.array([["a"]]), max_cost=1.0)


def test_inputs_are_not_modified() -> None:
    costs = COSTS.copy()
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    max_coverage(costs, 1, max_cost=1000.0, weights=weights, solver="greedy")
    assert np.array_equal(costs, COSTS, equal_nan=True)
    assert weights.tolist() == [1.0, 2.0, 3.0, 4.0]


# -- properties on small random cases ------------------------------------------------------------

_cases = st.integers(1, 6).flatmap(
    lambda m: st.tuples(
        arrays(bool, st.tuples(st.integers(1, 9), st.just(m))),
        st.integers(1, m),
    )
)


def _brute_force_mclp(coverage: np.ndarray, weights: np.ndarray, k: int) -> float:
    best = 0.0
    for combo in itertools.combinations(range(coverage.shape[1]), k):
        best = max(best, float(weights[coverage[:, list(combo)].any(axis=1)].sum()))
    return best


@settings(max_examples=40, deadline=None)
@given(_cases, st.data())
def test_exact_mclp_matches_brute_force_and_greedy_is_within_bound(case, data) -> None:
    coverage, k = case
    weights = data.draw(arrays(np.int64, coverage.shape[0], elements=st.integers(0, 5)))
    best = _brute_force_mclp(coverage, weights.astype(float), k)
    exact = max_coverage(coverage, k, weights=weights, solver="exact")
    greedy = max_coverage(coverage, k, weights=weights, solver="greedy")
    assert exact.covered_weight == pytest.approx(best)
    assert len(exact.chosen) == len(set(exact.chosen.tolist())) == k
    assert exact.optimal
    assert greedy.covered_weight >= (1 - 1 / math.e) * best - 1e-9
    assert len(greedy.chosen) == k


@settings(max_examples=30, deadline=None)
@given(_cases)
def test_exact_lscp_matches_brute_force(case) -> None:
    coverage, _ = case
    coverable = coverage.any(axis=1)
    smallest = next(
        size
        for size in range(coverage.shape[1] + 1)
        for combo in itertools.combinations(range(coverage.shape[1]), size)
        if (coverage[:, list(combo)].any(axis=1) == coverable).all()
    )
    exact = set_cover(coverage, solver="exact")
    greedy = set_cover(coverage, solver="greedy")
    assert len(exact.chosen) == smallest
    assert (exact.covered == coverable).all()
    assert (greedy.covered == coverable).all()
    assert len(greedy.chosen) >= smallest


def test_auto_falls_back_to_greedy_when_cbc_finds_nothing(monkeypatch) -> None:
    from gridparty.spatial import siting

    def no_solution(*args: object) -> None:
        raise siting.NoSolutionError("CBC found no solution within time_limit_s=1")

    monkeypatch.setattr(siting, "_mclp_exact", no_solution)
    monkeypatch.setattr(siting, "_lscp_exact", no_solution)
    assert max_coverage(TRAP, 2).solver == "greedy"
    assert set_cover(TRAP).chosen.tolist() == [0, 1, 2]
    with pytest.raises(siting.NoSolutionError, match="time_limit_s=1"):
        max_coverage(TRAP, 2, solver="exact")
    with pytest.raises(siting.NoSolutionError):
        set_cover(TRAP, solver="exact")


def test_no_solution_error_is_a_gridparty_error() -> None:
    from gridparty.core import errors
    from gridparty.spatial import siting

    assert siting.NoSolutionError is errors.NoSolutionError
    assert "NoSolutionError" in errors.__all__
    assert issubclass(errors.NoSolutionError, errors.GridpartyError)
    assert issubclass(errors.NoSolutionError, RuntimeError)


def test_time_limit_keeps_a_solution() -> None:
    result = max_coverage(TRAP, 2, solver="exact", time_limit_s=5)
    assert result.covered_weight == 6.0


# -- blocked rows (a flagship does not mentor its own community) ---------------------------------

# Two sites reaching each other's blocked row: 0 is site 0's own, 1 is site 1's own.
MUTUAL = np.array([[True, True], [True, True], [False, True]])
MUTUAL_BLOCKED = np.array([0, 1, -1])


def test_blocked_rows_are_lost_when_their_site_opens() -> None:
    for solver in ("exact", "greedy"):
        one = max_coverage(MUTUAL, 1, blocked_by=MUTUAL_BLOCKED, solver=solver)
        assert one.chosen.tolist() == [1]  # rows 0 and 2; site 0 would cover row 1 only
        assert one.covered.tolist() == [True, False, True]
        assert one.coverable.tolist() == [True, True, True]
        both = max_coverage(MUTUAL, 2, blocked_by=MUTUAL_BLOCKED, solver=solver)
        assert both.covered.tolist() == [False, False, True]  # k=2 asked for: both own rows lost
        cover = set_cover(MUTUAL, blocked_by=MUTUAL_BLOCKED, solver=solver)
        assert cover.chosen.tolist() == [1]  # the most rows together (2 of 3), fewest sites
        assert cover.covered.tolist() == [True, False, True]
    assert set_cover(MUTUAL, blocked_by=MUTUAL_BLOCKED, solver="exact").method == (
        "PuLP LSCP with blocked rows, CBC (exact)"
    )
    unblocked = max_coverage(MUTUAL, 1, blocked_by=[-1, -1, -1], solver="exact")
    assert unblocked.method == "spopt MCLP, CBC (exact)"  # nothing blocked: the usual path


def test_blocked_rows_with_fixed_sites_and_padding() -> None:
    fixed = max_coverage(MUTUAL, 1, blocked_by=MUTUAL_BLOCKED, fixed=[0], solver="exact")
    assert fixed.chosen.tolist() == [0]
    assert fixed.covered.tolist() == [False, True, False]
    # Column 2 covers nothing and blocks nothing: it pads k=2 without losing row 0 or 1.
    wide = np.column_stack([MUTUAL, np.zeros(3, dtype=bool)])
    for solver in ("exact", "greedy"):
        padded = max_coverage(wide, 2, blocked_by=MUTUAL_BLOCKED, solver=solver)
        assert sorted(padded.chosen.tolist()) == [1, 2]
        assert padded.covered_weight == 2.0


@pytest.mark.parametrize(
    ("blocked_by", "match"),
    [
        ([0, 1], r"blocked_by has shape \(2,\); it needs one column position"),
        ([0.5, 1, -1], r"blocked_by must hold column positions"),
        ([0, 2, -2], r"blocked_by holds positions \[2, -2\] outside -1\.\.1"),
    ],
)
def test_bad_blocked_by(blocked_by: list, match: str) -> None:
    with pytest.raises(InputError, match=match):
        max_coverage(MUTUAL, 1, blocked_by=blocked_by)
    with pytest.raises(InputError, match=match):
        set_cover(MUTUAL, blocked_by=blocked_by)


def _blocked_value(coverage: np.ndarray, blocked: np.ndarray, w: np.ndarray, combo: tuple) -> float:
    opened = np.zeros(coverage.shape[1], dtype=bool)
    opened[list(combo)] = True
    own = np.zeros_like(coverage)
    own[np.flatnonzero(blocked >= 0), blocked[blocked >= 0]] = True
    hit = (coverage & ~own)[:, opened].any(axis=1)
    shut = (blocked >= 0) & opened[np.maximum(blocked, 0)]
    return float(w[hit & ~shut].sum())


@settings(max_examples=40, deadline=None)
@given(_cases, st.data())
def test_blocked_exact_matches_brute_force(case, data) -> None:
    coverage, k = case
    n, m = coverage.shape
    blocked = data.draw(arrays(np.int64, n, elements=st.integers(-1, m - 1)))
    weights = data.draw(arrays(np.int64, n, elements=st.integers(0, 5))).astype(float)
    best = max(
        _blocked_value(coverage, blocked, weights, c) for c in itertools.combinations(range(m), k)
    )
    for solver in ("exact", "greedy"):
        found = max_coverage(coverage, k, weights=weights, blocked_by=blocked, solver=solver)
        assert len(found.chosen) == len(set(found.chosen.tolist())) == k
        value = _blocked_value(coverage, blocked, weights, tuple(found.chosen))
        assert found.covered_weight == pytest.approx(value)
        assert value <= best + 1e-9
        if solver == "exact":
            assert value == pytest.approx(best)
            assert found.optimal
    ones = np.ones(n)
    combos = [c for r in range(m + 1) for c in itertools.combinations(range(m), r)]
    most = max(_blocked_value(coverage, blocked, ones, c) for c in combos)
    fewest = min(len(c) for c in combos if _blocked_value(coverage, blocked, ones, c) == most)
    cover = set_cover(coverage, blocked_by=blocked, solver="exact")
    assert cover.covered.sum() == most
    assert len(cover.chosen) == fewest
