"""JavaScript snippets the browser tests evaluate in a rendered Folium map."""

from __future__ import annotations

import re
from pathlib import Path

#: Open every feature's tooltip and popup in turn; return their text contents.
OPEN_ALL = """() => {
    const map = window[document.querySelector('.folium-map').id];
    const out = {tips: [], pops: []};
    map.eachLayer(layer => {
        if (!layer.feature) { return; }
        if (layer.getTooltip()) {
            layer.openTooltip();
            out.tips.push(layer.getTooltip().getElement().textContent);
            layer.closeTooltip();
        }
        if (layer.getPopup()) {
            layer.openPopup();
            out.pops.push(layer.getPopup().getElement().textContent);
            layer.closePopup();
        }
    });
    return out;
}"""


def open_offline(chromium: object, path: Path) -> tuple[object, object, list[str]]:
    """Open ``path`` in a new 1200×800 context with every http(s) request aborted; return the
    context, the page and the list its page errors and console errors are appended to (the
    aborted requests' own console errors left out)."""
    context = chromium.new_context(viewport={"width": 1200, "height": 800})  # type: ignore[attr-defined]
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "net::ERR_FAILED" not in msg.text
            else None
        ),
    )
    page.goto(path.as_uri(), wait_until="load")
    return context, page, errors
