"""The mentoring-zone map: zones, flagship markers, mentoring links, mentees and the unreached.

Organisations are drawn as markers (a polygon organisation — a community, a grid — at a point
inside it). Popups show public values only: names, levels, distances in metres, and member
counts with counts below ``min_count`` shown as ``"<5"``. Secretaries and contacts (the
roster) never reach the map. The legend states the zone definition (radius or area, origin).
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.flagship.zones import MentoringZones
from gridparty.maps.base import Tiles, map_settings, start_map
from gridparty.maps.layers import add_communities, add_features, label_colon
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT, check_min_count, suppress_small_counts

__all__ = [
    "add_flagships",
    "add_mentees",
    "add_mentoring_links",
    "add_unreached",
    "add_zones",
    "flagship_map",
]


def flagship_map(
    zones: MentoringZones,
    *,
    communities: gpd.GeoDataFrame | None = None,
    links: bool = True,
    tiles: Tiles = "osm",
    lang: str = "zh",
    assets: str = "inline",
    min_count: int = DEFAULT_MIN_COUNT,
    m: folium.Map | None = None,
    title: str | None = None,
) -> folium.Map:
    """A map of flagship mentoring zones to hand to the flagship secretaries.

    Parameters
    ----------
    zones : MentoringZones
        From :func:`gridparty.flagship.zones.mentoring_zones`.
    communities : GeoDataFrame, optional
        Community outlines to draw underneath (``h.communities``).
    links : bool
        Draw a line from each mentee to its flagship.
    tiles, lang, assets
        As for :func:`gridparty.maps.base_map`.
    min_count : int
        Member counts below this are shown as ``"<min_count"``.
    m : folium.Map, optional
        Draw onto this map (its tiles and language stay) instead of a new one.
    title : str, optional
        Title shown at the top of the map (plain text).

    Returns
    -------
    folium.Map
    """
    if not isinstance(zones, MentoringZones):
        raise InputError(
            f"zones must be the result of mentoring_zones(), got {type(zones).__name__}."
        )
    check_min_count(min_count)
    frames = [zones.zones, zones.mentees, zones.unreached]
    bounds = pd.concat([f.geometry for f in frames if len(f)]).total_bounds
    m = start_map(
        m, bounds, tiles=tiles, lang=lang, assets=assets, title=title, sources=zones.sources
    )
    groups = [add_zones(m, zones)]
    if communities is not None and len(communities):
        groups.append(add_communities(m, communities, show=True))
    if links and len(zones.mentees):
        groups.append(add_mentoring_links(m, zones))
    if len(zones.mentees):
        groups.append(add_mentees(m, zones, min_count=min_count))
    if len(zones.unreached):
        groups.append(add_unreached(m, zones, min_count=min_count))
    groups.append(add_flagships(m, zones, min_count=min_count))
    lang_ = map_settings(m).lang
    notes = [
        zones.definition.describe(lang_),
        text("flagship_note_counts", lang_).format(
            mentees=len(zones.mentees), unreached=len(zones.unreached)
        ),
    ]
    keys = [k for g in groups for k in g.legend_keys]  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    add_legend(m, keys, notes=notes, groups=groups)
    add_layer_control(m)
    return m


def add_zones(m: folium.Map, zones: MentoringZones, *, show: bool = True) -> folium.FeatureGroup:
    """Add the zone polygons; popups give the definition, radius (m) and zone area (km²)."""
    lang = check_lang(map_settings(m).lang)
    z = zones.zones
    values = pd.DataFrame(
        {
            "definition": zones.definition.describe(lang),
            "radius_m": z["radius_m"].round(0).astype("int64").astype(TEXT_DTYPE),
            "zone_km2": z["zone_km2"].round(2).astype(TEXT_DTYPE),
        },
        index=z.index,
    )
    return add_features(
        m,
        z,
        tips=_titled("flagship_zone", z["name"], lang),
        labels=_labels(values, lang),
        values=values,
        styles=["flagship_zone"] * len(z),
        name=text("flagship_zones_layer", lang),
        show=show,
    )


def add_flagships(
    m: folium.Map, zones: MentoringZones, *, min_count: int = DEFAULT_MIN_COUNT, show: bool = True
) -> folium.FeatureGroup:
    """Add the flagship markers (the zone centres) with their load; members suppressed."""
    lang = check_lang(map_settings(m).lang)
    f = zones.flagships
    values = pd.DataFrame(
        {
            "flagship_id": f.index.astype(TEXT_DTYPE),
            "centre_source": f["centre_source"].map(lambda v: text(str(v), lang)),
            "mentees": f["mentees"].astype(TEXT_DTYPE),
            "mentee_communities": f["mentee_communities"].astype(TEXT_DTYPE),
            "mentee_grids": f["mentee_grids"].astype(TEXT_DTYPE),
            "mentee_organisations": f["mentee_organisations"].astype(TEXT_DTYPE),
            "members_reached": suppress_small_counts(f["members_reached"], min_count),
        },
        index=f.index,
    )
    return add_features(
        m,
        f,
        tips=_titled("flagship_centre", f["name"], lang),
        labels=_labels(values, lang),
        values=values,
        styles=["flagship_centre"] * len(f),
        name=text("flagship_markers_layer", lang),
        show=show,
    )


def add_mentees(
    m: folium.Map, zones: MentoringZones, *, min_count: int = DEFAULT_MIN_COUNT, show: bool = True
) -> folium.FeatureGroup:
    """Add every mentee as a marker, marked when it lies in several zones."""
    t = zones.mentees
    extra = {
        "distance_m": _metres(t["distance_m"]),
        "zones_count": t["zones_count"].astype(TEXT_DTYPE),
    }
    styles = np.where(t["zones_count"] > 1, "flagship_multiple", "flagship_mentee").tolist()
    return _organisation_layer(
        m,
        zones,
        t,
        "flagship_id",
        extra,
        styles,
        "flagship_mentees_layer",
        min_count=min_count,
        show=show,
    )


def add_unreached(
    m: folium.Map, zones: MentoringZones, *, min_count: int = DEFAULT_MIN_COUNT, show: bool = True
) -> folium.FeatureGroup:
    """Add the organisations in no zone, with the nearest flagship and how far outside they are."""
    t = zones.unreached
    extra = {"distance_m": _metres(t["distance_m"]), "beyond_m": _metres(t["beyond_m"])}
    return _organisation_layer(
        m,
        zones,
        t,
        "nearest_flagship_id",
        extra,
        ["flagship_unreached"] * len(t),
        "flagship_unreached_layer",
        min_count=min_count,
        show=show,
    )


def _organisation_layer(
    m: folium.Map,
    zones: MentoringZones,
    table: gpd.GeoDataFrame,
    flagship_column: str,
    extra: dict[str, pd.Series],
    styles: list[str],
    layer_key: str,
    *,
    min_count: int,
    show: bool,
) -> folium.FeatureGroup:
    """Organisations as markers: public values, the (nearest) flagship's name, ``extra``."""
    lang = check_lang(map_settings(m).lang)
    names = zones.flagships["name"].reindex(table[flagship_column]).to_numpy()
    values = pd.DataFrame(
        {
            "organisation_id": table.index.astype(TEXT_DTYPE),
            "level": table["level"].map(lambda v: text(str(v), lang)),
            "kind": table["kind"].astype(TEXT_DTYPE),
            "members": suppress_small_counts(table["members"], min_count),
            flagship_column: pd.array(names, dtype=TEXT_DTYPE),
            **extra,
        },
        index=table.index,
    )
    if flagship_column == "flagship_id":
        values = values.rename(columns={"flagship_id": "flagship_name"})
    return add_features(
        m,
        _markers(table),
        tips=_org_tips(table, lang),
        labels=_labels(values, lang),
        values=values,
        styles=styles,
        name=text(layer_key, lang),
        show=show,
    )


def add_mentoring_links(
    m: folium.Map, zones: MentoringZones, *, show: bool = True
) -> folium.FeatureGroup:
    """Add a line from each mentee (a point inside it) to its flagship's marker."""
    lang = check_lang(map_settings(m).lang)
    t = zones.mentees
    ends = np.asarray(zones.flagships.geometry.reindex(t["flagship_id"]).array, dtype=object)
    starts = np.asarray(_markers(t).geometry.array, dtype=object)
    lines = shapely.shortest_line(starts, ends)
    frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries(lines, index=t.index, crs=4326))
    names = zones.flagships["name"].reindex(t["flagship_id"]).to_numpy()
    arrow = " → "
    tips = [f"{a}{arrow}{b}" for a, b in zip(t["name"].fillna(""), names, strict=True)]
    values = pd.DataFrame({"distance_m": _metres(t["distance_m"])}, index=t.index)
    return add_features(
        m,
        frame,
        tips=tips,
        labels=_labels(values, lang),
        values=values,
        styles=["flagship_link"] * len(t),
        name=text("flagship_links_layer", lang),
        show=show,
    )


# -- helpers -----------------------------------------------------------------------------------------


def _markers(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Organisations as points: a point inside each polygon (points stay as they are)."""
    geoms = np.asarray(table.geometry.array, dtype=object)
    points = shapely.point_on_surface(geoms)
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(points, index=table.index, crs=4326))


def _org_tips(table: pd.DataFrame, lang: Lang) -> list[str]:
    colon = label_colon(lang)
    levels = table["level"].map(lambda v: text(str(v), lang))
    names = table["name"].astype(TEXT_DTYPE).fillna(pd.Series(table.index, index=table.index))
    return [f"{lv}{colon}{n}" for lv, n in zip(levels, names, strict=True)]


def _titled(key: str, names: pd.Series, lang: Lang) -> list[str]:
    colon = label_colon(lang)
    return [f"{text(key, lang)}{colon}{n}" for n in names.astype(TEXT_DTYPE).fillna("")]


def _labels(values: pd.DataFrame, lang: Lang) -> Sequence[str]:
    from gridparty.core.results import header

    return [header(str(c), lang) for c in values.columns]


def _metres(values: pd.Series) -> pd.Series:
    return values.round(0).astype("Int64").astype(TEXT_DTYPE)
