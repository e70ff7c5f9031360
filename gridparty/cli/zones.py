"""``gridparty zones``: flagship mentoring zones ("1+X"), given or chosen flagships, map and tables."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pandas as pd

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
from gridparty.core.errors import InputError
from gridparty.core.labels import ZONE_LABELS
from gridparty.core.results import Tables

if TYPE_CHECKING:
    from gridparty.core.model import Hierarchy
    from gridparty.flagship.choice import FlagshipChoice
    from gridparty.flagship.zones import MentoringZones

__all__ = ["register"]

_EPILOG = """\
examples:
  gridparty zones sample_data/sample_city.gpkg --flagships 310101002001,310115005001 \\
      --area-km2 1 --html 辐射区.html --xlsx 辐射区.xlsx --roster 名册.xlsx
  gridparty zones city.gpkg --k 10 --radius-m 1000 --weights members --html zones.html
  gridparty zones city.gpkg --cover --radius-m 1000 --solver greedy --xlsx cover.xlsx

The zone size must be stated: --radius-m 1000 is a "1 km zone" (a circle of 3.14 km²);
--area-km2 1 is "1 km² around" (a circle of radius ≈ 564 m). New economic and
social organisations (两新组织) are read from the layer organisations of the GeoPackage (or
organisations.* in the folder) unless --organisations names a file; service centres (their
community-tier stations are the zone centres) from the layer service_centres the same way.
The roster (--roster) lists secretaries and contacts where given: personal data, never mapped.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``zones`` command."""
    cmd = sub.add_parser(
        "zones",
        help="flagship mentoring zones (1+X): zones, mentees, chosen flagships, map",
        description="Build each flagship community's mentoring zone, assign every organisation "
        "(communities, grids, new economic and social organisations) inside a zone to one "
        "flagship, list the organisations out of reach, or choose the flagships.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_input_options(cmd)
    which = cmd.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--flagships", metavar="ID,...", help="flagship community ids, comma-separated"
    )
    which.add_argument(
        "--k",
        type=int,
        metavar="N",
        help="choose N flagships reaching the most organisations (MCLP)",
    )
    which.add_argument(
        "--cover",
        action="store_true",
        help="choose the fewest flagships reaching every organisation (LSCP)",
    )
    size = cmd.add_mutually_exclusive_group(required=True)
    size.add_argument("--radius-m", type=float, metavar="M", help="zone radius in metres")
    size.add_argument("--area-km2", type=float, metavar="A", help="zone area in km² (a circle)")
    cmd.add_argument(
        "--origin",
        choices=["centre", "boundary"],
        default="centre",
        help="measure from the flagship's centre (default) or its boundary",
    )
    cmd.add_argument(
        "--rule",
        choices=["nearest", "least_loaded"],
        default="nearest",
        help="who mentors an organisation in several zones (default nearest)",
    )
    cmd.add_argument(
        "--weights",
        choices=["organisations", "members"],
        default="organisations",
        help="with --k: maximise organisations (default) or their formal members",
    )
    cmd.add_argument(
        "--solver",
        choices=["auto", "exact", "greedy"],
        default="auto",
        help="with --k/--cover: spopt + CBC (exact), greedy, or auto by size",
    )
    cmd.add_argument("--time-limit", type=float, metavar="S", help="stop CBC after S seconds")
    cmd.add_argument(
        "--levels",
        nargs="+",
        default=["community", "grid", "organisation"],
        choices=["community", "grid", "organisation"],
        help="kinds of organisation to mentor (default all three)",
    )
    cmd.add_argument(
        "--organisations",
        type=Path,
        help="file of 两新 organisations (default: layer organisations of PATH, if any)",
    )
    cmd.add_argument(
        "--centres",
        type=Path,
        help="file of service centres (default: layer service_centres of PATH, if any)",
    )
    cmd.add_argument(
        "--no-centres",
        action="store_true",
        help="ignore service centres: zones start at a point inside each community",
    )
    cmd.add_argument("--html", type=Path, help="write the map")
    cmd.add_argument("--xlsx", type=Path, help="write the tables as an Excel workbook")
    cmd.add_argument("--gpkg", type=Path, help="write zones, flagships, mentees, unreached")
    cmd.add_argument(
        "--roster",
        type=Path,
        help="write the printable roster (.xlsx; personal "
        "data: secretaries and contacts where given)",
    )
    add_output_options(cmd)
    cmd.set_defaults(run=_run)


@dataclass(frozen=True)
class _Report(Tables):
    """The workbook of one run: the choice's tables (when chosen) and the zones' tables."""

    LABELS: ClassVar[dict[str, str]] = ZONE_LABELS

    zones: MentoringZones
    choice: FlagshipChoice | None

    def tables(self) -> dict[str, pd.DataFrame]:
        first = self.choice.tables() if self.choice is not None else {}
        return {**first, **self.zones.tables()}

    def summary(self) -> pd.DataFrame:
        parts = [self.choice.summary()] if self.choice is not None else []
        return pd.concat([*parts, self.zones.summary()])


def _run(args: argparse.Namespace) -> int:
    from gridparty.flagship.zones import mentoring_zones
    from gridparty.maps.flagship import flagship_map
    from gridparty.spatial.assign import with_parents

    named = _check_arguments(args)
    filled = with_parents(read_input(args))
    if any(filled.filled.values()):
        print(filled.describe())
    h = filled.hierarchy
    _check_against(h, args, named)
    organisations = extra_layer(args, args.organisations, "organisations")
    centres = None if args.no_centres else extra_layer(args, args.centres, "service_centres")
    size = {"radius_m": args.radius_m, "area_km2": args.area_km2, "origin": args.origin}
    common = {**size, "organisations": organisations, "centres": centres, "levels": args.levels}
    choice = _choose(h, args, common) if args.flagships is None else None
    flagships = list(choice.chosen) if choice is not None else named
    progress(f"building {len(flagships)} mentoring zones")  # type: ignore[arg-type]  # named when --flagships is given
    zones = mentoring_zones(h, flagships, rule=args.rule, **common)  # type: ignore[arg-type]  # named when --flagships is given
    print_figures(zones.summary(), "辐射区" if args.lang == "zh" else "zones", args.lang)
    report = _Report(zones, choice)
    return finish(
        args,
        h,
        [report],
        [
            (args.xlsx, report.to_excel, "tables"),
            (args.gpkg, zones.to_geopackage, "layers"),
            (args.roster, zones.roster_to_excel, "roster"),
        ],
        lambda: flagship_map(zones, communities=h.communities, tiles=args.tiles, lang=args.lang),
    )


def _check_arguments(args: argparse.Namespace) -> list[str] | None:
    """Outputs, zone size, time limit and the named flagships, checked before any reading."""
    from gridparty.flagship.zones import zone_definition
    from gridparty.spatial.siting import cbc_time_limit

    out_paths(
        args,
        {"PATH": args.path, "--organisations": args.organisations, "--centres": args.centres},
        {"--html": "zones_map.html", "--xlsx": "zones.xlsx", "--gpkg": "zones.gpkg"},
        {"--roster": args.roster},
    )
    zone_definition(radius_m=args.radius_m, area_km2=args.area_km2, origin=args.origin)
    if args.flagships is None:
        cbc_time_limit(args.time_limit, args.solver)
        return None
    return _ids(args.flagships)


def _check_against(h: Hierarchy, args: argparse.Namespace, named: list[str] | None) -> None:
    """The flagship ids and ``--k`` against the communities, before the heavy work."""
    from gridparty.flagship.choice import check_k
    from gridparty.flagship.zones import checked_flagship_ids

    if named is not None:
        checked_flagship_ids(h, named, "flagships")
    elif args.k is not None:
        check_k(args.k, len(h.communities))


def _choose(h: Hierarchy, args: argparse.Namespace, common: dict[str, Any]) -> FlagshipChoice:
    from gridparty.flagship.choice import choose_flagships, fewest_flagships

    solve = {"solver": args.solver, "time_limit_s": args.time_limit}
    if args.cover:
        progress(f"choosing the fewest flagships among {len(h.communities):,} communities")
        choice = fewest_flagships(h, **common, **solve)
    else:
        progress(f"choosing {args.k} flagships among {len(h.communities):,} communities")
        choice = choose_flagships(h, args.k, weights=args.weights, **common, **solve)
    title = "示范社区选择" if args.lang == "zh" else "choice"
    print_figures(choice.summary(), title, args.lang, labels=choice.LABELS)
    print(f"solved in {choice.siting.seconds:.2f} s")
    print(f"flagships: {','.join(choice.chosen)}")
    return choice


def _ids(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise InputError(f"--flagships {text!r} names no community id; e.g. --flagships C1,C2.")
    return ids
