"""Choosing flagship communities: the most organisations within reach of ``k`` flagships (MCLP),
or the fewest flagships that reach every organisation (LSCP).

A candidate community *covers* an organisation when the organisation lies within its zone
(:func:`gridparty.flagship.zones.zone_definition`: a radius or an area, from the centre or the
boundary), distances in metres in the hierarchy's metric CRS. The cost matrix
(organisations × candidates) holds those distances for the pairs within the radius (found with
a ``shapely.STRtree`` ``dwithin`` query; ``NaN`` elsewhere) and goes to
:mod:`gridparty.spatial.siting`: an exact solve with CBC, or the greedy solver for large inputs.

*Covered* means exactly what :func:`gridparty.flagship.zones.mentoring_zones` counts as a mentee: a
flagship never mentors its own community and grids, and a chosen flagship's own community and
grids are nobody's mentees (they are its ``own`` units). Choosing a community therefore takes
its own units out of the others' reach; the siting core handles that with ``blocked_by``
(each such organisation is blocked by its own community's column). So ``covered`` of a choice
equals ``mentees`` of the zones built from it, and ``uncovered`` its ``unreached``.

* :func:`choose_flagships` — ``k`` flagships, organisations (or members) covered maximised.
* :func:`fewest_flagships` — the fewest flagships within reach of every reachable organisation.

Both return a :class:`FlagshipChoice`; pass ``choice.chosen`` to
:func:`gridparty.flagship.zones.mentoring_zones` for the zones and the mentees.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.geometry import measurable
from gridparty.core.labels import ZONE_LABELS
from gridparty.core.model import Hierarchy
from gridparty.core.results import Tables, figures
from gridparty.flagship.zones import (
    ORGANISATION_LEVELS,
    Origin,
    ZoneDefinition,
    flagship_origins,
    organisation_table,
    origin_geometries,
    owning_flagship,
    zone_definition,
)
from gridparty.spatial.assign import with_parents
from gridparty.spatial.siting import Siting, Solver, max_coverage, set_cover

__all__ = ["WEIGHTS", "FlagshipChoice", "choose_flagships", "fewest_flagships"]

#: Named weightings of organisations: each counts 1, or counts its formal members.
WEIGHTS: tuple[str, ...] = ("organisations", "members")

Weights = Literal["organisations", "members"] | pd.Series | Mapping[str, float]


@dataclass(frozen=True)
class FlagshipChoice(Tables):
    """Result of :func:`choose_flagships` or :func:`fewest_flagships`.

    Attributes
    ----------
    definition : ZoneDefinition
        The zone size and origin used for coverage.
    chosen : tuple of str
        The chosen flagship community ids (greedy: in the order picked).
    siting : gridparty.spatial.siting.Siting
        The solver's answer (``method``, ``optimal``, ``coverage``, ``seconds`` …).
    candidates : DataFrame
        Every community (index ``community_id``): ``name``, ``score``, ``eligible``,
        ``covers`` (organisations within reach, its own community and grids not counted),
        ``covers_weight``, ``chosen``, ``order``.
    uncovered : GeoDataFrame
        Organisations no chosen flagship mentors, other than the chosen flagships' own units
        (the zones' ``unreached``): the columns of
        :func:`~gridparty.flagship.zones.organisation_table` without contacts, and ``coverable``
        (some eligible candidate other than its own community reaches it).
    weights : str
        What was maximised: ``"organisations"``, ``"members"`` or ``"custom"``.
    own_units : int
        Organisations that are the chosen flagships' own communities and grids: neither
        covered (a flagship does not mentor itself) nor uncovered.

    Examples
    --------
    >>> import gridparty as gp
    >>> h, orgs = gp.sample_city(), gp.sample_layer("organisations")
    >>> choice = gp.choose_flagships(h, 2, area_km2=1.0, organisations=orgs)
    >>> len(choice.chosen), len(choice.candidates)
    (2, 9)
    """

    LABELS: ClassVar[dict[str, str]] = ZONE_LABELS

    definition: ZoneDefinition
    chosen: tuple[str, ...]
    siting: Siting
    candidates: pd.DataFrame
    uncovered: gpd.GeoDataFrame
    weights: str
    own_units: int = 0

    def __repr__(self) -> str:
        s = self.siting
        return (
            f"<FlagshipChoice: {len(self.chosen)} flagships ({s.method}), "
            f"{int(s.covered.sum())} of {len(s.covered)} organisations covered; "
            f"{self.definition.describe('en')}>"
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The candidates and the organisations left uncovered."""
        return {"candidates": self.candidates, "uncovered_organisations": self.uncovered}

    def summary(self) -> pd.DataFrame:
        """Problem, solver, flagships, organisations covered (the zones' mentees), the flagships'
        own units, the uncovered (the zones' unreached) and the coverage share.

        The solver's time is not among them (it is ``siting.seconds``), so the files written
        from a choice are the same on every run.
        """
        s = self.siting
        return figures(
            {
                "problem": {"mclp": "MCLP", "lscp": "LSCP"}[s.problem],
                "solver": s.method,
                "optimal": s.optimal,
                "definition": self.definition.describe("zh"),
                "weights": self.weights,
                "candidates": int(self.candidates["eligible"].sum()),
                "flagships": len(self.chosen),
                "organisations": len(s.covered),
                "covered": int(s.covered.sum()),
                "own_units": self.own_units,
                "uncovered": len(self.uncovered),
                "uncoverable": int((~self.uncovered["coverable"]).sum()),
                "covered_weight": s.covered_weight,
                "total_weight": s.total_weight,
                "coverage": s.coverage,
            }
        )


def choose_flagships(
    h: Hierarchy,
    k: int,
    *,
    radius_m: float | None = None,
    area_km2: float | None = None,
    origin: Origin = "centre",
    organisations: gpd.GeoDataFrame | None = None,
    centres: gpd.GeoDataFrame | None = None,
    candidates: Sequence[str] | None = None,
    scores: pd.Series | Mapping[str, float] | None = None,
    min_score: float | None = None,
    top: int | None = None,
    weights: Weights = "organisations",
    levels: Sequence[str] = ORGANISATION_LEVELS,
    solver: Solver = "auto",
    time_limit_s: float | None = None,
) -> FlagshipChoice:
    """Choose ``k`` flagship communities reaching the most organisations (MCLP).

    Parameters
    ----------
    h : Hierarchy
        Communities (the candidates) and grids.
    k : int
        Number of flagships, at most the number of eligible candidates.
    radius_m, area_km2, origin
        The zone, as for :func:`gridparty.flagship.zones.mentoring_zones` (exactly one size).
    organisations, centres, levels
        As for :func:`gridparty.flagship.zones.mentoring_zones`.
    candidates : sequence of str, optional
        Candidate community ids (default: every community).
    scores : Series or mapping, optional
        A score per community id, higher is better (e.g. an assessment score; pass
        ``-rank`` for a rank). Candidates are tried best first, so ties go to the better score.
    min_score : float, optional
        Only candidates scoring at least this are eligible (needs ``scores``).
    top : int, optional
        Only the ``top`` best-scoring candidates are eligible (needs ``scores``).
    weights : {"organisations", "members"} or Series
        Maximise organisations covered (each counts 1), their formal members (a community
        counts the members of all its grids), or a weight per ``organisation_id``.
    solver : {"auto", "exact", "greedy"}
        See :func:`gridparty.spatial.siting.max_coverage`: ``"exact"`` = spopt MCLP with CBC,
        ``"greedy"`` = numpy; ``"auto"`` picks exact for small problems.
    time_limit_s : float, optional
        Stop CBC after this many seconds (the answer is then marked not optimal).

    Returns
    -------
    FlagshipChoice

    Raises
    ------
    InputError
        ``k`` larger than the eligible candidates (or < 1), unknown candidates, scores
        missing for ``min_score``/``top``, no organisations, bad zone size, no organisation
        within reach of any candidate other than its own community (the message gives the
        radius and the nearest distance).

    Examples
    --------
    >>> import gridparty as gp
    >>> h, orgs = gp.sample_city(), gp.sample_layer("organisations")
    >>> choice = gp.choose_flagships(h, 2, area_km2=1.0, organisations=orgs,
    ...                              centres=gp.sample_layer("service_centres"))
    >>> choice.chosen
    ('310101002002', '310101002006')
    """
    setup = _setup(
        h,
        radius_m,
        area_km2,
        origin,
        organisations,
        centres,
        candidates,
        scores,
        min_score,
        top,
        weights,
        levels,
    )
    check_k(k, len(setup.eligible_ids))
    siting = max_coverage(
        setup.cost,
        int(k),
        max_cost=setup.definition.radius_m,
        weights=setup.weights,
        solver=solver,
        time_limit_s=time_limit_s,
        blocked_by=setup.home,
    )
    return setup.result(siting)


def fewest_flagships(
    h: Hierarchy,
    *,
    radius_m: float | None = None,
    area_km2: float | None = None,
    origin: Origin = "centre",
    organisations: gpd.GeoDataFrame | None = None,
    centres: gpd.GeoDataFrame | None = None,
    candidates: Sequence[str] | None = None,
    scores: pd.Series | Mapping[str, float] | None = None,
    min_score: float | None = None,
    top: int | None = None,
    levels: Sequence[str] = ORGANISATION_LEVELS,
    solver: Solver = "auto",
    time_limit_s: float | None = None,
) -> FlagshipChoice:
    """The fewest flagship communities within reach of every organisation (LSCP).

    Organisations no eligible candidate can reach are reported (``uncovered`` with
    ``coverable`` False), not an error. Since a chosen flagship's own community and grids
    are no one's mentees, covering every reachable organisation can be impossible (two
    communities reaching only each other): the answer covers the most organisations that can
    be covered together, with the fewest flagships. Parameters are those of
    :func:`choose_flagships` without ``k`` and ``weights``; ``solver="exact"`` is a CBC model
    (:func:`gridparty.spatial.siting.set_cover` with ``blocked_by``). Raises as
    :func:`choose_flagships` when no organisation is within reach at all.

    Returns
    -------
    FlagshipChoice

    Examples
    --------
    >>> import gridparty as gp
    >>> h, orgs = gp.sample_city(), gp.sample_layer("organisations")
    >>> choice = gp.fewest_flagships(h, area_km2=1.0, organisations=orgs,
    ...                              centres=gp.sample_layer("service_centres"))
    >>> len(choice.chosen), len(choice.uncovered)
    (4, 12)
    """
    setup = _setup(
        h,
        radius_m,
        area_km2,
        origin,
        organisations,
        centres,
        candidates,
        scores,
        min_score,
        top,
        "organisations",
        levels,
    )
    siting = set_cover(
        setup.cost,
        max_cost=setup.definition.radius_m,
        solver=solver,
        time_limit_s=time_limit_s,
        blocked_by=setup.home,
    )
    return setup.result(siting)


def check_k(k: object, eligible: int) -> None:
    """Refuse a ``k`` that is not a whole number from 1 to the ``eligible`` candidates."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= k <= eligible:
        raise InputError(
            f"k={k!r} must be a whole number from 1 to the {eligible} eligible candidate "
            "communities; lower k or widen candidates/min_score/top."
        )


# -- set-up ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Setup:
    """Everything both problems need: the cost matrix and the tables to report on."""

    definition: ZoneDefinition
    table: pd.DataFrame  # every community: name, score, eligible
    eligible_ids: list[str]  # best score first
    orgs: gpd.GeoDataFrame
    cost: np.ndarray  # organisations × eligible candidates, metres, NaN beyond the radius
    weights: np.ndarray
    weight_name: str
    home: np.ndarray  # per organisation: the candidate column of its own community, else -1

    def result(self, siting: Siting) -> FlagshipChoice:
        chosen = [self.eligible_ids[j] for j in siting.chosen]
        within = _reach(self.cost, self.home)
        own = (self.home >= 0) & np.isin(self.home, siting.chosen)
        covers = pd.Series(within.sum(axis=0), index=self.eligible_ids)
        weight = pd.Series(self.weights @ within, index=self.eligible_ids)
        order = pd.Series(np.arange(1, len(chosen) + 1), index=chosen)
        table = self.table.assign(
            covers=covers.reindex(self.table.index).astype("Int64"),
            covers_weight=weight.reindex(self.table.index),
            chosen=self.table.index.isin(chosen),
            order=order.reindex(self.table.index).astype("Int64"),
        )
        public = [
            c
            for c in ("level", "name", "kind", "community_id", "members", "geometry")
            if c in self.orgs.columns
        ]
        left = ~siting.covered & ~own
        uncovered = self.orgs.loc[left, public].assign(coverable=siting.coverable[left])
        return FlagshipChoice(
            self.definition,
            tuple(chosen),
            siting,
            table,
            uncovered,
            self.weight_name,
            int(own.sum()),
        )


def _setup(
    h: Hierarchy,
    radius_m: float | None,
    area_km2: float | None,
    origin: str,
    organisations: gpd.GeoDataFrame | None,
    centres: gpd.GeoDataFrame | None,
    candidates: Sequence[str] | None,
    scores: pd.Series | Mapping[str, float] | None,
    min_score: float | None,
    top: int | None,
    weights: Weights,
    levels: Sequence[str],
) -> _Setup:
    definition = zone_definition(radius_m=radius_m, area_km2=area_km2, origin=origin)
    h = with_parents(h).hierarchy  # a flagship's own grids are known only with their parents
    table = _candidate_table(h, candidates, scores, min_score, top)
    eligible = _ranked(table)
    if not eligible:
        raise InputError(
            "no candidate community is eligible: widen candidates, lower min_score or raise top."
        )
    orgs = organisation_table(h, organisations, levels=levels)
    origins = flagship_origins(h, eligible, centres=centres, argument="candidates")
    orgs_m, origins_m = measurable(orgs, h.metric_crs), origin_geometries(h, origins, definition)
    cost = _cost_matrix(orgs_m, origins_m, definition.radius_m)
    home = owning_flagship(orgs, pd.Index(eligible, dtype=TEXT_DTYPE))
    if not _reach(cost, home).any():
        raise InputError(_out_of_reach(definition, orgs_m, origins_m, home))
    values, name = _weights(weights, orgs)
    return _Setup(definition, table, eligible, orgs, cost, values, name, home)


def _reach(cost: np.ndarray, home: np.ndarray) -> np.ndarray:
    """Organisations × candidates: within the radius and not the candidate's own unit."""
    return np.asarray(~np.isnan(_without_own(cost, home)))


def _without_own(matrix: np.ndarray, home: np.ndarray) -> np.ndarray:
    """A copy of organisations × candidates (metres) with each own-community cell NaN."""
    out = matrix.astype(float)  # a copy
    rows = np.flatnonzero(home >= 0)
    out[rows, home[rows]] = np.nan
    return out


def _out_of_reach(
    definition: ZoneDefinition, orgs_m: np.ndarray, origins_m: np.ndarray, home: np.ndarray
) -> str:
    """Why there is nothing to choose: the zone, the organisations and the nearest distance."""
    dist = _without_own(shapely.distance(orgs_m[:, None], origins_m[None, :]), home)
    what = (
        f"no organisation is within reach of a candidate flagship (zone: "
        f"{definition.describe('en')}; {len(orgs_m)} organisations, {len(origins_m)} candidate "
        "communities; a flagship's own community and grids are not its mentees)"
    )
    if np.isnan(dist).all():
        return (
            f"{what}: there is no organisation other than the candidates' own communities "
            "and grids; pass organisations=..., more levels or more candidates."
        )
    nearest = float(np.nanmin(dist))
    return (
        f"{what}; the nearest is {nearest:,.1f} m away. Pass a zone radius of at "
        f"least {math.ceil(nearest):,} m (radius_m / --radius-m) or origin='boundary'."
    )


def _candidate_table(
    h: Hierarchy,
    candidates: Sequence[str] | None,
    scores: pd.Series | Mapping[str, float] | None,
    min_score: float | None,
    top: int | None,
) -> pd.DataFrame:
    """Every community with its score and whether it is an eligible candidate."""
    index = h.communities.index
    if isinstance(candidates, str):
        candidates = [candidates]
    named = index if candidates is None else pd.Index([str(c) for c in candidates])
    unknown = named.difference(index)
    if len(unknown):
        raise InputError(
            f"candidates: {list(unknown[:5])} are not community ids of the hierarchy; a "
            "flagship must be a community."
        )
    score = _scores(scores, index)
    if (min_score is not None or top is not None) and scores is None:
        raise InputError("min_score and top need scores=... (a score per community id).")
    eligible = index.isin(named)
    if min_score is not None:
        eligible &= (score >= float(min_score)).fillna(False).to_numpy(dtype=bool)
    if top is not None:
        if isinstance(top, bool) or not isinstance(top, int) or top < 1:
            raise InputError(f"top={top!r} must be a whole number >= 1.")
        best = score[eligible].sort_values(ascending=False, kind="stable").index[:top]
        eligible &= index.isin(best)
    return pd.DataFrame(
        {"name": h.communities["name"], "score": score, "eligible": eligible}, index=index
    )


def _scores(scores: pd.Series | Mapping[str, float] | None, index: pd.Index) -> pd.Series:
    """Scores per community (float, NaN where none was given)."""
    if scores is None:
        return pd.Series(np.nan, index=index, dtype="float64")
    series = pd.Series(scores)
    series.index = series.index.astype(TEXT_DTYPE)
    unknown = series.index.difference(index)
    if len(unknown):
        raise InputError(f"scores names {list(unknown[:5])}, which are not community ids.")
    values = pd.to_numeric(series, errors="coerce")
    if values.isna().any() and series.notna().any():
        bad = series[values.isna() & series.notna()]
        if len(bad):
            raise InputError(f"scores must be numbers; found {list(bad.unique()[:5])}.")
    return values.astype("float64").reindex(index)


def _ranked(table: pd.DataFrame) -> list[str]:
    """Eligible ids, best score first (no score last), then in the communities' order."""
    eligible = table[table["eligible"]]
    order = eligible["score"].fillna(-np.inf).sort_values(ascending=False, kind="stable")
    return [str(i) for i in order.index]


def _cost_matrix(orgs_m: np.ndarray, origins_m: np.ndarray, radius_m: float) -> np.ndarray:
    """Distances in metres (rows = organisations, columns = candidates) within the radius.

    The pairs within ``radius_m`` come from one STRtree ``dwithin`` query; every other cell is
    ``NaN`` (out of reach). Distances are rounded to the millimetre, as in
    :func:`gridparty.flagship.zones.mentoring_zones`. Missing geometries reach nothing.
    """
    cost = np.full((len(orgs_m), len(origins_m)), np.nan)
    present = ~shapely.is_missing(orgs_m) & ~shapely.is_empty(orgs_m)
    tree = shapely.STRtree(origins_m)
    rows, cols = tree.query(orgs_m[present], predicate="dwithin", distance=radius_m + 0.001)
    rows = np.flatnonzero(present)[rows]
    # Rounded to the millimetre like the zones' distances, so both agree on who is inside.
    cost[rows, cols] = np.round(shapely.distance(orgs_m[rows], origins_m[cols]), 3)
    return np.where(cost <= radius_m, cost, np.nan)


def _weights(weights: Weights, orgs: pd.DataFrame) -> tuple[np.ndarray, str]:
    """The weight of each organisation and the name of the weighting."""
    if isinstance(weights, str):
        if weights == "organisations":
            return np.ones(len(orgs)), weights
        if weights == "members":
            return orgs["members"].fillna(0).to_numpy(dtype=float), weights
        raise InputError(f"weights={weights!r} is not known; use one of {WEIGHTS} or a Series.")
    series = pd.Series(weights)
    series.index = series.index.astype(TEXT_DTYPE)
    missing = orgs.index.difference(series.index)
    if len(missing):
        raise InputError(
            f"weights has no weight for organisations {list(missing[:5])}; give one weight per "
            "organisation_id of organisation_table(h, ...)."
        )
    values = pd.to_numeric(series.reindex(orgs.index), errors="coerce").to_numpy(dtype=float)
    return values, "custom"
