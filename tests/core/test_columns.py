"""Tests for gridparty.core.columns: column mapping, id strings, attribute typing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridparty.core.columns import as_id_strings, coerce_attribute, map_columns, mapping_for_level
from gridparty.core.errors import ColumnError, InputError
from gridparty.core.schema import LEVELS


def test_ids_from_floats_ints_and_text() -> None:
    assert as_id_strings(pd.Series([1.0, 2.0, np.nan])).tolist() == ["1", "2", pd.NA]
    assert as_id_strings(pd.Series([110101001000, 7])).tolist() == ["110101001000", "7"]
    assert as_id_strings(pd.Series([" G1 ", "", None])).tolist() == ["G1", pd.NA, pd.NA]
    assert as_id_strings(pd.Series([1.5])).tolist() == ["1.5"]


@given(st.lists(st.integers(min_value=0, max_value=10**15), min_size=1, max_size=20))
def test_integer_ids_survive_a_float_column(values: list[int]) -> None:
    floats = pd.Series(values, dtype="float64")
    exact = [int(f) for f in floats]  # what the float column really holds
    assert as_id_strings(floats).tolist() == [str(v) for v in exact]


@given(st.lists(st.text(min_size=1, max_size=8).filter(lambda s: s.strip() != ""), max_size=10))
def test_text_ids_are_kept_stripped(values: list[str]) -> None:
    assert as_id_strings(pd.Series(values, dtype="object")).tolist() == [v.strip() for v in values]


def test_booleans_in_chinese_and_english() -> None:
    values = pd.Series(["是", "否", "有", "没有", "Y", "n", "TRUE", "0", None, 1])
    out = coerce_attribute(values, "bool", "grids", "has_branch")
    assert out.tolist() == [True, False, True, False, True, False, True, False, pd.NA, True]
    with pytest.raises(InputError, match=r"column 'has_branch' must be yes/no .*found \['maybe'\]"):
        coerce_attribute(pd.Series(["maybe", "是"]), "bool", "grids", "has_branch")


def test_integers_reject_fractions_and_words() -> None:
    assert coerce_attribute(pd.Series(["3", 4.0, None]), "int", "x", "households").tolist() == [
        3,
        4,
        pd.NA,
    ]
    with pytest.raises(
        InputError, match=r"'households' must hold whole numbers; found \['三户', 2.5\]"
    ):
        coerce_attribute(pd.Series(["三户", 2.5, 1]), "int", "buildings", "households")


def test_mapping_flat_or_nested() -> None:
    grid = LEVELS["grid"]
    assert mapping_for_level({"编号": "grid_id"}, grid) == {"编号": "grid_id"}
    assert mapping_for_level({"grid": {"编号": "grid_id"}, "community": {}}, grid) == {
        "编号": "grid_id"
    }
    with pytest.raises(InputError, match=r"unknown level keys \['grids'\]"):
        mapping_for_level({"grids": {"编号": "grid_id"}}, grid)
    with pytest.raises(InputError, match="columns must map a column name to a code name"):
        mapping_for_level({"编号": 3}, grid)  # type: ignore[dict-item]


def test_map_columns_prefers_code_names_and_reports_missing() -> None:
    frame = pd.DataFrame(columns=["grid_id", "网格编号", "网格名称"])
    assert map_columns(frame, LEVELS["grid"], {}, "grids") == {"网格名称": "name"}
    with pytest.raises(ColumnError, match=r"columns= names \['编号'\] but the layer has only"):
        map_columns(frame, LEVELS["grid"], {"编号": "grid_id"}, "grids")
    with pytest.raises(
        ColumnError, match=r"maps '网格编号' to 'grid_id' but the layer already has"
    ):
        map_columns(frame, LEVELS["grid"], {"网格编号": "grid_id"}, "grids")
