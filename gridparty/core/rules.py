"""Rules of party organisation as thresholds, each with its source.

The defaults and their sources: docs/rules.md. Override any of them with
``dataclasses.replace(DEFAULT_RULES, branch_min_formal=5)`` or ``PartyRules(...)``.

Where sources disagree the choice is a parameter: the general-branch threshold is "more than
50" (超过50人) in some texts and "50 or more" (50人以上) in others, so
``general_branch_comparison`` says which reading applies (in Chinese legal usage 以上 includes
the number itself).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from types import MappingProxyType

__all__ = ["COMPARISONS", "DEFAULT_RULES", "SOURCES", "PartyRules"]

_BRANCH_RULES = "中国共产党支部工作条例（试行）(2018)"

#: Where each default comes from.
SOURCES: MappingProxyType[str, str] = MappingProxyType(
    {
        "branch_min_formal": f"{_BRANCH_RULES} 第五条: 有正式党员3人以上的单位应成立党支部",
        "group_min_members": "standing practice: a party group has >= 3 members",
        "group_min_formal": "standing practice: a party group includes >= 1 formal member",
        "joint_branch_max_units": (
            f"{_BRANCH_RULES}: 正式党员不足3人的单位可与邻近单位党员成立联合党支部, "
            "联合党支部覆盖单位一般不超过5个"
        ),
        "committee_min_formal": f"{_BRANCH_RULES}: 有正式党员7人以上的党支部设立党支部委员会",
        "general_branch_min_formal": (
            "standing organisational practice: a unit with more than 50 members (超过50人) may "
            "form a general branch (党总支); some texts say 50人以上 — see "
            "general_branch_comparison; "
            f"{_BRANCH_RULES}: 党支部党员人数一般不超过50人"
        ),
        "general_branch_comparison": (
            "sources disagree at 50: 超过 (more than) or 以上 (the number itself included); "
            "gridparty takes 超过 (> 50) as the default"
        ),
        "primary_committee_min_formal": (
            "standing organisational practice: 党员100人以上 → 党的基层委员会 (primary committee)"
        ),
        "grid_households_min": (
            "common urban practice: 300–500 households per grid (practice varies: 160–255, "
            "micro-grids of 30–100)"
        ),
        "grid_households_max": (
            "common urban practice: 300–500 households per grid (practice varies: 160–255, "
            "micro-grids of 30–100)"
        ),
        "grid_min_full_time": (
            "standing practice: every grid has at least one full-time grid worker (专职网格员); "
            "published figures: 242 full-time workers for 198 grids"
        ),
        "hub_min_member_households": (
            "project choice: a building with at least one member household can name a hub "
            "household (党员中心户), which must itself be a member household"
        ),
    }
)

#: Readings of the general-branch threshold: 超过 = more than (>), 以上 = at least (>=).
COMPARISONS: MappingProxyType[str, str] = MappingProxyType({"超过": ">", "以上": ">="})


@dataclass(frozen=True)
class PartyRules:
    """Thresholds used by the organisational checks (counts of people or units).

    Parameters
    ----------
    branch_min_formal : int
        A unit with at least this many formal members should form a branch (default 3).
    group_min_members : int
        A building whose households hold at least this many members (formal + probationary)
        can form a party group (default 3).
    group_min_formal : int
        ... of whom at least this many are formal members (default 1).
    joint_branch_max_units : int
        A joint branch (联合党支部) of units with too few formal members covers at most this
        many units (default 5).
    committee_min_formal : int
        A branch with at least this many formal members sets up a branch committee
        (支部委员会, default 7).
    general_branch_min_formal : int
        Above this many formal members (see ``general_branch_comparison``) a branch may become
        a general branch (党总支, default 50).
    general_branch_comparison : {"超过", "以上"}
        ``"超过"`` (default): more than ``general_branch_min_formal``; ``"以上"``: at least.
    primary_committee_min_formal : int
        A unit with at least this many formal members forms a primary committee
        (基层党委, default 100).
    grid_households_min, grid_households_max : int
        The band of households per grid (default 300–500).
    grid_min_full_time : int
        Full-time grid workers (专职网格员) every grid should have (default 1).
    hub_min_member_households : int
        A building with at least this many member households should have a hub household
        (党员中心户, default 1).

    Examples
    --------
    >>> import gridparty as gp
    >>> rules = gp.PartyRules()
    >>> rules.branch_min_formal, rules.grid_households_min, rules.grid_households_max
    (3, 300, 500)
    >>> gp.PartyRules(grid_households_max=600).grid_households_max
    600
    """

    branch_min_formal: int = 3
    group_min_members: int = 3
    group_min_formal: int = 1
    joint_branch_max_units: int = 5
    committee_min_formal: int = 7
    general_branch_min_formal: int = 50
    general_branch_comparison: str = "超过"
    primary_committee_min_formal: int = 100
    grid_households_min: int = 300
    grid_households_max: int = 500
    grid_min_full_time: int = 1
    hub_min_member_households: int = 1

    def __post_init__(self) -> None:
        from gridparty.core.errors import InputError

        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "general_branch_comparison":
                if value not in COMPARISONS:
                    raise InputError(
                        f"PartyRules.general_branch_comparison={value!r} must be '超过' (more "
                        "than) or '以上' (at least)."
                    )
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InputError(
                    f"PartyRules.{f.name}={value!r} must be a whole number >= 0 (default {f.default})."
                )
        if self.grid_households_min > self.grid_households_max:
            raise InputError(
                f"PartyRules.grid_households_min={self.grid_households_min} exceeds "
                f"grid_households_max={self.grid_households_max}; give the band low, high."
            )

    def source(self, name: str) -> str:
        """The source of the default of threshold ``name``."""
        return SOURCES[name]

    def general_branch_possible(self, formal: object) -> object:
        """Whether ``formal`` members (a number or an array) allow a general branch."""
        if self.general_branch_comparison == "超过":
            return formal > self.general_branch_min_formal  # type: ignore[operator]
        return formal >= self.general_branch_min_formal  # type: ignore[operator]


DEFAULT_RULES = PartyRules()
