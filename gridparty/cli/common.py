"""Helpers shared by the command modules: options, progress lines, reading extra layers,
checking and writing outputs."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import folium
import pandas as pd

from gridparty.checks.coverage import DEFAULT_MIN_AREA_M2, DEFAULT_MIN_WIDTH_M
from gridparty.core.errors import DataFileError, InputError
from gridparty.core.layers import COORDS as DATUMS
from gridparty.core.model import Hierarchy
from gridparty.core.paths import same_file
from gridparty.core.schema import LEVEL_NAMES as LEVELS

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from gridparty.distributed.partitioned import PartitionedHierarchy
    from gridparty.spatial.assign import Assignment

__all__ = [
    "DeprecatedAlias",
    "add_cluster_options",
    "add_coords_option",
    "add_encoding_option",
    "add_fail_on_option",
    "add_input_options",
    "add_map_options",
    "add_out_option",
    "add_output_options",
    "add_reading_options",
    "add_sliver_options",
    "assign_input",
    "assign_on_cluster",
    "bars_shown",
    "check_paths",
    "cluster_client",
    "extra_layer",
    "fail_code",
    "find_file",
    "finish",
    "input_columns",
    "make_out",
    "map_wanted",
    "on_cluster",
    "out_paths",
    "print_paths",
    "progress",
    "progress_shown",
    "read_input",
    "read_options",
    "run_notes",
    "run_problems",
    "stop_progress",
    "write_map",
]


class DeprecatedAlias(argparse.Action):
    """An old option kept working: stores into the new option's ``dest`` and says on stderr
    to use the new option instead (``--`` and the ``dest``, e.g. ``--lang``)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        new = "--" + self.dest.replace("_", "-")
        print(
            f"gridparty: warning: {option_string} is deprecated and will be removed; use {new}",
            file=sys.stderr,
        )
        setattr(namespace, self.dest, values)


def _crs_text(value: str) -> str:
    """``--crs``: a CRS pyproj knows (kept as given), else a one-line usage error."""
    import pyproj

    try:
        pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a coordinate reference system; give an EPSG code such as "
            "EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E) or EPSG:4326"
        ) from None
    return value


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


def add_encoding_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--encoding NAME``: the text encoding of Shapefiles and CSV tables read
    (``args.encoding``, None: guessed from the bytes)."""
    parser.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of Shapefiles (.dbf) and CSV tables, e.g. GB18030 (GBK) or UTF-8; "
        "default: a Shapefile's .cpg, else guessed from the bytes with a warning",
    )


def add_sliver_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--min-area-m2`` and ``--min-width-m``: the sliver rule of validate and check."""
    parser.add_argument(
        "--min-area-m2",
        type=float,
        default=DEFAULT_MIN_AREA_M2,
        help="gaps/overlaps/spill-overs smaller than this many m² are slivers, not reported "
        f"(default {DEFAULT_MIN_AREA_M2:g})",
    )
    parser.add_argument(
        "--min-width-m",
        type=float,
        default=DEFAULT_MIN_WIDTH_M,
        help="those narrower than this many metres are slivers, reported as such "
        f"(default {DEFAULT_MIN_WIDTH_M:g})",
    )


def add_map_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--tiles``, ``--tiles-attribution`` and ``--lang`` to a command.

    ``args.tiles`` is what the map functions take: a name, an xyzservices provider name, or
    (a URL template with ``--tiles-attribution``) an ``xyzservices.TileProvider``.
    """
    parser.add_argument(
        "--tiles",
        default="osm",
        action=_TilesAction,
        metavar="NAME|PROVIDER|URL",
        help="map background: osm (default), cartodb, gaode, none (works without internet), an "
        "xyzservices provider such as Gaode.Normal or OpenStreetMap.Mapnik, or a URL template "
        "such as https://tiles.example.cn/{z}/{x}/{y}.png with --tiles-attribution; Gaode and "
        "Tencent tiles are GCJ-02 and the data is shifted to them for display",
    )
    parser.add_argument(
        "--tiles-attribution",
        action=_TilesAction,
        metavar="TEXT",
        help="attribution of a --tiles URL template, e.g. '© 天地图' (required with a URL)",
    )
    parser.add_argument(
        "--lang",
        default="zh",
        choices=["zh", "en"],
        help="language of the console summary, the map and the workbooks (default zh)",
    )
    for fmt, what in (("pdf", "a PDF page"), ("png", "a PNG image")):
        parser.add_argument(
            f"--{fmt}",
            nargs="?",
            const=NEXT_TO_MAP,
            type=Path,
            metavar="PATH",
            help=f"also print the map as {what} for reports (title, legend, scale bar, north "
            f"arrow; needs gridparty[print]): to PATH, or without PATH next to the HTML map "
            f"(<name>.{fmt}, e.g. in --out)",
        )
    parser.add_argument(
        "--paper",
        default="A4",
        choices=["A4", "A3"],
        help="paper size of --pdf and --png (default A4; landscape when the data is wider "
        "than tall)",
    )


#: Whether progress is shown: on a terminal, unless ``--quiet`` (set by the main parser).
SHOW_PROGRESS = {"quiet": False}


class _TilesAction(argparse.Action):
    """Check ``--tiles`` when parsed and join a URL template with its attribution."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from gridparty.maps.base import tile_source

        setattr(namespace, f"_{self.dest}", str(values))
        tiles = getattr(namespace, "_tiles", "osm")
        attribution = getattr(namespace, "_tiles_attribution", None)
        try:
            tile_source(tiles, attribution or "-")
        except InputError as exc:
            parser.error(f"--tiles {tiles!r}: {exc}")
        if "{z}" in tiles and attribution:
            import xyzservices

            namespace.tiles = xyzservices.TileProvider(
                name="custom", url=tiles, attribution=attribution
            )
        else:
            namespace.tiles = tiles
        namespace.tiles_attribution = attribution


def progress(message: str) -> None:
    """Show the step a run is at as a transient progress line on stderr.

    A step shows (a spinner, ``message`` and the seconds it has taken) only once it has run for
    :data:`PROGRESS_AFTER_S` seconds, and the line disappears when the run ends: quick runs
    print nothing. Shown only when stderr is a terminal, not on CI (the ``CI`` environment
    variable set) and not with ``--quiet``, so that piped and scripted runs get the results
    only, the same every time.
    """
    if not progress_shown():
        return
    _STEPS.step(message)


#: Seconds a step runs before the progress line shows it.
PROGRESS_AFTER_S = 2.0


def progress_shown() -> bool:
    """Whether :func:`progress` shows anything: stderr a terminal, not CI, no ``--quiet``."""
    return not SHOW_PROGRESS["quiet"] and not os.environ.get("CI") and sys.stderr.isatty()


def stop_progress() -> None:
    """End the progress line (the main entry calls it when a command ends, however it ends)."""
    _STEPS.stop()


class _Steps:
    """One transient rich progress display on stderr, its current step shown after a delay."""

    def __init__(self) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._timer: threading.Timer | None = None

    def step(self, message: str) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        if self._bar is None:
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=Console(stderr=True, highlight=False),
                transient=True,
                # results printed meanwhile go above the line on the terminal; piped, as they are
                redirect_stdout=sys.stdout.isatty(),
            )
            self._bar.start()
        if self._task is not None:
            self._bar.remove_task(self._task)
        if self._timer is not None:
            self._timer.cancel()
        # escaped: a path or name holding [brackets] is shown as it is, not as markup
        self._task = self._bar.add_task(escape(message), visible=False)
        self._timer = threading.Timer(PROGRESS_AFTER_S, self._show, (self._bar, self._task))
        self._timer.daemon = True
        self._timer.start()

    @staticmethod
    def _show(bar: Progress, task: TaskID) -> None:
        if task in bar.task_ids:
            bar.update(task, visible=True)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._bar is not None:
            self._bar.stop()
        self._bar = self._task = self._timer = None


_STEPS = _Steps()


def print_figures(
    table: pd.DataFrame, title: str, lang: str = "zh", labels: Mapping[str, str] | None = None
) -> None:
    """Print headline figures (:func:`gridparty.core.results.figures`) as an aligned table for
    people: names in ``lang`` (``labels``: figure → the label key to use instead, a result's
    ``LABELS``), numbers rounded with their unit (m² whole, m to 0.1, km² to 0.001, ratios and
    shares as percentages, counts with thousands separators)."""
    from rich.table import Table
    from rich.text import Text

    from gridparty.core.results import header

    print(title)  # not a rich title: it would wrap to the table's width
    shown = Table(show_header=False, box=None, pad_edge=False)
    shown.add_column(style="bold")
    shown.add_column(justify="right")
    for figure, value in table["value"].items():
        name = (labels or {}).get(str(figure), str(figure))
        shown.add_row(Text(header(name, lang)), Text(readable(str(figure), value)))
    _console().print(shown)


def readable(name: str, value: object) -> str:
    """``value`` of the figure or column ``name`` as people read it: rounded, with its unit."""
    from gridparty.core.workbook import number_format

    if getattr(value, "shape", None) == ():  # a 0-d array holds one number
        value = value.item()  # type: ignore[attr-defined]  # a numpy scalar or 0-d array
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return "—" if value is None or value != value else str(value)
    fmt = number_format(name)
    name = name.removesuffix("_before").removesuffix("_after")
    if fmt == "0.0%" or name.endswith("_coverage"):
        return f"{value * 100:.1f} %"
    if name.endswith("_km2"):
        return f"{value:,.3f} km²"
    if name.endswith("_m2"):
        return f"{value:,.0f} m²"
    if name.endswith("_m"):
        return f"{value:,.1f} m"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def print_problems(problems: pd.DataFrame, lang: str = "zh", top: int = 5) -> None:
    """Print how many problems were found by severity and check, naming the first ``top``
    kinds (with one example id and message each), the worst first."""
    from rich.table import Table
    from rich.text import Text

    from gridparty.core.results import value_word

    if not len(problems):
        print("未发现问题" if lang == "zh" else "no problems found")
        return
    order = {"error": 0, "warning": 1, "info": 2}
    kinds = (
        problems.assign(_rank=problems["severity"].map(order).fillna(3))
        .groupby(["_rank", "severity", "level", "check"], sort=True)
        .agg(count=("check", "size"), id=("id", "first"), message=("message", "first"))
        .reset_index()
        .sort_values(["_rank", "count"], ascending=[True, False], kind="stable")
    )
    words = (
        ("级别", "层级", "问题", "数量", "例如")
        if lang == "zh"
        else ("severity", "level", "check", "count", "for example")
    )
    title = (
        f"发现 {len(problems):,} 个问题" if lang == "zh" else f"{len(problems):,} problems found"
    )
    print(title)
    shown = Table(box=None, pad_edge=False)
    for word in words:
        right = word in ("数量", "count")
        shown.add_column(word, justify="right" if right else "left", no_wrap=True)
    for row in kinds.head(top).itertuples(index=False):
        example = f"{row.id}: {row.message!s}" if isinstance(row.id, str) else str(row.message)
        cells = (
            str(value_word(row.severity, lang)),
            str(value_word(row.level, lang)),
            str(value_word(row.check, lang)),
            f"{row.count:,}",
            " ".join(example.split())[:60],
        )
        shown.add_row(*map(Text, cells))  # Text, not markup: data may hold [brackets]
    _console().print(shown)
    if len(kinds) > top:
        more = len(kinds) - top
        print(
            f"另有 {more} 类问题，见输出的表格"
            if lang == "zh"
            else f"{more} more kinds in the table"
        )


def _console() -> Console:
    from rich.console import Console

    # a pipe or file gets full lines, not cut to 80 columns
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


#: The value of a bare ``--pdf``/``--png``: the file beside the HTML map.
NEXT_TO_MAP = Path("<next to the HTML map>")
_PRINTS = ("--pdf", "--png")


def print_paths(args: argparse.Namespace, html: Path | None) -> dict[str, Path | None]:
    """Resolve ``--pdf``/``--png`` on ``args`` and return them by flag (None: not asked for).

    A bare flag names the HTML map's file (``html``, given or in ``--out``) with the
    format's suffix.

    Raises
    ------
    InputError
        A bare flag without an HTML map to write beside.
    """
    found: dict[str, Path | None] = {}
    for flag in _PRINTS:
        dest = flag[2:]
        value = getattr(args, dest, None)
        if value == NEXT_TO_MAP:
            if html is None:
                raise InputError(
                    f"{flag} without a path writes next to the HTML map, but there is none; "
                    f"give a path (e.g. {flag} map.{dest}), --html FILE or --out DIR."
                )
            value = html.with_suffix(f".{dest}")
            setattr(args, dest, value)
        found[flag] = value
    return found


def map_wanted(args: argparse.Namespace, html: Path | None) -> bool:
    """Whether the command draws its map: an HTML map or a print is asked for."""
    return html is not None or any(getattr(args, f[2:], None) for f in _PRINTS)


def write_map(m: folium.Map, path: Path | None, args: argparse.Namespace | None = None) -> None:
    """Write a map atomically and say where; with ``args``, also its ``--pdf``/``--png``
    prints (resolved by :func:`print_paths`) on ``--paper``."""
    from gridparty.maps import save_map

    if path is not None:
        save_map(m, path)
        print(f"map: {path}")
    for flag in _PRINTS if args is not None else ():
        target = getattr(args, flag[2:], None)
        if target is None:
            continue
        from gridparty.maps.static import print_map

        progress(f"printing the map to {target}")
        print_map(m, target, "pdf" if flag == "--pdf" else "png", paper=args.paper)  # type: ignore[union-attr]  # args is given here
        print(f"print: {target}")


def check_paths(
    inputs: Mapping[str, Path | None],
    outputs: Mapping[str, Path | None] | None = None,
    *,
    out: Path | None = None,
    out_files: Sequence[str] = (),
) -> None:
    """Refuse bad output paths before anything is read or written (exit 2, one line).

    Every output is checked: its suffix fits its format (``--xlsx``/``--roster`` .xlsx,
    ``--gpkg`` .gpkg, ``--html`` .html or .htm, ``--csv`` .csv), it is not a folder, its folder
    exists and is writable, and it is neither an input file nor another output of the run.
    Paths are compared with symlinks followed, and existing files also as hard links.

    Parameters
    ----------
    inputs : mapping
        Input argument (``"PATH"``, ``"--previous"`` ...) → its file or folder (``None``: not
        given). A folder stands for every file in it, a Shapefile for its sidecar files too.
    outputs : mapping, optional
        Output option (a key of :data:`OUTPUT_FORMATS`) → its file (``None``: not asked for).
    out : Path, optional
        The ``--out`` folder (created when missing): it must not be a file, and it (or the
        nearest folder above it that exists) must be writable.
    out_files : sequence of str
        The file names the command writes inside ``out``.

    Raises
    ------
    InputError
        A bad suffix, a folder where a file is meant, a folder that cannot be written, or an
        output that is an input or another output.
    DataFileError
        The folder of an output does not exist.
    """
    read = [(arg, f) for arg, path in inputs.items() if path is not None for f in _files(path)]
    given = [(arg, path) for arg, path in (outputs or {}).items() if path is not None]
    for arg, path in given:
        suffixes, what = OUTPUT_FORMATS[arg]
        if path.suffix.lower() not in suffixes:
            raise InputError(
                f"{arg}: path={str(path)!r} must end in {suffixes[0]} to write {what}."
            )
        if path.is_dir() and arg not in FOLDER_OUTPUTS:
            raise InputError(
                f"{arg}: path={str(path)!r} is a folder; name a file in it, e.g. "
                f"{str(path / ('report' + suffixes[0]))!r}."
            )
        folder = path.parent
        if out is not None and same_folder(folder, out):  # --out is created when missing
            folder = next(p for p in (out, *out.parents) if p.exists())
        _writable_folder(arg, path, folder)
    if out is not None:
        if out.exists() and not out.is_dir():
            raise InputError(
                f"--out {str(out)!r} is a file; --out names a folder (created when missing)."
            )
        _writable_folder("--out", out, next(p for p in (out, *out.parents) if p.exists()))
        for name in out_files:
            if (out / name).is_dir() and not name.endswith(".parquet"):
                raise InputError(
                    f"--out {str(out)!r}: {str(out / name)!r} is a folder, where the command "
                    f"writes its file {name!r}; choose another --out folder."
                )
        given += [(f"--out {str(out)!r}", out / name) for name in out_files]
    for i, (arg, path) in enumerate(given):
        for source_arg, source in read:
            if same_file(path, source):
                raise InputError(
                    f"{arg}: path={str(path)!r} is the input file {str(source)!r} "
                    f"({source_arg}); writing it would destroy the input: choose another "
                    "output file name."
                )
        for other_arg, other in given[:i]:
            if same_file(path, other):
                raise InputError(
                    f"{arg}: path={str(path)!r} is the same file as {other_arg} "
                    f"{str(other)!r}; give every output its own file name."
                )


#: Output option → (allowed suffixes, what is written), for :func:`check_paths`.
OUTPUT_FORMATS = {
    "--xlsx": ((".xlsx",), "a workbook"),
    "--roster": ((".xlsx",), "a workbook"),
    "--gpkg": ((".gpkg",), "a GeoPackage"),
    "--html": ((".html", ".htm"), "a map"),
    "--csv": ((".csv",), "a table"),
    "--pdf": ((".pdf",), "a printed map"),
    "--png": ((".png",), "a printed map"),
    "--parquet": ((".parquet",), "a folder of partitioned GeoParquet"),
}

#: Outputs that are folders (replaced as a whole when written before by the same command).
FOLDER_OUTPUTS = frozenset({"--parquet"})

#: Files read with a Shapefile besides the .shp itself.
_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")


def _files(path: Path) -> list[Path]:
    """The files an input stands for: a folder's files, a Shapefile with its sidecars."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file())
    if path.suffix.lower() == ".shp":
        return [path, *(s for s in map(path.with_suffix, _SIDECARS) if s.exists())]
    return [path] if path.exists() else []


def same_folder(a: Path, b: Path) -> bool:
    """Whether two folder paths name the same folder (either may not exist yet)."""
    return Path(os.path.abspath(a)) == Path(os.path.abspath(b))


def _writable_folder(arg: str, path: Path, folder: Path) -> None:
    """Refuse ``path`` when its ``folder`` is missing or cannot be written."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"{arg}: path={str(path)!r}: {str(folder)!r} is a file, not a folder; choose a "
            "path in a folder."
        )
    if not folder.is_dir():
        raise DataFileError(
            f"{arg}: path={str(path)!r}: the folder {str(folder)!r} does not exist; create it "
            "first."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(
            f"{arg}: path={str(path)!r}: the folder {str(folder)!r} is not writable; choose a "
            "folder you may write to."
        )


def extra_layer(args: argparse.Namespace, given: Path | None, layer: str) -> pd.DataFrame | None:
    """A layer from its own file ``given``, else the layer ``layer`` of the input GeoPackage
    or folder (``args.path``; a file of that name in any letter case); None if absent.

    Read as :func:`add_reading_options` say (``--coords``, ``--lon``/``--lat``, ``--crs``,
    ``--encoding``, ``--repair``); lon/lat converted to WGS84.
    """
    from gridparty.core.io import VECTOR_SUFFIXES, layer_names, read_features

    path: Path = args.path
    options = read_options(args)
    if given is not None:
        if not given.exists():
            raise InputError(f"{str(given)!r} does not exist; check the path.")
        return read_features(given, **options)  # type: ignore[arg-type]  # the options' types
    if path.is_file() and path.suffix.lower() == ".gpkg":
        names = {name.lower(): name for name in layer_names(path)}
        if layer.lower() not in names:
            return None
        return read_features(path, layer=names[layer.lower()], **options)  # type: ignore[arg-type]  # the options' types
    if path.is_dir():
        found = find_file(path, (layer,), VECTOR_SUFFIXES)
        return read_features(found, **options) if found else None  # type: ignore[arg-type]  # the options' types
    return None


def find_file(folder: Path, names: Sequence[str], suffixes: Sequence[str]) -> Path | None:
    """The file of ``folder`` named one of ``names`` (the first name found wins; letter case
    ignored, as for the level files) with one of ``suffixes``; None if there is none."""
    files: dict[str, Path] = {}
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.suffix.lower() in suffixes:
            files.setdefault(p.stem.lower(), p)
    return next((files[n.lower()] for n in names if n.lower() in files), None)


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
    parser.add_argument(
        "--columns",
        nargs="*",
        default=[],
        metavar="[LEVEL:]COLUMN=CODE",
        help="your column names for the ones gridparty does not recognise, e.g. WGBH=grid_id "
        "东经=lon 北纬=lat (applied to every layer that has the column), or per level, e.g. "
        "community:code=community_id grid:code=grid_id (codes: docs/getting-started.md)",
    )
    add_reading_options(parser)
    parser.add_argument(
        "--merge-parts",
        action="store_true",
        help="dissolve polygon rows that share an id (a multi-part community or grid) into one",
    )


def add_reading_options(parser: argparse.ArgumentParser) -> None:
    """Add how files are read, the same on every command that reads input: ``--coords``,
    ``--lon``/``--lat``, ``--crs``, ``--encoding`` and ``--repair``."""
    add_coords_option(parser)
    parser.add_argument("--lon", help="longitude / X column of CSV/Excel tables")
    parser.add_argument("--lat", help="latitude / Y column of CSV/Excel tables")
    parser.add_argument(
        "--crs",
        type=_crs_text,
        metavar="EPSG",
        help="CRS of inputs that carry none: CSV/Excel coordinates that are not lon/lat "
        "degrees, or a Shapefile without its .prj, e.g. EPSG:4547 (files with a CRS keep it)",
    )
    add_encoding_option(parser)
    parser.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid geometries with make_valid (reported as info rows or a warning)",
    )


def read_options(args: argparse.Namespace, level: str | None = None) -> dict[str, object]:
    """The keyword arguments of :func:`gridparty.core.io.read_features` that
    :func:`add_reading_options` set (``--coords`` of ``level`` when given per level)."""
    coords = (args.level_coords or {}).get(level, args.coords) if level else args.coords
    return {
        "coords": coords,
        "encoding": args.encoding,
        "lon": args.lon,
        "lat": args.lat,
        "crs": args.crs,
        "repair": args.repair,
    }


def read_input(args: argparse.Namespace) -> Hierarchy:
    """Read the hierarchy named by :func:`add_input_options`' arguments (ids kept, never dropped).

    A folder written by :func:`gridparty.write_partitioned` is read partition by partition.
    """
    from gridparty.core.io import read_hierarchy

    if _partitioned(args.path):
        from gridparty.distributed.partitioned import read_partitioned

        progress(f"reading the partitioned hierarchy {args.path}")
        return read_partitioned(args.path).to_hierarchy()
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
        merge_parts=args.merge_parts,
    )


def _level_pair(item: str) -> tuple[str, str]:
    from gridparty.core.errors import InputError

    level, sep, name = item.partition("=")
    if not sep or not name:
        raise InputError(f"--layers {item!r} must look like LEVEL=NAME, e.g. grid=网格2024.")
    return level, name


def input_columns(args: argparse.Namespace) -> dict[str, str] | dict[str, dict[str, str]] | None:
    """``--columns`` as a ``columns=`` mapping (None when not given).

    ``COLUMN=CODE`` items give a flat mapping (every layer that has the column);
    ``LEVEL:COLUMN=CODE`` items one nested by level. The two kinds cannot be mixed.
    """
    pairs = [_column_pair(item) for item in args.columns]
    if not pairs:
        return None
    levelled = [level for level, _, _ in pairs if level is not None]
    if not levelled:
        return {column: code for _, column, code in pairs}
    if len(levelled) < len(pairs):
        flat = next(item for item, (lv, _, _) in zip(args.columns, pairs, strict=True) if not lv)
        raise InputError(
            f"--columns {flat!r}: name its level too when other items do, e.g. grid:{flat}."
        )
    nested: dict[str, dict[str, str]] = {}
    for level, column, code in pairs:
        nested.setdefault(str(level), {})[column] = code
    return nested


def _column_pair(item: str) -> tuple[str | None, str, str]:
    column, sep, code = item.rpartition("=")
    if not sep or not column or not code:
        raise InputError(
            f"--columns {item!r} must look like COLUMN=CODE or LEVEL:COLUMN=CODE, e.g. "
            "WGBH=grid_id or grid:code=grid_id."
        )
    level, colon, name = column.partition(":")
    if colon and level in LEVELS and name:
        return level, name, code
    if colon and level.isascii() and level.isalpha() and level not in LEVELS:
        raise InputError(
            f"--columns {item!r}: {level!r} is not a level; use one of {', '.join(LEVELS)}, "
            "e.g. grid:code=grid_id."
        )
    return None, column, code


def add_fail_on_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--fail-on {error,warning,never}``: exit 1 when problems this bad are found."""
    parser.add_argument(
        "--fail-on",
        choices=["error", "warning", "never"],
        default="never",
        help="exit with code 1 when problems of this severity (or worse) are found, in the "
        "input or the results (default never)",
    )


#: The columns of a problem row, as every check writes them.
_PROBLEM_COLUMNS = ["level", "id", "check", "severity", "message"]


def run_problems(h: Hierarchy | None, *results: object) -> pd.DataFrame:
    """Every problem of a run, for ``--fail-on`` and the console: the reading problems of
    ``h`` (``h.load_issues``) and the rows of each result table that has a ``severity``
    column (findings, issues, problems ...), in ``level, id, check, severity, message``."""
    from gridparty.core.results import Tables

    tables = [h.load_issues] if h is not None else []
    for result in results:
        if isinstance(result, Tables):
            tables += [t for t in result.tables().values() if "severity" in t.columns]
        elif isinstance(result, pd.DataFrame) and "severity" in result.columns:
            tables.append(result)
    shown = [
        pd.DataFrame(t).reindex(columns=_PROBLEM_COLUMNS).astype(object) for t in tables if len(t)
    ]
    if not shown:
        return pd.DataFrame(columns=_PROBLEM_COLUMNS)
    return pd.concat(shown, ignore_index=True)


def finish(
    args: argparse.Namespace,
    h: Hierarchy | None,
    results: Sequence[object],
    outputs: Sequence[tuple[Path | None, Callable[..., object], str]],
    draw: Callable[[], folium.Map] | None = None,
) -> int:
    """The end every analysing command shares: print the problems of the run
    (:func:`run_problems` of ``h`` and ``results``), make ``--out``, write each output, draw
    the map to ``--html``, and return the ``--fail-on`` exit code.

    Parameters
    ----------
    args : Namespace
        The parsed command line (``lang``, ``fail_on``, ``html``, ``out`` and the parameters
        of the run for the notes sheet).
    h : Hierarchy or None
        The hierarchy read (its reading problems count).
    results : sequence
        The results whose problem tables count (:class:`gridparty.core.results.Tables`).
    outputs : sequence of (path, write, what)
        Each file output: its path (None: not asked for), the function writing it, and the
        word printed before the path (``workbook: check.xlsx``). A workbook (``.xlsx``) is
        written as ``write(path, lang=..., notes=...)`` with ``--lang`` and :func:`run_notes`,
        any other file as ``write(path)``.
    draw : callable, optional
        Makes the map written to ``args.html`` and printed to ``--pdf``/``--png`` (drawn only
        when one of them is asked for).
    """
    found = run_problems(h, *results)
    if len(found):
        print_problems(found, args.lang)
    make_out(args)
    notes = run_notes(args)
    for path, write, what in outputs:
        if path is None:
            continue
        progress(f"writing {path.name}")
        if path.suffix.lower() == ".xlsx":
            write(path, lang=args.lang, notes=notes)
        else:
            write(path)
        print(f"{what}: {path}")
    if draw is not None and map_wanted(args, args.html):
        progress("drawing the map")
        write_map(draw(), args.html, args)
    return fail_code(found, args.fail_on)


def fail_code(problems: pd.DataFrame | None, fail_on: str | None) -> int:
    """The exit code for ``--fail-on``: 1 when ``problems`` has a row as bad, else 0."""
    if fail_on in (None, "never") or problems is None or not len(problems):
        return 0
    worse = {"error": {"error"}, "warning": {"error", "warning"}}[fail_on]
    return int(problems["severity"].isin(worse).any())


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """Add what every analysing command offers after its own options: ``--out``,
    ``--fail-on``, ``--tiles``, ``--tiles-attribution`` and ``--lang``."""
    add_out_option(parser)
    add_fail_on_option(parser)
    add_map_options(parser)


def add_out_option(parser: argparse.ArgumentParser, default: Path | None = None) -> None:
    """Add ``--out DIR``: write every output with its fixed file name into DIR."""
    parser.add_argument(
        "--out",
        type=Path,
        default=default,
        metavar="DIR",
        help="output folder (created when missing) for every output under its standard file "
        "name" + (f" (default: ./{default})" if default else ""),
    )


def out_paths(
    args: argparse.Namespace,
    inputs: Mapping[str, Path | None],
    names: Mapping[str, str],
    only_given: Mapping[str, Path | None] | None = None,
) -> None:
    """Check every output (:func:`check_paths`), filling the file options not given with their
    standard file in ``--out``.

    ``names`` maps a file option's flag (``"--xlsx"``) to its standard file name in ``--out``
    (``"check.xlsx"``); ``only_given`` are outputs written only when asked for by their own
    flag (a roster of personal data is never a default output). Nothing is created here: :func:`make_out` makes the folder before the
    first write, so a bad input leaves no folder behind.
    """
    given = {flag: getattr(args, flag[2:].replace("-", "_")) for flag in names}
    given.update(only_given or {})
    out = getattr(args, "out", None)
    filled = {flag: name for flag, name in names.items() if given[flag] is None}
    if "--html" in names:
        html = given["--html"] or (out / names["--html"] if out is not None else None)
        given.update(print_paths(args, html))
    check_paths(inputs, given, out=out, out_files=tuple(filled.values()) if out else ())
    if out is not None:
        for flag, name in filled.items():
            setattr(args, flag[2:].replace("-", "_"), out / name)


def make_out(args: argparse.Namespace) -> None:
    """Create the ``--out`` folder (if given) just before the first output is written."""
    if getattr(args, "out", None) is not None:
        args.out.mkdir(parents=True, exist_ok=True)


#: Options that are not parameters of the analysis (outputs, display), left off the notes sheet.
_NOT_NOTED = {
    "run",
    "csv",
    "xlsx",
    "html",
    "gpkg",
    "roster",
    "out",
    "tiles",
    "pdf",
    "png",
    "paper",
    "parquet",
    "_explicit_coords",
}


def run_notes(args: argparse.Namespace) -> dict[str, object]:
    """The parameters of a run for a workbook's notes sheet (说明): every option given or
    defaulted, outputs and display options left out."""
    return {
        k: v
        for k, v in sorted(vars(args).items())
        if k not in _NOT_NOTED and v is not None and v != [] and not callable(v)
    }


def _partitioned(path: Path) -> bool:
    from gridparty.distributed.partitioned import MARKER

    return (Path(path) / MARKER).is_file()


def add_cluster_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--workers`` and ``--scheduler`` (the work on a Dask cluster, ``gridparty[dask]``)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="run the assignment and the checks on a local Dask cluster of N worker processes "
        "(PATH must be a folder written by gridparty.write_partitioned; needs gridparty[dask])",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the assignment and the checks on a running Dask cluster, e.g. "
        "tcp://host:8786 (every worker must see PATH, a folder written by "
        "gridparty.write_partitioned)",
    )


def on_cluster(args: argparse.Namespace) -> bool:
    """Whether ``--workers`` or ``--scheduler`` was given."""
    return (
        getattr(args, "workers", None) is not None or getattr(args, "scheduler", None) is not None
    )


@contextlib.contextmanager
def cluster_client(args: argparse.Namespace) -> Iterator[Any]:
    """The Dask client of ``--workers``/``--scheduler`` (its dashboard link printed), closed
    with its local cluster on leaving; refuses a PATH that is not a partitioned hierarchy."""
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    option = "--workers" if workers is not None else "--scheduler"
    if workers is not None and workers < 1:
        raise InputError(f"--workers {workers}: give a number of worker processes >= 1.")
    if not _partitioned(args.path):
        raise InputError(
            f"{option} needs PATH to be a partitioned hierarchy, but {str(args.path)!r} is not; "
            "write one with gridparty.write_partitioned(gridparty.read_hierarchy(PATH), FOLDER)."
        )
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(f"{option} needs Dask: pip install 'gridparty[dask]'.") from None
    cluster = None
    if workers is not None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(
                f"--scheduler {scheduler}: no Dask scheduler answers there ({exc}); start one "
                "with `dask scheduler` or check the address."
            ) from None
    try:
        print(f"Dask dashboard: {client.dashboard_link}")
        yield client
        if bars_shown():
            print()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def assign_input(args: argparse.Namespace, h: Hierarchy) -> Assignment:
    """:func:`gridparty.assign` of ``h``, on the Dask cluster ``--workers``/``--scheduler`` name."""
    from gridparty.spatial.assign import Assignment, assign

    if not on_cluster(args):
        progress(f"assigning parents: {h}")
        return assign(h)
    with cluster_client(args) as client:
        _, table = assign_on_cluster(client, args)
    return Assignment.from_table(h, table)


def assign_on_cluster(
    client: Any, args: argparse.Namespace
) -> tuple[PartitionedHierarchy, pd.DataFrame]:
    """PATH as a partitioned hierarchy and its assignment table, computed on ``client``."""
    from gridparty.distributed.engine import distributed_assign
    from gridparty.distributed.partitioned import read_partitioned

    ph = read_partitioned(args.path)
    progress(f"assigning parents on the cluster: {ph}")
    table = distributed_assign(ph, client=client, progress=bars_shown())
    if bars_shown():
        print()
    return ph, table


def bars_shown() -> bool:
    """Whether the cluster's progress bars are shown: not with ``--quiet``."""
    return not SHOW_PROGRESS["quiet"]
