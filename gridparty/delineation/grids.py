"""Propose party grids (网格划分) for every community from its buildings and streets.

See :func:`delineate_grids` and docs/guides/delineation.md.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import ColumnError, InputError
from gridparty.core.model import ISSUE_COLUMNS, Hierarchy
from gridparty.core.parallel import thread_count
from gridparty.core.results import Tables, figures
from gridparty.core.rules import DEFAULT_RULES, PartyRules
from gridparty.delineation.partition import (
    STREET_CUT_WEIGHT,
    Graph,
    IntArray,
    bounds,
    exact,
    grow,
    score,
)
from gridparty.delineation.tessellation import METRES_PER_DEGREE, Tessellation, tessellate

if TYPE_CHECKING:
    import folium

__all__ = [
    "HOUSEHOLDS_PER_PART_TIME",
    "MAIN_ROAD_KINDS",
    "GridDelineation",
    "delineate_grids",
]

#: Street kinds (``kind`` or ``highway`` column) that are main roads: barriers between grids.
MAIN_ROAD_KINDS = frozenset(
    {"motorway", "trunk", "primary", "secondary", "main", "主干道", "快速路", "primary_link"}
)
#: Households per part-time grid worker (兼职网格员): published practice, 1,134 part-time
#: workers for 198 grids of 300–500 households (≈ 5.7 per grid, ≈ 70 households each).
HOUSEHOLDS_PER_PART_TIME = 70


@dataclass
class GridDelineation(Tables):
    """Proposed grids of every community (see :func:`delineate_grids`).

    Attributes
    ----------
    grids : GeoDataFrame
        One row per proposed grid (index ``grid_id``): ``community_id``, ``households``,
        ``member_households``, ``formal_members``, ``buildings``, ``unknown_buildings`` (without
        a household count), ``status`` (``in band``, ``below min``, ``above max``),
        ``polsby_popper`` (4πA/P², 1 for a circle), ``kept`` (an existing grid kept as it was),
        ``party_organisation`` (``branch with committee``, ``branch``, ``general branch`` or
        ``joint branch``) and ``joint_branch`` (the joint branch's id), ``full_time``,
        ``part_time`` (workers).
    buildings : DataFrame
        Every building (index ``building_id``): ``community_id``, ``grid_id`` (proposed; missing
        for a building outside every community), ``previous_grid_id``, ``moved``,
        ``households``.
    communities : DataFrame
        Per community: ``households``, ``buildings``, ``grids``, ``fewest_grids`` (⌈H/max⌉),
        ``band_feasible``, ``in_band``, ``method`` and ``note`` (why the band is not met).
    moves : DataFrame
        Buildings that change grid (redraw): ``building_id``, ``from_grid``, ``to_grid``.
    problems : DataFrame
        Input problems and unmet constraints (``level``, ``id``, ``check``, ``severity``,
        ``message``).
    """

    grids: gpd.GeoDataFrame
    buildings: pd.DataFrame
    communities: pd.DataFrame
    moves: pd.DataFrame
    problems: pd.DataFrame
    min_households: int
    max_households: int
    rules: PartyRules = DEFAULT_RULES
    tessellation: str = "shapely (streets + Voronoi of building points)"
    hierarchy: Hierarchy | None = field(default=None, repr=False)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "proposed_grids": self.grids,
            "building_grids": self.buildings,
            "community_grids": self.communities,
            "moves": self.moves.set_index("building_id"),
            "staffing": self.staffing(),
            "problems": self.problems.rename_axis("problem"),
        }

    def summary(self) -> pd.DataFrame:
        g = self.grids
        fewest = int(self.communities["fewest_grids"].sum())
        return figures(
            {
                "communities": len(self.communities),
                "grids": len(g),
                "fewest_grids": fewest,
                "grids_in_band": int((g["status"] == "in band").sum()),
                "share_in_band": float((g["status"] == "in band").mean()) if len(g) else 0.0,
                "grids_with_branch": int(
                    (g["formal_members"] >= self.rules.branch_min_formal).sum()
                ),
                "buildings_moved": len(self.moves),
                "full_time_workers": int(g["full_time"].sum()),
                "part_time_workers": int(g["part_time"].sum()),
                "problems": len(self.problems),
            }
        )

    def map(self, **kwargs: Any) -> folium.Map:
        """Proposed against existing grids, moving buildings highlighted (see
        :func:`gridparty.maps.delineation.delineation_map` for options)."""
        from gridparty.maps.delineation import delineation_map

        return delineation_map(self, **kwargs)

    def to_png(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """This map as a PNG for reports (see :func:`gridparty.to_png` for options)."""
        from gridparty.maps.static import to_png

        return to_png(self, path, **options)

    def to_pdf(self, path: str | os.PathLike[str], **options: Any) -> Path:
        """This map as a PDF page for reports (see :func:`gridparty.to_pdf` for options)."""
        from gridparty.maps.static import to_pdf

        return to_pdf(self, path, **options)

    def staffing(self) -> pd.DataFrame:
        """Full- and part-time grid workers per community (sums of :attr:`grids`; index
        ``community_id``)."""
        return self.grids.groupby("community_id", sort=True)[
            ["households", "full_time", "part_time"]
        ].sum()


def delineate_grids(
    h: Hierarchy,
    min_households: int | None = None,
    max_households: int | None = None,
    *,
    streets: gpd.GeoDataFrame | None = None,
    compounds: gpd.GeoDataFrame | str | None = None,
    keep_whole: bool = True,
    keep_existing: bool = False,
    rules: PartyRules = DEFAULT_RULES,
    full_time_per_grid: int | None = None,
    households_per_part_time: int = HOUSEHOLDS_PER_PART_TIME,
    exact_max_atoms: int = 0,
    workers: int | None = None,
) -> GridDelineation:
    """Propose grids of ``min_households``–``max_households`` households for every community.

    Each community is tessellated by its streets and buildings
    (:func:`gridparty.delineation.tessellation.tessellate`); the cells of its buildings (whole
    compounds where they fit the band) are grouped into contiguous grids whose households lie
    in the band, as few as the band allows (⌈H / max⌉ where possible), with borders along
    streets (a main road is crossed only when a side of it cannot meet the band alone) and
    compact; among equal partitions, as many grids as possible get ``branch_min_formal``
    formal members. The grid polygons tile each community exactly.

    Parameters
    ----------
    h : Hierarchy
        Communities and buildings (``households`` per building; a missing count is unknown,
        reported and not counted); member households give ``member_households`` and
        ``formal_members``; existing grids are used with ``keep_existing``.
    min_households, max_households : int, optional
        The band (households per grid); default ``rules.grid_households_min`` /
        ``grid_households_max`` (300–500).
    streets : GeoDataFrame, optional
        Street centre lines; rows whose ``kind`` or ``highway`` is in :data:`MAIN_ROAD_KINDS`
        (or whose boolean ``main`` column is true) are main roads.
    compounds : GeoDataFrame or str, optional
        Residential compounds (小区): polygons (a building belongs to the one holding its
        representative point) or the name of a building column with the compound id.
    keep_whole : bool
        Keep every compound whose households fit under ``max_households`` in one grid.
    keep_existing : bool
        Redraw: keep every existing grid (``h.grids``) whose households are in the band and
        split or merge only the others; ``moves`` lists the buildings that change grid.
    rules : PartyRules
        Branch, committee and joint-branch thresholds; the default band and full-time staff.
    full_time_per_grid : int, optional
        Full-time workers (专职网格员) per grid; default ``rules.grid_min_full_time`` (1).
    households_per_part_time : int
        Households per part-time worker (兼职网格员), default :data:`HOUSEHOLDS_PER_PART_TIME`.
    exact_max_atoms : int
        Solve communities with at most this many cells exactly (PuLP/CBC) instead of by the
        heuristic (default 0: never).
    workers : int, optional
        Threads working on communities side by side (default: one per CPU core; one when
        ``exact_max_atoms`` is set). The result does not depend on it.

    Returns
    -------
    GridDelineation

    Raises
    ------
    InputError
        A bad band, staffing or ``workers`` parameter, ``keep_existing`` without grids.
    ColumnError
        ``compounds`` names a column the buildings do not have.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> d = gp.delineate_grids(h, streets=gp.sample_layer("streets"))
    >>> bool(len(d.grids) <= 1.1 * d.communities["fewest_grids"].sum())
    True
    """
    low, high = household_band(min_households, max_households, rules)
    full_time = rules.grid_min_full_time if full_time_per_grid is None else full_time_per_grid
    if not isinstance(households_per_part_time, (int, np.integer)) or households_per_part_time < 1:
        raise InputError(
            f"households_per_part_time={households_per_part_time!r} must be a whole number >= 1 "
            f"(default {HOUSEHOLDS_PER_PART_TIME})."
        )
    if keep_existing and h.grids.empty:
        raise InputError("keep_existing=True needs existing grids; the hierarchy has none.")
    threads = _workers(workers, exact_max_atoms)
    run = _Run(h, int(low), int(high), rules, keep_whole, exact_max_atoms)
    run.prepare(streets, compounds, keep_existing)
    ids = list(h.communities.index)
    if threads == 1 or len(ids) < 2:
        parts = [run.community(cid) for cid in ids]
    else:  # GEOS and the compiled loops release the GIL: communities run side by side
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(run.community, ids))
    for part in parts:
        run.add(part)
    return run.result(int(full_time), int(households_per_part_time))


def _workers(workers: int | None, exact_max_atoms: int) -> int:
    """Threads for the communities: ``workers``, default one per core; one with the exact
    solver (CBC runs in its own process)."""
    threads = thread_count(workers)
    return 1 if exact_max_atoms else threads


def household_band(
    min_households: int | None, max_households: int | None, rules: PartyRules = DEFAULT_RULES
) -> tuple[int, int]:
    """The band of households per grid: the given bounds, else the rules' (300–500).

    Raises
    ------
    InputError
        A bound that is not a whole number >= 1, or a minimum above the maximum.
    """
    low = rules.grid_households_min if min_households is None else min_households
    high = rules.grid_households_max if max_households is None else max_households
    for name, value in (("min_households", low), ("max_households", high)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise InputError(f"{name}={value!r} must be a whole number of households >= 1.")
    if low > high:
        raise InputError(
            f"min_households={low} exceeds max_households={high}; give the band low, high."
        )
    return int(low), int(high)


def _problem(level: str, id_: object, check: str, severity: str, message: str) -> dict[str, object]:
    return dict(zip(ISSUE_COLUMNS, (level, str(id_), check, severity, message), strict=True))


@dataclass
class _Part:
    """One community's share of the result: problems, grid rows and its summary row."""

    problems: list[dict[str, object]] = field(default_factory=list)
    grid_rows: list[dict[str, object]] = field(default_factory=list)
    community_rows: list[dict[str, object]] = field(default_factory=list)


class _Run:
    def __init__(
        self, h: Hierarchy, low: int, high: int, rules: PartyRules, keep_whole: bool, exact_max: int
    ) -> None:
        self.h, self.low, self.high, self.rules = h, low, high, rules
        self.keep_whole, self.exact_max = keep_whole, exact_max
        self.problems: list[dict[str, object]] = []
        self.grid_rows: list[dict[str, object]] = []
        self.community_rows: list[dict[str, object]] = []
        self.building_grid: dict[str, str] = {}

    # -- inputs -----------------------------------------------------------------------------

    def prepare(
        self,
        streets: gpd.GeoDataFrame | None,
        compounds: gpd.GeoDataFrame | str | None,
        keep_existing: bool,
    ) -> None:
        h = self.h
        b = h.buildings
        self.points = shapely.point_on_surface(b.geometry.to_numpy())
        comm = h.communities.geometry.to_numpy()
        self.community_of = _locate(self.points, comm)
        hh = pd.to_numeric(b["households"], errors="coerce") if "households" in b else None
        self.households = hh.to_numpy(dtype=float) if hh is not None else np.full(len(b), np.nan)
        for pos in np.flatnonzero(self.community_of < 0):
            self.problems.append(
                _problem(
                    "building",
                    b.index[int(pos)],
                    "outside_communities",
                    "error",
                    "the building stands in no community; it is in no proposed grid.",
                )
            )
        for pos in np.flatnonzero(np.isnan(self.households)):
            self.problems.append(
                _problem(
                    "building",
                    b.index[int(pos)],
                    "households_unknown",
                    "warning",
                    "the building has no household count: unknown, not counted as 0.",
                )
            )
        hhs = h.households
        by_building = hhs["building_id"] if "building_id" in hhs else pd.Series(dtype=object)
        formal = (
            pd.to_numeric(hhs["formal_members"], errors="coerce").fillna(0)
            if "formal_members" in hhs
            else pd.Series(0, index=hhs.index)
        )
        self.member_households = (
            by_building.value_counts().reindex(b.index, fill_value=0).to_numpy()
        )
        self.formal = formal.groupby(by_building).sum().reindex(b.index, fill_value=0).to_numpy()
        self.compound = _compounds(b, self.points, compounds)
        self.streets, self.main = _streets(streets, h)
        self.street_hits = _street_hits(self.streets, h.communities.geometry.to_numpy())
        self.previous: npt.NDArray[np.object_] = np.full(len(b), None, dtype=object)
        if len(h.grids):  # the existing grid holding each building's point
            hit = _locate(self.points, h.grids.geometry.to_numpy())
            self.previous[hit >= 0] = h.grids.index.to_numpy()[hit[hit >= 0]]
        self.keep_existing = keep_existing

    # -- one community ----------------------------------------------------------------------

    def community(self, cid: str) -> _Part:
        """Grids, problems and the summary row of one community (reads only shared state:
        communities run in parallel threads)."""
        h = self.h
        part = _Part()
        cpos = int(cast(int, h.communities.index.get_loc(cid)))
        shape = h.communities.geometry.iloc[cpos]
        rows = np.flatnonzero(self.community_of == cpos)
        if len(rows) == 0:
            part.problems.append(
                _problem(
                    "community",
                    cid,
                    "no_buildings",
                    "warning",
                    "the community has no buildings: one grid of 0 households.",
                )
            )
            self._grid(part, cid, 1, shape, np.array([], dtype=np.int64), "below min", False)
            self._community_row(part, cid, rows, 1, "no buildings", "none")
            return part
        t, atom_of_face, atom_of_building, g, main_edge = self.graph(cpos, rows)
        labels, method = self._partition(g, main_edge, rows, atom_of_building)
        note = self._note(part, cid, float(g.w.sum()), labels, g)
        for r in range(int(labels.max()) + 1):
            faces = t.faces[labels[atom_of_face] == r]
            members = rows[labels[atom_of_building] == r]
            polygon = _polygon(faces)
            self._grid(part, cid, r + 1, polygon, members, None, False)
        self._community_row(part, cid, rows, int(labels.max()) + 1, note, method)
        return part

    def add(self, part: _Part) -> None:
        """Record one community's result (in community order)."""
        self.problems += part.problems
        self.grid_rows += part.grid_rows
        self.community_rows += part.community_rows

    def graph(
        self, cpos: int, rows: np.ndarray
    ) -> tuple[Tessellation, np.ndarray, np.ndarray, Graph, np.ndarray]:
        """The community's tessellation, atom of each face and building, the atoms' graph
        and its main-road edges (``cpos``: position of the community, ``rows``: of its
        buildings)."""
        shape = self.h.communities.geometry.iloc[cpos]
        xy = shapely.get_coordinates(self.points[rows])
        sites, site_of = np.unique(xy, axis=0, return_inverse=True)
        site_of = site_of.ravel()
        lines, main = self._streets_in(cpos)
        t = tessellate(shape, np.asarray(shapely.points(sites)), lines, main)
        atom_of_face, _atom_sites = _atoms(t.site, t.block)
        atom_of_building = atom_of_face_site(atom_of_face, t.site, site_of)
        # a site whose cell the noding merged into a neighbour's (sites closer than the
        # noder's precision) joins the atom of the face holding it
        lost = atom_of_building < 0
        if lost.any():
            from gridparty.delineation.tessellation import _containing

            face = _containing(t.faces, np.asarray(shapely.points(sites[site_of[lost]])))
            atom_of_building[lost] = atom_of_face[face]
        atom_of_building = self._merge_compounds(rows, atom_of_building, t, atom_of_face)
        _, atom_of_building = np.unique(atom_of_building, return_inverse=True)
        atom_of_face = _remap_faces(atom_of_face, t.site, site_of, atom_of_building)
        n = int(atom_of_face.max()) + 1
        w = np.bincount(atom_of_building, weights=np.nan_to_num(self.households[rows]), minlength=n)
        m = np.bincount(atom_of_building, weights=self.formal[rows], minlength=n)
        centre = shapely.get_coordinates(shapely.centroid(t.faces))
        area = shapely.area(t.faces)
        cx = np.bincount(atom_of_face, weights=centre[:, 0] * area, minlength=n)
        cy = np.bincount(atom_of_face, weights=centre[:, 1] * area, minlength=n)
        a = np.maximum(np.bincount(atom_of_face, weights=area, minlength=n), 1e-30)
        axy = np.column_stack([cx / a * t.scale, cy / a]) * METRES_PER_DEGREE
        i, j = atom_of_face[t.pairs[:, 0]], atom_of_face[t.pairs[:, 1]]
        cross = t.block[t.pairs[:, 0]] != t.block[t.pairs[:, 1]]
        barrier = t.superblock[t.pairs[:, 0]] != t.superblock[t.pairs[:, 1]]
        keep = i != j
        cost = t.length * np.where(cross, STREET_CUT_WEIGHT, 1.0)
        edges, inverse = np.unique(
            np.column_stack([np.minimum(i, j), np.maximum(i, j)])[keep], axis=0, return_inverse=True
        )
        cut = np.bincount(inverse.ravel(), weights=cost[keep], minlength=len(edges))
        main_edge = np.bincount(inverse.ravel(), weights=barrier[keep], minlength=len(edges)) > 0
        edges, cut, main_edge = _bridge_parts(
            edges.reshape(-1, 2).astype(np.int64), cut, main_edge, axy
        )
        g = Graph(w.astype(np.float64), m.astype(np.float64), axy, edges, cut.astype(np.float64))
        return t, atom_of_face, atom_of_building, g, main_edge

    def _streets_in(self, cpos: int) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.bool_]]:
        idx = self.street_hits[cpos]
        return self.streets[idx], self.main[idx]

    def _merge_compounds(
        self, rows: np.ndarray, atom: np.ndarray, t: Tessellation, atom_of_face: np.ndarray
    ) -> np.ndarray:
        if not self.keep_whole or self.compound is None:
            return atom
        comp = self.compound[rows]
        hh = np.nan_to_num(self.households[rows])
        atom = atom.copy()
        for c in pd.unique(comp[pd.notna(comp)]):
            inside = comp == c
            if hh[inside].sum() > self.high:
                continue
            atoms = set(atom[inside].tolist())
            adj = _atom_pairs(atom_of_face, t.pairs)
            # union the compound's atoms that touch each other (a compound split by a street
            # it does not own stays in parts)
            parent = {a: a for a in atoms}

            def find(x: int, parent: dict[int, int] = parent) -> int:
                while parent[x] != x:
                    parent[x] = parent[parent[x]]
                    x = parent[x]
                return x

            for p, q in adj:
                if p in atoms and q in atoms:
                    parent[find(p)] = find(q)
            atom[inside] = [find(a) for a in atom[inside]]
        return atom

    def _partition(
        self, g: Graph, main_edge: np.ndarray, rows: np.ndarray, atom_of_building: np.ndarray
    ) -> tuple[IntArray, str]:
        fixed = np.full(g.n, -1, dtype=np.int64)
        if self.keep_existing:
            fixed = self._kept(g, rows, atom_of_building)
        solved = []
        methods = set()
        for group in _groups(g, main_edge, fixed, self.low, self.high):
            lab, method = self._solve(g, group)
            if self.keep_existing:
                group, lab = self._release(g, group, lab, fixed)
            solved.append((group, lab))
            methods.add(method)
        labels = np.full(g.n, -1, dtype=np.int64)
        next_label = 0
        for kept_id in sorted(set(fixed[fixed >= 0].tolist())):
            labels[fixed == kept_id] = next_label
            next_label += 1
        for group, lab in solved:
            labels[group] = lab + next_label
            next_label += int(lab.max()) + 1
        return labels, "+".join(sorted(methods)) or "kept"

    def _solve(self, g: Graph, group: IntArray) -> tuple[IntArray, str]:
        """Regions of one group of atoms (labels 0..k-1 over ``group``) and the method."""
        sub = _subgraph(g, group)
        fewest, _ = bounds(float(sub.w.sum()), self.low, self.high)
        if self.exact_max and sub.n <= self.exact_max:
            return exact(sub, self.low, self.high, min(fewest, sub.n)), "exact"
        return grow(sub, self.low, self.high, branch_min=self.rules.branch_min_formal), "heuristic"

    def _release(
        self, g: Graph, group: IntArray, lab: IntArray, fixed: IntArray
    ) -> tuple[IntArray, IntArray]:
        """Redraw: while a group's grids miss the band, free the kept grid next to it whose
        atoms, drawn again with the group, miss it least (ties: the lighter grid); stop when
        the band is met or freeing no longer helps. Freed grids leave ``fixed``."""
        off = score(_subgraph(g, group), lab, self.low, self.high)[0]
        while off > 0:
            inside = np.zeros(g.n, dtype=bool)
            inside[group] = True
            a, b = g.edges[:, 0], g.edges[:, 1]
            near = np.concatenate([fixed[b][inside[a]], fixed[a][inside[b]]])
            best: tuple[tuple[float, float], IntArray, IntArray, int] | None = None
            for kept_id in np.unique(near[near >= 0]).tolist():
                atoms = np.flatnonzero(fixed == kept_id)
                wider = np.sort(np.concatenate([group, atoms]))
                trial, _ = self._solve(g, wider)
                key = (score(_subgraph(g, wider), trial, self.low, self.high)[0], g.w[atoms].sum())
                if best is None or key < best[0]:
                    best = (key, wider, trial, kept_id)
            if best is None or best[0][0] >= off:
                break
            (off, _), group, lab, kept_id = best
            fixed[fixed == kept_id] = -1
        return group, lab

    def _kept(self, g: Graph, rows: np.ndarray, atom_of_building: np.ndarray) -> np.ndarray:
        """Atoms of existing grids in the band, contiguous and made of whole atoms: fixed."""
        prev = self.previous[rows]
        codes, uniques = pd.factorize(pd.Series(prev, dtype=object))
        fixed = np.full(g.n, -1, dtype=np.int64)
        nbrs = g.neighbours()
        atom_grid = np.full(g.n, -2, dtype=np.int64)
        for b, a in zip(codes, atom_of_building, strict=True):
            atom_grid[a] = b if atom_grid[a] in (-2, b) else -3
        for k in range(len(uniques)):
            atoms = np.flatnonzero(atom_grid == k)
            if not len(atoms) or (codes == k).sum() != np.isin(atom_of_building, atoms).sum():
                continue
            total = g.w[atoms].sum()
            if self.low <= total <= self.high and _connected(nbrs, set(atoms.tolist())):
                fixed[atoms] = k
        return fixed

    def _note(self, part: _Part, cid: str, total: float, labels: np.ndarray, g: Graph) -> str:
        fewest, most = bounds(total, self.low, self.high)
        if total < self.low:
            part.problems.append(
                _problem(
                    "community",
                    cid,
                    "below_band",
                    "warning",
                    f"{total:.0f} households < min_households={self.low}: one grid.",
                )
            )
            return f"{total:.0f} households: fewer than min_households, one grid"
        if fewest > most:
            msg = (
                f"no split of {total:.0f} households meets {self.low}–{self.high}: "
                f"{fewest - 1} grids exceed the maximum, {fewest} fall below the minimum"
            )
            part.problems.append(
                _problem("community", cid, "band_infeasible", "warning", msg + ".")
            )
            return msg
        big = g.w > self.high
        if big.any():
            msg = f"{int(big.sum())} building(s)/compound(s) above max_households (never split)"
            part.problems.append(
                _problem("community", cid, "building_above_max", "warning", msg + ".")
            )
            return msg
        v, _, _ = score(g, labels, self.low, self.high)
        if v > 0:
            msg = f"{v:.0f} households outside the band: the streets and buildings allow no better split found"
            part.problems.append(_problem("community", cid, "band_not_met", "warning", msg + "."))
            return msg
        return ""

    # -- rows -------------------------------------------------------------------------------

    def _grid(
        self,
        part: _Part,
        cid: str,
        number: int,
        polygon: shapely.Geometry,
        members: np.ndarray,
        status: str | None,
        kept: bool,
    ) -> None:
        hh = self.households[members]
        total = float(np.nansum(hh))
        if status is None:
            status = (
                "below min" if total < self.low else "above max" if total > self.high else "in band"
            )
        part.grid_rows.append(
            {
                "community_id": cid,
                "number": number,
                "households": int(total),
                "member_households": int(self.member_households[members].sum()),
                "formal_members": int(self.formal[members].sum()),
                "buildings": len(members),
                "unknown_buildings": int(np.isnan(hh).sum()),
                "status": status,
                "members": members,
                "geometry": polygon,
            }
        )

    def _community_row(
        self, part: _Part, cid: str, rows: np.ndarray, grids: int, note: str, method: str
    ) -> None:
        total = float(np.nansum(self.households[rows]))
        fewest, most = bounds(total, self.low, self.high)
        part.community_rows.append(
            {
                "community_id": cid,
                "households": int(total),
                "buildings": len(rows),
                "grids": grids,
                "fewest_grids": fewest,
                "band_feasible": bool(fewest <= most),
                "method": method,
                "note": note,
            }
        )

    # -- result -----------------------------------------------------------------------------

    def result(self, full_time: int, per_part_time: int) -> GridDelineation:
        h = self.h
        frame = pd.DataFrame(self.grid_rows)
        ids = self._grid_ids(frame)
        members = frame.pop("members")
        grids = gpd.GeoDataFrame(frame, geometry="geometry", crs=h.communities.crs)
        grids.index = pd.Index(ids, name="grid_id")
        grids = grids.drop(columns="number")
        grids["kept"] = [i in getattr(self, "_kept_ids", set()) for i in ids]
        metric = grids.geometry.to_crs(h.metric_crs)
        grids["polsby_popper"] = (4 * np.pi * metric.area / metric.length**2).round(4)
        _organise(grids, self.rules)
        grids["full_time"] = full_time
        grids["part_time"] = np.ceil(grids["households"] / per_part_time).astype(int)
        b = h.buildings
        new = np.full(len(b), None, dtype=object)
        for gid, rows in zip(ids, members, strict=True):
            new[rows] = gid
        comm = np.where(
            self.community_of >= 0,
            h.communities.index.to_numpy()[np.maximum(self.community_of, 0)],
            None,
        )
        buildings = pd.DataFrame(
            {
                "community_id": comm,
                "grid_id": new,
                "previous_grid_id": self.previous,
                "households": pd.array(self.households, dtype="Float64").astype("Int64"),
            },
            index=b.index,
        )
        moved = (buildings["previous_grid_id"].notna()) & (
            buildings["grid_id"] != buildings["previous_grid_id"]
        )
        buildings["moved"] = moved.to_numpy() if self.keep_existing else False
        moves = (
            buildings.loc[buildings["moved"], ["previous_grid_id", "grid_id"]]
            .rename(columns={"previous_grid_id": "from_grid", "grid_id": "to_grid"})
            .reset_index()
        )
        communities = pd.DataFrame(self.community_rows).set_index("community_id")
        inband = grids.groupby("community_id")["status"].apply(
            lambda s: bool((s == "in band").all())
        )
        communities.insert(
            4, "in_band", inband.reindex(communities.index).fillna(False).astype(bool)
        )
        problems = pd.DataFrame(self.problems, columns=list(ISSUE_COLUMNS))
        return GridDelineation(
            grids=grids,
            buildings=buildings,
            communities=communities,
            moves=moves,
            problems=problems,
            min_households=self.low,
            max_households=self.high,
            rules=self.rules,
            hierarchy=h,
        )

    def _grid_ids(self, frame: pd.DataFrame) -> list[str]:
        """New grids are ``{community_id}-G{n:02d}``; with ``keep_existing`` a proposed grid
        keeps the id of the existing grid whose buildings it keeps or mostly holds."""
        ids = [f"{c}-G{n:02d}" for c, n in zip(frame["community_id"], frame["number"], strict=True)]
        self._kept_ids: set[str] = set()
        if not self.keep_existing:
            return ids
        taken: set[str] = set()
        order = np.argsort(-frame["households"].to_numpy(), kind="stable")
        for pos in order:
            rows = frame["members"].iloc[pos]
            prev = pd.Series(self.previous[rows]).dropna()
            if prev.empty:
                continue
            for candidate in prev.value_counts().index:
                if candidate not in taken:
                    ids[pos] = str(candidate)
                    taken.add(str(candidate))
                    if (
                        (prev == candidate).all()
                        and len(prev) == len(rows)
                        and _same_grid(self.previous, candidate, rows)
                    ):
                        self._kept_ids.add(str(candidate))
                    break
        return ids


def _polygon(faces: np.ndarray) -> shapely.Geometry:
    """Union of faces as a Polygon or MultiPolygon (no lines or points left by the union).

    The faces of one tessellation form a coverage (shared edges are bit-identical), so their
    union is a coverage union: edges shared by two faces drop out, no overlay is needed."""
    union = shapely.coverage_union_all(faces)
    parts = shapely.get_parts(union)
    parts = parts[shapely.get_type_id(parts) == 3]
    out: shapely.Geometry = parts[0] if len(parts) == 1 else shapely.multipolygons(parts)
    return out


def _same_grid(previous: np.ndarray, gid: object, rows: np.ndarray) -> bool:
    return int((previous == gid).sum()) == len(rows)


def _organise(grids: gpd.GeoDataFrame, rules: PartyRules) -> None:
    """Branch, committee or joint branch per grid (PartyRules); joint branches group adjacent
    grids of one community with too few formal members, at most ``joint_branch_max_units``."""
    formal = grids["formal_members"].astype(np.int64)
    formal_of = formal.to_dict()
    org = np.where(
        np.asarray(rules.general_branch_possible(formal), dtype=bool),
        "general branch",
        np.where(
            formal >= rules.committee_min_formal,
            "branch with committee",
            np.where(formal >= rules.branch_min_formal, "branch", "joint branch"),
        ),
    )
    grids["party_organisation"] = org
    joint = pd.Series(pd.NA, index=grids.index, dtype=TEXT_DTYPE)
    short = grids.index[org == "joint branch"]
    for cid, part in grids.loc[short].groupby("community_id", sort=True):
        pending = list(part.index)
        number = 0
        while pending:
            number += 1
            group = [pending.pop(0)]
            total = int(formal_of[group[0]])
            shape = grids.geometry[group[0]]
            while (
                pending
                and len(group) < rules.joint_branch_max_units
                and total < rules.branch_min_formal
            ):
                touching = [p for p in pending if grids.geometry[p].intersects(shape)]
                if not touching:
                    break
                nxt = touching[0]
                pending.remove(nxt)
                group.append(nxt)
                total += int(formal_of[nxt])
                shape = shape.union(grids.geometry[nxt])
            joint[group] = f"{cid}-J{number:02d}"
    grids["joint_branch"] = joint


def _street_hits(streets: np.ndarray, communities: np.ndarray) -> list[IntArray]:
    """Positions of the streets meeting each community (one bulk STRtree query)."""
    if not len(streets):
        return [np.empty(0, dtype=np.int64) for _ in communities]
    comm, street = shapely.STRtree(streets).query(communities, predicate="intersects")
    order = np.argsort(comm, kind="stable")  # each community's streets in tree order
    comm, street = comm[order], street[order]
    cuts = np.searchsorted(comm, np.arange(len(communities) + 1))
    return [street[cuts[c] : cuts[c + 1]].astype(np.int64) for c in range(len(communities))]


def _locate(points: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    out = np.full(len(points), -1, dtype=np.int64)
    if not len(polygons) or not len(points):
        return out
    p, q = shapely.STRtree(polygons).query(points, predicate="within")
    out[p[::-1]] = q[::-1]
    return out


def _compounds(
    b: gpd.GeoDataFrame, points: np.ndarray, compounds: gpd.GeoDataFrame | str | None
) -> np.ndarray | None:
    if compounds is None:
        return None
    if isinstance(compounds, str):
        if compounds not in b.columns:
            raise ColumnError(
                f"compounds={compounds!r} is not a column of the buildings; give a column with "
                "the compound (小区) id or a GeoDataFrame of compound polygons."
            )
        return b[compounds].astype(object).where(b[compounds].notna(), None).to_numpy()
    if not isinstance(compounds, gpd.GeoDataFrame):
        raise InputError(
            f"compounds={type(compounds).__name__} must be a GeoDataFrame of polygons or a "
            "building column name."
        )
    poly = (compounds.to_crs(b.crs) if b.crs is not None else compounds).geometry.to_numpy()
    pos = _locate(points, poly)
    out: npt.NDArray[np.object_] = np.full(len(points), None, dtype=object)
    out[pos >= 0] = compounds.index.to_numpy()[pos[pos >= 0]]
    return out


def _streets(streets: gpd.GeoDataFrame | None, h: Hierarchy) -> tuple[np.ndarray, np.ndarray]:
    if streets is None:
        return np.array([], dtype=object), np.array([], dtype=bool)
    if not isinstance(streets, gpd.GeoDataFrame):
        raise InputError(
            f"streets={type(streets).__name__} must be a GeoDataFrame of street lines."
        )
    crs = h.communities.crs
    s = streets.to_crs(crs) if streets.crs is not None and crs is not None else streets
    geoms = s.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    main = np.zeros(len(s), dtype=bool)
    for col in ("kind", "highway"):
        if col in s.columns:
            main |= s[col].astype(str).isin(MAIN_ROAD_KINDS).to_numpy()
    if "main" in s.columns:
        main |= s["main"].fillna(False).astype(bool).to_numpy()
    return geoms[ok], main[ok]


def _atoms(site: np.ndarray, block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Atom per face: one per building site, one per block without buildings."""
    key = np.where(site >= 0, site, -1 - block)
    _, atom = np.unique(key, return_inverse=True)
    return atom.ravel(), key


def atom_of_face_site(
    atom_of_face: np.ndarray, site: np.ndarray, site_of: np.ndarray
) -> np.ndarray:
    """Atom of each building (through its site)."""
    lookup = np.full(int(max(site.max(), site_of.max())) + 1, -1, dtype=np.int64)
    ok = site >= 0
    lookup[site[ok]] = atom_of_face[ok]
    out: IntArray = lookup[site_of]
    return out


def _remap_faces(
    atom_of_face: np.ndarray, site: np.ndarray, site_of: np.ndarray, atom_of_building: np.ndarray
) -> np.ndarray:
    """Faces follow their site's (possibly merged, renumbered) atom; empty faces get new ones."""
    n_sites = int(max(site_of.max(), site.max())) + 1
    site_atom = np.full(n_sites, -1, dtype=np.int64)
    site_atom[site_of] = atom_of_building
    out = np.where(site >= 0, site_atom[np.maximum(site, 0)], -1)
    empty = out < 0
    if empty.any():
        _, fresh = np.unique(atom_of_face[empty], return_inverse=True)
        out[empty] = fresh.ravel() + int(atom_of_building.max()) + 1
    return out


def _atom_pairs(atom_of_face: np.ndarray, pairs: np.ndarray) -> list[tuple[int, int]]:
    i, j = atom_of_face[pairs[:, 0]], atom_of_face[pairs[:, 1]]
    return list(zip(i[i != j].tolist(), j[i != j].tolist(), strict=True))


def _connected(nbrs: list[dict[int, float]], atoms: set[int]) -> bool:
    start = next(iter(atoms))
    seen, stack = {start}, [start]
    while stack:
        x = stack.pop()
        for y in nbrs[x]:
            if y in atoms and y not in seen:
                seen.add(y)
                stack.append(y)
    return len(seen) == len(atoms)


def _components(n: int, edges: IntArray, allowed: npt.NDArray[np.bool_]) -> IntArray:
    from gridparty.delineation.kernels import components

    out: IntArray = components(
        n, np.ascontiguousarray(edges, dtype=np.int64).reshape(-1, 2), np.asarray(allowed, bool)
    )
    return out


def _groups(
    g: Graph, main_edge: np.ndarray, fixed: np.ndarray, low: int, high: int
) -> list[np.ndarray]:
    """Atoms to partition, in groups: the free atoms' components without main-road edges;
    a component whose households no split can fit in the band joins a neighbour across a
    main road (then across a kept grid's border), until it fits or has no neighbour."""
    free = fixed < 0
    if not len(g.edges):
        both = np.zeros(0, dtype=bool)
    else:
        both = free[g.edges[:, 0]] & free[g.edges[:, 1]]
    comp = _components(g.n, g.edges, both & ~main_edge if len(g.edges) else both)
    comp = np.where(free, comp, -1 - fixed)

    def fits(total: float) -> bool:
        fewest, most = bounds(total, low, high)
        return (total == 0 and False) or fewest <= most

    changed = True
    while changed:
        changed = False
        labels = sorted(set(comp[free].tolist()))
        for c in labels:
            atoms = comp == c
            if not atoms.any() or fits(float(g.w[atoms].sum())):
                continue
            touching = set()
            for i, j in g.edges.tolist():
                if comp[i] == c and comp[j] != c:
                    touching.add(int(comp[j]))
                elif comp[j] == c and comp[i] != c:
                    touching.add(int(comp[i]))
            if not touching:
                continue
            free_nb = [t for t in touching if (comp == t).any() and free[comp == t].all()]
            pool = free_nb or sorted(touching)
            other = min(pool, key=lambda t: (float(g.w[comp == t].sum()), t))
            merged = (comp == other) | atoms
            comp[merged] = c
            free[merged] = True
            fixed[merged] = -1
            changed = True
            break
    return [np.flatnonzero(comp == c) for c in sorted(set(comp[free].tolist()))]


def _bridge_parts(
    edges: np.ndarray, cut: np.ndarray, main_edge: np.ndarray, xy: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join the parts of a community that share no border (islands of a MultiPolygon): each
    part but the largest gets an edge from its atom nearest another part to that atom, treated
    as a main road (a part that meets the band alone stays alone; one that cannot joins its
    nearest neighbour) at no border cost."""
    n = len(xy)
    while True:
        comp = _components(n, edges, np.ones(len(edges), dtype=bool))
        labels, sizes = np.unique(comp, return_counts=True)
        if len(labels) < 2:
            return edges, cut, main_edge
        part = comp == labels[np.argmin(sizes)]
        inside, outside = np.flatnonzero(part), np.flatnonzero(~part)
        d = np.hypot(*(xy[inside, None, :] - xy[None, outside, :]).transpose(2, 0, 1))
        i, j = np.unravel_index(np.argmin(d), d.shape)
        a, b = sorted((int(inside[i]), int(outside[j])))
        edges = np.vstack([edges, [[a, b]]]).astype(np.int64)
        cut = np.append(cut, 0.0)
        main_edge = np.append(main_edge, True)


def _subgraph(g: Graph, atoms: np.ndarray) -> Graph:
    index = np.full(g.n, -1, dtype=np.int64)
    index[atoms] = np.arange(len(atoms))
    if len(g.edges):
        keep = (index[g.edges[:, 0]] >= 0) & (index[g.edges[:, 1]] >= 0)
        edges = index[g.edges[keep]]
        cut = g.cut[keep]
    else:
        edges, cut = np.empty((0, 2), dtype=np.int64), np.empty(0)
    return Graph(g.w[atoms], g.members[atoms], g.xy[atoms], edges, cut)
