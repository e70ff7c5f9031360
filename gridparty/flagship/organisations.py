"""The organisations a flagship mentors, as one table: communities, grids and 两新 organisations.

Communities (社区大党委) and grids (网格党支部) come from the hierarchy with their formal members
(``h.summary``); new economic and social organisations (两新组织) come from a layer of points or
polygons with ``formal_members`` (e.g. ``sample_layer("organisations")``). Secretaries and
contacts are read where a layer has them (:data:`CONTACT_ALIASES`): they are personal data,
kept for the printable roster only.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import DuplicateIdError, InputError
from gridparty.core.layers import normalise_layer
from gridparty.core.model import Hierarchy
from gridparty.core.schema import Level
from gridparty.spatial.assign import locate_points

__all__ = [
    "CONTACT_ALIASES",
    "ORGANISATION_LEVEL",
    "ORGANISATION_LEVELS",
    "PUBLIC_COLUMNS",
    "organisation_table",
]

#: The kinds of organisation a flagship mentors (the ``level`` column of the tables).
ORGANISATION_LEVELS: tuple[str, ...] = ("community", "grid", "organisation")

#: Schema of a layer of new economic and social organisations (两新组织).
ORGANISATION_LEVEL = Level(
    name="organisation",  # type: ignore[arg-type]
    layer="organisations",
    id_column="organisation_id",
    parent=None,
    geometry_types=("Point", "Polygon", "MultiPolygon"),
    attributes=MappingProxyType(
        {"name": "str", "kind": "str", "formal_members": "int", "community_id": "str"}
    ),
    aliases=MappingProxyType(
        {
            "id": "organisation_id",
            "org_id": "organisation_id",
            "组织编号": "organisation_id",
            "单位编号": "organisation_id",
            "统一社会信用代码": "organisation_id",
            "名称": "name",
            "Name": "name",
            "NAME": "name",
            "组织名称": "name",
            "单位名称": "name",
            "类型": "kind",
            "组织类型": "kind",
            "type": "kind",
            "党员数": "formal_members",
            "正式党员": "formal_members",
            "正式党员数": "formal_members",
            "members": "formal_members",
            "社区编码": "community_id",
            "所属社区": "community_id",
        }
    ),
    label_zh="两新组织",
    label_en="new economic or social organisation",
)

#: Columns read for the printable roster only (personal data: never mapped), by code name.
CONTACT_ALIASES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "secretary": ("secretary", "书记", "党组织书记", "支部书记", "党支部书记"),
        "contact": ("contact", "联系人"),
        "phone": ("phone", "联系电话", "电话", "手机", "手机号", "mobile", "tel", "telephone"),
    }
)

#: Columns of the organisation table that reports and maps may show (no contacts).
PUBLIC_COLUMNS = ("level", "name", "kind", "community_id", "members")


def organisation_table(
    h: Hierarchy,
    organisations: gpd.GeoDataFrame | None = None,
    *,
    levels: Sequence[str] = ORGANISATION_LEVELS,
    columns: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Communities, grids and new economic/social organisations as one table of organisations.

    Parameters
    ----------
    h : Hierarchy
        Communities and grids (their formal members come from ``h.summary``).
    organisations : GeoDataFrame, optional
        New economic and social organisations (两新组织): points or polygons with an id
        (``organisation_id``, 组织编号 …), ``name``, ``formal_members`` (党员数) and optionally
        ``kind`` and ``community_id`` (found in space when missing), e.g.
        ``sample_layer("organisations")``.
    levels : sequence of {"community", "grid", "organisation"}
        Which kinds count as organisations (default all three).
    columns : mapping, optional
        Explicit ``{your column: code name}`` mapping for ``organisations``.

    Returns
    -------
    GeoDataFrame
        Index ``organisation_id`` (the community, grid or organisation id), EPSG:4326;
        ``level``, ``name``, ``kind`` (of a 两新 organisation), ``community_id``, ``members``
        (formal party members), and ``secretary``, ``contact``, ``phone`` where a source has
        them (:data:`CONTACT_ALIASES`; personal data, for the roster only).

    Raises
    ------
    InputError
        An unknown level, an empty ``organisations`` layer, no organisation at all.
    DuplicateIdError
        The same id in two kinds (a grid and a 两新 organisation both called ``"1"``).

    Examples
    --------
    >>> import gridparty as gp
    >>> table = gp.organisation_table(gp.sample_city(), gp.sample_layer("organisations"))
    >>> table["level"].value_counts().to_dict()
    {'grid': 60, 'organisation': 48, 'community': 9}
    """
    wanted = _levels(levels)
    parts = []
    if "community" in wanted:
        parts.append(_hierarchy_part(h, "community"))
    if "grid" in wanted:
        parts.append(_hierarchy_part(h, "grid"))
    if "organisation" in wanted and organisations is not None:
        parts.append(_organisation_part(h, organisations, columns))
    table = pd.concat([p for p in parts if len(p)]) if any(len(p) for p in parts) else None
    if table is None:
        raise InputError(
            f"there are no organisations to mentor: levels={tuple(wanted)!r} found no "
            "communities, grids or organisations; pass organisations=... (e.g. "
            "sample_layer('organisations')) or include 'community'/'grid' in levels."
        )
    clash = table.index[table.index.duplicated()].unique()
    if len(clash):
        raise DuplicateIdError(
            f"organisations: ids {list(clash[:5])} are used by two kinds of organisation "
            "(community, grid, 两新 organisation); give the 两新 organisations other ids."
        )
    return gpd.GeoDataFrame(table, geometry="geometry", crs=4326).rename_axis("organisation_id")


def _levels(levels: Sequence[str]) -> list[str]:
    if isinstance(levels, str):
        levels = (levels,)
    unknown = [v for v in levels if v not in ORGANISATION_LEVELS]
    if unknown or not levels:
        raise InputError(f"levels={tuple(levels)!r} must name some of {ORGANISATION_LEVELS}.")
    return list(levels)


def _hierarchy_part(h: Hierarchy, level: str) -> pd.DataFrame:
    """Communities or grids as organisations: members from ``h.summary``."""
    frame = h.layer(level)
    members = h.summary(level)["formal_members"].reindex(frame.index).fillna(0)  # type: ignore[arg-type]  # community or grid
    community = frame.index if level == "community" else frame["community_id"]
    out = pd.DataFrame(
        {
            "level": level,
            "name": frame["name"].astype(TEXT_DTYPE),
            "kind": pd.Series(pd.NA, index=frame.index, dtype=TEXT_DTYPE),
            "community_id": pd.array(community, dtype=TEXT_DTYPE),
            "members": members.astype("Int64"),
            **_contacts(frame),
            "geometry": frame.geometry,
        },
        index=frame.index,
    )
    return out


def _organisation_part(
    h: Hierarchy, organisations: gpd.GeoDataFrame, columns: dict[str, str] | None
) -> pd.DataFrame:
    """The 两新 organisations layer, normalised, with its community found in space if missing."""
    if isinstance(organisations, gpd.GeoDataFrame) and len(organisations) == 0:
        raise InputError(
            "organisations is empty: pass a layer with at least one organisation, or "
            "organisations=None to mentor communities and grids only."
        )
    layer, _ = normalise_layer(
        organisations, ORGANISATION_LEVEL, columns=columns, argument="organisations"
    )
    community = layer["community_id"].copy()
    missing = community.isna().to_numpy()
    if missing.any() and len(h.communities):
        points = shapely.point_on_surface(np.asarray(layer.geometry.array)[missing])
        pos, _ = locate_points(points, h.communities, engine="shapely")
        found = np.where(pos >= 0, h.communities.index.to_numpy()[np.maximum(pos, 0)], None)
        community[missing] = pd.array(found, dtype=TEXT_DTYPE)
    return pd.DataFrame(
        {
            "level": "organisation",
            "name": layer["name"],
            "kind": layer["kind"],
            "community_id": community,
            "members": layer["formal_members"],
            **_contacts(layer),
            "geometry": layer.geometry,
        },
        index=layer.index,
    )


def _contacts(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The roster columns a layer has (first matching alias of each), as strings."""
    out = {}
    for code, aliases in CONTACT_ALIASES.items():
        found = next((c for c in aliases if c in frame.columns), None)
        if found is not None:
            out[code] = frame[found].astype(TEXT_DTYPE)
    return out
