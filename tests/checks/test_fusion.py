"""Tests for gridparty.checks.fusion: party grids matched with another grid layer by IoU."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city
from tiny_city import UTM, box

from gridparty.checks.fusion import grid_fusion
from gridparty.core.errors import DuplicateIdError, InputError
from gridparty.datasets import sample as ds


def _layer(ids: list[str], shapes: list[shapely.Geometry]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(index=pd.Index(ids, name="code"), geometry=shapes, crs=UTM)


def _party() -> gpd.GeoDataFrame:
    return _layer(
        ["G1", "G2", "G3"], [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 400, 100)]
    )


def test_iou_matching_on_hand_made_grids() -> None:
    # Z1 = G1; G2 is cut 60/40 into Z2 and Z3; Z4 is G3 shifted 20 m east
    other = _layer(
        ["Z1", "Z2", "Z3", "Z4"],
        [box(0, 0, 100, 100), box(100, 0, 160, 100), box(160, 0, 200, 100), box(220, 0, 420, 100)],
    )
    result = grid_fusion(_party(), other, metric_crs=UTM)
    matches = result.matches
    assert matches["other_id"].tolist() == ["Z1", "Z2", "Z4"]
    assert matches["iou"].round(6).tolist() == [1.0, 0.6, round(18_000 / 22_000, 6)]
    # mismatched boundary area: the symmetric difference of each matched pair
    assert matches["mismatch_m2"].round(3).tolist() == [0.0, 4_000.0, 4_000.0]
    assert result.unmatched_grids.empty
    assert result.unmatched_other.index.tolist() == ["Z3"]
    assert result.unmatched_other["best_iou"].round(6).tolist() == [0.4]
    assert result.iou_histogram.loc["0.5–0.6", "grids"] == 0
    assert result.iou_histogram.loc["0.6–0.7", "grids"] == 1
    assert result.iou_histogram["grids"].sum() == 3
    pairs = result.pairs.set_index(["grid_id", "other_id"])
    assert pairs.index.tolist() == [("G1", "Z1"), ("G2", "Z2"), ("G2", "Z3"), ("G3", "Z4")]
    assert pairs["matched"].tolist() == [True, True, False, True]
    summary = result.summary()["value"]
    assert (summary["matched"], summary["other_grids"]) == (3, 4)


def test_competing_pairs_get_the_largest_total_iou() -> None:
    party = _layer(["A1", "A2"], [box(0, 0, 100, 100), box(100, 0, 200, 100)])
    other = _layer(["B1", "B2"], [box(40, 0, 200, 100), box(0, 0, 40, 100)])
    result = grid_fusion(party, other, metric_crs=UTM, min_iou=0.1)
    # A1–B1 0.3, A1–B2 0.4, A2–B1 0.625: B1 is wanted by both; compare with every
    # one-to-one assignment
    iou = {(p.grid_id, p.other_id): p.iou for p in result.pairs.itertuples()}
    best = max(
        sum(iou.get((a, b), 0) for a, b in zip(["A1", "A2"], perm, strict=True))
        for perm in itertools.permutations(["B1", "B2"])
    )
    chosen = result.pairs[result.pairs["matched"]]
    assert chosen["iou"].sum() == pytest.approx(best)
    assert dict(zip(chosen["grid_id"], chosen["other_id"], strict=True)) == {"A1": "B2", "A2": "B1"}


def test_sample_city_against_shifted_and_resplit_grids() -> None:
    h = ds.sample_city()
    metric = h.grids.to_crs(h.metric_crs)
    moved = shapely.transform(
        np.asarray(metric.geometry.array), lambda xy: xy + np.array([5.0, 0.0])
    )
    other = gpd.GeoDataFrame(
        geometry=moved, crs=h.metric_crs, index=pd.Index([f"Z{i:03d}" for i in range(len(moved))])
    )
    first = other.geometry.iloc[0]
    x0, y0, x1, y1 = first.bounds
    halves = [
        first.intersection(shapely.box(x0, y0, (x0 + x1) / 2, y1)),
        first.intersection(shapely.box((x0 + x1) / 2, y0, x1, y1)),
    ]
    other = pd.concat(
        [
            other.iloc[2:],
            gpd.GeoDataFrame(geometry=halves, crs=h.metric_crs, index=pd.Index(["Z900", "Z901"])),
        ]
    )
    result = grid_fusion(h.grids, other.to_crs(4326))
    matched = result.matches["other_id"].notna()
    assert matched.sum() == 59
    # the second grid lost its counterpart (Z001 removed): unmatched on the party side
    assert result.unmatched_grids.index.tolist() == [h.grids.index[1]]
    assert len(result.unmatched_other) == 1  # one half of the re-split first grid
    assert (result.matches.loc[matched, "iou"] > 0.5).all()
    assert result.matches["iou"].median() > 0.9  # a 5 m shift keeps large grids aligned
    assert result.matches.loc[matched, "mismatch_m2"].gt(0).all()


def test_bad_input() -> None:
    with pytest.raises(InputError, match=r"min_iou=0 must be a share in \(0, 1\]"):
        grid_fusion(_party(), _party(), min_iou=0)
    with pytest.raises(InputError, match="other must be a GeoDataFrame"):
        grid_fusion(_party(), pd.DataFrame())
    twice = _party().rename(index={"G2": "G1"})
    with pytest.raises(DuplicateIdError, match="other has repeated ids"):
        grid_fusion(_party(), twice)
    h = tiny_city.grids().set_index("grid_id")
    assert grid_fusion(h, _party()).matches["iou"].round(6).tolist() == [1.0, 1.0, 1.0]
