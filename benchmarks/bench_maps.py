"""Map size and load time for big cities: HTML bytes and Chromium load time of the validation
map of ``synthetic_city(scale)``, every building drawn (``detail="full"``, before) against the
big-city map (``detail="auto"``: grids coloured by building count, compact buildings from zoom
16 on).

Usage::

    python benchmarks/bench_maps.py [--scales 20 100] [--chromium /usr/bin/chromium]

``synthetic_city(scale)`` has ``scale × 1,000`` buildings. For each scale the script writes the
map of :func:`gridparty.hierarchy_map` with the issues of :func:`gridparty.checks.validate`
(``tiles="none"``) both ways, then opens each in headless Chromium with the network cut off
and times ``goto`` until the page's ``load`` and the layer control (every script has run).
One run each; absolute times drift on shared machines, the ratios much less.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from gridparty.checks.validate import validate
from gridparty.datasets.synthetic import synthetic_city
from gridparty.maps import hierarchy_map, save_map

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VARIANTS = {"before": "full", "after": "auto"}


def write(scale: float, folder: Path, detail: str) -> Path:
    h = synthetic_city(scale)
    m = hierarchy_map(h, issues=validate(h), tiles="none", detail=detail)
    return save_map(m, folder / f"city{scale:g}-{detail}.html")


def load_seconds(path: Path, chromium: str) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        context.route(re.compile(r"^https?://"), lambda route: route.abort())
        page = context.new_page()
        start = time.perf_counter()
        page.goto(path.as_uri(), wait_until="load", timeout=900_000)
        page.wait_for_function(
            "() => document.querySelectorAll('.leaflet-control-layers').length", timeout=900_000
        )
        seconds = time.perf_counter() - start
        browser.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[20, 100])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            measured = {}
            for variant, detail in VARIANTS.items():
                path = write(scale, Path(tmp), detail)
                measured[variant] = (path.stat().st_size / 1e6, load_seconds(path, args.chromium))
                path.unlink()
            rows.append((scale, measured))
    print("| buildings | HTML MB before | after | × smaller | load s before | after | × faster |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for scale, m in rows:
        (size_b, load_b), (size_a, load_a) = m["before"], m["after"]
        print(
            f"| {scale * 1000:,.0f} | {size_b:.1f} | {size_a:.1f} | {size_b / size_a:.1f} "
            f"| {load_b:.1f} | {load_a:.1f} | {load_b / load_a:.1f} |"
        )


if __name__ == "__main__":
    main()
