"""Helpers for the TUI tests: test commands, a small model, driving the app with Pilot."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from session_helpers import SMALL_MODEL as _SESSION_MODEL

from xlat.commands import load_builtin
from xlat.commands.spec import REGISTRY, Command, arg, command
from xlat.errors import XlatWarning
from xlat.session.results import MapPlotData, SpectrumPlotData
from xlat.session.state import Session

load_builtin()

SMALL_MODEL = _SESSION_MODEL[: _SESSION_MODEL.index('  <source name="Far: source"')] + _SESSION_MODEL[
    _SESSION_MODEL.index('  <source name="iso"') :]
"""Three sources (one name per kind of awkwardness: spaces, '+', a diffuse one), 8 spectral parameters."""

TEST_COMMANDS = ("_mark", "_slow", "_steps", "_plot", "_map")
SLOW_LIMIT_S = 10.0


def model_session(folder: Path) -> Session:
    """A session with SMALL_MODEL loaded by the ``model`` command (its history: ``model small.xml``)."""
    from xlat.commands.executor import Executor

    (folder / "small.xml").write_text(SMALL_MODEL, encoding="utf-8")
    session = Session(folder)
    outcome = Executor(session).run_line("model small.xml")
    assert outcome is not None and outcome.ok, outcome
    return session


@pytest.fixture
def test_commands() -> Iterator[None]:
    """Register the _mark, _slow, _steps, _plot and _map commands for one test."""

    @command("_mark", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Mark(Command):
        """Record words in the session (test); warns about 'loud' words."""

        words: tuple[str, ...] = arg(nargs="+", complete="params")
        factor: float = arg(1.0, kind="float")

        def run(self, session: Session) -> str:
            for word in self.words:
                if word == "loud":
                    warnings.warn("loud word", XlatWarning, stacklevel=1)
            session.products.setdefault("marks", []).extend(self.words)
            return f"marked {' '.join(self.words)}"

    @command("_slow", topic="test", mutates=True)
    @dataclass(frozen=True)
    class Slow(Command):
        """Wait until cancelled (test)."""

        def run(self, session: Session) -> str:
            deadline = time.monotonic() + SLOW_LIMIT_S
            while time.monotonic() < deadline:
                session.cancel.check()
                time.sleep(0.01)
            session.products["slow"] = "finished"
            return "not cancelled"

    @command("_steps", topic="test")
    @dataclass(frozen=True)
    class Steps(Command):
        """Report progress over N steps (test)."""

        n: int = arg(5, kind="int", positional=True)

        def run(self, session: Session) -> str:
            with session.progress.task("stepping", total=self.n) as task:  # type: ignore[attr-defined]
                for _ in range(self.n):
                    time.sleep(0.1)
                    session.cancel.check()
                    task.advance()
            return f"{self.n} steps"

    @command("_plot", topic="test")
    @dataclass(frozen=True)
    class Plot(Command):
        """Return a spectrum plot record (test)."""

        def run(self, session: Session) -> SpectrumPlotData:
            return SpectrumPlotData([100.0, 300.0, 1000.0, 3000.0, 10000.0], [80, 40, 12, 3], [78.0, 41.0, 11.0, 3.5],
                                    {"iso": [30.0, 12.0, 3.0, 0.7]}, title="test spectrum")

    @command("_map", topic="test")
    @dataclass(frozen=True)
    class Map(Command):
        """Return a small counts map (test)."""

        def run(self, session: Session) -> MapPlotData:
            import numpy as np

            y, x = np.mgrid[0:20, 0:20]
            return MapPlotData(np.exp(-((x - 10.0) ** 2 + (y - 9.0) ** 2) / 8.0) * 50, title="test map",
                               unit="counts")

    yield
    for name in TEST_COMMANDS:
        REGISTRY.commands.pop(name, None)


def log_text(app) -> str:  # type: ignore[no-untyped-def]
    """Everything the log pane holds, as plain text (lines as the pane wraps them)."""
    return "\n".join(strip.text.rstrip() for strip in app.log_pane.lines)


def log_words(app) -> str:  # type: ignore[no-untyped-def]
    """The log with every run of whitespace (line breaks included) made one space."""
    return " ".join(log_text(app).split())


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    """Let the app run until ``condition()`` holds (fails after ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the app"
        await pilot.pause(0.05)


async def settle(pilot, app) -> None:  # type: ignore[no-untyped-def]
    """Wait for the running command (worker) and the messages it posted."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


async def type_line(pilot, app, line: str, wait: bool = True, keys: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Put a line into the command input (key by key with ``keys``) and press enter; wait for the command."""
    app.command_input.focus()
    if keys:
        await pilot.press(*line)
    else:
        app.command_input.value = line
    await pilot.press("enter")
    if wait:
        await settle(pilot, app)

