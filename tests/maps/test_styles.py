"""One colour language: red and orange only for problems, every class distinguishable."""

from __future__ import annotations

import colorsys

import pytest

from gridparty.maps.styles import PROBLEMS, STYLES


def _is_red_or_orange(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    return saturation > 0.35 and 0.1 < lightness < 0.9 and (hue * 360 < 42 or hue * 360 > 345)


@pytest.mark.parametrize("key", sorted(set(STYLES) - PROBLEMS))
def test_only_problems_are_red_or_orange(key: str) -> None:
    style = STYLES[key]
    assert not _is_red_or_orange(style.fill_color), (key, style.fill_color)
    assert not _is_red_or_orange(style.color), (key, style.color)


def test_problems_are_known_classes() -> None:
    assert set(STYLES) >= PROBLEMS


def test_issue_markers_grow_with_severity() -> None:
    radii = [STYLES[f"issue_{s}_marker"].radius for s in ("info", "warning", "error")]
    assert radii == sorted(set(radii))
