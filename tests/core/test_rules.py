"""Tests for gridparty.core.rules: thresholds with sources."""

from __future__ import annotations

import dataclasses

import pytest

from gridparty.core.errors import InputError
from gridparty.core.rules import DEFAULT_RULES, PartyRules


def test_defaults_and_sources() -> None:
    assert DEFAULT_RULES.branch_min_formal == 3
    assert "支部工作条例" in DEFAULT_RULES.source("branch_min_formal")
    assert dataclasses.replace(DEFAULT_RULES, branch_min_formal=5).branch_min_formal == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_RULES.branch_min_formal = 4  # type: ignore[misc]


@pytest.mark.parametrize("bad", [-1, 2.5, True, "3"])
def test_bad_thresholds_are_named(bad: object) -> None:
    with pytest.raises(InputError, match=r"PartyRules.branch_min_formal=.* must be a whole number"):
        PartyRules(branch_min_formal=bad)  # type: ignore[arg-type]
