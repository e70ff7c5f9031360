"""The four levels of the hierarchy: their ids, parent keys, attributes and column aliases.

This module is the single source of truth for column names. Readers map user columns onto
these names (explicit ``columns=`` first, then the aliases below), the model checks them,
and maps show only the columns listed as public here.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LEVELS",
    "LEVEL_NAMES",
    "PERSONAL_ALIASES",
    "Level",
    "LevelName",
    "drop_personal",
    "level",
    "make_level",
]

LevelName = Literal["community", "grid", "building", "household"]
AttrKind = Literal["str", "int", "bool"]


@dataclass(frozen=True)
class Level:
    """One level of the hierarchy.

    Attributes
    ----------
    name : str
        Code name of the level (``"grid"``).
    layer : str
        Layer name in a GeoPackage / file stem in a folder (``"grids"``).
    id_column : str
        Name of the id; the layer's index carries this name.
    parent : str or None
        Code name of the parent level, ``None`` for communities.
    geometry_types : tuple of str
        Allowed shapely geometry type names.
    attributes : mapping
        Optional attribute columns and their kind (``"str"``, ``"int"``, ``"bool"``).
    aliases : mapping
        Recognised alternative column names (Chinese and English) → code name.
    label_zh, label_en : str
        Labels for people.
    """

    name: LevelName
    layer: str
    id_column: str
    parent: LevelName | None
    geometry_types: tuple[str, ...]
    attributes: MappingProxyType[str, AttrKind]
    aliases: MappingProxyType[str, str]
    label_zh: str
    label_en: str

    @property
    def parent_column(self) -> str | None:
        """Name of the parent-id column (``"community_id"`` on grids), or ``None``."""
        return None if self.parent is None else LEVELS[self.parent].id_column

    @property
    def public_columns(self) -> tuple[str, ...]:
        """Columns that may appear on maps and reports (never personal data)."""
        parent = () if self.parent_column is None else (self.parent_column,)
        return (self.id_column, *parent, *self.attributes)


_POLY = ("Polygon", "MultiPolygon")


def make_level(
    name: LevelName,
    layer: str,
    parent: LevelName | None,
    geometry_types: tuple[str, ...],
    attributes: dict[str, AttrKind],
    aliases: dict[str, str],
    label_zh: str,
    label_en: str,
) -> Level:
    return Level(
        name=name,
        layer=layer,
        id_column=f"{name}_id",
        parent=parent,
        geometry_types=geometry_types,
        attributes=MappingProxyType(attributes),
        aliases=MappingProxyType({**_shapefile_names(name, parent, attributes), **aliases}),
        label_zh=label_zh,
        label_en=label_en,
    )


def _shapefile_names(
    name: str, parent: str | None, attributes: dict[str, AttrKind]
) -> dict[str, str]:
    """Shapefiles cut field names to 10 characters: recognise the cut names too."""
    columns = [f"{name}_id", *([f"{parent}_id"] if parent else []), *attributes]
    return {c[:10]: c for c in columns if len(c) > 10}


_COMMON_NAME = {"name": "name", "名称": "name", "Name": "name", "NAME": "name"}

LEVELS: MappingProxyType[str, Level] = MappingProxyType(
    {
        "community": make_level(
            "community",
            "communities",
            None,
            _POLY,
            {"name": "str", "street": "str", "district": "str"},
            {
                **_COMMON_NAME,
                "社区编码": "community_id",
                "社区代码": "community_id",
                "社区编号": "community_id",
                "社区ID": "community_id",
                "社区id": "community_id",
                "community_code": "community_id",
                "code": "community_id",
                "id": "community_id",
                "社区名称": "name",
                "社区名": "name",
                "社区": "name",
                "街道": "street",
                "街道名称": "street",
                "街道办事处": "street",
                "所属街道": "street",
                "street_name": "street",
                "subdistrict": "street",
                "区": "district",
                "区县": "district",
                "区名称": "district",
                "所属区": "district",
                "district_name": "district",
            },
            "社区",
            "community",
        ),
        "grid": make_level(
            "grid",
            "grids",
            "community",
            _POLY,
            {
                "name": "str",
                "has_branch": "bool",
                "full_time_workers": "int",
                "part_time_workers": "int",
            },
            {
                **_COMMON_NAME,
                "网格编号": "grid_id",
                "网格编码": "grid_id",
                "网格代码": "grid_id",
                "网格ID": "grid_id",
                "网格id": "grid_id",
                "grid_code": "grid_id",
                "id": "grid_id",
                "网格名称": "name",
                "网格名": "name",
                "网格名字": "name",
                "网格全称": "name",
                "所属组织": "name",  # grid-management exports name a grid by its organisation
                "网格": "name",
                "社区编码": "community_id",
                "社区代码": "community_id",
                "社区编号": "community_id",
                "所属社区": "community_id",
                "社区ID": "community_id",
                "community_code": "community_id",
                "是否建立党支部": "has_branch",
                "网格党支部": "has_branch",
                "有党支部": "has_branch",
                "党支部": "has_branch",
                "branch": "has_branch",
                "专职网格员": "full_time_workers",
                "专职网格员数": "full_time_workers",
                "full_time": "full_time_workers",
                "兼职网格员": "part_time_workers",
                "兼职网格员数": "part_time_workers",
                "part_time": "part_time_workers",
            },
            "网格",
            "grid",
        ),
        "building": make_level(
            "building",
            "buildings",
            "grid",
            (*_POLY, "Point"),
            {"name": "str", "households": "int", "has_group": "bool"},
            {
                **_COMMON_NAME,
                "楼栋编号": "building_id",
                "楼栋编码": "building_id",
                "楼栋ID": "building_id",
                "楼栋id": "building_id",
                "楼栋": "building_id",
                "building_code": "building_id",
                "bldg_id": "building_id",
                "id": "building_id",
                "楼栋名称": "name",
                "楼栋名": "name",
                "网格编号": "grid_id",
                "网格编码": "grid_id",
                "所属网格": "grid_id",
                "网格ID": "grid_id",
                "grid_code": "grid_id",
                "户数": "households",
                "住户数": "households",
                "总户数": "households",
                "household_count": "households",
                "是否建立党小组": "has_group",
                "楼栋党小组": "has_group",
                "有党小组": "has_group",
                "党小组": "has_group",
                "group": "has_group",
            },
            "楼栋",
            "building",
        ),
        "household": make_level(
            "household",
            "households",
            "building",
            ("Point",),
            {"formal_members": "int", "probationary_members": "int", "is_hub": "bool"},
            {
                "户编号": "household_id",
                "住户编号": "household_id",
                "户号": "household_id",
                "党员户编号": "household_id",
                "hh_id": "household_id",
                "id": "household_id",
                "楼栋编号": "building_id",
                "楼栋编码": "building_id",
                "所属楼栋": "building_id",
                "楼栋ID": "building_id",
                "building_code": "building_id",
                "正式党员": "formal_members",
                "正式党员数": "formal_members",
                "党员数": "formal_members",
                "members": "formal_members",
                "预备党员": "probationary_members",
                "预备党员数": "probationary_members",
                "党员中心户": "is_hub",
                "是否中心户": "is_hub",
                "中心户": "is_hub",
                "hub": "is_hub",
            },
            "党员户",
            "member household",
        ),
    }
)

LEVEL_NAMES: tuple[LevelName, ...] = ("community", "grid", "building", "household")

#: Column names that hold personal data (compared case-insensitively). They are carried
#: through analysis untouched but never shown on a map or written to a report: maps show only
#: the columns each layer's builder allows, and result exports drop these as a second line of
#: defence (:func:`drop_personal`). The printable flagship roster is the one, explicit exception.
PERSONAL_ALIASES: frozenset[str] = frozenset(
    {
        "姓名",
        "书记",
        "党组织书记",
        "支部书记",
        "党支部书记",
        "secretary",
        "手机号码",
        "email",
        "邮箱",
        "户主",
        "户主姓名",
        "联系人",
        "电话",
        "联系电话",
        "手机",
        "手机号",
        "身份证",
        "身份证号",
        "身份证号码",
        "住址",
        "门牌号",
        "name_of_head",
        "head",
        "contact",
        "phone",
        "mobile",
        "tel",
        "telephone",
        "id_number",
        "id_card",
        "address",
    }
)
_PERSONAL_FOLDED = frozenset(alias.casefold() for alias in PERSONAL_ALIASES)


def drop_personal(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` without its columns named in :data:`PERSONAL_ALIASES` (a new frame).

    Names are compared after stripping and case-folding, so ``Phone`` and `` 联系电话`` go too.
    """
    personal = [c for c in table.columns if str(c).strip().casefold() in _PERSONAL_FOLDED]
    return table.drop(columns=personal) if personal else table


def level(name: str) -> Level:
    """Return the :class:`Level` called ``name``.

    Raises
    ------
    InputError
        If ``name`` is not one of ``community``, ``grid``, ``building``, ``household``.
    """
    from gridparty.core.errors import InputError

    try:
        return LEVELS[name]
    except KeyError:
        raise InputError(
            f"level={name!r} is not a level of the hierarchy; use one of {', '.join(LEVEL_NAMES)}."
        ) from None
