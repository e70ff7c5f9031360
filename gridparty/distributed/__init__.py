"""Province and national scale: a hierarchy stored as partitioned GeoParquet, analysed on Dask.

:func:`write_partitioned` stores every layer as a folder of GeoParquet files cut along a
Hilbert curve (one file per partition, written one by one); :func:`read_partitioned` opens
such a folder without loading it; :func:`distributed_assign`,
:func:`distributed_validate` and :func:`distributed_coverage` run
:func:`gridparty.spatial.assign`, :func:`gridparty.validate` and
:func:`gridparty.spatial_coverage` partition by partition on a ``dask.distributed`` cluster
and return the same tables as the single-machine functions on the same data.

Dask is imported only when a function needs it (install the ``gridparty[dask]`` extra).
"""

from __future__ import annotations

from gridparty.distributed.coverage import distributed_coverage
from gridparty.distributed.engine import distributed_assign
from gridparty.distributed.partitioned import (
    PartitionedHierarchy,
    read_partitioned,
    read_table_partitioned,
    write_partitioned,
    write_table_partitioned,
)
from gridparty.distributed.validate import distributed_validate

__all__ = [
    "PartitionedHierarchy",
    "distributed_assign",
    "distributed_coverage",
    "distributed_validate",
    "read_partitioned",
    "read_table_partitioned",
    "write_partitioned",
    "write_table_partitioned",
]
