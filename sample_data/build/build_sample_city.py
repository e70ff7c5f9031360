"""Build the bundled sample city: ``python sample_data/build/build_sample_city.py``.

Starts from the real OpenStreetMap footprints of the Bund (``bund_buildings.geojson`` beside this
file, © OpenStreetMap contributors, ODbL 1.0, prepared by ``prepare_footprints.py``) and generates
everything else deterministically from :data:`SEED`: communities and grids, households per
building, member households, grid workers, service centres, new economic and social
organisations, streets (``sample_streets.py``) and the alliance, pairing and list tables
(``sample_alliances.py``); then plants the defects listed in
:data:`gridparty.datasets.sample.SAMPLE_DEFECTS`. The result is written byte for byte to
``sample_data/sample_city.gpkg``, which the package ships and loads with
:func:`gridparty.sample_city`. CI rebuilds it and checks the bytes.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from sample_alliances import build as _alliance_layers
from sample_streets import sample_streets

from gridparty.core.errors import DataFileError
from gridparty.core.rules import DEFAULT_RULES
from gridparty.datasets.sample import (
    _BOOL_COLUMNS,
    _FLOAT_COLUMNS,
    _INT_COLUMNS,
    LAYERS,
    METRIC_CRS,
    PlantedDefect,
    _typed,
)
from gridparty.spatial.assign import largest_overlap

#: Seed of the stored sample city.
SEED = 20261123
#: Coordinates are stored rounded to this many decimals of a degree (1e-7° ≈ 1 cm).
DECIMALS = 7
#: Where the built file goes by default.
SAMPLE_CITY = Path(__file__).resolve().parents[1] / "sample_city.gpkg"
_FOOTPRINTS = Path(__file__).resolve().with_name("bund_buildings.geojson")

# -- density parameters (sample_data/README.md says why) -------------------------------------
STOREY_M = 3.0  # height of a storey: floors = height / 3 m
DEFAULT_FLOORS = 3  # where OSM has no height: the 2–3 storey lanes (里弄) of the Bund
M2_PER_HOUSEHOLD = (90.0, 120.0)  # floor area per household, drawn per building
MIN_RESIDENTIAL_M2 = 40.0  # smaller footprints are kiosks and sheds
MAX_RESIDENTIAL_HEIGHT_M = 100.0  # taller untagged towers are offices
MAX_RESIDENTIAL_M2 = 2_000.0  # larger untagged footprints are offices, malls and markets
MAX_COVERED_SHARE = 0.5  # footprints drawn mostly over another one are duplicates: no homes
MEMBER_HOUSEHOLD_SHARE = 0.045  # share of households with at least one party member
HOUSEHOLDS_PER_COMMUNITY = 3_000
MAX_COMMUNITY_KM2 = 1.5  # sparse areas (the Lujiazui business district) get more communities
HOUSEHOLDS_PER_GRID = 400
GRIDS_PER_COMMUNITY = (5, 8)
FULL_TIME_PER_GRID = 242 / 198  # published practice figures, docs/rules.md
PART_TIME_PER_GRID = 1_134 / 198


# A local equirectangular frame (metres, affine in lon/lat so straight lines stay straight),
# used only to build shapes; areas and overlaps are measured in METRIC_CRS.
_LON0, _LAT0 = 121.50, 31.238
_KX = 111_320.0 * np.cos(np.radians(_LAT0))
_KY = 110_860.0


# -- building and writing ----------------------------------------------------------


def build_sample_layers(seed: int = SEED) -> dict[str, gpd.GeoDataFrame]:
    """Generate the sample city's layers from the bundled real footprints.

    Parameters
    ----------
    seed : int
        Seed of the random draws (households per building, members, workers, names ...). The
        geometry of communities and grids follows the households, so it changes with the seed
        too; the stored sample uses :data:`SEED`.

    Returns
    -------
    dict of GeoDataFrame
        ``communities``, ``grids``, ``buildings``, ``households`` (index = id, the schema of
        :mod:`gridparty.core.schema`) and ``service_centres``, ``organisations``; all EPSG:4326.
        For the default seed the planted defects are :data:`SAMPLE_DEFECTS`; for any seed
        :func:`planted_defects` lists them.
    """
    layers, _ = _build(int(seed))
    return {name: frame.copy() for name, frame in layers.items()}


def planted_defects(seed: int = SEED) -> tuple[PlantedDefect, ...]:
    """The defects planted by :func:`build_sample_layers` for ``seed``."""
    return _build(int(seed))[1]


def write_sample_city(path: str | os.PathLike[str], seed: int = SEED) -> Path:
    """Write the sample city to one GeoPackage (layers :data:`LAYERS`), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.gpkg`` file to write; its folder must exist. An existing file is replaced only
        when the new one is complete.
    seed : int
        As for :func:`build_sample_layers`.

    Returns
    -------
    Path
        ``path``.
    """
    from gridparty.core.atomic import atomic_path
    from gridparty.core.io import reproducible_gpkg

    target = Path(path)
    layers = build_sample_layers(seed)
    with atomic_path(target) as tmp, reproducible_gpkg():
        for name in LAYERS:
            frame = _writable(layers[name])
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_file(tmp, layer=name, driver="GPKG", promote_to_multi=False)
            else:  # an attribute table (no geometry column)
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")
    return target


def _writable(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Index as a column; nullable dtypes as plain objects GDAL understands."""
    out = frame.reset_index()
    for column in out.columns:
        if column == "geometry":
            continue
        if column in _FLOAT_COLUMNS:
            out[column] = out[column].astype("float64")
        elif out[column].isna().any() or str(out[column].dtype) == "string":
            out[column] = out[column].astype(object).where(out[column].notna(), None)
        elif column in _BOOL_COLUMNS:
            out[column] = out[column].astype(bool)
        elif column in _INT_COLUMNS:
            out[column] = out[column].astype("int64")
    return out


# -- frames and coordinates ------------------------------------------------------------------


def _to_local(geoms: np.ndarray) -> np.ndarray:
    """Degrees → local metres (affine)."""
    return shapely.transform(geoms, lambda xy: (xy - (_LON0, _LAT0)) * (_KX, _KY))


def _to_degrees(geoms: np.ndarray) -> np.ndarray:
    """Local metres → degrees, snap-rounded to the 1e-7° lattice (valid polygons stay valid)."""
    raw = shapely.transform(geoms, lambda xy: xy / (_KX, _KY) + (_LON0, _LAT0))
    return shapely.set_precision(raw, 10.0**-DECIMALS)


def _lattice(value: float) -> float:
    """A coordinate on the 1e-7° lattice."""
    return float(np.round(value * 10.0**DECIMALS) / 10.0**DECIMALS)


def _area_m2(geoms: np.ndarray) -> np.ndarray:
    return gpd.GeoSeries(geoms, crs=4326).to_crs(METRIC_CRS).area.to_numpy()


# -- footprints and households per building ------------------------------------------------------

_RESIDENTIAL_KINDS = ("residential", "apartments", "house")
_RESIDENTIAL_NAME = "公寓|弄|新村|小区|苑|坊"


def _footprints() -> gpd.GeoDataFrame:
    """The bundled real footprints with gridparty building ids (``osm-w<way>``, ``osm-r<rel>``)."""
    if not _FOOTPRINTS.is_file():
        raise DataFileError(
            f"the bundled footprints {str(_FOOTPRINTS)!r} are missing; reinstall gridparty."
        )
    raw = pyogrio.read_dataframe(_FOOTPRINTS)
    osm = raw["osm_id"].astype("int64")
    kind = pd.Series(np.where(osm > 0, "osm-w", "osm-r"), index=raw.index)
    ids = pd.Index(kind + osm.abs().astype(str), name="building_id", dtype="string")
    out = raw.drop(columns="osm_id").set_axis(ids).assign(osm_id=osm.to_numpy())
    for column in ("name", "kind_detail", "addr_street", "addr_housenumber"):
        out[column] = out[column].astype("string")
    return out


def _households(fp: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Floors, a residential flag and the number of households of every footprint.

    Households = footprint area × residential floors / (90–120 m² per household), for
    footprints that look residential (see sample_data/README.md). Floors = height / 3 m,
    ``DEFAULT_FLOORS`` where OSM has no height; the ground floor of a building of 3 floors or
    more holds shops, not homes.
    """
    area = _area_m2(fp.geometry.array)
    height = fp["height_m"].where(fp["height_m"] > 0)
    floors = np.maximum(1, np.round(height / STOREY_M)).fillna(DEFAULT_FLOORS).astype("int64")
    kind = fp["kind_detail"]
    homes_by_name = fp["name"].str.contains(_RESIDENTIAL_NAME, regex=True).fillna(False)
    residential = kind.isin(_RESIDENTIAL_KINDS) | (
        kind.isna()
        & (fp["name"].isna() | homes_by_name)
        & ~(height > MAX_RESIDENTIAL_HEIGHT_M)
        & (area >= MIN_RESIDENTIAL_M2)
        & ((area <= MAX_RESIDENTIAL_M2) | homes_by_name)
        & (_covered_share(np.asarray(fp.geometry.array)) <= MAX_COVERED_SHARE)
    )
    home_floors = np.where(floors >= 3, floors - 1, floors)
    per_household = rng.uniform(*M2_PER_HOUSEHOLD, len(fp))
    households = np.maximum(1, np.round(area * home_floors / per_household)).astype("int64")
    return pd.DataFrame(
        {
            "floors": floors.to_numpy(),
            "residential": residential.to_numpy(dtype=bool),
            "households": np.where(residential, households, 0),
            "area_m2": area,
        },
        index=fp.index,
    )


def _covered_share(footprints: np.ndarray) -> np.ndarray:
    """Share (0–1) of each footprint's area that other footprints also cover."""
    i, j = shapely.STRtree(footprints).query(footprints, predicate="intersects")
    i, j = i[i != j], j[i != j]
    shared = np.bincount(
        i,
        weights=shapely.area(shapely.intersection(footprints[i], footprints[j])),
        minlength=len(footprints),
    )
    return np.minimum(1.0, shared / shapely.area(footprints))


# -- streets, communities and grids ----------------------------------------------------------------

#: Centre line of the Huangpu (south → north → east) and of Suzhou Creek (west → its mouth),
#: drawn by hand; they only decide which bank a building is on.
_HUANGPU = (
    (121.5005, 31.2200),
    (121.5005, 31.2240),
    (121.4985, 31.2280),
    (121.4960, 31.2310),
    (121.4935, 31.2335),
    (121.4912, 31.2370),
    (121.4915, 31.2405),
    (121.4905, 31.2432),
    (121.4920, 31.24435),
    (121.4935, 31.2455),
    (121.4985, 31.2472),
    (121.5050, 31.2485),
    (121.5150, 31.2500),
    (121.5300, 31.2530),
)
_SUZHOU_CREEK = (
    (121.4700, 31.2459),
    (121.4855, 31.2458),
    (121.4873, 31.2452),
    (121.4895, 31.2444),
    (121.4920, 31.24435),
)
_MOUTH = _HUANGPU.index(_SUZHOU_CREEK[-1])


@dataclass(frozen=True)
class _Street:
    """A street (街道) of the sample: its district, codes, extent and community names."""

    name: str
    district: str
    county_code: str  # 6-digit administrative code of the district
    street_code: str  # 3-digit code of the street within the district (illustrative)
    outline: tuple[tuple[float, float], ...]
    community_names: tuple[str, ...]  # north to south


_STREETS = (
    _Street(
        "外滩街道",
        "黄浦区",
        "310101",
        "002",
        ((121.47, 31.22), *_HUANGPU[: _MOUTH + 1], *_SUZHOU_CREEK[-2::-1]),
        (
            "外滩源社区",
            "北京东社区",
            "南京东社区",
            "九江社区",
            "福州社区",
            "广东社区",
            "延安东社区",
            "金陵社区",
            "十六铺社区",
            "老码头社区",
            "董家渡社区",
            "豫园社区",
        ),
    ),
    _Street(
        "北外滩街道",
        "虹口区",
        "310109",
        "009",
        (*_SUZHOU_CREEK, *_HUANGPU[_MOUTH + 1 :], (121.53, 31.26), (121.47, 31.26)),
        ("黄浦路社区", "乍浦社区", "北苏州社区", "长治社区"),
    ),
    _Street(
        "陆家嘴街道",
        "浦东新区",
        "310115",
        "005",
        (*_HUANGPU, (121.53, 31.22)),
        (
            "滨江社区",
            "陆家嘴社区",
            "银城社区",
            "东昌社区",
            "浦明社区",
            "世纪社区",
            "梅园社区",
            "崂山社区",
        ),
    ),
)

_CLOSE_M = (120.0, 90.0)  # built-up area: footprints grown by 120 m, shrunk by 90 m
_SIMPLIFY_M = 4.0
_BANK_M = 6.0  # half-width of the strip left free along the river and creek lines
_CUT_TOLERANCE = 0.05  # a cut may move this share of the weight to find a gap between buildings
_CUT_PENALTY_M2 = 4_000.0  # m² of crossed footprint worth one whole share of imbalance


def _street_of(points: np.ndarray) -> np.ndarray:
    """Index into ``_STREETS`` of the street containing each point (-1 for none)."""
    out = np.full(len(points), -1)
    for i, street in enumerate(_STREETS):
        out[shapely.contains(shapely.Polygon(street.outline), points)] = i
    return out


def _built_up(footprints: np.ndarray, outline: Sequence[tuple[float, float]]) -> shapely.Geometry:
    """The built-up area around ``footprints`` inside ``outline`` (degrees, on the lattice)."""
    grow, shrink = _CLOSE_M
    local = _to_local(footprints)
    closed = shapely.buffer(
        shapely.union_all(shapely.buffer(local, grow, quad_segs=4)), -shrink, quad_segs=4
    )
    parts = shapely.get_parts(closed)
    filled = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
    bank = shapely.buffer(_to_local(shapely.Polygon(outline)), -_BANK_M, join_style="mitre")
    region = shapely.intersection(shapely.simplify(filled, _SIMPLIFY_M), bank)
    return _to_degrees(np.array([region]))[0]


@dataclass(frozen=True)
class _Weights:
    """Where the households are: representative points (degrees) and weights."""

    xy: np.ndarray
    weight: np.ndarray
    crossing_cost: Callable[[np.ndarray], np.ndarray]


def _bisect(part: shapely.Geometry, k: int, w: _Weights) -> list[shapely.Geometry]:
    """Cut ``part`` into ``k`` pieces of about equal weight by straight lon/lat cuts."""
    if k == 1:
        return [part]
    k_low = k // 2
    inside = shapely.contains_xy(part, w.xy[:, 0], w.xy[:, 1])
    axis, at = _cut(part, w.xy[inside], w.weight[inside], k_low / k, w.crossing_cost)
    minx, miny, maxx, maxy = shapely.bounds(part)
    pad = 0.01  # degrees: the half-planes reach past the part on every side
    if axis == 0:
        low, high = (
            shapely.box(minx - pad, miny - pad, at, maxy + pad),
            shapely.box(at, miny - pad, maxx + pad, maxy + pad),
        )
    else:
        low, high = (
            shapely.box(minx - pad, miny - pad, maxx + pad, at),
            shapely.box(minx - pad, at, maxx + pad, maxy + pad),
        )
    return _bisect(shapely.intersection(part, low), k_low, w) + _bisect(
        shapely.intersection(part, high), k - k_low, w
    )


def _cut(
    part: shapely.Geometry,
    xy: np.ndarray,
    weight: np.ndarray,
    share: float,
    crossing_cost: Callable[[np.ndarray], np.ndarray],
) -> tuple[int, float]:
    """Axis (0 = a line of constant longitude) and lattice coordinate of the best cut.

    The cut runs across the longer side of ``part``; among the gaps between building points
    whose weight share below the cut is within ``_CUT_TOLERANCE`` of ``share``, it takes the
    one crossing the least footprint area (plus a penalty for imbalance).
    """
    minx, miny, maxx, maxy = shapely.bounds(part)
    axis = 0 if (maxx - minx) * _KX >= (maxy - miny) * _KY else 1
    lo, hi = (minx, maxx) if axis == 0 else (miny, maxy)
    if len(xy) < 2 or weight.sum() <= 0:
        return axis, _lattice(lo + share * (hi - lo))
    order = np.argsort(xy[:, axis], kind="stable")
    s, cum = xy[order, axis], np.cumsum(weight[order]) / weight.sum()
    gaps, below = (s[:-1] + s[1:]) / 2, cum[:-1]
    near = np.abs(below - share) <= _CUT_TOLERANCE
    if not near.any():
        near = np.abs(below - share) == np.abs(below - share).min()
    gaps, below = np.round(gaps[near], DECIMALS), below[near]
    across = (miny, maxy) if axis == 0 else (minx, maxx)
    start = np.c_[gaps, np.full(len(gaps), across[0])]
    end = np.c_[gaps, np.full(len(gaps), across[1])]
    if axis == 1:
        start, end = start[:, ::-1], end[:, ::-1]
    lines = shapely.linestrings(np.stack([start, end], axis=1))
    score = crossing_cost(shapely.intersection(lines, part)) + _CUT_PENALTY_M2 * np.abs(
        below - share
    )
    return axis, _lattice(gaps[int(np.argmin(score))])


def _crossing_cost(
    footprints: np.ndarray, area_m2: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """Function: lines → footprint area (m²) each line crosses."""
    tree = shapely.STRtree(footprints)

    def cost(lines: np.ndarray) -> np.ndarray:
        line, hit = tree.query(lines, predicate="intersects")
        return np.bincount(line, weights=area_m2[hit], minlength=len(lines))

    return cost


def _north_to_south(geoms: np.ndarray) -> np.ndarray:
    """Order of polygons from north to south (then west to east) by representative point."""
    xy = shapely.get_coordinates(shapely.point_on_surface(geoms))
    return np.lexsort((xy[:, 0], -np.round(xy[:, 1], 3)))


def _partition(
    fp: gpd.GeoDataFrame, table: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Communities over the built-up area of each street, and their grids."""
    geoms = np.asarray(fp.geometry.array)
    points = shapely.point_on_surface(geoms)
    street_of = _street_of(points)
    households = table["households"].to_numpy()
    weights = _Weights(
        shapely.get_coordinates(points),
        households + 0.002 * table["area_m2"].to_numpy(),
        _crossing_cost(geoms, table["area_m2"].to_numpy()),
    )
    communities, grids = [], []
    for s, street in enumerate(_STREETS):
        mine = street_of == s
        region = _built_up(geoms[mine], street.outline)
        n = max(
            round(households[mine].sum() / HOUSEHOLDS_PER_COMMUNITY),
            int(np.ceil(_area_m2(np.array([region]))[0] / 1e6 / MAX_COMMUNITY_KM2)),
        )
        pieces = _round(np.array(_bisect(region, n, weights), dtype=object))
        for seq, piece in enumerate(pieces[_north_to_south(pieces)], start=1):
            code = f"{street.county_code}{street.street_code}{seq:03d}"
            name = street.community_names[seq - 1]
            inside = households[shapely.contains(piece, points)].sum()
            k = int(np.clip(round(inside / HOUSEHOLDS_PER_GRID), *GRIDS_PER_COMMUNITY))
            tiles = _round(np.array(_bisect(piece, k, weights), dtype=object))
            tiles = tiles[_north_to_south(tiles)]
            grids += [
                (f"{code}{g:02d}", code, f"{name}第{g}网格", tile)
                for g, tile in enumerate(tiles, start=1)
            ]
            communities.append((code, name, street.name, street.district))
    grids = _frame(grids, ["grid_id", "community_id", "name"])
    grids["geometry"] = _noded(np.asarray(grids.geometry.array))
    union = grids.geometry.groupby(grids["community_id"]).agg(shapely.union_all)
    com = pd.DataFrame(communities, columns=["community_id", "name", "street", "district"])
    com = gpd.GeoDataFrame(
        com.astype("string").set_index("community_id"),
        geometry=union.reindex(com["community_id"]).to_numpy(),
        crs=4326,
    )
    return com, grids


def _round(geoms: np.ndarray) -> np.ndarray:
    """Coordinates rounded to the 1e-7° lattice, vertex by vertex (no snap rounding).

    Tiles cut from one polygon share their vertices, so they round alike and keep tiling.
    """
    out = shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
    if not shapely.is_valid(out).all():
        raise RuntimeError("rounding made a sample-city tile invalid; change the cut settings")
    return out


def _noded(tiles: np.ndarray) -> np.ndarray:
    """Insert into every tile the vertices of the others lying on its edges.

    Tiles then share every vertex along common edges, so they still tile exactly after
    projection to a metric CRS (a vertex lying on a neighbour's straight edge in degrees is
    off that edge by millimetres in UTM, which adds up to square metres along long edges).
    """
    reference = shapely.multipoints(shapely.get_coordinates(tiles))
    return shapely.snap(tiles, reference, tolerance=10.0 ** -(DECIMALS + 3))


def _frame(rows: list[tuple], columns: list[str]) -> gpd.GeoDataFrame:
    """GeoDataFrame from ``(id, *attributes, geometry)`` rows; string columns, id index."""
    table = pd.DataFrame([r[:-1] for r in rows], columns=columns, dtype="string")
    return gpd.GeoDataFrame(
        table.set_index(columns[0]),
        geometry=np.array([r[-1] for r in rows], dtype=object),
        crs=4326,
    )


# -- member households -----------------------------------------------------------------------------

_FORMAL_PER_HOUSEHOLD = ((0, 1, 2, 3), (0.04, 0.78, 0.16, 0.02))
_PROBATIONARY_SHARE = 0.05  # of member households with formal members: one probationary too
_HUB_SHARE = 0.08  # of member households: 党员中心户
_INNER_M = 0.5  # households lie at least this far inside their building


def _member_households(
    footprints: np.ndarray, households: np.ndarray, rng: np.random.Generator
) -> gpd.GeoDataFrame:
    """Member households: how many per building, their members and a point inside.

    Each household of a building has a party member with probability
    ``MEMBER_HOUSEHOLD_SHARE``; members per household follow ``_FORMAL_PER_HOUSEHOLD``.
    ``姓名`` and ``联系电话`` are made up and obviously fake (they exist so that privacy checks
    have personal data to keep off maps).
    """
    count = rng.binomial(households, MEMBER_HOUSEHOLD_SHARE)
    building = np.repeat(np.arange(len(footprints)), count)
    n = len(building)
    values, p = _FORMAL_PER_HOUSEHOLD
    formal = rng.choice(values, size=n, p=p)
    probationary = np.where(formal == 0, 1, rng.random(n) < _PROBATIONARY_SHARE).astype("int64")
    hub = rng.random(n) < _HUB_SHARE
    points = _points_inside(footprints, building, rng)
    seq = np.arange(1, n + 1).astype(str)
    ids = pd.Index(np.char.add("HH", np.char.zfill(seq, 5)), name="household_id", dtype="string")
    return gpd.GeoDataFrame(
        {
            "building_index": building,
            "formal_members": pd.array(formal, dtype="Int64"),
            "probationary_members": pd.array(probationary, dtype="Int64"),
            "is_hub": pd.array(hub, dtype="boolean"),
            "姓名": pd.array(np.char.add("虚构户主", np.char.zfill(seq, 5)), dtype="string"),
            "联系电话": pd.array(np.char.add("100", np.char.zfill(seq, 8)), dtype="string"),
        },
        index=ids,
        geometry=points,
        crs=4326,
    )


def _points_inside(
    footprints: np.ndarray, which: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """A random point (on the 1e-7° lattice) strictly inside ``footprints[which]`` each.

    Points keep ``_INNER_M`` from the building outline and avoid places where two footprints
    overlap, so each point lies in exactly one building. Rejection sampling, vectorised.
    """
    inner_all = shapely.transform(
        shapely.buffer(_to_local(footprints), -_INNER_M),
        lambda xy: xy / (_KX, _KY) + (_LON0, _LAT0),
    )
    inner = inner_all[which]
    bounds = shapely.bounds(footprints[which])
    tree = shapely.STRtree(footprints)
    x = np.full(len(which), np.nan)
    y = np.full(len(which), np.nan)
    todo = np.arange(len(which))
    for _ in range(200):
        if not len(todo):
            break
        u = rng.random((len(todo), 2))
        b = bounds[todo]
        px = np.round(b[:, 0] + u[:, 0] * (b[:, 2] - b[:, 0]), DECIMALS)
        py = np.round(b[:, 1] + u[:, 1] * (b[:, 3] - b[:, 1]), DECIMALS)
        hits = np.bincount(
            tree.query(shapely.points(px, py), predicate="intersects")[0], minlength=len(todo)
        )
        ok = shapely.contains_xy(inner[todo], px, py) & (hits == 1)
        x[todo[ok]], y[todo[ok]] = px[ok], py[ok]
        todo = todo[~ok]
    if len(todo):
        raise RuntimeError(f"could not place {len(todo)} households inside their buildings")
    return shapely.points(x, y)


# -- assembling the city -------------------------------------------------------------------------


@lru_cache(maxsize=2)
def _build(seed: int) -> tuple[dict[str, gpd.GeoDataFrame], tuple[PlantedDefect, ...]]:
    """Every layer of the sample city for ``seed`` and the defects planted in it (cached)."""
    rng = np.random.default_rng(seed)
    fp = _footprints()
    table = _households(fp, rng)
    communities, grids = _partition(fp, table)
    buildings = _building_layer(fp, table, grids)
    members = _member_households(np.asarray(fp.geometry.array), table["households"].to_numpy(), rng)
    households = members.assign(
        building_id=pd.array(fp.index.to_numpy()[members.pop("building_index")], dtype="string")
    )[["building_id", *members.columns]]
    city = _City(communities, grids, buildings, households)
    defects = _plant(city)
    city.grids = _grid_staff(city, rng)
    layers = {
        "communities": city.communities,
        "grids": city.grids,
        "buildings": city.buildings,
        "households": city.households,
        "service_centres": _service_centres(city),
        "organisations": _organisations(city, rng),
        "streets": sample_streets(  # generated: see gridparty/_sample_streets.py
            city.communities,
            city.grids,
            city.buildings,
            {street.name: shapely.Polygon(street.outline) for street in _STREETS},
        ),
    }
    built = {name: _typed(_round_layer(frame)) for name, frame in layers.items()}
    built.update({n: _typed(f) for n, f in _alliance_layers(built, seed).items()})
    return built, defects


def _round_layer(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Coordinates on the 1e-7° lattice (a no-op for what is already on it)."""
    return frame.set_geometry(
        shapely.transform(np.asarray(frame.geometry.array), lambda xy: np.round(xy, DECIMALS)),
        crs=4326,
    )


def _building_layer(
    fp: gpd.GeoDataFrame, table: pd.DataFrame, grids: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Buildings with their declared grid (the grid each overlaps most) and attributes."""
    best, _ = largest_overlap(
        np.asarray(fp.geometry.array), np.asarray(grids.geometry.array), METRIC_CRS
    )
    grid_ids = pd.array(np.where(best >= 0, grids.index.to_numpy()[best], None), dtype="string")
    return gpd.GeoDataFrame(
        {
            "grid_id": grid_ids,
            "name": fp["name"],
            "households": pd.array(table["households"], dtype="Int64"),
            "has_group": pd.array(np.zeros(len(fp), dtype=bool), dtype="boolean"),
            "osm_id": pd.array(fp["osm_id"], dtype="Int64"),
            "height_m": fp["height_m"].to_numpy(dtype=float),
            "floors": pd.array(table["floors"], dtype="Int64"),
            "residential": pd.array(table["residential"], dtype="boolean"),
            "kind_detail": fp["kind_detail"],
            "addr_street": fp["addr_street"],
            "addr_housenumber": fp["addr_housenumber"],
        },
        index=fp.index,
        geometry=fp.geometry.array,
        crs=4326,
    )


@dataclass
class _City:
    """The four layers while defects are planted (replaced, never edited in place)."""

    communities: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    households: gpd.GeoDataFrame

    def member_totals(self) -> pd.DataFrame:
        """Formal and all members per building, by declared building."""
        hh = self.households
        per = hh.groupby("building_id")[["formal_members", "probationary_members"]].sum()
        out = pd.DataFrame(
            {
                "formal": per["formal_members"].reindex(self.buildings.index).fillna(0),
                "members": per.sum(axis=1).reindex(self.buildings.index).fillna(0),
            }
        )
        return out.astype("int64")

    def formal_per_grid(self) -> pd.Series:
        """Formal members per grid, by declared parents."""
        formal = self.member_totals()["formal"]
        per = formal.groupby(self.buildings["grid_id"]).sum()
        return per.reindex(self.grids.index).fillna(0).astype("int64")


# -- planting the defects ----------------------------------------------------------------------------

_LEVEL_ORDER = {"community": 0, "grid": 1, "building": 2, "household": 3}
_STRIP_GAP_M = 10.0  # the strip holds two buildings at most this far apart ...
_STRIP_MARGIN_M = 3.0  # ... with this much room around them
_OVERLAP_SIZE_M = (40.0, 8.0)  # length along the shared edge, depth into the neighbour
_SPILL_SIZE_M = 24.0  # side of the square a grid bulges out by
_MIN_SPILL_M2 = 100.0


def _plant(city: _City) -> tuple[PlantedDefect, ...]:
    """Plant every defect of :data:`SAMPLE_DEFECTS` in ``city`` (each exactly once).

    Each lands in its own grid (the strip, the overlap and the spill-over in three different
    communities), so that no defect hides or causes another; the organisational flags follow
    :data:`gridparty.core.rules.DEFAULT_RULES` everywhere else.
    """
    used: set[str] = set()  # communities, grids and buildings already holding a defect
    found = [
        *_plant_strip(city, used),
        *_plant_overlap(city, used),
        *_plant_spill(city, used),
    ]
    city.grids = city.grids.set_geometry(_noded(np.asarray(city.grids.geometry.array)), crs=4326)
    found += [*_plant_bowtie(city, used), *_plant_wrong_building(city, used)]
    _apply_rules(city)
    found += [*_plant_no_branch(city, used), *_plant_no_group(city, used)]
    return tuple(sorted(found, key=lambda d: (_LEVEL_ORDER[d.level], d.check, d.id)))


def _community_name(city: _City, grid_id: str) -> str:
    return str(city.communities.at[city.grids.at[grid_id, "community_id"], "name"])


def _inside_grid(city: _City) -> np.ndarray:
    """True for buildings lying wholly (≥ 99.9 % of their area) in their declared grid."""
    best, share = largest_overlap(
        np.asarray(city.buildings.geometry.array),
        np.asarray(city.grids.geometry.array),
        METRIC_CRS,
    )
    declared = city.buildings["grid_id"].to_numpy(dtype=object)
    ids = city.grids.index.to_numpy(dtype=object)
    same = (best >= 0) & (declared == np.where(best >= 0, ids[best], None))
    return same & (share >= 0.999)


def _free_of_others(city: _City) -> np.ndarray:
    """True for buildings no other footprint touches."""
    return _covered_share(np.asarray(city.buildings.geometry.array)) == 0


def _with_geometry(
    frame: gpd.GeoDataFrame, ids: Sequence[str], geoms: Sequence[shapely.Geometry]
) -> gpd.GeoDataFrame:
    """A copy of ``frame`` with the geometry of rows ``ids`` replaced."""
    values = np.asarray(frame.geometry.array).copy()
    values[frame.index.get_indexer(ids)] = np.asarray(geoms, dtype=object)
    return frame.set_geometry(gpd.GeoSeries(values, index=frame.index, crs=4326))


def _metres_to_degrees(dx_m: float, dy_m: float) -> tuple[float, float]:
    return dx_m / _KX, dy_m / _KY


def _lattice_box(bounds: np.ndarray, pad_m: float) -> np.ndarray:
    """Boxes around ``bounds`` (n, 4) grown by ``pad_m`` and widened to the 1e-7° lattice."""
    dx, dy = _metres_to_degrees(pad_m, pad_m)
    scale = 10.0**DECIMALS
    lo = np.floor((bounds[:, :2] - (dx, dy)) * scale) / scale
    hi = np.ceil((bounds[:, 2:] + (dx, dy)) * scale) / scale
    return shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1])


def _plant_strip(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Cut a strip around two neighbouring homes out of their grid: covered by no grid."""
    b = city.buildings
    geoms = np.asarray(b.geometry.array)
    ok = _inside_grid(city) & _free_of_others(city) & b["residential"].to_numpy(dtype=bool)
    i, j = shapely.STRtree(_to_local(geoms)).query(
        _to_local(geoms), predicate="dwithin", distance=_STRIP_GAP_M
    )
    grid = b["grid_id"].to_numpy(dtype=object)
    keep = (i < j) & ok[i] & ok[j] & (grid[i] == grid[j])
    i, j = i[keep], j[keep]
    rect = _lattice_box(shapely.bounds(shapely.union(geoms[i], geoms[j])), _STRIP_MARGIN_M)
    hits = np.bincount(
        shapely.STRtree(geoms).query(rect, predicate="intersects")[0], minlength=len(rect)
    )
    tiles = np.asarray(city.grids.geometry.loc[grid[i]].array)
    room = shapely.distance(_to_local(rect), _to_local(shapely.boundary(tiles)))
    good = np.flatnonzero((hits == 2) & (room >= _STRIP_MARGIN_M))
    k = good[np.lexsort((b.index.to_numpy()[i[good]], grid[i[good]]))][0]
    gid, pair = grid[i[k]], sorted(b.index[[i[k], j[k]]])
    cid = city.grids.at[gid, "community_id"]
    city.grids = _with_geometry(city.grids, [gid], [shapely.difference(tiles[k], rect[k])])
    city.buildings = b.assign(grid_id=b["grid_id"].mask(b.index.isin(pair)))
    used.update({cid, gid, *pair})
    area = _area_m2(rect[k : k + 1])[0]
    name = city.communities.at[cid, "name"]
    return [
        PlantedDefect(
            "community",
            cid,
            "uncovered",
            f"a {area:,.0f} m² strip of {name} around buildings {pair[0]} and {pair[1]} is "
            f"cut out of grid {gid}: no grid covers it",
        ),
        *(
            PlantedDefect(
                "building",
                bid,
                "not_in_any_parent",
                f"lies in the uncovered strip of {name} (cut out of grid {gid}); no grid declared",
            )
            for bid in pair
        ),
    ]


def _straight_edges(a: shapely.Geometry, b: shapely.Geometry) -> np.ndarray:
    """The straight, axis-parallel pieces of the edge two tiles share (as 2-point lines)."""
    shared = shapely.line_merge(shapely.intersection(shapely.boundary(a), shapely.boundary(b)))
    parts = shapely.get_parts(shared)
    parts = shapely.simplify(parts[shapely.get_type_id(parts) == 1], 0)
    coords = [shapely.get_coordinates(p) for p in parts]
    straight = [len(c) == 2 and (c[0, 0] == c[1, 0] or c[0, 1] == c[1, 1]) for c in coords]
    return parts[np.asarray(straight, dtype=bool)] if len(parts) else parts


def _band_into(edge: shapely.LineString, into: shapely.Geometry) -> shapely.Geometry | None:
    """A lattice rectangle on ``edge``'s middle reaching into ``into`` (None if none fits)."""
    (x0, y0), (x1, y1) = shapely.get_coordinates(edge)
    length_m, depth_m = _OVERLAP_SIZE_M
    if np.hypot((x1 - x0) * _KX, (y1 - y0) * _KY) < 1.5 * length_m:
        return None
    half_x, half_y = _metres_to_degrees(length_m / 2, length_m / 2)
    deep_x, deep_y = _metres_to_degrees(depth_m, depth_m)
    mx, my = _lattice((x0 + x1) / 2), _lattice((y0 + y1) / 2)
    if x0 == x1:
        sides = [
            (mx, my - half_y, _lattice(mx + deep_x), my + half_y),
            (_lattice(mx - deep_x), my - half_y, mx, my + half_y),
        ]
    else:
        sides = [
            (mx - half_x, my, mx + half_x, _lattice(my + deep_y)),
            (mx - half_x, _lattice(my - deep_y), mx + half_x, my),
        ]
    for side in sides:
        band = shapely.box(*np.round(side, DECIMALS))
        if shapely.covers(into, band):
            return band
    return None


def _plant_overlap(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Stretch a grid over a building-free band of its neighbour in the same community."""
    grids = city.grids[~city.grids["community_id"].isin(used)]
    tiles = np.asarray(grids.geometry.array)
    tree = shapely.STRtree(np.asarray(city.buildings.geometry.array))
    a, b = shapely.STRtree(tiles).query(tiles, predicate="touches")
    com = grids["community_id"].to_numpy(dtype=object)
    keep = (a < b) & (com[a] == com[b])
    for i, j in zip(a[keep], b[keep], strict=True):
        for grower, into in ((i, j), (j, i)):
            for edge in _straight_edges(tiles[i], tiles[j]):
                band = _band_into(edge, tiles[into])
                if band is None or len(tree.query(band, predicate="intersects")):
                    continue
                ids = grids.index.to_numpy()
                grown = _round(np.array([shapely.union(tiles[grower], band)]))[0]
                city.grids = _with_geometry(city.grids, [ids[grower]], [grown])
                used.update({com[i], ids[i], ids[j]})
                first = min(ids[grower], ids[into])
                area = _area_m2(np.array([band]))[0]
                return [
                    PlantedDefect(
                        "grid",
                        first,
                        "overlap",
                        f"grid {ids[grower]} reaches {area:,.0f} m² into grid {ids[into]} "
                        f"({_community_name(city, ids[into])}; a building-free band along "
                        "their shared edge)",
                    )
                ]
    raise RuntimeError("no pair of grids fits the planted overlap; change _OVERLAP_SIZE_M")


def _plant_spill(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Make a grid bulge past its community's outer edge into land no community covers."""
    communities = np.asarray(city.communities.geometry.array)
    anywhere = shapely.union_all(communities)
    buildings = shapely.STRtree(np.asarray(city.buildings.geometry.array))
    grids = city.grids[~city.grids["community_id"].isin(used)]
    for gid, cid, tile in zip(grids.index, grids["community_id"], grids.geometry, strict=True):
        others = shapely.union_all(
            communities[city.communities.index != cid].tolist()
            + list(city.grids.geometry[city.grids.index != gid])
        )
        vertices = shapely.points(
            shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(tile)))
        )
        bumps = shapely.difference(
            _lattice_box(shapely.bounds(vertices), _SPILL_SIZE_M / 2), anywhere
        )
        fits = (
            (shapely.get_type_id(bumps) == shapely.GeometryType.POLYGON)
            & (_area_m2(bumps) >= _MIN_SPILL_M2)
            & (
                np.bincount(buildings.query(bumps, predicate="intersects")[0], minlength=len(bumps))
                == 0
            )
            & (shapely.distance(_to_local(bumps), _to_local(others)) >= _SPILL_SIZE_M / 4)
            & (shapely.length(shapely.intersection(bumps, shapely.boundary(tile))) > 0)
        )
        if not fits.any():
            continue
        bump = bumps[np.flatnonzero(fits)[0]]
        grown = _round(np.array([shapely.union(tile, bump)]))[0]
        city.grids = _with_geometry(city.grids, [gid], [grown])
        used.update({cid, gid})
        area = _area_m2(np.array([bump]))[0]
        return [
            PlantedDefect(
                "grid",
                gid,
                "outside_parent",
                f"grid {gid} bulges {area:,.0f} m² past the outer edge of its community "
                f"{city.communities.at[cid, 'name']} into land no community covers",
            )
        ]
    raise RuntimeError("no grid fits the planted spill-over; change _SPILL_SIZE_M")


def _plant_bowtie(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Swap two corners of a four-cornered footprint: a self-intersecting 'bow tie'."""
    b = city.buildings
    geoms = np.asarray(b.geometry.array)
    tiles = np.asarray(city.grids.geometry.reindex(b["grid_id"]).array)
    room = np.full(len(b), -1.0)
    has_tile = ~shapely.is_missing(tiles)
    room[has_tile] = shapely.distance(
        _to_local(geoms[has_tile]), _to_local(shapely.boundary(tiles[has_tile]))
    )
    four = (
        (shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON)
        & (shapely.get_num_coordinates(geoms) == 5)
        & (shapely.get_num_interior_rings(geoms) == 0)
    )
    no_members = ~b.index.isin(city.households["building_id"])
    ok = four & no_members & _inside_grid(city) & _free_of_others(city) & (room >= 5.0)
    ok &= ~b["grid_id"].isin(used).to_numpy() & ~b.index.isin(used)
    ok &= ~city.grids["community_id"].reindex(b["grid_id"]).isin(used).to_numpy()
    k = int(np.flatnonzero(ok)[0])
    ring = shapely.get_coordinates(geoms[k])
    bowtie = shapely.Polygon(ring[[0, 2, 1, 3, 0]])
    bid = b.index[k]
    city.buildings = _with_geometry(b, [bid], [bowtie])
    used.add(bid)
    return [
        PlantedDefect(
            "building",
            bid,
            "invalid_geometry",
            f"footprint of {bid} (grid {b.at[bid, 'grid_id']}, "
            f"{_community_name(city, b.at[bid, 'grid_id'])}) made self-intersecting: two of "
            "its four corners swapped into a bow tie",
        )
    ]


def _plant_wrong_building(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Declare a member household in the wrong building: the nearest other one of its grid.

    Both buildings keep enough members for their party group whichever building the
    household is counted in, so only the declared parent is wrong.
    """
    rules = DEFAULT_RULES
    b = city.buildings
    totals = city.member_totals()
    strong = (totals["members"] >= rules.group_min_members) & (
        totals["formal"] >= rules.group_min_formal
    )
    ok = pd.Series(_inside_grid(city) & _free_of_others(city), index=b.index) & strong
    ok &= ~b.index.isin(used) & ~b["grid_id"].isin(used)
    hh = city.households.join(totals, on="building_id")
    spare = (
        hh["members"] - hh["formal_members"] - hh["probationary_members"] >= rules.group_min_members
    ) & (hh["formal"] - hh["formal_members"] >= rules.group_min_formal)
    movable = hh[spare & ok.reindex(hh["building_id"]).to_numpy()]
    local = _to_local(np.asarray(b.geometry.array))
    for hid, source in zip(movable.index, movable["building_id"], strict=True):
        peers = b.index[ok & (b["grid_id"] == b.at[source, "grid_id"]) & (b.index != source)]
        if not len(peers):
            continue
        gaps = shapely.distance(local[b.index.get_loc(source)], local[b.index.get_indexer(peers)])
        target = peers[int(np.argmin(gaps))]
        city.households = city.households.assign(
            building_id=city.households["building_id"].mask(city.households.index == hid, target)
        )
        used.update({hid, source, target})
        return [
            PlantedDefect(
                "household",
                hid,
                "parent_mismatch",
                f"household {hid} lies in building {source} but is declared in {target}, its "
                f"neighbour in grid {b.at[source, 'grid_id']} "
                f"({_community_name(city, b.at[source, 'grid_id'])})",
            )
        ]
    raise RuntimeError("no member household fits the planted wrong building")


def _apply_rules(city: _City) -> None:
    """Branch and group flags as the rules want them (DEFAULT_RULES), by declared parents."""
    rules = DEFAULT_RULES
    totals = city.member_totals()
    group = (totals["members"] >= rules.group_min_members) & (
        totals["formal"] >= rules.group_min_formal
    )
    city.buildings = city.buildings.assign(has_group=pd.array(group, dtype="boolean"))
    branch = city.formal_per_grid() >= rules.branch_min_formal
    city.grids = city.grids.assign(has_branch=pd.array(branch, dtype="boolean"))


def _plant_no_branch(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Take the branch away from the grid with the fewest formal members that needs one."""
    formal = city.formal_per_grid()
    free = ~city.grids.index.isin(used) & ~city.grids["community_id"].isin(used)
    candidates = formal[city.grids["has_branch"].to_numpy(dtype=bool) & free]
    gid = min(candidates.index, key=lambda g: (candidates[g], g))
    city.grids = city.grids.assign(
        has_branch=city.grids["has_branch"].mask(city.grids.index == gid, False)
    )
    used.add(gid)
    return [
        PlantedDefect(
            "grid",
            gid,
            "members_without_branch",
            f"grid {gid} ({_community_name(city, gid)}) has {formal[gid]} formal members "
            f"(>= {DEFAULT_RULES.branch_min_formal}) but has_branch is False",
        )
    ]


def _plant_no_group(city: _City, used: set[str]) -> list[PlantedDefect]:
    """Take the party group away from the building with the fewest members that has one."""
    totals = city.member_totals()
    b = city.buildings
    free = ~b.index.isin(used) & b["grid_id"].notna() & ~b["grid_id"].isin(used)
    candidates = totals[b["has_group"].to_numpy(dtype=bool) & free.to_numpy()]
    bid = min(candidates.index, key=lambda i: (candidates.at[i, "members"], i))
    city.buildings = b.assign(has_group=b["has_group"].mask(b.index == bid, False))
    used.add(bid)
    return [
        PlantedDefect(
            "building",
            bid,
            "members_without_group",
            f"building {bid} (grid {b.at[bid, 'grid_id']}, "
            f"{_community_name(city, b.at[bid, 'grid_id'])}) has "
            f"{candidates.at[bid, 'members']} members, {candidates.at[bid, 'formal']} of them "
            "formal, but has_group is False",
        )
    ]


# -- grid workers, service centres, organisations ------------------------------------------------


def _grid_staff(city: _City, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """Full-time and part-time grid workers at published practice rates (docs/rules.md).

    One full-time worker per grid, a second in ``FULL_TIME_PER_GRID - 1`` of them; part-time
    workers Poisson-distributed around ``PART_TIME_PER_GRID``, scaled by the grid's households.
    """
    households = city.buildings.groupby("grid_id")["households"].sum()
    households = households.reindex(city.grids.index).fillna(0).to_numpy(dtype=float)
    n = len(households)
    full = 1 + (rng.random(n) < FULL_TIME_PER_GRID - 1)
    part = np.maximum(1, rng.poisson(PART_TIME_PER_GRID * households / households.mean()))
    columns = ["community_id", "name", "has_branch"]
    return city.grids[[*columns, "geometry"]].assign(
        full_time_workers=pd.array(full, dtype="Int64"),
        part_time_workers=pd.array(part, dtype="Int64"),
    )[[*columns, "full_time_workers", "part_time_workers", "geometry"]]


_POSTS = 6  # compound posts (驿站) for homes far from their community's centre


def _host_points(city: _City, host: Sequence[str]) -> np.ndarray:
    """A point inside each host building (its point on surface, on the lattice)."""
    geoms = np.asarray(city.buildings.geometry.loc[list(host)].array)
    return shapely.transform(shapely.point_on_surface(geoms), lambda xy: np.round(xy, DECIMALS))


def _nearest(city: _City, candidates: pd.Index, to: shapely.Geometry) -> str:
    """The candidate building nearest to ``to`` (ties broken by id)."""
    geoms = np.asarray(city.buildings.geometry.loc[candidates].array)
    gaps = shapely.distance(_to_local(geoms), _to_local(np.array([to]))[0])
    return min(zip(gaps, candidates, strict=True))[1]


def _service_centres(city: _City) -> gpd.GeoDataFrame:
    """The tiered network of party–masses service centres (党群服务中心) down to posts (驿站).

    One core centre (in the tallest building), one centre per district and per street, one
    station per community (in the home nearest its middle) and ``_POSTS`` posts in the
    homes farthest from their community's station.
    """
    b = city.buildings[city.buildings["grid_id"].notna()]
    valid = shapely.is_valid(np.asarray(b.geometry.array))
    homes = b.index[b["residential"].to_numpy(dtype=bool) & valid]
    offices = b.index[~b["residential"].to_numpy(dtype=bool) & valid]
    com = city.communities
    rows = [("core", "陆家嘴金融城党建服务中心", b.loc[offices, "height_m"].idxmax())]
    for level in ("district", "street"):
        for value, group in com.groupby(level, sort=False):
            centre = shapely.centroid(shapely.union_all(np.asarray(group.geometry.array)))
            free = offices.difference([r[2] for r in rows])
            rows.append((level, f"{value}党群服务中心", _nearest(city, free, centre)))
    stations = [_nearest(city, homes, shapely.point_on_surface(g)) for g in com.geometry]
    rows += [("community", f"{n}党群服务站", h) for n, h in zip(com["name"], stations, strict=True)]
    rows += [
        ("post", f"{com.at[c, 'name']}{i}号党群服务驿站", h)
        for i, (c, h) in enumerate(_far_homes(city, homes, stations), start=1)
    ]
    return _centre_frame(city, rows)


def _far_homes(city: _City, homes: pd.Index, stations: list[str]) -> list[tuple[str, str]]:
    """(community, home) for the ``_POSTS`` homes farthest from their community's station."""
    com_of_grid = city.grids["community_id"]
    home_com = com_of_grid.reindex(city.buildings.loc[homes, "grid_id"]).to_numpy()
    station = dict(zip(city.communities.index, stations, strict=True))
    geoms = _to_local(np.asarray(city.buildings.geometry.array))
    at = city.buildings.index.get_indexer
    gaps = shapely.distance(geoms[at(homes)], geoms[at([station[c] for c in home_com])])
    far = pd.DataFrame({"community": home_com, "home": homes, "gap": gaps})
    far = far.sort_values(["gap", "home"], ascending=[False, True]).drop_duplicates("community")
    return list(far.head(_POSTS)[["community", "home"]].itertuples(index=False, name=None))


def _centre_frame(city: _City, rows: list[tuple[str, str, str]]) -> gpd.GeoDataFrame:
    tier, name, host = (list(x) for x in zip(*rows, strict=True))
    grid = city.buildings.loc[host, "grid_id"].to_numpy()
    community = city.grids["community_id"].reindex(grid).to_numpy()
    com = city.communities.reindex(community)
    ids = pd.Index(
        [f"SC{i:02d}" for i in range(1, len(rows) + 1)], name="service_centre_id", dtype="string"
    )
    return gpd.GeoDataFrame(
        {
            "name": pd.array(name, dtype="string"),
            "tier": pd.array(tier, dtype="string"),
            "community_id": pd.array(community, dtype="string"),
            "street": pd.array(com["street"].to_numpy(), dtype="string"),
            "district": pd.array(com["district"].to_numpy(), dtype="string"),
            "building_id": pd.array(host, dtype="string"),
        },
        index=ids,
        geometry=_host_points(city, host),
        crs=4326,
    )


_ENTERPRISES, _SOCIAL = 36, 12
_FIRM_PREFIX = (
    "浦江",
    "外滩",
    "申城",
    "汇金",
    "东方",
    "滨江",
    "金桥",
    "启元",
    "中和",
    "恒信",
    "嘉禾",
    "远帆",
)
_FIRM_KIND = (
    "投资管理有限公司",
    "信息科技有限公司",
    "律师事务所",
    "会计师事务所",
    "融资租赁有限公司",
    "文化传媒有限公司",
    "商业管理有限公司",
    "咨询有限公司",
)
_SOCIAL_KIND = (
    "社会工作服务社",
    "志愿者协会",
    "养老服务中心",
    "文化促进会",
    "楼宇商会",
    "青年创业促进会",
)


def _organisations(city: _City, rng: np.random.Generator) -> gpd.GeoDataFrame:
    """New economic and social organisations (两新组织): firms in offices, NGOs anywhere.

    ``formal_members`` of a firm is 1 + a geometric count (mean about 9), of a social
    organisation 1–8; ``has_branch`` follows the ≥ 3 formal members rule.
    """
    b = city.buildings[city.buildings["grid_id"].notna()]
    geoms = np.asarray(b.geometry.array)
    valid = shapely.is_valid(geoms) & (_covered_share(geoms) <= MAX_COVERED_SHARE)
    offices = b.index[
        ~b["residential"].to_numpy(dtype=bool) & valid & (b["floors"].to_numpy(dtype=float) >= 4)
    ]
    anywhere = b.index[valid]
    firm_host = rng.choice(np.asarray(offices), _ENTERPRISES, replace=False)
    social_host = rng.choice(np.asarray(anywhere), _SOCIAL, replace=False)
    firm_name = rng.choice(len(_FIRM_PREFIX) * len(_FIRM_KIND), _ENTERPRISES, replace=False)
    social_name = rng.choice(len(_FIRM_PREFIX) * len(_SOCIAL_KIND), _SOCIAL, replace=False)
    names = [
        _FIRM_PREFIX[k // len(_FIRM_KIND)] + _FIRM_KIND[k % len(_FIRM_KIND)] for k in firm_name
    ]
    names += [
        _FIRM_PREFIX[k // len(_SOCIAL_KIND)] + _SOCIAL_KIND[k % len(_SOCIAL_KIND)]
        for k in social_name
    ]
    formal = np.r_[rng.geometric(1 / 9, _ENTERPRISES), rng.integers(1, 9, _SOCIAL)]
    host = [*firm_host, *social_host]
    geoms = np.asarray(city.buildings.geometry.array)
    points = _points_inside(geoms, city.buildings.index.get_indexer(host), rng)
    grid = city.buildings.loc[host, "grid_id"].to_numpy()
    ids = pd.Index(
        [f"ORG{i:03d}" for i in range(1, len(host) + 1)], name="organisation_id", dtype="string"
    )
    return gpd.GeoDataFrame(
        {
            "name": pd.array(names, dtype="string"),
            "kind": pd.array(
                ["enterprise"] * _ENTERPRISES + ["social_organisation"] * _SOCIAL, dtype="string"
            ),
            "formal_members": pd.array(formal, dtype="Int64"),
            "has_branch": pd.array(formal >= DEFAULT_RULES.branch_min_formal, dtype="boolean"),
            "community_id": pd.array(
                city.grids["community_id"].reindex(grid).to_numpy(), dtype="string"
            ),
            "building_id": pd.array(host, dtype="string"),
        },
        index=ids,
        geometry=points,
        crs=4326,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Build the sample city and write it (default: ``sample_data/sample_city.gpkg``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SAMPLE_CITY, help="GeoPackage to write")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the random draws")
    args = parser.parse_args(argv)
    written = write_sample_city(args.out, args.seed)
    print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
