"""Tests for gridparty.core.arguments: the numeric argument checks behind every distance and count.

Each check gives the value back as the right type or raises an InputError that names the
argument and shows the bad value.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridparty.core.arguments import positive_number, whole_number
from gridparty.core.errors import GridpartyError, InputError
from gridparty.datasets.sample import sample_layer

# -- positive_number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(500, 500.0), (0.25, 0.25), (np.int64(7), 7.0), (np.float32(2.5), 2.5), (1e-300, 1e-300)],
)
def test_positive_number_gives_a_python_float(value: object, expected: float) -> None:
    out = positive_number(value, "radius_m")
    assert out == expected
    assert type(out) is float


def test_zero_is_allowed_only_when_asked() -> None:
    with pytest.raises(InputError, match=r"^tolerance_m=0 must be a positive finite number\.$"):
        positive_number(0, "tolerance_m")
    assert positive_number(0, "tolerance_m", zero=True) == 0.0
    assert positive_number(0.0, "tolerance_m", zero=True) == 0.0


@pytest.mark.parametrize(
    ("value", "zero", "match"),
    [
        (-1, False, r"^radius_m=-1 must be a positive finite number\.$"),
        (-0.5, True, r"^radius_m=-0\.5 must be a finite number >= 0\.$"),
        (-0.0, False, r"^radius_m=-0\.0 must be a positive finite number\.$"),
        (math.nan, False, r"^radius_m=nan must be a positive finite number\.$"),
        (math.inf, True, r"^radius_m=inf must be a finite number >= 0\.$"),
        (-math.inf, False, r"^radius_m=-inf must be a positive finite number\.$"),
        (np.float64(np.nan), False, r"^radius_m=np\.float64\(nan\) must be a positive finite"),
    ],
)
def test_positive_number_refuses_values_out_of_range(value: object, zero: bool, match: str) -> None:
    with pytest.raises(InputError, match=match):
        positive_number(value, "radius_m", zero=zero)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("500", "'500'"),
        (True, "True"),
        (False, "False"),
        (None, "None"),
        ([5], r"\[5\]"),
        (1 + 2j, r"\(1\+2j\)"),
    ],
)
def test_positive_number_refuses_non_numbers(value: object, shown: str) -> None:
    with pytest.raises(InputError, match=rf"^walk_m={shown} must be a number\.$"):
        positive_number(value, "walk_m")


def test_the_hint_is_added_in_brackets() -> None:
    with pytest.raises(InputError, match=r"^radius_m='1 km' must be a number \(metres\)\.$"):
        positive_number("1 km", "radius_m", hint="metres")
    with pytest.raises(
        InputError, match=r"^radius_m=-3 must be a positive finite number \(metres\)\.$"
    ):
        positive_number(-3, "radius_m", hint="metres")


def test_the_errors_are_value_errors_too() -> None:
    with pytest.raises(ValueError, match="radius_m"):
        positive_number(-1, "radius_m")
    with pytest.raises(GridpartyError, match="count"):
        whole_number(1.5, "count", 0)


def test_a_huge_int_is_refused_with_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^radius_m=1000+ must be a positive finite number\.$"):
        positive_number(10**400, "radius_m")


@given(st.floats(min_value=0, exclude_min=True, allow_infinity=False) | st.integers(1, 2**53))
def test_every_positive_finite_number_comes_back_equal(value: float) -> None:
    assert positive_number(value, "x") == float(value)
    assert positive_number(value, "x", zero=True) == float(value)


@given(st.floats(max_value=0, exclude_max=True) | st.integers(-(2**53), -1))
def test_every_negative_number_is_refused(value: float) -> None:
    for zero in (False, True):
        with pytest.raises(InputError, match=rf"^x={re.escape(repr(value))} must be a"):
            positive_number(value, "x", zero=zero)


@given(st.text() | st.booleans() | st.none() | st.lists(st.integers(), max_size=2))
def test_every_non_number_is_refused(value: object) -> None:
    with pytest.raises(InputError, match=r"^x=.* must be a number\.$"):
        positive_number(value, "x")


# -- whole_number ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "minimum"), [(3, 1), (0, 0), (np.int32(4), 1), (-2, -5)])
def test_whole_number_gives_a_python_int(value: object, minimum: int) -> None:
    out = whole_number(value, "k", minimum)
    assert out == int(value)  # type: ignore[call-overload]
    assert type(out) is int


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (3.0, r"^k=3\.0 must be a whole number\.$"),
        (np.float64(2.0), r"^k=np\.float64\(2\.0\) must be a whole number\.$"),
        ("3", r"^k='3' must be a whole number\.$"),
        (True, r"^k=True must be a whole number\.$"),
        (None, r"^k=None must be a whole number\.$"),
        (0, r"^k=0 must be a whole number >= 1\.$"),
        (np.int64(-4), r"^k=np\.int64\(-4\) must be a whole number >= 1\.$"),
    ],
)
def test_whole_number_refuses(value: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        whole_number(value, "k", 1)


@given(st.integers(-1000, 1000), st.integers(-1000, 1000))
def test_whole_number_accepts_exactly_the_ints_at_or_above_the_minimum(
    value: int, minimum: int
) -> None:
    if value >= minimum:
        assert whole_number(value, "n", minimum) == value
    else:
        with pytest.raises(InputError, match=rf"^n={value} must be a whole number >= {minimum}\.$"):
            whole_number(value, "n", minimum)


# -- on the sample city ----------------------------------------------------------------------------


def test_the_sample_counts_pass_and_keep_their_values() -> None:
    """Every capacity of the sample departments is a whole number >= 1 (numpy ints included)."""
    capacity = sample_layer("departments")["capacity"]
    checked = [whole_number(v, "capacity", 1) for v in capacity.to_numpy(dtype=np.int64)]
    assert checked == capacity.astype(int).tolist()
    assert sum(checked) == int(capacity.sum())
    assert [positive_number(v, "capacity") for v in capacity.to_numpy(dtype=np.int64)] == [
        float(v) for v in checked
    ]
