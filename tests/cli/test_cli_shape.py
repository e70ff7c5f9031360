"""One shape for every command: --version, --out DIR, --fail-on, per-level --columns, hints in
command-line syntax, one-line warnings and errors, summaries for people."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import openpyxl
import pytest
import tiny_city

from gridparty.cli.common import input_columns, readable
from gridparty.cli.main import COMMANDS, build_parser, cli_hint, main
from gridparty.core.errors import GridpartyWarning
from gridparty.core.workbook import VERSION


@pytest.fixture
def city_gpkg(tmp_path: Path) -> Path:
    """The tiny city, grid G2 without its branch (one warning); the grids' id column is 'code'."""
    path = tmp_path / "city.gpkg"
    layers = tiny_city.layers()
    layers["grids"] = layers["grids"].assign(has_branch=[True, False, True])
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    return path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"gridparty {VERSION}\n"


@pytest.mark.parametrize(
    "command", ["demo", "validate", "check", "access", "alliances", "zones", "delineate"]
)
def test_every_command_takes_out_and_fail_on(command: str) -> None:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    options = {o: a for a in sub.choices[command]._actions for o in a.option_strings}
    assert "--out" in options
    assert options["--fail-on"].choices == ["error", "warning", "never"]
    assert "--lang" in options
    assert "--quiet" in options
    assert set(COMMANDS) | {"demo"} == set(sub.choices)


def test_input_options_on_every_command_reading_tables() -> None:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in ("validate", "check", "access", "zones", "alliances", "delineate"):
        options = {o for a in sub.choices[command]._actions for o in a.option_strings}
        assert {"--columns", "--layers", "--coords", "--encoding", "--crs"} <= options, command


@pytest.mark.parametrize("command", ["validate", "alliances", "delineate"])
def test_a_crs_pyproj_does_not_know_is_refused_before_reading(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Even where every input carries its own CRS (so --crs would not be used)."""
    out = tmp_path / "out"
    city = tmp_path / "c.gpkg"
    for name, frame in tiny_city.layers().items():
        frame.to_file(city, layer=name, driver="GPKG")
    path = [] if command == "alliances" else [str(city)]
    with pytest.raises(SystemExit) as stop:
        main([command, *path, "--crs", "foo", "--out", str(out)])
    assert stop.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--crs: 'foo' is not a coordinate reference system" in error
    assert "EPSG:4547" in error
    assert not out.exists()


def test_out_writes_the_standard_files_and_fail_on_sets_the_exit_code(
    city_gpkg: Path, tmp_path: Path
) -> None:
    out = tmp_path / "结果"
    argv = ["validate", str(city_gpkg), "--out", str(out), "--tiles", "none"]
    assert main(argv) == 0
    assert sorted(p.name for p in out.iterdir()) == ["issues.csv", "issues.xlsx", "issues_map.html"]
    assert main([*argv, "--fail-on", "warning"]) == 1  # the missing branch is a warning
    assert main([*argv, "--fail-on", "error"]) == 0
    assert main([*argv, "--fail-on", "never"]) == 0
    book = openpyxl.load_workbook(out / "issues.xlsx")
    assert book.sheetnames == ["校验问题", "同级单元重叠", "说明"]
    notes = dict(book["说明"].iter_rows(min_row=2, values_only=True))
    assert notes["gridparty 版本"] == VERSION
    assert notes["min_area_m2"] == "1"
    assert notes["fail_on"] == "never"


def test_check_out_folder_is_not_made_when_the_input_fails(tmp_path: Path) -> None:
    out = tmp_path / "never"
    assert main(["check", str(tmp_path / "missing.gpkg"), "--out", str(out)]) == 2
    assert not out.exists()


def test_out_refuses_an_input_inside_it(
    city_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clash = city_gpkg.parent / "issues.csv"
    clash.write_text("keep me", encoding="utf-8")
    argv = ["validate", str(clash.parent), "--out", str(clash.parent)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("gridparty: error: --out ")
    assert err.count("\n") == 1
    assert clash.read_text(encoding="utf-8") == "keep me"


def test_per_level_columns_map_one_name_to_two_codes(tmp_path: Path) -> None:
    path = tmp_path / "coded.gpkg"
    layers = tiny_city.layers()
    layers["communities"] = layers["communities"].rename(columns={"community_id": "code"})
    layers["grids"] = layers["grids"].rename(columns={"grid_id": "code"})
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    argv = ["validate", str(path), "--columns", "community:code=community_id", "grid:code=grid_id"]
    assert main(argv) == 0


def test_columns_items_parse_flat_or_by_level() -> None:
    def parse(*items: str) -> object:
        return input_columns(argparse.Namespace(columns=list(items)))

    assert parse() is None
    assert parse("WGBH=grid_id") == {"WGBH": "grid_id"}
    assert parse("grid:code=grid_id", "community:code=community_id") == {
        "grid": {"code": "grid_id"},
        "community": {"code": "community_id"},
    }
    assert parse("网格:编号=grid_id") == {"网格:编号": "grid_id"}  # a column name with a colon
    with pytest.raises(Exception, match=r"--columns 'WGBH=grid_id': name its level too"):
        parse("grid:code=grid_id", "WGBH=grid_id")
    with pytest.raises(Exception, match=r"'grd' is not a level"):
        parse("grd:code=grid_id")


def test_hints_use_the_command_line_syntax() -> None:
    message = "no id column in grids; Pass columns={'<your id column>': 'grid_id'}."
    assert cli_hint(message) == (
        "no id column in grids; Pass --columns grid:<your id column>=grid_id."
    )
    assert cli_hint("fix the names in columns=.") == "fix the names in --columns."


def test_a_missing_id_column_error_is_one_line_in_cli_syntax(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "noid.gpkg"
    layers = tiny_city.layers()
    layers["grids"] = layers["grids"].rename(columns={"grid_id": "WGBH"})
    for name, frame in layers.items():
        frame.to_file(path, layer=name, driver="GPKG")
    assert main(["validate", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "columns={" not in err
    assert "--columns" in err
    assert not (tmp_path / "o").exists()


def test_a_library_warning_prints_as_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from gridparty.cli import main as cli_main

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        cli_main._one_line_warning(
            GridpartyWarning("two\nlines, columns={'A': 'grid_id'}"), GridpartyWarning, "/x/y.py", 3
        )
    err = capsys.readouterr().err
    assert err == "gridparty: warning: two lines, --columns grid:A=grid_id\n"


def test_numbers_print_rounded_with_their_unit() -> None:
    assert readable("area_m2", 4911311.847413) == "4,911,312 m²"
    assert readable("coverage_ratio", 0.9997913718674166) == "100.0 %"
    assert readable("gap_m2_before", 3000.0) == "3,000 m²"
    assert readable("distance_m", 12.34) == "12.3 m"
    assert readable("area_km2", 1.23456) == "1.235 km²"
    assert readable("grids", 60) == "60"
    assert readable("name", "外滩") == "外滩"


def test_check_prints_chinese_figures_and_english_with_lang_en(
    city_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(city_gpkg), "--no-streets"]) == 0
    out = capsys.readouterr().out
    assert "空间覆盖率" in out
    assert "0.99979" not in out
    assert " %" in out
    assert main(["check", str(city_gpkg), "--no-streets", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "空间覆盖率" not in out
    assert "coverage" in out


def test_the_version_is_the_package_version() -> None:
    import tomllib

    import gridparty

    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8"))
    assert VERSION == gridparty.__version__ == project["project"]["version"]
