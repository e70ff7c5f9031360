"""``gridparty`` command line for planners: ``gridparty demo``, ``gridparty validate PATH``."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .errors import GridpartyError

__all__ = ["main"]

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 issues at --fail-on, 2 bad input)."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except GridpartyError as exc:
        print(f"gridparty: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gridparty",
        description="Check and plan grid-based party organisation on a map "
        "(community → grid → building → member household).",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

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
    _map_options(demo)
    demo.set_defaults(run=_run_demo)

    val = sub.add_parser(
        "validate",
        help="check a hierarchy read from files; write the issues table and a map",
        description="Read communities, grids, buildings and households, assign parents in space "
        "and list every problem: ids, geometry, parents, overlaps, gaps, organisation.",
        epilog=_EPILOG_VALIDATE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    val.add_argument("path", type=Path, help="GeoPackage or folder with the layers")
    val.add_argument(
        "--layers",
        nargs="*",
        default=[],
        metavar="LEVEL=NAME",
        help="layer or file name per level when not standard, e.g. grid=网格2024",
    )
    val.add_argument(
        "--coords",
        default="wgs84",
        choices=["wgs84", "cgcs2000", "gcj02", "bd09"],
        help="datum of the input coordinates (default wgs84; gcj02 = Gaode/Tencent, bd09 = Baidu)",
    )
    val.add_argument(
        "--repair", action="store_true", help="repair invalid geometries (reported as info rows)"
    )
    val.add_argument(
        "--min-area-m2",
        type=float,
        default=1.0,
        help="ignore overlaps/gaps smaller than this many m² (default 1)",
    )
    val.add_argument("--csv", type=Path, help="write the issues table as CSV (UTF-8, Excel-ready)")
    val.add_argument("--xlsx", type=Path, help="write the issues table as an Excel workbook")
    val.add_argument("--html", type=Path, help="write a map of the hierarchy and its issues")
    val.add_argument(
        "--fail-on",
        choices=["error", "warning"],
        help="exit with code 1 when issues of this severity (or worse) are found",
    )
    _map_options(val)
    val.set_defaults(run=_run_validate)
    return parser


def _map_options(parser: argparse.ArgumentParser) -> None:
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


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _run_demo(args: argparse.Namespace) -> int:
    from .datasets import sample_city

    args.out.mkdir(parents=True, exist_ok=True)
    _progress("loading the sample city")
    return _check(
        sample_city(),
        args,
        html=args.out / "sample_city_map.html",
        csv=args.out / "sample_city_issues.csv",
        xlsx=None,
    )


def _run_validate(args: argparse.Namespace) -> int:
    from .io import read_hierarchy

    layers = dict(_level_pair(item) for item in args.layers)
    _progress(f"reading {args.path}")
    h = read_hierarchy(
        args.path, layers=layers, coords=args.coords, repair=args.repair, strict=False
    )
    return _check(h, args, html=args.html, csv=args.csv, xlsx=args.xlsx)


def _level_pair(item: str) -> tuple[str, str]:
    from .errors import InputError

    level, sep, name = item.partition("=")
    if not sep or not name:
        raise InputError(f"--layers {item!r} must look like LEVEL=NAME, e.g. grid=网格2024.")
    return level, name


def _check(
    h: object, args: argparse.Namespace, *, html: Path | None, csv: Path | None, xlsx: Path | None
) -> int:
    from ._atomic import write_text
    from .assign import assign
    from .io import write_table
    from .validate import validate

    _progress(f"assigning parents: {h}")
    assignment = assign(h)  # type: ignore[arg-type]
    _progress("validating")
    issues = validate(
        h,
        assignment=assignment,  # type: ignore[arg-type]
        min_area_m2=getattr(args, "min_area_m2", 1.0),
    )
    _print_counts(issues)
    for path in (csv, xlsx):
        if path is not None:
            write_table(issues, path)
            print(f"issues table: {path}")
    if html is not None:
        from .maps import hierarchy_map

        _progress("drawing the map")
        m = hierarchy_map(assignment.hierarchy, issues=issues, tiles=args.tiles, lang=args.lang)
        write_text(html, m.get_root().render())
        print(f"map: {html}")
    return _exit_code(issues, getattr(args, "fail_on", None))


def _print_counts(issues: object) -> None:
    import pandas as pd

    table = pd.DataFrame(issues)
    if not len(table):
        print("no issues found")
        return
    counts = table.groupby(["severity", "level", "check"]).size().rename("count")
    print(f"{len(table)} issues:")
    print(counts.to_string())


def _exit_code(issues: object, fail_on: str | None) -> int:
    import pandas as pd

    if fail_on is None:
        return 0
    worse = {"error": {"error"}, "warning": {"error", "warning"}}[fail_on]
    return int(pd.DataFrame(issues)["severity"].isin(worse).any())


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
