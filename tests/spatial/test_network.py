"""Street networks: graph building, snapping, multi-source distances, barriers, generated streets."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from sample_builder import BUILD  # noqa: F401  (puts the builder on the path)
from sample_streets import CROSSINGS
from tiny_city import UTM, X0, Y0

import gridparty.datasets.sample as ds
from gridparty.core.errors import CRSError, GeometryError, InputError
from gridparty.datasets.streets import boundary_streets
from gridparty.spatial.network import StreetNetwork, street_network


def line(*points: tuple[float, float]) -> shapely.LineString:
    """A line given in metres from the tiny city's origin (UTM 51N)."""
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in points])


def streets(*lines: shapely.LineString, crs: str = UTM) -> gpd.GeoDataFrame:
    ids = [f"R{i}" for i in range(1, len(lines) + 1)]
    return gpd.GeoDataFrame({"road_id": ids}, geometry=list(lines), crs=crs).set_index("road_id")


def xy(*points: tuple[float, float]) -> np.ndarray:
    return np.array([(X0 + x, Y0 + y) for x, y in points], dtype=float)


@pytest.fixture
def tee() -> StreetNetwork:
    """A T: a street along y=0 from x=0 to 200, a side street up x=100 to y=100, then west."""
    return street_network(
        streets(
            line((0, 0), (100, 0), (200, 0)), line((100, 0), (100, 100)), line((0, 100), (100, 100))
        ),
        metric_crs=UTM,
    )


# -- building ------------------------------------------------------------------------------------


def test_lines_become_segments_between_shared_vertices(tee: StreetNetwork) -> None:
    assert len(tee.xy) == 5
    assert len(tee.edges) == 4
    assert sorted(tee.length_m.tolist()) == [100.0, 100.0, 100.0, 100.0]
    assert sorted(tee.road.tolist()) == ["R1", "R1", "R2", "R3"]
    assert tee.components()["length_m"].tolist() == [400.0]
    graph = tee.graph
    assert isinstance(graph, nx.Graph)
    assert graph.number_of_edges() == 4
    assert nx.shortest_path_length(graph, 0, 4, weight="length_m") == 200.0


def test_wgs84_input_is_measured_in_metres(tee: StreetNetwork) -> None:
    wgs = street_network(
        streets(
            line((0, 0), (100, 0), (200, 0)), line((100, 0), (100, 100)), line((0, 100), (100, 100))
        ).to_crs(4326)
    )
    assert wgs.crs.to_epsg() == 32651  # the UTM zone of the data
    np.testing.assert_allclose(np.sort(wgs.length_m), np.sort(tee.length_m), atol=1e-3)


def test_lines_crossing_without_a_shared_vertex_do_not_meet() -> None:
    net = street_network(
        streets(line((0, 50), (100, 50)), line((50, 0), (50, 100))), metric_crs=UTM
    )
    assert len(net.components()) == 2
    noded = street_network(
        streets(line((0, 50), (50, 50), (100, 50)), line((50, 0), (50, 50), (50, 100))),
        metric_crs=UTM,
    )
    assert len(noded.components()) == 1


def test_components_are_numbered_by_length() -> None:
    net = street_network(streets(line((0, 0), (10, 0)), line((0, 50), (300, 50))), metric_crs=UTM)
    table = net.components()
    assert table["length_m"].tolist() == [300.0, 10.0]
    assert net.component[net.edges[net.road.get_indexer(["R2"])[0], 0]] == 0


def test_duplicate_segments_keep_the_shortest_once() -> None:
    net = street_network(streets(line((0, 0), (100, 0)), line((100, 0), (0, 0))), metric_crs=UTM)
    assert len(net.edges) == 1
    assert net.road.tolist() == ["R1"]


def test_to_frame_is_wgs84_segments(tee: StreetNetwork) -> None:
    frame = tee.to_frame()
    assert frame.crs.to_epsg() == 4326
    assert list(frame.columns) == ["road_id", "u", "v", "length_m", "component", "geometry"]
    assert len(frame) == 4


# -- distances ------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["scipy", "networkx"])
def test_hand_computed_distances(tee: StreetNetwork, engine: str) -> None:
    homes = tee.snap(xy((10, 90), (190, 5), (150, 0)))
    centre = tee.snap(xy((120, -10)))
    np.testing.assert_allclose(homes.snap_m, [10, 5, 0])
    np.testing.assert_allclose(centre.snap_m, [10])
    found = tee.nearest(homes, centre, engine=engine)  # type: ignore[arg-type]
    # (10, 90): 10 to the street, 90 east, 100 down, 20 east, 10 to the centre
    np.testing.assert_allclose(found.distance_m, [230, 85, 40])
    assert found.source.tolist() == [0, 0, 0]


def test_snapping_to_nodes_walks_straight_to_the_nearest_junction(tee: StreetNetwork) -> None:
    home, centre = tee.snap(xy((10, 90)), to="node"), tee.snap(xy((120, -10)), to="node")
    np.testing.assert_allclose(home.snap_m, [np.hypot(10, 10)])
    found = tee.nearest(home, centre)
    # (0, 100) east to (100, 100), down to (100, 0), then straight to the centre
    np.testing.assert_allclose(found.distance_m, [np.hypot(10, 10) + 200 + np.hypot(20, 10)])
    with pytest.raises(InputError, match="to='vertex'"):
        tee.snap(xy((0, 0)), to="vertex")  # type: ignore[arg-type]


def test_nearest_of_several_sources_and_the_cost_matrix(tee: StreetNetwork) -> None:
    homes = tee.snap(xy((10, 90), (190, 5), (0, 0)))
    centres = tee.snap(xy((120, -10), (0, 110)))
    found = tee.nearest(homes, centres)
    np.testing.assert_allclose(found.distance_m, [30, 85, 130])
    assert found.source.tolist() == [1, 0, 0]
    cost = tee.cost_matrix(homes, centres)
    np.testing.assert_allclose(cost, [[230, 30], [85, 305], [130, 310]])
    np.testing.assert_allclose(cost.min(axis=1), found.distance_m)


def test_home_and_centre_on_one_long_segment_go_straight_along_it() -> None:
    net = street_network(streets(line((0, 0), (1000, 0))), metric_crs=UTM)
    found = net.nearest(net.snap(xy((400, 3))), net.snap(xy((600, -4))))
    np.testing.assert_allclose(found.distance_m, [3 + 200 + 4])
    np.testing.assert_allclose(
        net.cost_matrix(net.snap(xy((400, 3))), net.snap(xy((600, -4)))), [[207]]
    )


def test_a_river_is_crossed_only_at_the_bridge() -> None:
    """Banks y <= 100 and y >= 200; the only bridge is at x = 500."""
    net = street_network(
        streets(
            line((0, 100), (500, 100), (1000, 100)),
            line((0, 200), (500, 200), (1000, 200)),
            line((500, 100), (500, 200)),  # the bridge
        ),
        metric_crs=UTM,
    )
    homes, centre = net.snap(xy((0, 90), (500, 90))), net.snap(xy((0, 210)))
    straight = np.hypot(*(xy((0, 90), (500, 90)) - xy((0, 210))).T)
    found = net.nearest(homes, centre)
    np.testing.assert_allclose(straight, [120, np.hypot(500, 120)])
    np.testing.assert_allclose(found.distance_m, [10 + 500 + 100 + 500 + 10, 10 + 100 + 500 + 10])
    assert (found.distance_m > 5 * straight[0]).any()


def test_a_part_without_source_is_unreachable() -> None:
    net = street_network(
        streets(line((0, 0), (100, 0)), line((0, 500), (100, 500))), metric_crs=UTM
    )
    found = net.nearest(net.snap(xy((50, 490), (50, 10))), net.snap(xy((0, -5))))
    assert np.isinf(found.distance_m[0])
    assert found.source.tolist() == [-1, 0]
    assert net.snap(xy((50, 490))).component.tolist() == [1]


def test_no_sources_give_infinite_distances(tee: StreetNetwork) -> None:
    found = tee.nearest(tee.snap(xy((10, 10))), tee.snap(np.zeros((0, 2))))
    assert np.isinf(found.distance_m).all()


def test_snapping_finds_the_nearest_street_exactly() -> None:
    """The snap distance is the exact distance to the street lines, near them and far away."""
    net = street_network(ds.sample_layer("streets"))
    x0, y0 = net.xy.min(axis=0) - 500
    x1, y1 = net.xy.max(axis=0) + 500
    rng = np.random.default_rng(0)
    points = rng.uniform((x0, y0), (x1, y1), (5000, 2))
    snapped = net.snap(points)
    exact = shapely.distance(shapely.points(points), shapely.multilinestrings(net.segments))
    np.testing.assert_allclose(snapped.snap_m, exact, atol=1e-6)
    assert (snapped.snap_m > 200).any()


def test_snapping_gives_the_geos_segment_and_point_on_the_sample_city() -> None:
    """The compiled grid search snaps as GEOS ``STRtree.query_nearest`` does, to 1 mm."""
    net = street_network(ds.sample_layer("streets"))
    homes = ds.sample_layer("buildings").representative_point().to_crs(net.crs)
    points = np.asarray(homes.array)
    snapped = net.snap(homes)
    point_i, seg_i = shapely.STRtree(net.segments).query_nearest(points, all_matches=True)
    assert set(zip(range(len(points)), snapped.edge.tolist(), strict=True)) <= set(
        zip(point_i.tolist(), seg_i.tolist(), strict=True)
    )
    geos = net.segments[seg_i[np.r_[True, point_i[1:] != point_i[:-1]]]]
    np.testing.assert_allclose(snapped.snap_m, shapely.distance(points, geos), atol=1e-3)
    on_street = shapely.line_interpolate_point(geos, shapely.line_locate_point(geos, points))
    a, b = net.xy[net.edges[snapped.edge, 0]], net.xy[net.edges[snapped.edge, 1]]
    ours = a + snapped.t[:, None] * (b - a)
    unique = np.bincount(point_i, minlength=len(points)) == 1
    assert unique.mean() > 0.9
    np.testing.assert_allclose(ours[unique], shapely.get_coordinates(on_street)[unique], atol=1e-3)


def test_engines_agree_on_the_sample_city() -> None:
    net = street_network(ds.sample_layer("streets"))
    homes = net.snap(ds.sample_layer("buildings").representative_point())
    centres = net.snap(ds.sample_layer("service_centres"))
    fast, readable = net.nearest(homes, centres), net.nearest(homes, centres, engine="networkx")
    np.testing.assert_allclose(fast.distance_m, readable.distance_m)


@st.composite
def lattices(draw: st.DrawFn) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """A lattice of streets with some links removed, and random homes and centres."""
    n = draw(st.integers(2, 5))
    step = draw(st.floats(20, 200))
    cells = [(i, j) for i in range(n) for j in range(n)]
    links = [((i, j), (i + 1, j)) for i, j in cells if i + 1 < n]
    links += [((i, j), (i, j + 1)) for i, j in cells if j + 1 < n]
    kept = draw(st.lists(st.sampled_from(links), min_size=1, unique=True))
    frame = streets(
        *(line((a[0] * step, a[1] * step), (b[0] * step, b[1] * step)) for a, b in kept)
    )
    point = st.tuples(st.floats(-step, n * step), st.floats(-step, n * step))
    homes = xy(*draw(st.lists(point, min_size=1, max_size=12)))
    centres = xy(*draw(st.lists(point, min_size=1, max_size=4)))
    return frame, homes, centres


@settings(max_examples=60, deadline=None)
@given(lattices())
def test_network_distance_is_never_shorter_than_the_straight_line(
    case: tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray],
) -> None:
    frame, homes, centres = case
    net = street_network(frame, metric_crs=UTM)
    straight = np.hypot(
        homes[:, None, 0] - centres[None, :, 0], homes[:, None, 1] - centres[None, :, 1]
    )
    for to in ("edge", "node"):
        origins, sources = net.snap(homes, to=to), net.snap(centres, to=to)
        found = net.nearest(origins, sources)
        assert (found.distance_m >= straight.min(axis=1) - 1e-6).all()
        reachable = np.isfinite(found.distance_m)
        chosen = straight[np.flatnonzero(reachable), found.source[reachable]]
        assert (found.distance_m[reachable] >= chosen - 1e-6).all()
        cost = net.cost_matrix(origins, sources)
        assert (cost >= straight - 1e-6).all()
        np.testing.assert_allclose(cost.min(axis=1), found.distance_m)


# -- bad input ------------------------------------------------------------------------------------


def test_a_geographic_crs_for_metres_is_refused() -> None:
    with pytest.raises(CRSError, match="projected CRS in metres"):
        street_network(streets(line((0, 0), (100, 0))), metric_crs=4326)


def test_streets_without_crs_are_refused() -> None:
    frame = streets(line((0, 0), (100, 0))).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="streets"):
        street_network(frame)


def test_polygons_are_not_streets() -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 10, Y0 + 10)], crs=UTM)
    with pytest.raises(GeometryError, match="must hold LineString"):
        street_network(frame)


@pytest.mark.parametrize(
    ("value", "match"),
    [(None, "must be a GeoDataFrame"), ("streets.shp", "must be a GeoDataFrame")],
)
def test_non_frames_are_refused(value: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        street_network(value)  # type: ignore[arg-type]


def test_empty_streets_and_bad_options_are_refused() -> None:
    with pytest.raises(InputError, match="no line geometry"):
        street_network(gpd.GeoDataFrame(geometry=[None], crs=UTM))
    with pytest.raises(InputError, match="node_precision_m"):
        street_network(streets(line((0, 0), (1, 0))), node_precision_m=0)
    with pytest.raises(InputError, match="coords='gps'"):
        street_network(streets(line((0, 0), (1, 0))), coords="gps")


def test_points_need_a_crs_and_a_geometry(tee: StreetNetwork) -> None:
    with pytest.raises(InputError, match="no CRS"):
        tee.snap(gpd.GeoSeries([shapely.Point(X0, Y0)]))
    with pytest.raises(GeometryError, match="missing or empty"):
        tee.snap(gpd.GeoSeries([None], crs=UTM))
    with pytest.raises(InputError, match="engine='igraph'"):
        tee.nearest(tee.snap(xy((0, 0))), tee.snap(xy((0, 0))), engine="igraph")  # type: ignore[arg-type]


# -- generated streets -----------------------------------------------------------------------------


def test_boundary_streets_take_every_shared_edge_once() -> None:
    grids = gpd.GeoDataFrame(
        geometry=[
            shapely.box(X0, Y0, X0 + 100, Y0 + 100),
            shapely.box(X0 + 100, Y0, X0 + 200, Y0 + 100),
        ],
        crs=UTM,
    )
    frame = boundary_streets(grids)
    assert frame.index.name == "road_id"
    assert frame["kind"].tolist() == ["street"] * len(frame)
    net = street_network(frame, metric_crs=UTM)
    assert net.length_m.sum() == pytest.approx(700.0, abs=1e-3)  # 2 squares, 1 shared side
    assert len(net.components()) == 1


def test_synthetic_city_streets_ring_every_grid() -> None:
    from gridparty.datasets.synthetic import synthetic_layers

    layers = synthetic_layers(0.3, seed=2)
    net = street_network(layers["streets"])
    assert len(net.components()) == 1
    centre = shapely.get_coordinates(
        layers["buildings"].to_crs(net.crs).geometry.representative_point().array
    )
    snapped = net.snap(centre)
    assert snapped.snap_m.max() < 150.0  # every building lies in a grid ringed by streets


def test_sample_streets_are_one_network_joined_only_at_the_crossings() -> None:
    frame = ds.sample_layer("streets")
    assert set(frame["kind"]) == {"street", "bridge", "tunnel", "ferry"}
    assert sorted(frame["name"].dropna()) == sorted(c.name for c in CROSSINGS)
    net = street_network(frame)
    assert len(net.components()) == 1
    banks = street_network(frame[frame["kind"] == "street"])
    assert len(banks.components()) == 3  # 外滩, 北外滩 and 陆家嘴 banks
    crossing_m = frame[frame["kind"] != "street"].to_crs(net.crs).length
    assert crossing_m.between(50, 700).all()


def test_sample_homes_are_near_a_street() -> None:
    net = street_network(ds.sample_layer("streets"))
    snapped = net.snap(ds.sample_layer("households"))
    assert snapped.snap_m.max() < 150.0
