"""Messages the worker thread posts to the app (the only way it talks to the widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from xlat.commands.executor import Outcome


@dataclass
class CommandFinished(Message):
    """A command line ran; ``plot`` is the outcome of the plot redrawn after it (or None)."""

    line: str
    outcome: Outcome | None
    origin: str = "typed"
    plot: Outcome | None = None


@dataclass
class NestedOutcome(Message):
    """One command of a script (``run FILE``) or of the replay at start-up finished."""

    outcome: Outcome


@dataclass
class ReplayFinished(Message):
    """The start-up replay of a script ended: ``count`` commands ran; ``error`` if it stopped early."""

    path: str
    count: int
    error: str | None = None
    plot: Outcome | None = None


@dataclass
class ProgressChanged(Message):
    """A progress task started, advanced or closed (``total`` None: unknown length)."""

    task_id: int
    description: str
    total: float | None
    completed: float
    done: bool = False


@dataclass
class RunWorkerFailed(Message):
    """The worker itself failed (a bug): reported like an internal error."""

    line: str
    error: Any


@dataclass
class LogLine(Message):
    """One of xlat's log records (debug messages, internal errors), shown at chatter 4."""

    text: str
