"""The README and the documentation site stay in step with the code.

The site itself is built by ``mkdocs build --strict`` in ``.ci/run`` (broken links and docstring
warnings fail there); these tests check what a build cannot: that every command option and every
public name is documented, that the README stays a short front door, and that nothing refers to
files outside the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
from pathlib import Path

import pytest

import gridparty
from gridparty.cli.main import build_parser
from gridparty.core.rules import DEFAULT_RULES, SOURCES

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_readme_is_a_short_front_door() -> None:
    assert len(README.read_bytes()) <= 12 * 1024


def test_readme_links_and_images_exist() -> None:
    text = README.read_text(encoding="utf-8")
    targets = [t for t in re.findall(r"\]\(([^)#\s]+)", text) if "://" not in t]
    assert "docs/images/demo-map.png" in targets
    assert [t for t in targets if not (ROOT / t).exists()] == []


def test_readme_keeps_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "pip install -e . && gridparty demo" in text
    assert 'pip install -e ".[test]" && pytest' in text


def test_screenshot_is_a_png() -> None:
    data = (DOCS / "images" / "demo-map.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 800)


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_cli_option_is_documented(command: str) -> None:
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    section = text.split(f"### `gridparty {command}`", 1)[1].split("\n### ", 1)[0]
    options = [
        opt
        for action in _commands()[command]._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    ]
    assert options
    assert [opt for opt in options if f"`{opt}" not in section] == []


def test_every_public_name_is_in_the_api_reference() -> None:
    text = (DOCS / "api.md").read_text(encoding="utf-8")
    # gp.assign and gp.validate share their name with a submodule: gridparty.spatial.assign.assign
    documented = set(re.findall(r"^::: gridparty\.(\w+)(?:\.\1)?$", text, flags=re.M))
    expected = set(gridparty.__all__) - {"__version__", "coords", "maps", "siting"}
    assert sorted(expected - documented) == []
    assert sorted(documented - expected) == []


def test_rules_page_lists_every_threshold_with_its_default() -> None:
    text = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert [name for name in SOURCES if f"`{name}`" not in text] == []
    defaults = dict(re.findall(r"^\| `(\w+)` \| (\d+) \|", text, flags=re.M))
    for name in ("branch_min_formal", "committee_min_formal", "primary_committee_min_formal"):
        assert defaults[name] == str(getattr(DEFAULT_RULES, name)), name


def test_notebooks_are_stored_with_outputs() -> None:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(c["execution_count"] is not None for c in code), path.name
        assert not any("execution" in c.get("metadata", {}) for c in code), path.name
        errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
        assert errors == [], path.name


def _tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    suffixes = {".py", ".md", ".ipynb", ".toml", ".yml", ".yaml", ".txt", ""}
    paths = [ROOT / p for p in listed.split("\0") if p]
    return [p for p in paths if p.is_file() and not p.is_symlink() and p.suffix in suffixes]


def test_nothing_refers_to_files_outside_the_repository() -> None:
    outside = re.compile(r"DESIGN\.md|\.\./shared|/work/shared|seed text|product card")
    hits = [
        f"{p.relative_to(ROOT)}: {line.strip()}"
        for p in _tracked_text_files()
        if p.name != "test_docs.py"
        for line in p.read_text(encoding="utf-8").splitlines()
        if outside.search(line) and " not in " not in line  # a test guarding against it
    ]
    assert hits == []
