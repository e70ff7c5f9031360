"""The bundled sample city: real Shanghai footprints, a generated organisation, planted defects.

The sample city sits on both banks of the Huangpu at the Bund (外滩, 黄浦区), the North Bund
(北外滩, 虹口区) and Lujiazui (陆家嘴, 浦东新区). Its building footprints are real
(OpenStreetMap, © OpenStreetMap contributors, ODbL 1.0, bundled as
``gridparty/data/bund_buildings.geojson``); everything else — communities, grids, households
per building, member households, grid workers, service centres, new economic and social
organisations — is generated deterministically from a seed (the builder is ``sample_data/build/`` in the
repository), and a known list of defects
(:data:`SAMPLE_DEFECTS`) is planted on purpose so that :func:`gridparty.checks.validate` has
something real to find. The documentation's sample-data page describes the layers and the method.

Examples
--------
>>> import gridparty.datasets.sample as ds
>>> h = ds.sample_city()                 # the stored GeoPackage as a Hierarchy
>>> centres = ds.sample_layer("service_centres")
>>> [d.check for d in ds.SAMPLE_DEFECTS][:2]
['uncovered', 'members_without_branch']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import DataFileError, LayerError
from gridparty.core.model import Hierarchy

__all__ = [
    "ALLIANCE_LAYERS",
    "ALLIANCE_PROBLEMS",
    "LAYERS",
    "METRIC_CRS",
    "SAMPLE_DEFECTS",
    "PlantedDefect",
    "PlantedProblem",
    "sample_city",
    "sample_city_path",
    "sample_layer",
]

#: Layers added to the sample GeoPackage, in writing order (points: units, departments,
#: needs, resources; the others are attribute tables).
ALLIANCE_LAYERS = (
    "units",
    "alliances",
    "memberships",
    "agreements",
    "departments",
    "pairings",
    "needs",
    "resources",
)
_ALLIANCE_IDS = {name: f"{name[:-1]}_id" for name in ALLIANCE_LAYERS}
#: Integer columns of these layers (besides ``formal_members``).
_ALLIANCE_INTS = frozenset({"since", "capacity", "size"})


@dataclass(frozen=True)
class PlantedProblem:
    """One problem planted in the sample's alliance, pairing or list tables on purpose.

    Attributes
    ----------
    table : str
        Layer holding it (``memberships``, ``pairings``, ``needs`` ...).
    id : str
        Id of the row that :func:`gridparty.check_pairing`, :func:`gridparty.alliance_network`
        or :func:`gridparty.match_lists` reports.
    check : str
        The problem check or unmatched reason that finds it.
    description : str
        What was planted.
    """

    table: str
    id: str
    check: str
    description: str


#: The planted problems of the stored sample (seed 20261123).
ALLIANCE_PROBLEMS: tuple[PlantedProblem, ...] = (
    PlantedProblem(
        "memberships",
        "M096",
        "unknown_unit",
        "membership M096 lists unit ORG060 (a firm struck off the register) in alliance A04 "
        "(金融行业党建联盟); no such unit exists",
    ),
    PlantedProblem(
        "pairings",
        "P10",
        "duplicate_pair",
        "pairing P10 repeats P03: community 310101002003 (南京东社区) with department D03",
    ),
    PlantedProblem(
        "communities",
        "310115005002",
        "unpaired_community",
        "community 310115005002 (陆家嘴社区) has no department; 浦东新区 department D10 is free",
    ),
    PlantedProblem(
        "needs",
        "N055",
        "no_resource_of_category",
        "need N055 (0–3岁婴幼儿托育, 黄浦路社区) asks for childcare, which no unit offers",
    ),
)


#: Layers of the sample GeoPackage, in writing order.
LAYERS = (
    "communities",
    "grids",
    "buildings",
    "households",
    "service_centres",
    "organisations",
    "streets",
    *ALLIANCE_LAYERS,  # units, alliances, pairings, lists
)

#: Projected CRS (metres) of every length and area below: WGS84 / UTM zone 51N.
METRIC_CRS = "EPSG:32651"

_PACKAGE_DATA = Path(__file__).resolve().parent / "data"
_REPO_SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "sample_city.gpkg"


# -- planted defects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedDefect:
    """One defect planted in the sample city on purpose.

    Attributes
    ----------
    level : str
        ``community``, ``grid``, ``building`` or ``household``.
    id : str
        Id of the row :func:`gridparty.checks.validate` reports.
    check : str
        The validation check that finds it (see ``gridparty.checks.validate.CHECKS``).
    description : str
        What was planted, and where.
    """

    level: str
    id: str
    check: str
    description: str


#: The defects of the stored sample city (seed :data:`SEED`), in the order validation sorts
#: them (level top down, then check, then id). Everything else in the sample city is clean.
SAMPLE_DEFECTS: tuple[PlantedDefect, ...] = (
    PlantedDefect(
        "community",
        "310101002001",
        "uncovered",
        "a 1,025 m² strip of 外滩源社区 around buildings osm-w446934754 and osm-w446934759 is cut "
        "out of grid 31010100200103: no grid covers it",
    ),
    PlantedDefect(
        "grid",
        "31010100200302",
        "members_without_branch",
        "grid 31010100200302 (南京东社区) has 8 formal members (>= 3) but has_branch is False",
    ),
    PlantedDefect(
        "grid",
        "31010100200201",
        "outside_parent",
        "grid 31010100200201 bulges 302 m² past the outer edge of its community 北京东社区 into "
        "land no community covers",
    ),
    PlantedDefect(
        "grid",
        "31010100200401",
        "overlap",
        "grid 31010100200401 reaches 320 m² into grid 31010100200402 (九江社区; a building-free "
        "band along their shared edge)",
    ),
    PlantedDefect(
        "building",
        "osm-w113520430",
        "invalid_geometry",
        "footprint of osm-w113520430 (grid 31011500500204, 陆家嘴社区) made self-intersecting: two"
        " of its four corners swapped into a bow tie",
    ),
    PlantedDefect(
        "building",
        "osm-w160074074",
        "members_without_group",
        "building osm-w160074074 (grid 31011500500103, 滨江社区) has 3 members, 3 of them formal,"
        " but has_group is False",
    ),
    PlantedDefect(
        "building",
        "osm-w446934754",
        "not_in_any_parent",
        "lies in the uncovered strip of 外滩源社区 (cut out of grid 31010100200103); no grid "
        "declared",
    ),
    PlantedDefect(
        "building",
        "osm-w446934759",
        "not_in_any_parent",
        "lies in the uncovered strip of 外滩源社区 (cut out of grid 31010100200103); no grid "
        "declared",
    ),
    PlantedDefect(
        "household",
        "HH00001",
        "parent_mismatch",
        "household HH00001 lies in building osm-w11636772 but is declared in osm-w11636796, "
        "its neighbour in grid 31010100200104 (外滩源社区)",
    ),
)


# -- public API ----------------------------------------------------------------------------------


def sample_city_path() -> Path:
    """Path of the stored sample GeoPackage: the installed package copy, else the repository's.

    Raises
    ------
    DataFileError
        If neither ``gridparty/data/sample_city.gpkg`` nor ``sample_data/sample_city.gpkg``
        exists (regenerate it with ``python sample_data/build/build_sample_city.py``).
    """
    for candidate in (_PACKAGE_DATA / "sample_city.gpkg", _REPO_SAMPLE):
        if candidate.is_file():
            return candidate
    raise DataFileError(
        f"the sample city GeoPackage is missing: looked for {str(_PACKAGE_DATA / 'sample_city.gpkg')!r} "
        f"and {str(_REPO_SAMPLE)!r}; regenerate it with `python sample_data/build/build_sample_city.py` or reinstall."
    )


def sample_city() -> Hierarchy:
    """The stored sample city as a :class:`~gridparty.core.model.Hierarchy`.

    It holds the planted defects listed in :data:`SAMPLE_DEFECTS` (one building footprint is
    invalid on purpose; it is kept as it is, not repaired).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> h
    <Hierarchy: 9 communities, 60 grids, 1,321 buildings, 1,086 households>
    >>> list(h.communities.columns)
    ['name', 'street', 'district', 'geometry']
    """
    from gridparty.core.io import read_hierarchy

    return read_hierarchy(sample_city_path())


def sample_layer(name: str) -> gpd.GeoDataFrame:
    """One stored layer of the sample city as a GeoDataFrame indexed by its id.

    Parameters
    ----------
    name : str
        One of :data:`LAYERS`; the extra layers ``service_centres`` and ``organisations`` are
        read this way. The attribute tables ``alliances``, ``memberships``, ``agreements`` and
        ``pairings`` come back as plain DataFrames.

    Raises
    ------
    LayerError
        If ``name`` is not a layer of the sample city.

    Examples
    --------
    >>> import gridparty as gp
    >>> centres = gp.sample_layer("service_centres")
    >>> len(centres), centres.index.name
    (22, 'service_centre_id')
    >>> gp.sample_layer("alliances").shape
    (8, 4)
    """
    if name not in LAYERS:
        raise LayerError(
            f"name={name!r} is not a sample-city layer; use one of {', '.join(LAYERS)}."
        )
    return _read_layer(sample_city_path(), name)


# -- storage -----------------------------------------------------------------------------------

_ID_COLUMNS = {
    "communities": "community_id",
    "grids": "grid_id",
    "buildings": "building_id",
    "households": "household_id",
    "service_centres": "service_centre_id",
    "organisations": "organisation_id",
    "streets": "road_id",
    **_ALLIANCE_IDS,
}
_INT_COLUMNS = (
    frozenset(
        {
            "households",
            "full_time_workers",
            "part_time_workers",
            "formal_members",
            "probationary_members",
            "floors",
            "osm_id",
        }
    )
    | _ALLIANCE_INTS
)
_BOOL_COLUMNS = frozenset({"has_branch", "has_group", "is_hub", "residential"})
_FLOAT_COLUMNS = frozenset({"height_m"})


def _read_layer(path: Path, name: str) -> gpd.GeoDataFrame:
    frame = pyogrio.read_dataframe(path, layer=name)
    return _typed(frame.set_index(_ID_COLUMNS[name]))


def _typed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The dtypes of a built layer: nullable string / Int64 / boolean, float heights."""
    out = frame.copy()
    out.index = out.index.astype(TEXT_DTYPE)
    for column in out.columns:
        if column == "geometry":
            continue
        if column in _INT_COLUMNS:
            out[column] = out[column].astype("Int64")
        elif column in _BOOL_COLUMNS:
            out[column] = out[column].astype("boolean")
        elif column in _FLOAT_COLUMNS:
            out[column] = out[column].astype("float64")
        else:
            out[column] = out[column].astype(TEXT_DTYPE)
    return out
