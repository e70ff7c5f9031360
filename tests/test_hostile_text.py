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

import flagship_city as fc
import hostile_maps as hm
import pandas as pd
import pytest
import tiny_city as tc
from browser_js import OPEN_ALL

import gridparty.datasets as ds
from gridparty.access import service_access, site_posts
from gridparty.alliance import alliance_network, analyse_alliances
from gridparty.assign import assign
from gridparty.coverage_report import check_coverage
from gridparty.flagship import mentoring_zones
from gridparty.flagship_choice import choose_flagships
from gridparty.fusion import grid_fusion
from gridparty.lists import match_lists
from gridparty.maps import hierarchy_map, save_map
from gridparty.maps.access import access_map
from gridparty.maps.alliance import alliance_map
from gridparty.maps.flagship import flagship_map
from gridparty.model import Hierarchy
from gridparty.organisation import organisation_coverage
from gridparty.pairing import check_pairing, propose_pairing
from gridparty.snapshots import compare_snapshots
from gridparty.validate import validate

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
#: One name carrying every payload (as test_browser.py's), and an id-safe variant: ids are
#: stripped on loading, so the line separators sit inside it.
HOSTILE = "".join(PAYLOADS)
HOSTILE_ID = "id" + HOSTILE + "end"


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
    literal = sum(HOSTILE in t or HOSTILE_ID in t for t in texts)
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
    assert body.count(HOSTILE) + body.count(HOSTILE_ID) >= shown


# -- hostile cities ------------------------------------------------------------------------------


def hostile_tiny() -> Hierarchy:
    layers = tc.layers()
    layers["communities"] = layers["communities"].assign(
        name=[HOSTILE, "西社区"], street=HOSTILE, district=HOSTILE
    )
    layers["grids"] = layers["grids"].assign(
        name=[HOSTILE, "二网格", HOSTILE], grid_id=["G1", HOSTILE_ID, "G3"]
    )
    layers["buildings"] = layers["buildings"].assign(
        building_id=["B1", HOSTILE_ID, "B3", "B4"],
        grid_id=["G1", "G1", HOSTILE_ID, "G3"],
        name=HOSTILE,
    )
    layers["households"] = layers["households"].assign(
        building_id=["B1", "B1", HOSTILE_ID, "B3", "B4"]
    )
    # Drop grid G3: community C2 is then one gap, drawn on the coverage map.
    grids = layers["grids"]
    layers["grids"] = grids[grids["grid_id"] != "G3"]
    return Hierarchy(**layers, strict=False)


@pytest.fixture(scope="module")
def tiny() -> Hierarchy:
    return hostile_tiny()


def test_hierarchy_map(browser_page: Callable, tiny: Hierarchy, tmp_path: Path) -> None:
    issues = validate(tiny)
    m = hierarchy_map(assign(tiny).hierarchy, issues=issues, lang="en", messages=True)
    opened = check_map(browser_page, m, tmp_path / "hierarchy.html", shown=4)
    assert any(HOSTILE_ID in t for t in opened["pops"])  # a grid's and a building's id row


def test_coverage_map(browser_page: Callable, tiny: Hierarchy, tmp_path: Path) -> None:
    report = check_coverage(tiny)
    assert len(report.grids.gaps)
    check_map(
        browser_page, report.map(lang="en", tiles="gaode"), tmp_path / "coverage.html", shown=3
    )


def test_flagship_map(browser_page: Callable, tmp_path: Path) -> None:
    h = Hierarchy(fc.communities().assign(name=[HOSTILE, "乙社区", HOSTILE]), fc.grids())
    organisations = fc.organisations().assign(
        name=[HOSTILE] * 5,
        kind=[HOSTILE, "enterprise", "enterprise", "enterprise", "enterprise"],
        organisation_id=["O1", HOSTILE_ID, "O3", "O4", "O5"],
    )
    centres = fc.centres().assign(name=HOSTILE)
    zones = mentoring_zones(
        h, ["A", "C"], radius_m=700, organisations=organisations, centres=centres
    )
    m = flagship_map(zones, communities=h.communities, lang="zh")
    check_map(browser_page, m, tmp_path / "flagship.html", shown=4)


def test_access_map(browser_page: Callable, tiny: Hierarchy, tmp_path: Path) -> None:
    centres = tc.frame(
        {
            "编号": ["K1", HOSTILE_ID, "K3"],
            "名称": [HOSTILE, HOSTILE, "流动站"],
            "层级": ["驿站", "街道", HOSTILE],
        },
        [tc.point(0, -5), tc.point(300, -10), tc.point(400, -50)],
    )
    access = service_access(tiny, centres, threshold_m=100)
    posts = site_posts(access, k=1)
    m = access_map(access, communities=tiny.communities, posts=posts, lang="en")
    check_map(browser_page, m, tmp_path / "access.html", shown=2)


def hostile_alliance_tables() -> dict[str, pd.DataFrame]:
    names = (
        "communities",
        "units",
        "alliances",
        "memberships",
        "agreements",
        "departments",
        "pairings",
        "needs",
        "resources",
    )
    tables = {n: ds.sample_layer(n) for n in names}
    for name in ("communities", "units", "alliances", "departments"):
        frame = tables[name].copy()
        frame["name"] = frame["name"].where(frame.reset_index().index % 2 == 1, HOSTILE)
        tables[name] = frame
    unit = tables["units"].index[0]
    tables["units"] = tables["units"].rename(index={unit: HOSTILE_ID})
    for name, column in (
        ("memberships", "unit_id"),
        ("alliances", "lead_unit_id"),
        ("resources", "unit_id"),
        ("agreements", "party_b"),
    ):
        tables[name] = tables[name].assign(
            **{column: tables[name][column].replace({unit: HOSTILE_ID})}
        )
    tables["needs"] = tables["needs"].assign(title=HOSTILE)
    return tables


@pytest.fixture(scope="module")
def alliance_results() -> dict[str, object]:
    t = hostile_alliance_tables()
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


def test_alliance_map(browser_page: Callable, alliance_results: dict, tmp_path: Path) -> None:
    r = alliance_results
    t = r["tables"]
    m = alliance_map(
        r["analysis"],
        communities=t["communities"],
        pairing=r["pairing"],
        departments=t["departments"],
        lists=r["lists"],
        tiles="none",
        lang="en",
    )
    check_map(browser_page, m, tmp_path / "alliance.html", shown=10)


# -- _repr_html_ of every result -------------------------------------------------------------


def test_repr_html_of_every_result(
    browser_page: Callable, tiny: Hierarchy, alliance_results: dict
) -> None:
    fh = Hierarchy(fc.communities().assign(name=[HOSTILE, "乙社区", HOSTILE]), fc.grids())
    organisations = fc.organisations().assign(name=HOSTILE)
    centres = tc.frame(
        {"编号": [HOSTILE_ID], "名称": [HOSTILE], "层级": ["驿站"]}, [tc.point(0, -5)]
    )
    access = service_access(tiny, centres, threshold_m=100)
    report = check_coverage(tiny)
    other = tiny.grids.rename(index={HOSTILE_ID: HOSTILE_ID + "2"})
    results = {
        "CoverageReport": (report, 1),
        "SpatialCoverage": (report.grids, 1),
        "OrganisationCoverage": (organisation_coverage(tiny), 1),
        "GridFusion": (grid_fusion(tiny.grids, other), 1),
        "SnapshotComparison": (compare_snapshots(tiny, tiny), 0),
        "MentoringZones": (
            mentoring_zones(fh, ["A"], radius_m=700, organisations=organisations),
            1,
        ),
        "FlagshipChoice": (
            choose_flagships(fh, 1, radius_m=700, organisations=organisations, solver="greedy"),
            0,
        ),
        "ServiceAccess": (access, 0),  # figures only
        "PostSiting": (site_posts(access, k=1), 0),
        "AllianceAnalysis": (alliance_results["analysis"], 1),
        "PairingProposal": (alliance_results["pairing"], 1),
        "PairingCheck": (alliance_results["check"], 1),
        "ListMatch": (alliance_results["lists"], 1),
    }
    for name, (result, shown) in results.items():
        assert type(result).__name__ == name
        html = result._repr_html_()
        assert "<script" not in html.lower(), name
        assert "<img" not in html.lower(), name
        check_html(browser_page, html, shown=shown)


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
