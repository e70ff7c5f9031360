"""Helpers shared by the command modules: progress lines, map options, writing outputs."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import folium

__all__ = ["add_coords_option", "add_map_options", "progress", "write_map"]


def add_coords_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--coords``: the datum every input lon/lat was recorded in."""
    parser.add_argument(
        "--coords",
        default="wgs84",
        choices=["wgs84", "cgcs2000", "gcj02", "bd09"],
        help="datum of the input coordinates, for every layer read (default wgs84; "
        "gcj02 = Gaode/Tencent, bd09 = Baidu)",
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
