"""Every map and HTML repr built with one hostile text in every text field and column name.

Used by ``test_template_injection.py`` (rendered through branca, hypothesis texts, the CLI) and
``test_hostile_text.py`` (opened in Chromium). :func:`shown_texts` reads back what a rendered
map shows: every feature's tooltip and popup values, the popup labels, the layer names and the
legend, decoded from their JSON and HTML escapes exactly as the browser decodes them.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from collections.abc import Callable

import flagship_city as fc
import folium
import geopandas as gpd
import pandas as pd
import tiny_city as tc

import gridparty.datasets.sample as ds
from gridparty.access.service import service_access, site_posts
from gridparty.alliances.lists import match_lists
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.alliances.pairing import check_pairing, propose_pairing
from gridparty.checks.fusion import grid_fusion
from gridparty.checks.organisation import organisation_coverage
from gridparty.checks.report import check_coverage
from gridparty.checks.snapshots import compare_snapshots
from gridparty.checks.validate import validate
from gridparty.core.model import Hierarchy
from gridparty.datasets.sample import ALLIANCE_LAYERS
from gridparty.delineation.grids import GridDelineation, delineate_grids
from gridparty.flagship.choice import choose_flagships
from gridparty.flagship.zones import mentoring_zones
from gridparty.maps import hierarchy_map
from gridparty.maps.access import access_map
from gridparty.maps.alliance import alliance_map
from gridparty.maps.flagship import flagship_map
from gridparty.spatial.assign import assign

#: Jinja2 in a name: evaluated, ``{{7*7}}`` would show ``49``.
MATH = "{{7*7}}"
#: Quote-free: each would create the folder ``gp_pwned_1``/``gp_pwned_2`` in the working folder.
MKDIR = (
    "{{lipsum.__globals__.os.mkdir(dict(gp_pwned_1=1)|first)}}",
    "{{cycler.__init__.__globals__.os.mkdir(dict(gp_pwned_2=1)|first)}}",
)
PWNED_FOLDERS = ("gp_pwned_1", "gp_pwned_2")
#: An ordinary-looking building name: a Jinja comment that is never closed.
COMMENT = "{#3}号楼"
#: Quote-free: evaluated, it writes a raw ``</script><script>__pwned=7</script>``.
SCRIPT = (
    "{%set c=lipsum.__globals__.__builtins__.chr%}"
    "{%set t=c(60)~c(47)~(dict(script=1)|first)~c(62)%}"
    "{{t~t[0]~t[2:]}}__pwned{{c(61)}}7{{t}}"
)
PAYLOADS = (MATH, *MKDIR, COMMENT, SCRIPT)

_GEOJSON = re.compile(r"geo_json_\w+_add\(")
_LABELS = re.compile(r"var labels = (?=\[)")
_MAP_LABELS = re.compile(r"\}\)\(\w+, (?=\[)")  # permanent name labels: [[lat, lon, text], ...]
_LAYER_NAME = re.compile(r'"((?:[^"\\]|\\.)*)" : feature_group_')
_LEGEND = re.compile(r"div\.innerHTML = ")
_DECODER = json.JSONDecoder()
_COMPACT = re.compile(r"\}\)\(\w+, (?=\{\"g\")")  # compact layers of big-city maps


def _integers(text: str, signed: bool) -> list[int]:
    from gridparty.maps.bigcity import ALPHABET

    out, v, scale = [], 0, 1
    for char in text:
        digit = ALPHABET.index(char)
        v += (digit & 31) * scale
        if digit >= 32:
            scale *= 32
            continue
        out.append((-(v + 1) // 2 if v % 2 else v // 2) if signed else v)
        v, scale = 0, 1
    return out


def _column(coded: list[str] | dict[str, object]) -> list[str]:
    if isinstance(coded, list):
        return coded
    return [coded["v"][i] for i in _integers(coded["c"], False)]  # type: ignore[index]


def compact_layers(page: str) -> list[dict[str, list]]:
    """The compact layers of a rendered big-city map, decoded as the page's script does:
    per feature its tooltip, popup values, style key and shapes (polygons of rings of
    ``(lon, lat)`` vertices)."""
    layers = []
    for match in _COMPACT.finditer(page):
        data, _ = _DECODER.raw_decode(page, match.end())
        (ox, oy), step = data["o"], data["step"]
        shapes = []
        for text in data["g"]:
            polygons = []
            for part in text.split(";"):
                rings = []
                for ring in part.split(","):
                    flat, x, y, vertices = _integers(ring, True), ox, oy, []
                    for dx, dy in zip(flat[::2], flat[1::2], strict=True):
                        x, y = x + dx, y + dy
                        vertices.append((x * step, y * step))
                    rings.append(vertices)
                polygons.append(rings)
            shapes.append(polygons)
        rows = [_column(c) for c in data["rows"]]
        layers.append(
            {
                "tips": _column(data["tip"]),
                "rows": [list(r) for r in zip(*rows, strict=True)]
                if rows
                else [[] for _ in shapes],
                "styles": _column(data["s"]),
                "shapes": shapes,
            }
        )
    return layers


def shown_texts(page: str) -> list[str]:
    """The texts a rendered map shows, decoded (JSON, then HTML entities) as a browser does."""
    found: list[str] = []
    for match in _GEOJSON.finditer(page):
        data, _ = _DECODER.raw_decode(page, match.end())
        for feature in data["features"]:
            found += [feature["properties"]["tip"], *feature["properties"]["row"]]
    for match in _LABELS.finditer(page):
        found += _DECODER.raw_decode(page, match.end())[0]
    found += [json.loads(f'"{m.group(1)}"') for m in _LAYER_NAME.finditer(page)]
    for match in _MAP_LABELS.finditer(page):
        found += [item[2] for item in _DECODER.raw_decode(page, match.end())[0]]
    found += [_DECODER.raw_decode(page, m.end())[0] for m in _LEGEND.finditer(page)]
    for layer in compact_layers(page):
        found += layer["tips"] + [v for row in layer["rows"] for v in row]
    return [htmllib.unescape(t) for t in found]


def named(frame: pd.DataFrame, text: str, columns: tuple[str, ...], every: int = 2) -> pd.DataFrame:
    """``frame`` with ``columns`` set to ``text`` on every ``every``-th row and a column named
    after ``text`` holding it (a hostile column name)."""
    out = frame.copy()
    rows = pd.Series(range(len(out)), index=out.index) % every == 0
    for column in columns:
        out[column] = out[column].astype(object).where(~rows, text)
    out[f"c{text}"] = text
    return out


def hostile_id(text: str, n: int = 1) -> str:
    """An id carrying ``text`` (ids are stripped on loading: the text sits inside)."""
    return f"i{text}{n}"


# -- the hierarchy (tiny city) --------------------------------------------------------------


def tiny(text: str) -> Hierarchy:
    """The tiny city with ``text`` in names, streets, districts, ids and a column name.

    Grid G3 is left out, so community C2 is one gap (drawn on the coverage map).
    """
    layers = tc.layers()
    gid, bid = hostile_id(text, 2), hostile_id(text, 3)
    layers["communities"] = named(layers["communities"], text, ("name", "street", "district"), 1)
    grids = named(layers["grids"], text, ("name",), 1).assign(grid_id=["G1", gid, "G3"])
    layers["grids"] = grids[grids["grid_id"] != "G3"]
    layers["buildings"] = named(layers["buildings"], text, (), 1).assign(
        building_id=["B1", bid, "B3", "B4"], grid_id=["G1", "G1", gid, "G3"], name=text
    )
    layers["households"] = layers["households"].assign(building_id=["B1", "B1", bid, "B3", "B4"])
    return Hierarchy(**layers, strict=False)


def hierarchy_map_of(text: str) -> folium.Map:
    h = tiny(text)
    return hierarchy_map(assign(h).hierarchy, issues=validate(h), lang="en", messages=True)


def aggregated_map_of(text: str) -> folium.Map:
    """The hierarchy map drawn as for a big city (compact grids and buildings)."""
    h = tiny(text)
    return hierarchy_map(
        assign(h).hierarchy, issues=validate(h), lang="zh", messages=True, detail="aggregate"
    )


def coverage_map_of(text: str) -> folium.Map:
    return check_coverage(tiny(text)).map(lang="zh", tiles="gaode")


def delineation_of(text: str) -> GridDelineation:
    """A redraw of the tiny city with a band so narrow that hostile buildings move."""
    return delineate_grids(tiny(text), 1, 2, keep_existing=True)


def delineation_map_of(text: str) -> folium.Map:
    return delineation_of(text).map(lang="zh", tiles="none")


# -- flagship zones -----------------------------------------------------------------------------


def _flagship_inputs(text: str) -> tuple[Hierarchy, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    communities = named(fc.communities(), text, ("name",))
    h = Hierarchy(communities, named(fc.grids(), text, ("name",)))
    organisations = named(fc.organisations(), text, ("name", "kind")).assign(
        organisation_id=["O1", hostile_id(text), "O3", "O4", "O5"]
    )
    centres = named(fc.centres(), text, ("name",), 1)
    return h, organisations, centres


def flagship_map_of(text: str) -> folium.Map:
    h, organisations, centres = _flagship_inputs(text)
    zones = mentoring_zones(
        h, ["A", "C"], radius_m=700, organisations=organisations, centres=centres
    )
    return flagship_map(zones, communities=h.communities, lang="zh")


# -- service access -----------------------------------------------------------------------------


def access_inputs(text: str) -> tuple[Hierarchy, gpd.GeoDataFrame]:
    h = tiny(text)
    centres = tc.frame(
        {
            "编号": ["K1", hostile_id(text), "K3"],
            "名称": [text, text, "流动站"],
            "层级": ["驿站", "街道", text],
            f"c{text}": text,
        },
        [tc.point(0, -5), tc.point(300, -10), tc.point(400, -50)],
    )
    return h, centres


def access_map_of(text: str) -> folium.Map:
    h, centres = access_inputs(text)
    access = service_access(h, centres, threshold_m=100)
    return access_map(access, communities=h.communities, posts=site_posts(access, k=1), lang="en")


# -- alliances, pairing, lists ------------------------------------------------------------------

_ALLIANCE_TABLES = ("communities", *ALLIANCE_LAYERS)
_ALLIANCE_TEXT = {
    "communities": ("name", "street", "district"),
    "units": ("name", "kind", "industry", "party_org"),
    "alliances": ("name",),
    "departments": ("name", "district"),
    "needs": ("title",),
    "resources": ("title", "category"),
    "agreements": ("topic",),
}


def alliance_tables(text: str) -> dict[str, pd.DataFrame]:
    """The sample alliance tables with ``text`` in names, kinds, categories, one unit id and
    a column name of each table."""
    tables = {n: ds.sample_layer(n) for n in _ALLIANCE_TABLES}
    for name, columns in _ALLIANCE_TEXT.items():
        tables[name] = named(tables[name], text, columns)
    unit, new = tables["units"].index[0], hostile_id(text)
    tables["units"] = tables["units"].rename(index={unit: new})
    for name, column in (
        ("memberships", "unit_id"),
        ("alliances", "lead_unit_id"),
        ("resources", "unit_id"),
        ("agreements", "party_b"),
    ):
        tables[name] = tables[name].assign(**{column: tables[name][column].replace({unit: new})})
    return tables


def alliance_results(text: str) -> dict[str, object]:
    t = alliance_tables(text)
    net = alliance_network(
        t["units"],
        t["alliances"],
        t["memberships"],
        agreements=t["agreements"],
        communities=t["communities"],
    )
    return {
        "tables": t,
        "analysis": analyse_alliances(net),
        "pairing": propose_pairing(t["communities"], t["departments"], pairings=t["pairings"]),
        "check": check_pairing(t["communities"], t["departments"], t["pairings"]),
        "lists": match_lists(
            t["needs"], t["resources"], units=t["units"], communities=t["communities"]
        ),
    }


def alliance_map_of(text: str) -> folium.Map:
    r = alliance_results(text)
    t = r["tables"]
    return alliance_map(
        r["analysis"],
        communities=t["communities"],
        pairing=r["pairing"],
        departments=t["departments"],
        lists=r["lists"],
        tiles="none",
        lang="en",
    )


#: Every map function, each drawing ``text`` in every text field it shows.
MAPS: dict[str, Callable[[str], folium.Map]] = {
    "hierarchy": hierarchy_map_of,
    "hierarchy_aggregated": aggregated_map_of,
    "coverage": coverage_map_of,
    "delineation": delineation_map_of,
    "flagship": flagship_map_of,
    "access": access_map_of,
    "alliance": alliance_map_of,
}


# -- results with an HTML repr --------------------------------------------------------------


def results_of(text: str) -> dict[str, object]:
    """One result of every type with a ``_repr_html_``, built from hostile inputs."""
    h = tiny(text)
    fh, organisations, _ = _flagship_inputs(text)
    _, centres = access_inputs(text)
    access = service_access(h, centres, threshold_m=100)
    report = check_coverage(h)
    other = h.grids.rename(index=lambda i: f"{i}x")
    alliances = alliance_results(text)
    return {
        "CoverageReport": report,
        "SpatialCoverage": report.grids,
        "OrganisationCoverage": organisation_coverage(h),
        "GridFusion": grid_fusion(h.grids, other),
        "SnapshotComparison": compare_snapshots(h, h),
        "MentoringZones": mentoring_zones(fh, ["A"], radius_m=700, organisations=organisations),
        "FlagshipChoice": choose_flagships(
            fh, 1, radius_m=700, organisations=organisations, solver="greedy"
        ),
        "ServiceAccess": access,
        "PostSiting": site_posts(access, k=1),
        "AllianceAnalysis": alliances["analysis"],
        "PairingProposal": alliances["pairing"],
        "PairingCheck": alliances["check"],
        "ListMatch": alliances["lists"],
        "GridDelineation": delineation_of(text),
    }
