"""The package's shape: imports point one way, and ``import gridparty`` stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "folium",
    "branca",
    "matplotlib",
    "numba",
    "pulp",
    "spopt",
    "networkx",
    "scipy",
    "dask",
    "distributed",
)


def test_imports_point_one_way_cli_maps_analyses_spatial_core() -> None:
    """import-linter's contracts in pyproject.toml: no import runs against the layers."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command;"
            " sys.exit(lint_imports_command())",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_import_gridparty_loads_no_map_engine_compiler_or_solver() -> None:
    loaded = _modules_after("import gridparty")
    assert not {m for m in loaded for h in HEAVY if m == h or m.startswith(h + ".")}
    assert not {m for m in loaded if m.startswith("gridparty.") and m != "gridparty"}


@pytest.mark.parametrize("name", ["validate", "assign", "Hierarchy", "InputError", "coords"])
def test_public_names_load_on_first_use(name: str) -> None:
    import gridparty

    assert getattr(gridparty, name) is not None
    assert name in dir(gridparty)


def test_every_public_name_resolves() -> None:
    import gridparty

    missing = [n for n in gridparty.__all__ if getattr(gridparty, n, None) is None]
    assert missing == []


def test_unknown_names_raise_attribute_error() -> None:
    import gridparty

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = gridparty.nope  # type: ignore[attr-defined]
