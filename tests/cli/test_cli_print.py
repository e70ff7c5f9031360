"""``--pdf``/``--png``/``--paper`` on every command that writes a map."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from gridparty.cli.main import main
from gridparty.datasets.sample import sample_city_path

CITY = str(sample_city_path())
#: Command line (without --out) and the HTML map it writes in --out.
COMMANDS = {
    "demo": (["demo"], "sample_city_map.html"),
    "validate": (["validate", CITY], "issues_map.html"),
    "check": (["check", CITY], "check_map.html"),
    "zones": (
        ["zones", CITY, "--flagships", "310101002001", "--radius-m", "800"],
        "zones_map.html",
    ),
    "access": (["access", CITY], "access_map.html"),
    "alliances": (["alliances"], "alliances_map.html"),
    "delineate": (
        ["delineate", CITY, "--min-households", "60", "--max-households", "400"],
        "grids_map.html",
    ),
}
#: A4 at 200 dpi, landscape (the sample city is wider than tall), in pixels.
A4_LANDSCAPE = (2339, 1654)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_bare_pdf_and_png_are_written_next_to_the_map(command: str, tmp_path: Path) -> None:
    argv, html = COMMANDS[command]
    out = tmp_path / "out"
    assert main([*argv, "--out", str(out), "--tiles", "none", "--pdf", "--png", "--quiet"]) == 0
    stem = Path(html).stem
    assert (out / html).is_file()
    assert (out / f"{stem}.pdf").read_bytes().startswith(b"%PDF-")
    with Image.open(out / f"{stem}.png") as image:
        assert (image.format, image.size) == ("PNG", A4_LANDSCAPE)


def test_a_pdf_path_alone_writes_only_the_print_on_the_paper_asked_for(tmp_path: Path) -> None:
    pdf, png = tmp_path / "覆盖.pdf", tmp_path / "覆盖.png"
    argv = ["check", CITY, "--pdf", str(pdf), "--png", str(png), "--paper", "A3", "--quiet"]
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["覆盖.pdf", "覆盖.png"]
    assert pdf.read_bytes().startswith(b"%PDF-")
    with Image.open(png) as image:
        assert image.size == (round(420 / 25.4 * 200), round(297 / 25.4 * 200))


def test_prints_are_byte_identical_over_two_runs(tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        pdf = tmp_path / f"{name}.pdf"
        assert main(["validate", CITY, "--pdf", str(pdf), "--tiles", "gaode", "--quiet"]) == 0
        runs.append(pdf.read_bytes())
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", CITY, "--pdf"], "--pdf without a path writes next to the HTML map"),
        (["check", CITY, "--png", "map.pdf"], "--png: path='map.pdf' must end in .png"),
        (["validate", CITY, "--pdf", "map.html"], "--pdf: path='map.html' must end in .pdf"),
        (["check", CITY, "--paper", "A5", "--pdf", "x.pdf"], "--paper: invalid choice: 'A5'"),
    ],
)
def test_bad_print_options_exit_2_with_one_line(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.strip().splitlines()[-1].startswith("gridparty")  # one error line (after usage)
    assert list(tmp_path.iterdir()) == []


def _exit_code(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)
