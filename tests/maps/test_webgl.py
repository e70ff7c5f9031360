"""``backend="lonboard"``: the hierarchy map as a WebGL lonboard.Map (optional extra)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from gridparty.checks.validate import validate
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets.synthetic import synthetic_city
from gridparty.maps import hierarchy_map
from gridparty.maps.styles import STYLES
from gridparty.maps.webgl import rgba
from gridparty.spatial.assign import assign


@pytest.fixture(scope="module")
def city() -> Hierarchy:
    return assign(synthetic_city(0.2, seed=5, wrong_share=0.05)).hierarchy


def test_missing_lonboard_names_the_extra(city: Hierarchy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "lonboard", None)  # import lonboard raises ImportError
    with pytest.raises(InputError, match=r"^backend='lonboard' needs .*gridparty\[lonboard\]"):
        hierarchy_map(city, backend="lonboard")


def test_unknown_backend_is_refused(city: Hierarchy) -> None:
    with pytest.raises(InputError, match=r"backend='plotly' is not known; use 'folium'"):
        hierarchy_map(city, backend="plotly")


def test_rgba_follows_the_styles() -> None:
    style = STYLES["building_no_group"]
    colours = rgba(["building_group", "building_no_group"], fill=True)
    assert colours[1].tolist() == [0xF0, 0xE4, 0x42, round(255 * style.fill_opacity)]
    assert rgba(["community_boundary"], fill=True)[0, 3] == 0  # outline only


def test_lonboard_map_has_the_layers_colours_and_public_texts(city: Hierarchy) -> None:
    lonboard = pytest.importorskip("lonboard")
    issues = validate(city)
    m = hierarchy_map(city, issues=issues, backend="lonboard", lang="en")
    assert isinstance(m, lonboard.Map)
    grids, buildings, communities, markers = m.layers
    assert [type(layer).__name__ for layer in m.layers] == [
        "PolygonLayer",
        "PolygonLayer",
        "PolygonLayer",
        "ScatterplotLayer",
    ]
    assert grids.table.num_rows == len(city.grids)
    assert buildings.table.num_rows == len(city.buildings)
    assert communities.table.num_rows == len(city.communities)
    drawn = issues[issues["level"] != "household"]
    assert markers.table.num_rows == drawn.geometry.notna().sum() > 0
    names = buildings.table.column("Name").to_pylist()
    assert names == [f"building: {n}" for n in city.buildings["name"]]
    expected = rgba(
        np.where(city.buildings["has_group"], "building_group", "building_no_group").tolist(),
        fill=True,
    )
    pyarrow = pytest.importorskip("pyarrow")
    fill = pyarrow.chunked_array(buildings.get_fill_color).combine_chunks().flatten()
    assert np.array_equal(np.asarray(fill).reshape(-1, 4), expected)
    # popup columns only: no household or member column reaches the page
    assert buildings.table.schema.names == [
        "Name",
        "Building ID",
        "Grid ID",
        "Households",
        "Party group",
        "Member households",
        "Formal members",
        "Probationary members",
        "Hub households",
        "geometry",
    ]
