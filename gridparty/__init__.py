"""gridparty: grid-governance geospatial analysis.

Model the community → grid → building → member-household hierarchy over polygons, assign
every building and household to its parents in space, find every gap, and hand out maps and
tables. Everything is stored in WGS84 (EPSG:4326); every length and area is measured in a
metric CRS and named in metres.
"""

from __future__ import annotations

from gridparty import maps

from gridparty.core import coords

from gridparty.spatial import siting
from gridparty.access.service import (
    LIFE_CIRCLE_M,
    TIERS,
    PostSiting,
    ServiceAccess,
    band_limits,
    centre_distances,
    centre_layer,
    service_access,
    site_posts,
)
from gridparty.alliances.network import (
    AllianceAnalysis,
    AllianceNetwork,
    alliance_network,
    analyse_alliances,
    bipartite_graph,
    unit_graph,
)
from gridparty.spatial.assign import (
    Assignment,
    assign,
    largest_overlap,
    locate_points,
    nearest_within,
    verify_points,
)
from gridparty.core.coords import DatumOffset, convert_geometries, detect_datum_offset, swap_xy
from gridparty.checks.coverage import COVERAGE_CHECKS, SpatialCoverage, spatial_coverage, street_outlines
from gridparty.checks.report import GRID_STATUSES, CoverageReport, check_coverage
from gridparty.datasets.sample import sample_city, sample_layer
from gridparty.core.errors import (
    ColumnError,
    CRSError,
    DataFileError,
    DuplicateIdError,
    GeometryError,
    GridpartyError,
    GridpartyWarning,
    InputError,
    LayerError,
    MetricCRSWarning,
    NoSolutionError,
    OutputTextWarning,
    ReadWarning,
    RepairWarning,
)
from gridparty.flagship.zones import MentoringZones, ZoneDefinition, mentoring_zones, zone_definition
from gridparty.flagship.choice import FlagshipChoice, choose_flagships, fewest_flagships
from gridparty.flagship.organisations import organisation_table
from gridparty.checks.fusion import grid_fusion
from gridparty.core.io import read_hierarchy, read_layer, read_table_points, write_hierarchy, write_table
from gridparty.alliances.lists import ListMatch, match_lists
from gridparty.maps import hierarchy_map, save_map
from gridparty.core.model import Hierarchy
from gridparty.spatial.network import StreetNetwork, street_network
from gridparty.checks.organisation import (
    ORGANISATION_CHECKS,
    coverage_rates,
    joint_branches,
    organisation_coverage,
    organisation_findings,
)
from gridparty.alliances.pairing import PairingCheck, PairingProposal, check_pairing, optimal_pairs, propose_pairing
from gridparty.core.rules import DEFAULT_RULES, PartyRules
from gridparty.checks.snapshots import compare_snapshots
from gridparty.datasets.synthetic import synthetic_city, synthetic_layers
from gridparty.checks.validate import CHECKS, validate

__version__ = "0.1.0"

__all__ = [
    "CHECKS",
    "COVERAGE_CHECKS",
    "DEFAULT_RULES",
    "GRID_STATUSES",
    "LIFE_CIRCLE_M",
    "ORGANISATION_CHECKS",
    "TIERS",
    "AllianceAnalysis",
    "AllianceNetwork",
    "Assignment",
    "CRSError",
    "ColumnError",
    "CoverageReport",
    "DataFileError",
    "DatumOffset",
    "DuplicateIdError",
    "FlagshipChoice",
    "GeometryError",
    "GridpartyError",
    "GridpartyWarning",
    "Hierarchy",
    "InputError",
    "LayerError",
    "ListMatch",
    "MentoringZones",
    "MetricCRSWarning",
    "NoSolutionError",
    "OutputTextWarning",
    "PairingCheck",
    "PairingProposal",
    "PartyRules",
    "PostSiting",
    "ReadWarning",
    "RepairWarning",
    "ServiceAccess",
    "SpatialCoverage",
    "StreetNetwork",
    "ZoneDefinition",
    "__version__",
    "alliance_network",
    "analyse_alliances",
    "assign",
    "band_limits",
    "bipartite_graph",
    "centre_distances",
    "centre_layer",
    "check_coverage",
    "check_pairing",
    "choose_flagships",
    "compare_snapshots",
    "convert_geometries",
    "coords",
    "coverage_rates",
    "detect_datum_offset",
    "fewest_flagships",
    "grid_fusion",
    "hierarchy_map",
    "joint_branches",
    "largest_overlap",
    "locate_points",
    "maps",
    "match_lists",
    "mentoring_zones",
    "nearest_within",
    "optimal_pairs",
    "organisation_coverage",
    "organisation_findings",
    "organisation_table",
    "propose_pairing",
    "read_hierarchy",
    "read_layer",
    "read_table_points",
    "sample_city",
    "sample_layer",
    "save_map",
    "service_access",
    "site_posts",
    "siting",
    "spatial_coverage",
    "street_network",
    "street_outlines",
    "swap_xy",
    "synthetic_city",
    "synthetic_layers",
    "unit_graph",
    "validate",
    "verify_points",
    "write_hierarchy",
    "write_table",
    "zone_definition",
]
