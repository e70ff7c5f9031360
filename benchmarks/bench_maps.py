"""Map size and load time for big cities: HTML bytes and Chromium load time of the validation
map of ``synthetic_city(scale)``, display rounding at 1e-6° (before) against 1e-5° with
0.5 m simplification (now).

Usage::

    python benchmarks/bench_maps.py [--scales 20 100] [--chromium /usr/bin/chromium]

``synthetic_city(scale)`` has ``scale × 1,000`` buildings. For each scale the script writes the
map of :func:`gridparty.hierarchy_map` with the issues of :func:`gridparty.checks.validate`
twice: with the display precision of earlier releases (``DISPLAY_PRECISION_DEG = 1e-6``, no
simplification: "before") and as shipped ("now"), then opens each in headless Chromium with the
network cut off and times ``load`` until every layer's SVG is drawn. One run each; absolute
times drift on shared machines, the size ratio does not.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path
from unittest import mock

import gridparty.maps.base as base
from gridparty.checks.validate import validate
from gridparty.datasets.synthetic import synthetic_city
from gridparty.maps import hierarchy_map, save_map


def write(scale: float, folder: Path, variant: str) -> Path:
    h = synthetic_city(scale)
    issues = validate(h)
    patches = (
        [
            mock.patch.object(base, "DISPLAY_PRECISION_DEG", 1e-6),
            mock.patch.object(base, "DISPLAY_SIMPLIFY_DEG", 0.0),
        ]
        if variant == "before"
        else []
    )
    for patch in patches:
        patch.start()
    try:
        m = hierarchy_map(h, issues=issues, tiles="none")
        return save_map(m, folder / f"city{scale:g}-{variant}.html")
    finally:
        for patch in patches:
            patch.stop()


def load_seconds(path: Path, chromium: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True)
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.route(re.compile(r"^https?://"), lambda route: route.abort())
        page = context.new_page()
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load", timeout=600_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.leaflet-control-layers').length", timeout=600_000
        )
        seconds = time.perf_counter() - start
        browser.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[20, 100])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    print("| buildings | variant | HTML MB | Chromium load s |")
    print("|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            for variant in ("before", "now"):
                path = write(scale, Path(tmp), variant)
                size = path.stat().st_size / 1e6
                seconds = load_seconds(path, args.chromium)
                print(f"| {scale * 1000:,.0f} | {variant} | {size:.1f} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
