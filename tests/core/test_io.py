"""Tests for gridparty.core.io: reading layers and hierarchies from files, writing atomically."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import shapely
import tiny_city

from gridparty.core import io
from gridparty.core.errors import (
    ColumnError,
    CRSError,
    DataFileError,
    InputError,
    LayerError,
    ReadWarning,
)
from gridparty.core.model import Hierarchy


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    path = tmp_path / "city.gpkg"
    for name, frame in tiny_city.layers().items():
        frame.to_file(path, layer=name, driver="GPKG")
    return path


def _households_csv(path: Path, **rename: str) -> Path:
    frame = tiny_city.households()
    table = frame.drop(columns="geometry").assign(lon=frame.geometry.x, lat=frame.geometry.y)
    table.rename(columns=rename).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def test_read_hierarchy_from_a_geopackage(gpkg: Path) -> None:
    h = io.read_hierarchy(gpkg)
    assert len(h.communities) == 2
    assert list(h.households.index) == ["H1", "H2", "H3", "H4", "H5"]
    assert h.buildings.loc["B3", "grid_id"] == "G2"


def test_read_hierarchy_with_chinese_layer_names(tmp_path: Path) -> None:
    path = tmp_path / "城市.gpkg"
    tiny_city.communities().to_file(path, layer="社区", driver="GPKG")
    tiny_city.grids().to_file(path, layer="网格2024", driver="GPKG")
    h = io.read_hierarchy(path, layers={"grid": "网格2024"})
    assert list(h.grids.index) == ["G1", "G2", "G3"]
    assert len(h.buildings) == 0


@pytest.mark.filterwarnings("ignore:Normalized/laundered field name")
def test_read_hierarchy_from_a_folder_with_a_csv_of_households(tmp_path: Path) -> None:
    tiny_city.communities().to_file(tmp_path / "communities.geojson")
    with pytest.warns(UserWarning, match="truncated"):  # shapefile field names: 10 characters
        tiny_city.grids().to_file(tmp_path / "网格.shp", encoding="utf-8")
    tiny_city.buildings().to_file(tmp_path / "buildings.geojson")
    _households_csv(tmp_path / "households.csv", lon="经度", lat="纬度", building_id="楼栋编号")
    h = io.read_hierarchy(tmp_path)
    assert h.households.loc["H4", "building_id"] == "B3"
    assert h.households.loc["H4", "formal_members"] == 3
    assert h.grids.loc["G2", "name"] == "二网格"
    # the shapefile cut community_id to community_ and full_time_workers to full_time_
    assert h.grids["community_id"].tolist() == ["C1", "C1", "C2"]
    assert h.grids["full_time_workers"].tolist() == [1, 1, 2]
    expected = tiny_city.households().geometry
    assert h.households.geometry.x.round(9).tolist() == expected.x.round(9).tolist()


def test_read_layer_from_excel_with_explicit_coordinate_columns(tmp_path: Path) -> None:
    frame = tiny_city.households()
    table = frame.drop(columns="geometry").assign(E=frame.geometry.x, N=frame.geometry.y)
    path = tmp_path / "党员户.xlsx"
    table.to_excel(path, index=False)
    layer = io.read_layer(path, "household", lon="E", lat="N")
    assert layer.geometry.x.round(9).tolist() == frame.geometry.x.round(9).tolist()
    assert layer["is_hub"].tolist() == [True, False, False, True, False]


def test_gbk_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    frame = tiny_city.households()
    table = frame.drop(columns="geometry").assign(经度=frame.geometry.x, 纬度=frame.geometry.y)
    table.to_csv(path, index=False, encoding="gb18030")
    with pytest.warns(ReadWarning, match=r"gbk.csv' is not UTF-8 text: read it as GB18030"):
        assert io.read_layer(path, "household").loc["H1", "姓名"] == "张三"


def test_unknown_file_and_layer_errors(gpkg: Path, tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"'nowhere.gpkg' does not exist"):
        io.read_hierarchy("nowhere.gpkg")
    with pytest.raises(
        LayerError, match=r"layer='网格' is not in .*its layers are \['communities'"
    ):
        io.read_layer(gpkg, "grid", layer="网格")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataFileError, match=r"notes.txt' is not a file type gridparty reads"):
        io.read_layer(tmp_path / "notes.txt", "grid")


def test_a_hierarchy_needs_communities(tmp_path: Path) -> None:
    path = tmp_path / "only_grids.gpkg"
    tiny_city.grids().to_file(path, layer="grids", driver="GPKG")
    with pytest.raises(
        LayerError,
        match=r"has no communities layer \(its layers are \['grids'\]\)"
        r".*--layers community=<name>",
    ):
        io.read_hierarchy(path)
    folder = tmp_path / "folder"
    folder.mkdir()
    tiny_city.grids().to_file(folder / "网格.geojson")
    with pytest.raises(LayerError, match=r"its data files are \['网格\.geojson'\]"):
        io.read_hierarchy(folder)


def test_csv_without_coordinates_names_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    pd.DataFrame({"household_id": ["H1"], "east": [121.5], "north": [31.2]}).to_csv(
        path, index=False
    )
    with pytest.raises(ColumnError, match=r"has no lon column .*Pass lon='<column>'"):
        io.read_layer(path, "household")
    with pytest.raises(ColumnError, match=r"lat='N' is not a column"):
        io.read_layer(path, "household", lon="east", lat="N")


def test_non_numeric_coordinates_are_named(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    pd.DataFrame(
        {"household_id": ["H1", "H2"], "lon": ["121.5", "东经121"], "lat": [31.2, 31.2]}
    ).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"non-numeric coordinates in spreadsheet rows \[3\]"):
        io.read_layer(path, "household")


def test_ambiguous_aliases_ask_for_a_mapping(tmp_path: Path) -> None:
    grids = (
        tiny_city.grids().rename(columns={"grid_id": "网格编号"}).assign(网格编码=["a", "b", "c"])
    )
    with pytest.raises(ColumnError, match=r"both '网格编码' and '网格编号' could be 'grid_id'"):
        io.read_layer(grids, "grid")


def test_write_hierarchy_round_trips(tmp_path: Path) -> None:
    h = Hierarchy(**tiny_city.layers())
    path = io.write_hierarchy(h, tmp_path / "out.gpkg")
    back = io.read_hierarchy(path)
    for name, frame in h.layers.items():
        pd.testing.assert_frame_equal(
            back.layer(name).drop(columns="geometry"), frame.drop(columns="geometry")
        )
        assert back.layer(name).geometry.geom_equals_exact(frame.geometry, 1e-9).all()
    with pytest.raises(InputError, match=r"must end in .gpkg"):
        io.write_hierarchy(h, tmp_path / "out.shp")


def test_write_table_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "issues.csv"
    io.write_table(pd.DataFrame({"a": [1]}), path)
    before = path.read_bytes()

    def crash(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        Path(args[0]).write_text("half a file")  # type: ignore[arg-type]
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    with pytest.raises(OSError, match="disk full"):
        io.write_table(pd.DataFrame({"a": [2]}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["issues.csv"]


def test_write_table_excel_leaves_geometry_out_and_has_chinese_headers(tmp_path: Path) -> None:
    table = tiny_city.grids()
    path = io.write_table(table, tmp_path / "grids.xlsx")
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["校验问题", "说明"]
    back = sheets["校验问题"]
    assert "geometry" not in back.columns
    assert not any(back[c].astype(str).str.startswith("POLYGON").any() for c in back.columns)
    assert back["网格编号"].tolist() == ["G1", "G2", "G3"]
    english = pd.read_excel(io.write_table(table, tmp_path / "en.xlsx", lang="en"), sheet_name=None)
    assert list(english) == ["Validation issues", "Notes"]
    assert english["Validation issues"]["Grid ID"].tolist() == ["G1", "G2", "G3"]


def test_write_workbook_sheets_with_chinese_headers(tmp_path: Path) -> None:
    h = Hierarchy(**tiny_city.layers())
    path = io.write_workbook(
        {"按社区": h.summary("community"), "grids: [all]": h.grids},
        tmp_path / "book.xlsx",
        headers={"community_id": "社区编码", "grids": "网格数", "grid_id": "网格编号"},
    )
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["按社区", "grids_ _all_", "说明"]
    assert sheets["按社区"][["社区编码", "网格数"]].values.tolist() == [["C1", 2], ["C2", 1]]
    assert sheets["grids_ _all_"]["网格编号"].tolist() == ["G1", "G2", "G3"]
    with pytest.raises(InputError, match=r"must end in .xlsx"):
        io.write_workbook({}, tmp_path / "book.csv")


def test_write_layers_keeps_the_index_as_a_column(tmp_path: Path) -> None:
    h = Hierarchy(**tiny_city.layers())
    path = io.write_layers({"grids": h.grids, "gaps": h.grids.iloc[:0]}, tmp_path / "x.gpkg")
    back = io.read_layer(path, "grid", layer="grids")
    assert list(back.index) == ["G1", "G2", "G3"]
    assert len(gpd_read(path, "gaps")) == 0


def gpd_read(path: Path, layer: str) -> pd.DataFrame:
    import geopandas as gpd

    return gpd.read_file(path, layer=layer)


def test_read_features_converts_gcj02_points_back_to_wgs84(tmp_path: Path) -> None:
    from gridparty.core.coords import convert_geometries

    centres = tiny_city.households().head(3)
    path = tmp_path / "centres.geojson"
    convert_geometries(centres, "wgs84", "gcj02").to_file(path)
    truth = centres.geometry.to_crs(32651).to_numpy()
    back = io.read_features(path, coords="gcj02")
    assert back.crs.to_epsg() == 4326
    assert shapely.distance(back.geometry.to_crs(32651).to_numpy(), truth).max() < 0.01  # m
    as_is = io.read_features(path)  # the default wgs84 keeps the coordinates as they are
    assert shapely.distance(as_is.geometry.to_crs(32651).to_numpy(), truth).min() > 100


def test_read_features_reads_point_tables_and_plain_tables(tmp_path: Path) -> None:
    points = _households_csv(tmp_path / "units.csv")
    read = io.read_features(points)
    assert read.geometry.geom_type.unique().tolist() == ["Point"]
    assert len(read) == len(tiny_city.households())
    plain = tmp_path / "alliances.csv"
    pd.DataFrame({"alliance_id": ["A1"], "name": ["滨江联盟"]}).to_csv(plain, index=False)
    table = io.read_features(plain, coords="gcj02")
    assert type(table) is pd.DataFrame
    assert table.to_dict("list") == {"alliance_id": ["A1"], "name": ["滨江联盟"]}


def test_read_features_repairs_invalid_geometries_only_when_asked(tmp_path: Path) -> None:
    import geopandas as gpd

    from gridparty.core.errors import RepairWarning

    corners = [(0, 0), (100, 100), (100, 0), (0, 100)]  # a bow-tie
    bowtie = shapely.Polygon([(tiny_city.X0 + x, tiny_city.Y0 + y) for x, y in corners])
    path = tmp_path / "communities.geojson"
    gpd.GeoDataFrame({"id": ["C1", "C2"]}, geometry=[bowtie, tiny_city.box(200, 0, 300, 100)],
                     crs=tiny_city.UTM).to_crs(4326).to_file(path)  # fmt: skip
    as_read = io.read_features(path)
    assert as_read.geometry.is_valid.tolist() == [False, True]
    with pytest.warns(RepairWarning, match=r"^communities\.geojson: repaired 1 invalid geometries"):
        repaired = io.read_features(path, repair=True)
    assert repaired.geometry.is_valid.tolist() == [True, True]
    assert repaired.geometry.iloc[1].equals(as_read.geometry.iloc[1])  # the valid one as it was


def test_read_features_takes_lon_lat_columns_and_a_crs(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    pd.DataFrame({"unit_id": ["U1"], "X": [355_000.0], "Y": [3_455_000.0]}).to_csv(path)
    read = io.read_features(path, lon="X", lat="Y", crs=tiny_city.UTM)
    assert read.crs.to_epsg() == 4326
    back = read.to_crs(tiny_city.UTM).geometry.iloc[0]
    assert (round(back.x, 3), round(back.y, 3)) == (355_000.0, 3_455_000.0)


def test_read_features_names_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"centres\.gpkg' does not exist"):
        io.read_features(tmp_path / "centres.gpkg")


def _leading_zero_city(folder: Path, suffix: str, lon: str = "经度", lat: str = "纬度") -> Path:
    """One community 001 → grid 00101 → building 0010101 → households 0001 and 0002 (no place)."""
    import geopandas as gpd

    folder.mkdir()
    box = shapely.box(121.48, 31.23, 121.49, 31.24)
    gpd.GeoDataFrame({"社区编码": ["001"]}, geometry=[box], crs=4326).to_file(
        folder / "communities.geojson"
    )
    gpd.GeoDataFrame(
        {"网格编号": ["00101"], "社区编码": ["001"]}, geometry=[box], crs=4326
    ).to_file(folder / "grids.geojson")
    gpd.GeoDataFrame(
        {"楼栋编号": ["0010101"], "网格编号": ["00101"], "户数": [20]},
        geometry=[shapely.box(121.484, 31.234, 121.485, 31.235)],
        crs=4326,
    ).to_file(folder / "buildings.geojson")
    table = pd.DataFrame(
        {
            "户编号": ["0001", "0002"],
            "楼栋编号": ["0010101", "0010101"],
            "党员数": ["1", "２"],
            lon: ["121.4845", None],
            lat: ["31.2345", None],
        }
    )
    if suffix == ".csv":
        table.to_csv(folder / "households.csv", index=False, encoding="utf-8-sig")
    else:
        table.to_excel(folder / "households.xlsx", index=False)
    return folder


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_table_ids_keep_their_leading_zeros(tmp_path: Path, suffix: str) -> None:
    h = io.read_hierarchy(_leading_zero_city(tmp_path / "city", suffix))
    assert h.households.index.tolist() == ["0001", "0002"]
    assert h.households["building_id"].tolist() == ["0010101", "0010101"]
    assert h.households["formal_members"].tolist() == [1, 2]  # full-width ２ read as 2
    # the household without coordinates is kept, with no geometry, for validate to list
    assert h.households.geometry.isna().tolist() == [False, True]


def test_a_row_with_one_coordinate_names_its_spreadsheet_row(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_text(
        "户编号,经度,纬度\nH1,121.48,31.23\nH2,121.49,\nH3,abc,31.2\n", encoding="utf-8"
    )
    with pytest.raises(
        InputError,
        match=r"spreadsheet rows \[3, 4\] \(\[\['121\.49', ''\], "
        r"\['abc', '31\.2'\]\]\)",
    ):
        io.read_table_points(path)


def test_coordinate_columns_named_in_columns_or_recognised(tmp_path: Path) -> None:
    folder = _leading_zero_city(tmp_path / "city", ".csv", lon="E坐标", lat="N坐标")
    with pytest.raises(ColumnError, match="lon"):
        io.read_hierarchy(folder)
    h = io.read_hierarchy(folder, columns={"E坐标": "lon", "N坐标": "lat"})
    assert h.households.geometry.x.iloc[0] == pytest.approx(121.4845)
    assert io.read_hierarchy(folder, lon="E坐标", lat="N坐标").households.index.tolist() == [
        "0001",
        "0002",
    ]
    nested = {"household": {"E坐标": "lon", "N坐标": "lat"}}
    assert len(io.read_hierarchy(folder, columns=nested).households) == 2
    recognised = _leading_zero_city(tmp_path / "city2", ".csv", lon="东经", lat="北纬")
    assert len(io.read_hierarchy(recognised).households) == 2


def test_a_flat_mapping_applies_to_the_layers_that_have_the_column(tmp_path: Path) -> None:
    gpkg = tmp_path / "city.gpkg"
    grids = tiny_city.grids().rename(columns={"grid_id": "WGBH"})
    for name, frame in {**tiny_city.layers(), "grids": grids}.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    with pytest.raises(ColumnError, match="no id column"):
        io.read_hierarchy(gpkg)
    h = io.read_hierarchy(gpkg, columns={"WGBH": "grid_id"})
    assert h.grids.index.tolist() == tiny_city.grids()["grid_id"].tolist()
    with pytest.raises(ColumnError, match=r"columns= names \['WGBHX'\], which no layer has"):
        io.read_hierarchy(gpkg, columns={"WGBHX": "grid_id"})


def test_a_shapefile_with_cut_chinese_field_names_says_what_to_do(tmp_path: Path) -> None:
    import warnings

    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"网格编号": ["G1"], "是否建立党支部": ["是"]},
        geometry=[shapely.box(121.48, 31.23, 121.49, 31.24)],
        crs=4326,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # GDAL's own warning about the truncated names
        frame.to_file(tmp_path / "grids.shp", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"grids\.shp'.*cannot be read as UTF-8.*GeoPackage"):
        io.read_layer(tmp_path / "grids.shp", "grid")


def test_a_bad_count_is_named_by_the_users_column_and_the_row_id(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_text(
        "户编号,党员数,经度,纬度\nH1,1,121.48,31.23\nH3,2人,121.48,31.23\n", encoding="utf-8"
    )
    with pytest.raises(
        InputError,
        match=r"column '党员数' \(formal_members\) must hold whole "
        r"numbers; found \['2人'\] \(ids \['H3'\]\)",
    ):
        io.read_layer(path, "household")


def test_crs_is_assumed_only_for_files_without_one(tmp_path: Path) -> None:
    import warnings

    folder = tmp_path / "city"
    folder.mkdir()
    for name, frame in tiny_city.layers().items():
        if name == "grids":  # a Shapefile whose .prj got lost, in UTM metres
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame.to_crs(tiny_city.UTM).set_crs(None, allow_override=True).to_file(
                    folder / "grids.shp"
                )
        else:
            frame.to_file(folder / f"{name}.geojson")
    with pytest.raises(CRSError, match=r"grids has no CRS.*--crs EPSG"):
        io.read_hierarchy(folder)
    h = io.read_hierarchy(folder, crs=tiny_city.UTM)  # the GeoJSON layers keep EPSG:4326
    back = h.grids.geometry.to_crs(tiny_city.UTM)
    truth = tiny_city.grids().set_index("grid_id").geometry.to_crs(tiny_city.UTM)
    assert back.hausdorff_distance(truth).max() < 1e-6  # metres (ring order may differ)
    assert h.communities.geometry.geom_equals_exact(
        tiny_city.communities().set_index("community_id").geometry, tolerance=0
    ).all()
