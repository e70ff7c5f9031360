"""Printed maps (gridparty.maps.static): paper sizes, byte identity, legend, privacy, fonts,
hostile text and bad arguments."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import hostile_maps as hm
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

import gridparty as gp
from gridparty.core.errors import FontWarning, InputError
from gridparty.core.labels import text
from gridparty.core.model import Hierarchy
from gridparty.maps import static
from gridparty.maps.legend import Legend


@pytest.fixture(scope="module")
def city() -> Hierarchy:
    return gp.sample_city()


@pytest.fixture(scope="module")
def report(city: Hierarchy) -> gp.CoverageReport:
    return gp.check_coverage(city)


def texts(fig: Figure) -> list[str]:
    """Every text drawn on the page (labels, legend, title, scale bar, notes)."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def legend_labels(fig: Figure) -> list[str]:
    return [t.get_text() for legend in fig.legends for t in legend.get_texts()]


def folium_legend(m: object) -> list[str]:
    """The classes the interactive map's legend lists when it opens: those without layers and
    those with at least one layer switched on."""
    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    return [
        k for k in legend.keys if k not in legend.layers or any(g.show for g in legend.layers[k])
    ]


@pytest.mark.parametrize(
    ("paper", "orientation", "dpi", "size"),
    [
        ("A4", "portrait", 200, (1654, 2339)),
        ("A4", "landscape", 200, (2339, 1654)),
        ("A3", "portrait", 100, (1169, 1654)),
        ("a3", "landscape", 72, (1191, 842)),
    ],
)
def test_png_is_the_paper_size_at_dpi(
    city: Hierarchy, tmp_path: Path, paper: str, orientation: str, dpi: int, size: tuple
) -> None:
    path = gp.to_png(city, tmp_path / "city.png", paper=paper, orientation=orientation, dpi=dpi)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == size


def test_auto_orientation_follows_the_data(city: Hierarchy, tmp_path: Path) -> None:
    # the sample city is wider than tall: landscape
    path = gp.to_png(city, tmp_path / "city.png", dpi=50)
    with Image.open(path) as image:
        assert image.size == (round(297 / 25.4 * 50), round(210 / 25.4 * 50))


def test_pdf_and_png_are_byte_identical_over_two_runs(
    report: gp.CoverageReport, tmp_path: Path
) -> None:
    for suffix in ("pdf", "png"):
        write = report.to_pdf if suffix == "pdf" else report.to_png
        a = write(tmp_path / f"a.{suffix}", dpi=80).read_bytes()
        b = write(tmp_path / f"b.{suffix}", dpi=80).read_bytes()
        assert a == b, suffix
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-")
    assert b"CreationDate" not in (tmp_path / "a.pdf").read_bytes()


def test_written_atomically_leaving_no_temporary_file(city: Hierarchy, tmp_path: Path) -> None:
    gp.to_pdf(city, tmp_path / "city.pdf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["city.pdf"]


def test_legend_lists_the_classes_of_the_interactive_map(
    city: Hierarchy, report: gp.CoverageReport
) -> None:
    issues = gp.validate(city)
    cases = {
        "hierarchy": gp.hierarchy_map(city, issues=issues, tiles="none"),
        "coverage": report.map(tiles="none"),
        "coverage, en": report.map(tiles="none", lang="en"),
    }
    for name, m in cases.items():
        lang = m.gridparty.lang
        expected = [text(k, lang) for k in folium_legend(m)]
        assert legend_labels(static.static_figure(m, dpi=50)) == expected, name
    # the hierarchy with issues: problems (red/orange) are listed as on the map
    assert "issue_error" in folium_legend(cases["hierarchy"]) or "issue_warning" in folium_legend(
        cases["hierarchy"]
    )


def test_layers_off_when_the_map_opens_are_neither_drawn_nor_listed(city: Hierarchy) -> None:
    # every gap narrower than 10 km is a sliver: the sliver layer exists but starts switched off
    report = gp.check_coverage(city, min_width_m=10_000)
    m = report.map(tiles="none")
    legend = next(c for c in m._children.values() if isinstance(c, Legend))
    assert "coverage_sliver" in legend.keys
    fig = static.static_figure(report, dpi=50)
    assert text("coverage_sliver", "zh") not in legend_labels(fig)
    assert text("coverage_gap", "zh") not in legend_labels(fig)


def test_community_names_are_written_and_no_personal_data(city: Hierarchy) -> None:
    fig = static.static_figure(city, dpi=50)
    shown = texts(fig)
    for name in city.communities["name"]:
        assert name in shown
    personal = {*city.households["姓名"].dropna(), *city.households["联系电话"].dropna()}
    assert personal
    assert not [t for t in shown if any(p in t for p in personal)]
    # no household is drawn: every point drawn is an issue marker, none at a household
    assert "households" not in " ".join(shown)


def test_title_scale_bar_and_north_arrow(city: Hierarchy) -> None:
    fig = static.static_figure(city, title="黄浦区网格图", lang="en", dpi=50)
    shown = texts(fig)
    assert "黄浦区网格图" in shown
    assert "N" in shown  # north arrow
    assert "0" in shown
    assert any(t.endswith((" m", " km")) and t[0].isdigit() for t in shown)  # scale bar
    assert "CRS: WGS 84 / UTM zone 51N" in shown


@pytest.mark.parametrize("length", [500, 1200, 20_000, 1_000])
def test_scale_bar_length_is_round(length: float) -> None:
    got = static._nice_length(length * 5)
    assert got <= length
    assert str(int(got)).strip("0") in ("1", "2", "5")


def test_chinese_glyphs_come_from_a_cjk_font(city: Hierarchy, tmp_path: Path) -> None:
    font = static.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed (apt install fonts-noto-cjk)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)"
        path = gp.to_pdf(city, tmp_path / "city.pdf", title="网格党建地图")
    # the font is embedded under its PostScript name, e.g. NotoSansCJKsc-Regular
    assert font.replace(" ", "").lower().encode() in path.read_bytes().lower()


def test_no_cjk_font_warns_once_and_still_prints(
    city: Hierarchy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(static, "find_cjk_font", lambda: None)
    monkeypatch.setitem(static._FONT_STATE, "warned", False)
    with pytest.warns(FontWarning, match="apt install fonts-noto-cjk"):
        first = gp.to_png(city, tmp_path / "a.png", dpi=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # matplotlib's missing-glyph notes
        warnings.simplefilter("error", FontWarning)
        gp.to_png(city, tmp_path / "b.png", dpi=40)
    assert first.stat().st_size > 0


def test_a_given_font_file_is_used(city: Hierarchy, tmp_path: Path) -> None:
    from matplotlib import font_manager

    fig = static.static_figure(city, font=font_manager.findfont("DejaVu Sans"), dpi=40)
    title = next(t for t in fig.findobj(Text) if t.get_text() == text("map_title", "zh"))
    assert title.get_fontname() == "DejaVu Sans"


@pytest.mark.parametrize("name", sorted(hm.MAPS))
@pytest.mark.parametrize("value", [hm.MATH, "=1+2", "$\\frac{1}{$x^2"])
def test_hostile_names_print_literally(name: str, value: str, tmp_path: Path) -> None:
    m = hm.MAPS[name](value)
    path = gp.to_pdf(m, tmp_path / "hostile.pdf", title=value)
    assert path.read_bytes().startswith(b"%PDF-")
    shown = texts(static.static_figure(m, title=value, dpi=40))
    assert value in shown  # the title, as given: no template, formula or mathtext ran
    assert "49" not in shown
    if name in ("hierarchy", "coverage", "delineation"):  # maps with community names
        assert shown.count(value) >= 2


def test_a_1_mb_name_is_cut_on_the_page(tmp_path: Path) -> None:
    value = "长" * 1_000_000
    m = hm.MAPS["hierarchy"](value)
    path = gp.to_png(m, tmp_path / "long.png", title=value, dpi=40)
    assert path.stat().st_size < 1_000_000
    shown = texts(static.static_figure(m, title=value, dpi=40))
    assert "长" * (static.MAX_LABEL_CHARS - 1) + "…" in shown  # the community's name
    assert max(map(len, shown)) <= 80


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"paper": "A5"}, "paper='A5'"),
        ({"orientation": "sideways"}, "orientation='sideways'"),
        ({"dpi": 10}, "dpi=10 must be a whole number"),
        ({"dpi": 200.5}, "dpi=200.5"),
        ({"lang": "fr"}, "fr"),
        ({"font": "/no/such/font.ttf"}, "font='/no/such/font.ttf'"),
    ],
)
def test_bad_options_name_the_argument(
    city: Hierarchy, tmp_path: Path, kwargs: dict, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        gp.to_png(city, tmp_path / "city.png", **kwargs)
    assert not list(tmp_path.iterdir())


def test_bad_paths_and_objects(city: Hierarchy, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"must end in \.pdf"):
        gp.to_pdf(city, tmp_path / "city.png")
    (tmp_path / "maps.png").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        gp.to_png(city, tmp_path / "maps.png")
    with pytest.raises(InputError, match="obj must be a gridparty map"):
        gp.to_pdf(city.grids, tmp_path / "grids.pdf")


def test_never_writes_over_the_input(tmp_path: Path) -> None:
    source = gp.write_hierarchy(gp.sample_city(), tmp_path / "city.gpkg")
    before = source.read_bytes()
    h = gp.read_hierarchy(source)
    for obj in (h, gp.hierarchy_map(h, tiles="none"), gp.check_coverage(h)):
        with pytest.raises(InputError, match="destroy the input"):
            gp.to_pdf(obj, source)
    assert source.read_bytes() == before


def test_results_with_a_map_print_themselves(city: Hierarchy, tmp_path: Path) -> None:
    result = gp.delineate_grids(city, 60, 400)
    path = result.to_png(tmp_path / "grids.png", dpi=40, lang="en")
    with Image.open(path) as image:
        assert image.size[0] > image.size[1]  # the sample city is wider than tall
    fig = static.static_figure(result, lang="en", dpi=40)
    assert legend_labels(fig) == [text(k, "en") for k in folium_legend(result.map(tiles="none"))]


def test_a_gaode_map_prints_where_a_wgs84_map_does(report: gp.CoverageReport) -> None:
    # Gaode maps draw in GCJ-02 (hundreds of metres off); the print converts back to WGS84
    plain = static.static_figure(report.map(tiles="none"), dpi=40).axes[0]
    gaode = static.static_figure(report.map(tiles="gaode"), dpi=40).axes[0]
    for a, b in ((plain.get_xlim(), gaode.get_xlim()), (plain.get_ylim(), gaode.get_ylim())):
        assert a == pytest.approx(b, abs=2.0)  # metres


def test_a_basemap_needs_contextily(
    city: Hierarchy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "contextily", None)  # not installed
    with pytest.raises(InputError, match="basemap=True needs contextily: pip install contextily"):
        gp.to_png(city, tmp_path / "city.png", basemap=True)
    assert not list(tmp_path.iterdir())


def test_a_plain_folium_map_has_nothing_to_print(tmp_path: Path) -> None:
    import folium

    with pytest.raises(InputError, match="nothing to print"):
        gp.to_pdf(folium.Map(), tmp_path / "map.pdf")
