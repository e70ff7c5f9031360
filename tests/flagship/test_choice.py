"""Tests for gridparty.flagship.choice: choosing flagships (MCLP) and the fewest flagships (LSCP)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import flagship_city
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import gridparty as gp
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.flagship.choice import FlagshipChoice, choose_flagships, fewest_flagships
from gridparty.flagship.zones import mentoring_zones

H = flagship_city.hierarchy()
ORGS = flagship_city.organisations()
DATA = Path(__file__).parents[1] / "data" / "beijing_subdistricts" / "subdistrict"

# Radius 600 m from the middles: A reaches O1, O2 (and its own A, A1, A2, which it does not mentor);
# B reaches O2, O5 (and its own B, B1); C only its own C, C1. O3 (900 m from B) and O4 (700 m from C)
# are out of every candidate's reach. "Covered" is what the zones count as mentees.


def _choose(k: int, **kwargs) -> FlagshipChoice:
    kwargs.setdefault("radius_m", 600)
    return choose_flagships(H, k, organisations=ORGS, **kwargs)


@pytest.mark.parametrize("solver", ["exact", "greedy"])
def test_choose_flagships_hand_made(solver: str) -> None:
    one = _choose(1, solver=solver)
    assert one.siting.covered_weight == 2  # A (O1, O2) and B (O2, O5) tie
    two = _choose(2, solver=solver)
    assert set(two.chosen) == {"A", "B"}
    assert two.siting.covered_weight == 3  # O1, O2, O5: the flagships' own units are not mentees
    summary = two.summary()["value"]
    assert summary["coverage"] == pytest.approx(3 / 12)
    assert (summary["covered"], summary["own_units"], summary["uncovered"]) == (3, 5, 4)
    assert summary["uncoverable"] == 4
    assert two.candidates["covers"].tolist() == [2, 2, 0]
    assert two.candidates["chosen"].tolist() == [True, True, False]
    assert two.uncovered.index.tolist() == ["C", "C1", "O3", "O4"]
    assert two.uncovered["coverable"].tolist() == [False, False, False, False]
    assert "secretary" not in two.uncovered.columns
    assert two.siting.method == (
        "PuLP MCLP with blocked rows, CBC (exact)" if solver == "exact" else "greedy, numpy"
    )


def test_greedy_first_pick_goes_to_the_earliest_on_a_tie() -> None:
    assert _choose(1, solver="greedy").chosen == ("A",)


def test_weights_by_members() -> None:
    # A's mentees hold 12 + 3, B's 3 + 50; C reaches only its own C and C1 (5 + 5, not counted).
    choice = _choose(1, weights="members")
    assert choice.chosen == ("B",)
    assert choice.candidates["covers_weight"].tolist() == [15.0, 53.0, 0.0]
    custom = _choose(
        1,
        weights=pd.Series(
            1.0, index=[*"ABC", "A1", "A2", "B1", "C1", "O1", "O2", "O3", "O4", "O5"]
        ).mask(lambda s: s.index == "O1", 100.0),
    )
    assert custom.chosen == ("A",)
    assert custom.weights == "custom"


def test_candidates_scores_min_score_and_top() -> None:
    scores = {"A": 1.0, "B": 3.0, "C": 2.0}
    assert _choose(1, scores=scores, top=2).chosen == ("B",)
    assert _choose(1, candidates=["B"]).chosen == ("B",)
    table = _choose(1, scores=scores, min_score=2.0).candidates
    assert table["eligible"].tolist() == [False, True, True]
    assert table["score"].tolist() == [1.0, 3.0, 2.0]
    with pytest.raises(InputError, match=r"k=2 must be a whole number from 1 to the 1 eligible"):
        _choose(2, scores=scores, min_score=2.5)


def test_greedy_ties_go_to_the_better_score() -> None:
    # B mentors O2, O5 (2); C mentors O4 (1): coverage beats the score.
    choice = _choose(
        1, radius_m=700, candidates=["B", "C"], scores={"B": 1.0, "C": 5.0}, solver="greedy"
    )
    assert choice.chosen == ("B",)
    tie = _choose(1, scores={"A": 1.0, "B": 5.0}, solver="greedy")
    assert tie.chosen == ("B",)  # A and B mentor two each: the better score wins the tie


def test_fewest_flagships() -> None:
    for solver in ("exact", "greedy"):
        cover = fewest_flagships(H, radius_m=600, organisations=ORGS, solver=solver)
        assert set(cover.chosen) == {"A", "B"}  # C would mentor nothing
        assert cover.uncovered.index.tolist() == ["C", "C1", "O3", "O4"]
        assert not cover.uncovered["coverable"].any()
        # Within 2,000 m B mentors A, A1, A2, C, C1, O1, O2, O3, O5 (9). Adding C would win O4
        # (700 m from C) but lose C and C1 to it (a flagship's own units are nobody's mentees).
        wide = fewest_flagships(H, radius_m=2000, organisations=ORGS, solver=solver)
        assert wide.chosen == ("B",)
        assert wide.siting.covered_weight == 9
        assert wide.uncovered.index.tolist() == ["O4"]
        assert wide.uncovered["coverable"].tolist() == [True]
        assert wide.summary().loc["problem", "value"] == "LSCP"


@pytest.mark.parametrize("radius_m", [400, 600, 2000])
@pytest.mark.parametrize("cover", [True, False])
def test_covered_equals_the_mentees_of_the_zones_built_from_the_choice(
    radius_m: float, cover: bool
) -> None:
    """A flagship's own community and grids are counted neither by the choice nor the zones."""
    if cover:
        choice = fewest_flagships(H, radius_m=radius_m, organisations=ORGS)
    else:
        choice = _choose(2, radius_m=radius_m)
    zones = mentoring_zones(H, choice.chosen, radius_m=radius_m, organisations=ORGS)
    summary = choice.summary()["value"]
    assert summary["covered"] == len(zones.mentees)
    assert summary["own_units"] == len(zones.own)
    assert set(choice.uncovered.index) == set(zones.unreached.index)


def test_nothing_within_reach_says_radius_organisations_and_nearest_distance() -> None:
    # The nearest organisation other than a candidate's own units is O5, 304.14 m from B's middle.
    match = (
        r"no organisation is within reach of a candidate flagship \(zone: radius 300 m, .*"
        r"12 organisations, 3 candidate communities; .*the nearest is 304\.1 m away\. "
        r"Pass a zone radius of at least 305 m"
    )
    with pytest.raises(InputError, match=match):
        fewest_flagships(H, radius_m=300, organisations=ORGS)
    with pytest.raises(InputError, match=match):
        choose_flagships(H, 1, radius_m=300, organisations=ORGS)
    # Only the 两新 organisations: the same O5.
    with pytest.raises(InputError, match=r"5 organisations, .*nearest is 304\.1 m away"):
        fewest_flagships(H, radius_m=10, organisations=ORGS, levels=["organisation"])
    # A city of one community: nothing but its own community and grids to mentor.
    alone = Hierarchy(flagship_city.communities().iloc[:1], flagship_city.grids().iloc[:2])
    with pytest.raises(InputError, match=r"no organisation other than the candidates' own"):
        fewest_flagships(alone, radius_m=5000)


def test_choice_feeds_mentoring_zones(tmp_path: Path) -> None:
    choice = _choose(2)
    zones = mentoring_zones(H, choice.chosen, radius_m=600, organisations=ORGS)
    assert set(zones.flagships.index) == {"A", "B"}
    assert zones.mentees.index.tolist() == ["O1", "O2", "O5"]
    book = pd.read_excel(choice.to_excel(tmp_path / "choice.xlsx"), sheet_name=None)
    assert list(book) == ["概要", "候选社区", "未覆盖组织", "说明"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"k": 4}, r"k=4 must be a whole number from 1 to the 3 eligible candidate"),
        ({"k": 0}, r"k=0 must be"),
        ({"k": 1, "candidates": ["Z"]}, r"candidates: \['Z'\] are not community ids"),
        ({"k": 1, "min_score": 1}, r"min_score and top need scores"),
        ({"k": 1, "scores": {"Z": 1}}, r"scores names \['Z'\]"),
        ({"k": 1, "scores": {"A": "high"}}, r"scores must be numbers; found \['high'\]"),
        ({"k": 1, "scores": {"A": 1}, "top": 0}, r"top=0 must be a whole number >= 1"),
        ({"k": 1, "weights": "people"}, r"weights='people' is not known"),
        ({"k": 1, "weights": pd.Series({"A": 1.0})}, r"weights has no weight for organisations"),
        ({"k": 1, "radius_m": None}, r"give exactly one of radius_m and area_km2"),
        (
            {"k": 1, "organisations": None, "levels": ["organisation"]},
            r"there are no organisations to mentor",
        ),
        (
            {"k": 1, "candidates": ["A"], "scores": {"A": 1}, "min_score": 2},
            r"no candidate community is eligible",
        ),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    kwargs.setdefault("radius_m", 600)
    kwargs.setdefault("organisations", ORGS)
    k = kwargs.pop("k")
    with pytest.raises(InputError, match=match):
        choose_flagships(H, k, **kwargs)


def test_sample_city_choice_is_at_least_as_good_as_greedy() -> None:
    h = gp.sample_city()
    orgs = gp.sample_layer("organisations")
    exact = choose_flagships(h, 2, area_km2=1.0, organisations=orgs, solver="exact")
    greedy = choose_flagships(h, 2, area_km2=1.0, organisations=orgs, solver="greedy")
    assert exact.siting.optimal
    assert exact.siting.covered_weight >= greedy.siting.covered_weight
    assert exact.summary().loc["organisations", "value"] == len(h.communities) + len(h.grids) + 48
    zones = mentoring_zones(h, exact.chosen, area_km2=1.0, organisations=orgs)
    assert exact.summary().loc["covered", "value"] == len(zones.mentees)


def test_sample_city_cover_at_150_m_counts_mentees_only() -> None:
    """The reported case: every community was chosen, its own units counted as covered."""
    h = gp.sample_city()
    orgs, centres = gp.sample_layer("organisations"), gp.sample_layer("service_centres")
    cover = fewest_flagships(h, radius_m=150, organisations=orgs, centres=centres)
    zones = mentoring_zones(h, cover.chosen, radius_m=150, organisations=orgs, centres=centres)
    summary = cover.summary()["value"]
    assert len(cover.chosen) < len(h.communities)
    assert summary["covered"] == len(zones.mentees) > 8
    assert summary["uncovered"] == len(zones.unreached)
    with pytest.raises(InputError, match=r"radius 10 m.*48 organisations.*nearest is \d"):
        fewest_flagships(
            h, radius_m=10, organisations=orgs, centres=centres, levels=["organisation"]
        )


def test_real_beijing_subdistricts_exact_matches_brute_force() -> None:
    """32 real 街道 outlines (东城, 西城) as communities; a flagship reaches its neighbours."""
    frames = [gpd.read_file(DATA / f"{d}-all.geojson") for d in ("dongcheng", "xicheng")]
    outlines = pd.concat(frames, ignore_index=True)[["code", "Name", "geometry"]]
    h = Hierarchy(outlines)
    choice = choose_flagships(
        h, 3, radius_m=300, origin="boundary", levels=["community"], solver="exact"
    )
    greedy = choose_flagships(
        h, 3, radius_m=300, origin="boundary", levels=["community"], solver="greedy"
    )
    metric = h.communities.to_crs(h.metric_crs).geometry
    dist = np.array([metric.distance(g).to_numpy() for g in metric])
    reach = (dist <= 300) & ~np.eye(32, dtype=bool)  # a flagship does not mentor itself

    def mentees(combo: tuple[int, ...]) -> int:
        others = np.ones(32, dtype=bool)
        others[list(combo)] = False  # nor is a flagship anyone's mentee
        return int((reach[:, list(combo)].any(axis=1) & others).sum())

    best = max(mentees(c) for c in itertools.combinations(range(32), 3))
    assert choice.siting.covered_weight == best
    assert greedy.siting.covered_weight <= best
    assert greedy.siting.covered_weight >= (1 - 1 / math.e) * best  # holds here, not in general
    assert len(h.communities) == 32
