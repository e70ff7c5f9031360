"""No output may destroy an input or another output; every output path is checked up front.

Every refused command must exit 2 with one line on stderr, read nothing and leave every file
as it was (no output appears, no input changes).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from gridparty.cli.main import main
from gridparty.core.errors import InputError
from gridparty.core.io import read_hierarchy, read_layer, write_hierarchy, write_layers, write_table
from gridparty.datasets.sample import sample_city, sample_city_path

ZONES = ["--flagships", "310101002001", "--radius-m", "800"]


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """The bundled sample GeoPackage, copied into the test's folder."""
    return Path(shutil.copy(sample_city_path(), tmp_path / "city.gpkg"))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The sample city as a folder: GeoJSON layers and the households as an Excel table."""
    h = sample_city()
    path = tmp_path / "data"
    path.mkdir()
    for name in ("communities", "grids", "buildings"):
        h.layer(name).to_file(path / f"{name}.geojson")
    households = h.households.assign(lon=h.households.geometry.x, lat=h.households.geometry.y)
    households.drop(columns="geometry").to_excel(path / "households.xlsx")
    return path


@pytest.fixture
def no_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any read of a data file: a refused command reads nothing."""

    def read(*args: object, **kwargs: object) -> None:
        raise AssertionError("a data file was read before the output paths were checked")

    for module, name in (
        (pyogrio, "read_dataframe"),
        (pyogrio, "list_layers"),
        (pyogrio, "read_info"),
        (pd, "read_csv"),
        (pd, "read_excel"),
    ):
        monkeypatch.setattr(module, name, read)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_reading: None
) -> Callable[[list[str]], str]:
    """Run a command line; assert exit 2, one stderr line, nothing read, every file of the
    test's folder unchanged and none added; return the line."""

    def run(argv: list[str]) -> str:
        before = _files(tmp_path)
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
        assert err.startswith("gridparty: error: ")
        assert _files(tmp_path) == before  # no output written, no input touched
        return err.strip()

    return run


# -- an output is an input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "option", "extra"),
    [
        ("check", "--gpkg", []),
        ("zones", "--gpkg", ZONES),
        ("access", "--gpkg", []),
    ],
)
def test_an_output_that_is_the_input_geopackage_is_refused(
    city: Path,
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    command: str,
    option: str,
    extra: list[str],
) -> None:
    err = refused([command, str(city), option, str(city), *extra])
    assert err.endswith(
        f"{option}: path={str(city)!r} is the input file {str(city)!r} (PATH); writing it "
        "would destroy the input: choose another output file name."
    )


def test_a_symlink_to_the_input_is_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    link = tmp_path / "report.gpkg"
    link.symlink_to(city)
    err = refused(["check", str(city), "--gpkg", str(link)])
    assert f"--gpkg: path={str(link)!r} is the input file {str(city)!r} (PATH)" in err


def test_a_hard_link_to_the_input_is_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    link = tmp_path / "report.gpkg"
    os.link(city, link)
    err = refused(["access", str(city), "--gpkg", str(link)])
    assert f"--gpkg: path={str(link)!r} is the input file {str(city)!r} (PATH)" in err


def test_an_output_over_a_file_of_the_input_folder_is_refused(
    folder: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    table = folder / "households.xlsx"
    err = refused(["validate", str(folder), "--xlsx", str(table)])
    assert f"--xlsx: path={str(table)!r} is the input file {str(table)!r} (PATH)" in err


def test_an_output_over_an_extra_input_is_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    previous = Path(shutil.copy(city, tmp_path / "old.gpkg"))
    err = refused(["check", str(city), "--previous", str(previous), "--gpkg", str(previous)])
    assert f"is the input file {str(previous)!r} (--previous)" in err


def test_an_output_linked_to_a_shapefile_sidecar_is_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    streets = tmp_path / "streets.shp"
    for suffix in (".shp", ".shx", ".dbf", ".prj"):
        streets.with_suffix(suffix).write_bytes(b"not read")
    report = tmp_path / "report.xlsx"
    report.symlink_to(streets.with_suffix(".dbf"))
    err = refused(["access", str(city), "--streets", str(streets), "--xlsx", str(report)])
    assert f"is the input file {str(tmp_path / 'streets.dbf')!r} (--streets)" in err


def test_alliances_out_folder_holding_the_input_under_an_output_name_is_refused(
    city: Path,
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = city.rename(tmp_path / "alliances.gpkg")
    monkeypatch.chdir(tmp_path)
    err = refused(["alliances", "alliances.gpkg", "--out", "."])
    assert err.endswith(
        "--out '.': path='alliances.gpkg' is the input file 'alliances.gpkg' (PATH); writing "
        "it would destroy the input: choose another output file name."
    )
    assert source.is_file()


def test_alliances_out_folder_being_the_input_folder_is_refused(
    tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    tables = tmp_path / "tables"
    tables.mkdir()
    (tables / "needs.csv").write_text("need_id,lon,lat\nN1,121.4,31.2\n", encoding="utf-8")
    (tables / "pairing.xlsx").write_bytes(b"not read")
    err = refused(["alliances", str(tables), "--out", str(tables)])
    assert f"is the input file {str(tables / 'pairing.xlsx')!r} (PATH)" in err


# -- an output is another output --------------------------------------------------------------


def test_two_outputs_on_one_file_are_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    report = tmp_path / "r.xlsx"
    err = refused(["zones", str(city), *ZONES, "--xlsx", str(report), "--roster", str(report)])
    assert err.endswith(
        f"--roster: path={str(report)!r} is the same file as --xlsx {str(report)!r}; give "
        "every output its own file name."
    )


def test_two_outputs_on_one_file_through_a_link_are_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    report, link = tmp_path / "r.xlsx", tmp_path / "link.xlsx"
    link.symlink_to(report)  # dangling: r.xlsx is not written yet
    err = refused(["zones", str(city), *ZONES, "--xlsx", str(report), "--roster", str(link)])
    assert f"--roster: path={str(link)!r} is the same file as --xlsx {str(report)!r}" in err


# -- outputs that cannot be written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "option", "name", "message"),
    [
        ("validate", "--xlsx", "out.csv", "must end in .xlsx to write a workbook."),
        ("validate", "--csv", "out.xlsx", "must end in .csv to write a table."),
        ("validate", "--html", "map.txt", "must end in .html to write a map."),
        ("check", "--gpkg", "gaps.shp", "must end in .gpkg to write a GeoPackage."),
        ("zones", "--roster", "roster.csv", "must end in .xlsx to write a workbook."),
    ],
)
def test_an_output_of_the_wrong_format_is_refused(
    city: Path,
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    command: str,
    option: str,
    name: str,
    message: str,
) -> None:
    path = tmp_path / name
    extra = ZONES if command == "zones" else []
    err = refused([command, str(city), option, str(path), *extra])
    assert err.endswith(f"{option}: path={str(path)!r} {message}")


@pytest.mark.parametrize("command", ["validate", "check", "access", "zones"])
def test_an_output_that_is_a_folder_is_refused(
    city: Path,
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    command: str,
) -> None:
    path = tmp_path / "map.html"
    path.mkdir()
    extra = ZONES if command == "zones" else []
    err = refused([command, str(city), "--html", str(path), *extra])
    assert err.endswith(
        f"--html: path={str(path)!r} is a folder; name a file in it, e.g. "
        f"{str(path / 'report.html')!r}."
    )


@pytest.mark.parametrize("command", ["validate", "check", "access", "zones"])
def test_an_output_in_a_missing_folder_is_refused(
    city: Path,
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    command: str,
) -> None:
    path = tmp_path / "missing" / "report.xlsx"
    extra = ZONES if command == "zones" else []
    err = refused([command, str(city), "--xlsx", str(path), *extra])
    assert err.endswith(
        f"--xlsx: path={str(path)!r}: the folder {str(path.parent)!r} does not exist; create "
        "it first."
    )


@pytest.mark.parametrize("command", ["demo", "alliances"])
def test_out_naming_a_file_is_refused(
    tmp_path: Path, refused: Callable[[list[str]], str], command: str
) -> None:
    out = tmp_path / "report.txt"
    out.write_text("keep me", encoding="utf-8")
    err = refused([command, "--out", str(out)])
    assert err.endswith(
        f"--out {str(out)!r} is a file; --out names a folder (created when missing)."
    )


@pytest.mark.parametrize("command", ["demo", "alliances"])
def test_out_holding_a_folder_under_an_output_name_is_refused(
    tmp_path: Path, refused: Callable[[list[str]], str], command: str
) -> None:
    name = "sample_city_map.html" if command == "demo" else "alliances_map.html"
    (tmp_path / name).mkdir()
    err = refused([command, "--out", str(tmp_path)])
    assert f"{str(tmp_path / name)!r} is a folder, where the command writes its file" in err


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make ``folder`` read-only; as root (who may write anyway) make os.access say so too."""
    folder.chmod(0o555)
    if os.geteuid() == 0:
        real = os.access

        def access(path: object, mode: int, **kwargs: object) -> bool:
            if Path(str(path)) == folder and mode & os.W_OK:
                return False
            return real(path, mode, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "access", access)


def test_an_output_in_a_read_only_folder_is_refused(
    city: Path,
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    _read_only(monkeypatch, locked)
    try:
        err = refused(["check", str(city), "--xlsx", str(locked / "r.xlsx")])
    finally:
        locked.chmod(0o755)
    assert err.endswith(
        f"--xlsx: path={str(locked / 'r.xlsx')!r}: the folder {str(locked)!r} is not writable; "
        "choose a folder you may write to."
    )


def test_out_under_a_read_only_folder_is_refused(
    tmp_path: Path,
    refused: Callable[[list[str]], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    _read_only(monkeypatch, locked)
    try:
        err = refused(["demo", "--out", str(locked / "new" / "demo")])
    finally:
        locked.chmod(0o755)
    assert f"the folder {str(locked)!r} is not writable" in err
    assert not (locked / "new").exists()


def test_good_outputs_beside_the_input_are_written(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new file inside the input folder is no input: the check lets it through."""
    before = _files(folder)
    table = folder / "issues.xlsx"
    assert main(["validate", str(folder), "--xlsx", str(table)]) == 0
    assert {k: v for k, v in _files(folder).items() if k != "issues.xlsx"} == before
    assert "问题" in pd.read_excel(table).columns


# -- the Python writers ---------------------------------------------------------------------


def test_a_hierarchy_remembers_the_files_it_was_read_from(city: Path, folder: Path) -> None:
    assert read_hierarchy(city).sources == (city.resolve(),)
    from_folder = read_hierarchy(folder)
    assert set(from_folder.sources) == {p.resolve() for p in folder.iterdir()}
    grids = read_layer(folder / "grids.geojson", "grid")
    h = sample_city().replace(grids=grids)
    assert h.sources == (sample_city_path().resolve(),)  # replace() keeps the sources


def test_sources_survive_assign_and_stay_out_of_outputs(tmp_path: Path) -> None:
    from gridparty import assign

    city = sample_city()
    unassigned = city.replace(buildings=city.buildings.assign(grid_id=pd.NA))  # fill from space
    source = write_hierarchy(unassigned, tmp_path / "unassigned.gpkg")
    h = read_hierarchy(source)
    filled = assign(h).hierarchy
    assert filled is not h
    assert filled.buildings["grid_id"].notna().any()
    assert filled.sources == (source.resolve(),)
    out = write_hierarchy(filled, tmp_path / "copy.gpkg")
    assert "sources" not in pyogrio.list_layers(out)[:, 0].tolist()
    assert all(
        "gridparty_sources" not in gpd.read_file(out, layer=n).columns
        for n in ("communities", "grids")
    )


def _unchanged(path: Path, write: Callable[[], object]) -> str:
    before = path.read_bytes()
    with pytest.raises(InputError) as caught:
        write()
    assert path.read_bytes() == before
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_write_hierarchy_refuses_its_source(city: Path, tmp_path: Path) -> None:
    h = read_hierarchy(city)
    link = tmp_path / "link.gpkg"
    link.symlink_to(city)
    for target in (city, link):
        message = _unchanged(city, lambda t=target: write_hierarchy(h, t))
        assert message == (
            f"path={str(target)!r} is the file the data was read from ({str(city.resolve())!r}); "
            "writing it would destroy the input: choose another file name."
        )


def test_write_layers_and_write_table_refuse_the_source_of_a_layer(folder: Path) -> None:
    path = folder / "grids.gpkg"
    write_layers({"grids": sample_city().grids}, path)
    grids = read_layer(path, "grid")
    _unchanged(path, lambda: write_layers({"grids": grids}, path))
    table = folder / "households.xlsx"
    households = read_layer(table, "household")
    _unchanged(table, lambda: write_table(households, table))


def test_result_exports_refuse_the_hierarchy_source(city: Path, tmp_path: Path) -> None:
    from gridparty.checks.report import check_coverage

    link = tmp_path / "report.gpkg"
    os.link(city, link)  # a hard link: another name of the input
    report = check_coverage(read_hierarchy(city), streets=False)
    _unchanged(city, lambda: report.to_geopackage(link))
    book = tmp_path / "report.xlsx"
    book.symlink_to(city)  # a workbook name that leads to the input
    _unchanged(city, lambda: report.to_excel(book))


def test_save_map_refuses_the_hierarchy_source(city: Path, tmp_path: Path) -> None:
    from gridparty.maps import hierarchy_map, save_map

    h = read_hierarchy(city)
    link = tmp_path / "map.html"
    link.symlink_to(city)
    _unchanged(city, lambda: save_map(hierarchy_map(h, tiles="none"), link))


def test_zone_exports_and_map_refuse_the_hierarchy_source(city: Path, tmp_path: Path) -> None:
    from gridparty.flagship.zones import mentoring_zones
    from gridparty.maps import save_map
    from gridparty.maps.flagship import flagship_map

    zones = mentoring_zones(read_hierarchy(city), ["310101002001"], radius_m=800)
    book, html = tmp_path / "roster.xlsx", tmp_path / "zones.html"
    book.symlink_to(city)
    os.link(city, html)
    message = _unchanged(city, lambda: zones.roster_to_excel(book))
    assert message.startswith(f"path={str(book)!r} is the file the data was read from")
    _unchanged(city, lambda: zones.to_excel(book))
    _unchanged(city, lambda: save_map(flagship_map(zones, tiles="none"), html))
    assert zones.roster_to_excel(tmp_path / "new.xlsx").is_file()  # any other file is fine


def test_an_output_under_a_file_is_refused(
    city: Path, tmp_path: Path, refused: Callable[[list[str]], str]
) -> None:
    path = city / "report.xlsx"
    err = refused(["check", str(city), "--xlsx", str(path)])
    assert err.endswith(
        f"--xlsx: path={str(path)!r}: {str(city)!r} is a file, not a folder; choose a path in "
        "a folder."
    )
    err = refused(["demo", "--out", str(city / "demo")])
    assert f"--out: path={str(city / 'demo')!r}: {str(city)!r} is a file, not a folder" in err
