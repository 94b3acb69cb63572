"""The typed-input history of the command line: what was typed, typos included.

It is the REPL's file (``$XDG_STATE_HOME/xlat/input_history``) in the same format as
prompt_toolkit's ``FileHistory`` (each entry a ``# time`` line then ``+``-prefixed lines),
so lines typed in the REPL come back with the up arrow in the TUI and the other way round.
It is separate from the session journal, which records only the state-changing commands.
"""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

log = logging.getLogger(__name__)

MAX_ENTRIES = 1000
"""Entries kept in memory (the file keeps everything)."""


def read_entries(path: Path) -> list[str]:
    """The entries of a history file, oldest first (empty when the file is missing)."""
    try:
        raw = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return []
    entries: list[str] = []
    lines: list[str] = []
    for line in raw.splitlines(keepends=True):
        if line.startswith("+"):
            lines.append(line[1:])
        else:
            if lines:
                entries.append("".join(lines).removesuffix("\n"))
            lines = []
    if lines:
        entries.append("".join(lines).removesuffix("\n"))
    return entries


class InputHistory:
    """Entries in memory plus an optional file they are appended to; up/down navigation."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: list[str] = read_entries(path)[-MAX_ENTRIES:] if path is not None else []
        self._index = len(self.entries)
        self._draft = ""

    def append(self, line: str) -> None:
        """Remember a submitted line (a repeat of the last entry is not stored again)."""
        self.reset()
        if not line.strip() or (self.entries and self.entries[-1] == line):
            return
        self.entries.append(line)
        self._index = len(self.entries)
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "ab") as f:
                body = "".join(f"+{part}\n" for part in line.split("\n"))
                f.write(f"\n# {datetime.datetime.now()}\n{body}".encode("utf-8", errors="replace"))
        except OSError as exc:
            log.warning("%s: cannot keep the input history (%s)", self.path, exc)
            self.path = None

    def reset(self) -> None:
        """Start navigating from the newest entry again."""
        self._index = len(self.entries)
        self._draft = ""

    def previous(self, current: str) -> str | None:
        """The entry before the current one (``current`` is kept as the draft); None at the oldest."""
        if self._index == len(self.entries):
            self._draft = current
        if self._index == 0:
            return None
        self._index -= 1
        return self.entries[self._index]

    def next(self) -> str | None:
        """The entry after the current one, the draft after the newest; None when already there."""
        if self._index >= len(self.entries):
            return None
        self._index += 1
        return self.entries[self._index] if self._index < len(self.entries) else self._draft

    def suggest(self, prefix: str) -> str | None:
        """The newest entry that starts with ``prefix`` and is longer (for inline suggestions)."""
        if not prefix:
            return None
        for entry in reversed(self.entries):
            if entry.startswith(prefix) and len(entry) > len(prefix) and "\n" not in entry:
                return entry
        return None
