"""What a shared map may show: public columns only, aggregate counts, small counts suppressed."""

from __future__ import annotations

import pandas as pd

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.schema import LEVELS

__all__ = [
    "COUNT_COLUMNS",
    "DEFAULT_MIN_COUNT",
    "SMALL_COUNT_COLUMNS",
    "check_min_count",
    "public_table",
    "suppress_small_counts",
]

#: Counts below this are shown as ``"<5"`` (a parameter ``min_count`` everywhere).
DEFAULT_MIN_COUNT = 5

#: Aggregate columns a map may show (as produced by ``Hierarchy.summary``).
COUNT_COLUMNS = (
    "grids",
    "buildings",
    "households",
    "member_households",
    "formal_members",
    "probationary_members",
    "hub_households",
)

#: Counts of households and people: suppressed below ``min_count``.
SMALL_COUNT_COLUMNS = frozenset(
    {"households", "member_households", "formal_members", "probationary_members", "hub_households"}
)


def check_min_count(min_count: object) -> int:
    """Return ``min_count`` if it is a whole number >= 0 (0 suppresses nothing)."""
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise InputError(
            f"min_count={min_count!r} must be a whole number >= 0 (counts below it are shown "
            "as '<min_count'; 0 shows every count)."
        )
    return min_count


def suppress_small_counts(values: pd.Series, min_count: int = DEFAULT_MIN_COUNT) -> pd.Series:
    """Counts as text, every count below ``min_count`` (zero included) replaced by ``"<min_count"``.

    Parameters
    ----------
    values : Series
        Counts (integers, possibly missing).
    min_count : int
        Threshold; 0 shows every count.

    Returns
    -------
    Series of string dtype
        Same index; missing counts stay missing.
    """
    min_count = check_min_count(min_count)
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    out = numbers.round().astype("Int64").astype(TEXT_DTYPE)
    return out.mask((numbers < min_count).fillna(False), f"<{min_count}")


def public_table(
    frame: pd.DataFrame, level: str, counts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The columns of ``frame`` a map may show, joined with allowed aggregate ``counts``.

    Parameters
    ----------
    frame : DataFrame
        A layer of the hierarchy (index = id).
    level : {"community", "grid", "building"}
        Its level; only ``schema.Level.public_columns`` of it are kept (never personal ones).
    counts : DataFrame, optional
        Aggregates by the same id (e.g. ``Hierarchy.summary("grid")``); only
        :data:`COUNT_COLUMNS` not already in ``frame`` are taken.

    Returns
    -------
    DataFrame
        A new frame with the same index (the id is the index, not a column).
    """
    spec = LEVELS[level]
    keep = [c for c in spec.public_columns if c != spec.id_column and c in frame.columns]
    table = pd.DataFrame(frame[keep], copy=True)
    if counts is None:
        return table
    if not isinstance(counts, pd.DataFrame):
        raise InputError(
            f"counts must be a DataFrame indexed by {spec.id_column}, e.g. "
            f"h.summary({level!r}); got {type(counts).__name__}."
        )
    extra = [c for c in COUNT_COLUMNS if c in counts.columns and c not in table.columns]
    joined = counts[extra].reindex(table.index)
    return pd.concat([table, joined], axis=1)
