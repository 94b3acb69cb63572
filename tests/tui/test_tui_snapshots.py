"""How the TUI looks at 80 x 24 (one pane at a time) and 120 x 40 (all panes): SVG snapshots.

Regenerate after a deliberate change with ``pytest tests/tui --snapshot-update`` and review
the SVGs in the diff. The cursor blink is off so that the pictures are stable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import model_session

from xlat.session.results import SpectrumPlotData
from xlat.session.state import Session
from xlat.tui.app import XlatApp

pytestmark = pytest.mark.tui

SPECTRUM = SpectrumPlotData([200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0, 12800.0],
                            [310, 180, 95, 41, 18, 6], [300.0, 185.0, 92.0, 43.0, 17.0, 6.5],
                            {"Crab": [120.0, 80.0, 50.0, 25.0, 12.0, 5.0], "iso": [180.0, 105.0, 42.0, 18.0, 5.0, 1.5]},
                            title="Counts spectrum")


async def no_blink(pilot) -> None:  # type: ignore[no-untyped-def]
    pilot.app.command_input.cursor_blink = False
    await pilot.pause()


def loaded(tmp_path: Path) -> XlatApp:
    app = XlatApp(model_session(tmp_path))
    return app


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_empty_app(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(XlatApp(Session(tmp_path)), terminal_size=size, run_before=no_blink)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_loaded_session(snap_compare, tmp_path: Path, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def show_plot(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.plot_pane.show(SPECTRUM, command="plot spectrum")
        await no_blink(pilot)

    assert snap_compare(loaded(tmp_path), terminal_size=size, run_before=show_plot)


def test_plot_pane_at_80x24(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    async def show_plot(pilot) -> None:  # type: ignore[no-untyped-def]
        pilot.app.plot_pane.show(SPECTRUM, command="plot spectrum")
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
