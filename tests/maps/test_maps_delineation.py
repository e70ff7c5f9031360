"""Tests for gridparty.maps.delineation: proposed against existing grids, moving buildings."""

from __future__ import annotations

import json
import re

import pytest
import tiny_city

from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.delineation.grids import delineate_grids
from gridparty.maps.delineation import _STATUS_STYLES, delineation_map


def _features(html: str) -> list[dict]:
    found = [json.loads(s) for s in re.findall(r"_add\((\{.*\})\);\n", html)]
    return [f for c in found for f in c["features"]]


@pytest.fixture(scope="module")
def redraw():
    # tiny city: 40 + 30 households in G1, 20 in G2, 60 in G3; a band of 20–40 splits G1
    h = Hierarchy(**tiny_city.layers())
    return delineate_grids(h, 20, 40, keep_existing=True)


def test_layers_moves_and_legend(redraw) -> None:
    assert len(redraw.moves) >= 1
    html = delineation_map(redraw, tiles="none", lang="en").get_root().render()
    features = _features(html)
    by_style: dict[str, list[dict]] = {}
    for f in features:
        by_style.setdefault(f["properties"]["s"], []).append(f)
    expected = redraw.grids["status"].map(_STATUS_STYLES).value_counts().to_dict()
    assert {s: len(by_style.get(s, [])) for s in expected} == expected
    assert len(by_style["delineation_existing"]) == len(redraw.hierarchy.grids)
    moved = by_style["delineation_moved"]
    assert sorted(f["properties"]["tip"] for f in moved) == sorted(
        f"building changing grid: {b}" for b in redraw.moves["building_id"]
    )
    # the popup row of a moving building: id, from, to, households (below 5 suppressed)
    row = moved[0]["properties"]["row"]
    move = redraw.moves.set_index("building_id").loc[row[0]]
    assert row[1:3] == [move["from_grid"], move["to_grid"]]
    assert "40 households per grid; " + f"{len(redraw.moves)} buildings change grid" in html


def test_small_counts_suppressed_and_bad_input_named(redraw) -> None:
    html = delineation_map(redraw, tiles="none", min_count=1000).get_root().render()
    grid_rows = [
        f["properties"]["row"]
        for f in _features(html)
        if f["properties"]["s"] in _STATUS_STYLES.values()
    ]
    assert len(grid_rows) == len(redraw.grids)
    assert all(r[2] == "&lt;1000" for r in grid_rows)
    with pytest.raises(InputError, match="must be a GridDelineation"):
        delineation_map(redraw.grids)  # type: ignore[arg-type]
    assert type(redraw.map(tiles="none")).__name__ == "GridpartyMap"
