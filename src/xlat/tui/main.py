"""Entry points: ``xlat tui [FILE.xlat] [journal=FILE|no] [history=FILE|no]`` and the REPL's ``tui``.

:func:`run_tui` makes a Session, journals it like the REPL (``.xlat/journal/<time>.xlat``
unless ``journal=no``), replays the script when one is given (in the app, with a progress
bar), and runs the app. :func:`open_tui` runs the app on a session and executor that the
REPL already has: it swaps in the TUI's progress reporting for the time the app runs and
puts the REPL's back afterwards (see ``XlatApp.on_mount``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xlat.commands.executor import Executor
from xlat.commands.parse import build, parse_arguments
from xlat.commands.spec import Command, arg
from xlat.errors import InputError, ParameterError, XlatError
from xlat.session.paths import input_history_path, new_journal_path
from xlat.session.state import Session
from xlat.tui.history import InputHistory


@dataclass(frozen=True)
class TuiOptions(Command):
    """Open the full-screen terminal UI (replaying a session script first when one is given)."""

    name = "tui"
    script: str = arg("", kind="file", positional=True, help="Session script (.xlat) to replay first")
    journal: str = arg("", kind="file", help="Journal file to append to (default .xlat/journal/<time>.xlat; no: none)")
    history: str = arg("", kind="file", help="Typed-input history file (default $XDG_STATE_HOME/xlat/input_history)")


def parse_options(argv: Sequence[str]) -> TuiOptions:
    options = build(TuiOptions, parse_arguments(TuiOptions, list(argv)))
    assert isinstance(options, TuiOptions)
    return options


def _off(value: str) -> bool:
    return value.lower() in ("no", "none", "off")


def _setup_logging(workdir: Path) -> None:
    """Tracebacks of internal errors go to .xlat/xlat.log, never to the screen."""
    try:
        (workdir / ".xlat").mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(workdir / ".xlat" / "xlat.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("xlat")
    logger.addHandler(handler)
    logger.propagate = False


def make_app(session: Session, executor: Executor | None = None, *, script: Path | None = None,
             history_path: Path | None = None):  # type: ignore[no-untyped-def]
    """The app (imported here so that ``xlat --help`` never loads Textual)."""
    from xlat.tui.app import XlatApp

    return XlatApp(session, executor, script=script, history=InputHistory(history_path))


def open_tui(session: Session, executor: Executor, history_path: Path | None = None) -> None:
    """Run the TUI on an existing session and executor (the REPL's ``tui``); returns when it is quit."""
    make_app(session, executor, history_path=history_path or input_history_path()).run()


def run_tui(argv: Sequence[str] = ()) -> int:
    """Entry point of ``xlat tui``; returns the exit code."""
    from xlat.commands.help import command_help

    if any(a in ("-h", "--help") for a in argv):
        print(command_help(TuiOptions))
        return 0
    try:
        options = parse_options(argv)
        session = Session()
        script = session.path(options.script) if options.script else None
        if script is not None and not script.is_file():
            key, sep, _ = options.script.partition("=")
            if sep:  # a mistyped key=value lands in the positional script argument
                raise ParameterError(f"tui: unknown parameter '{key}'; known: script, journal, history")
            raise InputError(f"{script}: script not found")
    except XlatError as exc:
        print(f"xlat {exc}" if str(exc).startswith("tui:") else f"xlat tui: {exc}", file=sys.stderr)
        return 1
    _setup_logging(session.workdir)
    if not _off(options.journal):
        session.attach_journal(session.path(options.journal) if options.journal else new_journal_path(session.workdir))
    history = None if _off(options.history) else (session.path(options.history) if options.history
                                                   else input_history_path())
    make_app(session, Executor(session), script=script, history_path=history).run()
    return 0
