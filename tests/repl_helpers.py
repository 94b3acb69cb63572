"""Helpers for the REPL tests: a captured rich console and a typist feeding prompt_toolkit's pipe input."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Callable
from typing import Any

from prompt_toolkit.input import create_pipe_input
from rich.console import Console

from xlat.repl.app import Repl


def make_console() -> tuple[Console, io.StringIO]:
    """A 100x30 console without colour, writing into the returned buffer."""
    out = io.StringIO()
    return Console(file=out, width=100, height=30, color_system=None, force_terminal=False), out


def drive(repl_factory: Callable[[Console, Any], Repl], steps: list[str | float]) -> tuple[int, str, Repl]:
    """Run the REPL in this thread while another thread types ``steps`` (floats are pauses, s)."""
    console, out = make_console()
    with create_pipe_input() as pipe:
        repl = repl_factory(console, pipe)

        def typist() -> None:
            for step in steps:
                if isinstance(step, float):
                    time.sleep(step)
                else:
                    pipe.send_text(step)
            time.sleep(0.2)
            pipe.send_text("\x04")  # Ctrl-D ends the session if the steps did not

        feeder = threading.Thread(target=typist, daemon=True)
        feeder.start()
        code = repl.loop()
        feeder.join(5)
    return code, out.getvalue(), repl
