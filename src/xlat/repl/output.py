"""How the REPL prints outcomes: results via render, errors as one red line, warnings in yellow.

What is shown follows ``session.display.chatter`` (0 errors only, 1 results and warnings,
2 normal, 3 timings and the text of each replayed command, 4 debug). When
``session.display.log_path`` is set (the ``log FILE`` command) every command typed and
everything printed for it is also appended to that file as plain text.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import IO, Any

from rich.console import Console, RenderableType
from rich.text import Text

from xlat.commands.executor import Outcome
from xlat.render.console import to_renderable
from xlat.render.context import RenderContext
from xlat.session.state import Session

log = logging.getLogger(__name__)

LOG_WIDTH = 100
"""Width of the plain-text output log (plots in it are drawn at this width)."""


class Printer:
    """Prints outcomes on a rich Console and copies them to the session's output log."""

    def __init__(self, console: Console, session: Session) -> None:
        self.console = console
        self.session = session
        self._log_path: Path | None = None
        self._log_file: IO[str] | None = None
        self._log_console: Console | None = None

    # -------------------------------------------------------------- context

    @property
    def chatter(self) -> int:
        return self.session.display.chatter

    def context(self) -> RenderContext:
        """Render context of the terminal: its size (minus the prompt line), colour, chatter."""
        width, height = self.console.size
        color = self.console.is_terminal and self.console.color_system is not None
        return RenderContext(width=max(40, width), height=max(12, height - 2), color=color, chatter=self.chatter)

    # -------------------------------------------------------------- output

    def _sync_log(self) -> Console | None:
        wanted = self.session.display.log_path
        if wanted != self._log_path:
            self.close()
            if wanted is not None:
                try:
                    self._log_file = open(wanted, "a", encoding="utf-8")  # noqa: SIM115 - kept open while logging
                except OSError as exc:
                    self.session.display.log_path = None
                    self.console.print(Text(f"error: {wanted}: cannot write the output log ({exc})", style="red"))
                    return None
                self._log_console = Console(file=self._log_file, width=LOG_WIDTH, color_system=None,
                                            force_terminal=False, no_color=True, highlight=False, emoji=False)
            self._log_path = wanted
        return self._log_console

    def print(self, renderable: RenderableType, logged: RenderableType | None = None) -> None:
        """Print on the terminal and copy to the output log (``logged`` if given)."""
        self.console.print(renderable)
        log_console = self._sync_log()
        if log_console is not None:
            log_console.print(logged if logged is not None else renderable)
            if self._log_file is not None:
                self._log_file.flush()

    def echo(self, prompt: str, line: str) -> None:
        """Record a typed line in the output log (the terminal already shows it)."""
        log_console = self._sync_log()
        if log_console is not None:
            log_console.print(Text(prompt + line))

    def error(self, message: str) -> None:
        self.print(Text(f"error: {message}", style="bold red"))

    def warning(self, message: str) -> None:
        if self.chatter >= 1:
            self.print(Text(f"warning: {message}", style="yellow"))

    def info(self, message: str, min_chatter: int = 2, style: str = "") -> None:
        if self.chatter >= min_chatter:
            self.print(Text(message, style=style))

    def result(self, result: Any) -> None:
        """Render one result record for the terminal (and plainly for the output log)."""
        if result is None or self.chatter < 1:
            return
        ctx = self.context()
        try:
            shown = to_renderable(result, ctx)
            logged = to_renderable(result, RenderContext(width=LOG_WIDTH, height=ctx.height, color=False,
                                                         chatter=ctx.chatter)) if self._log_wanted() else None
        except Exception as exc:  # noqa: BLE001 - a broken renderer must not end the session
            log.error("cannot render %s", type(result).__name__, exc_info=True)
            self.error(f"internal error: cannot show the {type(result).__name__} result: {exc}")
            return
        if shown is not None:
            self.print(shown, logged)

    def _log_wanted(self) -> bool:
        return self.session.display.log_path is not None

    def outcome(self, outcome: Outcome, nested: bool = False, show_result: bool = True) -> None:
        """Print warnings, then the result or the error of one command."""
        if nested and self.chatter >= 3:
            self.print(Text(f"> {outcome.text}", style="dim"))
        for message in outcome.warnings:
            self.warning(message)
        if not outcome.ok:
            where = f" [{outcome.text}]" if nested else ""
            self.error(f"{outcome.error}{where}")
            return
        if show_result:
            self.result(outcome.result)
        if self.chatter >= 3:
            self.print(Text(f"({outcome.elapsed_s:.3f} s)", style="dim"))

    def close(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
        self._log_file = None
        self._log_console = None
        self._log_path = None


class ConsoleLogHandler(logging.Handler):
    """Shows xlat's log records (debug messages, tracebacks of internal errors) at chatter 4."""

    def __init__(self, printer: Printer) -> None:
        super().__init__(logging.DEBUG)
        self.printer = printer
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if self.printer.chatter < 4:
            return
        try:
            self.printer.print(Text(self.format(record), style="dim"))
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)
