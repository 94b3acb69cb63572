"""The TUI on real data: gtlike's fit (``like``) from the command line, the status line, the table,
and cancelling a running fit.

Inputs: fermitools2026-crab1day (MANIFEST §9): srcmaps_nogal (today's gtsrcmaps: Crab + isotropic,
with the 853-count cube as primary HDU) and model_nogal.xml, whose FileFunction is pointed at
set 1's iso_P8R2_SOURCE_V6_v06.txt (as MANIFEST §9 says).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from conftest import require_shared
from tui_helpers import log_words, type_line

from xlat.commands.parse import format_command, parse_line
from xlat.session.state import Session
from xlat.tui.app import XlatApp

pytestmark = pytest.mark.tui


@pytest.fixture
def crab(tmp_path: Path) -> Path:
    """tmp_path with model.xml (model_nogal.xml, isotropic table path made absolute)."""
    iso = require_shared("gammalib-p8r2-crab1day", "iso_P8R2_SOURCE_V6_v06.txt")
    text = require_shared("fermitools2026-crab1day", "model_nogal.xml").read_text(encoding="utf-8")
    (tmp_path / "model.xml").write_text(text.replace('file="iso_P8R2_SOURCE_V6_v06.txt"', f'file="{iso}"'),
                                        encoding="utf-8")
    return tmp_path


def like_line() -> str:
    maps = require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")
    return f"like cmap={maps} srcmdl=model.xml save=no"


async def test_like_fit_fills_the_status_line_and_the_table(crab: Path) -> None:
    app = XlatApp(Session(crab))
    async with app.run_test(size=(80, 24)) as pilot:
        assert str(app.query_one("#fit-status").render()) == "no fit"
        await type_line(pilot, app, like_line())
        analysis = app.session.products["analysis"]
        fit = analysis.fit_result
        status = str(app.query_one("#fit-status").render())
        # the status line shows what the fit record holds (closure with the like report in the log)
        assert status.startswith(f"-logL {fit.neg_log_like:.3f} | converged | counts 853 / model ")
        assert f"/ model {analysis.npred():.1f} | fit " in status
        assert app.status_bar.timing is not None and app.status_bar.timing.elapsed_s > 0
        text = log_words(app)
        assert f"-log(Likelihood): {fit.neg_log_like:.6f}" in text and "Total number of observed counts: 853" in text
        await pilot.press("f2")
        table = app.params_pane.table
        index = analysis.parameter("Crab:Index")
        assert table.get_cell("Crab:Index", "value") == f"{index.value:.5g}"
        assert table.get_cell("Crab:Index", "error") == f"{index.error:.3g}" and index.error > 0
        assert table.get_cell("Crab:LowerLimit", "status") == "fixed"
    assert app.session.history == [format_command(parse_line(like_line()))]  # canonical text, not as typed


async def test_a_running_fit_can_be_cancelled(crab: Path) -> None:
    app = XlatApp(Session(crab))

    def press_ctrl_c_once_running() -> None:
        # Pilot's press waits for the app to be idle, which it is not while the progress bar
        # moves, so the key comes from this thread, through the app's own key handling
        deadline = time.monotonic() + 20
        while not app.busy and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)
        app.call_from_thread(app.simulate_key, "ctrl+c")

    async with app.run_test(size=(80, 24)) as pilot:
        presser = threading.Thread(target=press_ctrl_c_once_running, daemon=True)
        presser.start()
        await type_line(pilot, app, like_line())
        presser.join(5)
        assert not app.busy and not app.command_input.disabled
        assert "error: cancelled by the user" in log_words(app)
        assert str(app.query_one("#fit-status").render()) == "no fit"
    assert "analysis" not in app.session.products and app.session.history == []
