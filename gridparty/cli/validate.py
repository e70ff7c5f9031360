"""``gridparty demo`` and ``gridparty validate``: assign parents in space and list every problem."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from gridparty.checks.coverage import DEFAULT_MIN_AREA_M2, DEFAULT_MIN_WIDTH_M
from gridparty.cli.common import (
    add_coords_option,
    add_encoding_option,
    add_map_options,
    add_sliver_options,
    check_paths,
    progress,
    write_map,
)
from gridparty.core.model import Hierarchy

__all__ = ["register"]

_EPILOG_VALIDATE = """\
examples:
  gridparty validate city.gpkg --xlsx 问题清单.xlsx --html 地图.html
  gridparty validate data_folder/ --coords gcj02 --csv issues.csv
  gridparty validate city.gpkg --layers grid=网格2024 --fail-on error

The input is a GeoPackage with layers communities / grids / buildings / households (or 社区 / 网格 /
楼栋 / 党员户), or a folder with one file per level named the same way (.geojson, .shp, .gpkg, or
.csv/.xlsx points with lon/lat or 经度/纬度 columns). Chinese column names such as 社区编码, 网格编号,
楼栋编号, 户数, 党员数 are recognised.
"""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``demo`` and ``validate`` commands."""
    demo = sub.add_parser(
        "demo",
        help="run the whole check on the bundled sample city and write a map",
        description="Load the bundled sample city (real Shanghai OSM footprints, generated "
        "communities, grids and households with planted defects), assign every building and "
        "household to its parents, validate, and write an HTML map and an issues table.",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("gridparty-demo"),
        help="output folder (default: ./gridparty-demo)",
    )
    add_map_options(demo)
    demo.set_defaults(run=_run_demo)

    val = sub.add_parser(
        "validate",
        help="check a hierarchy read from files; write the issues table and a map",
        description="Read communities, grids, buildings and households, assign parents in space "
        "and list every problem: ids, geometry, parents, overlaps, gaps, organisation.",
        epilog=_EPILOG_VALIDATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(val)
    add_sliver_options(val)
    val.add_argument("--csv", type=Path, help="write the issues table as CSV (UTF-8, Excel-ready)")
    val.add_argument("--xlsx", type=Path, help="write the issues table as an Excel workbook")
    val.add_argument("--html", type=Path, help="write a map of the hierarchy and its issues")
    val.add_argument(
        "--fail-on",
        choices=["error", "warning"],
        help="exit with code 1 when issues of this severity (or worse) are found",
    )
    add_map_options(val)
    val.set_defaults(run=_run_validate)


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


def _run_demo(args: argparse.Namespace) -> int:
    from gridparty.datasets.sample import sample_city, sample_city_path

    check_paths({"the sample city": sample_city_path()}, out=args.out, out_files=_DEMO_FILES)
    args.out.mkdir(parents=True, exist_ok=True)
    progress("loading the sample city")
    return _check(
        sample_city(),
        args,
        html=args.out / _DEMO_FILES[0],
        csv=args.out / _DEMO_FILES[1],
        xlsx=None,
    )


#: The files ``demo`` writes in its ``--out`` folder: the map and the issues table.
_DEMO_FILES = ("sample_city_map.html", "sample_city_issues.csv")


def _run_validate(args: argparse.Namespace) -> int:
    check_paths({"PATH": args.path}, {"--csv": args.csv, "--xlsx": args.xlsx, "--html": args.html})
    return _check(read_input(args), args, html=args.html, csv=args.csv, xlsx=args.xlsx)


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


def _check(
    h: Hierarchy,
    args: argparse.Namespace,
    *,
    html: Path | None,
    csv: Path | None,
    xlsx: Path | None,
) -> int:
    from gridparty.checks.validate import shareable, validate
    from gridparty.core.io import write_table
    from gridparty.maps import hierarchy_map
    from gridparty.spatial.assign import assign

    progress(f"assigning parents: {h}")
    assignment = assign(h)
    progress("validating")
    issues = validate(
        h,
        assignment=assignment,
        min_area_m2=getattr(args, "min_area_m2", DEFAULT_MIN_AREA_M2),
        min_width_m=getattr(args, "min_width_m", DEFAULT_MIN_WIDTH_M),
    )
    _print_counts(issues)
    _datum_hint(h, issues)
    for path in (csv, xlsx):
        if path is not None:
            write_table(shareable(issues), path)
            print(f"issues table: {path}")
    if html is not None:
        progress("drawing the map")
        write_map(
            hierarchy_map(assignment.hierarchy, issues=issues, tiles=args.tiles, lang=args.lang),
            html,
        )
    return _exit_code(issues, getattr(args, "fail_on", None))


#: Share of located households outside their building (or in none) that suggests a datum shift.
_DATUM_SUSPECT_SHARE = 0.5


def _datum_hint(h: Hierarchy, issues: pd.DataFrame) -> None:
    """When most households miss their buildings, say whether a GCJ-02/BD-09 shift explains it."""
    from gridparty.core.coords import detect_datum_offset

    located = h.households[h.households.geometry.notna() & ~h.households.geometry.is_empty]
    if len(located) < 10 or not len(h.buildings):
        return
    off = issues[
        (issues["level"] == "household")
        & issues["check"].isin(["not_in_any_parent", "parent_mismatch"])
    ]
    if off["id"].nunique() < _DATUM_SUSPECT_SHARE * len(located):
        return
    found = detect_datum_offset(located, h.buildings)
    if found.datum in ("gcj02", "bd09"):
        print(
            f"hint: {off['id'].nunique():,} of {len(located):,} households miss their "
            f"buildings, and {found.message} On the command line: "
            f"--coords household={found.datum}."
        )


def _print_counts(issues: pd.DataFrame) -> None:
    if not len(issues):
        print("no issues found")
        return
    counts = issues.groupby(["severity", "level", "check"]).size().rename("count")
    print(f"{len(issues)} issues:")
    print(counts.to_string())


def _exit_code(issues: pd.DataFrame, fail_on: str | None) -> int:
    if fail_on is None:
        return 0
    worse = {"error": {"error"}, "warning": {"error", "warning"}}[fail_on]
    return int(issues["severity"].isin(worse).any())
