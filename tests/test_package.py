"""The top-level namespace: every exported name resolves and nothing public is left out."""

from __future__ import annotations

import importlib

import pytest

import gridparty

#: Modules whose functions and classes are all re-exported at the top level (their constants
#: stay in the module).
_REEXPORTED = (
    "spatial.assign",
    "core.errors",
    "flagship.choice",
    "alliances.lists",
    "alliances.pairing",
    "datasets.synthetic",
)


def test_every_exported_name_resolves() -> None:
    missing = [name for name in gridparty.__all__ if not hasattr(gridparty, name)]
    assert missing == []
    assert len(gridparty.__all__) == len(set(gridparty.__all__))


@pytest.mark.parametrize("module", _REEXPORTED)
def test_module_api_is_reexported(module: str) -> None:
    names = [n for n in importlib.import_module(f"gridparty.{module}").__all__ if not n.isupper()]
    assert sorted(set(names) - set(gridparty.__all__)) == []


def test_datum_offset_detection_is_top_level() -> None:
    assert gridparty.detect_datum_offset is gridparty.core.coords.detect_datum_offset
    assert gridparty.DatumOffset is gridparty.core.coords.DatumOffset
