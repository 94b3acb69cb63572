"""The only caller of ``Command.run``: one command at a time, timed, errors captured.

Every front-end (shell, REPL, TUI, script replay) goes through :class:`Executor`. A command
that defines ``resolve(session) -> Command`` is resolved first (parameter numbers become
stable ``source:param`` names), so the recorded text never depends on the numbering. It
turns an :class:`~xlat.errors.XlatError` into a failed :class:`Outcome`, collects
:class:`~xlat.errors.XlatWarning` warnings, and appends the canonical text of a
successful state-changing command to the session history.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xlat.commands.parse import format_command, parse_line, parse_tokens
from xlat.commands.spec import Command
from xlat.errors import XlatError, XlatWarning
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress
from xlat.session.state import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What running one command produced."""

    text: str
    command: Command | None
    ok: bool
    result: Any = None
    error: str | None = None
    warnings: tuple[str, ...] = ()
    elapsed_s: float = 0.0
    internal: bool = False


@dataclass
class Executor:
    """Runs commands on one session, serialised by a lock."""

    session: Session
    progress: Progress = NO_PROGRESS
    cancel: CancelToken = field(default_factory=CancelToken)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    nested_listeners: list[Callable[[Outcome], None]] = field(default_factory=list)
    _depth: int = field(default=0, repr=False)

    def run_line(self, line: str, notify: bool = True) -> Outcome | None:
        """Parse and run one line; ``None`` for a blank or comment line.

        ``notify=False``: a nested outcome is not passed to the listeners (the caller reports it,
        as the script runner does with the file and line number).
        """
        try:
            cmd = parse_line(line)
        except XlatError as exc:
            outcome = Outcome(text=line, command=None, ok=False, error=str(exc))
            if notify:
                self.notify(outcome)
            return outcome
        if cmd is None:
            return None
        return self.run(cmd, notify)

    def notify(self, outcome: Outcome) -> None:
        """Pass the outcome of a nested command (run by another command) to the listeners."""
        if self._depth > 0:
            for listener in self.nested_listeners:
                listener(outcome)

    def run_tokens(self, tokens: list[str]) -> Outcome:
        try:
            cmd = parse_tokens(tokens)
        except XlatError as exc:
            return Outcome(text=" ".join(tokens), command=None, ok=False, error=str(exc))
        return self.run(cmd)

    def run(self, cmd: Command, notify: bool = True) -> Outcome:
        with self._lock:
            resolve = getattr(cmd, "resolve", None)
            if resolve is not None:  # names for numbers, before the text is recorded
                try:
                    cmd = resolve(self.session)
                except XlatError as exc:
                    outcome = Outcome(text=format_command(cmd), command=cmd, ok=False, error=str(exc))
                    if notify:
                        self.notify(outcome)
                    return outcome
            return self._run(cmd, notify)

    def _run(self, cmd: Command, notify: bool = True) -> Outcome:
        text = format_command(cmd)
        with self._lock:
            outer = self._depth == 0
            self._depth += 1
            if outer:
                self.cancel.reset()
                self.session.progress = self.progress
                self.session.cancel = self.cancel
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", XlatWarning)
                try:
                    runner = getattr(cmd, "run_in_executor", None)
                    result = runner(self) if runner is not None else cmd.run(self.session)
                    ok, error, internal = True, None, False
                except XlatError as exc:
                    result, ok, error, internal = None, False, str(exc), False
                except KeyboardInterrupt:
                    result, ok, error, internal = None, False, "cancelled by the user", False
                except Exception as exc:  # noqa: BLE001 - the executor is the last line of defence
                    log.error("internal error in %r:\n%s", text, traceback.format_exc())
                    result, ok, internal = None, False, True
                    error = f"internal error: {type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - start
            self._depth -= 1
            if outer:
                self.session.progress = NO_PROGRESS
                self.session.cancel = NEVER_CANCEL
            messages = tuple(str(w.message) for w in caught if issubclass(w.category, XlatWarning))
            for w in caught:
                if not issubclass(w.category, XlatWarning):
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if ok and cmd.changes_state():
                self.session.record(text)
            outcome = Outcome(
                text=text,
                command=cmd,
                ok=ok,
                result=result,
                error=error,
                warnings=messages,
                elapsed_s=elapsed,
                internal=internal,
            )
            if notify:
                self.notify(outcome)
            return outcome
