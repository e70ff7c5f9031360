"""WebGL maps in notebooks with lonboard (``backend="lonboard"``): a million features.

The layers and colours are those of the folium maps (:data:`~gridparty.maps.styles.STYLES`);
each layer carries only the public texts of its folium popups (tooltip and popup values, small
counts suppressed), under the popup labels. lonboard is optional:
``pip install "gridparty[lonboard]"`` (it needs pyarrow).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.model import Hierarchy, building_counts
from gridparty.maps.layers import (
    building_styles,
    grid_styles,
    issue_table,
    layer_frame,
    unit_table,
)
from gridparty.maps.privacy import DEFAULT_MIN_COUNT
from gridparty.maps.styles import STYLES

__all__ = ["hierarchy_lonboard", "import_lonboard", "rgba"]


def import_lonboard() -> Any:
    """The ``lonboard`` module, or a one-line :class:`InputError` naming the extra."""
    try:
        lonboard = importlib.import_module("lonboard")
    except ImportError:
        raise InputError(
            "backend='lonboard' needs the optional lonboard package; install it with "
            "pip install 'gridparty[lonboard]' or use backend='folium'."
        ) from None
    return lonboard


def rgba(styles: Sequence[str], *, fill: bool) -> np.ndarray:
    """RGBA colours (uint8, one row per style key) of :data:`STYLES`: the fill colour with the
    style's fill opacity, or the outline colour (opaque).

    Examples
    --------
    >>> rgba(["grid_branch"], fill=False).tolist()
    [[0, 102, 74, 255]]
    """
    out = np.zeros((len(styles), 4), dtype=np.uint8)
    for key in dict.fromkeys(styles):
        style = STYLES[key]
        colour = style.fill_color if fill else style.color
        alpha = round(255 * style.fill_opacity) if fill and style.fill else 0 if fill else 255
        value = [int(colour[i : i + 2], 16) for i in (1, 3, 5)] + [alpha]
        out[[k == key for k in styles]] = value
    return out


def _table(
    frame: gpd.GeoDataFrame,
    tips: Sequence[str],
    labels: Sequence[str],
    values: pd.DataFrame,
    lang: Lang,
) -> gpd.GeoDataFrame:
    """Only what the folium popup shows: the tooltip (as ``name``) and the values under their
    labels."""
    columns: dict[str, Any] = {text("name", lang): pd.array(list(tips), dtype=TEXT_DTYPE)}
    for label, column in zip(labels, values.columns, strict=True):
        columns[label] = values[column].astype(TEXT_DTYPE).fillna("—").to_numpy()
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_numpy(), crs=frame.crs)


def _layer(lonboard: Any, table: gpd.GeoDataFrame, styles: Sequence[str], **options: Any) -> Any:
    geoms = np.asarray(table.geometry.array, dtype=object)
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all():
        radius = np.array([STYLES[k].radius for k in styles], dtype=np.float32)
        return lonboard.ScatterplotLayer.from_geopandas(
            table,
            get_fill_color=rgba(styles, fill=True),
            get_line_color=rgba(styles, fill=False),
            get_radius=radius,
            radius_units="pixels",
            stroked=True,
            line_width_units="pixels",
            **options,
        )
    return lonboard.PolygonLayer.from_geopandas(
        table,
        get_fill_color=rgba(styles, fill=True),
        get_line_color=rgba(styles, fill=False),
        get_line_width=np.array([STYLES[k].weight for k in styles], dtype=np.float32),
        line_width_units="pixels",
        **options,
    )


def hierarchy_lonboard(
    h: Hierarchy,
    *,
    issues: gpd.GeoDataFrame | None = None,
    lang: str = "zh",
    min_count: int = DEFAULT_MIN_COUNT,
) -> Any:
    """The hierarchy map as a ``lonboard.Map`` (``hierarchy_map(h, backend="lonboard")``).

    Layers, bottom to top: grids (by party branch), buildings (by party group), community
    outlines and one marker per validation issue, sized and coloured by severity (household
    rows are never drawn). Hover tooltips show the public texts of the folium popups.

    Parameters
    ----------
    h : Hierarchy
        The hierarchy.
    issues : GeoDataFrame, optional
        :func:`gridparty.checks.validate` output.
    lang : {"zh", "en"}
        Label language.
    min_count : int
        Small-count threshold of the tooltips.

    Returns
    -------
    lonboard.Map
        Show it in Jupyter; ``.to_html(path)`` writes it for sharing.

    Raises
    ------
    InputError
        When lonboard is not installed (``pip install "gridparty[lonboard]"``).
    """
    lonboard = import_lonboard()
    lang_ = check_lang(lang)
    layers = []
    for level, frame_of, argument, counts, styles_of in (
        ("grid", h.grids, "grids", h.summary("grid"), grid_styles),
        ("building", h.buildings, "buildings", building_counts(h.households), building_styles),
        ("community", h.communities, "communities", h.summary("community"), None),
    ):
        if not len(frame_of):
            continue
        frame = layer_frame(frame_of, argument)
        tips, labels, values = unit_table(frame, level, counts, lang=lang_, min_count=min_count)
        styles = styles_of(frame) if styles_of else ["community_boundary"] * len(frame)
        options = {"filled": False} if level == "community" else {}
        layers.append(
            _layer(lonboard, _table(frame, tips, labels, values, lang_), styles, **options)
        )
    if issues is not None:
        layers += _issue_layer(lonboard, issues, lang_)
    return lonboard.Map(layers)


def _issue_layer(lonboard: Any, issues: gpd.GeoDataFrame, lang: Lang) -> list[Any]:
    frame, tips, labels, values, styles = issue_table(issues, lang=lang, messages=False)
    if not len(frame):
        return []
    points = frame.geometry.representative_point()
    table = _table(gpd.GeoDataFrame(geometry=points, crs=frame.crs), tips, labels, values, lang)
    return [_layer(lonboard, table, [f"{s}_marker" for s in styles])]
