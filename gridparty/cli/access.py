"""``gridparty access``: distances to service centres, life circles, the under-served, new posts."""

from __future__ import annotations

import argparse
from pathlib import Path

from gridparty.cli.common import (
    add_input_options,
    add_output_options,
    extra_layer,
    finish,
    out_paths,
    print_figures,
    progress,
    read_input,
)
from gridparty.core.errors import InputError, LayerError

__all__ = ["register"]

_EPILOG = """\
examples:
  gridparty access sample_data/sample_city.gpkg --html 服务圈.html --xlsx 服务圈.xlsx
  gridparty access city.gpkg --posts 6 --threshold-m 500 --html posts.html
  gridparty access city.gpkg --cover --speed 70 --tier 党群驿站=post
  gridparty access data_folder/ --centres centres.geojson --streets roads.shp --straight

Service centres are read from the layer service_centres of the GeoPackage (or
service_centres.* in the folder) unless --centres names a file; they need an id and a tier
(core, district, street, community, post, or 核心/区级/街道/社区/驿站 ...). Streets come from the
layer streets the same way; without streets (or with --straight) distances are straight lines.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``access`` command."""
    cmd = sub.add_parser(
        "access",
        help="distances to party–masses service centres, 5/10/15-minute circles, new posts",
        description="Measure how far every building and member household is from a service "
        "centre (along the streets when a street layer is given), put homes into the 5/10/15-"
        "minute life circles, rank the under-served buildings and site new posts.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(cmd)
    cmd.add_argument(
        "--centres",
        type=Path,
        help="file of service centres (default: layer service_centres of PATH)",
    )
    cmd.add_argument(
        "--centres-layer",
        default="service_centres",
        help="layer name of the centres (default service_centres)",
    )
    cmd.add_argument(
        "--streets", type=Path, help="file of street lines (default: layer streets of PATH, if any)"
    )
    cmd.add_argument("--streets-layer", default="streets", help="layer name of the streets")
    cmd.add_argument("--straight", action="store_true", help="straight-line distances only")
    cmd.add_argument(
        "--minutes",
        type=float,
        nargs="+",
        default=[5, 10, 15],
        help="life-circle bands in minutes (default 5 10 15)",
    )
    cmd.add_argument(
        "--speed",
        type=float,
        help="walking speed in metres per minute (default: the standard's 300/500/800 m)",
    )
    cmd.add_argument(
        "--threshold-m",
        type=float,
        help="under-served beyond this many metres (default: the largest band)",
    )
    cmd.add_argument(
        "--tier",
        nargs="*",
        default=[],
        metavar="NAME=TIER",
        help="extra tier names, e.g. 党群驿站=post",
    )
    posts = cmd.add_mutually_exclusive_group()
    posts.add_argument(
        "--posts",
        type=int,
        metavar="K",
        help="site K new posts reaching the most under-served households (MCLP)",
    )
    posts.add_argument(
        "--cover",
        action="store_true",
        help="site the fewest posts reaching every under-served household (LSCP)",
    )
    cmd.add_argument("--xlsx", type=Path, help="write the report workbook")
    cmd.add_argument(
        "--gpkg",
        type=Path,
        help="write centres, service areas and the under-served as a GeoPackage",
    )
    cmd.add_argument("--html", type=Path, help="write the map")
    add_output_options(cmd)
    cmd.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from gridparty.access.service import service_access, site_posts
    from gridparty.maps.access import access_map

    out_paths(
        args,
        {"PATH": args.path, "--centres": args.centres, "--streets": args.streets},
        {"--xlsx": "access.xlsx", "--gpkg": "access.gpkg", "--html": "access_map.html"},
    )
    tier_names = _check_numbers(args)
    h = read_input(args)
    centres = extra_layer(args, args.centres, args.centres_layer)
    if centres is None:
        raise LayerError(
            f"no service centres: {str(args.path)!r} has no layer {args.centres_layer!r}; pass "
            "--centres FILE or --centres-layer NAME."
        )
    streets = None if args.straight else extra_layer(args, args.streets, args.streets_layer)
    progress(
        f"measuring {len(h.buildings):,} buildings and {len(h.households):,} households "
        f"against {len(centres):,} centres ({'straight' if streets is None else 'streets'})"
    )
    access = service_access(
        h,
        centres,  # type: ignore[arg-type]  # a layer of points
        streets=streets,  # type: ignore[arg-type]  # a layer of lines
        minutes=args.minutes,
        speed_m_per_min=args.speed,
        threshold_m=args.threshold_m,
        tier_names=tier_names,
    )
    print_figures(access.summary(), "服务可达" if args.lang == "zh" else "access", args.lang)
    posts = None
    if args.posts is not None or args.cover:
        progress("siting new posts")
        posts = site_posts(access, k=args.posts)
        title = "新增驿站" if args.lang == "zh" else "new posts"
        print_figures(posts.summary().drop(index="note"), title, args.lang)
        print(posts.note)
    return finish(
        args,
        h,
        [access],
        [
            (args.xlsx, access.to_excel, "report"),
            (args.gpkg, access.to_geopackage, "layers"),
        ],
        lambda: access_map(
            access, communities=h.communities, posts=posts, tiles=args.tiles, lang=args.lang
        ),
    )


def _check_numbers(args: argparse.Namespace) -> dict[str, str]:
    """Check the numeric options and the tier names before reading anything; the tier names.

    The same checks (and messages) as :func:`gridparty.access.service.service_access` and
    :func:`gridparty.access.service.site_posts` make after the measuring.
    """
    from gridparty.access.service import band_limits, tier_lookup
    from gridparty.core.arguments import positive_number, whole_number

    band_limits(args.minutes, args.speed)
    if args.threshold_m is not None:
        positive_number(args.threshold_m, "threshold_m", hint="metres")
    if args.posts is not None:
        whole_number(args.posts, "k", 1)
    tier_names = dict(_pair(t) for t in args.tier)
    tier_lookup(tier_names)
    return tier_names


def _pair(item: str) -> tuple[str, str]:
    name, sep, tier = item.partition("=")
    if not sep or not name or not tier:
        raise InputError(f"--tier {item!r} must look like NAME=TIER, e.g. 党群驿站=post.")
    return name, tier
