"""The map of a whole hierarchy: communities, grids, buildings, issues, legend, layer control."""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import text
from gridparty.core.model import Hierarchy, building_counts
from gridparty.maps.base import Tiles, map_settings, start_map
from gridparty.maps.bigcity import BUILDING_ZOOM, add_aggregated, aggregated
from gridparty.maps.layers import add_buildings, add_communities, add_grids, add_issues
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT

__all__ = [
    "hierarchy_map",
    "layer_bounds",
]


def hierarchy_map(
    h: Hierarchy,
    *,
    issues: gpd.GeoDataFrame | None = None,
    tiles: Tiles = "osm",
    lang: str = "zh",
    min_count: int = DEFAULT_MIN_COUNT,
    assets: str = "inline",
    messages: bool = False,
    m: folium.Map | None = None,
    title: str | None = None,
    detail: str = "auto",
    backend: str = "folium",
) -> Any:
    """A map of the hierarchy for sharing: aggregates only, no household points.

    Layers (each switchable in the layer control): communities, grids (coloured by party
    branch), buildings (coloured by party group) and, when given, validation issues. Popups
    show public columns and counts of households, member households, formal and
    probationary members and hub households; counts below ``min_count`` show as ``"<5"``.

    Parameters
    ----------
    h : Hierarchy
        The hierarchy (parent ids as they stand; run :func:`gridparty.spatial.assign` first to fill
        missing ones).
    issues : GeoDataFrame, optional
        :func:`gridparty.checks.validate` output to draw on top (household-level rows are counted
        in the legend, never drawn).
    tiles : str or xyzservices.TileProvider
        Base tiles, as for :func:`gridparty.maps.base_map`; with Gaode tiles all data is
        shown in GCJ-02.
    lang : {"zh", "en"}
        Label language.
    min_count : int
        Small-count threshold (0 shows every count).
    assets : {"inline", "cdn"}
        Inline Leaflet (works offline, default) or link it from a CDN.
    messages : bool
        Show issue messages in popups (they may quote small member counts).
    m : folium.Map, optional
        Draw onto this map (its tiles and language stay) instead of a new one.
    title : str, optional
        Title shown at the top of the map (plain text).
    detail : {"auto", "full", "aggregate"}
        ``"full"`` draws every building as a feature; ``"aggregate"`` adds a layer of grids
        coloured by their number of buildings, shown below zoom 16, and draws buildings (from a
        compact encoding, outlines simplified within 1 m) only from zoom 16 on, those in view;
        ``"auto"`` (default) aggregates above 5,000 buildings (see :mod:`gridparty.maps.bigcity`).
    backend : {"folium", "lonboard"}
        ``"lonboard"`` returns a ``lonboard.Map`` (WebGL, for notebooks, a million features) with
        the same layers and colours; needs ``pip install gridparty[lonboard]``. ``tiles``,
        ``assets``, ``m``, ``title`` and ``detail`` apply to folium maps only.

    Returns
    -------
    folium.Map or lonboard.Map
        Save a folium map with :func:`gridparty.maps.save_map` or show it in Jupyter.

    Raises
    ------
    InputError
        If communities, grids and buildings are all empty, or an argument is invalid.

    Examples
    --------
    >>> import gridparty as gp
    >>> m = gp.hierarchy_map(gp.sample_city())
    >>> type(m).__name__
    'GridpartyMap'
    """
    if not isinstance(h, Hierarchy):
        raise InputError(
            f"h must be a gridparty.Hierarchy, got {type(h).__name__}; build one with "
            "gridparty.Hierarchy(communities, grids, buildings, households)."
        )
    if backend == "lonboard":
        from gridparty.maps.webgl import hierarchy_lonboard

        return hierarchy_lonboard(h, issues=issues, lang=lang, min_count=min_count)
    if backend != "folium":
        raise InputError(
            f"backend={backend!r} is not known; use 'folium' (HTML maps) or 'lonboard' "
            "(WebGL in notebooks, pip install gridparty[lonboard])."
        )
    big = aggregated(detail, len(h.buildings))
    layers = [h.communities, h.grids, h.buildings]
    m = start_map(
        m,
        layer_bounds(layers),
        tiles=tiles,
        lang=lang,
        assets=assets,
        title=title,
        sources=h.sources,
    )
    groups = []
    if len(h.communities):
        groups.append(
            add_communities(m, h.communities, counts=h.summary("community"), min_count=min_count)
        )
    lang_ = map_settings(m).lang
    notes: list[str] = []
    if big:
        groups += add_aggregated(
            m,
            h.grids,
            h.buildings,
            grid_counts=h.summary("grid"),
            building_counts=building_counts(h.households),
            min_count=min_count,
            lang=lang_,
        )
        notes.append(text("buildings_zoom_note", lang_).format(zoom=BUILDING_ZOOM))
    else:
        if len(h.grids):
            groups.append(add_grids(m, h.grids, counts=h.summary("grid"), min_count=min_count))
        if len(h.buildings):
            counts = building_counts(h.households)
            groups.append(add_buildings(m, h.buildings, counts=counts, min_count=min_count))
    if issues is not None:
        groups.append(add_issues(m, issues, messages=messages))
        hidden = int(issues["level"].astype(TEXT_DTYPE).eq("household").fillna(False).sum())
        if hidden:
            notes.append(text("household_issues_hidden", lang_).format(n=hidden))
    add_legend(m, [k for g in groups for k in g.legend_keys], notes=notes, groups=groups)  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    add_layer_control(m)
    return m


def layer_bounds(layers: list[gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    boxes = np.array([f.total_bounds for f in layers if len(f)], dtype=float).reshape(-1, 4)
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    if not len(boxes):
        raise InputError(
            "h has no communities, grids or buildings with geometry: there is nothing to map."
        )
    return (*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0))
