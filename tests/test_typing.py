"""The shipped type hints resolve at run time: ``typing.get_type_hints`` works on the public API."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterator

import pytest

import gridparty

#: Hints that name a class of the map engine: folium is imported only when a map is drawn
#: (``import gridparty`` and the analyses stay light), so these resolve once it is supplied.
MAP_ENGINE_HINTS = {"CoverageReport.map", "GridDelineation.map"}


def _public_callables() -> Iterator[tuple[str, Callable[..., object]]]:
    for name in gridparty.__all__:
        obj = getattr(gridparty, name)
        if inspect.isclass(obj):
            yield name, obj
            for attr, member in vars(obj).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, property):
                    member = member.fget
                elif isinstance(member, functools.cached_property):
                    member = member.func
                elif isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if inspect.isfunction(member):
                    yield f"{name}.{attr}", member
        elif callable(obj):
            yield name, obj


PUBLIC = dict(_public_callables())


def test_the_public_api_has_callables_and_classes() -> None:
    assert "assign" in PUBLIC
    assert "Hierarchy.summary" in PUBLIC
    assert "Assignment.__init__" in PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_get_type_hints_resolves(name: str) -> None:
    obj = PUBLIC[name]
    localns: dict[str, object] | None = None
    if name in MAP_ENGINE_HINTS:
        import folium

        localns = {"folium": folium}
    hints = typing.get_type_hints(obj, localns=localns)
    if inspect.isfunction(obj):
        assert "return" in hints, f"{name} has no return annotation"
