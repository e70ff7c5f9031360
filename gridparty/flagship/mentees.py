"""Mentee rules: which flagship mentors an organisation that lies in several zones.

Each rule takes the boolean matrix ``inside`` (organisations × flagships: inside the zone and
not the flagship's own), the distances in metres, the organisation table and the flagship ids,
and returns the column (flagship position) chosen per organisation, ``-1`` for none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
import pandas as pd

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError

__all__ = ["RULES", "MenteeRule", "rule_function"]

#: Mentee rules by name (a callable is accepted too, see :func:`gridparty.flagship.zones.mentoring_zones`).
RULES: tuple[str, ...] = ("nearest", "least_loaded")

MenteeRule = Literal["nearest", "least_loaded"] | Callable[[pd.DataFrame], pd.Series]

_Chooser = Callable[[np.ndarray, np.ndarray, pd.DataFrame, pd.Index], np.ndarray]


def rule_function(rule: MenteeRule) -> tuple[str, _Chooser]:
    """The rule's name and the function choosing one zone per organisation."""
    if callable(rule):
        return getattr(rule, "__name__", "custom"), _custom(rule)
    if rule == "nearest":
        return rule, _nearest
    if rule == "least_loaded":
        return rule, _least_loaded
    raise InputError(f"rule={rule!r} is not known; use one of {RULES} or a callable.")


def _nearest(inside: np.ndarray, dist: np.ndarray, *_: object) -> np.ndarray:
    """Column of the nearest zone containing each row (ties: the first), -1 when none."""
    masked = np.where(inside, dist, np.inf)
    return np.where(inside.any(axis=1), masked.argmin(axis=1), -1)


def _least_loaded(inside: np.ndarray, dist: np.ndarray, *_: object) -> np.ndarray:
    """One-zone rows to their zone; the rest, nearest first, to the least-loaded candidate."""
    choice = _nearest(inside, dist)
    zones = inside.sum(axis=1)
    load = np.bincount(choice[zones == 1], minlength=inside.shape[1])
    several = np.flatnonzero(zones > 1)
    nearest = np.where(inside, dist, np.inf).min(axis=1)
    for row in several[np.argsort(nearest[several], kind="stable")]:
        candidates = np.flatnonzero(inside[row])
        best = candidates[np.lexsort((dist[row, candidates], load[candidates]))[0]]
        choice[row] = best
        load[best] += 1
    return choice


def _custom(rule: Callable[[pd.DataFrame], pd.Series]) -> _Chooser:
    """Wrap a user rule: candidate pairs in, ``organisation_id → flagship_id`` out, checked."""

    def choose(
        inside: np.ndarray, dist: np.ndarray, orgs: pd.DataFrame, flagship_ids: pd.Index
    ) -> np.ndarray:
        rows, cols = np.nonzero(inside)
        pairs = pd.DataFrame(
            {
                "organisation_id": orgs.index.to_numpy()[rows],
                "flagship_id": flagship_ids.to_numpy()[cols],
                "distance_m": dist[rows, cols],
                "level": orgs["level"].to_numpy()[rows],
                "name": pd.array(orgs["name"].to_numpy()[rows], dtype=TEXT_DTYPE),
                "members": orgs["members"].to_numpy()[rows],
            }
        )
        picked = rule(pairs.copy())
        if not isinstance(picked, pd.Series):
            raise InputError(
                f"rule returned {type(picked).__name__}; it must return a Series "
                "organisation_id → flagship_id."
            )
        pos = orgs.index.get_indexer(pd.Index(picked.index.astype(str), dtype=TEXT_DTYPE))
        col = flagship_ids.get_indexer(pd.Index(picked.astype(TEXT_DTYPE), dtype=TEXT_DTYPE))
        known = (pos >= 0) & (col >= 0)
        choice = np.full(len(orgs), -1)
        choice[pos[known]] = col[known]
        rows = np.arange(len(orgs))
        held = (choice >= 0) & inside[rows, np.maximum(choice, 0)]
        bad = np.where(inside.any(axis=1), ~held, choice >= 0)
        if bad.any() or not known.all():
            shown = list(orgs.index[bad][:5]) + list(picked.index[~known][:5])
            raise InputError(
                "rule must return, for every organisation inside a zone and no other, one of "
                f"the flagships whose zone holds it; it did not for {shown[:5]}."
            )
        return choice

    return choose
