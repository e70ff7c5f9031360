"""Progress: one transient line on stderr for slow steps, only on a terminal, never on CI or
with --quiet; piped runs print the results only."""

from __future__ import annotations

import io
import sys

import pytest

from gridparty.cli import common


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _terminal(monkeypatch: pytest.MonkeyPatch) -> _Terminal:
    """stderr a terminal (set in the test itself: pytest sets its own stderr for the call)."""
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setitem(common.SHOW_PROGRESS, "quiet", False)
    return err


def test_progress_is_shown_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    assert common.progress_shown()
    monkeypatch.setenv("CI", "true")
    assert not common.progress_shown()
    monkeypatch.delenv("CI")
    monkeypatch.setitem(common.SHOW_PROGRESS, "quiet", True)
    assert not common.progress_shown()
    monkeypatch.setitem(common.SHOW_PROGRESS, "quiet", False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # a pipe or file
    assert not common.progress_shown()


def test_a_step_shows_only_after_the_delay_and_the_line_goes_at_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _terminal(monkeypatch)
    monkeypatch.setattr(common, "PROGRESS_AFTER_S", 3600.0)  # the timer never fires here
    steps = common._Steps()
    try:
        steps.step("reading [x].gpkg")
        bar, task = steps._bar, steps._task
        assert bar is not None
        assert task is not None
        assert [(t.description, t.visible) for t in bar.tasks] == [("reading \\[x].gpkg", False)]
        steps.step("drawing the map")  # the next step replaces the previous one
        assert [(t.description, t.visible) for t in bar.tasks] == [("drawing the map", False)]
        steps._show(bar, steps._task)  # what the timer does after PROGRESS_AFTER_S
        assert [t.visible for t in bar.tasks] == [True]
    finally:
        steps.stop()
    assert steps._bar is None
    assert steps._timer is None
    assert not bar.live.is_started


def test_no_progress_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    common.progress("reading city.gpkg")
    common.stop_progress()
    assert capsys.readouterr() == ("", "")
