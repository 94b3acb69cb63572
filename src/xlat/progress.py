"""Progress reporting and cancellation seams for long work.

The numeric core and the session accept a :class:`Progress` and a :class:`CancelToken`
so that long loops can report and stop without knowing about rich or Textual.
Front-ends provide real implementations; the defaults do nothing.
"""

from __future__ import annotations

import threading
from typing import Protocol

from xlat.errors import Cancelled


class ProgressTask(Protocol):
    """One bar: advance it as work completes, close it when done."""

    def advance(self, amount: float = 1.0) -> None: ...

    def close(self) -> None: ...


class Progress(Protocol):
    """Factory of progress tasks."""

    def task(self, description: str, total: float | None = None) -> ProgressTask: ...


class _NullTask:
    def advance(self, amount: float = 1.0) -> None:
        return None

    def close(self) -> None:
        return None

    def __enter__(self) -> _NullTask:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NullProgress:
    """A Progress that reports nothing."""

    def task(self, description: str, total: float | None = None) -> _NullTask:
        return _NullTask()


NO_PROGRESS = NullProgress()


class CancelToken:
    """A flag that a front-end sets and long work checks between chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def reset(self) -> None:
        self._event.clear()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if cancellation was requested."""
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


class _NeverCancel(CancelToken):
    def cancel(self) -> None:  # the shared default token can never be set
        return None


NEVER_CANCEL: CancelToken = _NeverCancel()
