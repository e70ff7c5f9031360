"""A deterministic synthetic city of any size: communities, grids, buildings, member households.

The city is laid out in metres on a patch of Chengdu (south-west corner near 104.02°E,
30.60°N) and stored in WGS84 (EPSG:4326). Communities tile the patch as a jittered lattice of
quadrilaterals (about 480 m × 400 m); each community is cut into 6 or 7 grids (two rows); each
grid holds 4–9 buildings, one per slot of a regular sub-lattice, so buildings lie inside their
grid and never overlap; each building is a 16-vertex footprint and its member households are
points strictly inside it.

``scale=1`` gives 1,000 buildings and 10,000 member households (about 154 grids, 23
communities); ``scale=200`` gives 200,000 buildings and 2,000,000 member households. Every step
is vectorised numpy, so the largest sizes generate in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.arguments import positive_number, whole_number
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.datasets.streets import boundary_streets

__all__ = ["synthetic_city", "synthetic_layers"]

#: South-west corner of the patch (degrees, WGS84): Chengdu, between Wuhou and the Hi-tech Zone.
ORIGIN_LON, ORIGIN_LAT = 104.02, 30.60
COMMUNITY_SIZE_M = (480.0, 400.0)
FOOTPRINT_VERTICES = 16
BUILDINGS_PER_SCALE = 1_000
HOUSEHOLDS_PER_SCALE = 10_000

_COMMUNITY_NAMES = np.array(
    [
        "玉林",
        "芳草",
        "桐梓林",
        "永丰",
        "双楠",
        "红牌楼",
        "望江",
        "锦华",
        "新南",
        "致民",
        "倪家桥",
        "紫荆",
        "肖家河",
        "簇锦",
        "金花",
        "机投",
        "晋阳",
        "华兴",
        "磨子桥",
        "九眼桥",
        "莲桂",
        "府河",
        "合江亭",
        "水井坊",
        "牛市口",
        "东光",
        "书院",
        "督院",
        "盐市口",
        "春熙",
    ]
)
_STREET_NAMES = np.array(
    [
        "玉林街道",
        "芳草街道",
        "火车南站街道",
        "石羊街道",
        "桂溪街道",
        "簇锦街道",
        "晋阳街道",
        "望江路街道",
        "浆洗街街道",
        "红牌楼街道",
        "华兴街道",
        "双楠街道",
    ]
)
_DISTRICT_NAMES = np.array(["武侯区", "锦江区", "青羊区", "成华区", "金牛区", "高新区"])


def synthetic_city(
    scale: float = 1.0, seed: int = 0, *, missing_share: float = 0.0, wrong_share: float = 0.0
) -> Hierarchy:
    """Generate a synthetic city as a :class:`~gridparty.core.model.Hierarchy`.

    Parameters
    ----------
    scale : float
        Size: ``scale * 1000`` buildings and ``scale * 10000`` member households.
    seed : int
        Seed of the numpy random generator; the same seed gives the same city.
    missing_share, wrong_share : float
        Share (0–1) of grids, buildings and households whose declared parent id is left blank,
        or set to another (existing, wrong) parent. Both default to 0: a consistent city.

    Returns
    -------
    Hierarchy
        See :func:`synthetic_layers` for the layers.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.synthetic_city(0.1)
    <Hierarchy: 3 communities, 16 grids, 100 buildings, 1,000 households>
    """
    from gridparty.core.model import Hierarchy

    layers = synthetic_layers(scale, seed, missing_share=missing_share, wrong_share=wrong_share)
    return Hierarchy(
        layers["communities"], layers["grids"], layers["buildings"], layers["households"]
    )


def synthetic_layers(
    scale: float = 1.0, seed: int = 0, *, missing_share: float = 0.0, wrong_share: float = 0.0
) -> dict[str, gpd.GeoDataFrame]:
    """Generate the four layers of a synthetic city (before they become a Hierarchy).

    Parameters
    ----------
    scale, seed, missing_share, wrong_share
        As in :func:`synthetic_city`.

    Returns
    -------
    dict of GeoDataFrame
        ``communities``, ``grids``, ``buildings``, ``households``, each in EPSG:4326 with the
        schema of its level: index = id (``C0001``, ``G000001``, ``B0000001``, ``H00000001``),
        the parent id column, and every attribute filled (names, street, district, branch and
        group flags, grid workers, households per building, formal/probationary members, hub
        households). Households lie strictly inside their building; buildings inside their
        grid, never overlapping; grids tile their community; communities tile the patch.
        Plus ``streets``: a generated street network along every grid boundary (lines, index
        ``road_id``; see :func:`gridparty.datasets.streets.boundary_streets`).

    Examples
    --------
    >>> import gridparty as gp
    >>> {name: len(layer) for name, layer in gp.synthetic_layers(0.1).items()}
    {'communities': 3, 'grids': 16, 'buildings': 100, 'households': 1000, 'streets': 41}
    """
    _check_args(scale, seed, missing_share, wrong_share)
    rng = np.random.default_rng(seed)
    n_buildings = max(1, round(BUILDINGS_PER_SCALE * scale))
    n_households = max(1, round(HOUSEHOLDS_PER_SCALE * scale))
    buildings_per_grid = _counts(rng, n_buildings, 4, 10)
    grids_per_community = _counts(rng, len(buildings_per_grid), 6, 8)

    com_corners = _community_corners(rng, len(grids_per_community))
    grid_of_community, grid_params = _pieces(grids_per_community, two_rows=True)
    grid_corners = _corners(com_corners[grid_of_community], grid_params)
    building_grid, slot_params = _pieces(buildings_per_grid, two_rows=False)
    centres, radius_m = _slot_circles(rng, _corners(grid_corners[building_grid], slot_params))
    shape = _footprint_shape(rng, centres, radius_m)
    footprint = _footprints(rng, shape)

    size = np.bincount(building_grid, weights=radius_m**2)[building_grid]
    grid_households = rng.integers(300, 501, len(buildings_per_grid))
    households = np.maximum(1, np.round(grid_households[building_grid] * radius_m**2 / size))
    members = rng.multinomial(n_households, households / households.sum())
    households = np.maximum(households, members + 1).astype(np.int64)
    household_building = np.repeat(np.arange(len(centres)), members)
    points = _points_in(rng, shape, household_building)

    hh = _household_layer(rng, points, household_building)
    formal_by_building = np.bincount(
        household_building, weights=hh["formal_members"].to_numpy(), minlength=len(centres)
    )
    formal_by_grid = np.bincount(building_grid, weights=formal_by_building)
    layers = {
        "communities": _community_layer(
            _tiled_polygons(com_corners, np.tile([0.0, 1.0, 0.0, 1.0], (len(com_corners), 1)))
        ),
        "grids": _grid_layer(
            rng,
            _tiled_polygons(com_corners[grid_of_community], grid_params),
            grid_of_community,
            formal_by_grid,
        ),
        "buildings": _building_layer(
            footprint, building_grid, buildings_per_grid, households, members
        ),
        "households": hh,
    }
    layers["streets"] = boundary_streets(layers["grids"])
    return _declared(rng, layers, missing_share, wrong_share)


def _check_args(scale: float, seed: int, missing_share: float, wrong_share: float) -> None:
    positive_number(scale, "scale", hint="1.0 → 1,000 buildings")
    whole_number(seed, "seed", 0)
    for name, share in (("missing_share", missing_share), ("wrong_share", wrong_share)):
        if positive_number(share, name, zero=True, hint="a share between 0 and 1") > 1.0:
            raise InputError(f"{name}={share!r} must be a share between 0 and 1.")
    if missing_share + wrong_share > 1.0:
        raise InputError(
            f"missing_share + wrong_share = {missing_share + wrong_share} exceeds 1; lower one."
        )


# -- layout (metres, local frame) ---------------------------------------------------------------


def _counts(rng: np.random.Generator, total: int, low: int, high: int) -> np.ndarray:
    """Random group sizes in [low, high) summing to ``total`` (the last group may be smaller)."""
    sizes = rng.integers(low, high, total // low + 1)
    ends = np.cumsum(sizes)
    n = int(np.searchsorted(ends, total)) + 1
    sizes = sizes[:n].copy()
    sizes[-1] -= ends[n - 1] - total
    return sizes


def _community_corners(rng: np.random.Generator, n: int) -> np.ndarray:
    """Corners (n, 4, 2) of ``n`` communities cut from a jittered lattice, counter-clockwise."""
    width, height = COMMUNITY_SIZE_M
    cols = max(1, int(np.ceil(np.sqrt(n * height / width))))
    rows = int(np.ceil(n / cols))
    jx, jy = np.meshgrid(np.arange(cols + 1) * width, np.arange(rows + 1) * height)
    nodes = np.stack([jx, jy], axis=-1) + rng.uniform(-0.12, 0.12, (rows + 1, cols + 1, 2)) * (
        width,
        height,
    )
    row, col = np.divmod(np.arange(n), cols)
    return np.stack(
        [nodes[row, col], nodes[row, col + 1], nodes[row + 1, col + 1], nodes[row + 1, col]], axis=1
    )


def _bilinear(corners: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Point at parameters (u, v) of quadrilaterals (n, 4, 2) with corners p00, p10, p11, p01."""
    u, v = u[:, None], v[:, None]
    return (  # type: ignore[no-any-return]  # a numpy array
        (1 - u) * (1 - v) * corners[:, 0]
        + u * (1 - v) * corners[:, 1]
        + u * v * corners[:, 2]
        + (1 - u) * v * corners[:, 3]
    )


#: Vertex parameters along the horizontal edges of every community (all row cuts of 1–4
#: pieces) and along its vertical edges: neighbours share every vertex, so the layers tile
#: exactly in any CRS (no T-junction slivers after projection).
_U_BREAKS = np.array([0.0, 1 / 4, 1 / 3, 1 / 2, 2 / 3, 3 / 4, 1.0])
_V_MID = 0.5


def _pieces(counts: np.ndarray, *, two_rows: bool) -> tuple[np.ndarray, np.ndarray]:
    """Cut each unit square into ``counts[i]`` rectangles in parameter space.

    ``two_rows``: two rows of ``k // 2`` and ``k - k // 2`` pieces (grids in a community);
    otherwise a near-square lattice of slots (buildings in a grid; some slots stay empty).

    Returns the owner of each piece and its ``(u0, u1, v0, v1)`` parameters (m, 4).
    """
    owner = np.repeat(np.arange(len(counts)), counts)
    k = counts[owner]
    rank = _rank(owner, counts)
    if two_rows:
        top = k // 2
        bottom = k - top
        in_bottom = rank < bottom
        per_row = np.where(in_bottom, bottom, top)
        col = np.where(in_bottom, rank, rank - bottom)
        v0 = np.where(in_bottom, 0.0, _V_MID)
        v1 = np.where(in_bottom & (top > 0), _V_MID, 1.0)
    else:
        rows = np.ceil(np.sqrt(k)).astype(np.int64)
        per_row = np.ceil(k / rows).astype(np.int64)
        row, col = np.divmod(rank, per_row)
        v0, v1 = row / rows, (row + 1) / rows
    return owner, np.stack([col / per_row, (col + 1) / per_row, v0, v1], axis=1)


def _corners(quads: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Corners (m, 4, 2) of the pieces ``params`` (m, 4) of quadrilaterals ``quads`` (m, 4, 2)."""
    u0, u1, v0, v1 = params.T
    return np.stack(
        [
            _bilinear(quads, u0, v0),
            _bilinear(quads, u1, v0),
            _bilinear(quads, u1, v1),
            _bilinear(quads, u0, v1),
        ],
        axis=1,
    )


def _tiled_polygons(quads: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Polygons of pieces with a vertex at every shared break on their edges (WGS84)."""
    u0, u1, v0, v1 = (p[:, None] for p in params.T)
    breaks = _U_BREAKS[None, :]
    on_u = (breaks >= u0 - 1e-12) & (breaks <= u1 + 1e-12)
    mid = (v0 < _V_MID) & (v1 > _V_MID)
    u = np.hstack(
        [
            np.broadcast_to(_U_BREAKS, on_u.shape),
            u1,
            np.broadcast_to(_U_BREAKS[::-1], on_u.shape),
            u0,
        ]
    )
    v = np.hstack(
        [
            np.broadcast_to(v0, on_u.shape),
            np.full_like(u1, _V_MID),
            np.broadcast_to(v1, on_u.shape),
            np.full_like(u0, _V_MID),
        ]
    )
    keep = np.hstack([on_u, mid, on_u[:, ::-1], mid])
    owner = np.broadcast_to(np.arange(len(quads))[:, None], keep.shape)[keep]
    points = _bilinear(quads[owner], u[keep], v[keep])
    rings = shapely.linearrings(_to_degrees(points), indices=owner)
    return np.asarray(shapely.polygons(rings))


def _slot_circles(rng: np.random.Generator, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre of each slot and a radius (m) that keeps a footprint inside it with a margin."""
    centre = slots.mean(axis=1)
    start = slots
    edge = np.roll(slots, -1, axis=1) - start
    rel = centre[:, None, :] - start
    dist = np.abs(edge[..., 0] * rel[..., 1] - edge[..., 1] * rel[..., 0]) / np.hypot(
        edge[..., 0], edge[..., 1]
    )
    radius = np.minimum(dist.min(axis=1) * rng.uniform(0.55, 0.85, len(slots)), 35.0)
    return centre, radius


def _footprint_shape(
    rng: np.random.Generator, centres: np.ndarray, radius_m: np.ndarray
) -> np.ndarray:
    """Per building: centre x, y (m), radius (m), aspect (0.45–1), cos and sin of its rotation."""
    angle = rng.uniform(0.0, np.pi, len(centres))
    aspect = rng.uniform(0.45, 1.0, len(centres))
    return np.stack(
        [centres[:, 0], centres[:, 1], radius_m, aspect, np.cos(angle), np.sin(angle)], axis=1
    )


def _ellipse_to_metres(shape: np.ndarray, rho: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Polar coordinates on each row's unit ellipse → metres.

    ``shape`` holds the columns of :func:`_footprint_shape`, one row per point or broadcast
    against ``rho``/``theta`` (shape (n, 1) against (n, k)).
    """
    cx, cy, radius, aspect, cos, sin = (shape[..., i] for i in range(6))
    ex = radius * rho * np.cos(theta)
    ey = radius * aspect * rho * np.sin(theta)
    return np.stack([cx + cos * ex - sin * ey, cy + sin * ex + cos * ey], axis=-1)


def _footprints(rng: np.random.Generator, shape: np.ndarray) -> np.ndarray:
    """16-vertex star-shaped footprints (n, 17, 2) in metres, vertices at 0.88–1.0 of the ellipse."""
    n, k = len(shape), FOOTPRINT_VERTICES
    theta = np.arange(k) * (2 * np.pi / k)
    ring = _ellipse_to_metres(shape[:, None, :], rng.uniform(0.88, 1.0, (n, k)), theta)
    return np.concatenate([ring, ring[:, :1]], axis=1)


def _points_in(rng: np.random.Generator, shape: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Uniform points within 0.8 of each owner's ellipse: strictly inside its footprint.

    The footprint's vertices sit at >= 0.88 of the ellipse, 22.5° apart, so it contains the
    ellipse scaled by 0.88 * cos(11.25°) ≈ 0.86.
    """
    rho = 0.8 * np.sqrt(rng.random(len(owner)))
    theta = rng.uniform(0.0, 2 * np.pi, len(owner))
    return _ellipse_to_metres(shape[owner], rho, theta)


def _to_degrees(xy: np.ndarray) -> np.ndarray:
    """Local metres → WGS84 degrees (an affine map: containment is preserved exactly)."""
    phi = np.radians(ORIGIN_LAT)
    m_lat = 111_132.92 - 559.82 * np.cos(2 * phi) + 1.175 * np.cos(4 * phi)
    m_lon = 111_412.84 * np.cos(phi) - 93.5 * np.cos(3 * phi)
    return np.stack([ORIGIN_LON + xy[..., 0] / m_lon, ORIGIN_LAT + xy[..., 1] / m_lat], axis=-1)


def _polygons(rings: np.ndarray) -> np.ndarray:
    """Polygons from closed rings (n, k, 2) in metres, stored in WGS84."""
    return np.asarray(shapely.polygons(_to_degrees(rings)))


# -- layers -------------------------------------------------------------------------------------


def _ids(prefix: str, n: int, width: int) -> pd.Index:
    """``prefix`` + zero-padded 1-based numbers, built from digit arrays (no Python loop)."""
    width = max(width, len(str(n)))
    numbers = np.arange(1, n + 1, dtype=np.int64)
    digits = (numbers[:, None] // 10 ** np.arange(width - 1, -1, -1)) % 10 + ord("0")
    head = np.broadcast_to(np.frombuffer(prefix.encode(), np.uint8), (n, len(prefix)))
    raw = np.ascontiguousarray(np.hstack([head, digits.astype(np.uint8)]))
    return pd.Index(raw.view(f"S{raw.shape[1]}").ravel().astype(str), dtype=TEXT_DTYPE)  # type: ignore[no-any-return]  # an Index


def _numbered(stem: np.ndarray, number: np.ndarray, suffix: str) -> np.ndarray:
    return np.char.add(np.char.add(stem, number.astype(str)), suffix)


def _frame(
    columns: Mapping[str, object], index: pd.Index, name: str, geoms: np.ndarray
) -> gpd.GeoDataFrame:
    index = index.rename(name)
    return gpd.GeoDataFrame(
        columns, index=index, geometry=gpd.GeoSeries(geoms, index=index, crs=4326)
    )


def _community_layer(geoms: np.ndarray) -> gpd.GeoDataFrame:
    n = len(geoms)
    number = np.arange(n)
    pool = len(_COMMUNITY_NAMES)
    repeat = np.where(number < pool, "", (number // pool + 1).astype(str))
    name = np.char.add(np.char.add(_COMMUNITY_NAMES[number % pool], repeat), "社区")
    street = number // 8
    columns = {
        "name": pd.array(name, dtype=TEXT_DTYPE),
        "street": pd.array(_STREET_NAMES[street % len(_STREET_NAMES)], dtype=TEXT_DTYPE),
        "district": pd.array(
            _DISTRICT_NAMES[(street // 6) % len(_DISTRICT_NAMES)], dtype=TEXT_DTYPE
        ),
    }
    return _frame(columns, _ids("C", n, 4), "community_id", geoms)


def _rank(owner: np.ndarray, counts: np.ndarray) -> np.ndarray:
    return np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)  # type: ignore[no-any-return]  # a numpy array


def _grid_layer(
    rng: np.random.Generator, geoms: np.ndarray, community: np.ndarray, formal: np.ndarray
) -> gpd.GeoDataFrame:
    n = len(geoms)
    counts = np.bincount(community)
    columns = {
        "community_id": _ids("C", len(counts), 4)[community].array,
        "name": pd.array(
            _numbered(np.full(n, "第"), _rank(community, counts) + 1, "网格"), dtype=TEXT_DTYPE
        ),
        "has_branch": pd.array(formal >= 3, dtype="boolean"),
        "full_time_workers": pd.array(1 + (rng.random(n) < 0.2), dtype="Int64"),
        "part_time_workers": pd.array(rng.integers(3, 9, n), dtype="Int64"),
    }
    return _frame(columns, _ids("G", n, 6), "grid_id", geoms)


def _building_layer(
    footprint: np.ndarray,
    grid: np.ndarray,
    per_grid: np.ndarray,
    households: np.ndarray,
    members: np.ndarray,
) -> gpd.GeoDataFrame:
    n = len(footprint)
    columns = {
        "grid_id": _ids("G", len(per_grid), 6)[grid].array,
        "name": pd.array(
            _numbered(np.full(n, ""), _rank(grid, per_grid) + 1, "栋"), dtype=TEXT_DTYPE
        ),
        "households": pd.array(households, dtype="Int64"),
        "has_group": pd.array(members >= 1, dtype="boolean"),
    }
    return _frame(columns, _ids("B", n, 7), "building_id", _polygons(footprint))


def _household_layer(
    rng: np.random.Generator, points: np.ndarray, building: np.ndarray
) -> gpd.GeoDataFrame:
    n = len(points)
    n_buildings = int(building.max()) + 1 if n else 0
    lonlat = _to_degrees(points)
    columns = {
        "building_id": _ids("B", n_buildings, 7)[building].array,
        "formal_members": pd.array(
            1 + (rng.random(n) < 0.3) + (rng.random(n) < 0.06), dtype="Int64"
        ),
        "probationary_members": pd.array((rng.random(n) < 0.05).astype(np.int64), dtype="Int64"),
        "is_hub": pd.array(rng.random(n) < 0.06, dtype="boolean"),
    }
    geoms = shapely.points(lonlat[:, 0], lonlat[:, 1])
    return _frame(columns, _ids("H", n, 8), "household_id", geoms)  # type: ignore[arg-type]  # shapely returns an array for arrays


def _declared(
    rng: np.random.Generator,
    layers: dict[str, gpd.GeoDataFrame],
    missing_share: float,
    wrong_share: float,
) -> dict[str, gpd.GeoDataFrame]:
    """Blank or falsify a share of the declared parent ids (grids, buildings, households)."""
    if missing_share == 0 and wrong_share == 0:
        return layers
    out = dict(layers)
    for child, parent, column in (
        ("grids", "communities", "community_id"),
        ("buildings", "grids", "grid_id"),
        ("households", "buildings", "building_id"),
    ):
        frame = layers[child]
        parents = layers[parent].index
        true_pos = parents.get_indexer(frame[column])  # type: ignore[arg-type]  # pandas-stubs: any array-like
        draw = rng.random(len(frame))
        missing = draw < missing_share
        wrong = (draw >= missing_share) & (draw < missing_share + wrong_share) & (len(parents) > 1)
        shift = rng.integers(1, max(len(parents), 2), len(frame))
        pos = np.where(wrong, (true_pos + shift) % len(parents), true_pos)
        declared = parents[pos].array.copy()
        declared[missing] = pd.NA
        out[child] = frame.assign(**{column: declared})
    return out
