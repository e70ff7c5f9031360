"""JavaScript snippets the browser tests evaluate in a rendered Folium map."""

from __future__ import annotations

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
