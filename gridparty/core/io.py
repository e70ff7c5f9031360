"""Read and write layers: GeoPackage, GeoJSON, Shapefile, FlatGeobuf, CSV/Excel points.

Everything read is normalised to the schema of its level (see :mod:`gridparty.core.schema`) and
stored in EPSG:4326. Every file written goes through a temporary file and a rename, so a
crash never leaves a half-written file behind.
"""

from __future__ import annotations

import datetime
import os
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from gridparty.core.atomic import atomic_path
from gridparty.core.columns import ColumnMapping, mapping_for_level
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import (
    ColumnError,
    DataFileError,
    InputError,
    LayerError,
    ReadWarning,
    RepairWarning,
)
from gridparty.core.geometry import made_valid
from gridparty.core.labels import check_lang
from gridparty.core.layers import normalise_layer
from gridparty.core.model import Hierarchy
from gridparty.core.paths import SOURCES_ATTR, frame_sources, refuse_sources, source_path
from gridparty.core.reading import (
    check_encoding,
    check_regular_file,
    folder_levels,
    restore_nul_text,
    shapefile_encoding,
)
from gridparty.core.sanitise import OutputText, sheet_names, string_cells
from gridparty.core.schema import LEVEL_NAMES, LEVELS, level
from gridparty.core.workbook import NOTES_SHEET, notes_table, style_sheet

__all__ = [
    "layer_names",
    "read_features",
    "read_file",
    "read_hierarchy",
    "read_layer",
    "read_table_points",
    "reproducible_gpkg",
    "write_hierarchy",
    "write_layers",
    "write_sheets",
    "write_table",
    "write_workbook",
]

PathLike = str | os.PathLike[str]
Source = PathLike | gpd.GeoDataFrame

VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb")
TABLE_SUFFIXES = (".csv", ".xlsx", ".xls")

#: Layer / file names recognised for each level besides the code names.
LAYER_ALIASES: Mapping[str, tuple[str, ...]] = {
    "community": ("communities", "community", "社区"),
    "grid": ("grids", "grid", "网格"),
    "building": ("buildings", "building", "楼栋"),
    "household": ("households", "household", "党员户", "党员中心户", "住户"),
}

#: ``last_change`` of every GeoPackage gridparty writes (GDAL's ``OGR_CURRENT_DATE``; GDAL
#: otherwise stamps the time of writing), so the same layers give byte-identical files.
GPKG_DATE = "1970-01-01T00:00:00.000Z"
#: Creation and modification date of every Excel workbook gridparty writes (document
#: properties and zip entries; the zip format starts in 1980), for the same reason.
XLSX_DATE = datetime.datetime(1980, 1, 1)
_XLSX_STAMP = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
_GDAL_WRITE_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.FieldError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.FeatureError,
)
_GDAL_READ_ERRORS = (*_GDAL_WRITE_ERRORS, pyogrio.errors.CRSError)

_LON = ("lon", "lng", "long", "longitude", "经度", "东经", "经度坐标", "x", "X", "LON", "LNG")
_LAT = ("lat", "latitude", "纬度", "北纬", "纬度坐标", "y", "Y", "LAT")


def read_layer(
    source: Source,
    level_name: str,
    *,
    layer: str | None = None,
    columns: ColumnMapping | None = None,
    coords: str = "wgs84",
    crs: str | int | None = None,
    lon: str | None = None,
    lat: str | None = None,
    repair: bool = False,
    strict: bool = True,
    encoding: str | None = None,
    merge_parts: bool = False,
) -> gpd.GeoDataFrame:
    """Read one layer of the hierarchy and normalise it.

    Parameters
    ----------
    source : path or GeoDataFrame
        A vector file (``.gpkg``, ``.geojson``, ``.shp``, ``.fgb``), a table of points
        (``.csv``, ``.xlsx``) or a GeoDataFrame.
    level_name : {"community", "grid", "building", "household"}
        Which level the layer holds.
    layer : str, optional
        Layer name inside a GeoPackage (default: the level's layer name or an alias).
    columns, coords, repair, strict, merge_parts
        As for :class:`~gridparty.Hierarchy`.
    crs : CRS-like, optional
        CRS of input that carries none: a CSV/Excel table's coordinates (default EPSG:4326,
        lon/lat degrees) or a vector file without one (a Shapefile without its ``.prj``).
        A file that has a CRS keeps it.
    lon, lat : str, optional
        Coordinate columns of a table (default: recognised names such as lon/lng/经度, lat/纬度).
    encoding : str, optional
        Text encoding of a Shapefile's ``.dbf`` or a CSV table (``"GB18030"``, ``"UTF-8"``
        ...), over its ``.cpg`` and over the guess. Without it a Shapefile without ``.cpg`` and
        a CSV table are read as UTF-8 when their bytes are, else as GB18030 (GBK) with a
        :class:`~gridparty.core.errors.ReadWarning`. GeoPackage, GeoJSON and FlatGeobuf are UTF-8
        by definition and ignore it.

    Returns
    -------
    GeoDataFrame
        The normalised layer (index = id, EPSG:4326).

    Examples
    --------
    >>> import gridparty as gp
    >>> grids = gp.read_layer(gp.sample_layer("grids"), "grid")
    >>> len(grids), grids.index.name
    (60, 'grid_id')
    """
    lvl = level(level_name)
    xy_lon, xy_lat = _xy_columns(columns, lvl.name)
    frame = _read_any(
        source,
        lvl.name,
        layer=layer,
        crs=crs,
        lon=lon or xy_lon,
        lat=lat or xy_lat,
        encoding=check_encoding(encoding),
    )
    result, _ = normalise_layer(
        frame,
        lvl,
        columns=_without_xy(columns),
        coords=coords,
        repair=repair,
        strict=strict,
        argument=_describe(source, layer),
        merge_parts=merge_parts,
    )
    if not isinstance(source, pd.DataFrame):
        result.attrs[SOURCES_ATTR] = (source_path(source),)
    return result


def read_hierarchy(
    source: PathLike | Mapping[str, Source],
    *,
    layers: Mapping[str, str] | None = None,
    columns: ColumnMapping | None = None,
    coords: str | Mapping[str, str] = "wgs84",
    repair: bool = False,
    strict: bool = True,
    metric_crs: str | int | None = None,
    crs: str | int | None = None,
    lon: str | None = None,
    lat: str | None = None,
    encoding: str | None = None,
    merge_parts: bool = False,
) -> Hierarchy:
    """Read a whole hierarchy from a GeoPackage, a folder, or a mapping of level → file.

    Parameters
    ----------
    source : path or mapping
        A GeoPackage with one layer per level; a folder with one file per level named
        after the level in any case (``grids.geojson``, ``Grids.shp``, ``楼栋.shp``,
        ``households.csv`` ...); or a mapping ``{"community": path_or_frame, ...}``.
        Communities are required; other levels may be absent. Two files for one level
        (``grids.geojson`` and ``grids.shp``) are an error; a file named like a layer that is
        not read (``grids.kml``) is named in a :class:`~gridparty.core.errors.ReadWarning`.
    layers : mapping, optional
        Layer or file names per level when they are not the standard ones
        (``{"grid": "网格2024"}``, or a file name with its suffix: ``{"grid": "grids.shp"}``).
    columns, coords, repair, strict, metric_crs, merge_parts
        As for :class:`~gridparty.Hierarchy`. A table's coordinate columns may be named here
        too: ``columns={"东经": "lon", "北纬": "lat"}``.
    crs, lon, lat, encoding
        For files without a CRS (CSV/Excel tables, a Shapefile without ``.prj``), for
        tables' coordinate columns and for the text encoding of Shapefiles and CSV tables, as
        for :func:`read_layer`.

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> path = gp.write_hierarchy(gp.sample_city(), os.path.join(tempfile.mkdtemp(), "city.gpkg"))
    >>> gp.read_hierarchy(path)
    <Hierarchy: 9 communities, 60 grids, 1,321 buildings, 1,086 households>
    """
    encoding = check_encoding(encoding)
    found = _locate_levels(source, layers or {})
    frames = {}
    for name, (src, lay) in found.items():
        xy_lon, xy_lat = _xy_columns(columns, name)
        frames[name] = _read_any(
            src, name, layer=lay, crs=crs, lon=lon or xy_lon, lat=lat or xy_lat, encoding=encoding
        )
        if not isinstance(src, pd.DataFrame):  # a frame read here, not the caller's
            frames[name].attrs[SOURCES_ATTR] = (source_path(src),)
    return Hierarchy(
        frames["community"],
        frames.get("grid"),
        frames.get("building"),
        frames.get("household"),
        columns=_without_xy(columns),
        coords=coords,
        repair=repair,
        strict=strict,
        metric_crs=metric_crs,
        merge_parts=merge_parts,
    )


def read_table_points(
    path: PathLike,
    *,
    lon: str | None = None,
    lat: str | None = None,
    crs: str | int | None = None,
    sheet: str | int = 0,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a CSV or Excel table with coordinate columns as a point GeoDataFrame.

    Parameters
    ----------
    path : path
        ``.csv`` (UTF-8, or GBK/GB18030 as exported by Chinese Excel) or ``.xlsx``/``.xls``.
    lon, lat : str, optional
        Coordinate columns (default: the first of lon/lng/longitude/经度/x and lat/latitude/纬度/y).
    crs : CRS-like, optional
        CRS of the coordinates (default EPSG:4326).
    sheet : str or int
        Excel sheet.
    encoding : str, optional
        Encoding of a CSV file (default: UTF-8, with or without BOM, else GB18030 with a
        :class:`~gridparty.core.errors.ReadWarning`).

    Examples
    --------
    >>> import os, tempfile
    >>> import pandas as pd
    >>> import gridparty as gp
    >>> path = os.path.join(tempfile.mkdtemp(), "posts.csv")
    >>> pd.DataFrame({"name": ["a", "b"], "lon": [121.48, 121.49], "lat": [31.24, 31.23]}).to_csv(path, index=False)
    >>> gp.read_table_points(path).geometry.x.tolist()
    [121.48, 121.49]
    """
    path = _existing(path)
    return _table_points(_read_table(path, sheet, check_encoding(encoding)), path, lon, lat, crs)


def _table_points(
    table: pd.DataFrame, path: Path, lon: str | None, lat: str | None, crs: str | int | None
) -> gpd.GeoDataFrame:
    """The rows of a table read by :func:`_read_table` as points (see :func:`read_table_points`)."""
    lon_col = _pick_column(table, lon, _LON, "lon", path)
    lat_col = _pick_column(table, lat, _LAT, "lat", path)
    text = table[[lon_col, lat_col]].apply(
        lambda column: (
            column.astype(TEXT_DTYPE).str.normalize("NFKC").str.strip().replace("", pd.NA)
        )
    )
    xy = text.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = xy.isna().any(axis=1) & text.notna().any(axis=1)
    if bad.any():
        rows = (np.flatnonzero(bad.to_numpy())[:5] + 2).tolist()  # 1-based, after the header
        cells = table.loc[bad, [lon_col, lat_col]].fillna("").head(5).to_numpy().tolist()
        raise InputError(
            f"{path}: columns {lon_col!r}/{lat_col!r} hold non-numeric coordinates in "
            f"spreadsheet rows {rows} ({cells}); fix those cells (decimal degrees like 121.49, "
            "31.24) or leave both empty for a point not yet located."
        )
    points = gpd.points_from_xy(xy[lon_col], xy[lat_col], crs=crs or 4326)
    # a row without coordinates (not geocoded yet) is kept with no geometry: validate lists it
    points[xy.isna().any(axis=1).to_numpy()] = None  # type: ignore[assignment]  # missing geometry; the stubs leave out None
    return gpd.GeoDataFrame(table.drop(columns=[lon_col, lat_col]), geometry=points)


def write_hierarchy(h: Hierarchy, path: PathLike) -> Path:
    """Write the four layers to one GeoPackage atomically (layers communities, grids, ...).

    Refuses (:class:`InputError`) a ``path`` that is one of ``h.sources``.

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> path = gp.write_hierarchy(gp.sample_city(), os.path.join(tempfile.mkdtemp(), "city.gpkg"))
    >>> path.name
    'city.gpkg'
    """
    refuse_sources(path, h.sources)
    return write_layers({LEVELS[name].layer: frame for name, frame in h.layers.items()}, path)


def write_layers(layers: Mapping[str, pd.DataFrame], path: PathLike) -> Path:
    """Write several GeoDataFrames (or attribute tables) as the layers of one GeoPackage, atomically.

    Parameters
    ----------
    layers : mapping of str to GeoDataFrame or DataFrame
        Layer name → frame. The index is written as a column (its name, or ``id``). Empty
        frames are written as empty layers; a plain DataFrame as a table without geometry.
    path : path
        A ``.gpkg`` file; an existing file is replaced only when the new one is complete.
        The file is stamped :data:`GPKG_DATE`, so the same layers give the same bytes.

    Raises
    ------
    InputError
        ``path`` is not a ``.gpkg``, ``layers`` is empty, a value is not a frame, GDAL
        refuses a layer (its name or a column's type), or ``path`` is the file a layer was
        read from (by :func:`read_layer` / :func:`read_hierarchy`).
    """
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise InputError(f"path={str(path)!r} must end in .gpkg to write a GeoPackage.")
    if not layers:
        raise InputError(
            f"layers is empty: there is nothing to write to {str(path)!r}. A result without "
            "tables of geometry has no GeoPackage; write its tables with to_excel()."
        )
    refuse_sources(target, frame_sources(layers.values()))
    report = OutputText()
    with atomic_path(target) as tmp, reproducible_gpkg():
        for name, frame in layers.items():
            _write_layer(frame, name, tmp, target, report)
    report.warn(target)
    return target


def _write_layer(frame: object, name: str, tmp: Path, target: Path, report: OutputText) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            f"layers[{name!r}] must be a GeoDataFrame or DataFrame, got {type(frame).__name__}."
        )
    index = _index_column(frame)
    names = [*map(str, frame.columns), *([index] if index else [])]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(
            f"layers[{name!r}] has the column names {twice} more than once (the index is "
            f"written as the column {index!r}); rename them with frame.rename(columns=...)."
        )
    layer = report.text(str(name), f"{name} (layer name)")
    table = report.frame(_writable(frame), layer)
    try:
        if isinstance(table, gpd.GeoDataFrame):
            table.to_file(tmp, layer=layer, driver="GPKG")
        else:
            pyogrio.write_dataframe(table, tmp, layer=layer, driver="GPKG")
    except _GDAL_WRITE_ERRORS as exc:
        raise InputError(
            f"layers[{name!r}] could not be written to {str(target)!r}: {exc}. Use a layer name "
            "of letters, digits and _ and columns of text, numbers or dates."
        ) from exc


@contextmanager
def reproducible_gpkg() -> Iterator[None]:
    """Write GeoPackages stamped :data:`GPKG_DATE` inside the block (a caller's own
    ``OGR_CURRENT_DATE`` wins); GDAL's setting is restored afterwards."""
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before or GPKG_DATE})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})


def write_table(
    table: pd.DataFrame,
    path: PathLike,
    *,
    sheet: str = "issues",
    lang: str = "zh",
    notes: Mapping[str, object] | None = None,
) -> Path:
    """Write a table as CSV (UTF-8 with BOM, so Excel shows Chinese) or XLSX, atomically.

    A CSV keeps the code names as headers and writes a ``geometry`` column as WKT. A workbook
    is written by :func:`write_workbook`: headers and sheet name for people in ``lang``
    (Chinese by default), no geometry, the parameters ``notes`` on a notes sheet. Text is made
    safe as described in
    :mod:`gridparty.core.sanitise`: in a CSV, text a spreadsheet would run as a formula (starting
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with ``'``; in a
    workbook every text is a string cell. Numbers are written as numbers. Refuses
    (:class:`InputError`) the file ``table`` was read from (by :func:`read_layer`).

    Warns
    -----
    OutputTextWarning
        Characters the format cannot hold were replaced by U+FFFD, or text longer than Excel's
        32,767 characters per cell was cut; the warning names the columns.

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> grids = gp.sample_city().grids.drop(columns="geometry")
    >>> gp.write_table(grids, os.path.join(tempfile.mkdtemp(), "grids.csv")).suffix
    '.csv'
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"path={str(path)!r} must end in .csv or .xlsx.")
    refuse_sources(target, frame_sources([table]))
    if suffix == ".xlsx":
        return write_sheets({sheet: table}, target, lang=lang, notes=notes)
    report = OutputText(spreadsheet=True, formulas=True)
    plain = report.frame(_plain(table))
    with atomic_path(target) as tmp:
        # CRLF rows (RFC 4180): a text holding a lone CR is then quoted, not cut into two rows
        plain.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    report.warn(target)
    return target


def write_sheets(
    tables: Mapping[str, pd.DataFrame],
    path: PathLike,
    *,
    lang: str = "zh",
    notes: Mapping[str, object] | None = None,
) -> Path:
    """Write plain tables (no index) as the sheets of a workbook for people, atomically.

    Sheet names and headers are the labels of their code names in ``lang`` (``issues`` →
    校验问题), and so are the code words in the cells (see :func:`write_workbook`); the
    parameters ``notes`` go on the notes sheet. :func:`write_table` writes one sheet this way.

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> issues = gp.validate(gp.sample_city()).drop(columns="geometry")
    >>> path = os.path.join(tempfile.mkdtemp(), "issues.xlsx")
    >>> write_sheets({"issues": issues}, path).suffix
    '.xlsx'
    """
    from gridparty.core.results import header

    lang_ = check_lang(lang)
    headers = {str(c): header(str(c), lang_) for t in tables.values() for c in t.columns}
    return write_workbook(
        {header(sheet, lang_): table for sheet, table in tables.items()},
        path,
        headers=headers,
        index=False,
        notes=notes,
        lang=lang_,
    )


def write_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: PathLike,
    *,
    headers: Mapping[str, str] | None = None,
    index: bool = True,
    notes: Mapping[str, object] | None = None,
    lang: str = "zh",
) -> Path:
    """Write tables as the sheets of one Excel workbook in gridparty's one style, atomically.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Sheet name → table. Names are made valid and unique with
        :func:`gridparty.core.sanitise.sheet_names` (cut to Excel's 31 characters, ``[]:*?/\\``
        replaced, a name taken numbered ``~2``, ``~3`` …).
    path : path
        An ``.xlsx`` file.
    headers : mapping, optional
        Column (and index) names to show instead of the code names, e.g. the Chinese headers
        of a report (``{"grid_id": "网格编号"}``); names not in it are kept.
    index : bool
        Write the index as the first column(s).
    notes : mapping, optional
        The parameters of the run (name → value), listed on the last sheet (说明 / Notes) after
        the gridparty version.
    lang : {"zh", "en"}
        Language of the notes sheet's name and headers.

    Warns
    -----
    OutputTextWarning
        Characters the format cannot hold were replaced by U+FFFD, or text longer than Excel's
        32,767 characters per cell was cut; the warning names the sheets and columns.

    Notes
    -----
    Every sheet has a frozen header row, an autofilter and fitted column widths; numbers are
    shown rounded with their unit by the column's code name (:mod:`gridparty.core.workbook`:
    m² to 1, m to 0.1, km² to 0.001, ratios and shares as percentages) while the cells keep
    the exact values. Geometry columns are left out (write them to a GeoPackage). In a summary
    table (``value`` indexed by ``figure``) the figure names are translated with ``headers``
    too, and so are the code words in the ``level``, ``scope``, ``check`` and ``severity`` cells
    (:func:`gridparty.core.results.in_words`; the check codes are kept in a column 检查代码 /
    Check code). Every text from the tables (cells, headers, sheet names) is written as a string cell,
    never as a formula; numbers stay numbers. The workbook is stamped :data:`XLSX_DATE`, so the
    same tables give the same bytes.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "gaps.xlsx"
    >>> write_workbook({"gaps": pd.DataFrame({"gap_m2": [12.34]})}, path, index=False,
    ...                notes={"min_area_m2": 1.0}).name
    'gaps.xlsx'
    """
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"path={str(path)!r} must end in .xlsx to write a workbook.")
    refuse_sources(target, frame_sources(tables.values()))
    from gridparty.core.results import header, in_words

    lang_ = check_lang(lang)
    # headers for people: the code words in the cells too (the check codes kept in 检查代码)
    names = {"check_code": header("check_code", lang_), **headers} if headers else {}
    report = OutputText(spreadsheet=True)
    notes_frame = notes_table(notes, lang_)
    frames = [*tables.items(), (NOTES_SHEET[lang_], notes_frame)]
    sheets = sheet_names(report.text(str(sheet), f"{sheet} (sheet name)") for sheet, _ in frames)
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for sheet, (_, table) in zip(sheets, frames, strict=True):
                coded = _without_geometry(table)
                if names and table is not notes_frame:
                    coded = in_words(coded, lang_)
                plain = coded.rename(columns=names)
                if _is_summary(coded):
                    plain.index = plain.index.map(lambda v: names.get(str(v), v))
                plain.index.names = [names.get(n, n) for n in plain.index.names]  # type: ignore[call-overload]
                wrote_index = index and table is not notes_frame
                report.frame(plain, sheet).to_excel(writer, sheet_name=sheet, index=wrote_index)
                string_cells(writer.sheets[sheet])
                levels = coded.index.nlevels if wrote_index else 0
                codes = [str(n) for n in coded.index.names] if levels else []
                style_sheet(writer.sheets[sheet], coded, [*codes, *map(str, coded.columns)], levels)
        _reproducible_xlsx(tmp)
    report.warn(target)
    return target


def _reproducible_xlsx(path: Path) -> None:
    """Stamp a workbook with :data:`XLSX_DATE` instead of the time of saving.

    openpyxl writes the save time into ``docProps/core.xml`` and into every zip entry, so the
    same tables would give different bytes each second. The zip is rewritten in place with the
    fixed date (entries, order and contents otherwise unchanged).
    """
    with zipfile.ZipFile(path) as book:
        entries = [(info.filename, book.read(info)) for info in book.infolist()]
    stamp = XLSX_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = _XLSX_STAMP.sub(rb"\g<1>" + stamp + rb"\g<3>", data)
            info = zipfile.ZipInfo(name, date_time=XLSX_DATE.timetuple()[:6])
            book.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)


# -- helpers ---------------------------------------------------------------------------------


def _without_geometry(table: pd.DataFrame) -> pd.DataFrame:
    """A plain DataFrame copy without geometry columns (geometry belongs in a GeoPackage)."""
    geometry = [c for c in table.columns if isinstance(table[c].dtype, gpd.array.GeometryDtype)]
    return pd.DataFrame(table).drop(columns=geometry)


def _is_summary(table: pd.DataFrame) -> bool:
    """A table of headline figures (:func:`gridparty.core.results.figures`)."""
    return table.index.name == "figure" and "value" in table.columns


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """A copy fit for CSV/Excel: geometry as WKT, no GeoDataFrame."""
    plain = pd.DataFrame(table).copy()
    for column in plain.columns:
        if isinstance(plain[column].dtype, gpd.array.GeometryDtype):
            plain[column] = gpd.GeoSeries(plain[column]).to_wkt()
    return plain


def _index_column(frame: pd.DataFrame) -> str | None:
    """The column the index is written as: its name, or ``id``; ``None`` for a plain row
    number (an unnamed 0..n-1 index) when the frame has an ``id`` column of its own."""
    if frame.index.name is None and "id" in frame.columns:
        plain = frame.index.equals(pd.RangeIndex(len(frame)))
        return None if plain else "id"
    return str(frame.index.name or "id")


def _writable(frame: pd.DataFrame) -> pd.DataFrame:
    index = _index_column(frame)
    out = frame.reset_index(names=index) if index else frame.reset_index(drop=True)
    out.columns = out.columns.map(str)
    text = [c for c in out.columns if str(out[c].dtype) == "string"]
    return out.astype({c: "object" for c in text}).where(out.notna(), None)


def _existing(path: PathLike) -> Path:
    p = Path(path)
    if not p.exists():
        raise DataFileError(
            f"{str(p)!r} does not exist; check the path (relative to {os.getcwd()})."
        )
    return check_regular_file(p)


def _describe(source: Source, layer: str | None) -> str:
    if isinstance(source, gpd.GeoDataFrame):
        return "the GeoDataFrame"
    return f"{source}" + (f" (layer {layer!r})" if layer else "")


_XY = ("lon", "lat")


def _xy_columns(columns: ColumnMapping | None, level_name: str) -> tuple[str | None, str | None]:
    """The columns ``columns`` maps to ``lon`` and ``lat`` for a level (None where it does not)."""
    mapping = mapping_for_level(columns, LEVELS[level_name])
    found = {target: source for source, target in mapping.items() if target in _XY}
    return found.get("lon"), found.get("lat")


def _without_xy(columns: ColumnMapping | None) -> ColumnMapping | None:
    """``columns`` without its lon/lat entries (consumed when the table becomes points)."""
    if not columns:
        return columns
    if all(isinstance(v, Mapping) for v in columns.values()):
        return {
            k: {c: t for c, t in v.items() if t not in _XY}  # type: ignore[union-attr]
            for k, v in columns.items()
        }
    return {c: t for c, t in columns.items() if t not in _XY}  # type: ignore[return-value]  # flat here


def _read_any(
    source: Source,
    level_name: str,
    *,
    layer: str | None,
    crs: str | int | None,
    lon: str | None,
    lat: str | None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    if isinstance(source, gpd.GeoDataFrame):
        return source
    if isinstance(source, pd.DataFrame):
        raise InputError(
            f"{level_name}: got a plain DataFrame; pass a GeoDataFrame, or a CSV/Excel path with "
            "lon/lat columns."
        )
    path = _existing(source)
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return read_table_points(path, lon=lon, lat=lat, crs=crs, encoding=encoding)
    if suffix not in VECTOR_SUFFIXES:
        raise DataFileError(
            f"{str(path)!r} is not a file type gridparty reads; use one of "
            f"{', '.join(VECTOR_SUFFIXES + TABLE_SUFFIXES)}."
        )
    if suffix == ".gpkg":
        layer = _gpkg_layer(path, level_name, layer)
    frame = read_file(path, layer=layer, encoding=encoding)
    if crs is not None and isinstance(frame, gpd.GeoDataFrame) and frame.crs is None:
        return frame.set_crs(crs)  # e.g. a Shapefile without its .prj
    return frame


def read_file(
    path: PathLike, layer: str | None = None, *, encoding: str | None = None
) -> gpd.GeoDataFrame:
    """``geopandas.read_file`` (pyogrio), with a file GDAL cannot read as a :class:`DataFileError`.

    No normalisation: for layers of the hierarchy use :func:`read_layer`. Nothing is misread
    in silence: only regular files are read (a named pipe is an error, not a hang); a
    Shapefile without ``.cpg`` is read in the encoding its bytes show (UTF-8, or GB18030 with
    a :class:`~gridparty.core.errors.ReadWarning`) unless ``encoding`` says otherwise; GeoJSON text
    that GDAL would cut at a NUL character is restored with a warning.
    """
    path = check_regular_file(Path(path))
    encoding = shapefile_encoding(path, check_encoding(encoding))
    try:
        # The stubs leave out the keyword arguments that go on to pyogrio (encoding).
        frame: gpd.GeoDataFrame = gpd.read_file(  # type: ignore[call-overload]
            path,
            layer=layer,
            engine="pyogrio",
            **({"encoding": encoding} if _encoded(path, encoding) else {}),
        )
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{str(path)!r}: its field names or text cannot be read as UTF-8 ({exc.reason} at "
            f"byte {exc.start}). A Shapefile cuts field names to 10 bytes, which splits Chinese "
            "characters: save the layer as GeoPackage (.gpkg) or GeoJSON instead. If the file "
            "is GBK-encoded, pass encoding='GB18030' (--encoding GB18030)."
        ) from exc
    except _GDAL_READ_ERRORS as exc:
        raise DataFileError(
            f"{str(path)!r} could not be read{f' (layer {layer!r})' if layer else ''}: {exc}"
        ) from exc
    return restore_nul_text(path, frame)


def _encoded(path: Path, encoding: str | None) -> bool:
    """``encoding`` applies to ``path``: a Shapefile's ``.dbf`` (other vector formats gridparty
    reads are UTF-8 by definition, and GDAL would garble their text with another)."""
    return encoding is not None and path.suffix.lower() in (".shp", ".dbf")


def read_features(
    path: PathLike,
    layer: str | None = None,
    *,
    coords: str = "wgs84",
    encoding: str | None = None,
    lon: str | None = None,
    lat: str | None = None,
    crs: str | int | None = None,
    repair: bool = False,
) -> pd.DataFrame:
    """A layer outside the hierarchy (service centres, streets, organisations, alliance tables).

    Parameters
    ----------
    path : path
        A vector file (GeoPackage, GeoJSON, Shapefile, FlatGeobuf) or a CSV/Excel table. A table
        with lon/lat columns (lon/lng/经度 ..., see :func:`read_table_points`) becomes points;
        any other table is returned as a plain DataFrame.
    layer : str, optional
        The layer of a GeoPackage.
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        The coordinate system the lon/lat degrees were recorded in, as for the hierarchy's
        layers: GCJ-02 (Gaode, Tencent) and BD-09 (Baidu) are converted to WGS84.
    encoding : str, optional
        Text encoding of a Shapefile or CSV table, as for :func:`read_layer`.
    lon, lat : str, optional
        The coordinate columns of a CSV/Excel table, used where the table has them (else the
        first of lon/lng/经度 ... and lat/纬度 ...); a table with no coordinate column is
        returned as a plain DataFrame.
    crs : CRS-like, optional
        CRS of inputs that carry none: table coordinates that are not lon/lat degrees, or a
        Shapefile without its ``.prj`` (files with a CRS keep theirs).
    repair : bool
        Repair invalid geometries with ``shapely.make_valid`` (a
        :class:`~gridparty.core.errors.RepairWarning` names them); default False: as read.

    Returns
    -------
    GeoDataFrame or DataFrame
        Features in EPSG:4326 (lon/lat degrees), attributes as read; a table without
        coordinates as it is.

    Raises
    ------
    DataFileError
        The path does not exist or cannot be read.
    CRSError
        A vector layer without a CRS, or with coordinates that do not fit it.
    InputError
        An unknown ``coords``.
    """
    from gridparty.core.coords import convert_geometries, ensure_wgs84

    path = _existing(path)
    encoding = check_encoding(encoding)
    if path.suffix.lower() in TABLE_SUFFIXES:
        table = _read_table(path, 0 if layer is None else layer, encoding)
        lon, lat = (name if name in table.columns else None for name in (lon, lat))
        if lon is None and not set(_LON) & set(table.columns):
            return table
        features = _table_points(table, path, lon, lat, crs)
    else:
        features = read_file(path, layer=layer, encoding=encoding)
        if crs is not None and isinstance(features, gpd.GeoDataFrame) and features.crs is None:
            features = features.set_crs(crs)  # e.g. a Shapefile without its .prj
    if not isinstance(features, gpd.GeoDataFrame):  # a GeoPackage table without geometry
        return features
    name = f"{path.name}{f' (layer {layer})' if layer else ''}"
    features = ensure_wgs84(features, name)
    if repair:
        features = _repaired(features, name)
    if coords in ("wgs84", "cgcs2000"):
        return features
    return convert_geometries(features, coords, "wgs84")


def _repaired(features: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """``features`` with invalid geometries made valid, a :class:`RepairWarning` naming them."""
    geoms, bad = made_valid(np.asarray(features.geometry.array))
    if not bad.any():
        return features
    fixed = features.copy()
    fixed["geometry"] = gpd.GeoSeries(geoms, index=features.index, crs=features.crs)
    rows = [int(i) + 1 for i in np.flatnonzero(bad)]
    warnings.warn(
        f"{name}: repaired {len(rows)} invalid geometries with shapely.make_valid (rows "
        f"{rows[:5]}{' …' if len(rows) > 5 else ''})",
        RepairWarning,
        stacklevel=3,
    )
    return fixed


def layer_names(path: PathLike) -> list[str]:
    """The layer names of a GeoPackage (or other vector file), or a :class:`DataFileError`."""
    try:
        return [str(n) for n in pyogrio.list_layers(path)[:, 0]]
    except _GDAL_READ_ERRORS as exc:
        raise DataFileError(
            f"{str(path)!r} could not be opened as a GeoPackage or vector file: {exc}"
        ) from exc


def _gpkg_layer(path: Path, level_name: str, layer: str | None) -> str:
    names = layer_names(path)
    if layer is not None:
        if layer not in names:
            raise LayerError(f"layer={layer!r} is not in {str(path)!r}; its layers are {names}.")
        return layer
    aliases = {a.casefold() for a in LAYER_ALIASES[level_name]}
    fits = [n for n in names if n.casefold() in aliases]
    if len(fits) > 1:
        raise LayerError(
            f"{str(path)!r} has {len(fits)} layers for the {level_name} level: {fits}; say which "
            f"to read: layers={{{level_name!r}: {fits[0]!r}}} in Python, --layers "
            f"{level_name}={fits[0]} on the command line."
        )
    if fits:
        return fits[0]
    raise LayerError(
        f"{str(path)!r} has no {level_name} layer (looked for {list(LAYER_ALIASES[level_name])}); its "
        f"layers are {names}. Name it with layers={{{level_name!r}: '<layer>'}}."
    )


def _locate_levels(
    source: PathLike | Mapping[str, Source], layers: Mapping[str, str]
) -> dict[str, tuple[Source, str | None]]:
    unknown = sorted(set(layers) - set(LEVEL_NAMES))
    if unknown:
        raise InputError(f"layers has unknown levels {unknown}; use {', '.join(LEVEL_NAMES)}.")
    if isinstance(source, Mapping):
        bad = sorted(set(source) - set(LEVEL_NAMES))
        if bad:
            raise InputError(f"source has unknown levels {bad}; use {', '.join(LEVEL_NAMES)}.")
        found = {name: (src, layers.get(name)) for name, src in source.items()}
    else:
        path = _existing(source)
        found = _levels_in_folder(path, layers) if path.is_dir() else _levels_in_file(path, layers)
    if "community" not in found:
        raise LayerError(
            f"source={str(source)!r} has no communities layer{_what_is_there(source)}; a "
            "hierarchy needs at least communities. Name the layer/file 'communities' or '社区', "
            "or say which it is: layers={'community': '<name>'} in Python, "
            "--layers community=<name> on the command line."
        )
    return found


def _what_is_there(source: PathLike | Mapping[str, Source]) -> str:
    """`` (its layers are [...])`` for a GeoPackage, `` (its files are [...])`` for a folder."""
    if isinstance(source, Mapping):
        return f" (it names {sorted(source)})"
    path = Path(source)
    if path.is_dir():
        files = sorted(
            p.name for p in path.iterdir() if p.suffix.lower() in VECTOR_SUFFIXES + TABLE_SUFFIXES
        )
        return f" (its data files are {files})"
    return f" (its layers are {layer_names(path)})"


def _levels_in_file(path: Path, layers: Mapping[str, str]) -> dict[str, tuple[Source, str | None]]:
    if path.suffix.lower() != ".gpkg":
        raise InputError(
            f"source={str(path)!r}: one file can hold a whole hierarchy only as a GeoPackage; pass a "
            "folder or a mapping {'community': path, 'grid': path, ...} for other formats."
        )
    names = {n.casefold() for n in layer_names(path)}
    found: dict[str, tuple[Source, str | None]] = {}
    for name in LEVEL_NAMES:
        if name in layers:
            found[name] = (path, _gpkg_layer(path, name, layers[name]))
        elif names & {a.casefold() for a in LAYER_ALIASES[name]}:
            found[name] = (path, _gpkg_layer(path, name, None))
    return found


def _levels_in_folder(
    folder: Path, layers: Mapping[str, str]
) -> dict[str, tuple[Source, str | None]]:
    """The file of each level in ``folder``: see :func:`gridparty.core.reading.folder_levels`."""
    files = folder_levels(folder, layers, LAYER_ALIASES, VECTOR_SUFFIXES + TABLE_SUFFIXES)
    return {name: (path, None) for name, path in files.items()}


def _read_table(path: Path, sheet: str | int, encoding: str | None = None) -> pd.DataFrame:
    """A CSV or Excel table with every cell as text (blank cells NA).

    Text keeps ids as written (``"001"`` stays ``"001"``, not ``1``); numbers, counts and
    yes/no columns are parsed from the text later, column by column. A CSV file is read in
    ``encoding``, else as UTF-8 (with or without BOM), else as GB18030 (the GBK of CSV saved
    by Excel on Chinese Windows) with a :class:`~gridparty.core.errors.ReadWarning`.
    """
    if path.suffix.lower() != ".csv":
        try:
            return pd.read_excel(path, sheet_name=sheet, dtype=str)
        except (ValueError, KeyError, IndexError, OSError, zipfile.BadZipFile) as exc:
            raise DataFileError(
                f"{str(path)!r} (sheet {sheet!r}) could not be read as Excel: {exc}. Open and "
                "save it again in Excel as .xlsx, or export the sheet as UTF-8 CSV."
            ) from exc
    for guess in (encoding,) if encoding else ("utf-8-sig", "gb18030"):
        try:
            table = pd.read_csv(path, encoding=guess, dtype=str)
        except UnicodeDecodeError:
            continue
        except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            raise DataFileError(
                f"{str(path)!r} could not be read as CSV: {exc}. Check that it is a table with "
                "one header row, comma-separated."
            ) from exc
        if guess == "gb18030":
            warnings.warn(
                f"{str(path)!r} is not UTF-8 text: read it as GB18030 (GBK, as Excel on Chinese "
                "Windows saves CSV). If the text looks wrong, pass encoding='<the encoding>' "
                "(--encoding on the command line), or save the table as UTF-8 CSV.",
                ReadWarning,
                stacklevel=5,
            )
        return table
    if encoding:
        raise InputError(
            f"{str(path)!r} is not {encoding} text (encoding={encoding!r}); pass the encoding "
            "the file was saved in, or save it as UTF-8 CSV."
        )
    raise InputError(f"{str(path)!r} is neither UTF-8 nor GB18030 text; save it as UTF-8 CSV.")


def _pick_column(
    table: pd.DataFrame, given: str | None, aliases: tuple[str, ...], what: str, path: Path
) -> str:
    if given is not None:
        if given not in table.columns:
            raise ColumnError(
                f"{what}={given!r} is not a column of {str(path)!r}; its columns are {list(table.columns)}."
            )
        return given
    match = next((c for c in aliases if c in table.columns), None)
    if match is None:
        raise ColumnError(
            f"{str(path)!r} has no {what} column (looked for {list(aliases)}); its columns are "
            f"{list(table.columns)}. Pass {what}='<column>' (or columns={{'<column>': {what!r}}}; "
            f"--{what} <column> on the command line)."
        )
    return match
