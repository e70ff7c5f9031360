"""validate(): overlaps between units of one level, tiny polygons, checks without their data."""

from __future__ import annotations

import pytest
import split_city
import tiny_city

from gridparty.checks.coverage import same_level_overlaps
from gridparty.checks.validate import validate
from gridparty.core.model import Hierarchy


def _overlapping_communities(street: str = "外滩街道") -> Hierarchy:
    """C2 reaches 50 m into C1 (5,000 m²); C2 lies in ``street``."""
    communities = tiny_city.communities()
    communities.loc[1, "geometry"] = tiny_city.frame(
        {}, [tiny_city.box(150, 0, 400, 100)]
    ).geometry[0]
    communities.loc[1, "street"] = street
    layers = {**tiny_city.layers(), "communities": communities}
    return Hierarchy(**layers)


def test_overlapping_communities_are_reported_with_their_area() -> None:
    issues = validate(_overlapping_communities())
    rows = issues[issues["check"] == "same_level_overlap"]
    assert rows[["level", "id", "severity"]].values.tolist() == [["community", "C1", "warning"]]
    assert rows["message"].item() == "overlaps community 'C2' by 5,000 m²"


def test_overlapping_streets_and_districts_are_reported_too() -> None:
    issues = validate(_overlapping_communities(street="南京东路街道"))
    rows = issues[issues["check"] == "same_level_overlap"]
    assert rows[["level", "id"]].values.tolist() == [
        ["street", "南京东路街道"],
        ["community", "C1"],
    ]
    assert rows["message"].tolist() == [
        "overlaps street '外滩街道' by 5,000 m²",
        "overlaps community 'C2' by 5,000 m²",
    ]


def test_units_that_only_touch_do_not_overlap() -> None:
    issues = validate(Hierarchy(**tiny_city.layers()))
    assert not (issues["check"] == "same_level_overlap").any()


def test_same_level_overlaps_measures_each_pair_once() -> None:
    h = _overlapping_communities()
    found = same_level_overlaps(h.communities, metric_crs=h.metric_crs)
    assert found[["id", "other_id", "kind"]].values.tolist() == [["C1", "C2", "overlap"]]
    assert found["area_m2"].item() == pytest.approx(5000, rel=1e-6)
    assert found["width_m"].item() == pytest.approx(50, rel=1e-3)


def test_a_polygon_below_min_area_is_tiny_not_only_a_duplicate() -> None:
    h = Hierarchy(**split_city.layers(), strict=False)
    issues = validate(h)
    tiny = issues[issues["check"] == "tiny_polygon"]
    assert tiny[["level", "id", "severity"]].values.tolist() == [["community", "C2#2", "warning"]]
    assert tiny["message"].item() == "community polygon of 0.25 m², below min_area_m2=1"
    assert (issues["check"] == "duplicate_id").sum() == 3  # C1#2, C2#2, G3#2
    assert validate(h, min_area_m2=0.1)["check"].ne("tiny_polygon").all()


def test_tiny_polygons_are_found_at_every_polygon_level() -> None:
    """A 20 m × 20 m community alone in its street and district: below 500 m², so are the
    street's and the district's outlines, and the 400 m² buildings."""
    layers = tiny_city.layers()
    communities = layers["communities"]
    square = tiny_city.frame({}, [tiny_city.box(200, 0, 220, 20)]).geometry[0]
    communities.loc[1, "geometry"] = square
    communities.loc[1, ["street", "district"]] = ["小街道", "小区"]
    issues = validate(Hierarchy(**layers), min_area_m2=500)
    tiny = issues[issues["check"] == "tiny_polygon"]
    assert sorted(map(tuple, tiny[["level", "id"]].values.tolist())) == [
        ("building", "B1"),
        ("building", "B2"),
        ("building", "B3"),
        ("building", "B4"),
        ("community", "C2"),
        ("district", "小区"),
        ("street", "小街道"),
    ]
    street = tiny[tiny["level"] == "street"]
    assert street["message"].item() == "street polygon of 400 m², below min_area_m2=500"


def test_without_grids_coverage_is_one_not_recorded_row() -> None:
    h = Hierarchy(tiny_city.communities())
    issues = validate(h)
    assert issues[["level", "id", "check", "message"]].values.tolist() == [
        [
            "grid",
            "grids",
            "not_recorded",
            "no grids loaded: the coverage of communities by grids is not checked",
        ]
    ]


def test_check_coverage_headline_counts_overlaps_at_every_polygon_level() -> None:
    from gridparty.checks.report import check_coverage

    report = check_coverage(_overlapping_communities(street="南京东路街道"))
    figures = report.headline()["value"]
    assert figures[
        ["community_unit_overlaps", "street_unit_overlaps", "district_unit_overlaps"]
    ].tolist() == [
        1,
        1,
        0,
    ]
    assert figures["community_unit_overlap_m2"] == pytest.approx(5000, rel=1e-6)
    assert report.unit_overlaps[["level", "id", "other_id"]].values.tolist() == [
        ["community", "C1", "C2"],
        ["street", "南京东路街道", "外滩街道"],
    ]


def test_check_coverage_without_grids_reports_no_gap() -> None:
    from gridparty.checks.report import check_coverage

    report = check_coverage(Hierarchy(tiny_city.communities()))
    assert report.grids.gaps.empty
    assert report.grids.problems[["level", "id", "check"]].values.tolist() == [
        ["grid", "grids", "not_recorded"]
    ]
    assert report.grids.by_parent["coverage_ratio"].isna().all()
