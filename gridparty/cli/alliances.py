"""``gridparty alliances``: alliance network, 1+1 pairing and the three lists, with a map."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from gridparty.cli.common import (
    add_fail_on_option,
    add_map_options,
    add_reading_options,
    check_paths,
    fail_code,
    find_file,
    print_figures,
    print_paths,
    print_problems,
    progress,
    read_options,
    run_notes,
    write_map,
)
from gridparty.core.errors import DataFileError, InputError

__all__ = ["register"]

#: Table → layer or file names recognised for it (GeoPackage layers, or files in a folder).
TABLE_NAMES: dict[str, tuple[str, ...]] = {
    "communities": ("communities", "社区"),
    "units": ("units", "单位"),
    "alliances": ("alliances", "党建联盟", "联盟"),
    "memberships": ("memberships", "联盟成员"),
    "agreements": ("agreements", "共建协议"),
    "departments": ("departments", "部门", "结对部门"),
    "pairings": ("pairings", "结对", "结对表"),
    "needs": ("needs", "需求清单", "需求"),
    "resources": ("resources", "资源清单", "资源"),
}
_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".csv", ".xlsx")
#: The parts' reports (a workbook and a GeoPackage each) and the map written in ``--out``.
_PARTS = ("alliances", "pairing", "lists")
_MAP = "alliances_map.html"
_OUT_FILES = (*(f"{part}{suffix}" for part in _PARTS for suffix in (".xlsx", ".gpkg")), _MAP)

_EPILOG = """\
examples:
  gridparty alliances                       # the bundled sample city
  gridparty alliances city.gpkg --out 联盟分析 --within district
  gridparty alliances tables/ --max-distance-m 800 --tiles gaode --fail-on error

PATH is a GeoPackage with layers (or a folder with files) named units / alliances /
memberships / agreements / departments / pairings / needs / resources / communities, or
单位 / 党建联盟 / 联盟成员 / 共建协议 / 部门 / 结对 / 需求清单 / 资源清单 / 社区. Point tables
given as CSV/Excel need lon/lat (经度/纬度) columns. Each part runs when its tables are there:
alliances (units, alliances, memberships), pairing (communities, departments), lists (needs,
resources). Chinese column names such as 单位名称, 单位类型, 党组织, 党员数, 联盟名称, 联盟类型,
牵头单位 are recognised.
"""


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``alliances`` command."""
    cmd = sub.add_parser(
        "alliances",
        help="analyse alliances, check and propose 1+1 pairing, match needs to resources",
        description="Read units, alliances and memberships, departments and pairings, needs and "
        "resources; report alliance reach and coverage, pairing gaps with an optimal proposal "
        "(least total distance, existing pairs kept), and the needs-to-resources service list; "
        "write Excel workbooks, a GeoPackage and a map.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument(
        "path",
        type=Path,
        nargs="?",
        help="GeoPackage or folder with the tables (default: the sample city)",
    )
    cmd.add_argument(
        "--out",
        type=Path,
        default=Path("gridparty-alliances"),
        help="output folder (default: ./gridparty-alliances)",
    )
    cmd.add_argument(
        "--within",
        metavar="COLUMN",
        help="pair only communities and departments with the same value here, e.g. district",
    )
    cmd.add_argument(
        "--max-pair-distance-m",
        type=float,
        help="longest community–department distance to propose, in metres",
    )
    cmd.add_argument(
        "--max-distance-m",
        type=float,
        default=1000.0,
        help="farthest a resource serves a need, in metres (default 1000: the "
        "15-minute life circle)",
    )
    cmd.add_argument(
        "--layers",
        nargs="*",
        default=[],
        metavar="TABLE=NAME",
        help="layer or file name per table when not standard, e.g. units=驻区单位2024",
    )
    cmd.add_argument(
        "--columns",
        nargs="*",
        default=[],
        metavar="TABLE:COLUMN=CODE",
        help="rename a table's columns to the names gridparty expects, e.g. units:单位编码=unit_id",
    )
    add_reading_options(cmd)
    add_fail_on_option(cmd)
    add_map_options(cmd)
    cmd.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from gridparty.alliances.lists import match_lists
    from gridparty.alliances.network import alliance_network, analyse_alliances
    from gridparty.alliances.pairing import propose_pairing
    from gridparty.datasets.sample import sample_city_path
    from gridparty.maps.alliance import alliance_map

    source = sample_city_path() if args.path is None else args.path
    names, renames = _table_options(args)
    check_paths(
        {"PATH" if args.path else "the sample city": source},
        print_paths(args, args.out / _MAP),
        out=args.out,
        out_files=_OUT_FILES,
    )
    # Each analysis checks its tables (points or plain) and says what is wrong.
    tables: dict[str, Any] = (
        _sample_tables()
        if args.path is None
        else read_tables(args.path, names=names, **read_options(args))
    )
    tables = {
        t: None if f is None else _renamed(f, renames.get(t, {}), t) for t, f in tables.items()
    }
    has = {name for name, frame in tables.items() if frame is not None}
    parts = {
        "alliances": {"units", "alliances", "memberships"} <= has,
        "pairing": {"communities", "departments"} <= has,
        "lists": {"needs", "resources"} <= has,
    }
    if not any(parts.values()):
        raise InputError(
            f"{args.path}: found tables {sorted(has)}; need units + alliances + memberships, "
            "communities + departments, or needs + resources (see gridparty alliances --help)."
        )
    analysis = proposal = lists = None
    done: list[tuple[str, Any, tuple[pd.DataFrame, ...]]] = []  # written once all parts ran
    if parts["alliances"]:
        progress("analysing the alliance network")
        net = alliance_network(
            tables["units"],
            tables["alliances"],
            tables["memberships"],
            agreements=tables.get("agreements"),
            communities=tables.get("communities"),
            strict=False,
        )
        analysis = analyse_alliances(net)
        done.append(("alliances", analysis, ()))
    if parts["pairing"]:
        progress("checking the pairing and proposing the rest")
        proposal = propose_pairing(
            tables["communities"],
            tables["departments"],
            pairings=tables.get("pairings"),
            within=args.within,
            max_distance_m=args.max_pair_distance_m,
        )
        done.append(("pairing", proposal, (proposal.check.summary(),)))
    if parts["lists"]:
        progress("matching needs to resources")
        lists = match_lists(
            tables["needs"],
            tables["resources"],
            units=tables.get("units"),
            communities=tables.get("communities"),
            max_distance_m=args.max_distance_m,
        )
        done.append(("lists", lists, ()))
    progress("drawing the map")
    m = alliance_map(
        analysis,
        communities=tables.get("communities"),
        pairing=proposal,
        departments=tables.get("departments"),
        lists=lists,
        tiles=args.tiles,
        lang=args.lang,
    )
    args.out.mkdir(parents=True, exist_ok=True)
    for name, result, extra in done:
        _report(name, args, result, args.out / f"{name}.xlsx", *extra)
    write_map(m, args.out / _MAP, args)
    problems = [
        result.check.problems if name == "pairing" else result.problems for name, result, _ in done
    ]
    return _exit_code(pd.concat(problems, ignore_index=True), args.fail_on, args.lang)


def _report(
    name: str, args: argparse.Namespace, result: object, path: Path, *extra: pd.DataFrame
) -> None:
    from gridparty.core.results import header

    for table in (*extra, result.summary()):  # type: ignore[attr-defined]
        print_figures(table, header(name, args.lang), args.lang)
    result.to_excel(path, lang=args.lang, notes=run_notes(args))  # type: ignore[attr-defined]
    result.to_geopackage(path.with_suffix(".gpkg"))  # type: ignore[attr-defined]
    print(f"{name} tables: {path}, {path.with_suffix('.gpkg')}")


def _exit_code(problems: pd.DataFrame, fail_on: str, lang: str) -> int:
    if len(problems):
        print_problems(problems, lang)
    return fail_code(problems, fail_on)


def _table_options(
    args: argparse.Namespace,
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``--layers TABLE=NAME`` and ``--columns TABLE:COLUMN=CODE``, checked before reading."""
    names: dict[str, str] = {}
    for item in args.layers:
        table, sep, name = item.partition("=")
        if not sep or not name or table not in TABLE_NAMES:
            raise InputError(
                f"--layers {item!r} must look like TABLE=NAME with TABLE one of "
                f"{', '.join(TABLE_NAMES)}, e.g. units=驻区单位2024."
            )
        names[table] = name
    renames: dict[str, dict[str, str]] = {}
    for item in args.columns:
        column, sep, code = item.rpartition("=")
        table, colon, name = column.partition(":")
        if not sep or not colon or not name or not code or table not in TABLE_NAMES:
            raise InputError(
                f"--columns {item!r} must look like TABLE:COLUMN=CODE with TABLE one of "
                f"{', '.join(TABLE_NAMES)}, e.g. units:单位编码=unit_id."
            )
        renames.setdefault(table, {})[name] = code
    return names, renames


def _renamed(frame: pd.DataFrame, columns: dict[str, str], table: str) -> pd.DataFrame:
    missing = sorted(set(columns) - set(map(str, frame.columns)))
    if missing:
        raise InputError(
            f"--columns {table}:{missing[0]}=...: the table {table} has no column "
            f"{missing[0]!r}; it has {[str(c) for c in frame.columns]}."
        )
    return frame.rename(columns=columns) if columns else frame


def _sample_tables() -> dict[str, pd.DataFrame | None]:
    from gridparty.datasets.sample import sample_layer

    progress("loading the sample city's alliance, pairing and list tables")
    return {name: sample_layer(name) for name in TABLE_NAMES}


def read_tables(
    path: Path,
    *,
    names: dict[str, str] | None = None,
    **options: Any,
) -> dict[str, pd.DataFrame | None]:
    """Every table of :data:`TABLE_NAMES` found in a GeoPackage or folder (``None`` if absent).

    ``names`` gives a table's own layer or file name (``--layers units=驻区单位``), tried
    before the standard ones; names match in any letter case. ``options`` are those of
    :func:`gridparty.core.io.read_features` (``coords``, ``encoding``, ``lon``, ``lat``,
    ``crs``, ``repair``: ``--coords`` ... ``--repair``); points end in WGS84.
    """
    own = names or {}
    known = {t: (own[t], *n) if t in own else n for t, n in TABLE_NAMES.items()}
    from gridparty.core.io import layer_names, read_features

    if not path.exists():
        raise DataFileError(f"{str(path)!r} does not exist; check the path.")
    progress(f"reading {path}")
    if path.is_dir():
        found = {t: find_file(path, n, _SUFFIXES) for t, n in known.items()}
        return {t: None if p is None else read_features(p, **options) for t, p in found.items()}
    if path.suffix.lower() != ".gpkg":
        raise InputError(f"PATH={str(path)!r} must be a GeoPackage (.gpkg) or a folder of tables.")
    layers: dict[str, str] = {}
    for layer in layer_names(path):
        layers.setdefault(layer.lower(), layer)
    found_layers = {
        t: next((layers[n.lower()] for n in n_ if n.lower() in layers), None)
        for t, n_ in known.items()
    }
    return {
        t: None if n is None else read_features(path, layer=n, **options)
        for t, n in found_layers.items()
    }
