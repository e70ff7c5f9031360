"""Service reach: how far homes are from party–masses service centres, and where posts would help.

Party–masses service centres (党群服务中心) form a tiered network from a core centre down to
small posts (驿站). This module measures, for every building and member household, the
distance to the nearest centre (of any tier and of each tier), in metres: straight-line
always, and along the streets when a street layer is given (:mod:`gridparty.spatial.network`). It puts
homes into the 5/10/15-minute life circles (GB 50180-2018), draws the service areas, ranks the
under-served buildings (or compounds, 小区) and sites new posts with the coverage models of
:mod:`gridparty.spatial.siting`.

* :func:`centre_layer` — normalise a centre layer; tiers by code, Chinese or English name.
* :func:`band_limits` — the life-circle bands in metres (standard distances or minutes × speed).
* :func:`centre_distances` — nearest-centre distances of any points.
* :func:`service_access` — the whole analysis of a hierarchy → :class:`ServiceAccess`.
* :func:`site_posts` — new posts for the under-served homes (LSCP or MCLP) → :class:`PostSiting`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from gridparty.core.arguments import positive_number, whole_number
from gridparty.core.coords import check_metric_crs, ensure_wgs84
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.geometry import measurable, to_wgs84_array
from gridparty.core.layers import normalise_layer
from gridparty.core.model import ISSUE_COLUMNS, Hierarchy
from gridparty.core.results import Tables, figures
from gridparty.core.schema import Level
from gridparty.spatial.assign import with_parents
from gridparty.spatial.network import (
    DEFAULT_MAX_SNAP_M,
    Engine,
    Snapped,
    SnapTo,
    StreetNetwork,
    street_network,
)
from gridparty.spatial.siting import Siting

__all__ = [
    "CENTRE_LEVEL",
    "DEFAULT_AREA_BUFFER_M",
    "LIFE_CIRCLE_M",
    "TIERS",
    "PostSiting",
    "ServiceAccess",
    "Tier",
    "band_limits",
    "centre_distances",
    "centre_layer",
    "service_access",
    "site_posts",
    "tier_lookup",
]

# -- tiers -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """One tier of the service-centre network: a code, labels and the names it is recognised by."""

    code: str
    label_zh: str
    label_en: str
    aliases: tuple[str, ...]


#: The tiers, top down (docs/rules.md: core → district → street → community → compound post).
TIERS: tuple[Tier, ...] = (
    Tier(
        "core", "核心党群服务中心", "core centre", ("核心", "核心阵地", "中心阵地", "市级", "旗舰")
    ),
    Tier("district", "区级党群服务中心", "district centre", ("区", "区级", "区县", "区县级")),
    Tier(
        "street",
        "街道党群服务中心",
        "street centre",
        ("街道", "街道级", "街镇", "乡镇", "街道中心"),
    ),
    Tier(
        "community",
        "社区党群服务站",
        "community station",
        ("社区", "社区级", "社区党群服务中心", "党群服务站", "服务站"),
    ),
    Tier(
        "post",
        "党群服务驿站",
        "post",
        ("驿站", "党群驿站", "小区驿站", "楼宇驿站", "小区", "站点", "compound"),
    ),
)
_TIER_CODES = tuple(t.code for t in TIERS)

#: The centre layer's schema: id ``service_centre_id``, ``name`` and ``tier``; points (or
#: polygons, measured from a point inside them).
CENTRE_LEVEL = Level(
    name="service_centre",  # type: ignore[arg-type]
    layer="service_centres",
    id_column="service_centre_id",
    parent=None,
    geometry_types=("Point", "Polygon", "MultiPolygon"),
    attributes=MappingProxyType({"name": "str", "tier": "str"}),
    aliases=MappingProxyType(
        {
            "id": "service_centre_id",
            "centre_id": "service_centre_id",
            "center_id": "service_centre_id",
            "编号": "service_centre_id",
            "中心编号": "service_centre_id",
            "阵地编号": "service_centre_id",
            "名称": "name",
            "Name": "name",
            "NAME": "name",
            "中心名称": "name",
            "阵地名称": "name",
            "层级": "tier",
            "级别": "tier",
            "等级": "tier",
            "类型": "tier",
            "level": "tier",
            "type": "tier",
            "class": "tier",
        }
    ),
    label_zh="党群服务中心",
    label_en="service centre",
)


def tier_lookup(tier_names: Mapping[str, str] | None) -> dict[str, str]:
    lookup = {}
    for tier in TIERS:
        for name in (tier.code, tier.label_zh, tier.label_en, *tier.aliases):
            lookup[name.strip().casefold()] = tier.code
    for name, code in (tier_names or {}).items():
        if code not in _TIER_CODES:
            raise InputError(
                f"tier_names maps {name!r} to {code!r}, which is not a tier; use one of "
                f"{', '.join(_TIER_CODES)}."
            )
        lookup[str(name).strip().casefold()] = code
    return lookup


def centre_layer(
    centres: gpd.GeoDataFrame,
    *,
    tier_names: Mapping[str, str] | None = None,
    columns: Mapping[str, str] | None = None,
    coords: str = "wgs84",
) -> gpd.GeoDataFrame:
    """Normalise a layer of service centres (党群服务中心 … 驿站) like any other layer.

    Parameters
    ----------
    centres : GeoDataFrame
        Points (or polygons) with an id (``service_centre_id``, 编号, ``id`` …), a ``tier``
        (层级, 级别, 类型 …) and optionally a ``name``.
    tier_names : mapping, optional
        Extra names of tiers, ``{"your name": "post"}``; codes (``core``, ``district``,
        ``street``, ``community``, ``post``), the labels of :data:`TIERS` (e.g. 党群服务驿站)
        and their aliases (驿站, 社区, 街道 …) are recognised without it.
    columns : mapping, optional
        Explicit ``{your column: code name}`` mapping.
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Datum of the coordinates.

    Returns
    -------
    GeoDataFrame
        Index ``service_centre_id``; ``name``, ``tier`` (a code, <NA> when not recognised),
        ``tier_given`` (the value as given) and any other columns; EPSG:4326. Centres with an
        unknown tier are kept: :func:`service_access` reports them and counts them for the
        nearest centre of any tier only.

    Examples
    --------
    >>> import gridparty as gp
    >>> centres = gp.centre_layer(gp.sample_layer("service_centres"))
    >>> len(centres), "tier_given" in centres.columns
    (22, True)
    """
    layer, _ = normalise_layer(
        centres, CENTRE_LEVEL, columns=columns, coords=coords, argument="centres"
    )
    given = layer["tier_given"].astype(TEXT_DTYPE) if "tier_given" in layer else layer["tier"]
    lookup = tier_lookup(tier_names)
    tier = given.str.strip().str.casefold().map(lookup, na_action="ignore").astype(TEXT_DTYPE)
    return layer.assign(tier=tier, tier_given=given)


# -- life circles ----------------------------------------------------------------------------------

#: Walking distances of the 5/10/15-minute community life circles (metres): GB 50180-2018
#: 城市居住区规划设计标准 and TD/T 1062-2021 社区生活圈规划技术指南 give 300 m, 500 m and
#: 800–1000 m; the 15-minute band takes the stricter 800 m.
LIFE_CIRCLE_M: MappingProxyType[float, float] = MappingProxyType({5: 300.0, 10: 500.0, 15: 800.0})
#: Walking speeds seen in planning practice (metres per minute), for ``speed_m_per_min``.
WALKING_SPEED_M_PER_MIN = (60.0, 80.0)
#: Service areas are the reachable streets widened by this much on each side (metres): a
#: picture for the map; the tables use exact distances.
DEFAULT_AREA_BUFFER_M = 40.0


def band_limits(
    minutes: Sequence[float] = (5, 10, 15), speed_m_per_min: float | None = None
) -> pd.Series:
    """The life-circle bands as distances in metres.

    Parameters
    ----------
    minutes : sequence of float
        Walking times of the bands, increasing (default 5, 10, 15).
    speed_m_per_min : float, optional
        Walking speed (metres per minute; 60–80 are seen). ``None``: the standard's distances
        :data:`LIFE_CIRCLE_M` (only for 5, 10 and 15 minutes).

    Returns
    -------
    Series
        Index ``minutes``, values ``distance_m``.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.band_limits().tolist()  # metres reached in 5, 10 and 15 minutes on foot
    [300.0, 500.0, 800.0]
    """
    mins = [float(m) for m in minutes]
    if not mins or any(not np.isfinite(m) or m <= 0 for m in mins) or sorted(set(mins)) != mins:
        raise InputError(f"minutes={tuple(minutes)!r} must be increasing positive numbers.")
    if speed_m_per_min is None:
        unknown = [m for m in mins if m not in LIFE_CIRCLE_M]
        if unknown:
            raise InputError(
                f"minutes {unknown} have no standard distance (only 5, 10, 15 do); pass "
                "speed_m_per_min, e.g. 60 or 80 metres per minute."
            )
        metres = [LIFE_CIRCLE_M[m] for m in mins]
    else:
        if not np.isfinite(speed_m_per_min) or speed_m_per_min <= 0:
            raise InputError(f"speed_m_per_min={speed_m_per_min!r} must be > 0 (60–80 are seen).")
        metres = [m * speed_m_per_min for m in mins]
    return pd.Series(metres, index=pd.Index(mins, name="minutes"), name="distance_m")


def _band_of(distance_m: np.ndarray, bands_m: pd.Series) -> pd.Series:
    """The smallest band (minutes) each distance fits in; <NA> beyond the last."""
    pos = np.searchsorted(bands_m.to_numpy(), distance_m, side="left")
    minutes = np.r_[bands_m.index.to_numpy(dtype=float), np.nan][pos]
    return pd.Series(minutes, dtype="Float64")


# -- distances -------------------------------------------------------------------------------------

Status = Literal["ok", "far_from_street", "unreachable", "no_geometry"]


def _points_m(frame: gpd.GeoDataFrame, crs: pyproj.CRS) -> tuple[np.ndarray, np.ndarray]:
    """Metric x, y of a point inside each geometry, and which rows have a geometry at all."""
    raw = np.asarray(frame.geometry.array, dtype=object)
    if (
        frame.crs is not None
        and (
            (shapely.get_type_id(raw) == shapely.GeometryType.POINT) & ~shapely.is_empty(raw)
        ).all()
    ):
        xy = shapely.get_coordinates(raw)  # points: project the coordinates straight away
        to = pyproj.Transformer.from_crs(frame.crs, crs, always_xy=True)
        return np.column_stack(to.transform(xy[:, 0], xy[:, 1])), np.ones(len(raw), dtype=bool)
    geoms = measurable(frame, crs)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(geoms), 2), np.nan)
    if present.any():
        inside = geoms[present]
        points = shapely.get_type_id(inside) == shapely.GeometryType.POINT
        if not points.all():
            inside = np.where(points, inside, shapely.point_on_surface(inside))
        xy[present] = shapely.get_coordinates(inside)
    return xy, present


def centre_distances(
    origins: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | StreetNetwork | None = None,
    metric_crs: pyproj.CRS | str | int | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    engine: Engine = "scipy",
    snap_to: SnapTo = "edge",
) -> pd.DataFrame:
    """Distance in metres from every origin to the nearest centre of any tier and of each tier.

    Parameters
    ----------
    origins : GeoDataFrame
        Households, buildings or compounds (polygons are measured from a point inside them).
    centres : GeoDataFrame
        From :func:`centre_layer` (a ``tier`` column of codes); other frames are normalised.
    streets : GeoDataFrame or StreetNetwork, optional
        The street lines (or a network built from them) for network distances.
    metric_crs : CRS-like, optional
        Projected CRS in metres; default the network's, else the UTM zone of the origins. A
        geographic CRS raises :class:`~gridparty.core.errors.CRSError`.
    max_snap_m : float
        Origins farther than this from every street get ``status`` ``far_from_street``.
    engine : {"scipy", "networkx"}
        Shortest-path engine (same distances).
    snap_to : {"edge", "node"}
        Snap homes and centres to the nearest point of a street (exact) or to the nearest
        node (about ten times faster for millions of homes; coarser). See
        :meth:`~gridparty.spatial.network.StreetNetwork.snap`.

    Returns
    -------
    DataFrame
        Index of ``origins``: ``straight_m``, ``network_m`` (NaN without streets; ``inf``
        when no centre is reachable), ``distance_m`` (network if measured, else straight),
        ``centre_id`` (nearest by ``distance_m``), ``snap_m``, ``component`` (street part),
        ``status`` (``ok``, ``far_from_street``, ``unreachable``, ``no_geometry``) and
        ``<tier>_m`` for each tier present (``distance_m`` to the nearest centre of it).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> d = gp.centre_distances(h.buildings, gp.sample_layer("service_centres"))
    >>> d.shape, list(d.columns[:3])
    ((1321, 12), ['straight_m', 'network_m', 'distance_m'])
    """
    if not isinstance(centres, gpd.GeoDataFrame) or "tier_given" not in centres:
        centres = centre_layer(centres)
    origins = ensure_wgs84(origins, "origins")
    if not np.isfinite(max_snap_m) or max_snap_m < 0:
        raise InputError(f"max_snap_m={max_snap_m!r} must be a distance in metres >= 0.")
    network = _as_network(streets, metric_crs)
    metric = network.crs if network is not None else _metric_of(origins, metric_crs)
    origin_xy, present = _points_m(origins, metric)
    centre_xy, centre_ok = _points_m(centres, metric)
    centre_xy, centre_ids = centre_xy[centre_ok], centres.index[centre_ok]
    tiers = centres["tier"].astype(object).fillna("").to_numpy()[centre_ok]
    table = _Measured(origin_xy[present], centre_xy, network, engine, snap_to)
    out = table.frame(centre_ids, tiers, max_snap_m)
    return _reindexed(out, origins.index, present)


def _as_network(
    streets: gpd.GeoDataFrame | StreetNetwork | None, crs: object
) -> StreetNetwork | None:
    if streets is None or isinstance(streets, StreetNetwork):
        if crs is not None:
            check_metric_crs(crs)
        return streets
    return street_network(streets, metric_crs=crs)  # type: ignore[arg-type]  # a CRS, str or int given by the caller


def _metric_of(frame: gpd.GeoDataFrame, crs: object) -> pyproj.CRS:
    from gridparty.core.coords import metric_crs

    return check_metric_crs(crs) if crs is not None else metric_crs(frame)


@dataclass(frozen=True)
class _Measured:
    """Origins and centres in one metric CRS, and the network between them (if any)."""

    origin_xy: np.ndarray
    centre_xy: np.ndarray
    network: StreetNetwork | None
    engine: Engine
    snap_to: SnapTo

    def straight(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Straight distance (m) to the nearest centre among ``mask``, and its position."""
        pos = np.flatnonzero(mask)
        dist = np.full(len(self.origin_xy), np.inf)
        near = np.full(len(self.origin_xy), -1, dtype=np.int64)
        if len(pos) and len(self.origin_xy):
            dist, j = cKDTree(self.centre_xy[pos]).query(self.origin_xy, workers=-1)  # type: ignore[assignment]  # many points in, arrays out
            near = pos[j]
        return dist, near

    def along(
        self, origins: Snapped, sources: Snapped, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Network distance (m) to the nearest centre among ``mask``, and its position."""
        pos = np.flatnonzero(mask)
        network: StreetNetwork = self.network  # type: ignore[assignment]
        found = network.nearest(origins, _subset(sources, pos), engine=self.engine)
        return found.distance_m, np.r_[pos, -1][found.source]  # -1 stays -1: none reachable

    def frame(self, centre_ids: pd.Index, tiers: np.ndarray, max_snap_m: float) -> pd.DataFrame:
        every = np.ones(len(centre_ids), dtype=bool)
        straight, near = self.straight(every)
        out = {"straight_m": straight}
        status = np.full(len(straight), "ok", dtype=object)
        if self.network is None:
            distance, measure = straight, self.straight
            out |= {"network_m": np.full(len(straight), np.nan)}
            snap_m = component = np.full(len(straight), np.nan)
        else:
            origins = self.network.snap(self.origin_xy, to=self.snap_to)
            sources = self.network.snap(self.centre_xy, to=self.snap_to)

            def measure(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                return self.along(origins, sources, mask)

            distance, near = measure(every)
            out |= {"network_m": distance}
            snap_m, component = origins.snap_m, origins.component.astype(float)
            status[snap_m > max_snap_m] = "far_from_street"
            status[~np.isfinite(distance)] = "unreachable"
        ids = np.r_[np.asarray(centre_ids, dtype=object), None]  # position -1: no centre
        out |= {
            "distance_m": distance,
            "centre_id": pd.array(ids[near], dtype=TEXT_DTYPE),
            "snap_m": snap_m,
            "component": pd.array(component, dtype="Float64").astype("Int64"),  # type: ignore[dict-item]  # an ExtensionArray column
            "status": pd.array(status, dtype=TEXT_DTYPE),
        }
        for code in _TIER_CODES:
            mask = tiers == code
            if mask.all():
                out[f"{code}_m"] = distance
            elif mask.any():
                out[f"{code}_m"] = measure(mask)[0]
        return pd.DataFrame(out)


def _subset(snapped: Snapped, pos: np.ndarray) -> Snapped:
    return Snapped(*(getattr(snapped, f)[pos] for f in snapped.__dataclass_fields__))


def _reindexed(table: pd.DataFrame, index: pd.Index, present: np.ndarray) -> pd.DataFrame:
    """Rows for every origin: those without geometry get NaN distances and ``no_geometry``."""
    rows = np.full(len(index), -1, dtype=np.int64)
    rows[present] = np.arange(int(present.sum()))
    out = table.reindex(rows).set_axis(index)
    out.loc[~present, "status"] = "no_geometry"
    return out


# -- the whole analysis ----------------------------------------------------------------------------

_SEVERITY = {
    "unknown_tier": "warning",
    "far_from_street": "warning",
    "unreachable": "error",
    "disconnected_streets": "warning",
    "no_geometry": "warning",
}


@dataclass(frozen=True, repr=False)
class ServiceAccess(Tables):
    """Result of :func:`service_access`.

    Attributes
    ----------
    measure : {"network", "straight"}
        How ``distance_m`` was measured.
    bands_m : Series
        Life-circle bands: index minutes, values metres.
    threshold_m : float
        Homes farther than this from every centre are under-served (metres).
    centres : GeoDataFrame
        The normalised centres (``tier`` codes, ``tier_given``).
    buildings : GeoDataFrame
        Every building: ``grid_id``, ``community_id``, ``households``, ``member_households``,
        ``members`` (formal + probationary), the columns of :func:`centre_distances`,
        ``band_min`` (smallest band it is in, <NA> beyond) and ``under_served``.
    households : DataFrame
        Every member household (personal: no geometry, never mapped): ``building_id``, the
        columns of :func:`centre_distances` and ``band_min``.
    communities : DataFrame
        Per community: ``households`` and ``member_households``, and the share (0–1) of each
        within every band (``households_5min`` …, ``member_households_5min`` …).
    service_areas : GeoDataFrame
        One polygon per band (``minutes``, ``distance_m``): where homes are within reach.
    under_served : GeoDataFrame
        Buildings with homes beyond ``threshold_m``, ranked (``rank`` 1 = most households).
    compounds : GeoDataFrame or None
        Compounds (小区) with under-served homes, ranked; ``None`` when none were given.
    components : DataFrame or None
        Street parts: ``nodes``, ``segments``, ``length_m``, ``centres``, ``buildings``,
        ``households``, ``member_households`` and ``stranded`` (homes but no centre).
    issues : DataFrame
        ``level, id, check, severity, message``: unknown tiers, homes far from any street,
        homes no centre can reach, street parts that strand homes.
    network : StreetNetwork or None
        The street network used.
    parents_filled : dict
        How many parent ids were filled from space before the roll-ups, per level
        (:func:`gridparty.spatial.assign.with_parents`).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> access = gp.service_access(h, gp.sample_layer("service_centres"), threshold_m=500)
    >>> access.measure, len(access.centres), len(access.buildings)
    ('straight', 22, 1321)
    """

    measure: Literal["network", "straight"]
    bands_m: pd.Series
    threshold_m: float
    centres: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    households: pd.DataFrame
    communities: pd.DataFrame
    service_areas: gpd.GeoDataFrame
    under_served: gpd.GeoDataFrame
    compounds: gpd.GeoDataFrame | None
    components: pd.DataFrame | None
    issues: pd.DataFrame
    network: StreetNetwork | None
    max_snap_m: float
    engine: Engine
    snap_to: SnapTo
    parents_filled: dict[str, int] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return (
            f"<ServiceAccess: {self.measure}, {len(self.centres):,} centres, "
            f"{len(self.buildings):,} buildings, {len(self.under_served):,} under-served beyond "
            f"{self.threshold_m:,.0f} m, {len(self.issues):,} issues>"
        )

    def summary(self) -> pd.DataFrame:
        """Headline figures: centres per tier, shares within each band, the under-served."""
        b = self.buildings
        homes = b["households"].fillna(0)
        total = float(homes.sum())
        out: dict[str, object] = {
            "measure": self.measure,
            "threshold_m": self.threshold_m,
            "centres": len(self.centres),
        }
        for code in _TIER_CODES:
            out[f"centres_{code}"] = int((self.centres["tier"] == code).sum())
        out["centres_unknown_tier"] = int(self.centres["tier"].isna().sum())
        out["households"] = int(total)
        for minutes, metres in self.bands_m.items():
            within = float(homes[b["distance_m"] <= metres].sum())
            out[f"households_within_{minutes:g}min"] = within / total if total else np.nan
        out["under_served_buildings"] = len(self.under_served)
        out["under_served_households"] = int(self.under_served["households"].sum())
        out["under_served_members"] = int(self.under_served["members"].sum())
        for check in ("far_from_street", "unreachable"):
            out[f"buildings_{check}"] = int((b["status"] == check).sum())
        return figures(out)

    def public_centres(self) -> gpd.GeoDataFrame:
        """The centres with their public columns only (a layer's contact columns stay out)."""
        keep = [c for c in (*CENTRE_LEVEL.public_columns, "tier_given") if c in self.centres]
        return self.centres[[*keep, "geometry"]]

    def public_issues(self) -> pd.DataFrame:
        """The issues with household-level rows counted per check instead of listed (privacy)."""
        homes = self.issues["level"] == "household"
        counts = self.issues[homes].groupby("check").size()
        rolled = _issue_rows(
            "household",
            [pd.NA] * len(counts),  # type: ignore[list-item]  # no id: the rows are counted
            "",
            [f"{n} households (not listed: personal data)" for n in counts],
        ).assign(check=list(counts.index), severity=[_SEVERITY[c] for c in counts.index])
        return pd.concat([self.issues[~homes], rolled], ignore_index=True)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables: workbook sheets, and the GeoPackage layers when with geometry.

        No household-level table, row or contact: the centres are :meth:`public_centres`, the
        issues :meth:`public_issues` (see :attr:`households` for the personal table).
        """
        tables = {
            "life_circles": self.communities,
            "under_served_buildings": self.under_served,
            "buildings_access": self.buildings,
            "service_centres": self.public_centres(),
            "service_areas": self.service_areas,
            "access_issues": self.public_issues(),
        }
        if self.compounds is not None:
            tables["under_served_compounds"] = self.compounds
        if self.components is not None:
            tables["street_components"] = self.components
        return tables


def service_access(
    h: Hierarchy,
    centres: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | StreetNetwork | None = None,
    compounds: gpd.GeoDataFrame | None = None,
    minutes: Sequence[float] = (5, 10, 15),
    speed_m_per_min: float | None = None,
    threshold_m: float | None = None,
    tier_names: Mapping[str, str] | None = None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    area_buffer_m: float = DEFAULT_AREA_BUFFER_M,
    engine: Engine = "scipy",
    snap_to: SnapTo = "edge",
) -> ServiceAccess:
    """Measure how far every home is from a service centre; bands, service areas, the under-served.

    Parameters
    ----------
    h : Hierarchy
        Buildings (with ``households``) and member households. Parent ids missing in it are
        filled from space first (``parents_filled`` on the result says how many).
    centres : GeoDataFrame
        Service centres with a ``tier`` (see :func:`centre_layer`).
    streets : GeoDataFrame or StreetNetwork, optional
        Street lines: distances along them (default: straight-line only).
    compounds : GeoDataFrame, optional
        Compound (小区) polygons, index = compound id; buildings belong to the compound that
        contains a point inside them. Under-served compounds are then ranked too.
    minutes, speed_m_per_min
        Life-circle bands, see :func:`band_limits` (default 5/10/15 min = 300/500/800 m).
    threshold_m : float, optional
        Under-served beyond this distance (metres); default the largest band.
    tier_names : mapping, optional
        Extra tier names, ``{"your name": "post"}``.
    max_snap_m : float
        Homes farther than this from any street are reported (metres).
    area_buffer_m : float
        Half-width of the drawn service areas around reachable streets (metres).
    engine : {"scipy", "networkx"}
        Shortest-path engine.
    snap_to : {"edge", "node"}
        Snapping to streets, see :func:`centre_distances`.

    Returns
    -------
    ServiceAccess

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> access = gp.service_access(h, gp.sample_layer("service_centres"),
    ...                            streets=gp.sample_layer("streets"), threshold_m=500)
    >>> access
    <ServiceAccess: network, 22 centres, 1,321 buildings, 481 under-served beyond 500 m, 0 issues>
    """
    if not isinstance(h, Hierarchy):
        raise InputError(f"h must be a gridparty.Hierarchy, got {type(h).__name__}.")
    filled = with_parents(h)
    h = filled.hierarchy
    bands = band_limits(minutes, speed_m_per_min)
    threshold = (
        float(bands.iloc[-1])
        if threshold_m is None
        else positive_number(threshold_m, "threshold_m", hint="metres")
    )
    positive_number(area_buffer_m, "area_buffer_m", hint="metres")
    centres = centre_layer(centres, tier_names=tier_names)
    network = _as_network(streets, None)
    crs = network.crs if network is not None else h.metric_crs

    def measured(frame: gpd.GeoDataFrame) -> pd.DataFrame:
        table = centre_distances(
            frame,
            centres,
            streets=network,
            metric_crs=None if network else crs,
            max_snap_m=max_snap_m,
            engine=engine,
            snap_to=snap_to,
        )
        return table.assign(band_min=_band_of(table["distance_m"].to_numpy(), bands).array)

    buildings = _building_table(h).join(measured(h.buildings))
    buildings = buildings.assign(
        under_served=(buildings["distance_m"] > threshold) & (buildings["households"] > 0)
    )
    households = h.households[["building_id"]].join(measured(h.households))
    components = None if network is None else _components(network, buildings, centres, crs, snap_to)
    return ServiceAccess(
        measure="network" if network is not None else "straight",
        bands_m=bands,
        threshold_m=threshold,
        centres=centres,
        buildings=buildings,
        households=households,
        communities=_community_shares(h, buildings, households, bands),
        service_areas=_service_areas(centres, network, crs, bands, area_buffer_m, snap_to),
        under_served=_ranked(buildings[buildings["under_served"]]),
        compounds=None if compounds is None else _compounds(compounds, buildings, crs),
        components=components,
        issues=_issues(centres, buildings, households, components),
        network=network,
        max_snap_m=max_snap_m,
        engine=engine,
        snap_to=snap_to,
        parents_filled=filled.filled,
    )


def _building_table(h: Hierarchy) -> gpd.GeoDataFrame:
    """Buildings with community, households (all, from the attribute) and member counts."""
    hh = h.households
    per = (
        pd.DataFrame(
            {
                "member_households": 1,
                "members": hh["formal_members"].fillna(0) + hh["probationary_members"].fillna(0),
                "formal_members": hh["formal_members"].fillna(0),
            }
        )
        .groupby(hh["building_id"])
        .sum()
    )
    b = h.buildings
    counts = per.reindex(b.index).fillna(0).astype("int64")
    members = counts["member_households"]
    households = b["households"].astype("Float64").fillna(members.astype("Float64"))
    households = households.where(households >= members, members).astype("int64")  # type: ignore[assignment]  # whole numbers
    return gpd.GeoDataFrame(
        {
            "grid_id": b["grid_id"],
            "community_id": h.grids["community_id"].reindex(b["grid_id"]).array,
            "households": households,
            "member_households": members,
            "members": counts["members"],
            "formal_members": counts["formal_members"],
        },
        index=b.index,
        geometry=b.geometry,
    )


def _community_shares(
    h: Hierarchy, buildings: pd.DataFrame, households: pd.DataFrame, bands: pd.Series
) -> pd.DataFrame:
    """Per community: homes and the share of them within each band (0–1)."""
    hh_com = buildings["community_id"].reindex(households["building_id"]).to_numpy()
    parts = {}
    for name, weight, dist, com in (
        (
            "households",
            buildings["households"].to_numpy(float),
            buildings["distance_m"].to_numpy(),
            buildings["community_id"].to_numpy(),
        ),
        (
            "member_households",
            np.ones(len(households)),
            households["distance_m"].to_numpy(),
            hh_com,
        ),
    ):
        frame = pd.DataFrame({"community_id": com, name: weight})
        for minutes, metres in bands.items():
            frame[f"{name}_{minutes:g}min"] = weight * (dist <= metres)
        parts[name] = frame.groupby("community_id", dropna=True).sum()
    table = h.communities[["name"]].join(pd.concat(parts.values(), axis=1)).fillna(0)
    for name in parts:
        cols = [c for c in table.columns if c.startswith(f"{name}_")]
        with np.errstate(invalid="ignore", divide="ignore"):
            table[cols] = table[cols].div(table[name].where(table[name] > 0), axis=0)
        table[name] = table[name].astype("int64")
    return table


def _ranked(frame: gpd.GeoDataFrame, key: str = "households") -> gpd.GeoDataFrame:
    """Rank rows by affected households, then members, then distance (farthest first)."""
    order = (
        frame.assign(_id=frame.index.astype(str))
        .sort_values([key, "members", "distance_m", "_id"], ascending=[False, False, False, True])
        .drop(columns="_id")
    )
    return order.assign(rank=np.arange(1, len(order) + 1))


def _compounds(
    compounds: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, crs: pyproj.CRS
) -> gpd.GeoDataFrame:
    """Compounds with under-served homes: their buildings beyond the threshold, ranked."""
    if not isinstance(compounds, gpd.GeoDataFrame):
        raise InputError(
            f"compounds must be a GeoDataFrame of polygons, got {type(compounds).__name__}."
        )
    polys = measurable(compounds, crs)
    xy, present = _points_m(buildings, crs)
    owner = np.full(len(buildings), -1, dtype=np.int64)
    b_i, c_i = shapely.STRtree(polys).query(shapely.points(xy[present]), predicate="within")
    owner[np.flatnonzero(present)[b_i]] = c_i
    ids = compounds.index.astype(TEXT_DTYPE)
    compound = np.where(owner >= 0, ids.to_numpy()[np.maximum(owner, 0)], None)
    inside = buildings.assign(compound_id=pd.array(compound, dtype=TEXT_DTYPE))
    served = inside[inside["compound_id"].notna()]
    bad = served[served["under_served"]]
    sums = bad.groupby("compound_id")[["households", "member_households", "members"]].sum()
    table = sums.join(
        served.groupby("compound_id").agg(
            buildings=("households", "size"), distance_m=("distance_m", "max")
        )
    )
    table = table.join(served.groupby("compound_id")["households"].sum().rename("all_households"))
    names = compounds["name"] if "name" in compounds else pd.Series(pd.NA, index=compounds.index)
    table.insert(0, "name", names.set_axis(ids).reindex(table.index).astype(TEXT_DTYPE))
    geometry = compounds.geometry.set_axis(ids).reindex(table.index)
    out = gpd.GeoDataFrame(table, geometry=geometry.to_crs(4326).array, crs=4326)  # type: ignore[operator]  # a GeoSeries' to_crs (the stubs see a geometry)
    out.index.name = "compound_id"
    return _ranked(out)


def _components(
    network: StreetNetwork,
    buildings: pd.DataFrame,
    centres: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    snap_to: SnapTo,
) -> pd.DataFrame:
    table = network.components()
    centre_xy, ok = _points_m(centres, crs)
    comp_c = network.snap(centre_xy[ok], to=snap_to).component if ok.any() else np.zeros(0, int)
    table["centres"] = np.bincount(comp_c, minlength=len(table))
    homes = buildings[buildings["component"].notna()]
    sums = homes.groupby(homes["component"].astype("int64"))[
        ["households", "member_households"]
    ].sum()
    table["buildings"] = (
        homes.groupby(homes["component"].astype("int64"))
        .size()
        .reindex(table.index)
        .fillna(0)
        .astype("int64")
    )
    table = table.join(sums).fillna(0)
    table[["households", "member_households"]] = table[["households", "member_households"]].astype(
        "int64"
    )
    table["stranded"] = (table["centres"] == 0) & (table["households"] > 0)
    return table


def _issues(
    centres: gpd.GeoDataFrame,
    buildings: pd.DataFrame,
    households: pd.DataFrame,
    components: pd.DataFrame | None,
) -> pd.DataFrame:
    rows: list[pd.DataFrame] = []
    unknown = centres[centres["tier"].isna()]
    rows.append(
        _issue_rows(
            "service_centre",
            unknown.index,  # type: ignore[arg-type]  # an Index of ids
            "unknown_tier",
            [
                f"tier {t!r} is not one of {', '.join(_TIER_CODES)} (or their names); counted for "
                f"the nearest centre of any tier only. Map it with tier_names={{{t!r}: 'post'}}."
                if pd.notna(t)
                else "no tier given; counted for the nearest centre of any tier only"
                for t in unknown["tier_given"]
            ],
        )
    )
    for level, table in (("building", buildings), ("household", households)):
        for check in ("far_from_street", "unreachable", "no_geometry"):
            bad = table[table["status"] == check]
            rows.append(
                _issue_rows(
                    level,
                    bad.index,  # type: ignore[arg-type]  # an Index of ids
                    check,
                    [
                        _status_message(check, snap, comp)
                        for snap, comp in zip(bad["snap_m"], bad["component"], strict=True)
                    ],
                )
            )
    if components is not None:
        bad = components[components["stranded"]]
        rows.append(
            _issue_rows(
                "streets",
                bad.index.astype(str),  # type: ignore[arg-type]  # an Index of ids
                "disconnected_streets",
                [
                    f"street part {k} ({int(r.segments)} segments, {r.length_m:,.0f} m) holds no "
                    f"centre and is not joined to one: it strands {int(r.buildings)} buildings, "
                    f"{int(r.households)} households, {int(r.member_households)} member households"
                    for k, r in bad.iterrows()
                ],
            )
        )
    return pd.concat(rows, ignore_index=True).astype(TEXT_DTYPE)


def _status_message(check: str, snap_m: float, component: object) -> str:
    if check == "far_from_street":
        return (
            f"{snap_m:,.0f} m from the nearest street (more than max_snap_m); the distance "
            "includes that walk, but a street may be missing from the data"
        )
    if check == "unreachable":
        return (
            f"on street part {component}, which no centre can reach: joined to the rest "
            "by no street in the data"
        )
    return "no geometry: not measured"


def _issue_rows(
    level: str, ids: Sequence[str], check: str, messages: Sequence[str]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": level,
            "id": list(ids),
            "check": check,
            "severity": _SEVERITY.get(check, pd.NA),
            "message": list(messages),
        },
        columns=list(ISSUE_COLUMNS),
    )


# -- service areas ---------------------------------------------------------------------------------


def _service_areas(
    centres: gpd.GeoDataFrame,
    network: StreetNetwork | None,
    crs: pyproj.CRS,
    bands: pd.Series,
    buffer_m: float,
    snap_to: SnapTo,
) -> gpd.GeoDataFrame:
    """One polygon per band: circles around centres, or the reachable streets widened."""
    xy, ok = _points_m(centres, crs)
    xy = xy[ok]
    if network is None:
        areas = [shapely.union_all(shapely.buffer(shapely.points(xy), d)) for d in bands]
    else:
        sources = network.snap(xy, to=snap_to)
        node_m = network.node_distances(sources)
        areas = [  # buffering pieces one by one and uniting them is ~10x faster than one buffer
            shapely.union_all(
                shapely.buffer(_reachable(network, sources, node_m, d), buffer_m, quad_segs=4)
            )
            for d in bands
        ]
    return gpd.GeoDataFrame(
        {"minutes": bands.index.to_numpy(), "distance_m": bands.to_numpy()},
        geometry=to_wgs84_array(np.array(areas, dtype=object), crs).array,
        crs=4326,
    )


def _reachable(
    network: StreetNetwork, sources: Snapped, node_m: np.ndarray, limit_m: float
) -> np.ndarray:
    """The pieces of segments within ``limit_m`` of a source along the streets (LineStrings)."""
    u, v = network.edges.T
    length = network.length_m
    from_u = np.clip(limit_m - node_m[u], 0, length) / length
    from_v = np.clip(limit_m - node_m[v], 0, length) / length
    starts = [np.zeros(len(u)), 1 - from_v]
    ends = [from_u, np.ones(len(u))]
    edges = [np.arange(len(u)), np.arange(len(u))]
    reach = np.maximum(limit_m - sources.snap_m, 0) / length[sources.edge]
    starts.append(np.clip(sources.t - reach, 0, 1))
    ends.append(np.clip(sources.t + reach, 0, 1))
    edges.append(sources.edge)
    start, end, edge = np.concatenate(starts), np.concatenate(ends), np.concatenate(edges)
    keep = end > start
    start, end, edge = start[keep], end[keep], edge[keep]
    a, b = network.xy[u[edge]], network.xy[v[edge]]
    return np.asarray(
        shapely.linestrings(
            np.stack([a + start[:, None] * (b - a), a + end[:, None] * (b - a)], axis=1)
        )
    )


# -- siting new posts ------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class PostSiting(Tables):
    """Result of :func:`site_posts`.

    Attributes
    ----------
    problem : {"lscp", "mclp"}
        Fewest posts covering every under-served home (LSCP) or ``k`` posts covering most (MCLP).
    posts : GeoDataFrame
        The proposed posts: ``candidate_id``, ``households`` and ``buildings`` they newly bring
        within the threshold (each home counted for its first post), point geometry. Empty
        when no home is under-served (0 posts needed). Every post newly reaches at least one
        building.
    coverage : Series
        Households in total, within the threshold before and after, the shares and the
        households no candidate can reach.
    siting : gridparty.spatial.siting.Siting
        The solver's answer (columns = candidates).
    threshold_m : float
        Covering distance in metres.
    requested : int or None
        ``k`` as asked for (MCLP); ``None`` for LSCP. ``len(posts)`` is smaller when fewer
        posts already reach every under-served household that any candidate can reach.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> access = gp.service_access(h, gp.sample_layer("service_centres"), threshold_m=500)
    >>> posts = gp.site_posts(access, k=2)
    >>> posts.problem, len(posts.posts)
    ('mclp', 2)
    """

    problem: Literal["lscp", "mclp"]
    posts: gpd.GeoDataFrame
    coverage: pd.Series
    siting: Siting
    threshold_m: float
    requested: int | None = None

    def __repr__(self) -> str:
        return (
            f"<PostSiting: {self.problem}, {len(self.posts)} posts, households within "
            f"{self.threshold_m:,.0f} m {self.coverage['share_before']:.1%} → "
            f"{self.coverage['share_after']:.1%}>"
        )

    @property
    def complete(self) -> bool:
        """Every under-served household a candidate can reach is within the threshold after."""
        return bool(self.siting.covered[self.siting.coverable].all())

    @property
    def note(self) -> str:
        """One sentence: posts needed (and requested), and whether they reach everyone."""
        limit = f"{self.threshold_m:,.0f} m"
        if not len(self.siting.covered):
            return f"0 posts needed: no household is beyond {limit} of a centre."
        unreachable = int(self.coverage["uncoverable_households"])
        rest = f"; {unreachable:,} households no candidate can reach" if unreachable else ""
        if not self.complete:
            return (
                f"{_posts_word(len(self.posts))} requested and opened; more are needed to bring "
                f"every under-served household within {limit}{rest}."
            )
        needed = (
            f"{_posts_word(len(self.posts))} needed to bring every under-served household "
            f"within {limit}"
        )
        if self.requested is not None and self.requested != len(self.posts):
            needed += f" ({self.requested:,} requested)"
        return needed + rest + "."

    def summary(self) -> pd.DataFrame:
        """The posts requested and opened, the coverage before and after, and :attr:`note`."""
        requested = {} if self.requested is None else {"posts_requested": self.requested}
        return figures(
            {
                "problem": self.problem,
                **requested,
                "posts": len(self.posts),
                "solver": self.siting.method,
                **self.coverage.to_dict(),  # type: ignore[dict-item]  # a row with text labels
                "note": self.note,
            }
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The proposed posts (a sheet of :meth:`to_excel`, a layer of :meth:`to_geopackage`)."""
        return {"posts": self.posts}


def _posts_word(n: int) -> str:
    return f"{n:,} post" if n == 1 else f"{n:,} posts"


def site_posts(
    access: ServiceAccess,
    *,
    k: int | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    threshold_m: float | None = None,
    solver: Literal["auto", "exact", "greedy"] = "auto",
) -> PostSiting:
    """Site new posts (驿站) for the under-served homes with LSCP or MCLP (spopt + CBC).

    The cost matrix is ours: network distances (metres) from every candidate to every
    under-served building when ``access`` was measured along streets, else straight-line.

    Parameters
    ----------
    access : ServiceAccess
        From :func:`service_access`.
    k : int, optional
        ``None``: the fewest posts that bring every under-served home within the threshold
        (LSCP); an integer: at most ``k`` posts that bring the most households within it
        (MCLP). When fewer posts already reach every under-served household a candidate can
        reach, no more are added: the answer is then the fewest posts that do (the LSCP when
        it needs at most ``k``), and :attr:`PostSiting.note` says so (requested vs needed).
    candidates : GeoDataFrame, optional
        Candidate sites (points or polygons, index = id). Default: every building (a point
        inside it); only candidates within the threshold of an under-served building in a
        straight line are considered.
    threshold_m : float, optional
        Covering distance (metres); default ``access.threshold_m``.
    solver : {"auto", "exact", "greedy"}
        See :func:`gridparty.spatial.siting.max_coverage`.

    Returns
    -------
    PostSiting
        With no under-served home, 0 posts (an empty ``posts`` table, coverage before =
        after): nothing is needed, which is an answer, not an error.

    Raises
    ------
    InputError
        Under-served homes but no candidate within the threshold of any of them (straight
        line), a bad ``k`` or ``threshold_m``.

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> access = gp.service_access(h, gp.sample_layer("service_centres"), threshold_m=500)
    >>> posts = gp.site_posts(access, k=2)  # the 2 posts reaching the most households
    >>> len(posts.posts), posts.complete
    (2, False)
    """
    from gridparty.spatial.siting import Siting, resolve_solver

    if not isinstance(access, ServiceAccess):
        raise InputError(
            f"access must be the result of service_access(), got {type(access).__name__}."
        )
    threshold = (
        access.threshold_m
        if threshold_m is None
        else positive_number(threshold_m, "threshold_m", hint="metres")
    )
    if k is not None:
        k = whole_number(k, "k", 1)
    b = access.buildings
    homes = b[(b["households"] > 0) & b["distance_m"].notna()]
    demand = homes[homes["distance_m"] > threshold]
    crs = access.network.crs if access.network is not None else _metric_of(b, None)
    if not len(demand):  # nothing under-served: 0 posts needed, a valid answer
        none = np.zeros(0, dtype=bool)
        siting = Siting(
            "lscp" if k is None else "mclp",
            resolve_solver(solver, 0),
            np.zeros(0, dtype=np.int64),
            none,
            none,
            np.zeros(0),
            True,
            0.0,
        )
        return _post_siting(
            pd.Index([]),
            np.zeros((0, 2)),
            crs,
            np.zeros((0, 0)),
            siting,
            homes,
            demand,
            threshold,
            k,
        )
    pool = b if candidates is None else candidates
    cand_xy, ok = _points_m(pool, crs)
    demand_xy, _ = _points_m(demand, crs)
    near = _near_demand(cand_xy, ok, demand_xy, threshold)
    cand_ids, cand_xy = pool.index[near], cand_xy[near]
    if not len(cand_ids):
        raise InputError(
            f"no candidate lies within {threshold:,.0f} m of an under-served building "
            f"({len(demand)} of them); pass candidates= nearer to them or a larger threshold_m."
        )
    cost = _cost(access.network, demand_xy, cand_xy, access.snap_to)
    siting = _solve(cost, k, threshold, demand["households"].to_numpy(float), solver)
    return _post_siting(cand_ids, cand_xy, crs, cost, siting, homes, demand, threshold, k)


def _solve(
    cost: np.ndarray,
    k: int | None,
    threshold: float,
    weights: np.ndarray,
    solver: Literal["auto", "exact", "greedy"],
) -> Siting:
    """LSCP (``k`` None) or MCLP; an MCLP that reaches every coverable home stops adding posts.

    When ``k`` posts reach every household any candidate can reach, the answer is the fewest
    posts that do (the LSCP, if it needs at most ``k``; else the ``k`` posts thinned greedily),
    so no post is opened that newly reaches nothing.
    """
    from gridparty.spatial.siting import max_coverage, set_cover

    if k is None:
        return set_cover(cost, max_cost=threshold, solver=solver)
    mclp = max_coverage(
        cost, min(k, cost.shape[1]), max_cost=threshold, weights=weights, solver=solver
    )
    if not mclp.covered[mclp.coverable].all():
        return mclp
    fewest = set_cover(cost, max_cost=threshold, solver=solver)
    chosen = fewest.chosen
    if len(chosen) > len(mclp.chosen):  # a greedy cover may need more than the k found
        thinned = set_cover(cost[:, mclp.chosen], max_cost=threshold, solver="greedy")
        chosen = mclp.chosen[thinned.chosen]
    covered = (cost[:, chosen] <= threshold).any(axis=1) if len(chosen) else mclp.covered
    return replace(mclp, chosen=chosen, covered=covered, seconds=mclp.seconds + fewest.seconds)  # type: ignore[arg-type]  # a boolean array


def _post_siting(
    ids: pd.Index,
    xy: np.ndarray,
    crs: pyproj.CRS,
    cost: np.ndarray,
    siting: Siting,
    homes: pd.DataFrame,
    demand: pd.DataFrame,
    threshold: float,
    k: int | None,
) -> PostSiting:
    weights = demand["households"].to_numpy(float)
    return PostSiting(
        problem=siting.problem,
        posts=_posts(ids, xy, crs, cost, siting.chosen, weights, threshold),
        coverage=_coverage(homes, demand, siting, weights),
        siting=siting,
        threshold_m=threshold,
        requested=k,
    )


def _near_demand(
    xy: np.ndarray, ok: np.ndarray, demand_xy: np.ndarray, limit_m: float
) -> np.ndarray:
    """Candidates within ``limit_m`` (straight) of any demand point: no other can cover one."""
    near = np.zeros(len(xy), dtype=bool)
    if len(demand_xy) and ok.any():
        pos = np.flatnonzero(ok)
        hit = shapely.STRtree(shapely.points(demand_xy)).query(  # type: ignore[arg-type]  # shapely returns an array for arrays
            shapely.points(xy[pos]), predicate="dwithin", distance=limit_m
        )[0]
        near[pos[np.unique(hit)]] = True
    return near


def _cost(
    network: StreetNetwork | None, rows_xy: np.ndarray, cols_xy: np.ndarray, snap_to: SnapTo
) -> np.ndarray:
    if network is None:
        return np.hypot(  # type: ignore[no-any-return]  # a numpy array
            rows_xy[:, None, 0] - cols_xy[None, :, 0], rows_xy[:, None, 1] - cols_xy[None, :, 1]
        )
    return network.cost_matrix(network.snap(rows_xy, to=snap_to), network.snap(cols_xy, to=snap_to))


def _posts(
    ids: pd.Index,
    xy: np.ndarray,
    crs: pyproj.CRS,
    cost: np.ndarray,
    chosen: np.ndarray,
    weights: np.ndarray,
    limit_m: float,
) -> gpd.GeoDataFrame:
    covers = cost[:, chosen] <= limit_m
    if len(chosen):
        first = np.where(covers.any(axis=1), np.argmax(covers, axis=1), -1)
    else:
        first = np.full(len(cost), -1)
    households = np.bincount(first[first >= 0], weights=weights[first >= 0], minlength=len(chosen))
    count = np.bincount(first[first >= 0], minlength=len(chosen))
    points = to_wgs84_array(shapely.points(xy[chosen]), crs)
    return gpd.GeoDataFrame(
        {
            "candidate_id": pd.array(np.asarray(ids)[chosen].astype(str), dtype=TEXT_DTYPE),
            "households": households.astype("int64"),
            "buildings": count.astype("int64"),
        },
        index=pd.RangeIndex(1, len(chosen) + 1, name="post"),
        geometry=points.array,
        crs=4326,
    )


def _coverage(
    homes: pd.DataFrame, demand: pd.DataFrame, siting: Siting, weights: np.ndarray
) -> pd.Series:
    total = float(homes["households"].sum())
    before = total - float(weights.sum())
    after = before + float(weights[siting.covered].sum())
    return pd.Series(
        {
            "households": int(total),
            "within_before": int(before),
            "share_before": before / total if total else np.nan,
            "within_after": int(after),
            "share_after": after / total if total else np.nan,
            "uncoverable_households": int(weights[~siting.coverable].sum()),
        }
    )
