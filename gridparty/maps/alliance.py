"""Maps of alliances, pairing and the three lists.

Layers (each switchable): alliance extents (convex hulls, by kind), links from each alliance's
lead unit to its members, the units (in an alliance / only in a co-building agreement / in
neither; cut-vertex "bridging" units ringed), community–department pairing lines (existing and
proposed) with the departments, and the needs (by how well they were served), the resources
and the matches between them.

Only public, organisational values reach the page: names of units, alliances, departments and
communities, kinds, categories and counts. Contact people and phone numbers carried in the
units table, and the free-text titles of needs (which may name residents), are never shown;
member counts and need sizes below ``min_count`` show as ``"<5"``.
"""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.alliances.lists import ListMatch
from gridparty.alliances.network import AllianceAnalysis
from gridparty.alliances.pairing import PairingProposal
from gridparty.alliances.schema import CATEGORIES, DEPARTMENT
from gridparty.alliances.tables import read_table
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.labels import Lang, check_lang, text
from gridparty.maps.base import Tiles, start_map
from gridparty.maps.layers import add_communities, add_features
from gridparty.maps.legend import add_layer_control, add_legend
from gridparty.maps.privacy import DEFAULT_MIN_COUNT, check_min_count, suppress_small_counts

__all__ = [
    "add_alliance_hulls",
    "add_alliance_links",
    "add_alliance_units",
    "add_lists",
    "add_pairing",
    "alliance_map",
]


def _labels(keys: Iterable[str], lang: Lang) -> list[str]:
    return [text(k, lang) for k in keys]


def _yes_no(values: pd.Series, lang: Lang) -> pd.Series:
    return values.astype("boolean").map({True: text("yes", lang), False: text("no", lang)})


def _category(values: pd.Series, lang: Lang) -> pd.Series:
    k = 0 if lang == "zh" else 1
    return values.astype(TEXT_DTYPE).map(lambda c: CATEGORIES.get(c, (c, c))[k], na_action="ignore")


def add_alliance_hulls(
    m: folium.Map, analysis: AllianceAnalysis, *, lang: Lang, min_count: int, show: bool = True
) -> folium.FeatureGroup:
    """Each alliance's extent (convex hull of its members), coloured by kind."""
    hulls = analysis.hulls.join(
        analysis.alliances[
            ["party_members", "hull_area_m2", "farthest_m", "outside_lead_street_share"]
        ]
    )
    kind = hulls["kind"].astype(TEXT_DTYPE).fillna("unknown")
    values = pd.DataFrame(
        {
            "kind": kind.map(lambda k: text(f"alliance_{k}", lang)),
            "member_units": hulls["member_units"].astype(TEXT_DTYPE),
            "party_members": suppress_small_counts(hulls["party_members"], min_count),
            "hull_area_m2": hulls["hull_area_m2"].round(-2).astype("int64").astype(TEXT_DTYPE),
            "farthest_m": hulls["farthest_m"].round().astype("int64").astype(TEXT_DTYPE),
            "outside_lead_street_share": (100 * hulls["outside_lead_street_share"])
            .round()
            .astype("Int64")
            .astype(TEXT_DTYPE)
            + " %",
        }
    )
    styles = [f"alliance_{k}" if f"alliance_{k}" in _KINDS else "alliance_unknown" for k in kind]
    return add_features(
        m,
        hulls,
        tips=hulls["name"].astype(TEXT_DTYPE).fillna(hulls.index.to_series()).tolist(),
        labels=_labels(values.columns, lang),
        values=values,
        styles=styles,
        name=text("alliance_hulls", lang),
        show=show,
    )


_KINDS = ("alliance_regional", "alliance_industry", "alliance_business_district")


def add_alliance_links(
    m: folium.Map, analysis: AllianceAnalysis, *, lang: Lang, show: bool = True
) -> folium.FeatureGroup:
    """A line from each alliance's lead unit to each other member."""
    units = analysis.units
    members = units["alliance_ids"].dropna().str.split(", ").explode()
    links = pd.DataFrame({"unit_id": members.index, "alliance_id": members.to_numpy()})
    links = links.join(analysis.alliances[["name", "lead_unit_id"]], on="alliance_id")
    links = links[
        links["lead_unit_id"].isin(units.index) & (links["unit_id"] != links["lead_unit_id"])
    ]
    lines = shapely.shortest_line(
        np.asarray(units.geometry.loc[links["lead_unit_id"]].array),
        np.asarray(units.geometry.loc[links["unit_id"]].array),
    )
    frame = gpd.GeoDataFrame(links, geometry=gpd.GeoSeries(lines, index=links.index, crs=4326))
    names = units["name"].astype(TEXT_DTYPE)
    tips = links["name"].astype(TEXT_DTYPE) + " — " + names.reindex(links["unit_id"]).to_numpy()
    values = pd.DataFrame({"alliance_id": links["alliance_id"], "unit_id": links["unit_id"]})
    return add_features(
        m,
        frame,
        tips=tips.fillna(links["unit_id"]).tolist(),
        labels=_labels(values.columns, lang),
        values=values,
        styles=["alliance_link"] * len(frame),
        name=text("alliance_links", lang),
        show=show,
    )


def add_alliance_units(
    m: folium.Map, analysis: AllianceAnalysis, *, lang: Lang, min_count: int, show: bool = True
) -> folium.FeatureGroup:
    """The units: in an alliance, only in a co-building agreement, or in neither."""
    u = analysis.units
    style = np.where(
        u["alliance_count"] > 0,
        "unit_member",
        np.where(u["covered"].to_numpy(bool), "unit_agreement_only", "unit_uncovered"),
    )
    style = np.where(u["bridging"].to_numpy(bool), "unit_bridging", style)
    values = pd.DataFrame(
        {
            "unit_id": u.index.to_series(),
            "kind": u["kind"].astype(TEXT_DTYPE),
            "industry": u["industry"].astype(TEXT_DTYPE),
            "party_org": u["party_org"].astype(TEXT_DTYPE),
            "formal_members": suppress_small_counts(u["formal_members"], min_count),
            "alliance_ids": u["alliance_ids"].astype(TEXT_DTYPE),
            "agreements": u["agreements"].astype(TEXT_DTYPE),
            "betweenness": u["betweenness"].round(3).astype(TEXT_DTYPE),
            "bridging": _yes_no(u["bridging"], lang),
        }
    )
    return add_features(
        m,
        u,
        tips=u["name"].astype(TEXT_DTYPE).fillna(u.index.to_series()).tolist(),
        labels=_labels(values.columns, lang),
        values=values,
        styles=style.tolist(),
        name=text("alliance_units", lang),
        show=show,
    )


def add_pairing(
    m: folium.Map,
    pairs: gpd.GeoDataFrame,
    departments: gpd.GeoDataFrame | None = None,
    *,
    lang: Lang,
    show: bool = True,
) -> list[folium.FeatureGroup]:
    """Pairing lines (existing solid, proposed dashed) and, when given, the departments."""
    fixed = pairs["fixed"].to_numpy(dtype=bool) if "fixed" in pairs else np.ones(len(pairs), bool)
    values = pd.DataFrame(
        {
            "community_id": pairs["community_id"].astype(TEXT_DTYPE),
            "department_id": pairs["department_id"].astype(TEXT_DTYPE),
            "distance_m": pairs["distance_m"].round().astype("int64").astype(TEXT_DTYPE),
            "fixed": _yes_no(pd.Series(fixed), lang).to_numpy(),
        }
    )
    tips = pairs["community"].astype(TEXT_DTYPE) + " — " + pairs["department"].astype(TEXT_DTYPE)
    groups = [
        add_features(
            m,
            pairs,
            tips=tips.tolist(),
            labels=_labels(values.columns, lang),
            values=values,
            styles=np.where(fixed, "pairing_fixed", "pairing_proposed").tolist(),
            name=text("pairing_lines", lang),
            show=show,
        )
    ]
    if departments is not None:
        departments, _ = read_table(departments, DEPARTMENT, argument="departments")  # type: ignore[assignment]  # the departments table, read as points
        table = pd.DataFrame(
            {
                "department_id": departments.index.to_series().astype(TEXT_DTYPE),
                "district": departments["district"].astype(TEXT_DTYPE),
            }
        )
        groups.append(
            add_features(
                m,
                departments,
                tips=departments["name"].astype(TEXT_DTYPE).tolist(),
                labels=_labels(table.columns, lang),
                values=table,
                styles=["pairing_department"] * len(departments),
                name=text("pairing_departments", lang),
                show=show,
            )
        )
    return groups


def add_lists(
    m: folium.Map, match: ListMatch, *, lang: Lang, min_count: int, show: bool = True
) -> list[folium.FeatureGroup]:
    """Resources, needs (coloured by status) and the matches between them."""
    n, r, x = match.needs, match.resources, match.matches
    need_values = pd.DataFrame(
        {
            "community_id": n["community_id"].astype(TEXT_DTYPE),
            "size": suppress_small_counts(n["size"], min_count),
            "served": suppress_small_counts(n["served"], min_count),
            "status": n["status"].map(lambda s: text(f"list_{s}", lang), na_action="ignore"),
            "reason": n["reason"].map(lambda s: text(s, lang), na_action="ignore"),
        }
    )
    res_values = pd.DataFrame(
        {
            "unit_id": r["unit_id"].astype(TEXT_DTYPE),
            "capacity": r["capacity"].astype(TEXT_DTYPE),
            "used": r["used"].astype(TEXT_DTYPE),
        }
    )
    match_values = pd.DataFrame(
        {
            "need_id": x["need_id"],
            "resource_id": x["resource_id"],
            "amount": x["amount"].astype(TEXT_DTYPE),
            "distance_m": x["distance_m"].round().astype("int64").astype(TEXT_DTYPE),
        }
    )
    return [
        add_features(
            m,
            x,
            tips=_category(x["category"], lang).tolist(),
            labels=_labels(match_values.columns, lang),
            values=match_values,
            styles=["list_match"] * len(x),
            name=text("list_matches", lang),
            show=show,
        ),
        add_features(
            m,
            r,
            tips=_category(r["category"], lang).fillna(r["category"]).tolist(),
            labels=_labels(res_values.columns, lang),
            values=res_values,
            styles=["list_resource"] * len(r),
            name=text("list_resources", lang),
            show=show,
        ),
        add_features(
            m,
            n,
            tips=_category(n["category"], lang).fillna(n["category"]).tolist(),
            labels=_labels(need_values.columns, lang),
            values=need_values,
            styles=[f"list_{s}" for s in n["status"]],
            name=text("list_needs", lang),
            show=show,
        ),
    ]


def alliance_map(
    analysis: AllianceAnalysis | None = None,
    *,
    communities: gpd.GeoDataFrame | None = None,
    pairing: PairingProposal | None = None,
    departments: gpd.GeoDataFrame | None = None,
    lists: ListMatch | None = None,
    tiles: Tiles = "osm",
    lang: str = "zh",
    min_count: int = DEFAULT_MIN_COUNT,
    assets: str = "inline",
    m: folium.Map | None = None,
    title: str | None = None,
) -> folium.Map:
    """A map of alliances, pairing and the three lists, safe to share.

    Parameters
    ----------
    analysis : AllianceAnalysis, optional
        From :func:`gridparty.analyse_alliances`: hulls, lead–member links and units.
    communities : GeoDataFrame, optional
        Community outlines drawn underneath.
    pairing : PairingProposal, optional
        From :func:`gridparty.propose_pairing`: existing and proposed pairing lines.
    departments : GeoDataFrame, optional
        Department points shown with the pairing lines.
    lists : ListMatch, optional
        From :func:`gridparty.match_lists`: needs, resources and matches.
    tiles : str or xyzservices.TileProvider
        Base tiles, as for :func:`gridparty.maps.base_map` (Gaode tiles show everything in
        GCJ-02).
    lang : {"zh", "en"}
        Label language.
    min_count : int
        Member counts and need sizes below this show as ``"<min_count"`` (0 shows all).
    assets : {"inline", "cdn"}
        Inline Leaflet (works offline) or link it.
    m : folium.Map, optional
        Draw onto this map (its tiles and language stay) instead of a new one.
    title : str, optional
        Title shown at the top of the map (plain text).

    Returns
    -------
    folium.Map
    """
    lang_ = check_lang(lang)
    min_count = check_min_count(min_count)
    frames = [
        f
        for f in (
            communities,
            None if analysis is None else analysis.units,
            None if pairing is None else pairing.pairs,
            departments,
            None if lists is None else lists.needs,
            None if lists is None else lists.resources,
        )
        if f is not None and len(f)
    ]
    if not frames:
        raise InputError(
            "alliance_map needs something to draw: pass analysis=, pairing=, lists= or communities=."
        )
    bounds = np.array([f.to_crs(4326).total_bounds for f in frames])
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    m = start_map(
        m,
        (*bounds[:, :2].min(axis=0), *bounds[:, 2:].max(axis=0)),
        tiles=tiles,
        lang=lang_,
        assets=assets,
        title=title,
    )
    groups = []
    if communities is not None:
        groups.append(add_communities(m, communities, min_count=min_count))
    if analysis is not None:
        groups.append(add_alliance_hulls(m, analysis, lang=lang_, min_count=min_count))
        groups.append(add_alliance_links(m, analysis, lang=lang_, show=False))
    if pairing is not None:
        groups += add_pairing(m, pairing.pairs, departments, lang=lang_)
    if lists is not None:
        groups += add_lists(m, lists, lang=lang_, min_count=min_count, show=analysis is None)
    if analysis is not None:
        groups.append(add_alliance_units(m, analysis, lang=lang_, min_count=min_count))
    add_legend(m, [k for g in groups for k in g.legend_keys], groups=groups)  # type: ignore[attr-defined]  # gridparty's own attribute on a folium object
    add_layer_control(m)
    return m
