"""A hierarchy stored as partitioned GeoParquet: one folder per layer, one file per partition.

Layout of a partitioned hierarchy folder::

    province/
        communities/part.00000.parquet, part.00001.parquet, ...
        grids/...
        buildings/...
        households/...

Each file is a GeoParquet file (EPSG:4326, the layer's id as the index) written by
``GeoDataFrame.to_parquet`` (pyarrow); its ``geo`` metadata carries the bounding box of the
partition, which is all the planner reads before the work starts. The order of the files, and
of the rows in them, is the order of the layer.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from geopandas.array import from_wkb

from gridparty.core.dtypes import ID_DTYPE, KIND_DTYPES, TEXT_DTYPE
from gridparty.core.errors import CRSError, DataFileError, InputError, LayerError
from gridparty.core.layers import normalise_layer
from gridparty.core.model import Hierarchy
from gridparty.core.schema import LEVEL_NAMES, LEVELS, Level

__all__ = [
    "PartitionedHierarchy",
    "read_partitioned",
    "read_table_partitioned",
    "write_partitioned",
    "write_table_partitioned",
]

#: Name of the file that marks a folder as written by :func:`write_partitioned`.
MARKER = "gridparty-partitioned.json"


def _layer_names() -> list[str]:
    return [LEVELS[name].layer for name in LEVEL_NAMES]


@dataclass(frozen=True)
class Partition:
    """One GeoParquet file of a layer: its path, row count and bounds (lon/lat; NaN if empty)."""

    path: Path
    rows: int
    bounds: tuple[float, float, float, float]

    def read(self, level: str) -> gpd.GeoDataFrame:
        """The partition as a normalised layer (ids as the index, the level's dtypes).

        The frame is shared with this process's cache of partitions (see
        :func:`read_layer_file`): use it, do not modify it in place.
        """
        return cached_layer(self.path, level)


#: Bytes of normalised partitions a process keeps in memory (see :func:`cached_layer`).
CACHE_BYTES = 512 * 2**20

_cache: OrderedDict[tuple[str, int, int, str], tuple[gpd.GeoDataFrame, int]] = OrderedDict()
_cache_lock = threading.Lock()


def cached_layer(path: Path, level: str) -> gpd.GeoDataFrame:
    """:func:`read_layer_file`, kept in a per-process cache of the partitions read last.

    A task reads its partition and the halo's partitions of the layer above; the next task on
    the same worker (and the next step of a run: assign, validate, coverage) reads many of the
    same files again. The cache holds up to :data:`CACHE_BYTES` (estimated; on a Dask worker at
    most an eighth of its memory limit) of layers, a layer larger than that not at all, keyed by
    the file's path, modification time and size, so a rewritten file is read again. Cached
    frames are shared: callers select or copy, never modify in place.
    """
    try:
        stat = path.stat()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    key = (str(path), stat.st_mtime_ns, stat.st_size, level)
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit[0]
    layer = read_layer_file(path, level)
    size = int(layer.memory_usage(index=True, deep=True).sum()) + 4 * stat.st_size
    budget = _cache_budget()
    with _cache_lock:
        _cache[key] = (layer, size)
        total = sum(n for _, n in _cache.values())
        while total > budget and _cache:
            total -= _cache.popitem(last=False)[1][1]
    return layer


def _need_pyarrow(what: str) -> None:
    """Refuse, in one line, to read or write partitioned GeoParquet without pyarrow.

    Raises
    ------
    InputError
        pyarrow is not installed; the message names ``what`` and the extra to install.
    """
    try:
        import pyarrow  # noqa: F401  (only whether it imports)
    except ImportError:
        raise InputError(
            f"{what} needs pyarrow (partitioned GeoParquet): pip install 'gridparty[arrow]' "
            "(or 'gridparty[dask]' for the cluster)."
        ) from None


def _cache_budget() -> int:
    """:data:`CACHE_BYTES`, or an eighth of the Dask worker's memory limit if that is less."""
    distributed = sys.modules.get("distributed")
    if distributed is not None:
        try:
            limit = distributed.get_worker().memory_manager.memory_limit
        except (ValueError, AttributeError):  # not on a worker
            limit = None
        if limit:
            return min(CACHE_BYTES, int(limit) // 8)
    return CACHE_BYTES


def clear_cache() -> None:
    """Forget the partitions this process keeps in memory (see :func:`cached_layer`)."""
    with _cache_lock:
        _cache.clear()


def read_layer_file(path: Path, level: str) -> gpd.GeoDataFrame:
    """One GeoParquet file as a normalised layer of ``level`` (ids as the index, its dtypes).

    The file is opened once. When its columns already carry the level's schema (as
    :func:`write_partitioned` writes them: text ids without surrounding blanks, the level's
    attribute types, WKB geometry in lon/lat) the frame is built from the Arrow table directly
    and only its content is checked, as :func:`~gridparty.core.layers.normalise_layer` does for
    a normalised layer; any other file goes through the full normalisation. Either way the
    layer equals ``normalise_layer(geopandas.read_parquet(path), ...)``.
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:  # pyarrow's errors are OSError or ValueError
        raise _unreadable(path, exc) from None
    frame = _arrow_layer(table, LEVELS[level])
    if frame is None:
        frame = gpd.read_parquet(path)
    layer, _ = normalise_layer(frame, LEVELS[level], argument=str(path))
    return layer


def _kind(arrow_type: object) -> str:
    """An Arrow type by what it holds: ``string`` and ``large_string`` (as pandas and pyarrow
    versions write text) are one kind, ``binary`` and ``large_binary`` another."""
    text = str(arrow_type)
    return {"large_string": "string", "large_utf8": "string", "large_binary": "binary"}.get(
        text, text
    )


def _unreadable(path: Path, exc: Exception) -> DataFileError:
    """The one-line error for a partition file that cannot be read (damaged, or changed or
    removed since the folder was opened)."""
    reason = " ".join(str(exc).split()) or type(exc).__name__
    return DataFileError(
        f"path={str(path)!r} is not a readable Parquet file ({reason}); write the folder "
        "again with gridparty.write_partitioned."
    )


@functools.lru_cache(maxsize=16)
def _crs(text: str) -> pyproj.CRS:
    """A CRS parsed once per process (PROJJSON or a code)."""
    return pyproj.CRS.from_user_input(json.loads(text) if text.startswith("{") else text)


@functools.lru_cache(maxsize=16)
def _is_wgs84(text: str) -> bool:
    crs = _crs(text)
    return bool(crs.is_geographic and crs.to_epsg() == 4326)


def _crs_text(column: dict[str, object]) -> str:
    crs = column.get("crs", "OGC:CRS84")
    return json.dumps(crs, sort_keys=True) if isinstance(crs, dict) else str(crs or "OGC:CRS84")


def _arrow_layer(table: object, level: Level) -> gpd.GeoDataFrame | None:
    """The layer built straight from an Arrow table that has the level's schema, else None."""
    import pyarrow as pa

    assert isinstance(table, pa.Table)
    meta = table.schema.metadata or {}
    try:
        geo = json.loads(meta[b"geo"])
        name = geo["primary_column"]
        column = geo["columns"][name]
    except (KeyError, TypeError, ValueError):
        return None
    if str(column.get("encoding", "")).upper() != "WKB" or name not in table.column_names:
        return None
    text = _crs_text(column)
    if not _is_wgs84(text):
        return None
    crs = _crs(text)
    pandas_meta = json.loads(meta.get(b"pandas", b"{}") or b"{}")
    index_columns = {c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)}
    ids = [level.id_column, *([level.parent_column] if level.parent_column else [])]
    kinds = {
        "str": (pa.string(), pa.large_string()),
        "int": (pa.int64(),),
        "bool": (pa.bool_(),),
    }
    schema = table.schema
    for c in ids:
        if c not in schema.names or schema.field(c).type not in kinds["str"]:
            return None
        if c == level.id_column and table[c].null_count:
            return None
        if not _trimmed(table[c]):
            return None  # blanks to strip: the full normalisation decides
    for c, kind in level.attributes.items():
        if c not in schema.names or schema.field(c).type not in kinds[kind]:
            return None
    known = {*ids, *level.attributes, name}
    rest = [c for c in schema.names if c not in known]
    if any(c in index_columns or c.startswith("__") for c in rest):
        return None
    index = pd.Index(ID_DTYPE.__from_arrow__(table[level.id_column]), name=level.id_column)
    data: dict[str, object] = {}
    if level.parent_column:
        data[level.parent_column] = ID_DTYPE.__from_arrow__(table[level.parent_column])
    for c, kind in level.attributes.items():
        data[c] = KIND_DTYPES[kind].__from_arrow__(table[c])  # type: ignore[attr-defined]  # each of the three dtypes has it
    frame = pd.DataFrame(data, index=index)
    if rest:
        others = table.select(rest).to_pandas()
        frame = pd.concat([frame, others.set_axis(index)], axis=1)
    geometry = from_wkb(np.asarray(table[name]), crs=crs)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=index))


def _trimmed(values: object) -> bool:
    """Whether Arrow text holds no value with blanks around it and no empty value (as the
    normalisation of ids leaves them; nulls aside)."""
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim_whitespace(values)
    blanks = pc.any(pc.not_equal(values, trimmed)).as_py() or pc.any(pc.equal(trimmed, "")).as_py()
    return not blanks


def clean_ids(part: Partition, level: str) -> np.ndarray | None:
    """The ids of a partition read alone (no geometry), when its file holds them as the
    normalised layer does (text, none missing, no blanks to strip); None otherwise (the layer
    has to be read, and normalised, to know them)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    column = LEVELS[level].id_column
    try:
        schema = pq.read_schema(part.path)
        if column not in schema.names or schema.field(column).type not in (
            pa.string(),
            pa.large_string(),
        ):
            return None
        values = pq.read_table(part.path, columns=[column]).column(0)
    except (OSError, ValueError) as exc:
        raise _unreadable(part.path, exc) from None
    if values.null_count or not _trimmed(values):
        return None
    out: np.ndarray = values.to_numpy(zero_copy_only=False).astype(object, copy=False)
    return out


def read_column(part: Partition, level: str, column: str) -> np.ndarray:
    """One column of a partition (its id column included) as an object array (None or
    ``pd.NA`` where missing): read alone when the file stores it as text, else from the
    normalised layer (so ids compare as the layer's ids).

    An array, not a list: Dask moves an array between processes in one piece, while it
    walks a list item by item (seconds for a partition's ids).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not part.rows:
        return np.empty(0, dtype=object)
    try:
        names = pq.read_schema(part.path).names
        read = pq.read_table(part.path, columns=[column]).column(0) if column in names else None
    except (OSError, ValueError) as exc:
        raise _unreadable(part.path, exc) from None
    if read is not None:
        values: np.ndarray = read.to_numpy(zero_copy_only=False).astype(object, copy=False)
        if pa.types.is_string(read.type) or pa.types.is_large_string(read.type):
            return values
        if all(v is None or isinstance(v, str) for v in values):
            return values
    layer = part.read(level)
    kept = layer.index if column == LEVELS[level].id_column else layer[column]
    return np.asarray(kept, dtype=object)


def select_rows(
    parts: list[Partition],
    level: str,
    *,
    boxes: np.ndarray | None = None,
    ids: set[str] | frozenset[str] | None = None,
    parents: tuple[str, set[str] | frozenset[str]] | None = None,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Rows of a layer, in its order, with their positions in the whole layer.

    Without ``boxes``, ``ids`` and ``parents`` every row; otherwise the rows whose bounding
    box meets one of ``boxes`` (shapely polygons, lon/lat), whose id is in ``ids`` or whose
    ``parents[0]`` column holds a value of ``parents[1]``. A partition's rows are selected only
    when its bounds meet a box or its id (or parent) column holds a wanted value; looking for
    ids reads the partition into the process's cache (meant for the small layers).
    """
    import shapely

    everything = boxes is None and ids is None and parents is None
    tree = shapely.STRtree(boxes) if boxes is not None and len(boxes) else None
    frames, positions, offset = [], [], 0
    for part in parts:
        start, offset = offset, offset + part.rows
        if not part.rows:
            continue
        wanted = everything or (
            tree is not None
            and not np.isnan(part.bounds).any()
            and len(tree.query(shapely.box(*part.bounds)))
        )
        frame = None
        if not wanted and (ids or (parents is not None and parents[1])):
            frame = part.read(level)  # kept in the process's cache for the next task
            wanted = ids is not None and not ids.isdisjoint(frame.index)
            if not wanted and parents is not None and parents[1]:
                wanted = not parents[1].isdisjoint(frame[parents[0]].dropna())
        if not wanted:
            continue
        frame = part.read(level) if frame is None else frame
        keep = np.full(len(frame), everything)
        if tree is not None:
            bounds = frame.geometry.bounds.to_numpy()
            located = np.flatnonzero(~np.isnan(bounds).any(axis=1))
            hit = tree.query(shapely.box(*bounds[located].T))[0]
            keep[located[np.unique(hit)]] = True
        if ids:
            keep |= frame.index.isin(list(ids))
        if parents is not None and parents[1]:
            keep |= frame[parents[0]].isin(list(parents[1])).to_numpy()
        frames.append(frame[keep])
        positions.append(start + np.flatnonzero(keep))
    if not frames:
        from gridparty.core.layers import empty_layer

        return empty_layer(LEVELS[level]), np.zeros(0, dtype=np.int64)
    return gpd.GeoDataFrame(pd.concat(frames)), np.concatenate(positions)


@dataclass(frozen=True)
class PartitionedHierarchy:
    """A hierarchy on disk, partitioned; see :func:`read_partitioned`.

    Attributes
    ----------
    path : Path
        The folder.
    partitions : dict
        Level name (``"community"`` ... ``"household"``) → list of :class:`Partition`, in order.
    """

    path: Path
    partitions: dict[str, list[Partition]]

    def layer(self, level: str) -> gpd.GeoDataFrame:
        """A whole layer read into memory (meant for the small ones: communities, grids)."""
        parts = [p.read(level) for p in self.partitions[level]]
        if not parts:
            from gridparty.core.layers import empty_layer

            return empty_layer(LEVELS[level])
        return gpd.GeoDataFrame(pd.concat(parts))

    def to_hierarchy(self) -> Hierarchy:
        """Everything read into one :class:`~gridparty.core.model.Hierarchy` (single machine)."""
        return Hierarchy(*(self.layer(level) for level in LEVEL_NAMES))

    @property
    def metric_crs(self) -> pyproj.CRS:
        """The metric CRS :class:`~gridparty.core.model.Hierarchy` would choose for the data."""
        for level in LEVEL_NAMES:
            if any(p.rows for p in self.partitions[level]):
                return Hierarchy(**{LEVELS[level].layer: self.layer(level)}).metric_crs  # type: ignore[arg-type]  # one layer by its keyword
        raise InputError(
            f"path={str(self.path)!r}: every layer is empty; there is nothing to analyse."
        )

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{sum(p.rows for p in parts):,} {LEVELS[level].layer} in {len(parts)} partitions"
            for level, parts in self.partitions.items()
        )
        return f"<PartitionedHierarchy {self.path.name}: {counts}>"


# -- writing ------------------------------------------------------------------------------------


def write_partitioned(
    source: Hierarchy | Iterable[Hierarchy], path: str | os.PathLike[str], *, npartitions: int = 8
) -> Path:
    """Write a hierarchy as partitioned GeoParquet, cut along a Hilbert curve.

    Parameters
    ----------
    source : Hierarchy or iterable of Hierarchy
        A hierarchy, whose layers are each sorted along a Hilbert curve over the bounds of the
        data and cut into ``npartitions`` files of equal row counts; or an iterable of
        hierarchies, each written as one partition as soon as it is produced (a generator keeps
        memory to one partition). Ids must be unique across the whole dataset.
    path : str or os.PathLike
        The folder to create. An earlier folder written by this function is replaced; any
        other existing path is refused. The folder appears complete or not at all.
    npartitions : int
        Number of partitions per layer when ``source`` is one hierarchy (>= 1).

    Returns
    -------
    Path
        The folder.

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "city"
    >>> gp.write_partitioned(gp.synthetic_city(0.2), folder, npartitions=3).name
    'city'
    >>> gp.read_partitioned(folder)
    <PartitionedHierarchy city: 5 communities in 3 partitions, 30 grids in 3 partitions, ...>
    """
    _need_pyarrow("gridparty.write_partitioned")
    target = Path(path)
    if isinstance(source, Hierarchy):
        if not isinstance(npartitions, int) or isinstance(npartitions, bool) or npartitions < 1:
            raise InputError(f"npartitions={npartitions!r} must be a whole number >= 1.")
        chunks: Iterable[dict[str, gpd.GeoDataFrame]] = _hilbert_chunks(source, npartitions)
    elif isinstance(source, Iterable):
        chunks = (_chunk_layers(h) for h in source)
    else:
        raise InputError(
            f"source must be a gridparty.Hierarchy or an iterable of them, got {type(source).__name__}."
        )

    def write(tmp: Path) -> None:
        for name in _layer_names():
            (tmp / name).mkdir(parents=True)
        count = 0
        for i, layers in enumerate(chunks):
            for name, frame in layers.items():
                frame.to_parquet(tmp / name / f"part.{i:05d}.parquet", index=True)
            count = i + 1
        if count == 0:
            raise InputError("source holds no hierarchy; there is nothing to write.")

    return write_folder(target, MARKER, "a partitioned hierarchy", write)


def write_folder(
    target: Path,
    marker: str,
    what: str,
    write: Callable[[Path], None],
    about: dict[str, str] | None = None,
    argument: str = "path",
) -> Path:
    """Fill a new hidden folder with ``write``, mark it (with ``about`` in the marker), and
    put it in place of ``target``: the folder appears complete or not at all (a failure leaves
    nothing behind). Errors name ``target`` as ``argument``."""
    name = f"{argument}={str(target)!r}"
    if target.exists() and not (target / marker).is_file():
        raise DataFileError(f"{name} exists and is not {what}; choose a new folder.")
    if not target.parent.is_dir():
        raise DataFileError(
            f"{name}: the folder {str(target.parent)!r} does not exist; create it first."
        )
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.mkdir()
        write(tmp)
        (tmp / marker).write_text(
            json.dumps({"format": marker.removesuffix(".json"), "version": 1, **(about or {})})
        )
        _replace_folder(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return target


#: Name of the file that marks a folder as written by :func:`write_table_partitioned`.
TABLE_MARKER = "gridparty-table.json"


def write_table_partitioned(
    table: gpd.GeoDataFrame, path: str | os.PathLike[str], *, npartitions: int = 8
) -> Path:
    """Write a result table (e.g. :func:`distributed_validate`'s issues) as partitioned GeoParquet.

    Rows are sorted along a Hilbert curve over the table's bounds (rows without geometry
    last) and cut into ``npartitions`` files ``part.00000.parquet``, ... of equal row counts,
    the index kept. The folder appears complete or not at all: the files are written into a
    hidden folder that replaces ``path`` only when every file is written.

    Parameters
    ----------
    table : GeoDataFrame
        The table (any CRS; it is kept).
    path : str or os.PathLike
        The folder to create; an earlier folder written by this function is replaced, any other
        existing path refused.
    npartitions : int
        Number of files (>= 1).

    Returns
    -------
    Path
        The folder; :func:`read_table_partitioned` reads it back.

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> issues = gp.validate(gp.sample_city())
    >>> folder = gp.write_table_partitioned(issues, pathlib.Path(tempfile.mkdtemp()) / "issues", npartitions=2)
    >>> sorted(p.name for p in folder.glob("*.parquet"))
    ['part.00000.parquet', 'part.00001.parquet']
    >>> gp.read_table_partitioned(folder).sort_index().equals(issues)
    True
    """
    _need_pyarrow("gridparty.write_table_partitioned")
    if not isinstance(table, gpd.GeoDataFrame):
        raise InputError(f"table must be a GeoDataFrame, got {type(table).__name__}.")
    if not isinstance(npartitions, int) or isinstance(npartitions, bool) or npartitions < 1:
        raise InputError(f"npartitions={npartitions!r} must be a whole number >= 1.")
    ordered = table.iloc[_hilbert_order(table.geometry, _bounds([table]))]
    cuts = np.array_split(np.arange(len(ordered)), npartitions)

    def write(tmp: Path) -> None:
        for i, rows in enumerate(cuts):
            ordered.iloc[rows].to_parquet(tmp / f"part.{i:05d}.parquet", index=True)

    return write_folder(Path(path), TABLE_MARKER, "a partitioned table", write)


def read_table_partitioned(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A folder written by :func:`write_table_partitioned` or ``distributed_assign(...,
    out=path)``, read into one table.

    Returns
    -------
    GeoDataFrame or DataFrame
        The table that was written: a GeoDataFrame (its index kept) for
        :func:`write_table_partitioned`'s folders, the assignment table (a ``RangeIndex``)
        for :func:`distributed_assign`'s.

    Examples
    --------
    See :func:`write_table_partitioned` and :func:`distributed_assign`.
    """
    _need_pyarrow(f"path={str(path)!r} (a partitioned table)")
    import pyarrow.parquet as pq

    root = Path(path)
    if not (root / TABLE_MARKER).is_file():
        raise DataFileError(
            f"path={str(root)!r} is not a folder written by gridparty.write_table_partitioned "
            "or gridparty.distributed_assign(..., out=path)."
        )
    files = sorted(root.glob("part.*.parquet"))
    table: pd.DataFrame
    if json.loads((root / TABLE_MARKER).read_text()).get("table") == "assignment":
        from gridparty.spatial.assign import assignment_table

        return assignment_table([pd.read_parquet(f) for f in files])
    if files and b"geo" not in (pq.read_schema(files[0]).metadata or {}):
        table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    else:
        table = gpd.GeoDataFrame(pd.concat([gpd.read_parquet(f) for f in files]))
    text = [c for c, dtype in table.dtypes.items() if isinstance(dtype, pd.StringDtype)]
    return table.astype(dict.fromkeys(text, TEXT_DTYPE))  # Parquet may change string storage


def _replace_folder(tmp: Path, target: Path) -> None:
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.{secrets.token_hex(4)}.old")
        os.replace(target, old)
    os.replace(tmp, target)
    if old is not None:
        shutil.rmtree(old)


def _chunk_layers(h: Hierarchy) -> dict[str, gpd.GeoDataFrame]:
    if not isinstance(h, Hierarchy):
        raise InputError(
            f"source yields a {type(h).__name__}; every item must be a gridparty.Hierarchy."
        )
    return {LEVELS[level].layer: h.layer(level) for level in LEVEL_NAMES}


def _hilbert_chunks(h: Hierarchy, n: int) -> Iterator[dict[str, gpd.GeoDataFrame]]:
    """Each layer sorted along one Hilbert curve over the data's bounds, cut into ``n`` runs."""
    bounds = _bounds(list(h.layers.values()))
    ordered = {}
    for level in LEVEL_NAMES:
        frame = h.layer(level)
        order = _hilbert_order(frame.geometry, bounds)
        ordered[LEVELS[level].layer] = (frame.iloc[order], np.array_split(np.arange(len(frame)), n))
    for i in range(n):
        yield {name: frame.iloc[cuts[i]] for name, (frame, cuts) in ordered.items()}


def _bounds(frames: list[gpd.GeoDataFrame]) -> tuple[float, ...]:
    """The bounds of every located geometry of ``frames`` (a unit square when none)."""
    frames = [f for f in frames if len(f) and not f.geometry.is_empty.all()]
    if not frames:
        return (0.0, 0.0, 1.0, 1.0)
    return tuple(np.nanmin([f.total_bounds for f in frames], axis=0)[:2]) + tuple(
        np.nanmax([f.total_bounds for f in frames], axis=0)[2:]
    )


def _hilbert_order(geoms: gpd.GeoSeries, bounds: tuple[float, ...]) -> np.ndarray:
    """Positions of ``geoms`` along a Hilbert curve over ``bounds``; unlocated ones last."""
    located = ~(geoms.isna() | geoms.is_empty)
    distance = np.full(len(geoms), np.iinfo(np.int64).max)
    if located.any():
        distance[located.to_numpy()] = geoms[located].hilbert_distance(total_bounds=bounds)  # type: ignore[operator]  # the stubs miss GeoSeries.hilbert_distance
    return np.argsort(distance, kind="stable")


# -- reading ------------------------------------------------------------------------------------


def read_partitioned(path: str | os.PathLike[str]) -> PartitionedHierarchy:
    """Open a partitioned hierarchy folder without loading its rows.

    Every file's schema and CRS is checked against the first file of its layer, so a
    mismatched partition is refused before any work starts.

    Parameters
    ----------
    path : str or os.PathLike
        A folder with ``communities/``, ``grids/``, ``buildings/`` and ``households/``
        sub-folders of GeoParquet files (e.g. written by :func:`write_partitioned`).

    Returns
    -------
    PartitionedHierarchy

    Examples
    --------
    >>> import gridparty as gp, tempfile, pathlib
    >>> folder = gp.write_partitioned(gp.synthetic_city(0.2), pathlib.Path(tempfile.mkdtemp()) / "c")
    >>> sum(p.rows for p in gp.read_partitioned(folder).partitions["household"])
    2000
    """
    _need_pyarrow(f"path={str(path)!r} (a partitioned hierarchy)")
    import pyarrow.parquet as pq

    root = Path(path)
    if not root.is_dir():
        raise DataFileError(
            f"path={str(root)!r} is not a folder; give a folder written by gridparty.write_partitioned."
        )
    missing = [name for name in _layer_names() if not (root / name).is_dir()]
    if missing:
        raise LayerError(
            f"path={str(root)!r} has no {missing[0]}/ folder; a partitioned hierarchy "
            f"has one folder per layer ({', '.join(_layer_names())})."
        )
    partitions: dict[str, list[Partition]] = {}
    for level in LEVEL_NAMES:
        folder = root / LEVELS[level].layer
        files = sorted(folder.glob("*.parquet"))
        if not files:
            raise LayerError(f"path={str(folder)!r} holds no .parquet file.")
        first_schema, first_crs, parts = None, None, []
        for file in files:
            try:
                meta = pq.read_metadata(file)
                schema = pq.read_schema(file)
            except (OSError, ValueError) as exc:
                raise _unreadable(file, exc) from None
            geo = json.loads((schema.metadata or {}).get(b"geo", b"null") or b"null")
            if not geo:
                raise LayerError(f"path={str(file)!r} is Parquet without GeoParquet metadata.")
            column = geo["columns"][geo["primary_column"]]
            crs = pyproj.CRS.from_user_input(column.get("crs") or 4326)
            fields = [(f.name, _kind(f.type)) for f in schema if f.name != "__null_dask_index__"]
            if first_schema is None:
                first_schema, first_crs = fields, crs
            elif crs != first_crs:
                raise CRSError(
                    f"path={str(file)!r} is in {crs.to_string()} but {files[0].name} in "
                    f"{pyproj.CRS(first_crs).to_string()}; write every partition of a layer "
                    "in one CRS."
                )
            elif {n for n, _ in fields} != {n for n, _ in first_schema} or dict(fields) != dict(
                first_schema
            ):
                diff = sorted(set(fields) ^ set(first_schema))
                raise LayerError(
                    f"path={str(file)!r} has columns differing from {files[0].name}: {diff[:6]}; "
                    "write every partition of a layer with one schema."
                )
            box = column.get("bbox") or [np.nan] * 4
            rows = meta.num_rows
            x0, y0, x1, y1 = (float(v) for v in box) if rows else (np.nan,) * 4
            parts.append(Partition(file, rows, (x0, y0, x1, y1)))
        partitions[level] = parts
    return PartitionedHierarchy(root, partitions)
