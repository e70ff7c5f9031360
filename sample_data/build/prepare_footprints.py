"""Make the compact footprint copy bundled as ``gridparty/data/bund_buildings.geojson``.

Run once by a maintainer, from the repository root, with the raw OpenStreetMap extract at hand::

    python sample_data/prepare_footprints.py /path/to/shanghai_bund_osm/shangHai_buildings.geojson

The package itself never reads the raw extract: the sample-city generator
(:func:`gridparty.datasets.sample.build_sample_layers`) starts from the file written here.

What it does
------------
* keeps the polygons of kind ``building`` (``building_part`` features are storeys / towers of
  a building drawn inside its footprint; they only contribute their ``height``);
* dissolves the polygons clipped at vector-tile edges by OSM ``id`` into whole footprints;
* takes ``height_m`` as the largest ``height`` of the building and of its parts (``root_id``);
* keeps ``name``, ``kind_detail``, ``addr_street``, ``addr_housenumber``;
* rounds coordinates to 1e-7 degrees (about 1 cm) and sorts by OSM id.

Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.geometry

OUT = Path(__file__).resolve().parents[1] / "gridparty" / "data" / "bund_buildings.geojson"
KEEP = ["name", "kind_detail", "addr_street", "addr_housenumber"]


def prepare(src: Path, dst: Path = OUT) -> gpd.GeoDataFrame:
    """Dissolve, trim and round the raw Tilezen/OSM buildings; write and return them."""
    raw = gpd.read_file(src)
    polys = raw[raw.geom_type == "Polygon"]
    parts_height = polys[polys["kind"] == "building_part"].groupby("root_id")["height"].max()
    parts_height.index = parts_height.index.astype("int64")
    buildings = polys[polys["kind"] == "building"]
    whole = buildings.dissolve(by="id", aggfunc="first")[[*KEEP, "height", "geometry"]]
    height = pd.concat([whole["height"], parts_height.reindex(whole.index)], axis=1).max(axis=1)
    geometry = shapely.transform(whole.geometry.values, lambda xy: np.round(xy, 7))
    if not shapely.is_valid(geometry).all():
        raise ValueError("rounding to 1e-7 degrees made a footprint invalid; inspect the source")
    out = gpd.GeoDataFrame(
        {
            "osm_id": whole.index.astype("int64"),
            **{c: whole[c].astype("string") for c in KEEP},
            "height_m": height.to_numpy(),
        },
        geometry=geometry,
        crs="EPSG:4326",
    ).sort_values("osm_id", ignore_index=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(_to_geojson(out), encoding="utf-8")
    return out


def _to_geojson(gdf: gpd.GeoDataFrame) -> str:
    """Compact GeoJSON text, one feature per line (small, diff-friendly; null properties left out)."""
    lines = []
    for props, geom in zip(
        gdf.drop(columns="geometry").astype(object).to_dict("records"), gdf.geometry, strict=True
    ):
        clean = {k: v for k, v in props.items() if not pd.isna(v)}
        feature = {
            "type": "Feature",
            "properties": clean,
            "geometry": shapely.geometry.mapping(geom),
        }
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = '{"type":"FeatureCollection","features":[\n'
    return head + ",\n".join(lines) + "\n]}\n"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    result = prepare(Path(sys.argv[1]))
    print(f"wrote {len(result)} footprints to {OUT} ({OUT.stat().st_size / 1e3:.0f} kB)")
