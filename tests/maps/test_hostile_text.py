"""Hostile text in every map and HTML output, opened in headless Chromium.

Names, ids and categories are replaced by markup and script: ``<img onerror>``, ``</script>``,
``${...}``, backticks, quotes and U+2028. Each page is opened with the network cut off and a trap
(``window.__pwned``) that any script from the data would set; every tooltip and popup is opened.
The trap must stay 0, no element from the data may appear (no ``img``/``script`` in popups,
tooltips, controls or legends), and the names must be shown literally.

Covered: :func:`gridparty.maps.hierarchy_map`, the coverage map (``CoverageReport.map``), the
flagship map, the access map, the alliance map, and the ``_repr_html_`` of every result. Jinja2
text (``{{7*7}}``, a quote-free ``{% … %}`` payload that would write ``</script><script>``) must
show literally too (``hostile_maps``; the render-side checks are in
``test_template_injection.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import hostile_maps as hm
import pytest
from browser_js import OPEN_ALL

from gridparty.core.model import Hierarchy
from gridparty.maps import hierarchy_map, save_map

pytestmark = pytest.mark.browser

#: Each would set ``window.__pwned`` if the page ran it.
PAYLOADS = (
    "<img src=x onerror=window.__pwned=1>",
    "</script><script>window.__pwned=2</script>",
    "${window.__pwned=3}",
    "`+(window.__pwned=4)+`",
    "'\"><svg onload=window.__pwned=5>",
    "a\u2028b\u2029c",
)
#: One name carrying every payload (as test_browser.py's); ids carry it inside
#: (:func:`hostile_maps.hostile_id`: ids are stripped on loading).
HOSTILE = "".join(PAYLOADS)


_INJECTED = (
    "document.querySelectorAll('.leaflet-popup-pane img, .leaflet-tooltip-pane img, "
    ".leaflet-control-container img, .leaflet-popup-pane script, .leaflet-tooltip-pane svg, "
    ".leaflet-popup-pane svg, .gp-legend img, "
    ".leaflet-control-container svg:not(.leaflet-attribution-flag)').length"  # Leaflet's own flag
)


@pytest.fixture(scope="module")
def browser_page(
    chromium: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., object]]:
    """Open a file or an HTML string offline, with the trap set; yield the page and errors."""
    contexts = []
    folder = tmp_path_factory.mktemp("html")

    def _open(path: Path | None = None, html: str | None = None) -> tuple[object, list[str]]:
        context = chromium.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
        contexts.append(context)
        context.route(re.compile(r"^https?://"), lambda route: route.abort())
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
        page.add_init_script("window.__pwned = 0;")
        if html is not None:  # a file, so the trap is set before the page runs
            path = folder / f"repr{len(contexts)}.html"
            path.write_text(f"<!doctype html><meta charset=utf-8><body>{html}</body>", "utf-8")
        page.goto(path.as_uri(), wait_until="load")
        if html is None:
            page.wait_for_function("() => document.querySelector('.leaflet-control-layers')")
        return page, errors

    yield _open
    for context in contexts:
        context.close()


def check_map(browser_page: Callable, m: object, path: Path, shown: int = 1) -> dict:
    """Save ``m``, open it, open every tooltip and popup; assert nothing ran and names show."""
    save_map(m, path)
    page, errors = browser_page(path)
    opened = page.evaluate(OPEN_ALL)
    page.wait_for_timeout(300)  # let any onerror/onload fire
    assert page.evaluate("window.__pwned") == 0
    assert page.evaluate(_INJECTED) == 0
    assert errors == []
    texts = opened["tips"] + opened["pops"]
    literal = sum(HOSTILE in t for t in texts)
    assert literal >= shown, f"hostile names shown literally {literal} times, expected {shown}"
    return opened


def check_html(browser_page: Callable, html: str, shown: int = 1) -> None:
    """Load an HTML fragment (a ``_repr_html_``): nothing runs, the names show literally."""
    page, errors = browser_page(html=html)
    page.wait_for_timeout(200)
    assert page.evaluate("window.__pwned") == 0
    assert page.evaluate("document.querySelectorAll('img, script, svg, iframe').length") == 0
    assert errors == []
    body = page.evaluate("document.body.textContent")
    assert body.count(HOSTILE) >= shown


# -- hostile cities (hostile_maps: HOSTILE in every name, id and column name) ------------------


@pytest.fixture(scope="module")
def tiny() -> Hierarchy:
    return hm.tiny(HOSTILE)


#: Least number of tooltips and popups showing the names, per map.
SHOWN = {
    "hierarchy": 4,
    "hierarchy_aggregated": 2,
    "coverage": 3,
    "delineation": 3,
    "flagship": 4,
    "access": 2,
    "alliance": 10,
}


@pytest.mark.parametrize("kind", list(hm.MAPS))
def test_every_map(browser_page: Callable, kind: str, tmp_path: Path) -> None:
    opened = check_map(browser_page, hm.MAPS[kind](HOSTILE), tmp_path / "map.html", SHOWN[kind])
    if kind == "hierarchy":  # a grid's and a building's id row
        assert any(hm.hostile_id(HOSTILE, 2) in t for t in opened["pops"])


# -- _repr_html_ of every result -------------------------------------------------------------

#: Results that show only figures and ids built without the names.
_NO_NAMES = ("SnapshotComparison", "FlagshipChoice", "ServiceAccess", "PostSiting")


def test_repr_html_of_every_result(browser_page: Callable) -> None:
    for name, result in hm.results_of(HOSTILE).items():
        assert type(result).__name__ == name
        html = result._repr_html_()
        assert "<script" not in html.lower(), name
        assert "<img" not in html.lower(), name
        check_html(browser_page, html, shown=0 if name in _NO_NAMES else 1)


def test_hostile_names_survive_the_gaode_display_conversion(tiny: Hierarchy) -> None:
    """The GCJ-02 display path writes the same escaped text (no second, unescaped copy)."""
    html = hierarchy_map(tiny, tiles="gaode").get_root().render()
    for payload in PAYLOADS[:5]:
        assert payload not in html
    assert "<img src=x" not in html
    assert "</script><script>" not in html


# -- Jinja2 text (branca compiles rendered scripts as templates) -----------------------------


@pytest.mark.parametrize("payload", [hm.SCRIPT, hm.MATH + hm.COMMENT], ids=["script", "math"])
@pytest.mark.parametrize("kind", list(hm.MAPS))
def test_jinja_text_shows_literally_and_runs_nothing(
    browser_page: Callable,
    kind: str,
    payload: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    opened = check_map(browser_page, hm.MAPS[kind](payload), tmp_path / "map.html", shown=0)
    texts = opened["tips"] + opened["pops"]
    assert any(payload in t for t in texts), f"{payload!r} not shown literally"


def test_jinja_text_in_repr_html_shows_literally(
    browser_page: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = hm.SCRIPT + hm.MATH
    for name, result in hm.results_of(text).items():
        page, errors = browser_page(html=result._repr_html_())
        assert page.evaluate("window.__pwned") == 0, name
        assert errors == [], name
        if name != "SnapshotComparison":  # figures and ids only
            assert text in page.evaluate("document.body.textContent"), name
