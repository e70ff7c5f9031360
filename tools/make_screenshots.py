"""Make the documentation's map images from the sample city (docs/images/*.png).

Runs each command that writes a map on the bundled sample city (no tiles: no internet needed),
opens every HTML map in headless Chromium (Debian's ``/usr/bin/chromium`` through Playwright,
the network cut off) and screenshots it at 1200 × 800 pixels, then prints the hierarchy and
the coverage map with :func:`gridparty.to_png` for the "Print maps" section. Chinese text
needs a CJK font (Debian: ``apt install fonts-noto-cjk``).

Run from the repository root::

    python tools/make_screenshots.py            # every image
    python tools/make_screenshots.py --check    # fail when an image is over 400 KB

Images are written as 256-colour PNGs to keep each under 400 KB.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
CHROMIUM = Path(os.environ.get("GRIDPARTY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1200, "height": 800}
MAX_BYTES = 400 * 1024

#: Image name → (command line without --out, the HTML map it writes in --out).
COMMANDS: dict[str, tuple[list[str], str]] = {
    "demo-map": (["demo", "--lang", "zh"], "sample_city_map.html"),
    "coverage-map": (["check", "{city}"], "check_map.html"),
    "zones-map": (
        ["zones", "{city}", "--flagships", "310101002001,310115005001", "--radius-m", "1000"],
        "zones_map.html",
    ),
    "access-map": (["access", "{city}", "--posts", "3"], "access_map.html"),
    "alliances-map": (["alliances"], "alliances_map.html"),
    "delineation-map": (
        ["delineate", "{city}", "--min-households", "60", "--max-households", "200"],
        "grids_map.html",
    ),
}


def run_commands(folder: Path) -> dict[str, Path]:
    """Run every command into its own folder; return image name → HTML map."""
    from gridparty.cli.main import main
    from gridparty.datasets.sample import sample_city_path

    city = str(sample_city_path())
    maps = {}
    for name, (argv, html) in COMMANDS.items():
        out = folder / name
        line = [a.replace("{city}", city) for a in argv]
        code = main([*line, "--out", str(out), "--tiles", "none", "--quiet"])
        if code not in (0, 1):  # 1: problems found (the sample city has planted ones)
            raise SystemExit(f"gridparty {' '.join(line)} failed with exit code {code}")
        maps[name] = out / html
    return maps


def screenshot(maps: dict[str, Path]) -> None:
    """Screenshot every HTML map in headless Chromium, offline."""
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        raise SystemExit(f"no Chromium at {CHROMIUM}; set GRIDPARTY_CHROMIUM to its path")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
        context.route(re.compile(r"^https?://"), lambda route: route.abort())
        page = context.new_page()
        for name, html in maps.items():
            page.goto(html.as_uri(), wait_until="load")
            page.wait_for_function("() => document.querySelector('.leaflet-control-layers')")
            page.wait_for_timeout(500)  # the legend follows the layer control
            target = IMAGES / f"{name}.png"
            page.screenshot(path=str(target))
            shrink(target)
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size / 1024:.0f} KB")
        browser.close()


def prints() -> None:
    """The sample city's hierarchy and coverage maps as printed pages (A4 at 110 dpi)."""
    import gridparty as gp

    h = gp.sample_city()
    issues = gp.validate(h)
    pages = {
        "print-hierarchy": gp.hierarchy_map(gp.assign(h).hierarchy, issues=issues, tiles="none"),
        "print-coverage": gp.check_coverage(h).map(tiles="none"),
    }
    for name, m in pages.items():
        target = gp.to_png(m, IMAGES / f"{name}.png", dpi=110, title="示例城区（外滩与陆家嘴）")
        shrink(target)
        print(f"{target.relative_to(ROOT)}: {target.stat().st_size / 1024:.0f} KB")


def shrink(path: Path) -> None:
    """Rewrite ``path`` as a 256-colour PNG (maps have few colours; text stays sharp)."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def check() -> int:
    """Exit code 1 when an image is missing or over :data:`MAX_BYTES`."""
    names = [*COMMANDS, "print-hierarchy", "print-coverage"]
    bad = [
        n
        for n in names
        if not (IMAGES / f"{n}.png").is_file() or (IMAGES / f"{n}.png").stat().st_size > MAX_BYTES
    ]
    for name in bad:
        print(f"docs/images/{name}.png is missing or over {MAX_BYTES // 1024} KB", file=sys.stderr)
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the images' sizes")
    if parser.parse_args().check:
        return check()
    with tempfile.TemporaryDirectory() as folder:
        screenshot(run_commands(Path(folder)))
    prints()
    return check()


if __name__ == "__main__":
    sys.exit(main())
