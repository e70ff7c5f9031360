"""Checks of numeric arguments: the value back as the right type, else an InputError naming it."""

from __future__ import annotations

import math

import numpy as np

from gridparty.core.errors import InputError

__all__ = ["positive_number", "whole_number"]


def positive_number(value: object, argument: str, *, zero: bool = False, hint: str = "") -> float:
    """``value`` as a finite float > 0 (>= 0 with ``zero=True``), else an InputError.

    Strings, booleans and other non-numbers are refused too (``"500"`` is not a distance).
    ``hint`` (e.g. the unit) is added to the message in brackets.
    """
    note = f" ({hint})" if hint else ""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{argument}={value!r} must be a number{note}.")
    try:
        number = float(value)
    except OverflowError:  # an int beyond float range (10**400)
        number = math.inf
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        kind = "a finite number >= 0" if zero else "a positive finite number"
        raise InputError(f"{argument}={value!r} must be {kind}{note}.")
    return number


def whole_number(value: object, argument: str, minimum: int) -> int:
    """``value`` as an int >= ``minimum``, else an InputError (no floats, strings or booleans)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputError(f"{argument}={value!r} must be a whole number.")
    if value < minimum:
        raise InputError(f"{argument}={value!r} must be a whole number >= {minimum}.")
    return int(value)
