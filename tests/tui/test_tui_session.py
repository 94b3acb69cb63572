"""The TUI over the XSPEC-style session on real data: load, freeze and edit with keys, fit with a key,
the table, the log, the status line and the plot; the journal and a saved script that replays to the
same numbers.

Inputs: fermitools2026-crab1day (MANIFEST §9): srcmaps_nogal (today's gtsrcmaps: the 853-count
cube, the Crab and the isotropic maps) and model_nogal.xml with its FileFunction pointed at set 1's
iso_P8R2_SOURCE_V6_v06.txt.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import require_shared
from tui_helpers import log_words, settle, type_line

from xlat.commands.executor import Executor
from xlat.commands.script import run_script
from xlat.session.results import SpectrumPlotData
from xlat.session.state import Session
from xlat.tui.app import XlatApp
from xlat.tui.widgets.params_table import ParamsTable

pytestmark = pytest.mark.tui

# model_nogal.xml in file order: the isotropic source, then the Crab (PowerLaw2)
ROWS = ["Extragal_diffuse:Normalization", "Crab:Integral", "Crab:Index", "Crab:LowerLimit", "Crab:UpperLimit"]


def crab_files(folder: Path) -> Path:
    """Writes crab.xml into ``folder``; returns the srcmaps file."""
    iso = require_shared("gammalib-p8r2-crab1day", "iso_P8R2_SOURCE_V6_v06.txt")
    text = require_shared("fermitools2026-crab1day", "model_nogal.xml").read_text(encoding="utf-8")
    (folder / "crab.xml").write_text(text.replace('file="iso_P8R2_SOURCE_V6_v06.txt"', f'file="{iso}"'),
                                     encoding="utf-8")
    return require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")


def values(session: Session) -> dict[str, tuple[float, float | None, bool]]:
    model = session.model
    assert model is not None
    return {n: (model.parameter(n).value, model.parameter(n).error, model.parameter(n).free)
            for n in model.parameter_names()}


async def test_keys_freeze_edit_and_fit_then_the_saved_script_replays_to_the_same_numbers(tmp_path: Path) -> None:
    srcmaps = crab_files(tmp_path)
    session = Session(tmp_path)
    session.attach_journal(tmp_path / "journal.xlat")
    app = XlatApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "model crab.xml")
        await type_line(pilot, app, f"data cmap={srcmaps}")
        await pilot.press("f2")
        table = app.params_pane.table
        assert isinstance(app.focused, ParamsTable) and [r.reference for r in app.params_pane.shown] == ROWS
        await pilot.press("down", "down", "space")  # Crab:Index: free -> fixed
        await settle(pilot, app)
        assert table.get_cell("Crab:Index", "status") == "fixed"
        await pilot.press("e")
        app.screen.query_one("#edit-input").value = "-2.2"
        await pilot.press("enter")
        await settle(pilot, app)
        assert table.get_cell("Crab:Index", "value") == "-2.2"
        assert str(app.query_one("#fit-status").render()) == "no fit"
        await pilot.press("f")  # fit
        await settle(pilot, app)
        fit = session.fit_result
        assert fit is not None and fit.ok
        # the table shows the fitted values and errors of the free parameters
        integral = session.model.parameter("Crab:Integral")
        assert table.get_cell("Crab:Integral", "value") == f"{integral.value:.5g}"
        assert table.get_cell("Crab:Integral", "error") == f"{integral.error:.3g}" and integral.error > 0
        assert table.get_cell("Crab:Index", "error") == "" and table.get_cell("Crab:Index", "value") == "-2.2"
        # the status line: -logL and the counts (853 observed: MANIFEST §9) of that fit
        status = str(app.query_one("#fit-status").render())
        npred = sum(fit.npred.values())
        assert status.startswith(f"-logL {fit.minus_log_likelihood:.3f} | converged | counts 853 / model {npred:.1f}"
                                 " | fit ")
        # the plot pane was redrawn after the fit by 'plot spectrum' (canonical text 'plot'; not journalled)
        assert isinstance(app.plot_pane.record, SpectrumPlotData) and app.plot_pane.command == "plot"
        assert sum(app.plot_pane.record.counts) == 853
        await pilot.press("f4")
        text = log_words(app)
        assert "xlat> freeze Crab:Index [key]" in text and "xlat> newpar Crab:Index -2.2 [key]" in text
        assert "xlat> fit [key]" in text and f"-log(Likelihood): {fit.minus_log_likelihood:.6f}" in text
        await type_line(pilot, app, "save session from_tui")
    canonical = ["model crab.xml", f"data cmap={srcmaps}", "freeze Crab:Index", "newpar Crab:Index -2.2", "fit"]
    assert session.history == canonical
    assert session.journal is not None and session.journal.commands() == canonical
    # a fresh session replays the saved script to the same numbers (same commands, same data: exact)
    fresh = Session(tmp_path)
    outcomes = run_script(Executor(fresh), tmp_path / "sessions" / "from_tui.xlat")
    assert all(o.ok for o in outcomes) and len(outcomes) == len(canonical)
    assert fresh.fit_result.minus_log_likelihood == fit.minus_log_likelihood
    assert values(fresh) == values(session)


async def test_undo_key_takes_back_a_key_action(tmp_path: Path) -> None:
    srcmaps = crab_files(tmp_path)
    session = Session(tmp_path)
    Executor(session).run_line("model crab.xml")
    app = XlatApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2", "space")  # Extragal_diffuse:Normalization: free -> fixed
        await settle(pilot, app)
        assert app.params_pane.table.get_cell(ROWS[0], "status") == "fixed"
        await pilot.press("u")
        await settle(pilot, app)
        assert app.params_pane.table.get_cell(ROWS[0], "status") == "free"
    assert session.history == ["model crab.xml"] and srcmaps.exists()


async def test_typed_plot_commands_fill_the_plot_pane(tmp_path: Path) -> None:
    srcmaps = crab_files(tmp_path)
    session = Session(tmp_path)
    executor = Executor(session)
    executor.run_line("model crab.xml")
    executor.run_line(f"data cmap={srcmaps}")
    app = XlatApp(session, executor)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, "plot counts")
        assert app.pane == "plot" and app.plot_pane.record.kind == "counts"
        await type_line(pilot, app, "fit")
        # after a fit the pane draws the last plot command again: the counts map, not the spectrum
        assert app.plot_command == "plot counts" and app.plot_pane.record.kind == "counts"
        assert "error" not in str(app.plot_pane.render()).lower()


async def test_after_like_the_plot_pane_and_status_show_its_fit(tmp_path: Path) -> None:
    """gtlike's step fits a model of its own; the plot pane is redrawn with that fit (no session model)."""
    srcmaps = crab_files(tmp_path)
    session = Session(tmp_path)
    app = XlatApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_line(pilot, app, f"like cmap={srcmaps} srcmdl=crab.xml save=no")
        analysis = session.products["analysis"]
        record = app.plot_pane.record
        assert isinstance(record, SpectrumPlotData) and app.plot_pane.command == "plot"
        assert list(record.model_total) == list(analysis.counts_spectrum().model_total)
        status = str(app.query_one("#fit-status").render())
        assert status.startswith(f"-logL {-analysis.log_like():.3f} | converged | counts 853 / model ")
