"""``gridparty check``: spatial and organisational coverage, as a map, a workbook and a GeoPackage."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from gridparty.cli.common import (
    DeprecatedAlias,
    add_cluster_options,
    add_input_options,
    add_output_options,
    add_sliver_options,
    assign_on_cluster,
    bars_shown,
    cluster_client,
    finish,
    input_columns,
    on_cluster,
    out_paths,
    print_figures,
    progress,
    read_input,
)

if TYPE_CHECKING:
    from gridparty.checks.coverage import SpatialCoverage
    from gridparty.core.model import Hierarchy
    from gridparty.spatial.assign import Assignment

__all__ = ["register"]

_EPILOG = """\
examples:
  gridparty check city.gpkg --html 覆盖地图.html --xlsx 覆盖报告.xlsx --gpkg 覆盖问题.gpkg
  gridparty check city.gpkg --other-grids 综治网格.shp --previous city_2024.gpkg --xlsx report.xlsx
  gridparty check data_folder/ --coords gcj02 --min-area-m2 5 --min-width-m 3

Gaps (land no grid covers), overlaps and spill-overs below --min-area-m2 or narrower than
--min-width-m are reported as slivers. The organisational checks use gridparty.DEFAULT_RULES
(every threshold with its source in gridparty.core.rules.SOURCES).
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` command."""
    check = sub.add_parser(
        "check",
        help="coverage gaps: blind spots, overlaps, spill-overs, organisation, grid fusion",
        description="Read a hierarchy and check its coverage: land no grid covers (with the "
        "buildings and households in it), overlapping grids, grids outside their community, "
        "communities in their streets, organisational gaps by the rules of party organisation, "
        "optionally the fit with another grid layer and the changes since an earlier snapshot.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(check)
    add_cluster_options(check)
    check.add_argument("--html", type=Path, help="write the coverage map")
    check.add_argument("--xlsx", type=Path, help="write the report workbook (one sheet per table)")
    check.add_argument("--gpkg", type=Path, help="write gaps, overlaps, findings ... as GeoPackage")
    check.add_argument(
        "--other-grids",
        type=Path,
        metavar="FILE",
        help="another grid layer (e.g. 综治网格) to match with the party grids",
    )
    check.add_argument(
        "--other-layer", metavar="NAME", help="layer of --other-grids inside a GeoPackage"
    )
    check.add_argument(
        "--other-id",
        metavar="COLUMN",
        help="id column of --other-grids when it is not a recognised one (e.g. zz_id)",
    )
    check.add_argument(
        "--previous",
        type=Path,
        metavar="PATH",
        help="an earlier snapshot (GeoPackage or folder) to compare with",
    )
    add_sliver_options(check)
    check.add_argument(
        "--min-iou",
        type=float,
        default=0.5,
        help="smallest intersection over union of a grid-fusion match (default 0.5)",
    )
    check.add_argument(
        "--no-streets", action="store_true", help="skip checking communities against their streets"
    )
    check.add_argument(
        "--lang-report",
        choices=["zh", "en"],
        action=DeprecatedAlias,
        dest="lang",
        default=argparse.SUPPRESS,
        help="deprecated: use --lang (which sets the workbook's language too)",
    )
    add_output_options(check)
    check.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from gridparty.checks.coverage import check_tolerances
    from gridparty.checks.fusion import check_min_iou
    from gridparty.checks.report import check_coverage
    from gridparty.core.io import read_hierarchy, read_layer

    out_paths(
        args,
        {"PATH": args.path, "--other-grids": args.other_grids, "--previous": args.previous},
        {"--html": "check_map.html", "--xlsx": "check.xlsx", "--gpkg": "check.gpkg"},
    )
    check_tolerances(args.min_area_m2, args.min_width_m)
    if args.other_grids is not None:
        check_min_iou(args.min_iou)
    h = read_input(args)
    other = None
    if args.other_grids is not None:
        progress(f"reading {args.other_grids}")
        other = read_layer(
            args.other_grids,
            "grid",
            layer=args.other_layer,
            strict=False,
            columns={args.other_id: "grid_id"} if args.other_id else None,
            coords=(args.level_coords or {}).get("grid", args.coords),
            encoding=args.encoding,
        )
    previous = None
    if args.previous is not None:
        progress(f"reading {args.previous}")
        previous = read_hierarchy(
            args.previous,
            coords=args.level_coords or args.coords,
            columns=input_columns(args),
            repair=args.repair,
            strict=False,
            encoding=args.encoding,
            merge_parts=args.merge_parts,
        )
    assignment, grid_coverage = _on_cluster(args, h) if on_cluster(args) else (None, None)
    report = check_coverage(
        h,
        assignment=assignment,
        grid_coverage=grid_coverage,
        streets=not args.no_streets,
        other_grids=other,
        previous=previous,
        min_area_m2=args.min_area_m2,
        min_width_m=args.min_width_m,
        min_iou=args.min_iou,
        progress=progress,
    )
    zh = args.lang == "zh"
    print_figures(report.headline(), "空间覆盖" if zh else "coverage", args.lang)
    print_figures(report.organisation.summary(), "组织覆盖" if zh else "organisation", args.lang)
    for part, heading in (
        (
            report.fusion,
            f"{'与' if zh else 'grid fusion with '}{args.other_grids}{'的网格融合' if zh else ''}",
        ),
        (
            report.changes,
            f"{'相比' if zh else 'changes since '}{args.previous}{'的变化' if zh else ''}",
        ),
    ):
        if part is not None:
            print_figures(part.summary(), heading, args.lang)
    # gaps, overlaps and spill-overs of the grids count for --fail-on as validate's rows do
    from gridparty.checks.validate import coverage_rows

    spatial = coverage_rows(report.grids, args.min_area_m2, args.min_width_m)
    return finish(
        args,
        h,
        [report, *spatial],
        [
            (args.xlsx, report.to_excel, "workbook"),
            (args.gpkg, report.to_geopackage, "geopackage"),
        ],
        lambda: report.map(tiles=args.tiles, lang=args.lang),
    )


def _on_cluster(args: argparse.Namespace, h: Hierarchy) -> tuple[Assignment, SpatialCoverage]:
    """The assignment and the coverage of the grids (with counts), on the Dask cluster."""
    from gridparty.distributed.coverage import distributed_coverage, filled_grids
    from gridparty.spatial.assign import Assignment

    with cluster_client(args) as client:  # refuses a PATH that is not partitioned
        ph, table = assign_on_cluster(client, args)
        progress("checking grids in communities on the cluster")
        coverage = distributed_coverage(
            ph,
            client=client,
            min_area_m2=args.min_area_m2,
            min_width_m=args.min_width_m,
            filled=filled_grids(table),
            counts=True,
            progress=bars_shown(),
        )
    return Assignment.from_table(h, table), coverage
