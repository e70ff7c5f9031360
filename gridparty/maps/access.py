"""The service-access map: centres by tier, life-circle areas, streets, under-served, posts.

Homes are shown per building only (never household points); household and member counts
below ``min_count`` are shown as ``"<5"``.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from gridparty.access.service import TIERS, PostSiting, ServiceAccess
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.maps.base import Tiles, map_settings, start_map
from gridparty.maps.layers import add_communities, add_features
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT, check_min_count, suppress_small_counts

__all__ = [
    "access_map",
    "add_centres",
    "add_posts",
    "add_service_areas",
    "add_streets",
    "add_under_served",
]


def access_map(
    access: ServiceAccess,
    *,
    communities: gpd.GeoDataFrame | None = None,
    posts: PostSiting | None = None,
    streets: bool = True,
    tiles: Tiles = "osm",
    lang: str = "zh",
    assets: str = "inline",
    min_count: int = DEFAULT_MIN_COUNT,
    m: folium.Map | None = None,
    title: str | None = None,
) -> folium.Map:
    """A map of the service-centre network and its reach.

    Parameters
    ----------
    access : ServiceAccess
        From :func:`gridparty.access.service.service_access`.
    communities : GeoDataFrame, optional
        Community outlines to draw (``h.communities``).
    posts : PostSiting, optional
        Proposed posts from :func:`gridparty.access.service.site_posts`.
    streets : bool
        Draw the street network (when ``access`` was measured along streets).
    tiles, lang, assets
        As for :func:`gridparty.maps.base_map`.
    min_count : int
        Household and member counts below this are shown as ``"<min_count"``.
    m : folium.Map, optional
        Draw onto this map (its tiles and language stay) instead of a new one.
    title : str, optional
        Title shown at the top of the map (plain text).

    Returns
    -------
    folium.Map
    """
    if not isinstance(access, ServiceAccess):
        raise InputError(
            f"access must be the result of service_access(), got {type(access).__name__}."
        )
    check_min_count(min_count)
    m = start_map(
        m,
        access.buildings.total_bounds,  # type: ignore[arg-type]  # the library accepts it at run time
        tiles=tiles,
        lang=lang,
        assets=assets,
        title=title,
    )
    groups = [add_service_areas(m, access)]
    if communities is not None and len(communities):
        groups.append(add_communities(m, communities, show=True))
    if streets and access.network is not None:
        groups.append(add_streets(m, access))
    if len(access.under_served):
        groups.append(add_under_served(m, access, min_count=min_count))
    groups.append(add_centres(m, access.centres))
    if posts is not None and len(posts.posts):
        groups.append(add_posts(m, posts, min_count=min_count))
    lang_ = map_settings(m).lang
    notes = [
        text("access_band_note", lang_).format(
            minutes=minutes, metres=metres, measure=text(f"access_{access.measure}", lang_)
        )
        for minutes, metres in access.bands_m.items()
    ]
    add_legend(m, [k for g in groups for k in g.legend_keys], notes=notes, groups=groups)  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    add_layer_control(m)
    return m


def _lang(m: folium.Map) -> Lang:
    return check_lang(map_settings(m).lang)


def add_service_areas(
    m: folium.Map, access: ServiceAccess, *, show: bool = True
) -> folium.FeatureGroup:
    """Add the life-circle service areas (widest first, so the nearest band is drawn on top)."""
    lang = _lang(m)
    areas = access.service_areas.iloc[::-1]
    rank = np.minimum(np.arange(len(areas))[::-1] + 1, 3)
    tips = [
        text("access_band_note", lang).format(
            minutes=mi, metres=me, measure=text(f"access_{access.measure}", lang)
        )
        for mi, me in zip(areas["minutes"], areas["distance_m"], strict=True)
    ]
    return add_features(
        m,
        areas,
        tips=tips,
        labels=[],
        values=pd.DataFrame(index=areas.index),
        styles=[f"access_band_{r}" for r in rank],
        name=text("access_areas", lang),
        show=show,
    )


def add_streets(m: folium.Map, access: ServiceAccess, *, show: bool = True) -> folium.FeatureGroup:
    """Add the street network (segments merged back into their street lines), crossings marked."""
    lang = _lang(m)
    segments = access.network.to_frame()  # type: ignore[union-attr]
    lines = segments.dissolve(by="road_id", aggfunc={"length_m": "sum"})
    roads = access.network.roads  # type: ignore[union-attr]
    given = roads["kind"] if "kind" in roads else pd.Series(dtype=TEXT_DTYPE)
    kind = given.astype(TEXT_DTYPE).reindex(lines.index).fillna("street")
    crossing = kind.ne("street").to_numpy()
    keys = {"street": "access_street_kind"}
    tips = [text(keys.get(k, f"access_{k}"), lang) for k in kind]
    values = pd.DataFrame(
        {
            "id": lines.index.astype(str),
            "length_m": lines["length_m"].round().astype("int64").astype(str),
        }
    )
    return add_features(
        m,
        lines,
        tips=tips,
        labels=[text("id", lang), text("access_length_m", lang)],
        values=values,
        styles=np.where(crossing, "access_crossing", "access_street").tolist(),
        name=text("access_streets", lang),
        show=show,
    )


def add_under_served(
    m: folium.Map, access: ServiceAccess, *, min_count: int = DEFAULT_MIN_COUNT, show: bool = True
) -> folium.FeatureGroup:
    """Add the under-served buildings with distance and (suppressed) household counts."""
    lang = _lang(m)
    frame = access.under_served
    values = pd.DataFrame(
        {
            "rank": frame["rank"].astype(str),
            "community_id": frame["community_id"].astype(TEXT_DTYPE),
            "distance_m": _metres(frame["distance_m"]),
            "households": suppress_small_counts(frame["households"], min_count),
            "member_households": suppress_small_counts(frame["member_households"], min_count),
        }
    )
    labels = [
        "#",
        text("community_id", lang),
        text("access_distance_m", lang),
        text("households", lang),
        text("member_households", lang),
    ]
    tips = [f"{text('building', lang)} {i}" for i in frame.index]
    name = text("access_under_served_layer", lang).format(metres=access.threshold_m)
    return add_features(
        m,
        frame,
        tips=tips,
        labels=labels,
        values=values,
        styles=["access_under_served"] * len(frame),
        name=name,
        show=show,
    )


def add_centres(
    m: folium.Map, centres: gpd.GeoDataFrame, *, show: bool = True
) -> folium.FeatureGroup:
    """Add the service centres, one style per tier (top tiers drawn last, on top)."""
    lang = _lang(m)
    order = {t.code: i for i, t in enumerate(TIERS)}
    tier = centres["tier"].astype(TEXT_DTYPE)
    frame = centres.assign(_order=-tier.map(order).fillna(len(TIERS)).astype(int)).sort_values(
        "_order", kind="stable"
    )
    tier = frame["tier"].astype(TEXT_DTYPE).fillna("unknown")
    styles = [f"access_centre_{t}" for t in tier]
    names = (
        frame["name"].astype(TEXT_DTYPE) if "name" in frame else pd.Series(pd.NA, index=frame.index)
    )
    tips = names.fillna(pd.Series(frame.index.astype(str), index=frame.index)).tolist()
    values = pd.DataFrame(
        {
            "id": frame.index.astype(str),
            "tier": [text(s, lang) for s in styles],
        },
        index=frame.index,
    )
    return add_features(
        m,
        frame,
        tips=tips,
        labels=[text("access_service_centre_id", lang), text("access_tier", lang)],
        values=values,
        styles=styles,
        name=text("access_centres", lang),
        show=show,
    )


def add_posts(
    m: folium.Map, posts: PostSiting, *, min_count: int = DEFAULT_MIN_COUNT, show: bool = True
) -> folium.FeatureGroup:
    """Add the proposed posts with the households each newly brings within reach."""
    lang = _lang(m)
    frame = posts.posts
    values = pd.DataFrame(
        {
            "candidate": frame["candidate_id"].astype(TEXT_DTYPE),
            "households": suppress_small_counts(frame["households"], min_count),
        }
    )
    tips = [text("access_post_n", lang).format(n=n) for n in frame.index]
    return add_features(
        m,
        frame,
        tips=tips,
        labels=[text("access_candidate_id", lang), text("access_new_households", lang)],
        values=values,
        styles=["access_post_new"] * len(frame),
        name=text("access_posts", lang),
        show=show,
    )


def _metres(values: pd.Series) -> pd.Series:
    out = values.round().astype("Float64").astype("Int64").astype(TEXT_DTYPE)
    return out.mask(np.isinf(values.to_numpy(float)), "∞")
