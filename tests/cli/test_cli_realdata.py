"""The CLI on layers as real offices export them: split ids, units of one level that overlap."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import split_city
import tiny_city

from gridparty.cli.main import main
from gridparty.core.io import write_layers


@pytest.fixture
def split_gpkg(tmp_path: Path) -> Path:
    return write_layers(split_city.layers(), tmp_path / "split.gpkg")


def test_validate_keeps_split_rows_apart_and_names_the_option(
    split_gpkg: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "issues.csv"
    assert main(["validate", str(split_gpkg), "--csv", str(csv), "--fail-on", "error"]) == 1
    table = pd.read_csv(csv, encoding="utf-8-sig")
    duplicates = table[table["check"] == "duplicate_id"]
    assert duplicates["id"].tolist() == ["C1#2", "C2#2", "G3#2"]
    assert duplicates["message"].str.endswith("--merge-parts dissolves them)").all()


def test_validate_merge_parts_dissolves_them(split_gpkg: Path, tmp_path: Path) -> None:
    csv = tmp_path / "issues.csv"
    code = main(
        ["validate", str(split_gpkg), "--merge-parts", "--csv", str(csv), "--fail-on", "warning"]
    )
    assert code == 0
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert table[["level", "id", "check"]].values.tolist() == [
        ["community", "C1", "merged_parts"],
        ["community", "C2", "merged_parts"],
        ["grid", "G3", "merged_parts"],
    ]


def test_bad_input_with_merge_parts_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = split_city.layers()
    layers["grids"] = layers["grids"].assign(full_time_workers=["one", 1, 2, 2])
    path = write_layers(layers, tmp_path / "bad.gpkg")
    csv = tmp_path / "issues.csv"
    assert main(["validate", str(path), "--merge-parts", "--csv", str(csv)]) == 2
    assert "'full_time_workers' must hold whole numbers" in capsys.readouterr().err
    assert not csv.exists()


def test_check_headline_names_units_of_one_level_that_overlap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = tiny_city.layers()
    communities = layers["communities"].to_crs(tiny_city.UTM)
    communities.loc[1, "geometry"] = tiny_city.box(150, 0, 400, 100)
    communities.loc[1, "street"] = "南京东路街道"
    layers["communities"] = communities.to_crs(4326)
    path = write_layers(layers, tmp_path / "city.gpkg")
    assert main(["check", str(path), "--lang", "en"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines if "verlap" in line] == [
        ["Grid", "overlaps", "0"],
        ["Grid", "overlap", "area", "(m²)", "0", "m²"],
        ["Overlaps", "between", "communities", "1"],
        ["Area", "of", "overlaps", "between", "communities", "(m²)", "5,000", "m²"],
        ["Overlaps", "between", "streets", "1"],
        ["Area", "of", "overlaps", "between", "streets", "(m²)", "5,000", "m²"],
        ["Overlaps", "between", "districts", "0"],
        ["Area", "of", "overlaps", "between", "districts", "(m²)", "0", "m²"],
    ]


def test_zones_fills_grid_parents_first_and_says_how_many(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layers = tiny_city.layers()
    layers["grids"] = layers["grids"].assign(community_id=None)
    path = write_layers(layers, tmp_path / "city.gpkg")
    xlsx = tmp_path / "zones.xlsx"
    code = main(
        ["zones", str(path), "--flagships", "C1", "--radius-m", "1000", "--xlsx", str(xlsx)]
    )
    assert code == 0
    assert "parents filled from space: 3 grids → community" in capsys.readouterr().out
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert sheets["帮带对象"]["组织编号"].tolist() == ["C2", "G3"]  # not its own G1, G2
    assert sheets["旗舰社区自身及其网格"]["组织编号"].tolist() == ["C1", "G1", "G2"]
