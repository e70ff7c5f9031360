"""Grid fusion (多网融合): how well party grids line up with another grid layer.

Each party grid is matched one-to-one with a grid of the other layer (comprehensive-governance
综治, civil-affairs, policing ...) by intersection over union (IoU = area(A ∩ B) / area(A ∪ B),
both measured in m²): pairs at or above ``min_iou`` are matched so that the sum of IoU is
largest (``scipy.optimize.linear_sum_assignment`` on each group of conflicting pairs; with
``min_iou >= 0.5`` and layers that do not overlap themselves every grid has at most one such
partner). The **mismatched boundary area** of a matched pair is the area of its symmetric
difference, area(A) + area(B) − 2 area(A ∩ B).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import scipy.optimize
import scipy.sparse
import scipy.sparse.csgraph
import shapely

from gridparty.core import coords as _coords
from gridparty.core.coords import choose_metric_crs, in_own_zones
from gridparty.core.dtypes import TEXT_DTYPE
from gridparty.core.errors import DuplicateIdError, InputError
from gridparty.core.geometry import measurable, take_or
from gridparty.core.results import Tables, figures

__all__ = ["IOU_BINS", "GridFusion", "grid_fusion"]

#: Edges of the IoU histogram bins.
IOU_BINS = np.round(np.linspace(0.0, 1.0, 11), 1)


@dataclass(frozen=True)
class GridFusion(Tables):
    """Result of :func:`grid_fusion` (geometry in EPSG:4326, areas in m²).

    Attributes
    ----------
    pairs : DataFrame
        Every pair of a party grid and an other grid whose interiors overlap: ``grid_id``,
        ``other_id``, ``intersection_m2``, ``iou``, ``matched`` (in :meth:`tables` and the
        exports indexed by ``grid_id``).
    matches : DataFrame
        Per party grid (index ``grid_id``): ``area_m2``, ``other_id`` (its match, <NA> if
        none), ``iou`` (of the match; else the best IoU with any other grid), ``mismatch_m2``
        (symmetric difference with the match; the whole area when unmatched).
    unmatched_grids, unmatched_other : GeoDataFrame
        Grids of either layer with no match, with ``area_m2`` and ``best_iou``.
    iou_histogram : DataFrame
        Party grids per IoU bin (index ``iou_bin`` "0.0–0.1" ...; best IoU per grid).
    min_iou : float
        The matching threshold.
    """

    pairs: pd.DataFrame
    matches: pd.DataFrame
    unmatched_grids: gpd.GeoDataFrame
    unmatched_other: gpd.GeoDataFrame
    iou_histogram: pd.DataFrame
    min_iou: float

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {
            "fusion_matches": self.matches,
            "fusion_pairs": self.pairs.set_index("grid_id"),
            "unmatched_grids": self.unmatched_grids,
            "unmatched_other": self.unmatched_other,
            "iou_histogram": self.iou_histogram,
        }

    def summary(self) -> pd.DataFrame:
        """Counts, matched share, IoU quantiles of the matches, mismatched area (m²)."""
        matched = self.matches["other_id"].notna()
        iou = self.matches.loc[matched, "iou"]
        return figures(
            {
                "grids": len(self.matches),
                "other_grids": len(self.unmatched_other) + int(matched.sum()),
                "matched": int(matched.sum()),
                "matched_share": float(matched.mean()) if len(matched) else np.nan,
                "iou_median": float(iou.median()) if len(iou) else np.nan,
                "iou_p10": float(iou.quantile(0.1)) if len(iou) else np.nan,
                "mismatch_m2": float(self.matches["mismatch_m2"].sum()),
                "unmatched_other_m2": float(self.unmatched_other["area_m2"].sum()),
                "min_iou": self.min_iou,
            }
        )


def grid_fusion(
    grids: gpd.GeoDataFrame,
    other: gpd.GeoDataFrame,
    *,
    metric_crs: pyproj.CRS | str | int | None = None,
    min_iou: float = 0.5,
) -> GridFusion:
    """Match party grids with another grid layer by IoU.

    Parameters
    ----------
    grids : GeoDataFrame
        Party grids (``h.grids``), index = grid id.
    other : GeoDataFrame
        The other grid layer, index = its ids (unique); any CRS (converted).
    metric_crs : CRS-like, optional
        Metric CRS for areas; default the UTM zone of ``grids``.
    min_iou : float
        Smallest IoU (0–1] of a match (default 0.5).

    Returns
    -------
    GridFusion

    Examples
    --------
    >>> import gridparty as gp
    >>> grids = gp.sample_city().grids
    >>> fusion = gp.grid_fusion(grids, grids)  # a layer against itself: every grid matches
    >>> int(fusion.pairs["matched"].sum()), len(fusion.unmatched_grids)
    (60, 0)
    """
    check_min_iou(min_iou)
    a_frame, b_frame = _layer(grids, "grids"), _layer(other, "other")
    metric = choose_metric_crs(metric_crs, a_frame, b_frame)
    a, b = measurable(a_frame, metric), measurable(b_frame, metric)
    area_a, area_b = _areas(a, metric), _areas(b, metric)
    ia, ib, inter = _overlapping_pairs(a, b, area_a, metric)
    iou = inter / (area_a[ia] + area_b[ib] - inter)
    matched = _match(ia, ib, iou, min_iou, len(a), len(b))
    ids_a = a_frame.index.astype(TEXT_DTYPE)
    ids_b = b_frame.index.astype(TEXT_DTYPE)
    pairs = pd.DataFrame(
        {
            "grid_id": ids_a[ia],
            "other_id": ids_b[ib],
            "intersection_m2": inter,
            "iou": iou,
            "matched": matched,
        }
    )
    best_a, best_b = _best(ia, iou, len(a)), _best(ib, iou, len(b))
    partner = np.full(len(a), -1)
    partner[ia[matched]] = ib[matched]
    matches = _matches(ids_a, ids_b, area_a, area_b, partner, best_a, pairs)
    has_b = np.zeros(len(b), dtype=bool)
    has_b[ib[matched]] = True
    return GridFusion(
        pairs=pairs,
        matches=matches,
        unmatched_grids=_unmatched(a_frame, partner < 0, area_a, best_a, "grid_id"),
        unmatched_other=_unmatched(b_frame, ~has_b, area_b, best_b, "other_id"),
        iou_histogram=_histogram(best_a),
        min_iou=float(min_iou),
    )


def check_min_iou(min_iou: object) -> None:
    """Refuse a ``min_iou`` that is not a share in (0, 1] (an InputError naming it)."""
    if not isinstance(min_iou, int | float) or not 0 < min_iou <= 1:
        raise InputError(f"min_iou={min_iou!r} must be a share in (0, 1], e.g. 0.5.")


def _layer(frame: object, argument: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{argument} must be a GeoDataFrame indexed by grid id, got {type(frame).__name__}."
        )
    if not frame.index.is_unique:
        raise DuplicateIdError(
            f"{argument} has repeated ids, e.g. {list(frame.index[frame.index.duplicated()][:5])}; "
            f"set a unique id as the index ({argument}.set_index('<id column>'))."
        )
    return _coords.ensure_wgs84(frame, argument)


def _areas(geoms: np.ndarray, crs: pyproj.CRS) -> np.ndarray:
    """Areas (m²), each in its own UTM zone when outside ``crs``'s (:func:`in_own_zones`)."""
    return np.nan_to_num(shapely.area(in_own_zones(geoms, crs)), nan=0.0)


def _overlapping_pairs(
    a: np.ndarray, b: np.ndarray, area_a: np.ndarray, crs: pyproj.CRS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs whose interiors overlap, and the area (m²) of their intersection."""
    ia, ib = shapely.STRtree(b).query(a, predicate="intersects")
    covered = shapely.covers(b[ib], a[ia])
    inter = np.where(covered, area_a[ia], 0.0)
    rest = np.flatnonzero(~covered)
    inter[rest] = _areas(shapely.intersection(a[ia[rest]], b[ib[rest]]), crs)
    keep = inter > 0
    return ia[keep], ib[keep], inter[keep]


def _match(
    ia: np.ndarray, ib: np.ndarray, iou: np.ndarray, min_iou: float, n_a: int, n_b: int
) -> np.ndarray:
    """One-to-one matching of pairs with IoU >= ``min_iou``, largest total IoU."""
    eligible = np.flatnonzero(iou >= min_iou)
    matched = np.zeros(len(iou), dtype=bool)
    if not len(eligible):
        return matched
    graph = scipy.sparse.coo_matrix(
        (np.ones(len(eligible)), (ia[eligible], n_a + ib[eligible])), shape=(n_a + n_b,) * 2
    )
    _, label = scipy.sparse.csgraph.connected_components(graph, directed=False)
    component = label[ia[eligible]]
    sizes = np.bincount(component)
    simple = sizes[component] == 1
    matched[eligible[simple]] = True
    for comp in np.unique(component[~simple]):  # only groups where pairs compete
        rows = eligible[component == comp]
        ua, ra = np.unique(ia[rows], return_inverse=True)
        ub, rb = np.unique(ib[rows], return_inverse=True)
        weight = np.zeros((len(ua), len(ub)))
        weight[ra, rb] = iou[rows]
        pick_a, pick_b = scipy.optimize.linear_sum_assignment(weight, maximize=True)
        chosen = {(x, y) for x, y in zip(pick_a, pick_b, strict=True) if weight[x, y] > 0}
        matched[rows] = [(x, y) in chosen for x, y in zip(ra, rb, strict=True)]
    return matched


def _best(owner: np.ndarray, iou: np.ndarray, n: int) -> np.ndarray:
    best = np.zeros(n)
    np.maximum.at(best, owner, iou)
    return best


def _matches(
    ids_a: pd.Index,
    ids_b: pd.Index,
    area_a: np.ndarray,
    area_b: np.ndarray,
    partner: np.ndarray,
    best: np.ndarray,
    pairs: pd.DataFrame,
) -> pd.DataFrame:
    has = partner >= 0
    chosen = pairs[pairs["matched"]].set_index("grid_id")
    inter = chosen["intersection_m2"].reindex(ids_a).fillna(0.0).to_numpy()
    iou = np.where(has, chosen["iou"].reindex(ids_a).to_numpy(dtype=float), best)
    mismatch = np.where(has, area_a + take_or(area_b, partner, 0.0) - 2 * inter, area_a)
    return pd.DataFrame(
        {
            "area_m2": area_a,
            "other_id": pd.array(
                take_or(ids_b.to_numpy(dtype=object), partner, None), dtype=TEXT_DTYPE
            ),
            "iou": iou,
            "mismatch_m2": mismatch,
        },
        index=pd.Index(ids_a, name="grid_id"),
    )


def _unmatched(
    frame: gpd.GeoDataFrame, mask: np.ndarray, area: np.ndarray, best: np.ndarray, name: str
) -> gpd.GeoDataFrame:
    index = pd.Index(frame.index.astype(TEXT_DTYPE)[mask], name=name)
    return gpd.GeoDataFrame(
        {"area_m2": area[mask], "best_iou": best[mask]},
        index=index,
        geometry=gpd.GeoSeries(frame.geometry.array[mask], index=index, crs=4326),  # type: ignore[arg-type]  # geopandas takes a GeometryArray or a list of geometries/None
    )


def _histogram(best: np.ndarray) -> pd.DataFrame:
    counts, _ = np.histogram(best, bins=IOU_BINS)
    labels = [f"{lo:.1f}–{hi:.1f}" for lo, hi in itertools.pairwise(IOU_BINS)]
    return pd.DataFrame({"grids": counts}, index=pd.Index(labels, name="iou_bin"))
