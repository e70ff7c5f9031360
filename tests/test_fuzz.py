"""Property-based fuzzing of every public reader and analysis function.

Each test starts from a small, correct input (the hand-made cities of ``tiny_city.py`` and
``flagship_city.py``) and lets hypothesis break it: invalid, empty, mixed, multi-part and
three-dimensional geometries; NaN, infinite and huge coordinates; swapped lat/lon; a missing or
wrong CRS; duplicate, missing, numeric and unicode ids (Chinese, emoji, right-to-left, markup);
wrong column names; bad counts; empty layers; data shifted to GCJ-02 or BD-09 but declared WGS84.

The property is the same everywhere: the call either returns a result that passes a few sanity
checks, or raises a :class:`gridparty.GridpartyError` whose message names what is wrong. Any other
exception (``GEOSException``, ``KeyError``, ``IndexError``, ``TypeError``, numpy's
``ValueError`` ...) fails the test.

Case counts come from the hypothesis profile chosen in ``conftest.py``: ``ci`` (default, the
whole file in well under a minute) or ``thorough`` (``GRIDPARTY_FUZZ=thorough``, ten times as
many cases). ``docs/hardening.md`` records how many cases each profile ran.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flagship_city as fc
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import tiny_city as tc
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gridparty.datasets.sample as ds
from gridparty.access.service import centre_layer, service_access, site_posts
from gridparty.checks.coverage import spatial_coverage, street_outlines
from gridparty.checks.fusion import grid_fusion
from gridparty.checks.organisation import organisation_coverage
from gridparty.checks.report import check_coverage
from gridparty.checks.snapshots import compare_snapshots
from gridparty.checks.validate import CHECKS, validate
from gridparty.core import coords
from gridparty.core.errors import GridpartyError
from gridparty.core.io import (
    read_features,
    read_hierarchy,
    read_layer,
    read_table_points,
    write_layers,
)
from gridparty.core.model import Hierarchy
from gridparty.flagship.choice import choose_flagships
from gridparty.flagship.zones import mentoring_zones
from gridparty.maps import hierarchy_map
from gridparty.maps.base import base_map
from gridparty.spatial.assign import (
    assign,
    largest_overlap,
    locate_points,
    nearest_within,
    verify_points,
)
from gridparty.spatial.network import street_network
from gridparty.spatial.siting import max_coverage, set_cover

#: Cases per test under the ``ci`` profile are the numbers below; ``thorough`` multiplies them.
SCALE = settings.default.max_examples / 100


def cases(n: int) -> settings:
    """Settings running ``n`` cases (times the profile's scale), no deadline, no flaky timing."""
    return settings(
        max_examples=max(1, round(n * SCALE)),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- the outcome every case must have --------------------------------------------------------


def outcome(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run ``call``: return its result, or ``None`` when it raised a clear gridparty error.

    Any exception that is not a :class:`GridpartyError` propagates and fails the test. Warnings
    are allowed (repairs are announced with ``RepairWarning``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call(*args, **kwargs)
        except GridpartyError as exc:
            message = str(exc)
            assert len(message) > 30, f"unhelpful message: {message!r}"
            assert "np.int64(" not in message, message
            assert "np.float64(" not in message, message
            return None


# -- hostile changes -------------------------------------------------------------------------

#: Ids a user's file may hold.
IDS = st.one_of(
    st.sampled_from(
        [
            None,
            "",
            "  ",
            "DUP",
            1,
            2.0,
            3.5,
            -1,
            float("nan"),
            "社区一",
            "🏠🏢",
            "\u202eمجتمع",
            "שכונה",
            "a\u2028b",
            "<img src=x onerror=alert(1)>",
            "`${x}`",
            "C1 ",
            "Ｃ１",
            "x" * 300,
        ]
    ),
    st.text(min_size=1, max_size=8),
)
#: Values of a count column (formal members, households ...).
COUNTS = st.sampled_from(
    [None, float("nan"), float("inf"), -3, 0, 2.5, 1e30, "三", "１２", " 7 ", True, "", 10**20]
)


def _poke(geom: shapely.Geometry, value: float) -> shapely.Geometry:
    def change(xy: np.ndarray) -> np.ndarray:
        xy = xy.copy()
        xy[min(2, len(xy) - 1), 0] = value
        return xy

    return shapely.transform(geom, change)


def _bowtie(geom: shapely.Geometry) -> shapely.Geometry:
    x0, y0, x1, y1 = geom.bounds
    if x0 == x1 or y0 == y1:
        return geom
    return shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, y0)])


def _multi(geom: shapely.Geometry) -> shapely.Geometry:
    other = shapely.affinity.translate(geom, 0.002, 0.001)
    if geom.geom_type == "Point":
        return shapely.MultiPoint([geom, other])
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom, other])
    return shapely.GeometryCollection([geom, other])


#: One geometry made bad, by name.
GEOMETRY_CHANGES: dict[str, Callable[[shapely.Geometry], shapely.Geometry | None]] = {
    "none": lambda g: None,
    "empty": lambda g: shapely.from_wkt(f"{g.geom_type.upper()} EMPTY"),
    "bowtie": _bowtie,
    "multi": _multi,
    "point": lambda g: g.centroid,
    "line": lambda g: shapely.LineString(
        [g.centroid, shapely.affinity.translate(g.centroid, 1e-4)]
    ),
    "collection": lambda g: shapely.GeometryCollection([g, g.centroid]),
    "nan": lambda g: _poke(g, np.nan),
    "inf": lambda g: _poke(g, np.inf),
    "huge": lambda g: shapely.transform(g, lambda xy: xy * 1e9),
    "swapped": lambda g: shapely.transform(g, lambda xy: xy[:, ::-1]),
    "z": lambda g: shapely.force_3d(g, 12.5),
    "sliver": lambda g: shapely.affinity.scale(g, 1e-7, 1e-7),
    "far": lambda g: shapely.affinity.translate(g, -200.0, 0.0),
    "moved": lambda g: shapely.affinity.translate(g, 0.003, -0.002),
}


def _geometry_name(frame: pd.DataFrame) -> str | None:
    return frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None


def _id_column(frame: pd.DataFrame) -> str | None:
    names = [c for c in frame.columns if c != _geometry_name(frame)]
    return names[0] if names else None


def change_geometry(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    if _geometry_name(frame) is None or not len(frame):
        return frame
    row = draw(st.integers(0, len(frame) - 1))
    kind = draw(st.sampled_from(sorted(GEOMETRY_CHANGES)))
    geoms = list(frame.geometry)
    if geoms[row] is not None and not geoms[row].is_empty:
        geoms[row] = GEOMETRY_CHANGES[kind](geoms[row])
    return frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))


def change_layer(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    """Something that happens to a whole layer: CRS, datum, axis order, rows."""
    kind = draw(
        st.sampled_from(
            [
                "no_crs",
                "web_mercator_label",
                "utm_label",
                "crs84",
                "cgcs2000",
                "to_utm",
                "to_web_mercator",
                "swapped",
                "gcj02",
                "bd09",
                "empty",
                "one_row",
                "twice",
            ]
        )
    )
    geo = _geometry_name(frame) is not None
    if kind == "empty":
        return frame.iloc[:0]
    if kind == "one_row":
        return frame.iloc[:1]
    if kind == "twice":
        return pd.concat([frame, frame])
    if not geo:
        return frame
    if kind == "no_crs":
        return frame.set_crs(None, allow_override=True)
    if kind in ("web_mercator_label", "utm_label", "crs84", "cgcs2000"):
        crs = {
            "web_mercator_label": 3857,
            "utm_label": tc.UTM,
            "crs84": "OGC:CRS84",
            "cgcs2000": 4490,
        }[kind]
        return frame.set_crs(crs, allow_override=True)
    if kind in ("to_utm", "to_web_mercator"):
        return frame.to_crs(tc.UTM if kind == "to_utm" else 3857)
    if kind == "swapped":
        return coords.swap_xy(frame)
    return coords.convert_geometries(frame, "wgs84", kind)


def change_ids(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    column = _id_column(frame)
    if column is None or not len(frame):
        return frame
    values = list(frame[column])
    rows = draw(st.lists(st.integers(0, len(frame) - 1), min_size=1, max_size=3))
    for row in rows:
        values[row] = draw(IDS)
    out = frame.copy()
    out[column] = pd.Series(values, index=frame.index, dtype=object)
    return out


def change_columns(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    names = [c for c in frame.columns if c != _geometry_name(frame)]
    if not names:
        return frame
    column = draw(st.sampled_from(names))
    kind = draw(st.sampled_from(["rename", "drop", "clash", "numeric_name"]))
    if kind == "rename":
        return frame.rename(columns={column: "某列"})
    if kind == "drop":
        return frame.drop(columns=column)
    if kind == "clash":  # a second column under a known alias of the same field
        return frame.assign(id=frame[column])
    return frame.rename(columns={column: 7})


def change_values(draw: st.DrawFn, frame: pd.DataFrame) -> pd.DataFrame:
    names = [c for c in frame.columns if c != _geometry_name(frame)]
    if not names or not len(frame):
        return frame
    column = draw(st.sampled_from(names))
    row = draw(st.integers(0, len(frame) - 1))
    values = list(frame[column])
    values[row] = draw(st.one_of(COUNTS, IDS))
    out = frame.copy()
    out[column] = pd.Series(values, index=frame.index, dtype=object)
    return out


CHANGES = (change_geometry, change_layer, change_ids, change_columns, change_values)


@st.composite
def hostile(draw: st.DrawFn, frame: pd.DataFrame, most: int = 2) -> pd.DataFrame:
    """``frame`` with up to ``most`` hostile changes (often none: the call must then work)."""
    for _ in range(draw(st.integers(0, most))):
        change = draw(st.sampled_from(CHANGES))
        try:
            frame = change(draw, frame)
        except (shapely.errors.GEOSException, ValueError):  # too broken already for this change
            continue
    return frame


def _tiny() -> dict[str, gpd.GeoDataFrame]:
    return tc.layers()


TINY = _tiny()


def tiny_layers(most: int = 2) -> st.SearchStrategy[dict[str, gpd.GeoDataFrame]]:
    """The tiny city's four layers, one of them (sometimes) made hostile."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, gpd.GeoDataFrame]:
        layers = {name: frame.copy() for name, frame in TINY.items()}
        name = draw(st.sampled_from(sorted(layers)))
        layers[name] = draw(hostile(layers[name], most))
        return layers

    return build()


def hierarchy_of(layers: dict[str, gpd.GeoDataFrame], strict: bool, repair: bool) -> Hierarchy:
    h = outcome(Hierarchy, **layers, strict=strict, repair=repair)
    assume(h is not None)
    return h


def _check_hierarchy(h: Hierarchy, layers: dict[str, gpd.GeoDataFrame], strict: bool) -> None:
    for name, frame in h.layers.items():
        assert frame.crs.to_epsg() == 4326
        assert frame.index.is_unique
        assert frame.index.dtype == "string"
        if not strict:  # nothing is dropped
            given = layers[
                {
                    "community": "communities",
                    "grid": "grids",
                    "building": "buildings",
                    "household": "households",
                }[name]
            ]
            assert len(frame) == len(given)


# -- readers -----------------------------------------------------------------------------------


@cases(50)
@given(layers=tiny_layers(), strict=st.booleans(), repair=st.booleans())
def test_hierarchy_loads_or_says_why(layers: dict, strict: bool, repair: bool) -> None:
    h = outcome(Hierarchy, **layers, strict=strict, repair=repair)
    if h is not None:
        _check_hierarchy(h, layers, strict)
        outcome(h.summary, "community")
        outcome(h.to_graph)


@cases(15)
@given(layers=tiny_layers(), fmt=st.sampled_from(["gpkg", "geojson", "folder_csv"]))
def test_files_read_back_or_say_why(layers: dict, fmt: str, tmp_path_factory: Any) -> None:
    folder = tmp_path_factory.mktemp("read")
    try:  # writing hostile frames is the test's own business: skip what GDAL refuses
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = _write_for_reading(layers, folder, fmt)
    except Exception:
        assume(False)
    h = outcome(read_hierarchy, source, strict=False)
    if h is not None:
        assert all(f.crs.to_epsg() == 4326 for f in h.layers.values())
    outcome(read_layer, folder / "missing.gpkg", "grid")
    files = (
        [(source, name) for name in layers]
        if fmt == "gpkg"
        else [(path, None) for path in sorted(folder.iterdir())]
    )
    for path, layer in files:  # the same files as layers beside the hierarchy
        features = outcome(read_features, path, layer, coords="gcj02")
        if isinstance(features, gpd.GeoDataFrame) and len(features):
            assert features.crs.to_epsg() == 4326


def _write_for_reading(layers: dict, folder: Path, fmt: str) -> Path:
    if fmt == "gpkg":
        path = folder / "city.gpkg"
        for name, frame in layers.items():
            frame.astype({c: str for c in frame.columns if frame[c].dtype == object}).to_file(
                path, layer=name
            )
        return path
    for name, frame in layers.items():
        if fmt == "geojson" or name != "households":
            frame.to_file(folder / f"{name}.geojson")
            continue
        points = frame.geometry
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        xy = shapely.get_coordinates(points.array) if len(points) else np.empty((0, 2))
        if len(xy) != len(frame):
            raise ValueError("not one point per row")
        table["经度"], table["纬度"] = xy[:, 0], xy[:, 1]
        table.to_csv(folder / "households.csv", index=False)
    return folder


@cases(20)
@given(
    cells=st.lists(
        st.tuples(
            st.sampled_from(["121.49", "31.2", "", "abc", "1e400", "nan", "-inf", "３１"]),
            st.sampled_from(["31.24", "121.49", "", "x", "91", "nan"]),
        ),
        min_size=0,
        max_size=4,
    ),
    header=st.sampled_from([("lon", "lat"), ("经度", "纬度"), ("x", "y"), ("E", "N")]),
    encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]),
)
def test_point_tables_read_or_say_why(
    cells: list, header: tuple, encoding: str, tmp_path_factory: Any
) -> None:
    path = tmp_path_factory.mktemp("csv") / "points.csv"
    lines = [f"id,{header[0]},{header[1]},名称"] + [
        f"P{i},{x},{y},测试" for i, (x, y) in enumerate(cells)
    ]
    path.write_bytes("\n".join(lines).encode(encoding))
    points = outcome(read_table_points, path)
    if points is not None:
        assert len(points) == len(cells)
        outcome(read_layer, path, "household", strict=False)
    features = outcome(read_features, path, coords="bd09")
    if points is not None and features is not None:
        assert len(features) == len(cells)


# -- coordinates -------------------------------------------------------------------------------

FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(70, 140),
    st.floats(0, 60),
)


@cases(150)
@given(
    lon=st.one_of(
        FLOATS,
        hnp.arrays(np.float64, st.integers(0, 5), elements=FLOATS),
        st.sampled_from(["121.5", None, [1, "x"], {"a": 1}]),
    ),
    lat=st.one_of(FLOATS, hnp.arrays(np.float64, st.integers(0, 5), elements=FLOATS)),
    src=st.sampled_from(["wgs84", "GCJ-02", "bd09", "cgcs2000", "mars", 4326]),
    dst=st.sampled_from(["wgs84", "gcj02", "BD09"]),
)
def test_coordinate_conversion_is_total(lon: Any, lat: Any, src: Any, dst: str) -> None:
    result = outcome(coords.convert_coords, lon, lat, src, dst)
    if result is None:
        return
    x, y = result
    both = np.isfinite(np.asarray(lon, dtype=float)) & np.isfinite(np.asarray(lat, dtype=float))
    assert np.all(np.isfinite(x)[both])
    assert np.all(np.isfinite(y)[both])


@cases(60)
@given(frame=hostile(TINY["buildings"], most=3))
def test_crs_checks_accept_or_explain(frame: gpd.GeoDataFrame) -> None:
    out = outcome(coords.ensure_wgs84, frame, "buildings")
    if out is not None and len(out):
        assert out.crs.to_epsg() == 4326
        xy = shapely.get_coordinates(out.geometry.array)
        assert (np.abs(xy[:, 0]) <= 180).all()
        assert (np.abs(xy[:, 1]) <= 90).all()
        crs = outcome(coords.metric_crs, out)
        if crs is not None:
            outcome(coords.to_metric, out, crs)
    outcome(coords.swap_xy, frame)
    outcome(coords.convert_geometries, frame, "gcj02", "wgs84")
    outcome(coords.to_metric, frame, "EPSG:4326")


@functools.cache
def _bund_buildings() -> gpd.GeoDataFrame:
    return ds.sample_city().buildings.iloc[::7]


@cases(30)
@given(
    shift=st.sampled_from(["wgs84", "gcj02", "bd09"]),
    noise_m=st.floats(0, 30),
    moved=st.booleans(),
)
def test_datum_offset_is_named(shift: str, noise_m: float, moved: bool) -> None:
    reference = _bund_buildings()
    layer = coords.convert_geometries(reference, "wgs84", shift)
    rng = np.random.default_rng(int(noise_m * 1000))
    if noise_m:  # each feature digitised again with an error of about noise_m metres
        jitter = rng.normal(0, noise_m * 1e-5, size=(len(layer), 2))
        moved_geoms = [
            shapely.affinity.translate(g, *d) for g, d in zip(layer.geometry, jitter, strict=True)
        ]
        layer = layer.set_geometry(gpd.GeoSeries(moved_geoms, index=layer.index, crs=4326))
    if moved:
        layer = layer.iloc[: len(layer) // 2]
    found = outcome(coords.detect_datum_offset, layer, reference)
    assert found is not None
    if noise_m < 10:
        assert found.datum == shift


# -- spatial assignment --------------------------------------------------------------------------


def _geometry_arrays() -> st.SearchStrategy[np.ndarray]:
    polygons = list(TINY["buildings"].geometry) + list(TINY["grids"].geometry)
    points = list(TINY["households"].geometry)
    pool = [
        *polygons,
        *points,
        None,
        shapely.Polygon(),
        shapely.Point(),
        shapely.LineString([(0, 0), (1, 1)]),
        "not a geometry",
        3,
    ]
    return st.lists(st.sampled_from(pool), max_size=6).map(lambda v: np.array(v, dtype=object))


@cases(80)
@given(
    points=_geometry_arrays(),
    polygons=_geometry_arrays(),
    engine=st.sampled_from(["numba", "shapely", "gpu"]),
    declared=st.one_of(st.none(), st.lists(st.integers(-2, 7), max_size=6)),
)
def test_point_in_polygon_kernels_are_total(
    points: np.ndarray, polygons: np.ndarray, engine: str, declared: list | None
) -> None:
    pos = None if declared is None else np.asarray(declared, dtype=np.int64)
    found = outcome(locate_points, points, polygons, engine=engine, declared_pos=pos)
    if found is not None:
        assert len(found[0]) == len(points)
    outcome(verify_points, points, polygons, np.full(len(points), 0), engine=engine)
    outcome(nearest_within, points, polygons, 5.0, tc.UTM)
    outcome(largest_overlap, polygons, polygons, tc.UTM)
    outcome(nearest_within, points, polygons, float("nan"), "EPSG:4326")


@cases(25)
@given(
    layers=tiny_layers(),
    strict=st.booleans(),
    repair=st.booleans(),
    min_area=st.sampled_from([0.0, 1.0, -1.0, float("nan")]),
)
def test_assign_and_validate_are_total(
    layers: dict, strict: bool, repair: bool, min_area: float
) -> None:
    h = hierarchy_of(layers, strict, repair)
    assignment = outcome(assign, h)
    if assignment is None:
        return
    assert len(assignment.table) == len(h.grids) + len(h.buildings) + len(h.households)
    issues = outcome(validate, h, assignment=assignment, min_area_m2=min_area)
    if issues is not None:
        assert set(issues["check"]) <= set(CHECKS)
        m = outcome(hierarchy_map, assignment.hierarchy, issues=issues, lang="en")
        if m is not None:
            m.get_root().render()


# -- coverage ----------------------------------------------------------------------------------


@cases(12)
@given(layers=tiny_layers(), strict=st.booleans())
def test_coverage_report_is_total(layers: dict, strict: bool) -> None:
    h = hierarchy_of(layers, strict, repair=False)
    report = outcome(check_coverage, h)
    if report is None:
        return
    report.summary()
    report._repr_html_()
    m = outcome(report.map)
    if m is not None:
        m.get_root().render()


@cases(25)
@given(
    parents=hostile(TINY["communities"].set_index("community_id")),
    children=hostile(TINY["grids"].set_index("grid_id")),
    crs=st.sampled_from([None, None, tc.UTM, "EPSG:4326", "nonsense"]),
)
def test_spatial_coverage_is_total(
    parents: gpd.GeoDataFrame, children: gpd.GeoDataFrame, crs: Any
) -> None:
    found = outcome(
        spatial_coverage, parents, children, parent_column="community_id", metric_crs=crs
    )
    if found is not None:
        found.summary()
    outcome(street_outlines, parents.assign(street="外滩街道"))
    outcome(grid_fusion, children, parents, metric_crs=crs)


@cases(8)
@given(before=tiny_layers(), after=tiny_layers())
def test_snapshots_compare_or_say_why(before: dict, after: dict) -> None:
    a = hierarchy_of(before, strict=False, repair=False)
    b = hierarchy_of(after, strict=False, repair=False)
    result = outcome(compare_snapshots, a, b)
    if result is not None:
        result.summary()


@cases(20)
@given(layers=tiny_layers())
def test_organisation_coverage_is_total(layers: dict) -> None:
    h = hierarchy_of(layers, strict=False, repair=False)
    result = outcome(organisation_coverage, h)
    if result is not None:
        result.summary()
        result._repr_html_()


# -- flagship zones ------------------------------------------------------------------------------

FLAGSHIP = {"communities": fc.communities(), "grids": fc.grids()}


@cases(20)
@given(
    communities=hostile(FLAGSHIP["communities"]),
    organisations=hostile(fc.organisations()),
    centres=st.one_of(st.none(), hostile(fc.centres())),
    flagships=st.lists(IDS | st.sampled_from(["A", "B", "C"]), max_size=3),
    size=st.sampled_from(
        [
            {"radius_m": 500},
            {"area_km2": 1.0},
            {"radius_m": -1},
            {"radius_m": float("inf")},
            {},
            {"radius_m": 500, "area_km2": 1.0},
        ]
    ),
)
def test_mentoring_zones_are_total(
    communities: gpd.GeoDataFrame,
    organisations: gpd.GeoDataFrame,
    centres: Any,
    flagships: list,
    size: dict,
) -> None:
    h = outcome(Hierarchy, communities, FLAGSHIP["grids"], strict=False)
    assume(h is not None)
    zones = outcome(
        mentoring_zones, h, flagships, organisations=organisations, centres=centres, **size
    )
    if zones is not None:
        zones.summary()
        zones._repr_html_()


@cases(10)
@given(
    organisations=hostile(fc.organisations()),
    k=st.sampled_from([0, 1, 2, 5, -1, 1.5]),
    solver=st.sampled_from(["auto", "greedy", "exact", "magic"]),
)
def test_flagship_choice_is_total(organisations: gpd.GeoDataFrame, k: Any, solver: str) -> None:
    choice = outcome(
        choose_flagships,
        fc.hierarchy(),
        k,
        radius_m=600,
        organisations=organisations,
        solver=solver,
    )
    if choice is not None:
        assert len(choice.chosen) <= max(k, 0)


# -- service access ----------------------------------------------------------------------------


def _centres() -> gpd.GeoDataFrame:
    return tc.frame(
        {
            "编号": ["K1", "K2", "K3"],
            "名称": ["一号驿站", "街道中心", "流动站"],
            "层级": ["驿站", "街道", "流动"],
        },
        [tc.point(0, -5), tc.point(300, -10), tc.point(400, -50)],
    )


def _streets() -> gpd.GeoDataFrame:
    lines = [[(0, 0), (200, 0), (400, 0)], [(0, 100), (200, 100)], [(200, 0), (200, 100)]]
    geoms = [shapely.LineString([(tc.X0 + x, tc.Y0 + y) for x, y in line]) for line in lines]
    return gpd.GeoDataFrame({"road_id": ["S1", "S2", "S3"]}, geometry=geoms, crs=tc.UTM).to_crs(
        4326
    )


@cases(20)
@given(
    centres=hostile(_centres()),
    streets=st.one_of(st.none(), hostile(_streets())),
    minutes=st.sampled_from([(5, 10, 15), (), (10, 5), (-5,), (float("nan"),)]),
    posts=st.sampled_from([None, 0, 1, 3]),
)
def test_service_access_is_total(
    centres: gpd.GeoDataFrame, streets: Any, minutes: tuple, posts: int | None
) -> None:
    h = Hierarchy(**TINY)
    outcome(centre_layer, centres)
    outcome(street_network, streets if streets is not None else _streets())
    access = outcome(service_access, h, centres, streets=streets, minutes=minutes)
    if access is None:
        return
    access.summary()
    access._repr_html_()
    if posts is not None:
        sited = outcome(site_posts, access, k=posts)
        if sited is not None:
            sited.summary()


# -- siting core -------------------------------------------------------------------------------


@cases(80)
@given(
    matrix=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=5),
        elements=st.one_of(st.floats(0, 2000), st.just(np.nan), st.just(np.inf), st.just(-1.0)),
    ),
    k=st.integers(-1, 4),
    max_cost=st.sampled_from([None, 500.0, -1.0, float("nan")]),
)
def test_siting_is_total(matrix: np.ndarray, k: int, max_cost: float | None) -> None:
    found = outcome(max_coverage, matrix, k, max_cost=max_cost, solver="greedy")
    if found is not None:
        found.summary()
    outcome(set_cover, matrix, max_cost=max_cost, solver="greedy")


# -- alliances, 1+1 pairing, the three lists ------------------------------------------------------


def _alliance_tables() -> dict[str, pd.DataFrame]:
    units = tc.frame(
        {
            "单位编号": ["U1", "U2", "U3"],
            "单位名称": ["甲", "乙", "丙"],
            "单位类型": ["国有企业", "非公企业", "社会组织"],
            "党员数": [60, 3, 0],
            "联系人": ["张三"] * 3,
        },
        [tc.point(10, 10), tc.point(110, 10), tc.point(300, 50)],
    )
    return {
        "units": units,
        "alliances": pd.DataFrame(
            {
                "联盟编号": ["A1", "A2"],
                "联盟名称": ["一号", "二号"],
                "联盟类型": ["区域", "行业"],
                "牵头单位": ["U1", "乙"],
            }
        ),
        "memberships": pd.DataFrame(
            {
                "单位编号": ["U1", "U2", "U2", "U3"],
                "联盟编号": ["A1", "A1", "A2", "A2"],
                "加入年份": [2019, 2020, 2020, 2022],
            }
        ),
        "agreements": pd.DataFrame({"甲方": ["C1"], "乙方": ["丙"], "签订年份": [2023]}),
        "departments": tc.frame(
            {
                "部门编号": ["D1", "D2"],
                "部门名称": ["司法局", "民政局"],
                "区": ["黄浦区"] * 2,
                "capacity": [1, 2],
            },
            [tc.point(100, 200), tc.point(300, 150)],
        ),
        "pairings": pd.DataFrame({"community_id": ["C1"], "department_id": ["D1"]}),
        "needs": tc.frame(
            {
                "需求编号": ["N1", "N2"],
                "社区": ["C1", "西社区"],
                "类别": ["为老服务", "托育"],
                "人数": [10, 3],
                "需求内容": ["助餐", "托育"],
            },
            [tc.point(100, 0), tc.point(300, 0)],
        ),
        "resources": pd.DataFrame(
            {"资源编号": ["R1"], "单位": ["U1"], "类别": ["养老"], "容量": [8]}
        ),
    }


ALLIANCE = _alliance_tables()


def _one_hostile(names: tuple[str, ...]) -> st.SearchStrategy[dict[str, pd.DataFrame]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, pd.DataFrame]:
        tables = {n: ALLIANCE[n].copy() for n in names}
        name = draw(st.sampled_from(names))
        tables[name] = draw(hostile(tables[name]))
        return tables

    return build()


@cases(25)
@given(t=_one_hostile(("units", "alliances", "memberships", "agreements")), strict=st.booleans())
def test_alliance_network_is_total(t: dict, strict: bool) -> None:
    from gridparty.alliances.network import alliance_network, analyse_alliances

    net = outcome(
        alliance_network,
        t["units"],
        t["alliances"],
        t["memberships"],
        agreements=t["agreements"],
        communities=TINY["communities"],
        strict=strict,
    )
    if net is None:
        return
    analysis = outcome(analyse_alliances, net)
    if analysis is not None:
        analysis.summary()
        analysis._repr_html_()


@cases(30)
@given(
    t=_one_hostile(("departments", "pairings")),
    communities=hostile(TINY["communities"]),
    within=st.sampled_from([None, "district", "区", "nope"]),
    capacity=st.sampled_from(["capacity", 1, 0, -1, "nope"]),
    max_distance_m=st.sampled_from([None, 150.0, 0.0, -5.0, float("nan")]),
)
def test_pairing_is_total(
    t: dict, communities: gpd.GeoDataFrame, within: Any, capacity: Any, max_distance_m: Any
) -> None:
    from gridparty.alliances.pairing import check_pairing, propose_pairing

    checked = outcome(check_pairing, communities, t["departments"], t["pairings"])
    if checked is not None:
        checked.summary()
    proposal = outcome(
        propose_pairing,
        communities,
        t["departments"],
        pairings=t["pairings"],
        within=within,
        capacity=capacity,
        max_distance_m=max_distance_m,
    )
    if proposal is not None:
        proposal.summary()


@cases(60)
@given(
    cost=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=4),
        elements=st.one_of(st.floats(0, 5000), st.just(np.nan), st.just(np.inf), st.just(-1.0)),
    ),
    engine=st.sampled_from(["highs", "networkx", "magic"]),
)
def test_optimal_pairs_is_total(cost: np.ndarray, engine: str) -> None:
    from gridparty.alliances.pairing import optimal_pairs

    found = outcome(optimal_pairs, cost, engine=engine)
    if found is not None:
        rows, cols = found
        assert len(rows) == len(cols) <= min(cost.shape)


@cases(30)
@given(
    t=_one_hostile(("needs", "resources", "units")),
    max_distance_m=st.sampled_from([1000.0, 0.0, -1.0, float("inf"), float("nan")]),
)
def test_list_matching_is_total(t: dict, max_distance_m: float) -> None:
    from gridparty.alliances.lists import match_lists

    match = outcome(
        match_lists,
        t["needs"],
        t["resources"],
        units=t["units"],
        communities=TINY["communities"],
        max_distance_m=max_distance_m,
    )
    if match is not None:
        match.summary()
        match._repr_html_()


# -- maps ----------------------------------------------------------------------------------------


@cases(100)
@given(
    bounds=st.one_of(
        st.lists(FLOATS, min_size=0, max_size=5),
        st.sampled_from([None, "121,31,122,32", [121, 31, 122, 32]]),
    ),
    tiles=st.sampled_from(["osm", "gaode", "none", "bing"]),
    lang=st.sampled_from(["zh", "en", "fr"]),
)
def test_base_map_is_total(bounds: Any, tiles: str, lang: str) -> None:
    m = outcome(base_map, bounds, tiles=tiles, lang=lang)
    if m is not None:
        m.get_root().render()


@cases(200)
@given(value=st.one_of(st.text(), IDS, st.floats(), st.integers()))
def test_escaped_text_is_inert_and_reads_back(value: object) -> None:
    import html

    from gridparty.core.safe import escape, js_literal, shorten

    out = escape(value)
    for char in "<>\"'`$\\\n\r\u2028\u2029{}":
        assert char not in out
    if (
        isinstance(value, str)
        and value == "".join(c for c in value if c.isprintable() or c in "\n\r\t\u2028\u2029")
        and not any("\ud800" <= c <= "\udfff" for c in value)
    ):
        assert html.unescape(out) == shorten(value)  # map text is cut to 200 characters
    literal = js_literal(out)
    assert "</" not in literal
    assert "\u2028" not in literal


@cases(30)
@given(
    by=IDS | st.sampled_from(["community", "grid", "street", "district"]),
    name=IDS | st.sampled_from(["grids", "household"]),
    replacement=hostile(TINY["buildings"]),
)
def test_hierarchy_methods_are_total(by: Any, name: Any, replacement: gpd.GeoDataFrame) -> None:
    h = Hierarchy(**TINY)
    outcome(h.summary, by)
    outcome(h.layer, name)
    outcome(h.replace, buildings=replacement)
    outcome(h.replace, **{str(name): replacement})


@cases(20)
@given(
    organisations=hostile(fc.organisations()),
    centres=hostile(fc.centres()),
    flagships=st.lists(IDS | st.sampled_from(["A", "B", "C"]), max_size=3),
)
def test_organisation_tables_and_origins_are_total(
    organisations: gpd.GeoDataFrame, centres: gpd.GeoDataFrame, flagships: list
) -> None:
    from gridparty.flagship.organisations import organisation_table
    from gridparty.flagship.zones import flagship_origins

    h = fc.hierarchy()
    table = outcome(organisation_table, h, organisations)
    if table is not None:
        assert table.index.is_unique
    outcome(flagship_origins, h, flagships, centres=centres)


@cases(60)
@given(
    minutes=st.lists(st.one_of(st.floats(allow_nan=True), st.integers(-5, 30)), max_size=4),
    speed=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
    scale=st.sampled_from([0.0, -1.0, 0.001, float("nan"), "big"]),
    layer=IDS | st.sampled_from(["units", "streets"]),
)
def test_small_helpers_are_total(minutes: list, speed: Any, scale: Any, layer: Any) -> None:
    from gridparty.access.service import band_limits
    from gridparty.datasets.synthetic import synthetic_city

    limits = outcome(band_limits, minutes, speed)
    if limits is not None:
        assert (np.diff(limits.to_numpy(dtype=float)) > 0).all()
    outcome(synthetic_city, scale)
    outcome(ds.sample_layer, layer)


@cases(15)
@given(
    centres=hostile(_centres()),
    origins=hostile(TINY["buildings"]),
    streets=st.one_of(st.none(), hostile(_streets())),
    max_snap_m=st.sampled_from([200.0, 0.0, -1.0, float("nan")]),
)
def test_centre_distances_are_total(
    centres: gpd.GeoDataFrame, origins: gpd.GeoDataFrame, streets: Any, max_snap_m: float
) -> None:
    from gridparty.access.service import centre_distances

    table = outcome(centre_distances, origins, centres, streets=streets, max_snap_m=max_snap_m)
    if table is not None:
        assert len(table) == len(origins)


# -- writers -------------------------------------------------------------------------------------


@cases(15)
@given(frame=hostile(TINY["grids"]), name=IDS)
def test_write_layers_writes_or_says_why(
    frame: gpd.GeoDataFrame, name: Any, tmp_path_factory: Any
) -> None:
    path = tmp_path_factory.mktemp("write") / "out.gpkg"
    layer_name = name if isinstance(name, str) and name.strip() else "layer"
    written = outcome(write_layers, {layer_name: frame}, path)
    if written is not None:
        assert written.exists()
    assert [p.name for p in path.parent.iterdir() if p.name != "out.gpkg"] == []


@pytest.mark.parametrize("bad", [None, 3, "x", pd.DataFrame({"a": [1]})])
def test_every_entry_point_rejects_non_frames(bad: object) -> None:
    for call in (
        *([lambda: Hierarchy(bad)] if bad is not None else []),  # None: an empty hierarchy
        lambda: assign(bad),
        lambda: validate(bad),
        lambda: check_coverage(bad),
        lambda: organisation_coverage(bad),
        lambda: hierarchy_map(bad),
        lambda: coords.ensure_wgs84(bad),
        lambda: centre_layer(bad),
        lambda: street_network(bad),
        lambda: spatial_coverage(bad, bad, parent_column="x"),
    ):
        with pytest.raises(GridpartyError):
            call()


# -- the command line --------------------------------------------------------------------------


def _bad_sources(folder: Path) -> dict[str, Path]:
    (folder / "corrupt.gpkg").write_bytes(bytes(range(256)) * 20)
    (folder / "empty").mkdir()
    broken = folder / "broken"
    broken.mkdir()
    (broken / "communities.geojson").write_text("{not json", encoding="utf-8")
    (broken / "households.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (broken / "units.csv").write_bytes(b"")
    table = folder / "table.csv"
    table.write_text("a,b\n1,2\n", encoding="utf-8")
    no_layers = folder / "other.gpkg"
    write_layers({"roads": TINY["grids"]}, no_layers)
    return {
        "missing": folder / "nope.gpkg",
        "corrupt": folder / "corrupt.gpkg",
        "empty": folder / "empty",
        "broken": broken,
        "table": table,
        "no_layers": no_layers,
    }


COMMAND_ARGS = {
    "validate": [],
    "check": ["--min-area-m2", "-1"],
    "access": ["--minutes", "-5"],
    "zones": ["--k", "1", "--radius-m", "-100"],
    "alliances": ["--max-distance-m", "nan"],
}


@pytest.mark.parametrize("command", sorted(COMMAND_ARGS))
def test_commands_fail_with_a_message_not_a_traceback(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gridparty.cli.main import main

    required = ["--k", "1", "--radius-m", "500"] if command == "zones" else []
    for name, source in _bad_sources(tmp_path).items():
        code = main(
            [
                command,
                str(source),
                *required,
                "--out" if command == "alliances" else "--html",
                str(tmp_path / ("out" if command == "alliances" else "m.html")),
            ]
        )
        err = capsys.readouterr().err
        assert code == 2, (name, err)
        assert "gridparty: error:" in err, (name, err)
    city = str(ds.sample_city_path())
    assert main([command, city, *COMMAND_ARGS[command]]) == (0 if command == "validate" else 2)
    capsys.readouterr()
