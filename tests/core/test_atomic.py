"""Tests for gridparty.core.atomic: files appear whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridparty.core.atomic import atomic_path, write_text
from gridparty.core.errors import DataFileError


def test_write_text_replaces_the_file(tmp_path: Path) -> None:
    path = write_text(tmp_path / "map.html", "new <b>地图</b>")
    assert path.read_text(encoding="utf-8") == "new <b>地图</b>"


def test_a_failure_mid_write_keeps_the_earlier_file(tmp_path: Path) -> None:
    path = write_text(tmp_path / "out.gpkg", "old")

    def crash_mid_write() -> None:
        with atomic_path(path) as tmp:
            assert tmp.suffix == ".gpkg"
            assert tmp.parent == tmp_path
            tmp.write_text("half")
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError, match="crash"):
        crash_mid_write()
    assert path.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.gpkg"]


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"the folder .*nope' does not exist"):
        write_text(tmp_path / "nope" / "x.html", "x")
