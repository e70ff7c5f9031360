"""Tests for gridparty.cli.main: the planner's commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import tiny_city

from gridparty.cli.main import main
from gridparty.datasets.sample import SAMPLE_DEFECTS


@pytest.fixture
def city_gpkg(tmp_path: Path) -> Path:
    """The tiny city with one planted problem: grid G2 has 3 formal members but no branch."""
    path = tmp_path / "city.gpkg"
    layers = tiny_city.layers()
    layers["grids"] = layers["grids"].assign(has_branch=[True, False, True])
    names = {"communities": "社区", "grids": "网格", "buildings": "楼栋", "households": "党员户"}
    for name, frame in layers.items():
        frame.to_file(path, layer=names[name], driver="GPKG")
    return path


def test_validate_writes_the_table_and_the_map(
    city_gpkg: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv, xlsx, html = tmp_path / "issues.csv", tmp_path / "issues.xlsx", tmp_path / "map.html"
    code = main(
        [
            "validate",
            str(city_gpkg),
            "--csv",
            str(csv),
            "--xlsx",
            str(xlsx),
            "--html",
            str(html),
            "--tiles",
            "none",
        ]
    )
    assert code == 0
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert table[["level", "id", "check"]].values.tolist() == [
        ["grid", "G2", "members_without_branch"]
    ]
    book = pd.read_excel(xlsx)
    assert book["问题"].tolist() == ["党员达标但未建网格党支部"]
    assert book["检查代码"].tolist() == ["members_without_branch"]
    out = capsys.readouterr().out
    assert "发现 1 个问题" in out
    assert "党员达标但未建网格党支部" in out  # the problem is named, not only counted
    text = html.read_text(encoding="utf-8")
    assert json.dumps("二网格")[1:-1] in text  # folium writes non-ASCII as \\uXXXX
    assert "张三" not in text  # personal data never reaches the map
    assert "13800000001" not in text


def test_fail_on_sets_the_exit_code(city_gpkg: Path) -> None:
    assert main(["validate", str(city_gpkg), "--fail-on", "warning"]) == 1
    assert main(["validate", str(city_gpkg), "--fail-on", "error"]) == 0


def test_bad_input_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(tmp_path / "missing.gpkg")]) == 2
    assert "missing.gpkg' does not exist" in capsys.readouterr().err
    assert main(["validate", str(tmp_path), "--layers", "grid"]) == 2
    assert "--layers 'grid' must look like LEVEL=NAME" in capsys.readouterr().err


def test_demo_writes_a_map_of_the_sample_city(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path), "--tiles", "none", "--lang", "en"]) == 0
    html = (tmp_path / "sample_city_map.html").read_text(encoding="utf-8")
    assert "leaflet" in html.lower()
    issues = pd.read_csv(tmp_path / "sample_city_issues.csv", encoding="utf-8-sig")
    found = set(issues[["level", "id", "check"]].astype(str).itertuples(index=False, name=None))
    assert found == {(d.level, d.id, d.check) for d in SAMPLE_DEFECTS}
    household = issues[issues["level"] == "household"]
    assert household["geometry"].isna().all()  # a household's point is personal data
    assert issues.loc[issues["level"] != "household", "geometry"].notna().all()


def test_help_is_there_for_a_planner() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "gridparty.cli", "validate", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "gridparty validate city.gpkg --xlsx" in out
    assert "--coords DATUM|LEVEL=DATUM" in out
    assert "--columns [[LEVEL:]COLUMN=CODE ...]" in out
    assert "--crs EPSG" in out


@pytest.fixture(scope="module")
def gaode_households_gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample city with only its households shifted to GCJ-02 (digitised on a Gaode map)."""
    from gridparty.core.coords import convert_geometries
    from gridparty.core.io import write_layers
    from gridparty.datasets.sample import sample_city

    h = sample_city()
    path = tmp_path_factory.mktemp("mixed") / "mixed.gpkg"
    write_layers(
        {
            "communities": h.communities,
            "grids": h.grids,
            "buildings": h.buildings,
            "households": convert_geometries(h.households, "wgs84", "gcj02"),
        },
        path,
    )
    return path


def test_validate_names_a_datum_shift_of_buildings_against_their_declared_grids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Grids are large polygons: only the grids the buildings declare can tell the datum."""
    from gridparty.core.coords import convert_geometries
    from gridparty.core.io import write_layers
    from gridparty.datasets.sample import sample_city

    h = sample_city()
    path = tmp_path / "gaode_buildings.gpkg"
    layers = {"communities": h.communities, "grids": h.grids}
    layers["buildings"] = convert_geometries(h.buildings, "wgs84", "bd09")
    write_layers(layers, path)
    assert main(["validate", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "buildings miss their grids" in out
    assert "--coords building=bd09." in out
    assert main(["validate", str(path), "--coords", "building=bd09", "--quiet"]) == 0
    assert "hint:" not in capsys.readouterr().out


def test_validate_names_a_datum_shift_and_coords_per_level_fixes_it(
    gaode_households_gpkg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(gaode_households_gpkg)]) == 0
    out = capsys.readouterr().out
    assert "hint: 1,086 of 1,086 households miss their buildings" in out
    assert "GCJ-02 (Gaode/AMap or Tencent)" in out
    assert "--coords household=gcj02." in out
    assert main(["validate", str(gaode_households_gpkg), "--coords", "household=gcj02"]) == 0
    fixed = capsys.readouterr().out
    assert "hint:" not in fixed
    planted = {(d.level, d.check) for d in SAMPLE_DEFECTS}
    assert ("household", "parent_mismatch") in planted
    assert "not_in_any_parent         970" not in fixed


def test_columns_lon_lat_and_bad_coords_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    layers = tiny_city.layers()
    layers["grids"] = layers["grids"].rename(columns={"grid_id": "WGBH"})
    for name in ("communities", "grids", "buildings"):
        layers[name].to_file(folder / f"{name}.geojson")
    households = layers["households"]
    pd.DataFrame(households.drop(columns="geometry")).assign(
        E坐标=households.geometry.x, N坐标=households.geometry.y
    ).to_csv(folder / "households.csv", index=False)
    assert main(["validate", str(folder), "--columns", "WGBH=grid_id"]) == 2
    assert "Pass lon=" in capsys.readouterr().err
    code = main(
        ["validate", str(folder), "--columns", "WGBH=grid_id", "--lon", "E坐标", "--lat", "N坐标"]
    )
    assert code == 0
    assert capsys.readouterr().out == "未发现问题\n"
    assert main(["validate", str(folder), "--columns", "WGBH"]) == 2
    assert "--columns 'WGBH' must look like COLUMN=CODE" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        main(["validate", str(folder), "--coords", "household=mars"])
    assert stopped.value.code == 2
    assert "--coords 'household=mars': use a datum" in capsys.readouterr().err


def test_a_table_with_swapped_columns_is_read_by_naming_them_the_other_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    for name in ("communities", "grids", "buildings"):
        tiny_city.layers()[name].to_file(folder / f"{name}.geojson")
    households = tiny_city.households()
    pd.DataFrame(households.drop(columns="geometry")).assign(
        经度=households.geometry.y,
        纬度=households.geometry.x,  # labelled the wrong way round
    ).to_csv(folder / "households.csv", index=False)
    assert main(["validate", str(folder)]) == 2
    assert "--lon/--lat on the command line" in capsys.readouterr().err
    assert main(["validate", str(folder), "--lon", "纬度", "--lat", "经度"]) == 0
    assert capsys.readouterr().out == "未发现问题\n"


@pytest.mark.parametrize("command", [["check"], ["validate"], ["validate", "--workers", "2"]])
def test_a_partitioned_folder_without_pyarrow_is_one_line_with_the_install(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gridparty.cli.main import main
    from gridparty.distributed.partitioned import MARKER

    (tmp_path / MARKER).write_text("{}", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as when it is not installed
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main([command[0], str(tmp_path), *command[1:]]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "pip install 'gridparty[" in err
