"""Tests for gridparty.flagship_choice: choosing flagships (MCLP) and the fewest flagships (LSCP)."""

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
from gridparty.errors import InputError
from gridparty.flagship import mentoring_zones
from gridparty.flagship_choice import FlagshipChoice, choose_flagships, fewest_flagships
from gridparty.model import Hierarchy

H = flagship_city.hierarchy()
ORGS = flagship_city.organisations()
DATA = Path(__file__).parent / "data" / "beijing_subdistricts" / "subdistrict"

# Radius 600 m from the middles: A reaches A, A1, A2, O1, O2; B reaches B, B1, O2, O5; C reaches
# C, C1. O3 (900 m from B) and O4 (700 m from C) are out of every candidate's reach.


def _choose(k: int, **kwargs) -> FlagshipChoice:
    kwargs.setdefault("radius_m", 600)
    return choose_flagships(H, k, organisations=ORGS, **kwargs)


@pytest.mark.parametrize("solver", ["exact", "greedy"])
def test_choose_flagships_hand_made(solver: str) -> None:
    one = _choose(1, solver=solver)
    assert one.chosen == ("A",)
    two = _choose(2, solver=solver)
    assert set(two.chosen) == {"A", "B"}
    assert two.siting.covered_weight == 8
    assert two.summary().loc["coverage", "value"] == pytest.approx(8 / 12)
    assert two.summary().loc["uncoverable", "value"] == 2
    assert two.candidates["covers"].tolist() == [5, 4, 2]
    assert two.candidates["chosen"].tolist() == [True, True, False]
    assert two.uncovered.index.tolist() == ["C", "C1", "O3", "O4"]
    assert two.uncovered["coverable"].tolist() == [True, True, False, False]
    assert "secretary" not in two.uncovered.columns
    assert two.siting.method.startswith("spopt" if solver == "exact" else "greedy")


def test_weights_by_members() -> None:
    # A's organisations hold 12 + 3, B's 3 + 50, C's 5 + 5 (a community counts its grids).
    choice = _choose(1, weights="members")
    assert choice.chosen == ("B",)
    assert choice.candidates["covers_weight"].tolist() == [15.0, 53.0, 10.0]
    custom = _choose(1, weights=pd.Series(1.0, index=[*"ABC", "A1", "A2", "B1", "C1",
                                                       "O1", "O2", "O3", "O4", "O5"]).mask(
        lambda s: s.index == "C1", 100.0))
    assert custom.chosen == ("C",)
    assert custom.weights == "custom"


def test_candidates_scores_min_score_and_top() -> None:
    scores = {"A": 1.0, "B": 3.0, "C": 2.0}
    assert _choose(1, scores=scores, top=2).chosen == ("B",)
    assert _choose(1, candidates=["C"]).chosen == ("C",)
    table = _choose(1, scores=scores, min_score=2.0).candidates
    assert table["eligible"].tolist() == [False, True, True]
    assert table["score"].tolist() == [1.0, 3.0, 2.0]
    with pytest.raises(InputError, match=r"k=2 must be a whole number from 1 to the 1 eligible"):
        _choose(2, scores=scores, min_score=2.5)


def test_greedy_ties_go_to_the_better_score() -> None:
    # B reaches B, B1, O2, O5 (4); C reaches C, C1, O4 (3): coverage beats the score.
    choice = _choose(1, radius_m=700, candidates=["B", "C"], scores={"B": 1.0, "C": 5.0},
                     solver="greedy")
    assert choice.chosen == ("B",)
    tie = choose_flagships(H, 1, radius_m=50, levels=["community"], scores={"B": 1.0, "C": 5.0},
                           solver="greedy")
    assert tie.chosen == ("C",)  # each reaches only itself: the better score wins the tie


def test_fewest_flagships() -> None:
    for solver in ("exact", "greedy"):
        cover = fewest_flagships(H, radius_m=600, organisations=ORGS, solver=solver)
        assert set(cover.chosen) == {"A", "B", "C"}
        assert cover.uncovered.index.tolist() == ["O3", "O4"]
        assert not cover.uncovered["coverable"].any()
    wide = fewest_flagships(H, radius_m=2000, organisations=ORGS)
    # Only C reaches O4 (700 m); no single flagship reaches everything, two do.
    assert len(wide.chosen) == 2
    assert "C" in wide.chosen
    assert wide.siting.covered.all()
    assert wide.summary().loc["problem", "value"] == "LSCP"


def test_choice_feeds_mentoring_zones(tmp_path: Path) -> None:
    choice = _choose(2)
    zones = mentoring_zones(H, choice.chosen, radius_m=600, organisations=ORGS)
    assert set(zones.flagships.index) == {"A", "B"}
    book = pd.read_excel(choice.to_excel(tmp_path / "choice.xlsx"), sheet_name=None)
    assert list(book) == ["概要", "候选社区", "未覆盖组织"]


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
        ({"k": 1, "organisations": None, "levels": ["organisation"]},
         r"there are no organisations to mentor"),
        ({"k": 1, "candidates": ["A"], "scores": {"A": 1}, "min_score": 2},
         r"no candidate community is eligible"),
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
    assert greedy.siting.covered_weight >= (1 - 1 / math.e) * exact.siting.covered_weight
    assert exact.summary().loc["organisations", "value"] == len(h.communities) + len(h.grids) + 48


def test_real_beijing_subdistricts_exact_matches_brute_force() -> None:
    """32 real 街道 outlines (东城, 西城) as communities; a flagship reaches its neighbours."""
    frames = [gpd.read_file(DATA / f"{d}-all.geojson") for d in ("dongcheng", "xicheng")]
    outlines = pd.concat(frames, ignore_index=True)[["code", "Name", "geometry"]]
    h = Hierarchy(outlines)
    choice = choose_flagships(h, 3, radius_m=300, origin="boundary", levels=["community"],
                              solver="exact")
    greedy = choose_flagships(h, 3, radius_m=300, origin="boundary", levels=["community"],
                              solver="greedy")
    metric = h.communities.to_crs(h.metric_crs).geometry
    dist = np.array([metric.distance(g).to_numpy() for g in metric])
    reach = dist <= 300
    best = max(reach[:, list(c)].any(axis=1).sum() for c in itertools.combinations(range(32), 3))
    assert choice.siting.covered_weight == best
    assert greedy.siting.covered_weight >= (1 - 1 / math.e) * best
    assert len(h.communities) == 32
