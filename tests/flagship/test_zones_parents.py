"""Mentoring zones and flagship choice fill missing parents from space first."""

from __future__ import annotations

import pandas as pd
import tiny_city

from gridparty.core.model import Hierarchy
from gridparty.flagship.choice import choose_flagships
from gridparty.flagship.zones import mentoring_zones
from gridparty.spatial.assign import with_parents


def _undeclared() -> Hierarchy:
    """The tiny city whose grids do not say which community they belong to."""
    layers = tiny_city.layers()
    layers["grids"] = layers["grids"].assign(community_id=pd.NA)
    return Hierarchy(**layers)


def test_a_flagship_does_not_mentor_its_own_grids_when_they_declare_no_community() -> None:
    zones = mentoring_zones(_undeclared(), ["C1"], radius_m=1000, levels=("community", "grid"))
    assert zones.parents_filled == {"grid": 3, "building": 0, "household": 0}
    assert sorted(zones.own.index) == ["C1", "G1", "G2"]
    assert sorted(zones.mentees.index) == ["C2", "G3"]


def test_with_parents_says_how_many_it_filled() -> None:
    filled = with_parents(_undeclared())
    assert filled.filled == {"grid": 3, "building": 0, "household": 0}
    assert filled.describe() == "parents filled from space: 3 grids → community"
    assert filled.hierarchy.grids["community_id"].tolist() == ["C1", "C1", "C2"]
    whole = Hierarchy(**tiny_city.layers())
    assert with_parents(whole).hierarchy is whole
    assert with_parents(whole).describe() == "parents filled from space: none"


def test_flagship_choice_counts_own_grids_as_own() -> None:
    choice = choose_flagships(_undeclared(), 1, radius_m=1000, levels=("community", "grid"))
    declared = choose_flagships(
        Hierarchy(**tiny_city.layers()), 1, radius_m=1000, levels=("community", "grid")
    )
    assert list(choice.chosen) == list(declared.chosen)
    pd.testing.assert_frame_equal(choice.summary(), declared.summary())
