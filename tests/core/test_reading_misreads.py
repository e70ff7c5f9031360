"""Nothing is misread in silence: folder matching, text encodings, blank flags, FIFOs, NULs.

Each test reads a file the way a user hands it in and checks what comes out, or that a
warning or an error says why not.
"""

from __future__ import annotations

import json
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import tiny_city

from gridparty.checks.organisation import coverage_rates, organisation_findings
from gridparty.cli.main import main
from gridparty.core import io
from gridparty.core.errors import (
    DataFileError,
    DuplicateIdError,
    InputError,
    LayerError,
    ReadWarning,
)
from gridparty.core.layers import normalise_layer
from gridparty.core.schema import LEVELS

NAMES = ["朝阳门社区", "东四社区"]


def _write_city(
    folder: Path, names: dict[str, str] | None = None, **changes: gpd.GeoDataFrame
) -> Path:
    """The tiny city as one GeoJSON per level in ``folder`` (file stems from ``names``)."""
    folder.mkdir(exist_ok=True)
    stems = {
        "communities": "communities",
        "grids": "grids",
        "buildings": "buildings",
        "households": "households",
        **(names or {}),
    }
    for layer, frame in {**tiny_city.layers(), **changes}.items():
        frame.to_file(folder / f"{stems[layer]}.geojson", driver="GeoJSON")
    return folder


@contextmanager
def _quiet() -> Iterator[None]:
    """A block in which any warning is an error (the read must be silent and right)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# -- folders ----------------------------------------------------------------------------------


def test_level_files_are_matched_in_any_case(tmp_path: Path) -> None:
    folder = _write_city(
        tmp_path / "city",
        {"grids": "Grids", "buildings": "BUILDINGS", "communities": "Communities"},
    )
    h = io.read_hierarchy(folder)
    assert sorted(h.grids.index) == ["G1", "G2", "G3"]
    assert sorted(h.buildings.index) == ["B1", "B2", "B3", "B4"]
    assert h.buildings["grid_id"].tolist() == ["G1", "G1", "G2", "G3"]


def test_a_layer_in_another_format_is_named_in_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "city"
    folder.mkdir()
    tiny_city.communities().to_file(folder / "communities.geojson", driver="GeoJSON")
    tiny_city.grids().to_file(folder / "grids.kml", driver="KML")
    with pytest.warns(
        ReadWarning,
        match=r"files named like a layer that are not read: "
        r"'grids.kml' \(not a format gridparty reads: convert it to GeoJSON or "
        r"GeoPackage .*ogr2ogr grids.geojson grids.kml\)",
    ):
        h = io.read_hierarchy(folder)
    assert h.grids.empty


def test_two_files_for_one_level_are_an_error_naming_both(tmp_path: Path) -> None:
    folder = _write_city(tmp_path / "city")
    with warnings.catch_warnings():  # the format's 10-character field names: not tested here
        warnings.simplefilter("ignore")
        tiny_city.grids().iloc[:2].to_file(folder / "grids.shp")
    with pytest.raises(
        DataFileError,
        match=r"has 2 files for the grid level: 'grids.geojson', "
        r"'grids.shp'; keep one, or say which to read: layers=\{'grid': "
        r"'grids.geojson'\} in Python, --layers grid=grids.geojson",
    ):
        io.read_hierarchy(folder)
    # naming one reads it; the other is named as not read
    with pytest.warns(ReadWarning, match=r"'grids.geojson' \(layers= names another file"):
        h = io.read_hierarchy(folder, layers={"grid": "grids.shp"})
    assert sorted(h.grids.index) == ["G1", "G2"]


def test_a_file_named_like_a_layer_is_named_when_not_read(tmp_path: Path) -> None:
    folder = _write_city(tmp_path / "city")
    tiny_city.grids().to_file(folder / "网格2024.geojson", driver="GeoJSON")
    (folder / "service_centres.csv").write_text("id,lon,lat\n1,121.49,31.24\n", encoding="utf-8")
    with pytest.warns(ReadWarning) as caught:
        io.read_hierarchy(folder)
    assert [str(w.message).split(": ", 1)[1] for w in caught] == [
        "files named like a layer that are not read: '网格2024.geojson' (not a level's name: "
        "rename it, or name it with layers={'<level>': '<file>'})."
    ]


def test_gpkg_layers_in_any_case_and_two_for_one_level(tmp_path: Path) -> None:
    path = tmp_path / "city.gpkg"
    tiny_city.communities().to_file(path, layer="Communities", driver="GPKG")
    tiny_city.grids().to_file(path, layer="GRIDS", driver="GPKG")
    assert sorted(io.read_hierarchy(path).grids.index) == ["G1", "G2", "G3"]
    tiny_city.grids().to_file(path, layer="网格", driver="GPKG")
    with pytest.raises(LayerError, match=r"has 2 layers for the grid level: \['GRIDS', '网格'\]"):
        io.read_hierarchy(path)


# -- FIFOs ------------------------------------------------------------------------------------


def _within(seconds: float, call: object) -> BaseException | None:
    """Run ``call`` in a thread; fail if it does not end in ``seconds`` (a read that hangs)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()  # type: ignore[operator]
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    return outcome[0] if outcome else TimeoutError(f"still reading after {seconds} s")


def _unblock(fifo: Path) -> None:
    """Let a reader blocked on ``fifo`` see its end (so a failing test does not hang)."""
    with suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))


def test_a_fifo_named_like_a_layer_is_an_error_not_a_hang(tmp_path: Path) -> None:
    folder = _write_city(tmp_path / "city")
    (folder / "grids.geojson").unlink()
    fifo = folder / "grids.geojson"
    os.mkfifo(fifo)
    try:
        for call in (
            lambda: io.read_hierarchy(folder),
            lambda: io.read_layer(fifo, "grid"),
            lambda: io.read_features(fifo),
        ):
            error = _within(20, call)
            assert isinstance(error, DataFileError), error
            assert str(error) == (
                f"{str(fifo)!r} is a named pipe (FIFO), not a regular file; gridparty reads data "
                "only from regular files: save the layer to a file and pass that."
            )
    finally:
        _unblock(fifo)


# -- text encodings ---------------------------------------------------------------------------


def _shapefile(path: Path, encoding: str, cpg: bool = False, id_field: str = "社区编码") -> Path:
    """Communities as a Shapefile with Chinese names (and id field name) in ``encoding``."""
    frame = tiny_city.communities().rename(columns={"community_id": id_field})
    frame = frame.assign(name=NAMES)
    frame.to_file(path, encoding=encoding, engine="pyogrio")
    if not cpg:
        path.with_suffix(".cpg").unlink()
    return path


def test_gbk_shapefile_without_cpg_is_read_as_gb18030_with_a_warning(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "社区.shp", "GBK")
    with pytest.warns(
        ReadWarning,
        match=r"社区.shp' has no .cpg saying how its text is encoded "
        r"and its text is not UTF-8: read it as GB18030",
    ):
        layer = io.read_layer(path, "community")
    assert layer["name"].tolist() == NAMES
    assert layer.index.tolist() == ["C1", "C2"]  # 社区编码 recognised: the field name decoded


@pytest.mark.parametrize(("ldid", "guessed"), [(0x57, True), (0x03, True), (0x4D, False)])
def test_a_language_driver_id_is_trusted_only_for_a_cjk_code_page(
    tmp_path: Path, ldid: int, guessed: bool
) -> None:
    """0x57 ("ANSI") and 0x03 (CP1252) make GDAL read GBK as mojibake; 0x4D is GBK itself."""
    path = _shapefile(tmp_path / "communities.shp", "GBK")
    dbf = bytearray(path.with_suffix(".dbf").read_bytes())
    dbf[29] = ldid
    path.with_suffix(".dbf").write_bytes(bytes(dbf))
    if guessed:
        with pytest.warns(ReadWarning, match=r"read it as GB18030"):
            layer = io.read_layer(path, "community")
    else:
        with _quiet():
            layer = io.read_layer(path, "community")
    assert layer["name"].tolist() == NAMES


def test_utf8_shapefile_without_cpg_is_read_as_utf8_silently(tmp_path: Path) -> None:
    # 社区编码 is 12 bytes in UTF-8, cut to 10 by the format: an error of its own (test_io)
    path = _shapefile(tmp_path / "communities.shp", "UTF-8", id_field="社区")
    with _quiet():
        layer = io.read_layer(path, "community", columns={"社区": "community_id"})
    assert layer["name"].tolist() == NAMES
    assert layer.index.tolist() == ["C1", "C2"]


def test_explicit_encoding_wins(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "communities.shp", "GBK")
    with _quiet():
        assert io.read_layer(path, "community", encoding="GB18030")["name"].tolist() == NAMES
        latin = io.read_file(path, encoding="ISO-8859-1")
    assert latin["name"].tolist() == [n.encode("gbk").decode("latin-1") for n in NAMES]
    # a .cpg is followed: no guess, no warning
    cpg = _shapefile(tmp_path / "with_cpg.shp", "GBK", cpg=True)
    with _quiet():
        assert io.read_file(cpg)["name"].tolist() == NAMES
    with pytest.raises(InputError, match=r"encoding='klingon' is not a known text encoding"):
        io.read_layer(path, "community", encoding="klingon")


def test_encoding_leaves_utf8_formats_alone(tmp_path: Path) -> None:
    path = tmp_path / "communities.geojson"
    tiny_city.communities().assign(name=NAMES).to_file(path, driver="GeoJSON")
    with _quiet():
        assert io.read_layer(path, "community", encoding="GB18030")["name"].tolist() == NAMES


def _csv(path: Path, encoding: str) -> Path:
    frame = tiny_city.households()
    table = frame.drop(columns="geometry").assign(经度=frame.geometry.x, 纬度=frame.geometry.y)
    table.to_csv(path, index=False, encoding=encoding)
    return path


def test_csv_encodings(tmp_path: Path) -> None:
    with _quiet():  # UTF-8 with BOM (Excel's "CSV UTF-8") and without
        for encoding in ("utf-8-sig", "utf-8"):
            layer = io.read_layer(_csv(tmp_path / f"{encoding}.csv", encoding), "household")
            assert layer.loc["H1", "姓名"] == "张三"
    gbk = _csv(tmp_path / "gbk.csv", "gbk")
    with _quiet():
        assert io.read_layer(gbk, "household", encoding="GBK").loc["H1", "姓名"] == "张三"
    with pytest.raises(InputError, match=r"gbk.csv' is not UTF-8 text \(encoding='UTF-8'\)"):
        io.read_table_points(gbk, encoding="UTF-8")


def test_cli_reads_with_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write_city(tmp_path / "city")
    (folder / "communities.geojson").unlink()
    _shapefile(folder / "communities.shp", "GBK")
    csv = tmp_path / "issues.csv"
    with _quiet():
        assert main(["validate", str(folder), "--encoding", "GB18030", "--csv", str(csv)]) == 0
    assert main(["validate", str(folder), "--encoding", "nope"]) == 2
    assert "encoding='nope' is not a known text encoding" in capsys.readouterr().err


# -- blank and placeholder flags --------------------------------------------------------------


def test_blank_flags_are_not_recorded_not_no(tmp_path: Path) -> None:
    # G1 (4 formal members) and G2 (3) should have a branch; their cells are blank and '-'
    grids = tiny_city.grids().drop(columns="has_branch").assign(是否建立党支部=["", "-", "是"])
    buildings = tiny_city.buildings().assign(households=["  ", "未填", "20", "60"])
    folder = _write_city(tmp_path / "city", grids=grids, buildings=buildings)
    h = io.read_hierarchy(folder)
    assert h.grids["has_branch"].tolist() == [pd.NA, pd.NA, True]
    assert h.buildings["households"].tolist() == [pd.NA, pd.NA, 20, 60]
    findings = organisation_findings(h)
    assert "members_without_branch" not in set(findings["check"])
    total = coverage_rates(h).query("scope == 'total' and level == 'grid'").iloc[0]
    assert (total["should"], total["have"], total["not_recorded"]) == (2, 0, 2)


@pytest.mark.parametrize(
    "cell", ["", " ", "\u3000", "-", "—", "/", "／", "无", "未填", "N/A", "NA", "null", "空"]
)
def test_placeholders_in_a_flag_column_are_missing(tmp_path: Path, cell: str) -> None:
    grids = tiny_city.grids().drop(columns="has_branch").assign(是否建立党支部=[cell, "否", "是"])
    path = tmp_path / "grids.geojson"
    grids.to_file(path, driver="GeoJSON")
    assert io.read_layer(path, "grid")["has_branch"].tolist() == [pd.NA, False, True]


# -- NUL characters ---------------------------------------------------------------------------


def _nul_geojson(path: Path) -> Path:
    frame = tiny_city.communities()
    features = json.loads(frame.to_json())
    features["features"][0]["properties"].update(community_id="C\u00001", name="朝阳\u0000门社区")
    features["features"][1]["properties"].update(community_id="C\u00002")
    path.write_text(json.dumps(features, ensure_ascii=False), encoding="utf-8")
    return path


def test_nul_text_is_never_cut_in_silence(tmp_path: Path) -> None:
    path = _nul_geojson(tmp_path / "communities.geojson")
    with pytest.warns(
        ReadWarning,
        match=r"communities.geojson' holds text with NUL characters "
        r"\(\\u0000\), which GDAL cuts off: 2 value\(s\) of 'community_id'; 1 "
        r"value\(s\) of 'name' read in full with each NUL shown as '\ufffd'",
    ):
        layer = io.read_layer(path, "community")
    assert layer.index.tolist() == ["C\ufffd1", "C\ufffd2"]  # not both "C": no false duplicate
    assert layer.loc["C\ufffd1", "name"] == "朝阳\ufffd门社区"


def test_nul_in_a_property_name(tmp_path: Path) -> None:
    path = tmp_path / "grids.geojson"
    features = json.loads(tiny_city.grids().to_json())
    for feature in features["features"]:
        feature["properties"]["备\u0000注"] = "x"
    path.write_text(json.dumps(features), encoding="utf-8")
    with pytest.warns(ReadWarning, match=r"3 value\(s\) of '备\ufffd注'"):
        frame = io.read_file(path)
    assert frame["备\ufffd注"].tolist() == ["x", "x", "x"]
    assert "备" not in frame.columns


def test_without_the_restore_the_ids_would_collide(tmp_path: Path) -> None:
    """What GDAL alone makes of the file: the reason for the restore."""
    raw = gpd.read_file(_nul_geojson(tmp_path / "c.geojson"), engine="pyogrio")
    assert raw["community_id"].tolist() == ["C", "C"]
    with pytest.raises(DuplicateIdError):
        normalise_layer(raw, LEVELS["community"])
