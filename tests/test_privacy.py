"""Personal data never reaches an output; maps show aggregates with small counts suppressed.

The sample city is written to a GeoPackage with names, mobile numbers, 身份证号 (ID numbers)
and home addresses seeded into every layer that may carry them: member households, 两新
organisations (secretaries), service centres (managers), alliance units, departments, needs and
resources (contact people). Every command then runs with every output it offers by default
(maps, CSV, XLSX, GeoPackage), the results' own exports and Jupyter views (``_repr_html_``)
are written too, and every byte written is
searched for every seeded value — in plain UTF-8, as JSON ``\\uXXXX`` escapes and inside the
XLSX zip. The one output meant for personal data, the opt-in printable roster of
``gridparty zones --roster``, is checked to be the only file holding a secretary's name.

On every default map no feature sits on a household's position, no popup row is a personal
field, and every count of households or people below the threshold (default 5, a parameter)
shows as ``"<5"``.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import gridparty.datasets.sample as ds
from gridparty.access.service import service_access
from gridparty.alliances.lists import match_lists
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.alliances.pairing import propose_pairing
from gridparty.checks.report import check_coverage
from gridparty.cli.main import main
from gridparty.core.io import read_hierarchy, write_layers
from gridparty.core.labels import text
from gridparty.core.results import Tables, figures, header
from gridparty.core.schema import PERSONAL_ALIASES, drop_personal
from gridparty.flagship.organisations import CONTACT_ALIASES
from gridparty.flagship.zones import mentoring_zones
from gridparty.maps import hierarchy_map, save_map
from gridparty.maps.access import access_map
from gridparty.maps.alliance import alliance_map
from gridparty.maps.flagship import flagship_map
from gridparty.maps.privacy import SMALL_COUNT_COLUMNS

#: Typical personal values (a 身份证号, a mobile number), planted on the first rows.
ID_NUMBER = "110101199003071234"
PHONE = "13800138000"
#: Personal columns planted per layer (Chinese headers as a street office's files have them).
PERSONAL = {
    "households": ("姓名", "联系电话", "身份证号", "住址"),
    "organisations": ("书记", "联系电话", "身份证号"),
    "service_centres": ("负责人", "联系电话"),
    "units": ("联系人", "联系电话", "身份证号"),
    "departments": ("联系人", "联系电话"),
    "needs": ("联系人", "联系电话", "身份证号"),
    "resources": ("联系人", "联系电话"),
}
_SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def personal_values(layer: str, column: str, n: int) -> list[str]:
    """Distinct, realistic-looking values (fictitious) for one seeded column."""
    k = list(PERSONAL).index(layer)
    if column in ("联系电话",):
        return [PHONE if i == 0 else f"139{k:02d}{i:06d}" for i in range(n)]
    if column == "身份证号":
        return [ID_NUMBER if i == 0 else f"3101011985{k:02d}{i:05d}X"[:18] for i in range(n)]
    if column == "住址":
        return [f"黄浦区测试路{i + 1}弄{k}号{i % 30 + 101}室" for i in range(n)]
    return [f"{_SURNAMES[(i + k) % len(_SURNAMES)]}测{k}名{i:04d}" for i in range(n)]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[str]]]:
    """The sample city as a GeoPackage with personal data planted; and every planted value."""
    source = ds.sample_city_path()
    layers, planted = {}, {}
    for name in pyogrio.list_layers(source)[:, 0]:
        frame = pyogrio.read_dataframe(source, layer=name)
        for column in PERSONAL.get(name, ()):
            values = personal_values(name, column, len(frame))
            frame[column] = values
            planted[f"{name}.{column}"] = values
        layers[name] = frame.set_index(frame.columns[0])
    path = write_layers(layers, tmp_path_factory.mktemp("seeded") / "city.gpkg")
    return path, planted


@pytest.fixture(scope="module")
def outputs(
    seeded: tuple[Path, dict], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """Run every command with every default output; return the output folder and the roster."""
    path, _ = seeded
    out = tmp_path_factory.mktemp("out")
    runs = [
        [
            "validate",
            str(path),
            "--csv",
            f"{out}/issues.csv",
            "--xlsx",
            f"{out}/issues.xlsx",
            "--html",
            f"{out}/validate.html",
        ],
        [
            "check",
            str(path),
            "--html",
            f"{out}/check.html",
            "--xlsx",
            f"{out}/check.xlsx",
            "--gpkg",
            f"{out}/check.gpkg",
        ],
        [
            "zones",
            str(path),
            "--flagships",
            "310101002001,310115005001",
            "--radius-m",
            "1000",
            "--html",
            f"{out}/zones.html",
            "--xlsx",
            f"{out}/zones.xlsx",
            "--gpkg",
            f"{out}/zones.gpkg",
        ],
        [
            "access",
            str(path),
            "--posts",
            "2",
            "--straight",
            "--html",
            f"{out}/access.html",
            "--xlsx",
            f"{out}/access.xlsx",
            "--gpkg",
            f"{out}/access.gpkg",
        ],
        ["alliances", str(path), "--out", f"{out}/alliances"],
    ]
    for args in runs:
        assert main(args) == 0, args
    roster = tmp_path_factory.mktemp("roster") / "roster.xlsx"
    assert (
        main(
            [
                "zones",
                str(path),
                "--flagships",
                "310101002001",
                "--radius-m",
                "1000",
                "--roster",
                str(roster),
            ]
        )
        == 0
    )
    _library_exports(path, out)
    return out, roster


def _library_exports(path: Path, out: Path) -> None:
    """The results' own exports, in English, beside the command outputs."""
    h = read_hierarchy(path, strict=False)
    report = check_coverage(h)
    report.to_excel(out / "lib_coverage.xlsx", lang="en")
    report.to_geopackage(out / "lib_coverage.gpkg")
    save_map(hierarchy_map(h, lang="en"), out / "lib_hierarchy.html")
    layer = {
        n: pyogrio.read_dataframe(path, layer=n).set_index(f"{n[:-1]}_id")
        for n in ("organisations", "service_centres")
    }
    zones = mentoring_zones(h, ["310101002001"], radius_m=800, organisations=layer["organisations"])
    zones.to_excel(out / "lib_zones.xlsx")
    zones.to_geopackage(out / "lib_zones.gpkg")
    access = service_access(h, layer["service_centres"])
    access.to_excel(out / "lib_access.xlsx", lang="en")
    access.to_geopackage(out / "lib_access.gpkg")
    for name, result in (("coverage", report), ("zones", zones), ("access", access)):
        (out / f"repr_{name}.htm").write_text(result._repr_html_(), encoding="utf-8")


def text_of(path: Path) -> str:
    """Everything a file holds as text: HTML/CSV as is, XLSX unzipped, GeoPackage raw bytes."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_bytes().decode("utf-8", "replace")


#: Every planted value has this shape (see :func:`personal_values`); longer digit runs are
#: looked up whole, as a value written alone would be.
_PLANTED_SHAPE = re.compile(
    r"[\u4e00-\u9fff]测\d名\d{4}|黄浦区测试路\d+弄\d+号\d+室|\d{17}[\dX]|\d{11}"
)


def found_values(content: str) -> set[str]:
    """Every substring of ``content`` shaped like a planted value, JSON ``\\uXXXX`` decoded."""
    plain = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), content)
    return set(_PLANTED_SHAPE.findall(plain))


def test_no_personal_value_reaches_any_output(
    seeded: tuple[Path, dict], outputs: tuple[Path, Path]
) -> None:
    out, _ = outputs
    _, planted = seeded
    files = sorted(p for p in out.rglob("*") if p.is_file())
    suffixes = {p.suffix for p in files}
    assert {".html", ".csv", ".xlsx", ".gpkg"} <= suffixes
    assert len(files) >= 20
    values = {v for vs in planted.values() for v in vs}
    assert len(values) > 2_000
    for path in files:
        leaked = sorted(found_values(text_of(path)) & values)
        assert leaked == [], f"{path.name} holds personal data, e.g. {leaked[:3]}"


def test_no_personal_column_reaches_any_output(outputs: tuple[Path, Path]) -> None:
    out, _ = outputs
    personal = set(PERSONAL_ALIASES) | {c for cs in PERSONAL.values() for c in cs}
    for path in sorted(out.rglob("*.gpkg")):
        for name in pyogrio.list_layers(path)[:, 0]:
            columns = set(pyogrio.read_info(path, layer=name)["fields"])
            assert not columns & personal, (path.name, name, columns & personal)
    for path in sorted(out.rglob("*.csv")):
        assert not set(pd.read_csv(path, nrows=0).columns) & personal
    for path in sorted(out.rglob("*.xlsx")):
        for sheet in pd.read_excel(path, sheet_name=None, nrows=0).values():
            assert not set(map(str, sheet.columns)) & personal, path.name


def test_the_opt_in_roster_is_the_only_file_with_secretaries(
    seeded: tuple[Path, dict], outputs: tuple[Path, Path]
) -> None:
    _, roster = outputs
    _, planted = seeded
    assert found_values(text_of(roster)) & set(planted["organisations.书记"])


# -- maps: no household points, no personal rows, small counts suppressed -------------------------


def map_layers(html: str) -> list[tuple[list[str], list[dict]]]:
    """``(popup labels, GeoJSON features)`` of every layer drawn by ``add_features``."""
    labels = {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(
            r"function (geo_json_\w+)_onEachFeature.*?var labels = (\[.*?\]), "
            r"styles",
            html,
            flags=re.S,
        )
    }
    data = {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(r"(geo_json_\w+)_add\((\{.*\})\);\n", html)
    }
    return [(labels[k], data[k]["features"]) for k in data if k in labels]


def count_labels() -> set[str]:
    keys = {*SMALL_COUNT_COLUMNS, "members", "members_reached", "party_members", "size", "served"}
    return {f(k, lang) for k in keys for lang in ("zh", "en") for f in (text, header)} - {*keys}


def check_shared_map(html: str, households: np.ndarray, min_count: int) -> int:
    """Assert the map's privacy rules; return how many counts it suppressed."""
    counts = count_labels()
    personal = {*PERSONAL_ALIASES, *(c for cs in PERSONAL.values() for c in cs)}
    homes = {tuple(xy) for xy in np.round(households, 6)}
    suppressed = 0
    layers = map_layers(html)
    assert layers
    for labels, features in layers:
        assert not set(labels) & personal, labels
        for feature in features:
            geometry = shapely.from_geojson(json.dumps(feature["geometry"]))
            if geometry.geom_type in ("Point", "MultiPoint"):
                xy = {tuple(p) for p in np.round(shapely.get_coordinates(geometry), 6)}
                assert not xy & homes, "a household's position is drawn"
            for label, value in zip(labels, feature["properties"]["row"], strict=True):
                if label not in counts or value == "—":
                    continue
                if value == f"&lt;{min_count}":
                    suppressed += 1
                else:
                    assert int(value.replace(",", "")) >= min_count, (label, value)
    return suppressed


@pytest.fixture(scope="module")
def household_xy(seeded: tuple[Path, dict]) -> np.ndarray:
    path, _ = seeded
    points = pyogrio.read_dataframe(path, layer="households").geometry
    return shapely.get_coordinates(points.array)


def test_command_maps_follow_the_rules(
    outputs: tuple[Path, Path], household_xy: np.ndarray
) -> None:
    out, _ = outputs
    maps = sorted(out.rglob("*.html"))
    assert len(maps) >= 6
    suppressed = sum(check_shared_map(p.read_text(encoding="utf-8"), household_xy, 5) for p in maps)
    assert suppressed > 50


@pytest.mark.parametrize("min_count", [0, 10])
def test_the_threshold_is_a_parameter_of_every_map(
    seeded: tuple[Path, dict], household_xy: np.ndarray, min_count: int
) -> None:
    path, _ = seeded
    h = read_hierarchy(path, strict=False)
    layer = {
        n: ds.sample_layer(n)
        for n in (
            "organisations",
            "service_centres",
            "communities",
            "units",
            "alliances",
            "memberships",
            "departments",
            "pairings",
            "needs",
            "resources",
        )
    }
    zones = mentoring_zones(
        h, ["310101002001", "310115005001"], radius_m=1000, organisations=layer["organisations"]
    )
    net = alliance_network(
        layer["units"], layer["alliances"], layer["memberships"], communities=layer["communities"]
    )
    maps = [
        hierarchy_map(h, min_count=min_count),
        check_coverage(h).map(min_count=min_count),
        flagship_map(zones, min_count=min_count),
        access_map(
            service_access(h, layer["service_centres"], threshold_m=300), min_count=min_count
        ),
        alliance_map(
            analyse_alliances(net),
            communities=layer["communities"],
            pairing=propose_pairing(
                layer["communities"], layer["departments"], pairings=layer["pairings"]
            ),
            lists=match_lists(layer["needs"], layer["resources"], units=layer["units"]),
            min_count=min_count,
        ),
    ]
    suppressed = [check_shared_map(m.get_root().render(), household_xy, min_count) for m in maps]
    if min_count == 0:
        assert suppressed == [0] * len(maps)
    else:
        assert all(n > 0 for n in suppressed), suppressed


def positions_in(path: Path) -> set[tuple[float, float]]:
    """Every point position a file holds: GeoPackage point layers, and WKT points in text."""
    found: set[tuple[float, float]] = set()
    if path.suffix == ".gpkg":
        for name in pyogrio.list_layers(path)[:, 0]:
            frame = pyogrio.read_dataframe(path, layer=name)
            if hasattr(frame, "geometry") and len(frame):
                xy = shapely.get_coordinates(frame.geometry.array)
                found |= {tuple(p) for p in np.round(xy, 6)}
        return found
    for x, y in re.findall(r"POINT \(([-\d.]+) ([-\d.]+)\)", text_of(path)):
        found.add((round(float(x), 6), round(float(y), 6)))
    return found


def test_no_household_position_reaches_any_output(
    outputs: tuple[Path, Path], household_xy: np.ndarray
) -> None:
    out, _ = outputs
    homes = {tuple(p) for p in np.round(household_xy, 6)}
    for path in sorted(out.rglob("*")):
        if path.suffix in (".gpkg", ".csv", ".xlsx"):
            assert not positions_in(path) & homes, f"{path.name} holds a household's position"


# -- the second line of defence: result exports drop personal columns ------------------------


@dataclass
class _Carrying(Tables):
    """A result whose table carries personal columns, as a careless subclass might."""

    table: gpd.GeoDataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"findings": self.table}

    def summary(self) -> pd.DataFrame:
        return figures({"findings": len(self.table)})


def test_result_exports_drop_personal_columns_even_when_a_table_carries_them(
    tmp_path: Path,
) -> None:
    table = gpd.GeoDataFrame(
        {
            "grid_id": ["G1"],
            "联系电话": ["13800138000"],
            " Phone ": ["13900139000"],
            "身份证号": ["110101199003071234"],
        },
        geometry=[shapely.Point(121.49, 31.24)],
        crs=4326,
    )
    result = _Carrying(table)
    book = result.to_excel(tmp_path / "r.xlsx")
    layers = result.to_geopackage(tmp_path / "r.gpkg")
    for text_out in (text_of(book), text_of(layers), result._repr_html_()):
        for value in ("13800138000", "13900139000", "110101199003071234"):
            assert value not in text_out
    written = pyogrio.read_dataframe(layers, layer="findings").columns.tolist()
    assert written == ["id", "grid_id", "geometry"]  # the index, then the public column
    assert table.columns.tolist() == ["grid_id", "联系电话", " Phone ", "身份证号", "geometry"]


def test_drop_personal_folds_case_and_spaces_and_keeps_the_rest() -> None:
    frame = pd.DataFrame({"name": ["滨江社区"], "Phone": [1], " 手机号 ": [2], "ID_Number": [3]})
    assert drop_personal(frame).columns.tolist() == ["name"]
    assert frame.columns.tolist() == ["name", "Phone", " 手机号 ", "ID_Number"]


def test_every_roster_contact_alias_is_personal() -> None:
    aliases = {a for group in CONTACT_ALIASES.values() for a in group}
    assert sorted(aliases - PERSONAL_ALIASES) == []
