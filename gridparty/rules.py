"""Rules of party organisation as thresholds, each with its source.

The defaults follow DESIGN.md §3. Override any of them with
``dataclasses.replace(DEFAULT_RULES, branch_min_formal=5)`` or ``PartyRules(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

__all__ = ["DEFAULT_RULES", "SOURCES", "PartyRules"]

#: Where each default comes from.
SOURCES: MappingProxyType[str, str] = MappingProxyType(
    {
        "branch_min_formal": "中国共产党支部工作条例（试行）(2018) 第五条: 有正式党员3人以上的单位应成立党支部",
        "group_min_members": "standing practice: a party group has >= 3 members",
        "group_min_formal": "standing practice: a party group includes >= 1 formal member",
    }
)


@dataclass(frozen=True)
class PartyRules:
    """Thresholds used by the organisational checks.

    Parameters
    ----------
    branch_min_formal : int
        A unit with at least this many formal members should form a branch (default 3).
    group_min_members : int
        A building whose households hold at least this many members (formal + probationary)
        can form a party group (default 3).
    group_min_formal : int
        ... of whom at least this many are formal members (default 1).
    """

    branch_min_formal: int = 3
    group_min_members: int = 3
    group_min_formal: int = 1

    def __post_init__(self) -> None:
        from .errors import InputError

        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(
                    f"PartyRules.{f.name}={value!r} must be a whole number >= 0 (default {f.default})."
                )

    def source(self, name: str) -> str:
        """The source of the default of threshold ``name``."""
        return SOURCES[name]


DEFAULT_RULES = PartyRules()
