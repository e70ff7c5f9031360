"""gridparty: grid-governance geospatial analysis.

Model the community → grid → building → member-household hierarchy over polygons, assign
every building and household to its parents in space, find every gap, and hand out maps and
tables. Everything is stored in WGS84 (EPSG:4326); every length and area is measured in a
metric CRS and named in metres.
"""

from __future__ import annotations

from . import coords, maps
from .assign import Assignment, assign
from .coords import convert_geometries, swap_xy
from .datasets import sample_city, sample_layer
from .errors import (
    ColumnError,
    CRSError,
    DataFileError,
    DuplicateIdError,
    GeometryError,
    GridpartyError,
    GridpartyWarning,
    InputError,
    LayerError,
    RepairWarning,
)
from .io import read_hierarchy, read_layer, read_table_points, write_hierarchy, write_table
from .maps import hierarchy_map, save_map
from .model import Hierarchy
from .rules import DEFAULT_RULES, PartyRules
from .synthetic import synthetic_city
from .validate import CHECKS, validate

__version__ = "0.1.0"

__all__ = [
    "CHECKS",
    "DEFAULT_RULES",
    "Assignment",
    "CRSError",
    "ColumnError",
    "DataFileError",
    "DuplicateIdError",
    "GeometryError",
    "GridpartyError",
    "GridpartyWarning",
    "Hierarchy",
    "InputError",
    "LayerError",
    "PartyRules",
    "RepairWarning",
    "__version__",
    "assign",
    "convert_geometries",
    "coords",
    "hierarchy_map",
    "maps",
    "read_hierarchy",
    "read_layer",
    "read_table_points",
    "sample_city",
    "sample_layer",
    "save_map",
    "swap_xy",
    "synthetic_city",
    "validate",
    "write_hierarchy",
    "write_table",
]
