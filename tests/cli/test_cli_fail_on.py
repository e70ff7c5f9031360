"""``--fail-on`` counts the findings of the analysis, not only the reading problems, the same
way on every command: errors are rows of severity error in the command's problem tables,
warnings those of severity warning."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import tiny_city

from gridparty.cli.main import main
from gridparty.datasets.sample import SAMPLE_DEFECTS, sample_city_path

SAMPLE = str(sample_city_path())

#: Command → (exit code at --fail-on warning, at --fail-on error) on the sample city.
_ON_SAMPLE = {
    # invalid_geometry (an error) and the other planted defects (warnings)
    "validate": (1, 1),
    # members_without_branch / members_without_group are warnings; no error among the findings
    "check": (1, 0),
    # the sample's centres all have a tier and every building reaches the streets
    "access": (0, 0),
    "zones": (0, 0),
    # a membership of an unknown unit (an error) is planted in the sample's alliance tables
    "alliances": (1, 1),
}


def _run(
    command: str, path: str | None, fail_on: str, *extra: str, flagship: str = "310101002001"
) -> int:
    zones = ["--flagships", flagship, "--radius-m", "1000"] if command == "zones" else []
    argv = [command, *([path] if path else []), *zones, *extra]
    return main([*argv, "--fail-on", fail_on, "--tiles", "none", "--quiet"])


def test_the_sample_holds_the_defects_the_codes_rely_on() -> None:
    checks = {d.check for d in SAMPLE_DEFECTS}
    assert {"invalid_geometry", "members_without_branch", "members_without_group"} <= checks


@pytest.mark.parametrize("command", sorted(_ON_SAMPLE))
def test_fail_on_counts_the_findings_on_the_sample_city(command: str, tmp_path: Path) -> None:
    path = None if command == "alliances" else SAMPLE
    extra = ["--out", str(tmp_path / "out")] if command == "alliances" else []
    warning, error = _ON_SAMPLE[command]
    assert _run(command, path, "warning", *extra) == warning
    assert _run(command, path, "error", *extra) == error
    assert _run(command, path, "never", *extra) == 0


@pytest.fixture
def clean_city(tmp_path: Path) -> Path:
    """The tiny city with nothing to report: G3's member household has 3 formal members (a
    branch of its own), and one community service centre."""
    path = tmp_path / "clean.gpkg"
    layers = tiny_city.layers()
    households = layers["households"]
    households.loc[households["household_id"] == "H5", "formal_members"] = 3
    centres = tiny_city.frame(
        {"service_centre_id": ["S1"], "tier": ["community"]}, [tiny_city.point(150, 50)]
    )
    for name, frame in {**layers, "service_centres": centres}.items():
        frame.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.mark.parametrize("command", ["validate", "check", "access", "zones"])
def test_a_clean_city_passes_fail_on_warning(command: str, clean_city: Path) -> None:
    assert _run(command, str(clean_city), "warning", flagship="C1") == 0


def test_access_findings_count(clean_city: Path, tmp_path: Path) -> None:
    """A centre of unknown tier is a warning of the access analysis itself."""
    centres = tmp_path / "centres.geojson"
    gpd.read_file(clean_city, layer="service_centres").assign(tier="宇宙中心").to_file(centres)
    assert _run("access", str(clean_city), "warning", "--centres", str(centres)) == 1
    assert _run("access", str(clean_city), "error", "--centres", str(centres)) == 0


def test_check_counts_a_gap_in_grid_coverage(
    clean_city: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Land of a community that no grid covers is a warning of ``check`` (as ``uncovered`` is
    of ``validate``), though the organisation is complete."""
    import shapely

    path = tmp_path / "gap.gpkg"
    for name in ("communities", "grids", "buildings", "households", "service_centres"):
        frame = gpd.read_file(clean_city, layer=name)
        if name == "grids":  # the first grid loses its outer half: a gap, nothing else
            first = frame.geometry.iloc[0]
            minx, miny, maxx, maxy = first.bounds
            frame.loc[frame.index[0], "geometry"] = first.intersection(
                shapely.box(minx, miny, maxx, (miny + maxy) / 2)
            )
        frame.to_file(path, layer=name, driver="GPKG")
    assert _run("check", str(clean_city), "warning") == 0
    assert _run("check", str(path), "error") == 0
    capsys.readouterr()
    assert _run("check", str(path), "warning", "--lang", "en") == 1
    printed = capsys.readouterr().out
    assert "covered by no grid" in printed
