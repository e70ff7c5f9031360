"""``gridparty demo`` and ``gridparty validate``: assign parents in space and list every problem."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from gridparty.checks.coverage import DEFAULT_MIN_AREA_M2, DEFAULT_MIN_WIDTH_M
from gridparty.cli.common import (
    add_cluster_options,
    add_fail_on_option,
    add_input_options,
    add_map_options,
    add_output_options,
    add_sliver_options,
    assign_input,
    assign_on_cluster,
    bars_shown,
    check_paths,
    cluster_client,
    fail_code,
    make_out,
    map_wanted,
    on_cluster,
    out_paths,
    print_paths,
    print_problems,
    progress,
    read_input,
    run_notes,
    write_map,
)
from gridparty.core.model import Hierarchy
from gridparty.core.schema import LEVELS

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


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    add_fail_on_option(demo)
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
    add_cluster_options(val)
    add_sliver_options(val)
    val.add_argument("--csv", type=Path, help="write the issues table as CSV (UTF-8, Excel-ready)")
    val.add_argument("--xlsx", type=Path, help="write the issues table as an Excel workbook")
    val.add_argument("--html", type=Path, help="write a map of the hierarchy and its issues")
    val.add_argument(
        "--parquet",
        type=Path,
        metavar="DIR",
        help="write the issues table as partitioned GeoParquet into the folder DIR (named "
        "*.parquet), which appears complete or not at all (with --out and "
        "--workers/--scheduler: issues.parquet)",
    )
    add_output_options(val)
    val.set_defaults(run=_run_validate)


def _run_demo(args: argparse.Namespace) -> int:
    from gridparty.datasets.sample import sample_city, sample_city_path

    check_paths(
        {"the sample city": sample_city_path()},
        print_paths(args, args.out / _DEMO_FILES[0]),
        out=args.out,
        out_files=_DEMO_FILES,
    )
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


#: The files ``validate --out DIR`` writes: the issues table and workbook, the map.
_VALIDATE_FILES = {"--csv": "issues.csv", "--xlsx": "issues.xlsx", "--html": "issues_map.html"}


#: The partitioned issues table ``validate --out DIR`` writes on a cluster.
_VALIDATE_PARQUET = {"--parquet": "issues.parquet"}


def _run_validate(args: argparse.Namespace) -> int:
    names = {**_VALIDATE_FILES, **(_VALIDATE_PARQUET if on_cluster(args) else {})}
    out_paths(args, {"PATH": args.path}, names, only_given={"--parquet": args.parquet})
    if on_cluster(args):
        return _check_on_cluster(args, html=args.html, csv=args.csv, xlsx=args.xlsx)
    return _check(read_input(args), args, html=args.html, csv=args.csv, xlsx=args.xlsx)


def _check(
    h: Hierarchy,
    args: argparse.Namespace,
    *,
    html: Path | None,
    csv: Path | None,
    xlsx: Path | None,
) -> int:
    from gridparty.checks.coverage import unit_overlaps
    from gridparty.checks.validate import validate
    from gridparty.maps import hierarchy_map

    min_area_m2 = getattr(args, "min_area_m2", DEFAULT_MIN_AREA_M2)
    min_width_m = getattr(args, "min_width_m", DEFAULT_MIN_WIDTH_M)
    assignment = assign_input(args, h)
    if any(assignment.filled.values()):
        print(assignment.describe())
    progress("validating")
    issues = validate(h, assignment=assignment, min_area_m2=min_area_m2, min_width_m=min_width_m)
    print_problems(issues, args.lang)
    _datum_hint(h, issues)
    return _write(
        issues,
        args,
        (html, csv, xlsx),
        lambda: unit_overlaps(h, min_area_m2=min_area_m2, min_width_m=min_width_m),
        lambda: hierarchy_map(
            assignment.hierarchy, issues=issues, tiles=args.tiles, lang=args.lang
        ),
    )


def _check_on_cluster(
    args: argparse.Namespace, *, html: Path | None, csv: Path | None, xlsx: Path | None
) -> int:
    """``validate`` with ``--workers``/``--scheduler``: no layer but the communities is read on
    this machine; the map shows the communities and the issues only."""
    from gridparty.core.model import Hierarchy
    from gridparty.distributed.outlines import distributed_unit_overlaps
    from gridparty.distributed.validate import distributed_validate
    from gridparty.maps import hierarchy_map
    from gridparty.spatial.assign import describe_filled, filled_counts

    tolerances = {"min_area_m2": args.min_area_m2, "min_width_m": args.min_width_m}
    with cluster_client(args) as client:  # refuses a PATH that is not partitioned
        ph, table = assign_on_cluster(client, args)
        progress("validating on the cluster")
        bars = bars_shown()
        issues = distributed_validate(
            ph, client=client, assignment=table, progress=bars, **tolerances
        )
        overlaps = (
            None
            if xlsx is None
            else distributed_unit_overlaps(ph, client=client, progress=bars, **tolerances)
        )
    filled = filled_counts(table)
    if any(filled.values()):
        print(describe_filled(filled))
    print_problems(issues, args.lang)

    def draw() -> Any:
        print(_CLUSTER_MAP_NOTE)
        communities = Hierarchy(ph.layer("community"))
        title = _CLUSTER_MAP_TITLE[args.lang == "zh"]
        return hierarchy_map(
            communities, issues=issues, tiles=args.tiles, lang=args.lang, title=title
        )

    return _write(issues, args, (html, csv, xlsx), lambda: overlaps, draw)


#: The title of that map, in English and Chinese.
_CLUSTER_MAP_TITLE = (
    "Communities and issues (a cluster run: grids and buildings are not drawn)",
    "社区与校验问题（集群运行：未绘制网格和楼栋）",
)

#: What the map of ``validate --workers/--scheduler`` shows.
_CLUSTER_MAP_NOTE = (
    "map: the communities and the issues only (on a cluster, grids, buildings and households "
    "are not read on this machine)"
)


def _write(
    issues: gpd.GeoDataFrame,
    args: argparse.Namespace,
    paths: tuple[Path | None, Path | None, Path | None],
    overlaps: Callable[[], Any],
    draw: Callable[[], Any],
) -> int:
    """Write the issues (``--csv``, ``--xlsx`` with the ``unit_overlaps`` sheet, ``--parquet``)
    and the map; return the ``--fail-on`` exit code."""
    from gridparty.checks.validate import shareable
    from gridparty.core.io import write_sheets, write_table

    html, csv, xlsx = paths
    make_out(args)
    notes = run_notes(args)
    if csv is not None:
        write_table(shareable(issues), csv, notes=notes)
        print(f"issues table: {csv}")
    if xlsx is not None:
        # the issues, and the land two communities, streets or districts both claim
        sheets = {"issues": shareable(issues), "unit_overlaps": overlaps()}
        write_sheets(sheets, xlsx, lang=args.lang, notes=notes)
        print(f"issues table: {xlsx}")
    if getattr(args, "parquet", None) is not None:
        from gridparty.distributed.partitioned import write_table_partitioned

        write_table_partitioned(shareable(issues), args.parquet)
        print(f"issues table (partitioned GeoParquet): {args.parquet}")
    if map_wanted(args, html):
        progress("drawing the map")
        write_map(draw(), html, args)
    return fail_code(issues, args.fail_on)


#: Share of located households outside their building (or in none) that suggests a datum shift.
_DATUM_SUSPECT_SHARE = 0.5


def _datum_hint(h: Hierarchy, issues: pd.DataFrame) -> None:
    """When most households miss their buildings (or most buildings their grids), say whether a
    GCJ-02/BD-09 shift explains it, judged by the parents they declare (``declared=``, as
    :func:`gridparty.detect_datum_offset` takes them) where they declare any."""
    from gridparty.core.coords import detect_datum_offset

    for level, parents in (("household", "building"), ("building", "grid")):
        frame, reference = h.layer(level), h.layer(parents)
        located = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if len(located) < 10 or not len(reference):
            continue
        off = issues[
            (issues["level"] == level)
            & issues["check"].isin(["not_in_any_parent", "parent_mismatch"])
        ]
        if off["id"].nunique() < _DATUM_SUSPECT_SHARE * len(located):
            continue
        column = f"{parents}_id"
        declared = column if located[column].notna().any() else None
        found = detect_datum_offset(located, reference, declared=declared)
        if found.datum in ("gcj02", "bd09"):
            print(
                f"hint: {off['id'].nunique():,} of {len(located):,} {LEVELS[level].layer} miss "
                f"their {LEVELS[parents].layer}, and {found.message} On the command line: "
                f"--coords {level}={found.datum}."
            )
