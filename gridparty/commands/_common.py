"""Helpers shared by the command modules: progress lines, map options, writing outputs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import folium

__all__ = ["add_coords_option", "add_map_options", "progress", "write_map"]


DATUMS = ("wgs84", "cgcs2000", "gcj02", "bd09")
LEVELS = ("community", "grid", "building", "household")


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
