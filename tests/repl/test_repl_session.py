"""The REPL with the real session commands: model, tab-completed freeze, fit, the -logL prompt, undo."""

from __future__ import annotations

from pathlib import Path

from conftest import require_shared
from prompt_toolkit.output import DummyOutput
from repl_helpers import drive as drive_repl

from xlat.commands import load_builtin
from xlat.repl.app import Repl
from xlat.repl.prompt import status_text
from xlat.session.state import Session

load_builtin()


def drive(session: Session, steps: list[str | float]) -> tuple[str, Repl]:
    """The REPL on ``session`` with ``steps`` typed (repl_helpers.drive); its output and the REPL."""
    def factory(console, pipe) -> Repl:  # type: ignore[no-untyped-def]
        return Repl(session, console, input=pipe, output=DummyOutput(),
                    history_path=session.workdir / "state" / "input_history")

    _, text, repl = drive_repl(factory, steps)
    return text, repl


def test_fit_session_in_the_repl(tmp_path: Path) -> None:
    srcmaps = require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")
    text = require_shared("fermitools2026-crab1day", "model_nogal.xml").read_text()
    iso = require_shared("gammalib-p8r2-crab1day", "iso_P8R2_SOURCE_V6_v06.txt")
    (tmp_path / "crab.xml").write_text(text.replace('file="iso_P8R2_SOURCE_V6_v06.txt"', f'file="{iso}"'))
    steps = ["model crab.xml\r", f"data cmap={srcmaps}\r", 1.0, "freeze Cr", "\t", 1.0, "Ind", "\t", 1.0, "\r",
             "fit\r", 0.5, "undo\r", "thaw 3\r", "quit\r"]
    out, repl = drive(Session(tmp_path), steps)
    assert "froze 1 parameter: Crab:Index" in out
    assert "-log(Likelihood): " in out and "Crab:\nIntegral: " in out
    assert "undid fit" in out
    assert repl.session.history == ["model crab.xml", f"data cmap={srcmaps}", "freeze Crab:Index", "thaw Crab:Index"]
    assert status_text(repl.session) == ""  # the fit was undone
