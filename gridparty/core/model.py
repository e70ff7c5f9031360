"""The hierarchy: communities → grids → buildings → member households.

Each layer is a GeoDataFrame in EPSG:4326 whose index is its id (unique strings) and which
carries its parent id in one column (``community_id`` on grids, ``grid_id`` on buildings,
``building_id`` on households).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import pandas as pd
import pyproj

from gridparty.core import coords as _coords
from gridparty.core.columns import ID_ADVICE, ColumnMapping, LoadIssue, nest_by_layer
from gridparty.core.dtypes import ID_DTYPE, TEXT_DTYPE
from gridparty.core.errors import DuplicateIdError, InputError
from gridparty.core.layers import coords_by_level, empty_layer, normalise_layer
from gridparty.core.paths import frame_sources
from gridparty.core.schema import LEVEL_NAMES, LEVELS, LevelName

__all__ = ["ISSUE_COLUMNS", "Hierarchy", "building_counts", "member_counts"]

#: Columns of every issues table (load issues and :func:`gridparty.checks.validate`).
ISSUE_COLUMNS = ("level", "id", "check", "severity", "message")

SummaryBy = Literal["community", "grid", "street", "district"]


class Hierarchy:
    """Communities, grids, buildings and member households, linked by parent ids.

    Parameters
    ----------
    communities : GeoDataFrame
        Community polygons (社区). Needs an id column (``community_id`` or an alias such as
        社区编码); may carry ``name``, ``street`` (街道) and ``district`` (区).
    grids, buildings, households : GeoDataFrame, optional
        Grid polygons (网格), building footprints or points (楼栋) and member-household points
        (党员户). A layer not given is empty. Parent ids may be missing:
        :func:`gridparty.spatial.assign` fills them from space.
    columns : mapping, optional
        Explicit column mapping, flat (``{"WGBH": "grid_id"}``: applied to every layer that
        has the column; a column no layer has is an error) or nested by level
        (``{"grid": {"编号": "grid_id"}}``). Recognised Chinese/English aliases need none.
    coords : {"wgs84", "cgcs2000", "gcj02", "bd09"} or mapping
        Datum of the input coordinates; GCJ-02/BD-09 are converted to WGS84. A mapping gives
        it per level (``{"household": "gcj02"}``; levels not named are WGS84).
    repair : bool
        Repair invalid geometries (with a :class:`~gridparty.core.errors.RepairWarning`).
    strict : bool
        Raise on duplicate or missing ids (default). ``False`` keeps every row under a
        made-up unique id and reports the problem in :func:`gridparty.checks.validate`.
    metric_crs : CRS-like, optional
        Projected CRS in metres for every length and area. Default: the UTM zone of the data.
    merge_parts : bool
        Dissolve polygon rows that share an id (a multi-part community, grid or building stored
        as several features) into one (Multi)Polygon per id. Each other column keeps its first
        non-blank value; the level's own columns (parent id, name, attributes) whose values
        differ between the parts are ``part_conflict`` warnings per id and column in :attr:`load_issues` (and :func:`gridparty.checks.validate`).
        Without it such ids are duplicates: an error with ``strict=True`` (the message counts
        the split ids of every level), made-up ids (``X#2``) with ``strict=False``.

    Attributes
    ----------
    communities, grids, buildings, households : GeoDataFrame
        The normalised layers (EPSG:4326, index = id).
    load_issues : DataFrame
        Problems found while loading (duplicate or missing ids, repaired geometries).
    sources : tuple of Path
        The files the layers were read from (see :attr:`sources`).

    Examples
    --------
    >>> import gridparty as gp
    >>> h = gp.sample_city()
    >>> h.summary("community").head()  # doctest: +SKIP
    """

    def __init__(
        self,
        communities: gpd.GeoDataFrame,
        grids: gpd.GeoDataFrame | None = None,
        buildings: gpd.GeoDataFrame | None = None,
        households: gpd.GeoDataFrame | None = None,
        *,
        columns: ColumnMapping | None = None,
        coords: str | Mapping[str, str] = "wgs84",
        repair: bool = False,
        strict: bool = True,
        metric_crs: pyproj.CRS | str | int | None = None,
        merge_parts: bool = False,
    ) -> None:
        given: dict[str, gpd.GeoDataFrame | None] = dict(
            zip(LEVEL_NAMES, (communities, grids, buildings, households), strict=True)
        )
        columns = nest_by_layer(columns, given)
        datum = coords_by_level(coords)
        layers: dict[str, gpd.GeoDataFrame] = {}
        issues: list[LoadIssue] = []
        id_problems: list[str] = []
        for name, frame in given.items():
            level = LEVELS[name]
            if frame is None:
                layers[name] = empty_layer(level)
                continue
            try:
                layers[name], found = normalise_layer(
                    frame,
                    level,
                    columns=columns,
                    coords=datum[name],
                    repair=repair,
                    strict=strict,
                    argument=level.layer,
                    merge_parts=merge_parts,
                )
            except DuplicateIdError as error:  # told with the other levels' below
                id_problems.append(error.problem)
                continue
            issues += found
        if id_problems:
            problem = "; ".join(id_problems)
            raise DuplicateIdError(f"{problem}. {ID_ADVICE}", problem=problem)
        self._set(
            layers,
            _issue_frame(issues),
            None if metric_crs is None else _coords.check_metric_crs(metric_crs),
            frame_sources(given.values()),
        )

    @classmethod
    def _from_normalised(
        cls,
        layers: Mapping[str, gpd.GeoDataFrame],
        load_issues: pd.DataFrame,
        metric_crs: pyproj.CRS | None,
        sources: tuple[Path, ...] = (),
    ) -> Hierarchy:
        new = cls.__new__(cls)
        new._set(dict(layers), load_issues, metric_crs, sources)
        return new

    def _set(
        self,
        layers: dict[str, gpd.GeoDataFrame],
        load_issues: pd.DataFrame,
        metric_crs: pyproj.CRS | None,
        sources: tuple[Path, ...] = (),
    ) -> None:
        self.communities = layers["community"]
        self.grids = layers["grid"]
        self.buildings = layers["building"]
        self.households = layers["household"]
        self.load_issues = load_issues
        self._metric_crs = metric_crs
        self._sources = sources

    @property
    def sources(self) -> tuple[Path, ...]:
        """The files the layers were read from (absolute, symlinks followed; empty when built
        from frames in memory).

        Set by :func:`gridparty.read_hierarchy` and by frames read with
        :func:`gridparty.read_layer`; kept by :meth:`replace` and :func:`gridparty.spatial.assign`. The
        writers (:func:`gridparty.write_hierarchy`, result exports, ``save_map``) refuse to
        write over these files. Not part of any output.
        """
        return self._sources

    # -- access -----------------------------------------------------------------------------

    def layer(self, name: LevelName | str) -> gpd.GeoDataFrame:
        """Return the layer of level ``name`` (``"community"``, ``"grid"``, ...; plural accepted)."""
        key = {LEVELS[n].layer: n for n in LEVEL_NAMES}.get(name, name)
        if key not in LEVELS:
            raise InputError(f"name={name!r} is not a layer; use one of {', '.join(LEVEL_NAMES)}.")
        layer: gpd.GeoDataFrame = getattr(self, LEVELS[key].layer)
        return layer

    @property
    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """All four layers by level name, top down."""
        return {name: self.layer(name) for name in LEVEL_NAMES}

    @cached_property
    def metric_crs(self) -> pyproj.CRS:
        """Projected CRS (metres) used for every length and area: given, or the data's UTM zone."""
        if self._metric_crs is not None:
            return self._metric_crs
        frames = [f for f in self.layers.values() if len(f)]
        if not frames:
            raise InputError(
                "the hierarchy is empty: there is nothing to choose a metric CRS from."
            )
        return _coords.metric_crs(frames[0])

    def replace(self, **layers: gpd.GeoDataFrame) -> Hierarchy:
        """Return a new hierarchy with some layers swapped (by level name or layer name).

        The new layers are normalised like the constructor's (strictly: ids must be unique).
        """
        current = self.layers
        for name, frame in layers.items():
            key = {LEVELS[n].layer: n for n in LEVEL_NAMES}.get(name, name)
            if key not in LEVELS:
                raise InputError(f"replace() got {name}=...; use one of {', '.join(LEVEL_NAMES)}.")
            current[key], _ = normalise_layer(frame, LEVELS[key], argument=f"replace({name}=...)")
        return Hierarchy._from_normalised(
            current, self.load_issues, self._metric_crs, self._sources
        )

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(f):,} {LEVELS[n].layer}" for n, f in self.layers.items())
        return f"<Hierarchy: {counts}>"

    # -- roll-ups ---------------------------------------------------------------------------

    def summary(self, by: SummaryBy = "community") -> pd.DataFrame:
        """Counts rolled up to communities, grids, streets or districts.

        Uses the parent ids as they stand (run :func:`gridparty.spatial.assign` first to fill missing
        ones from space).

        Parameters
        ----------
        by : {"community", "grid", "street", "district"}
            The unit to roll up to.

        Returns
        -------
        DataFrame
            One row per unit: ``grids`` (not for ``by="grid"``), ``buildings``, ``households``
            (sum of the buildings' ``households`` attribute), ``member_households``,
            ``formal_members``, ``probationary_members``, ``hub_households``. Children whose
            parent id is missing or unknown are not counted; :func:`gridparty.checks.validate` lists them.
        """
        if by not in ("community", "grid", "street", "district"):
            raise InputError(
                f"by={by!r} is not a unit to summarise by; use community, grid, street or district."
            )
        chain = self._chains()
        buildings = self.buildings.assign(buildings=1, **{by: chain["building"][by]})
        parts = [
            buildings.groupby(by)[["buildings", "households"]].sum(min_count=0),
            member_counts(self.households, chain["household"][by].rename(by)),
        ]
        if by != "grid":
            grids = self.grids.assign(grids=1, **{by: chain["grid"][by]})
            parts.insert(0, grids.groupby(by)[["grids"]].sum())
        units = self._units(by)
        counts = pd.concat(parts, axis=1).reindex(units.index).fillna(0).astype("int64")
        return units.join(counts)

    def _units(self, by: str) -> pd.DataFrame:
        if by == "community":
            return self.communities[["name", "street", "district"]].copy()
        if by == "grid":
            return self.grids[["community_id", "name"]].copy()
        values = sorted(self.communities[by].dropna().unique())
        return pd.DataFrame(index=pd.Index(values, name=by, dtype=TEXT_DTYPE))

    def _chains(self) -> dict[str, pd.DataFrame]:
        """For each level, its ancestors' ids (grid, community, street, district) by row."""
        community = self.communities[["street", "district"]].assign(
            community=self.communities.index.astype(ID_DTYPE)
        )
        grid = _with_parent(self.grids[["community_id"]], community, "community_id")
        grid = grid.assign(grid=self.grids.index.astype(ID_DTYPE))
        building = _with_parent(self.buildings[["grid_id"]], grid, "grid_id")
        household = _with_parent(self.households[["building_id"]], building, "building_id")
        return {"grid": grid, "building": building, "household": household}

    def to_graph(self) -> nx.DiGraph:  # type: ignore[type-arg]  # DiGraph[...] fails at run time
        """The hierarchy as a networkx tree (a forest where parent ids are missing).

        Nodes are ``(level, id)`` tuples with attributes ``level``, ``id`` and ``name``; edges
        point from parent to child. Districts and streets, when given on communities, sit
        above the communities as ``("district", name)`` and ``("street", name)`` nodes.
        """
        graph: nx.DiGraph[Any] = nx.DiGraph()
        for name, frame in self.layers.items():
            names = frame["name"] if "name" in frame else pd.Series(pd.NA, index=frame.index)
            graph.add_nodes_from(
                ((name, i), {"level": name, "id": i, "name": None if pd.isna(n) else n})
                for i, n in zip(frame.index, names, strict=True)
            )
            parent_col = LEVELS[name].parent_column
            if parent_col is None:
                continue
            parent = LEVELS[name].parent
            linked = frame[parent_col].dropna()
            graph.add_edges_from(((parent, p), (name, c)) for c, p in linked.items())
        self._add_upper_levels(graph)
        return graph

    def _add_upper_levels(self, graph: nx.DiGraph[Any]) -> None:
        frame = self.communities
        for upper, col in (("district", "district"), ("street", "street")):
            for value in frame[col].dropna().unique():
                graph.add_node((upper, value), level=upper, id=value, name=value)
        pairs = frame[["district", "street"]].dropna().drop_duplicates()
        graph.add_edges_from(
            (("district", d), ("street", s)) for d, s in pairs.itertuples(index=False)
        )
        streets = frame["street"].dropna()
        graph.add_edges_from((("street", s), ("community", c)) for c, s in streets.items())
        direct = frame.loc[frame["street"].isna(), "district"].dropna()
        graph.add_edges_from((("district", d), ("community", c)) for c, d in direct.items())


def _with_parent(children: pd.DataFrame, parents: pd.DataFrame, key: str) -> pd.DataFrame:
    """``children`` beside the row of ``parents`` (indexed by unique id) that ``key`` names.

    A left join by position lookup: rows whose parent id is missing or unknown get NA, and
    empty layers give empty frames with the parents' columns and dtypes (``DataFrame.join``
    on empty Arrow-backed columns fails in some pandas versions).
    """
    pos = parents.index.get_indexer(pd.Index(children[key].astype(ID_DTYPE)))
    found = parents.reset_index(drop=True).reindex(pos).set_axis(children.index)
    return pd.concat([children, found], axis=1)


def _issue_frame(issues: list[LoadIssue]) -> pd.DataFrame:
    return pd.DataFrame(issues, columns=list(ISSUE_COLUMNS), dtype=object).astype(TEXT_DTYPE)


def member_counts(households: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    """Member households, formal and probationary members and hub households per ``key``.

    Parameters
    ----------
    households : DataFrame
        ``h.households`` (``formal_members``, ``probationary_members``, ``is_hub``).
    key : Series
        The unit of each household (e.g. ``h.households["building_id"]``), aligned with
        ``households``; rows whose key is missing are not counted. Its name names the index.

    Returns
    -------
    DataFrame
        Indexed by the key's values; integer columns ``member_households``,
        ``formal_members``, ``probationary_members``, ``hub_households``.
    """
    table = pd.DataFrame(
        {
            "member_households": 1,
            "formal_members": households["formal_members"].fillna(0).astype("int64"),
            "probationary_members": households["probationary_members"].fillna(0).astype("int64"),
            "hub_households": households["is_hub"].fillna(False).astype("int64"),
        },
        index=households.index,
    )
    keys = key.astype(TEXT_DTYPE)
    named = keys[keys.notna()].rename(key.name)  # type: ignore[call-overload]  # any hashable name
    return table[keys.notna().to_numpy()].groupby(named).sum()


def building_counts(households: pd.DataFrame) -> pd.DataFrame:
    """Member households, formal and probationary members and hub households per building.

    Parameters
    ----------
    households : DataFrame
        ``h.households`` (``building_id``, ``formal_members``, ``probationary_members``,
        ``is_hub``); rows without a building are not counted.

    Returns
    -------
    DataFrame
        Indexed by ``building_id``; integer columns ``member_households``,
        ``formal_members``, ``probationary_members``, ``hub_households``.
    """
    return member_counts(households, households["building_id"].rename("building_id"))
