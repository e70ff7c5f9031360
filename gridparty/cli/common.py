"""Helpers shared by the command modules: options, progress lines, reading extra layers,
checking and writing outputs."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import folium
import geopandas as gpd

from gridparty.checks.coverage import DEFAULT_MIN_AREA_M2, DEFAULT_MIN_WIDTH_M
from gridparty.core.errors import DataFileError, InputError
from gridparty.core.layers import COORDS as DATUMS
from gridparty.core.model import Hierarchy
from gridparty.core.paths import same_file
from gridparty.core.schema import LEVEL_NAMES as LEVELS

__all__ = [
    "add_coords_option",
    "add_encoding_option",
    "add_input_options",
    "add_map_options",
    "add_sliver_options",
    "check_paths",
    "extra_layer",
    "input_columns",
    "progress",
    "read_input",
    "write_map",
]


def add_coords_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--coords DATUM`` / ``--coords LEVEL=DATUM`` (repeatable).

    Sets ``args.coords`` (the datum of every layer not named per level, including service
    centres, streets, organisations and tables) and ``args.level_coords`` (level → datum, or
    None when no level was named).
    """
    parser.add_argument(
        "--coords",
        action=_CoordsAction,
        default="wgs84",
        metavar="DATUM|LEVEL=DATUM",
        help="datum of the input coordinates: wgs84 (default), cgcs2000, gcj02 (Gaode/Tencent) "
        "or bd09 (Baidu), for every layer; or per level, repeatable, e.g. --coords "
        "household=gcj02 when only the households were digitised on a Gaode map",
    )
    parser.set_defaults(level_coords=None)


class _CoordsAction(argparse.Action):
    """Collect ``--coords`` items: a bare datum sets the default, LEVEL=DATUM one level."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        level, sep, datum = str(values).rpartition("=")
        if datum not in DATUMS or (sep and level not in LEVELS):
            parser.error(
                f"--coords {values!r}: use a datum ({', '.join(DATUMS)}) or LEVEL=DATUM with "
                f"LEVEL one of {', '.join(LEVELS)}, e.g. --coords household=gcj02"
            )
        explicit = dict(getattr(namespace, "_explicit_coords", {}))
        if sep:
            explicit[level] = datum
        else:
            namespace.coords = datum
        namespace._explicit_coords = explicit
        namespace.level_coords = {n: explicit.get(n, namespace.coords) for n in LEVELS}


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--encoding NAME``: the text encoding of Shapefiles and CSV tables read
    (``args.encoding``, None: guessed from the bytes)."""
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of Shapefiles (.dbf) and CSV tables, e.g. GB18030 (GBK) or UTF-8; "
        "default: a Shapefile's .cpg, else guessed from the bytes with a warning",
    )


def add_sliver_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--min-area-m2`` and ``--min-width-m``: the sliver rule of validate and check."""
    parser.add_argument(
        "--min-area-m2",
        type=float,
        default=DEFAULT_MIN_AREA_M2,
        help="gaps/overlaps/spill-overs smaller than this many m² are slivers, not reported "
        f"(default {DEFAULT_MIN_AREA_M2:g})",
    )
    parser.add_argument(
        "--min-width-m",
        type=float,
        default=DEFAULT_MIN_WIDTH_M,
        help="those narrower than this many metres are slivers, reported as such "
        f"(default {DEFAULT_MIN_WIDTH_M:g})",
    )


def add_map_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--tiles``, ``--tiles-attribution`` and ``--lang`` to a command.

    ``args.tiles`` is what the map functions take: a name, an xyzservices provider name, or
    (a URL template with ``--tiles-attribution``) an ``xyzservices.TileProvider``.
    """
    parser.add_argument(
        "--tiles",
        default="osm",
        action=_TilesAction,
        metavar="NAME|PROVIDER|URL",
        help="map background: osm (default), cartodb, gaode, none (works without internet), an "
        "xyzservices provider such as Gaode.Normal or OpenStreetMap.Mapnik, or a URL template "
        "such as https://tiles.example.cn/{z}/{x}/{y}.png with --tiles-attribution; Gaode and "
        "Tencent tiles are GCJ-02 and the data is shifted to them for display",
    )
    parser.add_argument(
        "--tiles-attribution",
        action=_TilesAction,
        metavar="TEXT",
        help="attribution of a --tiles URL template, e.g. '© 天地图' (required with a URL)",
    )
    parser.add_argument(
        "--lang", default="zh", choices=["zh", "en"], help="map labels (default zh)"
    )


class _TilesAction(argparse.Action):
    """Check ``--tiles`` when parsed and join a URL template with its attribution."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from gridparty.maps.base import tile_source

        setattr(namespace, f"_{self.dest}", str(values))
        tiles = getattr(namespace, "_tiles", "osm")
        attribution = getattr(namespace, "_tiles_attribution", None)
        try:
            tile_source(tiles, attribution or "-")
        except InputError as exc:
            parser.error(f"--tiles {tiles!r}: {exc}")
        if "{z}" in tiles and attribution:
            import xyzservices

            namespace.tiles = xyzservices.TileProvider(
                name="custom", url=tiles, attribution=attribution
            )
        else:
            namespace.tiles = tiles
        namespace.tiles_attribution = attribution


def progress(message: str) -> None:
    """Print a time-stamped progress line to stderr (long runs show where they are)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_map(m: folium.Map, path: Path) -> None:
    """Write a map atomically and say where."""
    from gridparty.maps import save_map

    save_map(m, path)
    print(f"map: {path}")


def check_paths(
    inputs: Mapping[str, Path | None],
    outputs: Mapping[str, Path | None] | None = None,
    *,
    out: Path | None = None,
    out_files: Sequence[str] = (),
) -> None:
    """Refuse bad output paths before anything is read or written (exit 2, one line).

    Every output is checked: its suffix fits its format (``--xlsx``/``--roster`` .xlsx,
    ``--gpkg`` .gpkg, ``--html`` .html or .htm, ``--csv`` .csv), it is not a folder, its folder
    exists and is writable, and it is neither an input file nor another output of the run.
    Paths are compared with symlinks followed, and existing files also as hard links.

    Parameters
    ----------
    inputs : mapping
        Input argument (``"PATH"``, ``"--previous"`` ...) → its file or folder (``None``: not
        given). A folder stands for every file in it, a Shapefile for its sidecar files too.
    outputs : mapping, optional
        Output option (a key of :data:`OUTPUT_FORMATS`) → its file (``None``: not asked for).
    out : Path, optional
        The ``--out`` folder (created when missing): it must not be a file, and it (or the
        nearest folder above it that exists) must be writable.
    out_files : sequence of str
        The file names the command writes inside ``out``.

    Raises
    ------
    InputError
        A bad suffix, a folder where a file is meant, a folder that cannot be written, or an
        output that is an input or another output.
    DataFileError
        The folder of an output does not exist.
    """
    read = [(arg, f) for arg, path in inputs.items() if path is not None for f in _files(path)]
    given = [(arg, path) for arg, path in (outputs or {}).items() if path is not None]
    for arg, path in given:
        suffixes, what = OUTPUT_FORMATS[arg]
        if path.suffix.lower() not in suffixes:
            raise InputError(
                f"{arg}: path={str(path)!r} must end in {suffixes[0]} to write {what}."
            )
        if path.is_dir():
            raise InputError(
                f"{arg}: path={str(path)!r} is a folder; name a file in it, e.g. "
                f"{str(path / ('report' + suffixes[0]))!r}."
            )
        _writable_folder(arg, path, path.parent)
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(
                f"--out {str(out)!r} is a file; --out names a folder (created when missing)."
            )
        _writable_folder("--out", out, next(p for p in (out, *out.parents) if p.exists()))
        for name in out_files:
            if (out / name).is_dir():
                raise InputError(
                    f"--out {str(out)!r}: {str(out / name)!r} is a folder, where the command "
                    f"writes its file {name!r}; choose another --out folder."
                )
        given += [(f"--out {str(out)!r}", out / name) for name in out_files]
    for i, (arg, path) in enumerate(given):
        for source_arg, source in read:
            if same_file(path, source):
                raise InputError(
                    f"{arg}: path={str(path)!r} is the input file {str(source)!r} "
                    f"({source_arg}); writing it would destroy the input: choose another "
                    "output file name."
                )
        for other_arg, other in given[:i]:
            if same_file(path, other):
                raise InputError(
                    f"{arg}: path={str(path)!r} is the same file as {other_arg} "
                    f"{str(other)!r}; give every output its own file name."
                )


#: Output option → (allowed suffixes, what is written), for :func:`check_paths`.
OUTPUT_FORMATS = {
    "--xlsx": ((".xlsx",), "a workbook"),
    "--roster": ((".xlsx",), "a workbook"),
    "--gpkg": ((".gpkg",), "a GeoPackage"),
    "--html": ((".html", ".htm"), "a map"),
    "--csv": ((".csv",), "a table"),
}

#: Files read with a Shapefile besides the .shp itself.
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


def _files(path: Path) -> list[Path]:
    """The files an input stands for: a folder's files, a Shapefile with its sidecars."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file())
    if path.suffix.lower() == ".shp":
        return [path, *(s for s in map(path.with_suffix, _SIDECARS) if s.exists())]
    return [path] if path.exists() else []


def _writable_folder(arg: str, path: Path, folder: Path) -> None:
    """Refuse ``path`` when its ``folder`` is missing or cannot be written."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{arg}: path={str(path)!r}: {str(folder)!r} is a file, not a folder; choose a "
            "path in a folder."
        )
    if not folder.is_dir():
        raise DataFileError(
            f"{arg}: path={str(path)!r}: the folder {str(folder)!r} does not exist; create it "
            "first."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"{arg}: path={str(path)!r}: the folder {str(folder)!r} is not writable; choose a "
            "folder you may write to."
        )


def extra_layer(
    path: Path, given: Path | None, layer: str, coords: str, encoding: str | None = None
) -> gpd.GeoDataFrame | None:
    """A layer from its own file, else from the input GeoPackage or folder; None if absent.

    Its lon/lat are read in ``coords`` (the hierarchy's ``--coords``) and converted to WGS84;
    a Shapefile's or CSV table's text in ``encoding`` (``--encoding``).
    """
    from gridparty.core.io import VECTOR_SUFFIXES, layer_names, read_features

    if given is not None:
        if not given.exists():
            raise InputError(f"{str(given)!r} does not exist; check the path.")
        return read_features(given, coords=coords, encoding=encoding)
    if path.is_file() and path.suffix.lower() == ".gpkg":
        if layer not in layer_names(path):
            return None
        return read_features(path, layer=layer, coords=coords, encoding=encoding)
    if path.is_dir():
        found = sorted(
            p for p in path.iterdir() if p.stem == layer and p.suffix.lower() in VECTOR_SUFFIXES
        )
        return read_features(found[0], coords=coords, encoding=encoding) if found else None
    return None


def add_input_options(parser: argparse.ArgumentParser) -> None:
    """Add PATH, ``--layers``, ``--coords`` and ``--repair`` (for commands that read a hierarchy)."""
    parser.add_argument("path", type=Path, help="GeoPackage or folder with the layers")
    parser.add_argument(
        "--layers",
        nargs="*",
        default=[],
        metavar="LEVEL=NAME",
        help="layer or file name per level when not standard, e.g. grid=网格2024",
    )
    add_coords_option(parser)
    parser.add_argument(
        "--columns",
        nargs="*",
        default=[],
        metavar="COLUMN=CODE",
        help="your column names for the ones gridparty does not recognise, e.g. WGBH=grid_id "
        "东经=lon 北纬=lat (applied to every layer that has the column; codes: docs/getting-started.md)",
    )
    parser.add_argument("--lon", help="longitude / X column of CSV/Excel tables")
    parser.add_argument("--lat", help="latitude / Y column of CSV/Excel tables")
    parser.add_argument(
        "--crs",
        metavar="EPSG",
        help="CRS of inputs that carry none: CSV/Excel coordinates that are not lon/lat "
        "degrees, or a Shapefile without its .prj, e.g. EPSG:4547 (files with a CRS keep it)",
    )
    add_encoding_option(parser)
    parser.add_argument(
        "--repair", action="store_true", help="repair invalid geometries (reported as info rows)"
    )


def read_input(args: argparse.Namespace) -> Hierarchy:
    """Read the hierarchy named by :func:`add_input_options`' arguments (ids kept, never dropped)."""
    from gridparty.core.io import read_hierarchy

    layers = dict(_level_pair(item) for item in args.layers)
    columns = input_columns(args)
    progress(f"reading {args.path}")
    return read_hierarchy(
        args.path,
        layers=layers,
        columns=columns,
        coords=args.level_coords or args.coords,
        repair=args.repair,
        strict=False,
        lon=args.lon,
        lat=args.lat,
        crs=args.crs,
        encoding=args.encoding,
    )


def _level_pair(item: str) -> tuple[str, str]:
    from gridparty.core.errors import InputError

    level, sep, name = item.partition("=")
    if not sep or not name:
        raise InputError(f"--layers {item!r} must look like LEVEL=NAME, e.g. grid=网格2024.")
    return level, name


def input_columns(args: argparse.Namespace) -> dict[str, str] | None:
    """``--columns COLUMN=CODE ...`` as a flat ``columns=`` mapping (None when not given)."""
    return dict(_column_pair(item) for item in args.columns) or None


def _column_pair(item: str) -> tuple[str, str]:
    from gridparty.core.errors import InputError

    column, sep, code = item.rpartition("=")
    if not sep or not column or not code:
        raise InputError(f"--columns {item!r} must look like COLUMN=CODE, e.g. WGBH=grid_id.")
    return column, code
