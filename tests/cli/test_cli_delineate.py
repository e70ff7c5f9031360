"""Tests for ``gridparty delineate`` (gridparty.cli.delineate)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pyogrio
import pytest
import tiny_city

from gridparty.cli.delineate import OUT_FILES
from gridparty.cli.main import main


def _write(path: Path, *, grids: bool = True) -> Path:
    for name, frame in tiny_city.layers().items():
        if name != "grids" or grids:
            frame.to_file(path, layer=name, driver="GPKG")
    return path


def test_out_folder_gets_workbook_geopackage_and_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = _write(tmp_path / "city.gpkg")
    out = tmp_path / "网格划分"
    code = main(
        ["delineate", str(city), "--out", str(out), "--min-households", "20", "--max-households",
         "80", "--tiles", "none", "--lang", "en"]
    )  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(OUT_FILES)
    printed = capsys.readouterr().out
    grids = pyogrio.read_dataframe(out / "grids.gpkg", layer="proposed_grids")
    assert re.search(rf"^grids +{len(grids)}$", printed, flags=re.M)
    # tiny city: 40 + 30 households (C1), 20 + 60 (C2): every grid within 20–80
    assert grids["households"].between(20, 80).all()
    assert grids["households"].sum() == 150
    book = openpyxl.load_workbook(out / "网格划分.xlsx")
    assert book.sheetnames[:3] == [
        "Summary",
        "Proposed grids",
        "Grid of each building",
    ]  # --lang en
    html = (out / "grids_map.html").read_text(encoding="utf-8")
    assert "20–80 households per grid" in html or "20\\u201380 households per grid" in html


def test_keep_existing_writes_single_files_and_maps_moves(tmp_path: Path) -> None:
    city = _write(tmp_path / "city.gpkg")
    html, xlsx = tmp_path / "调整.html", tmp_path / "调整.xlsx"
    code = main(
        ["delineate", str(city), "--keep-existing", "--min-households", "20",
         "--max-households", "40", "--html", str(html), "--xlsx", str(xlsx), "--tiles", "none"]
    )  # fmt: skip
    assert code == 0
    moves = openpyxl.load_workbook(xlsx)["调整网格的楼栋"]
    moved = [row[0] for row in moves.iter_rows(min_row=2, values_only=True)]
    assert moved  # G1's 70 households exceed 40: one of its buildings moves
    page = html.read_text(encoding="utf-8")
    assert all(f"{b}" in page for b in moved)
    assert "delineation_moved" in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.gpkg", "调整.html", "调整.xlsx"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--min-households", "600", "--max-households", "500"], "exceeds max_households=500"),
        (["--max-households", "0"], "max_households=0 must be a whole number"),
        (["--exact-max-atoms", "-1"], "--exact-max-atoms -1 must be >= 0"),
        (["--streets", "missing.gpkg"], "does not exist"),
        (["--xlsx", "{city}"], "must end in .xlsx"),
        (["--gpkg", "{city}"], "is the input file"),
        (["--html", "{tmp}/no/such/map.html"], "does not exist; create it first"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    city = _write(tmp_path / "city.gpkg")
    before = city.read_bytes()
    args = [a.format(city=city, tmp=tmp_path) for a in extra]
    if "--streets" in args:
        args[args.index("--streets") + 1] = str(tmp_path / "missing.gpkg")
    out = tmp_path / "out"
    assert main(["delineate", str(city), "--out", str(out), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
    assert not out.exists()
    assert city.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.gpkg"]


def test_keep_existing_without_grids_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = _write(tmp_path / "city.gpkg", grids=False)
    assert main(["delineate", str(city), "--keep-existing", "--out", str(tmp_path / "o")]) == 2
    assert "--keep-existing" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_fail_on_counts_the_delineation_problems(tmp_path: Path) -> None:
    """A building above the band's maximum is a warning of the delineation: --fail-on warning
    exits 1, --fail-on error and the default exit 0; nothing else changes."""
    city = _write(tmp_path / "city.gpkg")
    band = ["--min-households", "20", "--max-households", "50"]  # a building of 60 households
    base = ["delineate", str(city), *band, "--tiles", "none", "--quiet"]
    assert main([*base, "--fail-on", "warning"]) == 1
    assert main([*base, "--fail-on", "error"]) == 0
    assert main(base) == 0
    assert main([*base[:2], "--min-households", "20", "--max-households", "80",
                 "--tiles", "none", "--fail-on", "warning"]) == 0  # fmt: skip
