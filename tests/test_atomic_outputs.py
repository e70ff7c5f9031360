"""Every writer is atomic: a failure injected mid-write leaves the earlier file byte-identical.

For each writer the output is written once for real; then the library call that writes it
(CSV, XLSX, GeoPackage or HTML) is patched to write half of its content and raise, the writer
runs again, and the earlier file must be unchanged with no temporary file left beside it.

Covered: ``io.write_table`` (CSV, XLSX), ``io.write_workbook``, ``io.write_layers``,
``io.write_hierarchy``, ``maps.save_map``, ``datasets.write_sample_city``, ``to_excel`` and
``to_geopackage`` of every result (and the flagship roster), and the outputs of every command.
"""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Callable, Iterator
from pathlib import Path

import flagship_city as fc
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import tiny_city as tc
from sample_builder import builder as sb

import gridparty.datasets.sample as ds
from gridparty.access.service import service_access, site_posts
from gridparty.alliances.lists import match_lists
from gridparty.alliances.network import alliance_network, analyse_alliances
from gridparty.alliances.pairing import check_pairing, propose_pairing
from gridparty.checks.fusion import grid_fusion
from gridparty.checks.organisation import organisation_coverage
from gridparty.checks.report import check_coverage
from gridparty.checks.snapshots import compare_snapshots
from gridparty.checks.validate import validate
from gridparty.cli.main import main
from gridparty.core import io
from gridparty.core.errors import InputError
from gridparty.core.model import Hierarchy
from gridparty.flagship.choice import choose_flagships
from gridparty.flagship.zones import mentoring_zones
from gridparty.maps import hierarchy_map, save_map


class InjectedError(RuntimeError):
    """The failure the tests inject (a full disk, a killed process ...)."""


def _half_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[: max(1, len(frame) // 2)]


def crash_csv(monkeypatch: pytest.MonkeyPatch) -> None:
    """``DataFrame.to_csv`` writes half the rows, then fails."""
    original = pd.DataFrame.to_csv

    def half(self: pd.DataFrame, path: object = None, *args: object, **kwargs: object) -> None:
        original(_half_rows(self), path, *args, **kwargs)
        raise InjectedError("disk full while writing CSV")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half)


def crash_xlsx(monkeypatch: pytest.MonkeyPatch) -> None:
    """``DataFrame.to_excel`` writes half of a sheet, then fails (the workbook is then closed)."""
    original = pd.DataFrame.to_excel

    def half(self: pd.DataFrame, writer: object, *args: object, **kwargs: object) -> None:
        original(_half_rows(self), writer, *args, **kwargs)
        raise InjectedError("disk full while writing XLSX")

    monkeypatch.setattr(pd.DataFrame, "to_excel", half)


def crash_gpkg(monkeypatch: pytest.MonkeyPatch) -> None:
    """``pyogrio.write_dataframe`` (under ``GeoDataFrame.to_file``) writes half, then fails."""
    original = pyogrio.write_dataframe

    def half(df: pd.DataFrame, path: object, *args: object, **kwargs: object) -> None:
        original(_half_rows(df), path, *args, **kwargs)
        raise InjectedError("disk full while writing GeoPackage")

    monkeypatch.setattr(pyogrio, "write_dataframe", half)


def crash_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """``Path.write_text`` (under ``save_map``) writes half the text, then fails."""
    original = pathlib.Path.write_text

    def half(self: Path, data: str, *args: object, **kwargs: object) -> int:
        original(self, data[: len(data) // 2], *args, **kwargs)
        raise InjectedError("disk full while writing HTML")

    monkeypatch.setattr(pathlib.Path, "write_text", half)


CRASHES: dict[str, Callable[[pytest.MonkeyPatch], None]] = {
    ".csv": crash_csv,
    ".xlsx": crash_xlsx,
    ".gpkg": crash_gpkg,
    ".html": crash_text,
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_atomic(
    write: Callable[[Path], object], path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Write ``path`` for real, then again with the failure injected; check nothing changed."""
    write(path)
    before, listing = digest(path), sorted(p.name for p in path.parent.iterdir())
    with monkeypatch.context() as patch:
        CRASHES[path.suffix](patch)
        with pytest.raises(InjectedError):
            write(path)
    assert digest(path) == before, f"{path.name} changed"
    assert sorted(p.name for p in path.parent.iterdir()) == listing, "a temporary file is left"


# -- io and maps -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny() -> Hierarchy:
    return Hierarchy(**tc.layers())


@pytest.fixture(scope="module")
def issues(tiny: Hierarchy) -> gpd.GeoDataFrame:
    return validate(tiny)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_write_table(
    suffix: str, issues: gpd.GeoDataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = pd.concat([issues] * 20, ignore_index=True)
    assert_atomic(lambda p: io.write_table(table, p), tmp_path / f"issues{suffix}", monkeypatch)


def test_write_workbook(tiny: Hierarchy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tables = {"社区": tiny.summary("community"), "网格": tiny.summary("grid")}
    assert_atomic(
        lambda p: io.write_workbook(tables, p, headers={"grids": "网格数"}),
        tmp_path / "book.xlsx",
        monkeypatch,
    )


def test_write_layers_and_hierarchy(
    tiny: Hierarchy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_atomic(lambda p: io.write_hierarchy(tiny, p), tmp_path / "city.gpkg", monkeypatch)
    layers = {"grids": tiny.grids, "table": pd.DataFrame({"a": [1, 2, 3]})}
    assert_atomic(lambda p: io.write_layers(layers, p), tmp_path / "layers.gpkg", monkeypatch)


def test_save_map(tiny: Hierarchy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = hierarchy_map(tiny, assets="cdn")
    assert_atomic(lambda p: save_map(m, p), tmp_path / "map.html", monkeypatch)


def test_write_sample_city(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_atomic(sb.write_sample_city, tmp_path / "sample_city.gpkg", monkeypatch)


# -- every result's exports -------------------------------------------------------------------


def results(h: Hierarchy) -> Iterator[tuple[str, object]]:
    """One of every result with exports, on the hand-made cities and the sample tables."""
    report = check_coverage(h)
    yield "CoverageReport", report
    yield "SpatialCoverage", report.grids
    yield "OrganisationCoverage", organisation_coverage(h)
    yield "GridFusion", grid_fusion(h.grids, h.grids)
    yield "SnapshotComparison", compare_snapshots(h, h)
    zones = mentoring_zones(
        fc.hierarchy(), ["A", "B"], radius_m=700, organisations=fc.organisations()
    )
    yield "MentoringZones", zones
    yield (
        "FlagshipChoice",
        choose_flagships(
            fc.hierarchy(), 1, radius_m=700, organisations=fc.organisations(), solver="greedy"
        ),
    )
    yield (
        "ServiceAccess",
        service_access(
            h, tc.frame({"编号": ["K1"], "层级": ["驿站"]}, [tc.point(0, -5)]), threshold_m=100
        ),
    )
    s = {
        n: ds.sample_layer(n)
        for n in (
            "units",
            "alliances",
            "memberships",
            "communities",
            "departments",
            "pairings",
            "needs",
            "resources",
        )
    }
    net = alliance_network(
        s["units"], s["alliances"], s["memberships"], communities=s["communities"]
    )
    yield "AllianceAnalysis", analyse_alliances(net)
    yield "PairingCheck", check_pairing(s["communities"], s["departments"], s["pairings"])
    yield (
        "PairingProposal",
        propose_pairing(s["communities"], s["departments"], pairings=s["pairings"]),
    )
    yield "ListMatch", match_lists(s["needs"], s["resources"], units=s["units"])


@pytest.fixture(scope="module")
def every_result(tiny: Hierarchy) -> dict[str, object]:
    return dict(results(tiny))


def test_every_result_exports_atomically(
    every_result: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(every_result) == 12
    for name, result in every_result.items():
        assert type(result).__name__ == name
        assert_atomic(result.to_excel, tmp_path / f"{name}.xlsx", monkeypatch)  # type: ignore[attr-defined]
        if name == "PairingCheck":  # tables only: no GeoPackage, and a clear error saying so
            with pytest.raises(InputError, match="nothing to write"):
                result.to_geopackage(tmp_path / f"{name}.gpkg")  # type: ignore[attr-defined]
            continue
        assert_atomic(result.to_geopackage, tmp_path / f"{name}.gpkg", monkeypatch)  # type: ignore[attr-defined]
    zones = every_result["MentoringZones"]
    assert_atomic(zones.roster_to_excel, tmp_path / "roster.xlsx", monkeypatch)  # type: ignore[attr-defined]


def test_post_siting_exports_atomically(
    every_result: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostSiting is a result like the others: a workbook and a GeoPackage of its posts."""
    posts = site_posts(every_result["ServiceAccess"], k=1)  # type: ignore[arg-type]
    assert_atomic(posts.to_excel, tmp_path / "posts.xlsx", monkeypatch)
    assert_atomic(posts.to_geopackage, tmp_path / "posts.gpkg", monkeypatch)


# -- every command's outputs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def city() -> Path:
    return ds.sample_city_path()


COMMANDS = {
    "validate": [
        "validate",
        "{city}",
        "--csv",
        "{out}/v.csv",
        "--xlsx",
        "{out}/v.xlsx",
        "--html",
        "{out}/v.html",
    ],
    "check": [
        "check",
        "{city}",
        "--xlsx",
        "{out}/c.xlsx",
        "--gpkg",
        "{out}/c.gpkg",
        "--html",
        "{out}/c.html",
        "--no-streets",
    ],
    "zones": [
        "zones",
        "{city}",
        "--flagships",
        "310101002001",
        "--radius-m",
        "800",
        "--xlsx",
        "{out}/z.xlsx",
        "--gpkg",
        "{out}/z.gpkg",
        "--html",
        "{out}/z.html",
        "--roster",
        "{out}/r.xlsx",
    ],
    "access": [
        "access",
        "{city}",
        "--straight",
        "--xlsx",
        "{out}/a.xlsx",
        "--gpkg",
        "{out}/a.gpkg",
        "--html",
        "{out}/a.html",
    ],
    "alliances": ["alliances", "{city}", "--out", "{out}"],
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_command_outputs_survive_a_crash(
    command: str, city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [a.format(city=city, out=tmp_path) for a in COMMANDS[command]]
    assert main(args) == 0
    files = sorted(tmp_path.iterdir())
    assert {p.suffix for p in files} >= {".xlsx", ".html"}
    for suffix in sorted({p.suffix for p in files}):
        # Outputs written before the crash are rewritten whole; those of the failing kind
        # keep their earlier bytes, and no temporary file is left.
        kept = {p: digest(p) for p in files if p.suffix == suffix}
        with monkeypatch.context() as patch:
            CRASHES[suffix](patch)
            with pytest.raises(InjectedError):
                main(args)
        assert sorted(tmp_path.iterdir()) == files, suffix
        assert {p: digest(p) for p in kept} == kept, suffix
