"""The same input gives byte-identical CSV, GeoPackage, HTML and Excel outputs.

Every command runs twice on the sample city, in two fresh interpreters with different string
hash seeds (``PYTHONHASHSEED``: set and dict orders of strings change between them) and more
than a second apart (GeoPackages would otherwise carry the time of writing in
``gpkg_contents.last_change``; gridparty stamps them with :data:`gridparty.core.io.GPKG_DATE`, GDAL's
``OGR_CURRENT_DATE``; Excel workbooks would carry it in their document properties and zip
entries, and are stamped with :data:`gridparty.core.io.XLSX_DATE`). Every CSV, GeoPackage, HTML and
Excel file must come out byte for byte the same.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import tiny_city as tc

import gridparty.datasets.sample as ds
from gridparty.checks.validate import validate
from gridparty.cli.main import build_parser
from gridparty.core.io import GPKG_DATE, XLSX_DATE, write_hierarchy, write_layers, write_table
from gridparty.core.model import Hierarchy
from gridparty.core.results import header
from gridparty.maps import hierarchy_map, save_map

ROOT = Path(__file__).resolve().parents[1]

#: Every command with every output it has, ``{out}`` the output folder. Timings (the solver's
#: seconds) go to the console, never into a file.
RUNS = [
    [
        "delineate",
        "{city}",
        "--keep-existing",
        "--gpkg",
        "{out}/delineate.gpkg",
        "--html",
        "{out}/delineate.html",
        "--xlsx",
        "{out}/delineate.xlsx",
    ],
    ["delineate", "{city}", "--out", "{out}/delineation"],
    [
        "validate",
        "{city}",
        "--csv",
        "{out}/issues.csv",
        "--xlsx",
        "{out}/issues.xlsx",
        "--html",
        "{out}/validate.html",
    ],
    ["validate", "{city}", "--out", "{out}/validate"],  # the standard files in a folder
    [
        "check",
        "{city}",
        "--gpkg",
        "{out}/check.gpkg",
        "--html",
        "{out}/check.html",
        "--xlsx",
        "{out}/check.xlsx",
        "--out",
        "{out}",  # every output named by its flag: nothing more to write there
    ],
    [
        "zones",
        "{city}",
        "--k",
        "2",
        "--radius-m",
        "1000",
        "--solver",
        "greedy",
        "--gpkg",
        "{out}/zones.gpkg",
        "--html",
        "{out}/zones.html",
        "--xlsx",
        "{out}/zones.xlsx",
        "--roster",
        "{out}/roster.xlsx",
    ],
    [
        "zones",
        "{city}",
        "--flagships",
        "310101002003,310115005001",
        "--area-km2",
        "1",
        "--xlsx",
        "{out}/named_zones.xlsx",
        "--roster",
        "{out}/named_roster.xlsx",
        "--out",
        "{out}/named",  # the map and the GeoPackage under their standard names
    ],
    [
        "access",
        "{city}",
        "--posts",
        "2",
        "--gpkg",
        "{out}/access.gpkg",
        "--html",
        "{out}/access.html",
        "--xlsx",
        "{out}/access.xlsx",
        "--out",
        "{out}",
    ],
    ["alliances", "{city}", "--out", "{out}/alliances"],
    ["demo", "--out", "{out}/demo"],
]
#: Options that name an output file or folder.
OUTPUT_OPTIONS = {"--csv", "--xlsx", "--html", "--gpkg", "--roster", "--out"}

_RUN = """
import json, sys
from gridparty.cli.main import main
city, out, runs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for args in runs:
    args = [a.format(city=city, out=out) for a in args]
    assert main(args) == 0, args
"""


def run_commands(out: Path, hash_seed: str) -> dict[str, str]:
    out.mkdir()
    env = {
        **os.environ,
        "PYTHONHASHSEED": hash_seed,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    subprocess.run(
        [sys.executable, "-c", _RUN, str(ds.sample_city_path()), str(out), json.dumps(RUNS)],
        check=True,
        env=env,
        capture_output=True,
        timeout=600,
    )
    return {str(p.relative_to(out)): digest(p) for p in sorted(out.rglob("*")) if p.is_file()}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path, dict]:
    first = tmp_path_factory.mktemp("run") / "a"
    a = run_commands(first, "1")
    time.sleep(1.1)  # a GeoPackage stamped with the time of writing would now differ
    second = tmp_path_factory.mktemp("run") / "b"
    b = run_commands(second, "2")
    return first, a, second, b


def test_the_runs_cover_every_command_with_every_output() -> None:
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    wanted = {
        (name, option)
        for name, command in commands.items()
        for action in command._actions
        for option in action.option_strings
        if option in OUTPUT_OPTIONS
    }
    used = {(run[0], option) for run in RUNS for option in run if option in OUTPUT_OPTIONS}
    assert used == wanted
    assert {run[0] for run in RUNS} == set(commands)
    assert {run[0] for run in RUNS if "--k" in run} == {"zones"}


def test_every_command_writes_the_same_bytes_twice(two_runs: tuple) -> None:
    _, a, _, b = two_runs
    assert a.keys() == b.keys()
    compared = [name for name in a if Path(name).suffix in (".csv", ".gpkg", ".html", ".xlsx")]
    assert len(compared) == len(a) >= 24
    assert {Path(n).suffix for n in compared} == {".csv", ".gpkg", ".html", ".xlsx"}
    differ = [name for name in compared if a[name] != b[name]]
    assert differ == []


def test_no_workbook_holds_a_time(two_runs: tuple) -> None:
    """The solver's seconds go to the console, not into the summary sheet of ``zones --k``."""
    first, *_ = two_runs
    figures = pd.read_excel(first / "zones.xlsx", sheet_name="概要")["指标"].tolist()
    assert header("coverage") in figures  # the choice's figures are there, translated
    assert "seconds" not in figures
    assert header("seconds") not in figures


def test_workbooks_carry_the_fixed_date_not_the_time_of_saving(two_runs: tuple) -> None:
    first, a, _, _ = two_runs
    books = [name for name in a if name.endswith(".xlsx")]
    assert len(books) >= 8
    for name in books:
        with zipfile.ZipFile(first / name) as book:
            assert {info.date_time for info in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        props = openpyxl.load_workbook(first / name, read_only=True).properties
        assert (props.created, props.modified) == (XLSX_DATE, XLSX_DATE), name
        assert pd.read_excel(first / name, sheet_name=None)  # still a readable workbook


def test_geopackages_carry_the_fixed_date_not_the_time_of_writing(two_runs: tuple) -> None:
    first, a, _, _ = two_runs
    for name in (n for n in a if n.endswith(".gpkg")):
        with sqlite3.connect(first / name) as db:
            dates = {row[0] for row in db.execute("SELECT last_change FROM gpkg_contents")}
        assert dates == {GPKG_DATE}, name


def test_library_writers_are_byte_identical(tmp_path: Path) -> None:
    """The writers themselves, in one process: tables, layers, a hierarchy and a map."""
    h = Hierarchy(**tc.layers())
    issues = validate(h)

    def write(folder: Path) -> dict[str, str]:
        folder.mkdir()
        write_table(issues, folder / "issues.csv")
        write_table(issues, folder / "issues.xlsx")
        write_layers(
            {"issues": issues, "plain": pd.DataFrame({"a": [1, 2]})}, folder / "issues.gpkg"
        )
        write_hierarchy(h, folder / "city.gpkg")
        save_map(hierarchy_map(h, issues=issues), folder / "map.html")
        save_map(hierarchy_map(h, tiles="gaode", assets="cdn"), folder / "gaode.html")
        return {p.name: digest(p) for p in folder.iterdir()}

    one = write(tmp_path / "one")
    time.sleep(1.1)
    assert write(tmp_path / "two") == one


def test_a_callers_own_gpkg_date_is_respected(tmp_path: Path) -> None:
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2024-05-01T00:00:00.000Z"})
    try:
        path = write_layers({"grids": tc.grids()}, tmp_path / "g.gpkg")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT last_change FROM gpkg_contents").fetchone()[0] == (
            "2024-05-01T00:00:00.000Z"
        )
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None
