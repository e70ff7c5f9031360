"""Province and national scale: a hierarchy stored as partitioned GeoParquet, analysed on Dask.

:func:`write_partitioned` stores every layer as a folder of GeoParquet files cut along a
Hilbert curve (one file per partition, written one by one); :func:`read_partitioned` opens
such a folder without loading it; :func:`distributed_assign` runs
:func:`gridparty.spatial.assign` partition by partition on a ``dask.distributed`` cluster and
returns the same table as the single-machine function on the same data.

Dask is imported only when a function needs it (install the ``gridparty[dask]`` extra).
"""

from __future__ import annotations

from gridparty.distributed.engine import distributed_assign
from gridparty.distributed.partitioned import (
    PartitionedHierarchy,
    read_partitioned,
    write_partitioned,
)

__all__ = ["PartitionedHierarchy", "distributed_assign", "read_partitioned", "write_partitioned"]
