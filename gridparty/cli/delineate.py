"""``gridparty delineate``: propose grids of 300–500 households per community (网格划分)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gridparty.cli.common import (
    add_input_options,
    add_output_options,
    extra_layer,
    finish,
    out_paths,
    progress,
    read_input,
)
from gridparty.core.errors import InputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["register"]

#: Files written in ``--out``: the workbook, the GeoPackage and the map.
OUT_FILES = ("网格划分.xlsx", "grids.gpkg", "grids_map.html")

_EPILOG = """\
examples:
  gridparty delineate sample_data/sample_city.gpkg --out 网格划分
  gridparty delineate city.gpkg --min-households 300 --max-households 500 --keep-existing \\
      --html 网格调整.html --xlsx 网格调整.xlsx
  gridparty delineate data_folder/ --streets roads.shp --compounds 小区.gpkg --gpkg grids.gpkg

Streets are read from the layer streets of the GeoPackage (or streets.* in the folder) unless
--streets names a file; a street whose kind or highway is a main road (primary, secondary,
trunk, 主干道 ...) or whose main column is true is a barrier between grids. Compounds (小区)
are polygons from --compounds (or the layer compounds); a compound that fits under the
maximum stays in one grid. --out DIR writes 网格划分.xlsx, grids.gpkg and grids_map.html there;
--xlsx/--gpkg/--html write single files. With --keep-existing, every existing grid whose
households are in the band is kept and the moving buildings are listed and mapped.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``delineate`` command."""
    cmd = sub.add_parser(
        "delineate",
        help="propose grids of 300–500 households per community (网格划分), map and workbook",
        description="Tessellate every community by its streets and buildings and group the "
        "buildings into contiguous grids whose households lie in the band, as few as the band "
        "allows, along streets; or redraw only the grids outside the band (--keep-existing).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(cmd)
    cmd.add_argument(
        "--min-households",
        type=int,
        metavar="N",
        help="fewest households per grid (default 300, PartyRules.grid_households_min)",
    )
    cmd.add_argument(
        "--max-households",
        type=int,
        metavar="N",
        help="most households per grid (default 500, PartyRules.grid_households_max)",
    )
    cmd.add_argument(
        "--keep-existing",
        action="store_true",
        help="redraw: keep every existing grid in the band, list the buildings that move",
    )
    cmd.add_argument(
        "--streets",
        type=Path,
        metavar="FILE",
        help="file of street lines (default: layer streets of PATH, if any)",
    )
    cmd.add_argument(
        "--compounds",
        type=Path,
        metavar="FILE",
        help="file of compound (小区) polygons (default: layer compounds of PATH, if any)",
    )
    cmd.add_argument(
        "--exact-max-atoms",
        type=int,
        default=0,
        metavar="N",
        help="solve communities of at most N cells exactly with CBC (default 0: heuristic only)",
    )
    cmd.add_argument("--html", type=Path, help="write the map")
    cmd.add_argument("--xlsx", type=Path, help="write the tables as an Excel workbook")
    cmd.add_argument("--gpkg", type=Path, help="write the proposed grids as a GeoPackage")
    add_output_options(cmd)
    cmd.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from gridparty.delineation.grids import delineate_grids, household_band
    from gridparty.maps.delineation import delineation_map

    out_paths(
        args,
        {"PATH": args.path, "--streets": args.streets, "--compounds": args.compounds},
        dict(zip(("--xlsx", "--gpkg", "--html"), OUT_FILES, strict=True)),
    )
    low, high = household_band(args.min_households, args.max_households)
    if args.exact_max_atoms < 0:
        raise InputError(
            f"--exact-max-atoms {args.exact_max_atoms} must be >= 0 (0: heuristic only)."
        )
    for arg, path in (("--streets", args.streets), ("--compounds", args.compounds)):
        if path is not None and not path.exists():
            raise InputError(f"{arg} {str(path)!r} does not exist; check the path.")
    h = read_input(args)
    if args.keep_existing and h.grids.empty:
        raise InputError(
            f"--keep-existing: {str(args.path)!r} has no grids to keep; leave the option out "
            "to delineate from scratch."
        )
    streets = extra_layer(args, args.streets, "streets")
    compounds = extra_layer(args, args.compounds, "compounds")
    progress(f"delineating grids of {low}–{high} households in {len(h.communities):,} communities")
    result = delineate_grids(
        h,
        low,
        high,
        streets=cast("gpd.GeoDataFrame | None", streets),  # delineate_grids checks the types
        compounds=cast("gpd.GeoDataFrame | None", compounds),
        keep_existing=args.keep_existing,
        exact_max_atoms=args.exact_max_atoms,
    )
    print(result.summary().to_string())
    return finish(
        args,
        h,
        [result],
        [(args.xlsx, result.to_excel, "tables"), (args.gpkg, result.to_geopackage, "layers")],
        lambda: delineation_map(result, tiles=args.tiles, lang=args.lang),
    )
