"""Helpers shared by the command modules: options, progress lines, reading extra layers,
checking and writing outputs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import folium
import geopandas as gpd

from ..coverage import DEFAULT_MIN_AREA_M2, DEFAULT_MIN_WIDTH_M
from ..errors import DataFileError, InputError
from ..layers import COORDS as DATUMS
from ..schema import LEVEL_NAMES as LEVELS

__all__ = [
    "add_coords_option",
    "add_encoding_option",
    "add_map_options",
    "add_sliver_options",
    "check_outputs",
    "extra_layer",
    "progress",
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
        "--min-area-m2", type=float, default=DEFAULT_MIN_AREA_M2,
        help="gaps/overlaps/spill-overs smaller than this many m² are slivers, not reported "
        f"(default {DEFAULT_MIN_AREA_M2:g})",
    )
    parser.add_argument(
        "--min-width-m", type=float, default=DEFAULT_MIN_WIDTH_M,
        help="those narrower than this many metres are slivers, reported as such "
        f"(default {DEFAULT_MIN_WIDTH_M:g})",
    )


def add_map_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--tiles`` and ``--lang`` to a command."""
    parser.add_argument(
        "--tiles",
        default="osm",
        choices=["osm", "cartodb", "gaode", "none"],
        help="map background (gaode shifts the data to GCJ-02 for display; "
        "none works without internet)",
    )
    parser.add_argument(
        "--lang", default="zh", choices=["zh", "en"], help="map labels (default zh)"
    )


def progress(message: str) -> None:
    """Print a time-stamped progress line to stderr (long runs show where they are)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def write_map(m: folium.Map, path: Path) -> None:
    """Write a map atomically and say where."""
    from ..maps import save_map

    save_map(m, path)
    print(f"map: {path}")


def check_outputs(**paths: Path | None) -> None:
    """Refuse bad output paths before any work, with the messages the writers would give.

    ``paths`` maps a kind of output to its path (``None``: not asked for): ``xlsx`` (and
    ``roster``) must end in .xlsx, ``gpkg`` in .gpkg, ``html`` in .html (or .htm), ``csv`` in
    .csv, and the folder of each must exist.
    """
    for kind, path in paths.items():
        if path is None:
            continue
        suffixes, what = _OUTPUTS[kind]
        if path.suffix.lower() not in suffixes:
            raise InputError(f"path={str(path)!r} must end in {suffixes[0]} to write {what}.")
        if not path.parent.is_dir():
            raise DataFileError(
                f"path={str(path)!r}: the folder {str(path.parent)!r} does not exist; create it "
                "first."
            )


#: Output kind → (allowed suffixes, what is written), for :func:`check_outputs`.
_OUTPUTS = {
    "xlsx": ((".xlsx",), "a workbook"),
    "roster": ((".xlsx",), "a workbook"),
    "gpkg": ((".gpkg",), "a GeoPackage"),
    "html": ((".html", ".htm"), "a map"),
    "csv": ((".csv",), "a table"),
}


def extra_layer(
    path: Path, given: Path | None, layer: str, coords: str, encoding: str | None = None
) -> gpd.GeoDataFrame | None:
    """A layer from its own file, else from the input GeoPackage or folder; None if absent.

    Its lon/lat are read in ``coords`` (the hierarchy's ``--coords``) and converted to WGS84;
    a Shapefile's or CSV table's text in ``encoding`` (``--encoding``).
    """
    from ..io import VECTOR_SUFFIXES, layer_names, read_features

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
