"""Coverage location models on arrays: which columns (sites) to open to cover the rows (demand).

The core works on a matrix whose rows are demand (organisations, compounds …) and whose
columns are candidate sites (communities, posts …), in the manner of spopt's
``from_cost_matrix``:

* a **boolean coverage matrix** (``True`` where a site covers a demand row), dense numpy or
  ``scipy.sparse``; or
* a **cost matrix** (distances in metres, minutes …) with ``max_cost``: a site covers a row
  when ``cost <= max_cost`` (``NaN`` never covers).

Two problems, each with an exact and a greedy solver:

* :func:`max_coverage` — the Maximal Covering Location Problem (MCLP): open ``k`` sites to
  cover the largest total row weight. Exact: spopt ``MCLP.from_cost_matrix`` solved by CBC
  (``pulp.PULP_CBC_CMD``). Greedy: add the site with the largest uncovered weight, ``k``
  times (numpy / scipy.sparse); its coverage is never below (1 − 1/e) ≈ 63 % of the optimum
  (Nemhauser, Wolsey & Fisher 1978).
* :func:`set_cover` — the Location Set Covering Problem (LSCP): the fewest sites that cover
  every coverable row. Exact: spopt ``LSCP.from_cost_matrix`` with CBC. Greedy: add the site
  covering most uncovered rows until all are covered (at most H(n) ≈ ln n + 1 times the optimum,
  Chvátal 1979).

Before the exact solve the problem is reduced without changing its optimum: rows no site
covers, rows of weight 0 and rows already covered by ``fixed`` sites are left out, rows with
the same set of covering sites are merged (their weights summed), and sites covering none of
the remaining rows are left out. Ties: the greedy solver prefers the earlier column, so order
the columns by preference (e.g. by a score) to break ties your way.

**Blocked rows** (``blocked_by=``): a row may name one column whose opening leaves the row
uncovered whatever else covers it — a flagship community mentors its neighbours but never its
own community and grids. Opening a site can then lose rows, so the objective is no longer
monotone: :func:`max_coverage` still opens exactly ``k`` sites, the best ``k`` with the losses
counted; :func:`set_cover` finds the most rows that can be covered together, with the fewest
sites. Exact: a PuLP model (spopt has no such constraint) solved by CBC; greedy: the site with
the largest net gain (rows won minus rows lost), ``k`` times or while it gains.

Both return a :class:`Siting`. Nothing is modified; ``chosen`` are column positions.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd
import pulp
from scipy import sparse

from gridparty.core.errors import InputError, NoSolutionError  # NoSolutionError: re-exported
from gridparty.core.results import figures

__all__ = [
    "AUTO_EXACT_CELLS",
    "AUTO_TIME_LIMIT_S",
    "SOLVERS",
    "NoSolutionError",
    "Siting",
    "cbc_time_limit",
    "coverage_matrix",
    "max_coverage",
    "resolve_solver",
    "set_cover",
]

Solver = Literal["auto", "exact", "greedy"]
SOLVERS: tuple[str, ...] = ("auto", "exact", "greedy")
MatrixInput: TypeAlias = np.ndarray | sparse.sparray | sparse.spmatrix

#: ``solver="auto"`` runs the exact solver when the reduced problem has at most this many
#: cells (distinct demand rows × useful sites), else the greedy one. spopt builds its model
#: cell by cell in Python, about 7 µs per cell (≈ 1.5 s here), and that build, not CBC, is
#: what grows: 3.6 million cells took 25 s to build and 0.5 s to solve
#: (benchmarks/bench_flagship.py).
AUTO_EXACT_CELLS = 200_000

#: ``solver="auto"`` stops CBC after this many seconds (keeping its best answer, marked not
#: optimal) unless ``time_limit_s`` is given: set covering can take CBC very long (5,000 rows ×
#: 1,000 sites: 17 minutes to prove 184 sites against greedy's 234).
AUTO_TIME_LIMIT_S = 60.0


_METHODS = {
    ("mclp", "exact"): "spopt MCLP, CBC (exact)",
    ("mclp", "greedy"): "greedy, numpy",
    ("lscp", "exact"): "spopt LSCP, CBC (exact)",
    ("lscp", "greedy"): "greedy, numpy",
}


@dataclass(frozen=True)
class Siting:
    """The sites a coverage model opened and what they cover.

    Attributes
    ----------
    problem : {"mclp", "lscp"}
        Maximal coverage (``k`` sites) or set covering (fewest sites covering everything).
    solver : {"exact", "greedy"}
        The solver that ran (``solver="auto"`` resolved).
    chosen : numpy.ndarray
        Column positions of the opened sites (int64): ``fixed`` first, then in the order
        greedy picked them, or ascending for the exact solver.
    covered : numpy.ndarray
        Per row: covered by at least one opened site (bool).
    coverable : numpy.ndarray
        Per row: covered by at least one column at all (bool). Rows that are not can never be
        covered; they are not an error.
    weights : numpy.ndarray
        The row weights used (float64; all 1 when none were given).
    optimal : bool
        ``True`` when the answer is proven optimal: the exact solver finished, or every
        coverable weight is covered by ``k`` sites (MCLP).
    seconds : float
        Wall time of the solve, reduction included (seconds).
    blocked : bool
        Rows were blocked (``blocked_by``): the exact solver was a PuLP model, not spopt.
    """

    problem: Literal["mclp", "lscp"]
    solver: Literal["exact", "greedy"]
    chosen: np.ndarray
    covered: np.ndarray
    coverable: np.ndarray
    weights: np.ndarray = field(repr=False)
    optimal: bool
    seconds: float
    blocked: bool = False

    @property
    def method(self) -> str:
        """What solved it, in words (``"spopt MCLP, CBC (exact)"``, ``"greedy, numpy"``)."""
        if self.blocked and self.solver == "exact":
            return f"PuLP {self.problem.upper()} with blocked rows, CBC (exact)"
        return _METHODS[(self.problem, self.solver)]

    @property
    def covered_weight(self) -> float:
        """Total weight of the covered rows."""
        return float(self.weights[self.covered].sum())

    @property
    def total_weight(self) -> float:
        """Total weight of all rows."""
        return float(self.weights.sum())

    @property
    def coverage(self) -> float:
        """Covered weight as a share of the total weight (0–1; 1 when the total is 0)."""
        total = self.total_weight
        return self.covered_weight / total if total > 0 else 1.0

    def summary(self) -> pd.DataFrame:
        """Figures (column ``value``): problem, solver, sites opened, rows and weight covered."""
        return figures(
            {
                "problem": self.problem,
                "solver": self.method,
                "optimal": self.optimal,
                "n_sites": len(self.chosen),
                "n_rows": len(self.covered),
                "n_covered": int(self.covered.sum()),
                "n_uncoverable": int((~self.coverable).sum()),
                "covered_weight": self.covered_weight,
                "total_weight": self.total_weight,
                "coverage": self.coverage,
                "seconds": self.seconds,
            }
        )


# -- inputs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    """A checked input: boolean coverage, and the caller's costs when it gave costs."""

    coverage: sparse.csc_array
    costs: np.ndarray | None
    max_cost: float | None


def coverage_matrix(matrix: MatrixInput, max_cost: float | None = None) -> sparse.csc_array:
    """A boolean coverage matrix (rows = demand, columns = sites) as a sparse CSC array.

    Parameters
    ----------
    matrix : numpy.ndarray or scipy.sparse array
        Boolean coverage (``max_cost`` must be ``None``), or costs (distances in metres,
        minutes …; ``NaN``/``inf`` = unreachable) with ``max_cost``. A sparse cost matrix is
        not accepted: its implicit zeros would read as cost 0.
    max_cost : float, optional
        A site covers a row when ``cost <= max_cost`` (same unit as the costs).

    Returns
    -------
    scipy.sparse.csc_array
        Boolean, shape of ``matrix``.
    """
    return _problem(matrix, max_cost).coverage


def _problem(matrix: MatrixInput, max_cost: float | None) -> _Problem:
    """Check ``matrix``/``max_cost`` and build the coverage."""
    if sparse.issparse(matrix):
        # issparse narrows to an intersection with scipy's private ABC, which loses dtype.
        if max_cost is not None or matrix.dtype != bool:  # type: ignore[union-attr]
            raise InputError(
                f"matrix is a sparse {matrix.dtype} matrix; a sparse matrix must be a boolean "  # type: ignore[union-attr]
                "coverage matrix (pass max_cost=None), or pass costs as a dense numpy array."
            )
        problem = _Problem(sparse.csc_array(matrix, dtype=bool), None, None)
    else:
        arr = np.asarray(matrix)
        if arr.ndim != 2:
            raise InputError(
                f"matrix must be 2-d (rows = demand, columns = sites); got shape {arr.shape}."
            )
        costs = None if arr.dtype == bool else arr
        problem = _Problem(sparse.csc_array(_dense_coverage(arr, max_cost)), costs, max_cost)
    if problem.coverage.shape[1] == 0:
        raise InputError("matrix has no columns: there are no candidate sites to choose from.")
    return problem


def _dense_coverage(arr: np.ndarray, max_cost: float | None) -> np.ndarray:
    """Boolean coverage of a dense boolean or cost matrix."""
    if arr.dtype == bool:
        if max_cost is not None:
            raise InputError(
                f"max_cost={max_cost!r} was given but matrix is boolean coverage; "
                "pass costs with max_cost, or coverage without it."
            )
        return arr
    if not np.issubdtype(arr.dtype, np.number):
        raise InputError(f"matrix must hold booleans or numbers; got dtype {arr.dtype}.")
    if max_cost is None:
        raise InputError(
            "matrix holds costs but max_cost is None; pass max_cost (e.g. the zone radius in "
            "metres), or pass a boolean coverage matrix."
        )
    if not np.isfinite(max_cost) or max_cost < 0:
        raise InputError(f"max_cost={max_cost!r} must be a finite number >= 0.")
    with np.errstate(invalid="ignore"):
        return arr <= max_cost


def _weights(weights: np.ndarray | None, n_rows: int) -> np.ndarray:
    """Row weights as float64, checked."""
    if weights is None:
        return np.ones(n_rows)
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_rows,):
        raise InputError(f"weights has shape {w.shape}; it needs one weight per row ({n_rows},).")
    if not np.isfinite(w).all() or (w < 0).any():
        bad = w[~np.isfinite(w) | (w < 0)][:3]
        raise InputError(f"weights must be finite and >= 0; found {bad.tolist()}.")
    return w


def _fixed(fixed: np.ndarray | list[int] | None, n_cols: int) -> np.ndarray:
    """Column positions that must be opened, unique, in the given order."""
    if fixed is None:
        return np.empty(0, dtype=np.int64)
    arr = np.asarray(fixed).ravel()
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"fixed must hold column positions (integers); got dtype {arr.dtype}.")
    arr = arr.astype(np.int64)
    bad = arr[(arr < 0) | (arr >= n_cols)]
    if bad.size:
        raise InputError(f"fixed holds positions {bad[:5].tolist()} outside 0..{n_cols - 1}.")
    _, first = np.unique(arr, return_index=True)
    return arr[np.sort(first)]


def resolve_solver(solver: str, cells: int) -> Literal["exact", "greedy"]:
    """Resolve ``solver`` ("auto" → exact when the reduced problem is small)."""
    if solver not in SOLVERS:
        raise InputError(f"solver={solver!r} is not one of {SOLVERS}.")
    if solver == "auto":
        return "exact" if cells <= AUTO_EXACT_CELLS else "greedy"
    return solver  # type: ignore[return-value]


# -- reduction ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reduced:
    """A smaller problem with the same optimum: distinct rows × useful columns."""

    coverage: np.ndarray  # dense bool, rows × cols
    weights: np.ndarray  # summed weights of the merged rows
    rows: np.ndarray  # one original row position per merged row
    columns: np.ndarray  # positions in the original matrix

    def spopt_costs(self, problem: _Problem) -> tuple[np.ndarray, float]:
        """The cost matrix and service radius to hand to spopt's ``from_cost_matrix``.

        The caller's own costs (e.g. metres) and ``max_cost`` when it gave costs, else a 0/1
        matrix with radius 0.5 that encodes the boolean coverage exactly.
        """
        if problem.costs is None:
            return np.where(self.coverage, 0.0, 1.0), 0.5
        costs = problem.costs[np.ix_(self.rows, self.columns)]
        return np.where(np.isnan(costs), np.inf, costs), float(problem.max_cost)  # type: ignore[arg-type]


def _reduce(
    cov: sparse.csc_array, weights: np.ndarray, open_rows: np.ndarray, skip: np.ndarray
) -> _Reduced:
    """Keep open positive-weight rows, merge identical rows, keep columns covering any of them."""
    keep_cols = np.setdiff1d(np.arange(cov.shape[1]), skip)
    rows = np.flatnonzero(open_rows & (weights > 0))
    sub = cov[rows][:, keep_cols].toarray()
    if len(rows):
        packed = np.packbits(sub, axis=1)  # 8 columns per byte: unique rows 10x faster
        _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
        sub = sub[first]
        merged: np.ndarray = np.bincount(inverse.ravel(), weights=weights[rows], minlength=len(sub))
        rows = rows[first]
    else:
        merged = np.zeros(0)
    useful = sub.any(axis=0)
    return _Reduced(sub[:, useful], merged, rows, keep_cols[useful])


def _cbc(time_limit_s: float | None) -> pulp.LpSolver:
    """CBC (bundled with pulp), quiet, with an optional time limit in seconds."""
    with _quiet_pulp():
        return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s)


@contextmanager
def _quiet_pulp() -> Iterator[None]:
    """Silence PuLP 3's notices about its 4.0 API, raised from inside spopt and pulp."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r".*(PuLP 4\.0|deprecated)", category=DeprecationWarning
        )
        yield


def cbc_time_limit(time_limit_s: float | None, solver: str) -> float | None:
    """The CBC time limit in seconds: given, :data:`AUTO_TIME_LIMIT_S` for "auto", else none."""
    if time_limit_s is not None and not (
        isinstance(time_limit_s, int | float) and time_limit_s > 0
    ):
        raise InputError(
            f"time_limit_s={time_limit_s!r} must be > 0 seconds, or None for no limit."
        )
    if time_limit_s is None and solver == "auto":
        return AUTO_TIME_LIMIT_S
    return time_limit_s


def _run_spopt(model: object, solver: pulp.LpSolver) -> tuple[np.ndarray, bool]:
    """Solve a spopt coverage model; the opened columns and whether optimality was proven."""
    try:
        with _quiet_pulp():
            model.solve(solver, results=False)  # type: ignore[attr-defined]
    except RuntimeError as exc:  # spopt: "Model is not solved: ..."
        raise NoSolutionError(
            f"CBC found no solution within time_limit_s={solver.timeLimit!r} ({exc}); raise "
            "time_limit_s or use solver='greedy'."
        ) from exc
    values = np.array([v.value() or 0.0 for v in model.fac_vars])  # type: ignore[attr-defined]
    proven = model.problem.sol_status == pulp.LpSolutionOptimal  # type: ignore[attr-defined]
    return np.flatnonzero(values > 0.5), bool(proven)


# -- maximal coverage ---------------------------------------------------------------------------


def max_coverage(
    matrix: MatrixInput,
    k: int,
    *,
    max_cost: float | None = None,
    weights: np.ndarray | None = None,
    solver: Solver = "auto",
    fixed: np.ndarray | list[int] | None = None,
    time_limit_s: float | None = None,
    blocked_by: np.ndarray | list[int] | None = None,
) -> Siting:
    """Open ``k`` sites (columns) covering the largest total weight of rows (MCLP).

    Parameters
    ----------
    matrix : numpy.ndarray or scipy.sparse array
        Rows = demand, columns = candidate sites: boolean coverage, or costs with ``max_cost``.
    k : int
        Sites to open, ``len(fixed) <= k <= number of columns``.
    max_cost : float, optional
        Covering distance/time in the unit of ``matrix`` (e.g. metres) when it holds costs.
    weights : array of float, optional
        Weight per row (e.g. party members), >= 0; default 1 each (count rows).
    solver : {"auto", "exact", "greedy"}
        ``"exact"``: spopt ``MCLP.from_cost_matrix`` + CBC; ``"greedy"``: numpy;
        ``"auto"``: exact when the reduced problem has at most :data:`AUTO_EXACT_CELLS` cells.
    fixed : array of int, optional
        Column positions opened in any case (existing sites); they count towards ``k``.
    time_limit_s : float, optional
        Stop CBC after this many seconds and keep its best solution (``optimal`` is then
        ``False`` unless it was proven in time). ``solver="auto"`` uses
        :data:`AUTO_TIME_LIMIT_S` unless given, and falls back to greedy when CBC found
        nothing in time; an explicit ``"exact"`` raises :class:`NoSolutionError` then.
    blocked_by : array of int, optional
        Per row, the column whose opening leaves the row uncovered (``-1``: none), see the
        module notes. A row is then ``coverable`` when a column other than its blocking one
        covers it; the ``k`` sites maximise the covered weight with the blocked rows lost.

    Returns
    -------
    Siting
        Exactly ``k`` columns. When fewer sites already cover every coverable row, the rest
        are the earliest unused columns (they add nothing; with ``blocked_by``, columns that
        lose nothing when there are enough).
    """
    start = time.perf_counter()
    problem = _problem(matrix, max_cost)
    cov = problem.coverage
    n_rows, n_cols = cov.shape
    w = _weights(weights, n_rows)
    pinned = _fixed(fixed, n_cols)
    k = _check_k(k, n_cols, len(pinned))
    blocked = _blocked(blocked_by, n_rows, n_cols)
    if blocked is not None:
        return _blocked_siting(
            "mclp", cov, w, blocked, pinned, k, solver, cbc_time_limit(time_limit_s, solver), start
        )
    base = _covered_by(cov, pinned)
    coverable = _covered_by(cov, np.arange(n_cols))
    limit = cbc_time_limit(time_limit_s, solver)
    reduced = None if solver == "greedy" else _reduce(cov, w, coverable & ~base, pinned)
    ran = "greedy" if reduced is None else resolve_solver(solver, reduced.coverage.size)
    extra = k - len(pinned)
    proven = True
    if reduced is not None and ran == "exact":
        picked = reduced.columns
        if extra < len(reduced.columns):
            try:
                picked, proven = _mclp_exact(problem, reduced, extra, limit)
            except NoSolutionError:
                if solver != "auto":
                    raise
                ran = "greedy"
    if ran == "greedy":
        picked = _greedy_mclp(cov, w, extra, base)
    chosen = _pad(np.concatenate([pinned, picked]), k, n_cols)
    covered = _covered_by(cov, chosen)
    complete = bool(np.isclose(w[covered].sum(), w[coverable].sum()))
    optimal = complete or (ran == "exact" and proven)
    return Siting("mclp", ran, chosen, covered, coverable, w, optimal, time.perf_counter() - start)


def _check_k(k: int, n_cols: int, n_fixed: int) -> int:
    """``k`` as an int within ``n_fixed..n_cols``."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise InputError(f"k={k!r} must be a whole number of sites to open.")
    if k < max(n_fixed, 1):
        raise InputError(f"k={k} must be >= 1 and >= the {n_fixed} fixed sites.")
    if k > n_cols:
        raise InputError(f"k={k} is larger than the {n_cols} candidate sites; pass k <= {n_cols}.")
    return int(k)


def _covered_by(cov: sparse.csc_array, columns: np.ndarray) -> np.ndarray:
    """Per row: covered by any of ``columns``."""
    if len(columns) == 0:
        return np.zeros(cov.shape[0], dtype=bool)
    return np.asarray(cov[:, columns].sum(axis=1)).ravel() > 0


def _pad(chosen: np.ndarray, k: int, n_cols: int) -> np.ndarray:
    """``chosen`` topped up to ``k`` columns with the earliest unused ones."""
    chosen = chosen.astype(np.int64)
    if len(chosen) >= k:
        return chosen
    unused = np.setdiff1d(np.arange(n_cols), chosen)[: k - len(chosen)]
    return np.concatenate([chosen, unused])


def _mclp_exact(
    problem: _Problem, reduced: _Reduced, k: int, time_limit_s: float | None
) -> tuple[np.ndarray, bool]:
    """Exact MCLP of a reduced problem through spopt and CBC."""
    from spopt.locate import MCLP

    costs, radius = reduced.spopt_costs(problem)
    with _quiet_pulp():
        model = MCLP.from_cost_matrix(costs, reduced.weights, service_radius=radius, p_facilities=k)
    picked, proven = _run_spopt(model, _cbc(time_limit_s))
    return np.sort(reduced.columns[picked]), proven


def _greedy_mclp(cov: sparse.csc_array, w: np.ndarray, k: int, covered: np.ndarray) -> np.ndarray:
    """Greedy MCLP: ``k`` times, the column adding the most uncovered weight (earliest on ties)."""
    open_w = np.where(covered, 0.0, w)
    cov_t = sparse.csr_array(cov.T, dtype=float)  # type: ignore[call-overload]  # stubs: sparse input with dtype
    taken = np.zeros(cov.shape[1], dtype=bool)
    picked = []
    for _ in range(k):
        gain = cov_t @ open_w
        gain[taken] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        picked.append(j)
        taken[j] = True
        open_w[cov.indices[cov.indptr[j] : cov.indptr[j + 1]]] = 0.0
    return np.asarray(picked, dtype=np.int64)


# -- set covering -------------------------------------------------------------------------------


def set_cover(
    matrix: MatrixInput,
    *,
    max_cost: float | None = None,
    solver: Solver = "auto",
    fixed: np.ndarray | list[int] | None = None,
    time_limit_s: float | None = None,
    blocked_by: np.ndarray | list[int] | None = None,
) -> Siting:
    """The fewest sites (columns) that cover every coverable row (LSCP).

    Parameters
    ----------
    matrix : numpy.ndarray or scipy.sparse array
        Rows = demand, columns = candidate sites: boolean coverage, or costs with ``max_cost``.
    max_cost : float, optional
        Covering distance/time in the unit of ``matrix`` (e.g. metres) when it holds costs.
    solver : {"auto", "exact", "greedy"}
        ``"exact"``: spopt ``LSCP.from_cost_matrix`` + CBC; ``"greedy"``: numpy;
        ``"auto"``: exact when the reduced problem has at most :data:`AUTO_EXACT_CELLS` cells.
    fixed : array of int, optional
        Column positions opened in any case (existing sites); only rows they leave uncovered
        are covered by new sites.
    time_limit_s : float, optional
        Stop CBC after this many seconds and keep its best cover (``optimal`` then ``False``);
        as for :func:`max_coverage`.
    blocked_by : array of int, optional
        Per row, the column whose opening leaves the row uncovered (``-1``: none), see the
        module notes. Covering every coverable row may then be impossible (two sites covering
        each other's blocked rows): the answer covers the most rows that can be covered
        together, with the fewest sites.

    Returns
    -------
    Siting
        ``covered`` equals ``coverable`` (without ``blocked_by``): rows no column covers are
        reported, never an error.
    """
    start = time.perf_counter()
    problem = _problem(matrix, max_cost)
    cov = problem.coverage
    n_rows, n_cols = cov.shape
    pinned = _fixed(fixed, n_cols)
    ones = np.ones(n_rows)
    limit = cbc_time_limit(time_limit_s, solver)
    blocked = _blocked(blocked_by, n_rows, n_cols)
    if blocked is not None:
        return _blocked_siting("lscp", cov, ones, blocked, pinned, None, solver, limit, start)
    coverable = _covered_by(cov, np.arange(n_cols))
    open_rows = coverable & ~_covered_by(cov, pinned)
    reduced = None if solver == "greedy" else _reduce(cov, ones, open_rows, pinned)
    ran = "greedy" if reduced is None else resolve_solver(solver, reduced.coverage.size)
    proven = True
    if reduced is not None and ran == "exact":
        picked = np.empty(0, dtype=np.int64)
        if len(reduced.weights):
            try:
                picked, proven = _lscp_exact(problem, reduced, limit)
            except NoSolutionError:
                if solver != "auto":
                    raise
                ran = "greedy"
    if ran == "greedy":
        picked = _greedy_cover(cov, open_rows, pinned)
        proven = len(picked) <= 1
    chosen = np.concatenate([pinned, picked]).astype(np.int64)
    covered = _covered_by(cov, chosen)
    optimal = proven and (ran == "exact" or len(picked) <= 1)
    return Siting(
        "lscp", ran, chosen, covered, coverable, ones, optimal, time.perf_counter() - start
    )


def _lscp_exact(
    problem: _Problem, reduced: _Reduced, time_limit_s: float | None
) -> tuple[np.ndarray, bool]:
    """Exact LSCP of a reduced problem through spopt and CBC."""
    from spopt.locate import LSCP

    costs, radius = reduced.spopt_costs(problem)
    with _quiet_pulp():
        model = LSCP.from_cost_matrix(costs, service_radius=radius)
    picked, proven = _run_spopt(model, _cbc(time_limit_s))
    return np.sort(reduced.columns[picked]), proven


def _greedy_cover(cov: sparse.csc_array, open_rows: np.ndarray, skip: np.ndarray) -> np.ndarray:
    """Greedy set cover of the open rows (all coverable): the column covering most, repeatedly."""
    open_ = open_rows.copy()
    cov_t = sparse.csr_array(cov.T, dtype=float)  # type: ignore[call-overload]  # stubs: sparse input with dtype
    taken = np.zeros(cov.shape[1], dtype=bool)
    taken[skip] = True
    picked = []
    while open_.any():
        gain = cov_t @ open_.astype(float)
        gain[taken] = -1.0
        j = int(np.argmax(gain))
        picked.append(j)
        taken[j] = True
        open_[cov.indices[cov.indptr[j] : cov.indptr[j + 1]]] = False
    return np.asarray(picked, dtype=np.int64)


# -- blocked rows -------------------------------------------------------------------------------


def _blocked(
    blocked_by: np.ndarray | list[int] | None, n_rows: int, n_cols: int
) -> np.ndarray | None:
    """Per row the blocking column (-1: none), checked; ``None`` when no row is blocked."""
    if blocked_by is None:
        return None
    arr = np.asarray(blocked_by).ravel()
    if arr.shape != (n_rows,):
        raise InputError(
            f"blocked_by has shape {arr.shape}; it needs one column position (or -1) per row "
            f"({n_rows},)."
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InputError(
            f"blocked_by must hold column positions (integers); got dtype {arr.dtype}."
        )
    arr = arr.astype(np.int64)
    bad = arr[(arr < -1) | (arr >= n_cols)]
    if bad.size:
        raise InputError(f"blocked_by holds positions {bad[:5].tolist()} outside -1..{n_cols - 1}.")
    return arr if (arr >= 0).any() else None


def _without_blocked(cov: sparse.csc_array, blocked: np.ndarray) -> sparse.csc_array:
    """The coverage with each row's blocking column taken out (it never covers that row)."""
    coo = cov.tocoo()
    keep = coo.col != blocked[coo.row]
    return sparse.csc_array(
        (np.ones(int(keep.sum()), dtype=bool), (coo.row[keep], coo.col[keep])), shape=cov.shape
    )


def _covered_blocked(cov: sparse.csc_array, blocked: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Per row: covered by ``columns`` and its blocking column not among them."""
    opened = np.zeros(cov.shape[1], dtype=bool)
    opened[columns] = True
    return np.asarray(_covered_by(cov, columns) & ~_shut(blocked, opened))


def _shut(blocked: np.ndarray, opened: np.ndarray) -> np.ndarray:
    """Per row: its blocking column is open (``opened``: bool per column)."""
    return np.asarray((blocked >= 0) & opened[np.maximum(blocked, 0)])


def _blocked_siting(
    problem: Literal["mclp", "lscp"],
    cov: sparse.csc_array,
    w: np.ndarray,
    blocked: np.ndarray,
    pinned: np.ndarray,
    k: int | None,
    solver: Solver,
    limit: float | None,
    start: float,
) -> Siting:
    """MCLP (``k`` sites) or LSCP (``k`` None) with blocked rows, exact or greedy."""
    cov = _without_blocked(cov, blocked)
    coverable = _covered_by(cov, np.arange(cov.shape[1]))
    model = None if solver == "greedy" else _BlockedModel.build(cov, w, blocked, pinned)
    ran = "greedy" if model is None else resolve_solver(solver, model.cells)
    proven = False
    if model is not None and ran == "exact":
        try:
            picked, proven = model.solve(k, limit)
        except NoSolutionError:
            if solver != "auto":
                raise
            ran = "greedy"
    if ran == "greedy":
        picked = _greedy_blocked(cov, w, blocked, pinned, k)
    chosen = np.concatenate([pinned, picked]).astype(np.int64)
    covered = _covered_blocked(cov, blocked, chosen)
    complete = bool(np.isclose(w[covered].sum(), w[coverable].sum()))
    if problem == "mclp":
        optimal = complete or (ran == "exact" and proven)
    else:  # a complete greedy cover with one site is the fewest: none would cover less
        optimal = (ran == "exact" and proven) or (complete and len(picked) <= 1)
    return Siting(
        problem,
        ran,
        chosen,
        covered,
        coverable,
        w,
        optimal,
        time.perf_counter() - start,
        blocked=True,
    )


@dataclass(frozen=True)
class _BlockedModel:
    """The reduced blocked problem: distinct (coverage, blocking column) rows × relevant columns."""

    coverage: np.ndarray  # dense bool, merged rows × relevant columns
    blocker: np.ndarray  # per merged row, position among ``columns`` of its blocking column, -1
    weights: np.ndarray  # summed weights of the merged rows
    columns: np.ndarray  # relevant columns (cover or block a kept row, or pinned)
    neutral: np.ndarray  # the other columns: opening them changes nothing
    pinned: np.ndarray  # positions among ``columns`` opened in any case

    @property
    def cells(self) -> int:
        return int(self.coverage.size)

    @classmethod
    def build(
        cls, cov: sparse.csc_array, w: np.ndarray, blocked: np.ndarray, pinned: np.ndarray
    ) -> _BlockedModel:
        n_cols = cov.shape[1]
        opened = np.zeros(n_cols, dtype=bool)
        opened[pinned] = True
        shut = _shut(blocked, opened)
        rows = np.flatnonzero((w > 0) & _covered_by(cov, np.arange(n_cols)) & ~shut)
        sub = cov[rows].toarray() if len(rows) else np.zeros((0, n_cols), dtype=bool)
        block = blocked[rows]
        weights = w[rows]
        if len(rows):
            key = np.concatenate(
                [np.packbits(sub, axis=1), block.astype(">i8").view(np.uint8).reshape(-1, 8)],
                axis=1,
            )
            _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
            weights = np.bincount(inverse.ravel(), weights=weights, minlength=len(first))
            sub, block = sub[first], block[first]
        relevant = sub.any(axis=0) | opened
        relevant[block[block >= 0]] = True
        columns = np.flatnonzero(relevant)
        position = np.full(n_cols, -1)
        position[columns] = np.arange(len(columns))
        return cls(
            sub[:, columns],
            np.where(block >= 0, position[np.maximum(block, 0)], -1),
            weights,
            columns,
            np.flatnonzero(~relevant),
            position[pinned],
        )

    def solve(self, k: int | None, time_limit_s: float | None) -> tuple[np.ndarray, bool]:
        """CBC on the reduced model; the opened columns (pinned left out) and proven optimality."""
        n = len(self.columns)
        with _quiet_pulp():
            lp = pulp.LpProblem("blocked_coverage", pulp.LpMaximize)
            x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(n)]
            y = [pulp.LpVariable(f"y{r}", lowBound=0, upBound=1) for r in range(len(self.weights))]
            for j in self.pinned:
                x[j].lowBound = 1
            for r, row in enumerate(self.coverage):
                lp += y[r] <= pulp.lpSum(x[j] for j in np.flatnonzero(row))
                if self.blocker[r] >= 0:
                    lp += y[r] <= 1 - x[self.blocker[r]]
            won = pulp.lpSum(float(wt) * y[r] for r, wt in enumerate(self.weights))
            if k is None:  # the most weight first, then the fewest sites
                lp += float(n + 1) * won - pulp.lpSum(x)  # weights are row counts >= 1
            else:
                lp += won
                lp += pulp.lpSum(x) <= k
                lp += pulp.lpSum(x) >= k - len(self.neutral)
            lp.solve(_cbc(time_limit_s))
            if lp.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
                raise NoSolutionError(
                    f"CBC found no solution within time_limit_s={time_limit_s!r} "
                    f"({pulp.LpStatus[lp.status]}); raise time_limit_s or use solver='greedy'."
                )
            values = np.array([v.value() or 0.0 for v in x])
        opened = np.flatnonzero(values > 0.5)
        opened = opened[~np.isin(opened, self.pinned)]
        picked = np.sort(self.columns[opened])
        if k is not None:  # fill up to k with columns that change nothing
            picked = np.concatenate([picked, self.neutral[: k - len(picked) - len(self.pinned)]])
        return picked.astype(np.int64), bool(lp.sol_status == pulp.LpSolutionOptimal)


def _greedy_blocked(
    cov: sparse.csc_array, w: np.ndarray, blocked: np.ndarray, pinned: np.ndarray, k: int | None
) -> np.ndarray:
    """Greedy with blocked rows: the column of largest net gain (won − lost), earliest on ties.

    ``k`` columns (even at a loss: ``k`` were asked for), or, with ``k`` None, while one gains.
    """
    n_rows, n_cols = cov.shape
    cov_t = sparse.csr_array(cov.T, dtype=float)  # type: ignore[call-overload]  # stubs: sparse input with dtype
    has = blocked >= 0
    block_t = sparse.csr_array(
        (np.ones(int(has.sum())), (blocked[has], np.flatnonzero(has))), shape=(n_cols, n_rows)
    )
    opened = np.zeros(n_cols, dtype=bool)
    opened[pinned] = True
    hits = np.zeros(n_rows, dtype=np.int64)
    for j in pinned:
        hits[cov.indices[cov.indptr[j] : cov.indptr[j + 1]]] += 1
    picked: list[int] = []
    target = n_cols - len(pinned) if k is None else k - len(pinned)
    while len(picked) < target:
        shut = _shut(blocked, opened)
        covered = (hits > 0) & ~shut
        gain = cov_t @ np.where((hits == 0) & ~shut, w, 0.0) - block_t @ np.where(covered, w, 0.0)
        gain[opened] = -np.inf
        j = int(np.argmax(gain))
        if k is None and gain[j] <= 0:
            break
        picked.append(j)
        opened[j] = True
        hits[cov.indices[cov.indptr[j] : cov.indptr[j + 1]]] += 1
    return np.asarray(picked, dtype=np.int64)
