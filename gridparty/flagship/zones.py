"""Flagship mentoring zones ("1+X", 雁阵): zones around flagship communities and their mentees.

A flagship community (旗舰社区) mentors the organisations around it. The size of its zone
must be said explicitly (docs/rules.md): published practice's "organisations within 1 km² around"
is a circle of **area** 1 km² (radius ≈ 564 m, ``area_km2=1.0``); the other reading,
"1 km zones" is a **radius** of 1 km (3.14 km², ``radius_m=1000``). Either is measured from the
flagship's centre (``origin="centre"``: its community-tier service centre 党群服务站 when one
lies inside the community, else a point inside the community) or from its boundary
(``origin="boundary"``: the community polygon grown by the radius).

Organisations are communities (社区大党委), grids (网格党支部) and new economic and social
organisations (两新组织, points or polygons with ``formal_members``). Every distance is measured
in metres in the hierarchy's metric CRS; for a polygon (a community, a grid) it is the distance
from the zone's origin to the nearest part of the polygon, so a polygon touching the zone is
in it.

* :func:`zone_definition` — the checked size and origin of a zone, with its label.
* :func:`gridparty.flagship.organisations.organisation_table` — communities, grids and 两新
  organisations as one table.
* :func:`mentoring_zones` — zones around given flagships and the mentee assignment →
  :class:`MentoringZones` (zones, mentees, organisations in several zones, the unreached, load
  per flagship, the printable roster).

Choosing the flagships is :mod:`gridparty.flagship.choice`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from gridparty.core.arguments import positive_number
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.geometry import measurable, to_wgs84_array
from gridparty.core.labels import check_lang, text
from gridparty.core.model import Hierarchy
from gridparty.core.paths import refuse_sources
from gridparty.core.results import Tables, figures, header
from gridparty.flagship.mentees import RULES, MenteeRule, rule_function
from gridparty.flagship.organisations import (
    CONTACT_ALIASES,
    ORGANISATION_LEVELS,
    PUBLIC_COLUMNS,
    organisation_table,
)
from gridparty.spatial.assign import locate_points, with_parents

__all__ = [
    "CONTACT_ALIASES",
    "ORGANISATION_LEVELS",
    "RULES",
    "MentoringZones",
    "ZoneDefinition",
    "checked_flagship_ids",
    "flagship_origins",
    "mentoring_zones",
    "organisation_table",
    "origin_geometries",
    "owning_flagship",
    "zone_definition",
]

Origin = Literal["centre", "boundary"]


# -- the zone ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneDefinition:
    """The size and origin of a mentoring zone, exactly as the user stated it.

    Attributes
    ----------
    radius_m : float
        Zone radius in metres (given, or ``sqrt(area_km2 / π)`` km when an area was given).
    area_km2 : float or None
        The area given in km², ``None`` when a radius was given.
    origin : {"centre", "boundary"}
        Measured from the flagship's centre point or from its community boundary.

    Examples
    --------
    >>> import gridparty as gp
    >>> zone = gp.zone_definition(area_km2=1.0)
    >>> round(zone.radius_m, 1), zone.origin
    (564.2, 'centre')
    """

    radius_m: float
    area_km2: float | None
    origin: Origin

    def label(self, lang: str = "zh") -> str:
        """The size in words: ``"半径 1000 米"`` or ``"面积 1 km²（半径 564 米）"``."""
        lang_ = check_lang(lang)
        if self.area_km2 is None:
            return text("flagship_radius", lang_).format(radius=f"{self.radius_m:g}")
        return text("flagship_area", lang_).format(
            area=f"{self.area_km2:g}", radius=f"{self.radius_m:.0f}"
        )

    def describe(self, lang: str = "zh") -> str:
        """Size and origin in words, for legends and reports."""
        lang_ = check_lang(lang)
        sep = "，" if lang_ == "zh" else ", "
        return self.label(lang_) + sep + text(f"flagship_origin_{self.origin}", lang_)


def zone_definition(
    *, radius_m: float | None = None, area_km2: float | None = None, origin: str = "centre"
) -> ZoneDefinition:
    """Check a zone size given as a radius or an area, and its origin.

    Parameters
    ----------
    radius_m : float, optional
        Radius in metres ("1 km zones": ``radius_m=1000``).
    area_km2 : float, optional
        Area of a circle in km² ("1 km² around": ``area_km2=1.0``, radius
        ≈ 564 m). Exactly one of ``radius_m`` and ``area_km2`` must be given.
    origin : {"centre", "boundary"}
        Measure from the flagship's centre point or from its community boundary.

    Returns
    -------
    ZoneDefinition

    Raises
    ------
    InputError
        Both or neither size given, a size that is not a positive finite number, an unknown
        origin.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.zone_definition(radius_m=1000).radius_m
    1000.0
    >>> gp.zone_definition(area_km2=1.0).label()
    '面积 1 km²（半径 564 米）'
    """
    if (radius_m is None) == (area_km2 is None):
        raise InputError(
            f"give exactly one of radius_m and area_km2 (got radius_m={radius_m!r}, "
            f"area_km2={area_km2!r}): radius_m=1000 for '1 km zones', area_km2=1.0 for "
            "'1 km² around' (radius ≈ 564 m)."
        )
    if origin not in ("centre", "boundary"):
        raise InputError(f"origin={origin!r} is not known; use 'centre' or 'boundary'.")
    if radius_m is not None:
        return ZoneDefinition(positive_number(radius_m, "radius_m"), None, origin)  # type: ignore[arg-type]
    area = positive_number(area_km2, "area_km2")
    return ZoneDefinition(math.sqrt(area / math.pi) * 1000.0, area, origin)  # type: ignore[arg-type]


# -- flagship origins ----------------------------------------------------------------------------


def flagship_origins(
    h: Hierarchy,
    flagships: Sequence[str],
    *,
    centres: gpd.GeoDataFrame | None = None,
    argument: str = "flagships",
) -> gpd.GeoDataFrame:
    """The centre point of each flagship community.

    Parameters
    ----------
    h : Hierarchy
        The communities.
    flagships : sequence of str
        Community ids.
    centres : GeoDataFrame, optional
        Service centres with a ``tier`` (e.g. ``sample_layer("service_centres")``; read with
        :func:`gridparty.access.service.centre_layer`). A centre of tier ``community`` (社区党群服务站)
        inside a flagship's community is its centre (the first by id when there are several).
    argument : str
        Name of ``flagships`` in error messages.

    Returns
    -------
    GeoDataFrame
        Index ``flagship_id`` in the given order; ``name``, ``centre_source``
        (``"service_centre"`` or ``"representative_point"``: ``shapely.point_on_surface`` of
        the community), ``service_centre_id``; point geometry in EPSG:4326.
    """
    ids = checked_flagship_ids(h, flagships, argument)
    polygons = h.communities.geometry.loc[ids]
    points = np.asarray(shapely.point_on_surface(np.asarray(polygons.array)), dtype=object)
    centre_id = pd.array([pd.NA] * len(ids), dtype=TEXT_DTYPE)
    if centres is not None and len(centres):
        points, centre_id = _centre_points(polygons, points, centres)  # type: ignore[arg-type]  # a GeoSeries of points
    source = np.where(pd.isna(centre_id), "representative_point", "service_centre")
    index = pd.Index(ids, name="flagship_id", dtype=TEXT_DTYPE)
    return gpd.GeoDataFrame(
        {
            "name": pd.array(h.communities["name"].loc[ids], dtype=TEXT_DTYPE),
            "centre_source": pd.array(source, dtype=TEXT_DTYPE),
            "service_centre_id": centre_id,
        },
        index=index,
        geometry=gpd.GeoSeries(points, index=index, crs=4326),
    )


def checked_flagship_ids(h: Hierarchy, flagships: Sequence[str], argument: str) -> list[str]:
    """Flagship ids as strings, checked against the communities."""
    if isinstance(flagships, str):
        flagships = [flagships]
    ids = [str(f) for f in flagships]
    if not ids:
        raise InputError(f"{argument} is empty; name at least one flagship community id.")
    unknown = [f for f in ids if f not in h.communities.index]
    if unknown:
        known = list(h.communities.index[:3])
        raise InputError(
            f"{argument}: {unknown[:5]} are not community ids of the hierarchy (e.g. {known}); "
            "a flagship must be a community."
        )
    twice = sorted({f for f in ids if ids.count(f) > 1})
    if twice:
        raise InputError(f"{argument} lists {twice} more than once; name each flagship once.")
    return ids


def _centre_points(
    polygons: gpd.GeoSeries, points: np.ndarray, centres: gpd.GeoDataFrame
) -> tuple[np.ndarray, pd.arrays.StringArray]:
    """Replace representative points by community-tier service centres inside the polygons."""
    from gridparty.access.service import centre_layer

    layer = centre_layer(centres)
    station = layer[(layer["tier"] == "community").fillna(False).to_numpy(dtype=bool)]
    station = station.sort_index()
    centre_pts = shapely.point_on_surface(np.asarray(station.geometry.array))
    pos, _ = locate_points(centre_pts, np.asarray(polygons.array), engine="shapely")
    inside = np.flatnonzero(pos >= 0)
    flagship, first = np.unique(pos[inside], return_index=True)  # stations sorted by id
    rows = inside[first]
    out = points.copy()
    ids = pd.array([pd.NA] * len(points), dtype=TEXT_DTYPE)
    out[flagship] = centre_pts[rows]
    ids[flagship] = station.index.to_numpy()[rows]
    return out, ids


def origin_geometries(
    h: Hierarchy, origins: gpd.GeoDataFrame, definition: ZoneDefinition
) -> np.ndarray:
    """Metric geometries distances are measured from: centre points or community polygons."""
    if definition.origin == "centre":
        return measurable(origins, h.metric_crs)
    return measurable(h.communities.loc[origins.index], h.metric_crs)


# -- mentoring zones ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MentoringZones(Tables):
    """Result of :func:`mentoring_zones`.

    Attributes
    ----------
    definition : ZoneDefinition
        The zone size and origin used.
    rule : str
        The mentee rule (``"nearest"``, ``"least_loaded"`` or the callable's name).
    flagships : GeoDataFrame
        Per flagship (index ``flagship_id``, points = the zone centre): ``name``,
        ``centre_source``, ``service_centre_id``, and its load: ``mentees`` (X),
        ``mentee_communities``, ``mentee_grids``, ``mentee_organisations``,
        ``members_reached`` (formal members of its mentees, each counted once: a mentored
        community's members are those of its grids).
    zones : GeoDataFrame
        Per flagship: ``name``, ``definition`` (in words), ``radius_m``, ``zone_km2`` (the
        zone's area in km², measured) and the zone polygon.
    mentees : GeoDataFrame
        Every organisation in at least one zone (index ``organisation_id``): ``level``,
        ``name``, ``kind``, ``community_id``, ``members``, ``flagship_id`` (assigned),
        ``distance_m`` (to it), ``zones_count``.
    multiple : DataFrame
        Organisations in several zones: one row per (``organisation_id``, ``flagship_id``)
        with ``distance_m`` and ``assigned``.
    unreached : GeoDataFrame
        Organisations in no zone: ``nearest_flagship_id``, ``distance_m`` (to its origin) and
        ``beyond_m`` (how far outside the zone).
    own : DataFrame
        The flagship communities themselves and their grids (``flagship_id``): a flagship
        does not mentor itself.
    contacts : DataFrame
        ``secretary``/``contact``/``phone`` of the organisations where given: personal data,
        only in :meth:`roster`; never in :meth:`tables`, exports or maps.
    sources : tuple of Path
        The files the hierarchy was read from (:attr:`gridparty.Hierarchy.sources`): the
        exports refuse to write over them.
    parents_filled : dict
        How many parent ids were filled from space before the zones were drawn, per level
        (:func:`gridparty.spatial.assign.with_parents`): a grid without its community would
        otherwise be mentored by its own flagship.

    Examples
    --------
    >>> import gridparty as gp
    >>> zones = gp.mentoring_zones(gp.sample_city(), ["310101002003", "310115005001"], area_km2=1.0,
    ...                            organisations=gp.sample_layer("organisations"))
    >>> len(zones.flagships)
    2
    """

    definition: ZoneDefinition
    rule: str
    flagships: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    mentees: gpd.GeoDataFrame
    multiple: pd.DataFrame
    unreached: gpd.GeoDataFrame
    own: pd.DataFrame
    contacts: pd.DataFrame = field(repr=False)
    sources: tuple[Path, ...] = field(default=(), repr=False, compare=False)
    parents_filled: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"<MentoringZones: {len(self.flagships)} flagships, {len(self.mentees)} mentees, "
            f"{len(self.unreached)} unreached; {self.definition.describe('en')}; "
            f"rule {self.rule}>"
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """Zones, flagships (load), mentees, organisations in several zones, the unreached, and
        the flagships' own communities and grids (not mentees)."""
        return {
            "flagships": self.flagships,
            "zones": self.zones,
            "mentees": self.mentees,
            "multiple_zones": self.multiple,
            "unreached": self.unreached,
            "own_units": self.own,
        }

    def summary(self) -> pd.DataFrame:
        """Headline figures: definition, flagships, mentees, members, the unreached, own units."""
        return figures(
            {
                "definition": self.definition.describe("zh"),
                "radius_m": self.definition.radius_m,
                "area_km2": self.definition.area_km2,
                "origin": self.definition.origin,
                "rule": self.rule,
                "flagships": len(self.flagships),
                "mentees": len(self.mentees),
                "in_several_zones": int(self.multiple["organisation_id"].nunique()),
                "unreached": len(self.unreached),
                "own_units": len(self.own),
                "members_reached": int(self.flagships["members_reached"].sum()),
            }
        )

    def roster(self, lang: str = "zh") -> pd.DataFrame:
        """The joint-committee roster: each flagship's X organisations, with contacts.

        Contains personal data (secretaries, contacts, phones where given): print it or
        write it with :meth:`roster_to_excel`; it is never put on a map.

        Parameters
        ----------
        lang : {"zh", "en"}
            Language of the ``level`` words.

        Returns
        -------
        DataFrame
            One row per mentee ordered by flagship and distance: ``flagship_id``,
            ``flagship_name``, ``organisation_id``, ``level``, ``name``, ``kind``, ``members``,
            ``distance_m`` and the contact columns given.
        """
        lang_ = check_lang(lang)
        m = self.mentees
        names = self.flagships["name"].reindex(m["flagship_id"]).to_numpy()
        table = pd.DataFrame(
            {
                "flagship_id": m["flagship_id"],
                "flagship_name": pd.array(names, dtype=TEXT_DTYPE),
                "level": m["level"].map(lambda v: text(v, lang_)),
                "name": m["name"],
                "kind": m["kind"],
                "members": m["members"],
                "distance_m": m["distance_m"].round(0),
            },
            index=m.index,
        ).join(self.contacts)
        order = pd.Categorical(table["flagship_id"], categories=self.flagships.index)
        table = table.assign(_order=order).sort_values(["_order", "distance_m"], kind="stable")
        table = table.drop(columns="_order").reset_index()
        first = ["flagship_id", "flagship_name", "organisation_id"]
        return table[first + [c for c in table.columns if c not in first]]

    def roster_to_excel(
        self,
        path: str | os.PathLike[str],
        lang: str = "zh",
        *,
        notes: dict[str, object] | None = None,
    ) -> Path:
        """Write the printable roster: one sheet per flagship (personal data: share with care).

        The first sheet describes the roster, the second (目录 / Index) lists every flagship's
        sheet with the flagship's id, name and number of mentees. Sheet names are the id and
        name of the flagship, made valid and unique (:func:`gridparty.core.sanitise.sheet_names`:
        cut to Excel's 31 characters, a name taken numbered ``~2``, ``~3`` …), so two flagships
        whose names start alike still get a sheet each.

        Parameters
        ----------
        path : path
            An ``.xlsx`` file, written atomically.
        lang : {"zh", "en"}
            Language of headers.
        notes : dict, optional
            The parameters of the run to list on the notes sheet (name → value).
        """
        from gridparty.core.io import write_workbook
        from gridparty.core.sanitise import sheet_names

        lang_ = check_lang(lang)
        refuse_sources(path, self._sources())
        roster = self.roster(lang_)
        groups = list(roster.groupby("flagship_id", sort=False))
        ids = [fid for fid, _ in groups]
        names = [self.flagships.at[fid, "name"] for fid in ids]
        cover_sheet, index_sheet, *sheets = sheet_names(
            [
                header("roster", lang_),
                header("roster_index", lang_),
                *(f"{fid} {name}" for fid, name in zip(ids, names, strict=True)),  # type: ignore[str-bytes-safe]  # a pandas scalar: text here
            ]
        )
        cover = pd.DataFrame(
            {
                header("figure", lang_): [header("definition", lang_), header("mentees", lang_)],
                header("value", lang_): [self.definition.describe(lang_), len(roster)],
            }
        )
        index = pd.DataFrame(
            {
                "sheet": sheets,
                "flagship_id": ids,
                "flagship_name": names,
                "mentees": [len(group) for _, group in groups],
            }
        )
        tables = {cover_sheet: cover, index_sheet: index}
        for sheet, (_, group) in zip(sheets, groups, strict=True):
            tables[sheet] = group.drop(columns=["flagship_id", "flagship_name"])
        headers = {c: header(c, lang_) for c in (*roster.columns, *index.columns)}
        return write_workbook(tables, path, headers=headers, index=False, notes=notes, lang=lang_)


def mentoring_zones(
    h: Hierarchy,
    flagships: Sequence[str],
    *,
    radius_m: float | None = None,
    area_km2: float | None = None,
    origin: Origin = "centre",
    organisations: gpd.GeoDataFrame | None = None,
    centres: gpd.GeoDataFrame | None = None,
    rule: MenteeRule = "nearest",
    levels: Sequence[str] = ORGANISATION_LEVELS,
    columns: dict[str, str] | None = None,
) -> MentoringZones:
    """Mentoring zones around flagship communities, and which flagship mentors each organisation.

    Parameters
    ----------
    h : Hierarchy
        Communities (the flagships are among them) and grids.
    flagships : sequence of str
        Flagship community ids.
    radius_m : float, optional
        Zone radius in metres ("1 km zones": ``radius_m=1000``).
    area_km2 : float, optional
        Zone area in km² ("1 km² around": ``area_km2=1.0``, radius ≈ 564 m). Exactly one of
        ``radius_m`` and ``area_km2``.
    origin : {"centre", "boundary"}
        Measure from the flagship's centre (its community-tier service centre in ``centres``
        when one lies inside the community, else a point inside the community) or from its
        community boundary.
    organisations : GeoDataFrame, optional
        New economic and social organisations (两新组织), see :func:`organisation_table`.
    centres : GeoDataFrame, optional
        Service centres with ``tier`` (e.g. ``sample_layer("service_centres")``).
    rule : {"nearest", "least_loaded"} or callable
        Which flagship mentors an organisation inside several zones. ``"nearest"``: the
        nearest (ties: the flagship named first). ``"least_loaded"``: organisations in one
        zone go to it; the others, nearest first, each to the zone with the fewest mentees so
        far (ties: the nearer). A callable receives the candidate pairs (a DataFrame with
        ``organisation_id``, ``flagship_id``, ``distance_m``, ``level``, ``name``, ``members``,
        every organisation inside at least one zone) and returns a Series
        ``organisation_id → flagship_id`` choosing one of each organisation's candidates.
    levels : sequence of {"community", "grid", "organisation"}
        Which kinds count as organisations.
    columns : mapping, optional
        Column mapping for ``organisations``.

    Returns
    -------
    MentoringZones
        A flagship's own community and grids are not its mentees (listed in ``own``); the
        other flagship communities are not mentees either. Parent ids missing in ``h`` are
        filled from space first (``parents_filled`` says how many).

    Raises
    ------
    InputError
        A flagship that is not a community, both or neither sizes, a non-positive size, an
        unknown rule, no organisations, a callable rule returning an invalid choice.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> zones = mentoring_zones(h, ["310101002001"], area_km2=1.0,
    ...                         organisations=gp.sample_layer("organisations"))  # doctest: +SKIP
    """
    definition = zone_definition(radius_m=radius_m, area_km2=area_km2, origin=origin)
    rule_name, choose = rule_function(rule)
    filled = with_parents(h)  # a flagship's own grids are known only with their parents
    h = filled.hierarchy
    origins = flagship_origins(h, flagships, centres=centres)
    orgs = organisation_table(h, organisations, levels=levels, columns=columns)
    dist = _distances(measurable(orgs, h.metric_crs), origin_geometries(h, origins, definition))
    own = owning_flagship(orgs, origins.index)
    inside = (dist <= definition.radius_m) & (own < 0)[:, None]
    choice = choose(inside, dist, orgs, origins.index) if inside.any() else np.full(len(orgs), -1)
    public = orgs[[*PUBLIC_COLUMNS, "geometry"]]
    mentees = _mentees(public, origins.index, dist, inside, choice)
    return MentoringZones(
        definition=definition,
        rule=rule_name,
        flagships=_load(h, origins, mentees),
        zones=_zones(h, origins, definition),
        mentees=mentees,
        multiple=_multiple(orgs.index, origins.index, dist, inside, choice),
        unreached=_unreached(public, origins.index, dist, inside, own, definition.radius_m),
        own=pd.DataFrame(
            orgs.loc[own >= 0, ["level", "name"]].assign(
                flagship_id=pd.array(origins.index.to_numpy()[own[own >= 0]], dtype=TEXT_DTYPE)
            )
        ),
        contacts=pd.DataFrame(orgs[[c for c in CONTACT_ALIASES if c in orgs.columns]]),
        sources=h.sources,
        parents_filled=filled.filled,
    )


def _distances(orgs_m: np.ndarray, origins_m: np.ndarray) -> np.ndarray:
    """Distance in metres from every organisation (rows) to every zone origin (columns).

    Rounded to the millimetre, so that equal distances (and ties between flagships) do not
    depend on the last bits of a coordinate transformation.
    """
    dist = shapely.distance(orgs_m[:, None], origins_m[None, :])
    return np.round(np.asarray(dist, dtype=float), 3)


def owning_flagship(orgs: pd.DataFrame, flagship_ids: pd.Index) -> np.ndarray:
    """Position of the flagship an organisation belongs to (its community, its grids), else -1."""
    level = orgs["level"].to_numpy()
    key = np.where(level == "community", orgs.index.to_numpy(), orgs["community_id"].to_numpy())
    pos = flagship_ids.get_indexer(pd.Index(key, dtype=TEXT_DTYPE))
    return np.where(level == "organisation", -1, pos)


# -- tables ------------------------------------------------------------------------------------------


def _mentees(
    orgs: gpd.GeoDataFrame,
    flagship_ids: pd.Index,
    dist: np.ndarray,
    inside: np.ndarray,
    choice: np.ndarray,
) -> gpd.GeoDataFrame:
    rows = np.flatnonzero(choice >= 0)
    table = orgs.iloc[rows].copy()
    table.insert(
        len(PUBLIC_COLUMNS),
        "flagship_id",
        pd.array(flagship_ids.to_numpy()[choice[rows]], dtype=TEXT_DTYPE),
    )
    table.insert(len(PUBLIC_COLUMNS) + 1, "distance_m", dist[rows, choice[rows]])
    table.insert(len(PUBLIC_COLUMNS) + 2, "zones_count", inside[rows].sum(axis=1))
    return table


def _multiple(
    org_ids: pd.Index,
    flagship_ids: pd.Index,
    dist: np.ndarray,
    inside: np.ndarray,
    choice: np.ndarray,
) -> pd.DataFrame:
    several = inside & (inside.sum(axis=1) > 1)[:, None]
    rows, cols = np.nonzero(several)
    return pd.DataFrame(
        {
            "organisation_id": pd.array(org_ids.to_numpy()[rows], dtype=TEXT_DTYPE),
            "flagship_id": pd.array(flagship_ids.to_numpy()[cols], dtype=TEXT_DTYPE),
            "distance_m": dist[rows, cols],
            "assigned": choice[rows] == cols,
        }
    )


def _unreached(
    orgs: gpd.GeoDataFrame,
    flagship_ids: pd.Index,
    dist: np.ndarray,
    inside: np.ndarray,
    own: np.ndarray,
    radius_m: float,
) -> gpd.GeoDataFrame:
    rows = np.flatnonzero(~inside.any(axis=1) & (own < 0))
    part = dist[rows]
    measured = ~np.isnan(part).all(axis=1)
    nearest = np.where(measured, np.nanargmin(np.where(np.isnan(part), np.inf, part), axis=1), -1)
    distance = np.where(measured, part[np.arange(len(rows)), np.maximum(nearest, 0)], np.nan)
    ids = np.where(nearest >= 0, flagship_ids.to_numpy()[np.maximum(nearest, 0)], None)  # type: ignore[call-overload]  # None marks a missing value
    table = orgs.iloc[rows].copy()
    table.insert(len(PUBLIC_COLUMNS), "nearest_flagship_id", pd.array(ids, dtype=TEXT_DTYPE))
    table.insert(len(PUBLIC_COLUMNS) + 1, "distance_m", distance)
    table.insert(len(PUBLIC_COLUMNS) + 2, "beyond_m", distance - radius_m)
    return table.sort_values("distance_m")


def _load(h: Hierarchy, origins: gpd.GeoDataFrame, mentees: pd.DataFrame) -> gpd.GeoDataFrame:
    """Per flagship: mentees by kind and the formal members they hold, each counted once."""
    by_level = pd.crosstab(mentees["flagship_id"], mentees["level"])
    counts = pd.DataFrame(
        {
            "mentees": by_level.sum(axis=1) if len(by_level) else pd.Series(dtype="int64"),
            **{
                f"mentee_{plural}": by_level.get(level, pd.Series(dtype="int64"))
                for level, plural in (
                    ("community", "communities"),
                    ("grid", "grids"),
                    ("organisation", "organisations"),
                )
            },
        }
    )
    counts = counts.reindex(origins.index).fillna(0).astype("int64")
    counts["members_reached"] = _members_reached(h, mentees).reindex(origins.index).fillna(0)
    counts["members_reached"] = counts["members_reached"].astype("int64")
    return origins.join(counts)


def _members_reached(h: Hierarchy, mentees: pd.DataFrame) -> pd.Series:
    """Formal members of each flagship's mentees: grids (direct or via a mentored community)
    counted once, plus the 两新 organisations."""
    orgs = mentees[mentees["level"] == "organisation"]
    from_orgs = orgs.groupby("flagship_id")["members"].sum()
    direct = mentees.loc[mentees["level"] == "grid", ["flagship_id"]].rename_axis("grid_id")
    via = mentees.loc[mentees["level"] == "community", ["flagship_id"]]
    via_grids = (
        h.grids[["community_id"]]
        .reset_index()
        .merge(via, left_on="community_id", right_index=True)
        .set_index("grid_id")[["flagship_id"]]
    )
    grids = pd.concat([direct, via_grids]).reset_index().drop_duplicates()
    if len(grids):
        members = h.summary("grid")["formal_members"]
        grids = grids.assign(members=members.reindex(grids["grid_id"]).fillna(0).to_numpy())
        from_grids = grids.groupby("flagship_id")["members"].sum()
    else:
        from_grids = pd.Series(dtype="int64")
    return from_orgs.astype("float64").add(from_grids.astype("float64"), fill_value=0)


def _zones(h: Hierarchy, origins: gpd.GeoDataFrame, definition: ZoneDefinition) -> gpd.GeoDataFrame:
    """The zone polygons (origin grown by the radius, 64 segments per circle)."""
    crs: pyproj.CRS = h.metric_crs
    zones_m = shapely.buffer(
        origin_geometries(h, origins, definition), definition.radius_m, quad_segs=16
    )
    return gpd.GeoDataFrame(
        {
            "name": origins["name"],
            "definition": definition.describe("zh"),
            "radius_m": definition.radius_m,
            "zone_km2": shapely.area(zones_m) / 1e6,
        },
        index=origins.index,
        geometry=to_wgs84_array(zones_m, crs).set_axis(origins.index),
    )
