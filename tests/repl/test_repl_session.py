"""The REPL with the real session commands: model, tab-completed freeze, fit, the -logL prompt, undo."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from rich.console import Console

from conftest import require_shared
from xlat.commands import load_builtin
from xlat.repl.app import Repl
from xlat.repl.prompt import status_text
from xlat.session.state import Session

load_builtin()


def drive(session: Session, steps: list[str | float]) -> tuple[str, Repl]:
    out = io.StringIO()
    console = Console(file=out, width=100, height=30, color_system=None, force_terminal=False)
    with create_pipe_input() as pipe:
        repl = Repl(session, console, input=pipe, output=DummyOutput(),
                    history_path=session.workdir / "state" / "input_history")

        def typist() -> None:
            for step in steps:
                if isinstance(step, float):
                    time.sleep(step)
                else:
                    pipe.send_text(step)
            time.sleep(0.2)
            pipe.send_text("\x04")

        feeder = threading.Thread(target=typist, daemon=True)
        feeder.start()
        repl.loop()
        feeder.join(5)
    return out.getvalue(), repl


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
