"""The delineation map: proposed grids against existing grids, moving buildings highlighted.

Proposed grids are coloured by whether their households lie in the band; existing grids are
drawn as dashed outlines above them; buildings that change grid (a redraw with
``keep_existing=True``) are drawn in blue with their old and new grid. Popups show ids,
counts (household counts below ``min_count`` show as ``"<5"``), the party organisation and
the compactness. No household points, no personal data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd

from gridparty.core.coords import ensure_wgs84
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.core.results import header
from gridparty.maps.base import base_map
from gridparty.maps.hierarchy import layer_bounds
from gridparty.maps.layers import add_communities, add_features, label_colon
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT, check_min_count, suppress_small_counts

if TYPE_CHECKING:
    from gridparty.delineation.grids import GridDelineation

__all__ = ["delineation_map"]

#: Grid status → style key (and legend label key).
_STATUS_STYLES = {
    "in band": "delineation_in_band",
    "below min": "delineation_below_min",
    "above max": "delineation_above_max",
}
_GRID_COLUMNS = (
    "grid_id",
    "community_id",
    "households",
    "buildings",
    "formal_members",
    "party_organisation",
    "polsby_popper",
    "kept",
)


def delineation_map(
    result: GridDelineation,
    *,
    tiles: str = "osm",
    lang: str = "zh",
    min_count: int = DEFAULT_MIN_COUNT,
    assets: str = "inline",
    existing: bool = True,
) -> folium.Map:
    """A map of a :class:`~gridparty.delineation.grids.GridDelineation` for sharing.

    Layers (each switchable): communities, proposed grids coloured by band status (in band,
    below the minimum, above the maximum), existing grids as dashed outlines, and the
    buildings that change grid.

    Parameters
    ----------
    result : GridDelineation
        From :func:`gridparty.delineate_grids`.
    tiles : {"osm", "cartodb", "gaode", "none"}
        Base tiles; with ``"gaode"`` everything is drawn in GCJ-02.
    lang : {"zh", "en"}
        Label language.
    min_count : int
        Household and member counts below this show as ``"<min_count"`` (0 shows every count).
    assets : {"inline", "cdn"}
        Inline Leaflet (offline, default) or link it.
    existing : bool
        Switch the existing grids' layer on when the map opens.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> m = gp.delineate_grids(h, keep_existing=True).map(tiles="none")
    >>> type(m).__name__
    'GridpartyMap'
    """
    from gridparty.delineation.grids import GridDelineation

    if not isinstance(result, GridDelineation):
        raise InputError(
            f"result must be a GridDelineation (gridparty.delineate_grids(h)), got "
            f"{type(result).__name__}."
        )
    lang_ = check_lang(lang)
    min_count = check_min_count(min_count)
    h = result.hierarchy
    if h is None:
        raise InputError("result has no hierarchy; build it with gridparty.delineate_grids(h).")
    grids = ensure_wgs84(result.grids, "grids")
    m = base_map(layer_bounds([h.communities, grids]), tiles=tiles, lang=lang_, assets=assets)
    m.gridparty_sources = h.sources  # type: ignore[attr-defined]  # save_map refuses to write over them
    groups = []
    if len(h.communities):
        groups.append(
            add_communities(m, h.communities, counts=h.summary("community"), min_count=min_count)
        )
    if len(grids):
        groups.append(_add_proposed(m, grids, lang_, min_count))
    if len(h.grids):
        groups.append(_add_existing(m, ensure_wgs84(h.grids, "grids"), lang_, existing))
    moving = result.moves
    if len(moving):
        groups.append(_add_moves(m, result, lang_, min_count))
    note = text("delineation_note", lang_).format(
        low=result.min_households, high=result.max_households, moved=len(moving)
    )
    add_legend(m, [k for g in groups for k in g.legend_keys], notes=[note])  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    add_layer_control(m)
    return m


def _add_proposed(
    m: folium.Map, grids: gpd.GeoDataFrame, lang: Lang, min_count: int
) -> folium.FeatureGroup:
    ids = pd.Series(grids.index.astype(TEXT_DTYPE), index=grids.index)
    values = pd.DataFrame(
        {
            "grid_id": ids,
            "community_id": grids["community_id"].astype(TEXT_DTYPE),
            "households": suppress_small_counts(grids["households"], min_count),
            "buildings": grids["buildings"].astype(TEXT_DTYPE),
            "formal_members": suppress_small_counts(grids["formal_members"], min_count),
            "party_organisation": grids["party_organisation"].astype(TEXT_DTYPE),
            "polsby_popper": [f"{v:.2f}" for v in grids["polsby_popper"]],
            "kept": [text("yes" if k else "no", lang) for k in grids["kept"]],
        },
        index=grids.index,
    )
    head = text("delineation_proposed", lang) + label_colon(lang)
    return add_features(
        m,
        grids,
        tips=(head + ids).tolist(),
        labels=[header(c, lang) for c in _GRID_COLUMNS],
        values=values[list(_GRID_COLUMNS)],
        styles=[_STATUS_STYLES[s] for s in grids["status"]],
        name=header("proposed_grids", lang),
        show=True,
    )


def _add_existing(
    m: folium.Map, grids: gpd.GeoDataFrame, lang: Lang, show: bool
) -> folium.FeatureGroup:
    ids = pd.Series(grids.index.astype(TEXT_DTYPE), index=grids.index)
    values = pd.DataFrame(
        {
            "grid_id": ids,
            "community_id": grids["community_id"].astype(TEXT_DTYPE)
            if "community_id" in grids
            else pd.Series(pd.NA, index=grids.index, dtype=TEXT_DTYPE),
        }
    )
    head = text("delineation_existing", lang) + label_colon(lang)
    return add_features(
        m,
        grids,
        tips=(head + ids).tolist(),
        labels=[header(c, lang) for c in values.columns],
        values=values,
        styles=["delineation_existing"] * len(grids),
        name=text("delineation_existing_layer", lang),
        show=show,
    )


def _add_moves(
    m: folium.Map, result: GridDelineation, lang: Lang, min_count: int
) -> folium.FeatureGroup:
    assert result.hierarchy is not None
    moves = result.moves.set_index("building_id")
    buildings = ensure_wgs84(result.hierarchy.buildings.loc[moves.index], "buildings")
    ids = pd.Series(moves.index.astype(TEXT_DTYPE), index=moves.index)
    values = pd.DataFrame(
        {
            "building_id": ids,
            "from_grid": moves["from_grid"].astype(TEXT_DTYPE),
            "to_grid": moves["to_grid"].astype(TEXT_DTYPE),
            "households": suppress_small_counts(
                result.buildings.loc[moves.index, "households"], min_count
            ),
        },
        index=moves.index,
    )
    head = text("delineation_moved", lang) + label_colon(lang)
    return add_features(
        m,
        buildings,
        tips=(head + ids).tolist(),
        labels=[header(c, lang) for c in values.columns],
        values=values,
        styles=["delineation_moved"] * len(moves),
        name=header("moves", lang),
        show=True,
    )
