"""gridparty: grid-governance geospatial analysis.

Model the community → grid → building → member-household hierarchy over polygons, assign
every building and household to its parents in space, find every gap, and hand out maps and
tables. Everything is stored in WGS84 (EPSG:4326); every length and area is measured in a
metric CRS and named in metres.

The namespace is lazy: ``import gridparty`` loads no analysis module, map engine (folium),
compiler (numba) or solver (pulp); each name is imported when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gridparty import maps
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
    from gridparty.alliances.lists import (
        ListMatch,
        match_lists,
    )
    from gridparty.alliances.network import (
        AllianceAnalysis,
        AllianceNetwork,
        alliance_network,
        analyse_alliances,
        bipartite_graph,
        unit_graph,
    )
    from gridparty.alliances.pairing import (
        PairingCheck,
        PairingProposal,
        check_pairing,
        optimal_pairs,
        propose_pairing,
    )
    from gridparty.checks.coverage import (
        COVERAGE_CHECKS,
        SpatialCoverage,
        spatial_coverage,
        street_outlines,
    )
    from gridparty.checks.fusion import (
        grid_fusion,
    )
    from gridparty.checks.organisation import (
        ORGANISATION_CHECKS,
        coverage_rates,
        joint_branches,
        organisation_coverage,
        organisation_findings,
    )
    from gridparty.checks.report import (
        GRID_STATUSES,
        CoverageReport,
        check_coverage,
    )
    from gridparty.checks.snapshots import (
        compare_snapshots,
    )
    from gridparty.checks.validate import (
        CHECKS,
        validate,
    )
    from gridparty.core import coords
    from gridparty.core.coords import (
        DatumOffset,
        convert_geometries,
        detect_datum_offset,
        swap_xy,
    )
    from gridparty.core.errors import (
        ColumnError,
        CRSError,
        DataFileError,
        DuplicateIdError,
        FontWarning,
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
    from gridparty.core.io import (
        read_hierarchy,
        read_layer,
        read_table_points,
        write_hierarchy,
        write_table,
    )
    from gridparty.core.model import (
        Hierarchy,
    )
    from gridparty.core.rules import (
        DEFAULT_RULES,
        PartyRules,
    )
    from gridparty.datasets.sample import (
        sample_city,
        sample_layer,
    )
    from gridparty.datasets.synthetic import (
        synthetic_city,
        synthetic_layers,
    )
    from gridparty.delineation.grids import (
        GridDelineation,
        delineate_grids,
    )
    from gridparty.distributed.coverage import distributed_coverage
    from gridparty.distributed.engine import (
        distributed_assign,
    )
    from gridparty.distributed.partitioned import (
        PartitionedHierarchy,
        read_partitioned,
        read_table_partitioned,
        write_partitioned,
        write_table_partitioned,
    )
    from gridparty.distributed.validate import distributed_validate
    from gridparty.flagship.choice import (
        FlagshipChoice,
        choose_flagships,
        fewest_flagships,
    )
    from gridparty.flagship.organisations import (
        organisation_table,
    )
    from gridparty.flagship.zones import (
        MentoringZones,
        ZoneDefinition,
        mentoring_zones,
        zone_definition,
    )
    from gridparty.maps import (
        hierarchy_map,
        save_map,
    )
    from gridparty.maps.static import (
        to_pdf,
        to_png,
    )
    from gridparty.spatial import siting
    from gridparty.spatial.assign import (
        Assignment,
        assign,
        largest_overlap,
        locate_points,
        nearest_within,
        verify_points,
    )
    from gridparty.spatial.network import (
        StreetNetwork,
        street_network,
    )

__version__ = "0.1.0"

#: Where each public name lives: name -> module.
_NAMES: dict[str, str] = {
    "LIFE_CIRCLE_M": "gridparty.access.service",
    "PostSiting": "gridparty.access.service",
    "ServiceAccess": "gridparty.access.service",
    "TIERS": "gridparty.access.service",
    "band_limits": "gridparty.access.service",
    "centre_distances": "gridparty.access.service",
    "centre_layer": "gridparty.access.service",
    "service_access": "gridparty.access.service",
    "site_posts": "gridparty.access.service",
    "ListMatch": "gridparty.alliances.lists",
    "match_lists": "gridparty.alliances.lists",
    "AllianceAnalysis": "gridparty.alliances.network",
    "AllianceNetwork": "gridparty.alliances.network",
    "alliance_network": "gridparty.alliances.network",
    "analyse_alliances": "gridparty.alliances.network",
    "bipartite_graph": "gridparty.alliances.network",
    "unit_graph": "gridparty.alliances.network",
    "PairingCheck": "gridparty.alliances.pairing",
    "PairingProposal": "gridparty.alliances.pairing",
    "check_pairing": "gridparty.alliances.pairing",
    "optimal_pairs": "gridparty.alliances.pairing",
    "propose_pairing": "gridparty.alliances.pairing",
    "COVERAGE_CHECKS": "gridparty.checks.coverage",
    "SpatialCoverage": "gridparty.checks.coverage",
    "spatial_coverage": "gridparty.checks.coverage",
    "street_outlines": "gridparty.checks.coverage",
    "grid_fusion": "gridparty.checks.fusion",
    "ORGANISATION_CHECKS": "gridparty.checks.organisation",
    "coverage_rates": "gridparty.checks.organisation",
    "joint_branches": "gridparty.checks.organisation",
    "organisation_coverage": "gridparty.checks.organisation",
    "organisation_findings": "gridparty.checks.organisation",
    "CoverageReport": "gridparty.checks.report",
    "GRID_STATUSES": "gridparty.checks.report",
    "check_coverage": "gridparty.checks.report",
    "compare_snapshots": "gridparty.checks.snapshots",
    "CHECKS": "gridparty.checks.validate",
    "validate": "gridparty.checks.validate",
    "DatumOffset": "gridparty.core.coords",
    "convert_geometries": "gridparty.core.coords",
    "detect_datum_offset": "gridparty.core.coords",
    "swap_xy": "gridparty.core.coords",
    "CRSError": "gridparty.core.errors",
    "ColumnError": "gridparty.core.errors",
    "DataFileError": "gridparty.core.errors",
    "DuplicateIdError": "gridparty.core.errors",
    "GeometryError": "gridparty.core.errors",
    "GridpartyError": "gridparty.core.errors",
    "GridpartyWarning": "gridparty.core.errors",
    "InputError": "gridparty.core.errors",
    "FontWarning": "gridparty.core.errors",
    "LayerError": "gridparty.core.errors",
    "MetricCRSWarning": "gridparty.core.errors",
    "NoSolutionError": "gridparty.core.errors",
    "OutputTextWarning": "gridparty.core.errors",
    "ReadWarning": "gridparty.core.errors",
    "RepairWarning": "gridparty.core.errors",
    "read_hierarchy": "gridparty.core.io",
    "read_layer": "gridparty.core.io",
    "read_table_points": "gridparty.core.io",
    "write_hierarchy": "gridparty.core.io",
    "write_table": "gridparty.core.io",
    "Hierarchy": "gridparty.core.model",
    "DEFAULT_RULES": "gridparty.core.rules",
    "PartyRules": "gridparty.core.rules",
    "sample_city": "gridparty.datasets.sample",
    "sample_layer": "gridparty.datasets.sample",
    "synthetic_city": "gridparty.datasets.synthetic",
    "synthetic_layers": "gridparty.datasets.synthetic",
    "GridDelineation": "gridparty.delineation.grids",
    "delineate_grids": "gridparty.delineation.grids",
    "distributed_assign": "gridparty.distributed.engine",
    "distributed_coverage": "gridparty.distributed.coverage",
    "distributed_validate": "gridparty.distributed.validate",
    "PartitionedHierarchy": "gridparty.distributed.partitioned",
    "read_partitioned": "gridparty.distributed.partitioned",
    "write_partitioned": "gridparty.distributed.partitioned",
    "read_table_partitioned": "gridparty.distributed.partitioned",
    "write_table_partitioned": "gridparty.distributed.partitioned",
    "FlagshipChoice": "gridparty.flagship.choice",
    "choose_flagships": "gridparty.flagship.choice",
    "fewest_flagships": "gridparty.flagship.choice",
    "organisation_table": "gridparty.flagship.organisations",
    "MentoringZones": "gridparty.flagship.zones",
    "ZoneDefinition": "gridparty.flagship.zones",
    "mentoring_zones": "gridparty.flagship.zones",
    "zone_definition": "gridparty.flagship.zones",
    "hierarchy_map": "gridparty.maps",
    "save_map": "gridparty.maps",
    "to_pdf": "gridparty.maps.static",
    "to_png": "gridparty.maps.static",
    "Assignment": "gridparty.spatial.assign",
    "assign": "gridparty.spatial.assign",
    "largest_overlap": "gridparty.spatial.assign",
    "locate_points": "gridparty.spatial.assign",
    "nearest_within": "gridparty.spatial.assign",
    "verify_points": "gridparty.spatial.assign",
    "StreetNetwork": "gridparty.spatial.network",
    "street_network": "gridparty.spatial.network",
}
#: Public submodules: name -> module.
_MODULES: dict[str, str] = {
    "coords": "gridparty.core.coords",
    "maps": "gridparty.maps",
    "siting": "gridparty.spatial.siting",
}

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
    "FontWarning",
    "GeometryError",
    "GridDelineation",
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
    "PartitionedHierarchy",
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
    "delineate_grids",
    "detect_datum_offset",
    "distributed_assign",
    "distributed_coverage",
    "distributed_validate",
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
    "read_partitioned",
    "read_table_partitioned",
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
    "to_pdf",
    "to_png",
    "unit_graph",
    "validate",
    "verify_points",
    "write_hierarchy",
    "write_partitioned",
    "write_table",
    "write_table_partitioned",
    "zone_definition",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562) and keep it in the namespace."""
    if name in _NAMES:
        value = getattr(importlib.import_module(_NAMES[name]), name)
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    else:
        raise AttributeError(f"module 'gridparty' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
