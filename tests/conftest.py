"""Shared fixtures: a headless Chromium for the ``browser`` tests."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need(ok: bool, reason: str) -> None:
    """Skip when ``ok`` is false, but fail under CI (``CI=true``), which must prove it."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def need() -> Callable[[bool, str], None]:
    """``need(ok, reason)``: skip a test locally when ``ok`` is false, fail it under CI."""
    return _need


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A Playwright ``Browser`` on Debian's Chromium (``GRIDPARTY_CHROMIUM`` overrides the path)."""
    path = Path(os.environ.get("GRIDPARTY_CHROMIUM", "/usr/bin/chromium"))
    _need(path.is_file() and os.access(path, os.X_OK), f"no Chromium at {path}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright package is not installed")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(path), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# -- hypothesis profiles (tests/test_fuzz.py): GRIDPARTY_FUZZ=thorough runs ten times the cases --
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", max_examples=100, derandomize=True, database=None)
_hypothesis_settings.register_profile("thorough", max_examples=1000, database=None)
_hypothesis_settings.load_profile(os.environ.get("GRIDPARTY_FUZZ", "ci"))
