"""Street networks: a line layer as a graph, points snapped to it, shortest paths from many sources.

A street layer (LineStrings/MultiLineStrings, any CRS) becomes a :class:`StreetNetwork` in a
metric CRS: every straight segment between two consecutive vertices is an edge whose weight is
its length in metres, and lines meet where they share a vertex (after rounding to
``node_precision_m``). Lines that cross without a shared vertex do *not* meet — that is how a
bridge passes over a street or a river is crossed only where the data says so.

Points (homes, centres) are snapped to the nearest point of the nearest segment; the snap
distance is kept and counted in every network distance, so a network distance is never
shorter than the straight line. Distances from many sources at once are one multi-source
Dijkstra: ``scipy.sparse.csgraph.dijkstra(indices=sources, min_only=True)`` (``engine="scipy"``,
the fast path) or ``networkx.multi_source_dijkstra`` on :attr:`StreetNetwork.graph`
(``engine="networkx"``, the readable one); both give the same distances. Each source enters the
graph as an extra node joined to both ends of its segment.

Examples
--------
>>> net = street_network(streets)                         # doctest: +SKIP
>>> homes, centres = net.snap(home_points), net.snap(centre_points)  # doctest: +SKIP
>>> reach = net.nearest(homes, centres)                   # doctest: +SKIP
>>> reach.distance_m, reach.source                        # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal, cast

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy import sparse
from scipy.sparse import csgraph
from scipy.spatial import cKDTree

from gridparty.core.coords import convert_geometries, ensure_wgs84, to_metric
from gridparty.core.errors import GeometryError, InputError
from gridparty.core.layers import COORDS
from gridparty.spatial.kernels import GridIndex, nearest_segments, segment_index

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "ENGINES",
    "NODE_PRECISION_M",
    "SNAP_TO",
    "Nearest",
    "Snapped",
    "StreetNetwork",
    "street_network",
]

Engine = Literal["scipy", "networkx"]
ENGINES: tuple[str, ...] = ("scipy", "networkx")
SnapTo = Literal["edge", "node"]
SNAP_TO: tuple[str, ...] = ("edge", "node")

#: Vertices closer than this (metres, on a lattice) are one node: lines meet at shared vertices.
NODE_PRECISION_M = 0.001
#: A point farther than this from every street (metres) is reported as ``far_from_street``:
#: usually a street missing from the data. Its distance is still measured (snap included).
DEFAULT_MAX_SNAP_M = 200.0
#: Weight (metres) given to a zero-length link, since the sparse graph cannot store a zero.
_EPS_M = 1e-9
_LINE_TYPES = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)


@dataclass(frozen=True)
class Snapped:
    """Points snapped to the nearest point of the nearest street segment.

    Attributes
    ----------
    edge : numpy.ndarray
        Row of the segment in :attr:`StreetNetwork.edges` (int64).
    t : numpy.ndarray
        Position along the segment, 0 at its first node ``u`` and 1 at its second ``v``.
    snap_m : numpy.ndarray
        Straight distance from the point to the street (metres).
    to_u_m, to_v_m : numpy.ndarray
        Distance (metres) from the point to the segment's ends along the street, snap included.
    component : numpy.ndarray
        Connected part of the network the point lands on (0 = the largest).
    """

    edge: np.ndarray
    t: np.ndarray
    snap_m: np.ndarray
    to_u_m: np.ndarray
    to_v_m: np.ndarray
    component: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)


@dataclass(frozen=True)
class Nearest:
    """The nearest source of each point along the network.

    Attributes
    ----------
    distance_m : numpy.ndarray
        Network distance in metres (snaps at both ends included); ``inf`` when no source is
        reachable (the point lies on a part of the network holding no source).
    source : numpy.ndarray
        Position of the nearest source (int64), ``-1`` when none is reachable.
    """

    distance_m: np.ndarray
    source: np.ndarray


@dataclass(frozen=True)
class StreetNetwork:
    """A street network in a metric CRS; build it with :func:`street_network`.

    Attributes
    ----------
    crs : pyproj.CRS
        Projected CRS (metres) of :attr:`xy`.
    xy : numpy.ndarray
        Node coordinates, shape (n, 2), metres.
    edges : numpy.ndarray
        Node pairs ``(u, v)`` of the straight segments, shape (m, 2), ``u < v``.
    length_m : numpy.ndarray
        Length of each segment (metres).
    road : pandas.Index
        Id of the street line each segment comes from (the street layer's index).
    component : numpy.ndarray
        Connected part of each node: 0 is the part with the greatest street length.
    roads : DataFrame
        The street layer's attributes (``name``, ``kind`` …) by line id, geometry dropped.

    Examples
    --------
    >>> import gridparty as gp
    >>> net = gp.street_network(gp.sample_layer("streets"))
    >>> net.xy.shape, net.edges.shape
    ((2575, 2), (2976, 2))
    >>> round(float(net.length_m.sum()) / 1000, 1)  # km
    116.8
    """

    crs: pyproj.CRS
    xy: np.ndarray
    edges: np.ndarray
    length_m: np.ndarray
    road: pd.Index
    component: np.ndarray
    roads: pd.DataFrame

    def __repr__(self) -> str:
        parts = int(self.component.max()) + 1 if len(self.component) else 0
        return (
            f"<StreetNetwork: {len(self.xy):,} nodes, {len(self.edges):,} segments, "
            f"{self.length_m.sum() / 1000:,.1f} km, {parts} connected part(s), {self.crs.name}>"
        )

    # -- views ---------------------------------------------------------------------------------

    @cached_property
    def matrix(self) -> sparse.csr_array:
        """Segment lengths as a sparse (n, n) matrix, one entry per segment (upper triangle)."""
        return _matrix(len(self.xy), self.edges, self.length_m)

    @cached_property
    def graph(self) -> nx.Graph:  # type: ignore[type-arg]  # Graph[...] fails at run time
        """The network as an undirected ``networkx.Graph``.

        Nodes are the integers ``0..n-1`` with attributes ``x``, ``y`` (metres in :attr:`crs`)
        and ``component``; edges carry ``length_m`` and ``road_id``.
        """
        graph: nx.Graph[int] = nx.Graph(crs=self.crs.to_string())
        graph.add_nodes_from(
            (i, {"x": x, "y": y, "component": int(c)})
            for i, ((x, y), c) in enumerate(zip(self.xy.tolist(), self.component, strict=True))
        )
        graph.add_edges_from(
            (int(u), int(v), {"length_m": float(w), "road_id": r})
            for (u, v), w, r in zip(self.edges, self.length_m, self.road, strict=True)
        )
        return graph

    @cached_property
    def segments(self) -> np.ndarray:
        """The segments as shapely LineStrings in :attr:`crs`."""
        coords = np.stack([self.xy[self.edges[:, 0]], self.xy[self.edges[:, 1]]], axis=1)
        return np.asarray(shapely.linestrings(coords))

    @cached_property
    def _ends(self) -> np.ndarray:
        """The segments as rows ``ax, ay, bx, by`` (metres)."""
        return np.ascontiguousarray(
            np.hstack([self.xy[self.edges[:, 0]], self.xy[self.edges[:, 1]]])
        )

    @cached_property
    def _segment_index(self) -> GridIndex:
        return segment_index(self._ends)

    def to_frame(self) -> gpd.GeoDataFrame:
        """The segments as a GeoDataFrame in EPSG:4326: ``road_id``, ``u``, ``v``, ``length_m``,
        ``component``."""
        return gpd.GeoDataFrame(
            {
                "road_id": self.road.to_numpy(),
                "u": self.edges[:, 0],
                "v": self.edges[:, 1],
                "length_m": self.length_m,
                "component": self.component[self.edges[:, 0]],
            },
            geometry=gpd.GeoSeries(self.segments, crs=self.crs).to_crs(4326).array,
        )

    def components(self) -> pd.DataFrame:
        """One row per connected part: ``nodes``, ``segments``, ``length_m`` (0 = the largest)."""
        comp_of_edge = self.component[self.edges[:, 0]]
        n = int(self.component.max()) + 1 if len(self.component) else 0
        table = pd.DataFrame(
            {
                "nodes": np.bincount(self.component, minlength=n),
                "segments": np.bincount(comp_of_edge, minlength=n),
                "length_m": np.bincount(comp_of_edge, weights=self.length_m, minlength=n),
            }
        )
        table.index.name = "component"
        return table

    # -- snapping and distances ------------------------------------------------------------------

    def snap(
        self, points: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray, *, to: SnapTo = "edge"
    ) -> Snapped:
        """Snap points to the street network.

        Parameters
        ----------
        points : GeoDataFrame, GeoSeries or ndarray
            Points (other geometries: their representative point) with a CRS, converted to
            :attr:`crs`; or an (k, 2) array of x, y already in :attr:`crs` (metres).
        to : {"edge", "node"}
            ``"edge"``: the nearest point of the nearest segment (exact: a compiled search of a
            grid of the segments, well under 1 µs a point; the same segment and point as
            a GEOS ``STRtree.query_nearest``, and on a tie the segment listed first).
            ``"node"``: the nearest node, a junction or vertex (KD-tree; coarser: the walk to
            the node is a straight line).

        Returns
        -------
        Snapped
            One entry per point, in order. Missing or empty geometries raise.
        """
        if to not in SNAP_TO:
            raise InputError(f"to={to!r} is not known; use one of {', '.join(SNAP_TO)}.")
        xy = self._xy(points)
        if not len(self.edges):
            raise InputError("the street network has no segments: there is nothing to snap to.")
        if to == "edge":
            edge, t, snap_m = nearest_segments(xy[:, 0], xy[:, 1], self._ends, self._segment_index)
        else:
            # Many points in, arrays out (the stubs type a single point's scalars).
            snap_m, node = self._node_tree.query(xy)  # type: ignore[assignment]
            edge = self._edge_of_node[node]
            t = (self.edges[edge, 1] == node).astype(float)
        along = t * self.length_m[edge]
        return Snapped(
            edge=edge,
            t=t,
            snap_m=snap_m,
            to_u_m=snap_m + along,
            to_v_m=snap_m + (self.length_m[edge] - along),
            component=self.component[self.edges[edge, 0]],
        )

    @cached_property
    def _node_tree(self) -> cKDTree:
        return cKDTree(self.xy)

    @cached_property
    def _edge_of_node(self) -> np.ndarray:
        """A segment touching each node."""
        ends = self.edges.ravel()
        first = np.full(len(self.xy), -1, dtype=np.int64)
        first[ends[::-1]] = np.repeat(np.arange(len(self.edges)), 2)[::-1]
        return first

    def _xy(self, points: gpd.GeoDataFrame | gpd.GeoSeries | np.ndarray) -> np.ndarray:
        if isinstance(points, np.ndarray) and points.dtype != object:
            xy = np.asarray(points, dtype=float).reshape(-1, 2)
        else:
            geoms = gpd.GeoSeries(points.geometry if hasattr(points, "geometry") else points)
            if geoms.crs is None:
                raise InputError(
                    "points have no CRS; set one (gdf.set_crs(4326)) or pass an (k, 2) array "
                    f"of x, y in the network's CRS {self.crs.to_string()}."
                )
            bad = geoms.isna().to_numpy() | geoms.is_empty.to_numpy()
            if bad.any():
                raise GeometryError(
                    f"points has {int(bad.sum())} missing or empty geometries (rows "
                    f"{list(geoms.index[bad][:5])}); drop or fix them before measuring."
                )
            reps = shapely.point_on_surface(np.asarray(geoms.to_crs(self.crs).array))
            xy = shapely.get_coordinates(reps)
        if not np.isfinite(xy).all():
            raise InputError("points hold NaN or infinite coordinates; fix them first.")
        return xy

    def nearest(self, origins: Snapped, sources: Snapped, *, engine: Engine = "scipy") -> Nearest:
        """Network distance from every origin to its nearest source, all sources at once.

        Parameters
        ----------
        origins, sources : Snapped
            From :meth:`snap` (homes and service centres, say).
        engine : {"scipy", "networkx"}
            ``scipy.sparse.csgraph.dijkstra`` with ``min_only=True`` (fast) or
            ``networkx.multi_source_dijkstra`` (readable); the distances are the same.

        Returns
        -------
        Nearest
            Distance (metres) and position of the nearest source per origin.
        """
        if engine not in ENGINES:
            raise InputError(f"engine={engine!r} is not known; use one of {', '.join(ENGINES)}.")
        n = len(self.xy)
        if not len(sources):
            return Nearest(np.full(len(origins), np.inf), np.full(len(origins), -1, np.int64))
        if engine == "scipy":
            dist, src = self._scipy_from(sources)
        else:
            dist, src = self._networkx_from(sources)
        dist, src = dist[:n], src[:n]
        e = self.edges[origins.edge]
        via_u, via_v = dist[e[:, 0]] + origins.to_u_m, dist[e[:, 1]] + origins.to_v_m
        use_v = via_v < via_u
        best = np.where(use_v, via_v, via_u)
        source = np.where(use_v, src[e[:, 1]], src[e[:, 0]])
        best, source = _same_segment(origins, sources, self.length_m, best, source)
        return Nearest(best, np.where(np.isfinite(best), source, -1).astype(np.int64))

    def node_distances(self, sources: Snapped, *, engine: Engine = "scipy") -> np.ndarray:
        """Network distance (metres) from the nearest source to every node (``inf``: none)."""
        if not len(sources):
            return np.full(len(self.xy), np.inf)
        run = self._scipy_from if engine == "scipy" else self._networkx_from
        return run(sources)[0][: len(self.xy)]

    def cost_matrix(self, rows: Snapped, columns: Snapped) -> np.ndarray:
        """Network distances (metres) between every row point and every column point.

        One Dijkstra per column (``scipy.sparse.csgraph.dijkstra`` with ``indices``): use it
        for hundreds of candidate sites, not for every home of a city. ``inf`` = unreachable.
        """
        n = len(self.xy)
        if not len(columns):
            return np.zeros((len(rows), 0))
        graph = _with_sources(self.matrix, self.edges, columns)
        dist = csgraph.dijkstra(graph, directed=False, indices=np.arange(n, n + len(columns)))
        e = self.edges[rows.edge]
        cost = np.minimum(
            dist[:, e[:, 0]] + rows.to_u_m[None, :], dist[:, e[:, 1]] + rows.to_v_m[None, :]
        ).T
        same = rows.edge[:, None] == columns.edge[None, :]
        if same.any():
            i, j = np.nonzero(same)
            direct = (
                rows.snap_m[i]
                + columns.snap_m[j]
                + np.abs(rows.t[i] - columns.t[j]) * self.length_m[rows.edge[i]]
            )
            cost[i, j] = np.minimum(cost[i, j], direct)
        return np.asarray(cost)

    def _scipy_from(self, sources: Snapped) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.xy)
        graph = _with_sources(self.matrix, self.edges, sources)
        dist, _, origin = csgraph.dijkstra(
            graph,
            directed=False,
            indices=np.arange(n, n + len(sources)),
            min_only=True,
            return_predecessors=True,
        )
        return dist, np.where(origin >= n, origin - n, -1)

    def _networkx_from(self, sources: Snapped) -> tuple[np.ndarray, np.ndarray]:
        n = len(self.xy)
        graph = self.graph.copy()
        ends = self.edges[sources.edge]
        for k in range(len(sources)):
            graph.add_edge(n + k, int(ends[k, 0]), length_m=float(sources.to_u_m[k]))
            graph.add_edge(n + k, int(ends[k, 1]), length_m=float(sources.to_v_m[k]))
        # Without a target, networkx returns the distance and path of every node reached.
        found, paths = cast(
            tuple[dict[int, float], dict[int, list[int]]],
            nx.multi_source_dijkstra(graph, set(range(n, n + len(sources))), weight="length_m"),
        )
        dist = np.full(n + len(sources), np.inf)
        src = np.full(n + len(sources), -1, dtype=np.int64)
        nodes = np.fromiter(found, dtype=np.int64, count=len(found))
        dist[nodes] = np.fromiter(found.values(), dtype=float, count=len(found))
        src[nodes] = np.fromiter((paths[v][0] - n for v in found), dtype=np.int64, count=len(found))
        return dist, src


def _matrix(n: int, edges: np.ndarray, weights: np.ndarray) -> sparse.csr_array:
    return sparse.csr_array((np.maximum(weights, _EPS_M), (edges[:, 0], edges[:, 1])), shape=(n, n))


def _with_sources(
    matrix: sparse.csr_array, edges: np.ndarray, sources: Snapped
) -> sparse.csr_array:
    """The network plus one node per source (numbered from n), joined to both segment ends."""
    n, k = matrix.shape[0], len(sources)
    ends = edges[sources.edge]
    extra = sparse.csr_array(
        (
            np.maximum(np.r_[sources.to_u_m, sources.to_v_m], _EPS_M),
            (np.r_[np.arange(n, n + k), np.arange(n, n + k)], np.r_[ends[:, 0], ends[:, 1]]),
        ),
        shape=(n + k, n + k),
    )
    out: sparse.csr_array = (
        sparse.csr_array(sparse.block_diag([matrix, sparse.csr_array((k, k))])) + extra
    )
    return out


def _same_segment(
    origins: Snapped, sources: Snapped, length_m: np.ndarray, best: np.ndarray, source: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shorten the distance of origins that share a segment with a source (direct along it)."""
    shared = np.flatnonzero(np.isin(origins.edge, sources.edge))
    pairs = pd.DataFrame({"edge": origins.edge[shared], "o": shared}).merge(
        pd.DataFrame({"edge": sources.edge, "s": np.arange(len(sources))}), on="edge"
    )
    if not len(pairs):
        return best, source
    o, s = pairs["o"].to_numpy(), pairs["s"].to_numpy()
    direct = (
        origins.snap_m[o]
        + sources.snap_m[s]
        + np.abs(origins.t[o] - sources.t[s]) * (length_m[origins.edge[o]])
    )
    order = np.lexsort((s, direct, o))
    o, s, direct = o[order], s[order], direct[order]
    first = np.r_[True, o[1:] != o[:-1]]
    o, s, direct = o[first], s[first], direct[first]
    better = direct < best[o]
    best, source = best.copy(), source.copy()
    best[o[better]], source[o[better]] = direct[better], s[better]
    return best, source


# -- building a network ----------------------------------------------------------------------------


def street_network(
    streets: gpd.GeoDataFrame,
    *,
    metric_crs: pyproj.CRS | str | int | None = None,
    coords: str = "wgs84",
    node_precision_m: float = NODE_PRECISION_M,
) -> StreetNetwork:
    """Build a :class:`StreetNetwork` from a line layer.

    Parameters
    ----------
    streets : GeoDataFrame
        LineStrings/MultiLineStrings with a CRS (any: WGS84, CGCS2000, UTM ...). The index
        identifies each line (``road_id`` of the segments). Lines meet only at shared
        vertices; run ``shapely.node`` first on data whose crossings are not noded.
    metric_crs : CRS-like, optional
        Projected CRS in metres for the lengths; default the UTM zone of the data. A
        geographic CRS raises :class:`~gridparty.core.errors.CRSError`.
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"}
        Datum of lon/lat coordinates (Gaode/Baidu lines are converted to WGS84 first).
    node_precision_m : float
        Vertices are rounded to this lattice (metres) before they are matched into nodes.

    Returns
    -------
    StreetNetwork

    Raises
    ------
    InputError
        Not a GeoDataFrame, no lines, or a bad argument.
    GeometryError
        Geometries other than lines.
    CRSError
        No CRS, coordinates that do not fit it, or a ``metric_crs`` that is not metric.

    Examples
    --------
    >>> import gridparty as gp
    >>> gp.street_network(gp.sample_layer("streets"))
    <StreetNetwork: 2,575 nodes, 2,976 segments, 116.8 km, 1 connected part(s), WGS 84 / UTM zone 51N>
    """
    if coords not in COORDS:
        raise InputError(f"coords={coords!r} is not known; use one of {', '.join(COORDS)}.")
    if not np.isfinite(node_precision_m) or node_precision_m <= 0:
        raise InputError(f"node_precision_m={node_precision_m!r} must be a distance in metres > 0.")
    lines = _line_layer(streets)
    if coords not in ("wgs84", "cgcs2000"):
        lines = lines.set_geometry(convert_geometries(lines.geometry, coords, "wgs84"))
    metric = to_metric(lines, metric_crs)
    crs = cast(pyproj.CRS, metric.crs)  # to_metric sets it
    net = _network(np.asarray(metric.geometry.array), metric.index, crs, node_precision_m)
    return replace(net, roads=pd.DataFrame(lines.drop(columns=lines.geometry.name)))


def _line_layer(streets: object) -> gpd.GeoDataFrame:
    if not isinstance(streets, gpd.GeoDataFrame):
        raise InputError(
            f"streets must be a GeoDataFrame of lines, got {type(streets).__name__}; read one "
            "with geopandas.read_file(...) (layer 'streets' of a GeoPackage, say)."
        )
    geoms = np.asarray(streets.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        raise InputError("streets holds no line geometry: there is no network to build.")
    wrong = present & ~np.isin(shapely.get_type_id(geoms), _LINE_TYPES)
    if wrong.any():
        kinds = sorted(set(streets.geom_type[wrong]))
        raise GeometryError(
            f"streets holds {', '.join(kinds)} geometries (rows {list(streets.index[wrong][:5])}) "
            "but must hold LineString or MultiLineString; pass the street centre lines."
        )
    return ensure_wgs84(streets.loc[present], "streets")


def _network(
    geoms: np.ndarray, road_ids: pd.Index, crs: pyproj.CRS, precision_m: float
) -> StreetNetwork:
    parts, owner = shapely.get_parts(geoms, return_index=True)
    xy, part = shapely.get_coordinates(parts, return_index=True)
    keys = np.round(xy / precision_m).astype(np.int64)
    unique, node = np.unique(keys, axis=0, return_inverse=True)
    node = node.ravel()
    follows = part[1:] == part[:-1]
    u, v = node[:-1][follows], node[1:][follows]
    road = owner[part[:-1][follows]]
    node_xy = unique * precision_m
    keep = u != v
    edges = np.sort(np.stack([u[keep], v[keep]], axis=1), axis=1)
    road = road[keep]
    length = np.hypot(*(node_xy[edges[:, 1]] - node_xy[edges[:, 0]]).T)
    edges, length, road = _shortest_duplicates(edges, length, road)
    used = np.unique(edges)
    remap = np.full(len(node_xy), -1, dtype=np.int64)
    remap[used] = np.arange(len(used))
    edges = remap[edges]
    return StreetNetwork(
        crs=crs,
        xy=node_xy[used],
        edges=edges,
        length_m=length,
        road=road_ids[road],
        component=_components(len(used), edges, length),
        roads=pd.DataFrame(index=road_ids),
    )


def _shortest_duplicates(
    edges: np.ndarray, length: np.ndarray, road: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One segment per node pair: the shortest (then the first line's)."""
    order = np.lexsort((road, length, edges[:, 1], edges[:, 0]))
    edges, length, road = edges[order], length[order], road[order]
    first = np.r_[True, (edges[1:] != edges[:-1]).any(axis=1)] if len(edges) else np.zeros(0, bool)
    return edges[first], length[first], road[first]


def _components(n: int, edges: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Connected part of every node, numbered by total street length (0 = the longest)."""
    _, label = csgraph.connected_components(_matrix(n, edges, length), directed=False)
    total = np.bincount(label[edges[:, 0]], weights=length, minlength=label.max() + 1)
    rank = np.empty_like(label)
    order = np.lexsort((np.arange(len(total)), -total))
    rank[order] = np.arange(len(total))
    return rank[label].astype(np.int64)
