"""``gridparty alliances`` reads its tables with the input options of the other commands."""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from gridparty.cli.main import build_parser, main
from gridparty.datasets.sample import sample_layer


def _options(command: str) -> set[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {o for a in sub.choices[command]._actions for o in a.option_strings}


def test_alliances_offers_every_reading_option_of_validate_and_check() -> None:
    reading = {"--coords", "--lon", "--lat", "--crs", "--encoding", "--repair"}
    assert reading <= _options("alliances")
    assert reading <= _options("validate") & _options("check")


def _metric_tables(folder: Path) -> gpd.GeoDataFrame:
    """The sample's units as a CSV of EPSG:3857 metres in columns X/Y, with its alliances
    and memberships as plain tables; returns the units as they were."""
    folder.mkdir()
    units = sample_layer("units")
    xy = units.to_crs(3857).geometry
    table = units.drop(columns="geometry").assign(X=xy.x, Y=xy.y).reset_index()
    table.to_csv(folder / "Units.csv", index=False)  # letter case of the file name ignored
    sample_layer("alliances").reset_index().to_csv(folder / "alliances.csv", index=False)
    sample_layer("memberships").reset_index().to_csv(folder / "memberships.csv", index=False)
    return units


def test_alliances_reads_csv_points_with_lon_lat_and_crs(tmp_path: Path) -> None:
    units = _metric_tables(tmp_path / "tables")
    out = tmp_path / "out"
    argv = ["alliances", str(tmp_path / "tables"), "--out", str(out), "--tiles", "none"]
    code = main([*argv, "--lon", "X", "--lat", "Y", "--crs", "EPSG:3857"])
    assert code == 0
    read = gpd.read_file(out / "alliances.gpkg", layer="alliance_units").set_index("unit_id")
    got = shapely.get_coordinates(read.geometry.array)
    want = shapely.get_coordinates(units.geometry.reindex(read.index).array)
    assert np.allclose(got, want, atol=1e-7)  # degrees: back where they were


def test_alliances_bad_crs_is_one_line_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _metric_tables(tmp_path / "tables")
    out = tmp_path / "out"
    argv = ["alliances", str(tmp_path / "tables"), "--out", str(out), "--lon", "X", "--lat", "Y"]
    assert main(argv) == 2  # metres read as degrees
    err = capsys.readouterr().err
    assert err.startswith("gridparty: error: ")
    assert err.count("\n") == 1
    assert not out.exists()


def test_extra_layers_are_found_in_any_letter_case(tmp_path: Path) -> None:
    from gridparty.cli.common import extra_layer, find_file

    folder = tmp_path / "city"
    folder.mkdir()
    centres = sample_layer("service_centres")
    centres.to_file(folder / "Service_Centres.geojson")
    (folder / "service_centres.txt").write_text("not a layer", encoding="utf-8")
    assert find_file(folder, ("service_centres",), (".geojson",)) == (
        folder / "Service_Centres.geojson"
    )
    assert find_file(folder, ("streets",), (".geojson",)) is None
    args = build_parser().parse_args(["access", str(folder)])
    found = extra_layer(args, None, "service_centres")
    assert found is not None
    assert len(found) == len(centres)
    gpkg = tmp_path / "city.gpkg"
    centres.to_file(gpkg, layer="SERVICE_CENTRES", driver="GPKG")
    args = build_parser().parse_args(["access", str(gpkg)])
    found = extra_layer(args, None, "service_centres")
    assert found is not None
    assert len(found) == len(centres)
