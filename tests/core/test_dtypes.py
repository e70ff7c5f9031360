"""Tests for gridparty.core.dtypes: the documented dtypes of layers and result tables.

The suite runs twice in CI, without and with pyarrow. pandas' own ``"string"`` dtype is
Arrow-backed when pyarrow is installed (a comparison then gives ``bool[pyarrow]``); gridparty's
layers and tables must hold the same dtypes, and answer the same, in both environments.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import tiny_city

from gridparty.checks.validate import validate
from gridparty.core.dtypes import (
    COUNT_DTYPE,
    FLAG_DTYPE,
    ID_DTYPE,
    KIND_DTYPES,
    TEXT_DTYPE,
    as_flags,
    as_text,
)
from gridparty.core.layers import empty_layer, is_normalised, normalise_layer
from gridparty.core.model import Hierarchy
from gridparty.core.schema import LEVELS
from gridparty.spatial.assign import assign

is_string = pd.api.types.is_string_dtype
is_bool = pd.api.types.is_bool_dtype


def test_the_documented_dtypes() -> None:
    assert isinstance(TEXT_DTYPE, pd.StringDtype)
    assert TEXT_DTYPE.storage == "python"
    assert TEXT_DTYPE.na_value is pd.NA
    assert ID_DTYPE is TEXT_DTYPE
    assert (str(TEXT_DTYPE), str(FLAG_DTYPE), str(COUNT_DTYPE)) == ("string", "boolean", "Int64")
    assert KIND_DTYPES == {"str": TEXT_DTYPE, "int": COUNT_DTYPE, "bool": FLAG_DTYPE}
    assert as_text(["G1", None, float("nan")]).dtype == TEXT_DTYPE
    assert as_text(["G1", None, float("nan")]).isna().tolist() == [False, True, True]
    assert as_flags([True, None, False]).dtype == FLAG_DTYPE
    assert as_flags([True, None, False]).isna().tolist() == [False, True, False]


@pytest.mark.parametrize("name", ["community", "grid", "building", "household"])
def test_every_layer_has_the_documented_dtypes(name: str) -> None:
    level = LEVELS[name]
    h = Hierarchy(**tiny_city.layers())
    layer = h.layers[name]
    assert layer.index.dtype == ID_DTYPE
    assert is_string(layer.index.dtype)
    if level.parent_column:
        assert layer[level.parent_column].dtype == ID_DTYPE
    for column, kind in level.attributes.items():
        assert layer[column].dtype == KIND_DTYPES[kind], column
        assert {"str": is_string, "bool": is_bool}.get(kind, pd.api.types.is_integer_dtype)(
            layer[column].dtype
        )
    assert is_normalised(layer, level)
    empty = empty_layer(level)
    assert empty.index.dtype == ID_DTYPE
    assert empty.dtypes.drop("geometry").equals(layer.dtypes[empty.columns].drop("geometry"))


def test_comparing_ids_gives_nullable_flags() -> None:
    grids = Hierarchy(**tiny_city.layers()).grids
    same = grids["community_id"] == "C1"
    assert same.dtype == FLAG_DTYPE
    assert same.tolist() == [True, True, False]


def test_arrow_backed_input_gives_the_same_layer() -> None:
    pa = pytest.importorskip("pyarrow")
    given = tiny_city.grids()
    arrow = given.astype(
        {
            "grid_id": pd.ArrowDtype(pa.large_string()),
            "community_id": pd.StringDtype("pyarrow"),
            "name": pd.ArrowDtype(pa.string()),
            "has_branch": pd.ArrowDtype(pa.bool_()),
            "full_time_workers": pd.ArrowDtype(pa.int64()),
        }
    )
    assert not is_normalised(arrow, LEVELS["grid"])
    expected = normalise_layer(given, LEVELS["grid"])[0]
    layer = normalise_layer(arrow, LEVELS["grid"])[0]
    pd.testing.assert_frame_equal(layer, expected)
    assert layer.index.dtype == ID_DTYPE


def test_result_tables_have_the_documented_dtypes() -> None:
    h = Hierarchy(**tiny_city.layers())
    table = assign(h).table
    assert table["id"].dtype == ID_DTYPE
    assert table["declared"].dtype == ID_DTYPE
    assert table["spatial"].dtype == ID_DTYPE
    assert table["agree"].dtype == FLAG_DTYPE
    assert is_bool(table["agree"].dtype)
    issues = validate(h)
    assert set(issues.drop(columns="geometry").dtypes) == {TEXT_DTYPE}
    summary = h.summary("grid")
    assert summary.index.dtype == ID_DTYPE
    assert summary["households"].dtype == "int64"


def test_empty_buildings_and_households_validate() -> None:
    layers = tiny_city.layers()
    empty = {
        "buildings": gpd.GeoDataFrame(layers["buildings"].iloc[:0], crs=layers["buildings"].crs),
        "households": gpd.GeoDataFrame(layers["households"].iloc[:0], crs=layers["households"].crs),
    }
    h = Hierarchy(**{**layers, **empty})
    assert h.summary("grid")[["buildings", "households"]].sum().tolist() == [0, 0]
    assert set(validate(h).drop(columns="geometry").dtypes) == {TEXT_DTYPE}
