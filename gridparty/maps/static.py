"""Static maps for reports: PNG and PDF drawn with matplotlib from the interactive map.

The print is drawn from the folium map of the same object (built without tiles): the layers
switched on when that map opens, their style classes of :data:`~gridparty.maps.styles.STYLES`,
the community and grid names of its labels and the legend classes it shows. So a print never
shows anything the shared map does not (no household points, no personal fields) and keeps
its colours (red and orange for problems only).

The page: title, the map in a metric CRS (the data's UTM zone, see
:func:`gridparty.core.coords.metric_crs`) with a scale bar and a north arrow, the legend (only
classes drawn) and the legend's notes. Chinese text needs a CJK font: one installed (Noto Sans
CJK, Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei ...) is found, or pass ``font=``.

matplotlib is an optional dependency (``pip install 'gridparty[print]'``), imported only when
a print is made.
"""

from __future__ import annotations

import html
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.atomic import atomic_path
from gridparty.core.coords import convert_geometries, metric_crs
from gridparty.core.errors import FontWarning, InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.model import Hierarchy
from gridparty.core.paths import refuse_sources
from gridparty.core.results import Tables
from gridparty.maps.base import MapTitle, map_settings
from gridparty.maps.layers import NameLabels
from gridparty.maps.legend import Legend
from gridparty.maps.styles import STYLES, Style

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "CJK_FONTS",
    "PAPERS",
    "PrintOptions",
    "find_cjk_font",
    "print_map",
    "static_figure",
    "to_pdf",
    "to_png",
]

#: Paper sizes in millimetres (width, height), portrait.
PAPERS: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
Orientation = Literal["auto", "portrait", "landscape"]
_ORIENTATIONS = ("auto", "portrait", "landscape")


class PrintOptions(TypedDict, total=False):
    """Keyword options of :func:`to_pdf` and :func:`to_png` (described and defaulted there)."""

    paper: str
    orientation: Orientation
    title: str | None
    dpi: int
    lang: str
    font: str | os.PathLike[str] | None
    basemap: bool


#: CJK font families looked for, in order of preference.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Noto Sans CJK JP",
    "Source Han Sans",
)
# File names of those fonts, for a matplotlib font cache made before they were installed.
_CJK_FILES = ("notosanscjk", "sourcehansans", "notosanssc", "wqy", "msyh", "simhei", "pingfang")

#: A name longer than this many characters is cut (ending in …) on the page.
MAX_LABEL_CHARS = 24
_MAX_TITLE_CHARS = 80
_MM = 1 / 25.4  # inches per millimetre
_PX = 0.75  # points per CSS pixel (Leaflet line widths and marker radii are pixels)
_DPI_RANGE = (20, 1200)
_FONT_STATE: dict[str, bool] = {"warned": False}


@dataclass
class _Layer:
    """One layer of the interactive map as drawn on paper."""

    frame: gpd.GeoDataFrame  # geometry (WGS84) and style key ``s``
    labels: list[tuple[float, float, str]] = field(default_factory=list)  # lon, lat, text
    label_zoom: int = 0


# --------------------------------------------------------------------------- fonts


def find_cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None.

    Looks for the families of :data:`CJK_FONTS`, in that order; fonts installed after
    matplotlib built its font cache are found too.

    Returns
    -------
    str or None
        E.g. ``"Noto Sans CJK SC"`` (Debian: ``apt install fonts-noto-cjk``).
    """
    from matplotlib import font_manager

    for attempt in range(2):
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((n for n in CJK_FONTS if n in names), None)
        if found or attempt:
            return found
        for path in font_manager.findSystemFonts():
            if any(k in Path(path).name.lower().replace("-", "") for k in _CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                    continue
    return None


def _font_family(font: str | os.PathLike[str] | None) -> list[str]:
    """matplotlib's font.family for a print: the CJK font first, DejaVu Sans for the rest."""
    from matplotlib import font_manager

    if font is not None:
        path = Path(font)
        if not path.is_file():
            raise InputError(
                f"font={str(font)!r} is not a font file; pass the path of a .ttf/.otf/.ttc "
                "font with Chinese glyphs, e.g. /usr/share/fonts/opentype/noto/"
                "NotoSansCJK-Regular.ttc, or leave font=None to find one."
            )
        try:
            font_manager.fontManager.addfont(str(path))
            name = font_manager.FontProperties(fname=str(path)).get_name()
        except (OSError, RuntimeError, ValueError) as exc:
            raise InputError(
                f"font={str(font)!r} cannot be read as a font ({exc}); pass a .ttf, .otf or "
                ".ttc file."
            ) from None
        return [name, "DejaVu Sans"]
    found = find_cjk_font()
    if found is None:
        if not _FONT_STATE["warned"]:
            _FONT_STATE["warned"] = True
            warnings.warn(
                "no CJK font found: Chinese text on printed maps shows as empty boxes. Install "
                "one (Debian/Ubuntu: apt install fonts-noto-cjk; Windows has Microsoft YaHei; "
                "macOS has PingFang SC) or pass font='path/to/font.ttc'.",
                FontWarning,
                stacklevel=4,
            )
        return ["DejaVu Sans"]
    return [found, "DejaVu Sans"]


# --------------------------------------------------------------------------- the map's content


def _folium_map(obj: object, lang: Lang) -> folium.Map:
    """The interactive map of ``obj``: a folium map as it is, else that of a hierarchy or
    of a result with ``.map()``, without tiles."""
    if isinstance(obj, folium.Map):
        return obj
    if isinstance(obj, Hierarchy):
        from gridparty.maps.hierarchy import hierarchy_map

        # every feature drawn: a print has no zoom levels to aggregate by
        full: folium.Map = hierarchy_map(obj, tiles="none", lang=lang, detail="full")
        return full
    method = getattr(obj, "map", None) if isinstance(obj, Tables) else None
    if callable(method):
        m = method(tiles="none", lang=lang)
        if isinstance(m, folium.Map):
            return m
    raise InputError(
        f"obj must be a gridparty map, a Hierarchy or a result with .map() (e.g. "
        f"gp.check_coverage(h)), got {type(obj).__name__}; for another result pass its map, "
        "e.g. to_pdf(gridparty.maps.flagship_map(zones), 'zones.pdf')."
    )


def _children(element: Any) -> Iterator[Any]:
    yield from element._children.values()


def _layers(m: folium.Map) -> tuple[list[_Layer], set[int]]:
    """The gridparty layers switched on when ``m`` opens, and the ids of their groups."""
    datum = map_settings(m).datum
    layers: list[_Layer] = []
    shown_groups: set[int] = set()
    for group in _children(m):
        if not hasattr(group, "legend_keys") or not getattr(group, "show", True):
            continue
        shown_groups.add(id(group))
        for child in _children(group):
            data = getattr(child, "data", None)
            if isinstance(child, folium.GeoJson) and isinstance(data, dict):
                layers.append(_Layer(_frame(data, datum)))
            elif isinstance(child, NameLabels) and layers:
                layers[-1].labels = [(x, y, html.unescape(t)) for y, x, t in child.items]
                layers[-1].label_zoom = int(child.min_zoom)
    return layers, shown_groups


def _frame(collection: dict[str, Any], datum: str) -> gpd.GeoDataFrame:
    features = collection.get("features", [])
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
    styles = [str(f["properties"]["s"]) for f in features]
    array = np.asarray(geoms, dtype=object)
    if datum == "gcj02" and len(array):
        array = np.asarray(convert_geometries(array, "gcj02", "wgs84"), dtype=object)
    return gpd.GeoDataFrame({"s": pd.Series(styles, dtype=object)}, geometry=array, crs=4326)


def _legend(m: folium.Map, shown_groups: set[int]) -> tuple[list[str], list[str]]:
    """Legend classes and notes of ``m`` as its legend shows them when the map opens: a class
    drawn by known layers only while one of them is on."""
    legend = next((c for c in _children(m) if isinstance(c, Legend)), None)
    if legend is None:
        return [], []
    keys = [
        k
        for k in legend.keys
        if k not in legend.layers or any(id(g) in shown_groups for g in legend.layers[k])
    ]
    return keys, list(legend.notes)


def _title(m: folium.Map, title: str | None, lang: Lang) -> str:
    if title is None:
        found = [c.html for c in _children(m) if isinstance(c, MapTitle)]
        title = html.unescape(found[-1]) if found else text("map_title", lang)
    return _cut(" ".join(str(title).split()), _MAX_TITLE_CHARS)


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


# --------------------------------------------------------------------------- drawing


def _rgba(color: str, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    return to_rgba(color, alpha)


def _linestyle(style: Style, width: float) -> Any:
    if not style.dash:
        return "solid"
    pattern = tuple(float(v) * _PX / max(width, 0.1) for v in style.dash.split())
    return (0, pattern)


def _draw_layer(ax: Axes, frame: gpd.GeoDataFrame, z: int) -> dict[str, str]:
    """Draw every style class of a layer; return key → ``"point"``/``"line"``/``"area"``."""
    kinds: dict[str, str] = {}
    types = shapely.get_type_id(np.asarray(frame.geometry.array, dtype=object))
    for key in dict.fromkeys(frame["s"]):
        style = STYLES[key]
        rows = (frame["s"] == key).to_numpy()
        width = style.weight * _PX
        dash = _linestyle(style, width)
        face = _rgba(style.fill_color, style.fill_opacity) if style.fill else "none"
        points = frame[rows & (types == 0)]
        lines = frame[rows & np.isin(types, (1, 2, 5))]
        areas = frame[rows & np.isin(types, (3, 6))]
        if len(areas):
            areas.plot(
                ax=ax,
                facecolor=face,
                edgecolor=style.color,
                linewidth=width,
                linestyle=dash,
                zorder=z + (50 if not style.fill else 0),
            )
            kinds[key] = "area"
        if len(lines):
            lines.plot(ax=ax, color=style.color, linewidth=width, linestyle=dash, zorder=z + 60)
            kinds.setdefault(key, "line")
        if len(points):
            size = (2 * style.radius * _PX) ** 2
            points.plot(
                ax=ax,
                marker="o",
                markersize=size,
                facecolor=face,
                edgecolor=style.color,
                linewidth=width,
                zorder=z + 100,
            )
            kinds.setdefault(key.removesuffix("_marker"), "point")
    return kinds


def _draw_labels(
    ax: Axes, layer: _Layer, frame: gpd.GeoDataFrame, crs: Any, mm_per_m: float
) -> None:
    """Names of a layer's features where they fit in the feature's width on the page:
    community names bold (9 pt, else 7 pt when that fits), grid names at 6 pt."""
    from matplotlib import patheffects

    if not layer.labels:
        return
    big = layer.label_zoom < 16  # communities; grids are labelled smaller
    names = [_cut(" ".join(name.split()), MAX_LABEL_CHARS) for _, _, name in layer.labels]
    sizes = np.full(len(names), 9.0 if big else 6.0)
    if len(frame) == len(names):
        bounds = frame.geometry.bounds
        width_mm = (bounds["maxx"] - bounds["minx"]).to_numpy() * mm_per_m
        chars = np.array([len(n) for n in names], dtype=float)

        def fits(points: float) -> np.ndarray:
            return np.asarray(width_mm >= chars * points * 0.3528 * 1.05)

        sizes = np.where(fits(sizes[0]), sizes, 7.0 if big else np.nan)
        if big:
            sizes = np.where(fits(7.0) | (sizes == 9.0), sizes, np.nan)
    xy = gpd.GeoSeries(shapely.points([(x, y) for x, y, _ in layer.labels]), crs=4326).to_crs(crs)
    at = shapely.get_coordinates(np.asarray(xy.array, dtype=object))
    for (x, y), name, size in zip(at, names, sizes, strict=True):
        if np.isnan(size):
            continue
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=float(size),
            fontweight="bold" if big else "normal",
            color="#1b2631",
            zorder=400 if big else 300,
            parse_math=False,
            clip_on=True,
            path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
        )


def _fit_extent(ax: Axes, bounds: np.ndarray, fig: Figure) -> float:
    """Set the axes to ``bounds`` (metres) plus a margin, at one scale in x and y; return
    millimetres on paper per metre."""
    box = ax.get_position()
    width_mm = box.width * fig.get_figwidth() / _MM
    height_mm = box.height * fig.get_figheight() / _MM
    x0, y0, x1, y1 = (float(v) for v in bounds)
    span_x, span_y = max(x1 - x0, 1.0) * 1.08 + 40, max(y1 - y0, 1.0) * 1.08 + 40
    scale = min(width_mm / span_x, height_mm / span_y)  # mm per metre
    half_x, half_y = width_mm / scale / 2, height_mm / scale / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - half_x, cx + half_x)
    ax.set_ylim(cy - half_y, cy + half_y)
    return scale


def _nice_length(span_m: float) -> float:
    """A round length (1, 2 or 5 × 10ⁿ metres) of about a fifth of ``span_m``."""
    target = span_m / 5
    power = 10 ** math.floor(math.log10(target))
    return float(max(v * power for v in (1, 2, 5) if v * power <= target))


def _scale_bar(ax: Axes, lang: Lang) -> None:
    """A metric scale bar at the lower left (the axes are in metres)."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    height = (y1 - y0) * 0.008
    left, bottom = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.04
    ax.add_patch(
        Rectangle(
            (left - length * 0.06, bottom - height * 1.5),
            length * 1.28,
            height * 6,
            facecolor=(1, 1, 1, 0.85),
            edgecolor="none",
            zorder=490,
        )
    )
    for i in range(4):
        ax.add_patch(
            Rectangle(
                (left + i * length / 4, bottom),
                length / 4,
                height,
                facecolor="#1b2631" if i % 2 == 0 else "white",
                edgecolor="#1b2631",
                linewidth=0.6,
                zorder=500,
            )
        )
    unit = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, label in ((left, "0"), (left + length, unit)):
        ax.text(
            x,
            bottom + height * 1.6,
            label,
            ha="center",
            va="bottom",
            fontsize=7.5,
            zorder=500,
            parse_math=False,
        )


def _north_arrow(ax: Axes, lang: Lang) -> None:
    """A north arrow at the upper right (the metric CRS has north up)."""
    ax.annotate(
        "N" if lang == "en" else "北",
        xy=(0.955, 0.955),
        xytext=(0.955, 0.865),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
        zorder=500,
        arrowprops={
            "arrowstyle": "-|>,head_width=0.35,head_length=0.7",
            "color": "#1b2631",
            "linewidth": 1.6,
        },
        bbox={
            "boxstyle": "circle,pad=0.25",
            "facecolor": "white",
            "edgecolor": "#1b2631",
            "linewidth": 0.6,
        },
    )


def _legend_handles(keys: Sequence[str], kinds: dict[str, str], lang: Lang) -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    for key in keys:
        style = STYLES[key]
        width = style.weight * _PX
        label = text(key, lang)
        face = _rgba(style.fill_color, min(1.0, style.fill_opacity + 0.25))
        kind = kinds.get(key, "area")
        if kind == "point":
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker="o",
                    markersize=2 * style.radius * _PX,
                    markerfacecolor=face,
                    markeredgecolor=style.color,
                    label=label,
                )
            )
        elif kind == "line" or not style.fill:
            handles.append(
                Line2D(
                    [],
                    [],
                    color=style.color,
                    linewidth=max(width, 1.0),
                    linestyle=_linestyle(style, max(width, 1.0)),
                    label=label,
                )
            )
        else:
            handles.append(
                Patch(
                    facecolor=face,
                    edgecolor=style.color,
                    linewidth=max(width, 0.6),
                    linestyle=_linestyle(style, max(width, 0.6)),
                    label=label,
                )
            )
    return handles


def _check_options(paper: str, orientation: str, dpi: object) -> tuple[str, str]:
    name = str(paper).upper()
    if name not in PAPERS:
        raise InputError(f"paper={paper!r} is not known; use one of {', '.join(PAPERS)}.")
    if orientation not in _ORIENTATIONS:
        raise InputError(
            f"orientation={orientation!r} is not known; use one of {', '.join(_ORIENTATIONS)} "
            "(auto: landscape when the data is wider than tall)."
        )
    low, high = _DPI_RANGE
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not low <= dpi <= high:
        raise InputError(f"dpi={dpi!r} must be a whole number from {low} to {high}, e.g. 200.")
    return name, orientation


def paper_size_mm(
    paper: str, orientation: str, bounds: Sequence[float] | None = None
) -> tuple[float, float]:
    """(width, height) of the page in millimetres; ``"auto"`` is landscape for ``bounds``
    (x0, y0, x1, y1) wider than tall."""
    short, long = PAPERS[str(paper).upper()]
    if orientation == "auto":
        wide = bounds is not None and (bounds[2] - bounds[0]) > (bounds[3] - bounds[1])
        orientation = "landscape" if wide else "portrait"
    return (long, short) if orientation == "landscape" else (short, long)


def static_figure(
    obj: object,
    *,
    paper: str = "A4",
    orientation: Orientation = "auto",
    title: str | None = None,
    lang: str = "zh",
    font: str | os.PathLike[str] | None = None,
    basemap: bool = False,
    dpi: int = 200,
) -> Figure:
    """The printed page of ``obj`` as a matplotlib Figure (see :func:`to_pdf`).

    Returns
    -------
    matplotlib.figure.Figure
        Not attached to pyplot; its size is the paper's, its dpi ``dpi``.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    paper, side = _check_options(paper, orientation, dpi)
    lang_ = check_lang(lang)
    m = _folium_map(obj, lang_)
    lang_ = map_settings(m).lang if isinstance(obj, folium.Map) else lang_
    layers, shown = _layers(m)
    if not any(len(layer.frame) for layer in layers):
        raise InputError(
            "the map has no layer with geometry switched on: there is nothing to print."
        )
    everything = pd.concat([layer.frame for layer in layers], ignore_index=True)
    crs = metric_crs(everything)
    projected = [layer.frame.to_crs(crs) for layer in layers]
    bounds = pd.concat(projected).total_bounds
    width_mm, height_mm = paper_size_mm(paper, side, tuple(float(v) for v in bounds))
    keys, notes = _legend(m, shown)
    family = _font_family(font)
    with rc_context({"font.family": family}):
        fig = Figure(figsize=(_pixels(width_mm, dpi) / dpi, _pixels(height_mm, dpi) / dpi), dpi=dpi)
        landscape = width_mm > height_mm
        margin = 10 / width_mm, 10 / height_mm
        top = 1 - 18 / height_mm
        panel = 62 / width_mm if landscape else 0.0
        rows = math.ceil(len(keys) / 3) + sum(_wrap(n, 110).count("\n") + 1 for n in notes)
        bottom = margin[1] + (0 if landscape else (14 + 4.5 * rows) / height_mm)
        ax = fig.add_axes((margin[0], bottom, 1 - 2 * margin[0] - panel, top - bottom))
        ax.set_facecolor("#f4f3ee")
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#7f8c8d")
            spine.set_linewidth(0.6)
        kinds: dict[str, str] = {}
        for i, frame in enumerate(projected):
            if len(frame):
                kinds.update(_draw_layer(ax, frame, 10 + i))
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_aspect("auto")  # geopandas set "equal" with a shrunk box; the extent keeps it
        mm_per_m = _fit_extent(ax, bounds, fig)
        for layer, frame in zip(layers, projected, strict=True):
            _draw_labels(ax, layer, frame, crs, mm_per_m)
        if basemap:
            _add_basemap(ax, crs)
        _scale_bar(ax, lang_)
        _north_arrow(ax, lang_)
        fig.text(
            0.5,
            1 - 9 / height_mm,
            _title(m, title, lang_),
            ha="center",
            va="center",
            fontsize=16,
            fontweight="bold",
            parse_math=False,
        )
        handles = _legend_handles(keys, kinds, lang_)
        if landscape:
            anchor, ncol = (1 - margin[0] - panel + 0.012, top), 1
        else:
            anchor, ncol = (margin[0], bottom - 0.012), 3
        if handles:
            legend = fig.legend(
                handles=handles,
                loc="upper left",
                bbox_to_anchor=anchor,
                ncol=ncol,
                fontsize=8,
                title=text("legend", lang_),
                title_fontsize=9,
                frameon=False,
                alignment="left",
                handlelength=2.2,
            )
            for t in legend.get_texts():
                t.set_parse_math(False)
        note = "\n".join(_wrap(n, 44 if landscape else 110) for n in notes)
        if note:
            fig.text(
                margin[0],
                margin[1] * 0.6,
                note,
                fontsize=6.5,
                color="#555555",
                ha="left",
                va="bottom",
                parse_math=False,
            )
        fig.text(
            1 - margin[0],
            margin[1] * 0.6,
            _crs_note(crs, lang_),
            fontsize=6.5,
            color="#555555",
            ha="right",
            va="bottom",
            parse_math=False,
        )
    fig.gridparty_font = family  # type: ignore[attr-defined]  # kept for savefig
    fig.gridparty_sources = tuple(getattr(m, "gridparty_sources", ()))  # type: ignore[attr-defined]
    return fig


def _pixels(mm: float, dpi: int) -> float:
    """Whole pixels of ``mm`` at ``dpi`` (a hair over, so matplotlib's truncation keeps it)."""
    return round(mm * _MM * dpi) + 1e-6


def _wrap(note: str, width: int) -> str:
    import textwrap

    lines = textwrap.wrap(" ".join(note.split()), width) or [""]
    return "\n".join(lines[:3])


def _crs_note(crs: Any, lang: Lang) -> str:
    name = crs.name if hasattr(crs, "name") else str(crs)
    return f"坐标系：{name}" if lang == "zh" else f"CRS: {name}"


def _add_basemap(ax: Axes, crs: Any) -> None:
    """OpenStreetMap tiles under the data (contextily, internet): a warning when unreachable."""
    try:
        import contextily
    except ImportError:
        raise InputError(
            "basemap=True needs contextily: pip install contextily (and internet access to "
            "the tiles); or leave basemap=False."
        ) from None
    try:
        contextily.add_basemap(ax, crs=crs, attribution="© OpenStreetMap contributors", zorder=0)
    except Exception as exc:  # no connection, a proxy, a tile server error: print without
        warnings.warn(
            f"basemap tiles could not be loaded ({type(exc).__name__}): the map is printed "
            "without a basemap.",
            FontWarning,
            stacklevel=3,
        )


def print_map(
    obj: object,
    path: str | os.PathLike[str],
    fmt: Literal["png", "pdf"],
    **options: Unpack[PrintOptions],
) -> Path:
    """Write the printed page of ``obj`` to ``path`` as PNG or PDF, atomically; see :func:`to_pdf`."""
    from matplotlib import rc_context

    target = Path(path)
    sources = [*getattr(obj, "sources", ()), *getattr(obj, "gridparty_sources", ())]
    sources += list(getattr(getattr(obj, "hierarchy", None), "sources", ()))
    refuse_sources(target, sources)
    if target.suffix.lower() != f".{fmt}":
        raise InputError(f"path={str(path)!r} must end in .{fmt} to write a {fmt.upper()} map.")
    if target.is_dir():
        raise InputError(f"path={str(path)!r} is a folder; name a file in it, e.g. map.{fmt}.")
    fig = static_figure(obj, **options)
    refuse_sources(target, fig.gridparty_sources)  # type: ignore[attr-defined]
    metadata: dict[str, Any] = (
        {"Software": None} if fmt == "png" else {"CreationDate": None, "Creator": "gridparty"}
    )
    with (
        rc_context({"font.family": fig.gridparty_font}),  # type: ignore[attr-defined]
        warnings.catch_warnings(),
        atomic_path(target) as tmp,
    ):
        if len(fig.gridparty_font) == 1:  # type: ignore[attr-defined]  # no CJK font: warned once
            warnings.filterwarnings("ignore", "Glyph .* missing from font", UserWarning)
        fig.savefig(tmp, format=fmt, dpi=fig.dpi, metadata=metadata, facecolor="white")
    return target


def to_png(obj: object, path: str | os.PathLike[str], **options: Unpack[PrintOptions]) -> Path:
    """Write a static map of ``obj`` as a PNG of the paper's size at ``dpi``; see :func:`to_pdf`.

    Returns
    -------
    Path
        ``path``; the image is ``paper`` millimetres at ``dpi`` (A4 at 200 dpi: 1654 × 2339
        pixels portrait).

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> path = gp.to_png(gp.sample_city(), os.path.join(tempfile.mkdtemp(), "city.png"), dpi=60)
    >>> path.name
    'city.png'
    """
    return print_map(obj, path, "png", **options)


def to_pdf(obj: object, path: str | os.PathLike[str], **options: Unpack[PrintOptions]) -> Path:
    """Write a static map of ``obj`` for reports as a PDF page, atomically.

    The page shows the layers the interactive map of ``obj`` shows when it opens, in its
    colours, with community and grid names, a legend of the classes drawn, a metric scale
    bar, a north arrow and a title; aggregates only, never personal data. The same input
    gives the same bytes.

    Parameters
    ----------
    obj : Hierarchy, result with ``.map()`` or gridparty map
        A :class:`~gridparty.Hierarchy` (its :func:`~gridparty.maps.hierarchy_map`), a result
        such as :func:`gridparty.check_coverage`'s, or a map made by a gridparty map function
        (``gridparty.maps.flagship_map(zones)``, ``gp.hierarchy_map(h, issues=issues)``).
    path : str or os.PathLike
        The file to write (``.pdf``); never one the data was read from.
    **options
        Keyword options (:class:`PrintOptions`), below.

    Other Parameters
    ----------------
    paper : {"A4", "A3"}
        Paper size (210 × 297 mm, 297 × 420 mm); default A4.
    orientation : {"auto", "portrait", "landscape"}
        Default ``"auto"``: landscape when the data is wider than tall.
    title : str, optional
        Title over the map (plain text, cut to 80 characters); the map's own title or
        "gridparty 网格党建地图" by default.
    dpi : int
        Resolution of the PNG, and of any raster part of the PDF (dots per inch, 20–1200;
        default 200).
    lang : {"zh", "en"}
        Language of the legend and labels (default zh; a given map keeps its own).
    font : str or os.PathLike, optional
        A font file with Chinese glyphs; by default an installed CJK font is found
        (:func:`find_cjk_font`).
    basemap : bool
        Draw OpenStreetMap tiles under the data (needs ``contextily`` and internet; default
        False).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        A bad paper, orientation, dpi, font or path (one the data was read from, a wrong
        suffix), or nothing to draw.

    Warns
    -----
    FontWarning
        Once, when no CJK font is found (Chinese text would show as boxes), or when basemap
        tiles cannot be loaded.

    Examples
    --------
    >>> import os, tempfile
    >>> import gridparty as gp
    >>> report = gp.check_coverage(gp.sample_city())
    >>> gp.to_pdf(report, os.path.join(tempfile.mkdtemp(), "coverage.pdf")).read_bytes()[:4]
    b'%PDF'
    """
    return print_map(obj, path, "pdf", **options)
