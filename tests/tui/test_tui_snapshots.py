"""How the TUI looks at 80 x 24 (one pane at a time) and 120 x 40 (all panes): SVG snapshots.

The loaded session is the crab1day set (fermitools2026-crab1day, see test_tui_session.py): the
model and the data loaded, no fit, the counts spectrum with the starting model in the plot pane.

Regenerate after a deliberate change with ``pytest tests/tui --snapshot-update`` and review
the SVGs in the diff. The cursor blink is off so that the pictures are stable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_tui_session import crab_files

from xlat.commands.executor import Executor
from xlat.session.state import Session
from xlat.tui.app import LIGHT, XlatApp

pytestmark = pytest.mark.tui

async def no_blink(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.command_input.cursor_blink = False
    await pilot.pause()


def loaded(tmp_path: Path) -> XlatApp:
    """The crab1day session (model + data, no fit yet) with 'plot spectrum' in the plot pane."""
    srcmaps = crab_files(tmp_path)
    executor = Executor(Session(tmp_path))
    for line in ("model crab.xml", f"data cmap={srcmaps}"):
        assert executor.run_line(line).ok
    plot = executor.run_line("plot spectrum")
    assert plot is not None and plot.ok
    app = XlatApp(executor.session, executor)
    app.plot_record = plot.result  # type: ignore[attr-defined]  # shown by show_loaded_plot
    return app


async def show_loaded_plot(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.plot_pane.show(pilot.app.plot_record, "plot spectrum")
    await no_blink(pilot)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_empty_app(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(XlatApp(Session(tmp_path)), terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_loaded_session(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(loaded(tmp_path), terminal_size=size, run_before=show_loaded_plot)


def test_plot_pane_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def show_plot(pilot) -> None:  # type: ignore[no-untyped-def]
        await show_loaded_plot(pilot)
        await pilot.press("f3")
        await no_blink(pilot)

    assert snap_compare(loaded(tmp_path), terminal_size=(80, 24), run_before=show_plot)


def test_keys_screen_fits_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(XlatApp(Session(tmp_path)), terminal_size=(80, 24), press=["f1"], run_before=no_blink)


def test_edit_box_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def edit(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("f2", "down", "e")
        pilot.app.screen.query_one("#edit-input").cursor_blink = False
        await pilot.pause()

    assert snap_compare(loaded(tmp_path), terminal_size=(80, 24), run_before=edit)


@pytest.mark.parametrize("pane", ["f2", "f3"])
def test_light_theme_at_80x24(snap_compare, tmp_path: Path, pane: str) -> None:  # type: ignore[no-untyped-def]
    """F6 switches to the light theme: the parameter table and the plot stay readable on white."""
    async def light(pilot) -> None:  # type: ignore[no-untyped-def]
        await show_loaded_plot(pilot)
        await pilot.press("f6", pane)
        await no_blink(pilot)
        assert pilot.app.theme == LIGHT

    assert snap_compare(loaded(tmp_path), terminal_size=(80, 24), run_before=light)
