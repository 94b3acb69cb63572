"""The interactive session: ``xlat`` with no arguments, or ``xlat repl [key=value ...]``.

A prompt_toolkit PromptSession reads a line (own input-history file, tab completion from
the registry); the line runs through the Executor in a worker thread while the main
thread waits, so Ctrl-C during a command sets the executor's CancelToken (the command
fails cleanly with "cancelled by the user" and the session keeps its state); Ctrl-C at
the prompt clears the line; Ctrl-D, ``quit`` or ``exit`` leave. Output goes through a
rich Console (:mod:`xlat.repl.output`); progress bars are drawn while no prompt is shown.

Every session journals its state-changing commands (default
``.xlat/journal/<time>.xlat``); ``resume=yes`` replays the latest journal first.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.input import Input
from prompt_toolkit.output import Output
from prompt_toolkit.styles import Style
from rich.console import Console

from xlat.commands.executor import Executor, Outcome
from xlat.commands.parse import build, parse_arguments
from xlat.commands.script import iter_script
from xlat.commands.spec import Command, arg
from xlat.errors import InputError, XlatError
from xlat.progress import NO_PROGRESS, Progress
from xlat.repl.completer import XlatCompleter
from xlat.repl.output import ConsoleLogHandler, Printer
from xlat.repl.paths import input_history_path, journal_folder, new_journal_path
from xlat.repl.prompt import PROMPT_STYLE, plain_prompt, prompt_message
from xlat.session.history import latest_journal
from xlat.session.results import FrontEndRequest, QuitRequest
from xlat.session.state import Session

POLL_S = 0.05
"""How often the waiting main thread wakes up (and can take a Ctrl-C), in seconds."""

FrontEnd = Callable[[Session, Executor, "Path | None"], None]
"""Opens another front-end on the REPL's session and executor (and its input-history file);
returns when that front-end ends. The shell entry (cli) supplies them, so that the REPL
never imports a sibling front-end."""


@dataclass(frozen=True)
class ReplOptions(Command):
    """Open the interactive session (also: xlat with no arguments)."""

    name = "repl"
    resume: str = arg("no", help="Replay a journal first: yes (the latest in .xlat/journal/), no, or a journal file")
    journal: str = arg("", kind="file", help="Journal file to append to (default .xlat/journal/<time>.xlat; no: none)")
    history: str = arg("", kind="file", help="Typed-input history file (default $XDG_STATE_HOME/xlat/input_history)")


def parse_options(argv: Sequence[str]) -> ReplOptions:
    """``key=value`` arguments of ``xlat repl``."""
    options = build(ReplOptions, parse_arguments(ReplOptions, list(argv)))
    assert isinstance(options, ReplOptions)
    return options


def _history(path: Path | None, printer: Printer) -> History:
    if path is None:
        return InMemoryHistory()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError as exc:
        printer.warning(f"{path}: cannot keep the input history ({exc.strerror or exc}); it lasts this session only")
        return InMemoryHistory()
    return FileHistory(str(path))


class Repl:
    """One interactive session: prompt, executor, printer."""

    def __init__(self, session: Session, console: Console, *, history_path: Path | None = None,
                 progress: Progress = NO_PROGRESS, input: Input | None = None, output: Output | None = None,
                 front_ends: Mapping[str, FrontEnd] | None = None) -> None:
        self.session = session
        self.history_path = history_path
        self.front_ends = dict(front_ends or {})
        self.printer = Printer(console, session)
        self.executor = Executor(session, progress=progress)
        self.executor.nested_listeners.append(self._on_nested)
        self._log_handler = ConsoleLogHandler(self.printer)
        logging.getLogger("xlat").addHandler(self._log_handler)
        self.prompt_session: PromptSession[str] = PromptSession(
            completer=XlatCompleter(session),
            history=_history(history_path, self.printer),
            auto_suggest=AutoSuggestFromHistory(),
            complete_while_typing=False,
            style=Style.from_dict(PROMPT_STYLE),
            input=input,
            output=output,
        )

    # -------------------------------------------------------------- start

    def start(self, options: ReplOptions) -> None:
        """Resume a journal if asked, then attach this session's journal."""
        journal_path = self._journal_path(options.journal)
        resumed_from = None
        if options.resume.lower() not in ("no", "n", "false", "0", "off", ""):
            resumed_from = self._resume_source(options.resume)
            if resumed_from is not None:
                self.resume(resumed_from)
        if journal_path is None:
            return
        self.session.attach_journal(journal_path)
        if resumed_from is not None and journal_path.resolve() != resumed_from.resolve():
            for text in self.session.history:
                self.session.journal.append(text)  # type: ignore[union-attr]
        self.printer.info(f"journal: {journal_path}", min_chatter=3, style="dim")

    def _journal_path(self, option: str) -> Path | None:
        if option.lower() in ("no", "none", "off"):
            return None
        return self.session.path(option) if option else new_journal_path(self.session.workdir)

    def _resume_source(self, option: str) -> Path | None:
        if option.lower() in ("yes", "y", "true", "1", "on", "latest"):
            found = latest_journal(journal_folder(self.session.workdir))
            if found is None:
                self.printer.warning(f"nothing to resume: no journal in {journal_folder(self.session.workdir)}")
            return found
        path = self.session.path(option)
        if not path.is_file():
            raise InputError(f"{path}: journal to resume not found")
        return path

    def resume(self, path: Path) -> None:
        """Replay a journal (a torn last line is dropped); stop at the first failing command."""
        count = 0
        try:
            for _, outcome in iter_script(self.executor, path, journal=True):
                count += outcome.ok
                if outcome.ok:  # a failing line stops the replay: reported once, below, with its line number
                    self.printer.outcome(outcome, nested=True, show_result=False)
        except XlatError as exc:
            self.printer.error(f"resume stopped: {exc}")
        self.printer.info(f"resumed {count} commands from {path}")

    # -------------------------------------------------------------- loop

    def loop(self) -> int:
        """Read and run lines until quit, exit or Ctrl-D; returns the exit code."""
        try:
            while True:
                try:
                    line = self.prompt_session.prompt(lambda: prompt_message(self.session))
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    break
                try:
                    if not self.handle(line):
                        break
                except KeyboardInterrupt:
                    self.printer.warning("interrupted")
        finally:
            self.close()
        return 0

    def close(self) -> None:
        """Close the output log and detach from logging (the session object stays usable)."""
        self.printer.close()
        logger = logging.getLogger("xlat")
        logger.removeHandler(self._log_handler)
        logger.setLevel(logging.NOTSET)

    def handle(self, line: str) -> bool:
        """Run one typed line and print its outcome; False when the session should end."""
        if not line.strip():
            return True
        self.printer.echo(plain_prompt(self.session), line)
        outcome = self.execute(line)
        # chatter 4 lets xlat's debug messages through to the terminal
        logging.getLogger("xlat").setLevel(logging.DEBUG if self.printer.chatter >= 4 else logging.NOTSET)
        if outcome is None:
            return True
        self.printer.outcome(outcome)
        if outcome.ok and isinstance(outcome.result, FrontEndRequest):
            self.switch(outcome.result.front_end)
        return not (outcome.ok and isinstance(outcome.result, QuitRequest))

    def switch(self, name: str) -> None:
        """Hand the session to another front-end (``tui``) and come back to the prompt afterwards."""
        opener = self.front_ends.get(name)
        if opener is None:
            self.printer.error(f"{name}: not available in this session")
            return
        try:
            opener(self.session, self.executor, self.history_path)
        except XlatError as exc:
            self.printer.error(str(exc))
        except Exception as exc:  # noqa: BLE001 - a broken front-end must not end the session
            logging.getLogger(__name__).error("internal error in the %s front-end", name, exc_info=exc)
            self.printer.error(f"internal error in the {name}: {type(exc).__name__}: {exc}")
        self.printer.info("back at the xlat prompt", style="dim")

    def execute(self, line: str) -> Outcome | None:
        """Run a line in a worker thread; Ctrl-C meanwhile cancels the command."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["outcome"] = self.executor.run_line(line)
            except BaseException as exc:  # noqa: BLE001 - reported below, never lost in the thread
                box["error"] = exc
            finally:
                done.set()

        self._wait(threading.Thread(target=work, name="xlat-command", daemon=True), done)
        if "error" in box:
            exc = box["error"]
            logging.getLogger(__name__).error("internal error running %r", line, exc_info=exc)
            return Outcome(text=line, command=None, ok=False, internal=True,
                           error=f"internal error: {type(exc).__name__}: {exc}")
        return box.get("outcome")

    def _wait(self, worker: threading.Thread, done: threading.Event) -> None:
        """Start the worker and wait for it; Ctrl-C (SIGINT) meanwhile cancels the command.

        A KeyboardInterrupt raised into a waiting thread can break the lock it waits on,
        so from before the worker starts until it ends SIGINT only sets a flag, which this
        loop turns into a cancellation (repeated, in case the executor reset the token as
        the command started).
        """
        interrupts = [0]

        def on_sigint(signum: int, frame: object) -> None:
            interrupts[0] += 1

        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGINT, on_sigint) if main else None
        try:
            worker.start()
            warned = False
            while not done.wait(POLL_S):
                if interrupts[0]:
                    self.executor.cancel.cancel()
                    if not warned:
                        self.printer.warning("cancelling: the command stops at its next check")
                        warned = True
        finally:
            if main:
                signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)

    def _on_nested(self, outcome: Outcome) -> None:
        self.printer.outcome(outcome, nested=True)


def _setup_logging(workdir: Path) -> None:
    """Send xlat's log (tracebacks of internal errors) to .xlat/xlat.log instead of the terminal."""
    folder = workdir / ".xlat"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(folder / "xlat.log", encoding="utf-8")
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("xlat")
    logger.addHandler(handler)
    logger.propagate = False


def run_repl(argv: Sequence[str] = (), front_ends: Mapping[str, FrontEnd] | None = None,
             session: Session | None = None) -> int:
    """Entry point of ``xlat repl``; returns the exit code. ``session``: continue that one (e.g. the demo's)."""
    from xlat.commands.help import command_help
    from xlat.render.progress import RichProgress

    if any(a in ("-h", "--help") for a in argv):
        print(command_help(ReplOptions))
        return 0
    try:
        options = parse_options(argv)
    except XlatError as exc:
        print(f"xlat {exc}" if str(exc).startswith("repl:") else f"xlat repl: {exc}", file=sys.stderr)
        return 1
    session = session if session is not None else Session()
    _setup_logging(session.workdir)
    console = Console(highlight=False)
    repl = Repl(session, console, history_path=None if options.history == "no" else
                (session.path(options.history) if options.history else input_history_path()),
                progress=RichProgress(console), front_ends=front_ends)
    try:
        repl.start(options)
    except XlatError as exc:
        print(f"xlat repl: {exc}", file=sys.stderr)
        return 1
    console.print("xlat: Fermi-LAT binned likelihood session. Type help, or quit to leave.", style="dim")
    return repl.loop()
