"""``tiles=``: a name, an xyzservices provider (object or dotted name) or a URL template."""

from __future__ import annotations

import json
import re

import pytest
import shapely
import tiny_city
import xyzservices

from gridparty.cli.main import main
from gridparty.core.coords import convert_geometries
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.maps import hierarchy_map, js_literal, tile_source
from gridparty.maps.base import base_map

H = Hierarchy(**tiny_city.layers())
BOUNDS = (121.4, 31.2, 121.5, 31.3)


def _tile_urls(page: str) -> list[str]:
    return [json.loads(f'"{u}"') for u in re.findall(r'L\.tileLayer\(\s*"([^"]+)"', page)]


def _first_point(page: str) -> tuple[float, float]:
    found = json.loads(re.findall(r"_add\((\{.*\})\);\n", page)[0])
    x, y = shapely.get_coordinates(
        shapely.from_geojson(json.dumps(found["features"][0]["geometry"]))
    )[0]
    return float(x), float(y)


def test_an_xyzservices_gaode_provider_shifts_the_data_to_gcj02() -> None:
    provider = xyzservices.providers.Gaode.Normal
    page = hierarchy_map(H, tiles=provider).get_root().render()
    assert _tile_urls(page) == [provider.build_url(fill_subdomain=False)]
    first = H.communities.geometry.iloc[0]
    shifted = convert_geometries([first], "wgs84", "gcj02")[0]
    assert _first_point(page) == pytest.approx(tuple(shapely.get_coordinates(shifted)[0]), abs=2e-5)
    assert _first_point(page) != pytest.approx(tuple(shapely.get_coordinates(first)[0]), abs=1e-4)


def test_a_provider_by_dotted_name_and_a_wgs84_provider() -> None:
    name, source = tile_source("OpenStreetMap.Mapnik")
    assert (name, source.datum, source.max_zoom) == ("OpenStreetMap.Mapnik", "wgs84", 19)
    assert tile_source(xyzservices.providers.Gaode.Satellite)[1].datum == "gcj02"


def test_a_url_template_needs_an_attribution_and_is_drawn_with_it() -> None:
    url = "https://tiles.example.cn/{z}/{x}/{y}.png"
    with pytest.raises(InputError, match="without attribution; pass attr="):
        base_map(BOUNDS, tiles=url)
    page = base_map(BOUNDS, tiles=url, attr="© 内网<瓦片>").get_root().render()
    assert _tile_urls(page) == [url]
    assert js_literal("© 内网&lt;瓦片&gt;")[1:-1] in page
    assert tile_source("https://webrd01.is.autonavi.com/{z}/{x}/{y}", "© 高德")[1].datum == "gcj02"


def test_tianditu_as_a_provider_with_a_key_is_wgs84() -> None:
    tianditu = xyzservices.TileProvider(
        name="Tianditu.Vector",
        url="https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
        "&TILECOL={x}&tk=KEY",
        attribution="© 天地图",
        subdomains="01234567",
        max_zoom=18,
    )
    name, source = tile_source(tianditu)
    assert (name, source.datum, source.subdomains, source.max_zoom) == (
        "Tianditu.Vector",
        "wgs84",
        "01234567",
        18,
    )


def test_bad_tiles_say_what_to_pass() -> None:
    with pytest.raises(InputError, match=r"tiles='googl' is not known; use one of osm"):
        hierarchy_map(H, tiles="googl")
    with pytest.raises(InputError, match="needs an API key"):
        base_map(BOUNDS, tiles=xyzservices.providers.Thunderforest.OpenCycleMap)
    with pytest.raises(InputError, match=r"not a single xyzservices\.TileProvider"):
        base_map(BOUNDS, tiles=xyzservices.providers.CartoDB)
    with pytest.raises(InputError, match="neither a name"):
        base_map(BOUNDS, tiles=3)  # type: ignore[arg-type]


def test_the_cli_takes_providers_and_url_templates(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "https://tiles.example.cn/{z}/{x}/{y}.png"
    out = tmp_path / "demo"
    argv = ["demo", "--out", str(out), "--tiles", url, "--tiles-attribution", "© 内网"]
    assert main(argv) == 0
    page = next(out.glob("*.html")).read_text(encoding="utf-8")
    assert _tile_urls(page) == [url]
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(out), "--tiles", "googl"])
    assert exit_info.value.code == 2
    assert "--tiles 'googl': tiles='googl' is not known" in capsys.readouterr().err
