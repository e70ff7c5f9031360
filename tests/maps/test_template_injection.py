"""No text from data is ever part of a Jinja2 template's source, and map text is capped.

branca compiles each element's rendered script, header and html again as a template
(``MacroElement.render`` → ``Element(text)``), so ``{{ … }}``, ``{% … %}`` and ``{# … #}`` in
a name used to be evaluated while the page was written: ``{{7*7}}`` showed ``49``, a
``lipsum.__globals__`` payload ran ``os.mkdir``, a quote-free payload wrote a raw
``</script><script>``, and ``{#3}号楼`` raised ``TemplateSyntaxError``.

Every map function, every ``_repr_html_`` and every command that writes HTML is rendered
through branca's real render path with such text in every text field and column name of every
layer (fixed payloads and hypothesis texts). Each must render, create no file, contain no Jinja
delimiter anywhere in the page, and show the text literally (read back by
:func:`hostile_maps.shown_texts`). Opening the pages in Chromium is in ``test_hostile_text.py``.
"""

from __future__ import annotations

import html as htmllib
from pathlib import Path

import hostile_maps as hm
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridparty.datasets.sample as ds
from gridparty.cli.main import main
from gridparty.core.io import write_layers
from gridparty.core.safe import ELLIPSIS, JINJA_DELIMITER, MAX_CHARS, escape, js_literal, shorten
from gridparty.maps import save_map
from gridparty.maps.base import base_map, owned
from gridparty.maps.layers import add_features
from gridparty.maps.legend import add_layer_control


def rendered(m: object, folder: Path) -> str:
    """Write ``m`` with :func:`save_map` (branca's real render path) and read it back."""
    return save_map(m, folder / "map.html").read_text(encoding="utf-8")


def assert_inert(page: str, text: str, folder: Path) -> list[str]:
    """No delimiter anywhere, no payload folder, ``text`` shown literally; return the texts."""
    assert JINJA_DELIMITER.search(page) is None
    assert not [f for f in hm.PWNED_FOLDERS if (folder / f).exists()]
    assert "</script><script>" not in page
    shown = hm.shown_texts(page)
    assert any(text in s for s in shown), f"{text!r} is not shown literally"
    return shown


# -- the reported examples, in every map ------------------------------------------------------


@pytest.mark.parametrize(
    "payload", hm.PAYLOADS, ids=["math", "lipsum", "cycler", "comment", "script"]
)
@pytest.mark.parametrize("kind", list(hm.MAPS))
def test_payloads_stay_literal_in_every_map(
    kind: str, payload: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the mkdir payloads would create their folder here
    page = rendered(hm.MAPS[kind](payload), tmp_path)
    assert_inert(page, payload, tmp_path)


def test_math_is_not_evaluated(tmp_path: Path) -> None:
    shown = hm.shown_texts(rendered(hm.hierarchy_map_of(hm.MATH), tmp_path))
    assert "community: {{7*7}}" in shown  # the community's tooltip
    assert "community: 49" not in shown


def test_payloads_are_literal_in_every_repr_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = "".join(hm.PAYLOADS)
    for name, result in hm.results_of(text).items():
        page = result._repr_html_()
        assert JINJA_DELIMITER.search(page) is None, name
        assert "{" not in page, name
        assert "}" not in page, name
        if name != "SnapshotComparison":  # it shows figures and ids, no names
            assert text[: MAX_CHARS // 2] in htmllib.unescape(page), name  # ids carry "i" + text
    assert not [f for f in hm.PWNED_FOLDERS if (tmp_path / f).exists()]


# -- hypothesis: Jinja delimiters anywhere in any text ----------------------------------------

_FRAGMENTS = (
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{-",
    "-}}",
    "{%raw%}",
    "{{7*7}}",
    "{#3}",
    "{%set x=1%}",
    "{{lipsum}}",
    "{",
    "}",
    "%",
    "#",
)
_CHARS = st.text(alphabet="{}%#-+*~|.()[]=_'\"<>/`$\\ a7号楼", max_size=6)
#: Text around at least one Jinja fragment: shown literally only if nothing evaluated it.
JINJA_TEXT = st.tuples(
    _CHARS, st.sampled_from(_FRAGMENTS), _CHARS, st.sampled_from(_FRAGMENTS), _CHARS
).map("".join)
_FEW = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("kind", list(hm.MAPS))
@_FEW
@given(text=JINJA_TEXT)
def test_any_jinja_text_stays_literal_in_every_map(
    kind: str, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert_inert(hm.MAPS[kind](text).get_root().render(), text, tmp_path)


@settings(_FEW, max_examples=3)
@given(text=JINJA_TEXT)
def test_any_jinja_text_stays_literal_in_every_repr_html(text: str) -> None:
    for name, result in hm.results_of(text).items():
        page = result._repr_html_()
        assert "{" not in page, name
        assert "}" not in page, name
        if name != "SnapshotComparison":
            assert text in htmllib.unescape(page), name


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_escape_and_js_literal_never_form_a_delimiter(text: str) -> None:
    escaped = escape(text)
    assert "{" not in escaped
    assert "}" not in escaped
    literal = js_literal({"k" + text: [text, {"a": text}], "n": {}})
    assert JINJA_DELIMITER.search(literal) is None
    assert "</" not in literal


# -- the cap ----------------------------------------------------------------------------------


def test_escape_caps_text_before_escaping() -> None:
    assert escape("a" * MAX_CHARS) == "a" * MAX_CHARS
    assert escape("a" * (MAX_CHARS + 1)) == "a" * (MAX_CHARS - 1) + ELLIPSIS
    # 200 braces become 199 whole entities and the ellipsis: no entity is cut in half
    assert escape("{" * 1000) == "&#123;" * (MAX_CHARS - 1) + ELLIPSIS
    assert escape("<" * 1000, limit=None) == "&lt;" * 1000
    assert shorten("楼" * 300) == "楼" * 199 + ELLIPSIS


def test_a_huge_name_does_not_blow_up_the_map(tmp_path: Path) -> None:
    """Each feature repeats the flagship's name: a 100 KB name used to make a 94 MB map."""
    small = len(rendered(hm.flagship_map_of("旗" * 10), tmp_path))
    page = rendered(hm.flagship_map_of("旗" * 100_000), tmp_path)
    assert len(page) < small + 60_000
    long = [s for s in hm.shown_texts(page) if "旗旗" in s]
    assert long
    assert all(len(s) <= MAX_CHARS and s.endswith(ELLIPSIS) for s in long)


# -- the render-time check ----------------------------------------------------------------------


def test_render_refuses_a_delimiter_from_a_gridparty_layer(tmp_path: Path) -> None:
    """The last line of defence: a layer that bypassed escape() stops the render."""
    import folium

    m = base_map((121.0, 31.0, 121.01, 31.01), tiles="none")
    owned(folium.FeatureGroup(name="{{7*7}}")).add_to(m)  # as if a builder forgot escape()
    add_layer_control(m)  # the layer names reach the control's script
    with pytest.raises(RuntimeError, match=r"Jinja delimiter '\{\{'"):
        m.get_root().render()


def test_render_leaves_users_own_elements_alone(tmp_path: Path) -> None:
    """A user's own folium element is rendered as folium always renders it (not refused)."""
    import folium

    m = base_map((121.0, 31.0, 121.01, 31.01), tiles="none")
    folium.FeatureGroup(name="{{ 6 * 7 }}").add_to(m)
    folium.LayerControl().add_to(m)
    assert '"42" : feature_group' in m.get_root().render()


def test_add_features_escapes_labels_values_and_layer_names(tmp_path: Path) -> None:
    import geopandas as gpd
    import pandas as pd
    import shapely

    m = base_map((121.0, 31.0, 121.01, 31.01), tiles="none")
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(121.005, 31.005)], crs=4326)
    add_features(
        m,
        frame,
        tips=[hm.MATH],
        labels=[hm.COMMENT],
        values=pd.DataFrame({hm.MATH: [hm.SCRIPT]}),
        styles=["flagship_centre"],
        name=hm.MKDIR[0],
        show=True,
    )
    add_layer_control(m)
    shown = hm.shown_texts(rendered(m, tmp_path))
    assert {hm.MATH, hm.COMMENT, hm.SCRIPT, hm.MKDIR[0]} <= set(shown)


# -- every command that writes HTML -----------------------------------------------------------

_NAMED_LAYERS = {
    "communities": ("name", "street", "district"),
    "grids": ("name",),
    "buildings": ("name",),
    "service_centres": ("name",),
    "organisations": ("name", "kind"),
    "units": ("name", "industry", "party_org"),
    "alliances": ("name",),
    "departments": ("name",),
}


@pytest.fixture(scope="module")
def hostile_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample city with the payloads in turn in every name and as a column name."""
    path = tmp_path_factory.mktemp("city") / "city.gpkg"
    layers = {name: ds.sample_layer(name) for name in ds.LAYERS}
    for name, columns in _NAMED_LAYERS.items():
        frame = layers[name].copy()
        for column in columns:
            if column in frame:
                rows = [hm.PAYLOADS[i % len(hm.PAYLOADS)] for i in range(len(frame))]
                frame[column] = frame[column].astype(object).where(frame[column].isna(), rows)
        frame[hm.MATH] = hm.COMMENT
        layers[name] = frame
    return write_layers(layers, path)


_COMMANDS = {
    "validate": ["validate", "{city}", "--html", "{out}/map.html"],
    "check": ["check", "{city}", "--html", "{out}/map.html"],
    "zones": ["zones", "{city}", "--k", "2", "--radius-m", "800", "--html", "{out}/map.html"],
    "access": ["access", "{city}", "--html", "{out}/map.html"],
    "alliances": ["alliances", "{city}", "--out", "{out}"],
}


@pytest.mark.parametrize("command", list(_COMMANDS))
def test_every_command_writes_hostile_names_literally(
    command: str,
    hostile_city: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [a.format(city=hostile_city, out=tmp_path) for a in _COMMANDS[command]]
    assert main([*argv, "--tiles", "none"]) == 0
    assert "Traceback" not in capsys.readouterr().err
    page = next(tmp_path.glob("*map.html")).read_text(encoding="utf-8")
    shown = hm.shown_texts(page)
    for payload in hm.PAYLOADS:
        assert_inert(page, payload, tmp_path)
    assert any(hm.COMMENT in s for s in shown)


def test_demo_writes_no_delimiter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--out", str(tmp_path), "--tiles", "none"]) == 0
    page = (tmp_path / "sample_city_map.html").read_text(encoding="utf-8")
    assert JINJA_DELIMITER.search(page) is None
    assert hm.shown_texts(page)
