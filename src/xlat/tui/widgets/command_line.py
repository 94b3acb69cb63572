"""The command input: completion from the command registry, typed-input history, suggestions.

* Tab completes from :func:`xlat.commands.complete.complete` (commands, ``key=`` names,
  choices, files, sources, quoted ``source:param`` names): one candidate is inserted; with
  several, the common prefix is inserted and the candidates are listed in the hint line,
  and further Tabs cycle through them (shift+tab backwards).
* Up / down walk the typed-input history (:class:`~xlat.tui.history.InputHistory`).
* The grey inline suggestion is the newest history entry extending what is typed, else the
  only completion; the right arrow (or End) accepts it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

from xlat.commands.complete import Completion, complete
from xlat.commands.spec import REGISTRY
from xlat.tui.history import InputHistory

_OPEN_ENDINGS = ("/", ":", "=")


def apply_completion(line: str, cursor: int, cand: Completion) -> tuple[str, int]:
    """The line and cursor after inserting ``cand``; a finished word gets a trailing space."""
    text = cand.text
    finished = not text.endswith(_OPEN_ENDINGS) and not (text[:1] in "'\"" and not text.endswith(text[:1]))
    rest = line[cursor:]
    if finished and not rest.startswith(" "):
        text += " "
    return line[: cand.start] + text + rest, cand.start + len(text)


def common_prefix(cands: list[Completion]) -> str:
    return os.path.commonprefix([c.text for c in cands]) if cands else ""


class XlatSuggester(Suggester):
    """Inline suggestion: history first, then a single completion candidate."""

    def __init__(self, owner: CommandInput) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.owner = owner

    async def get_suggestion(self, value: str) -> str | None:
        if not value.strip():
            return None
        found = self.owner.history.suggest(value)
        if found is not None:
            return found
        cands = self.owner.candidates(value, len(value))
        if len(cands) == 1:
            line, _ = apply_completion(value, len(value), cands[0])
            return line.rstrip() if len(line.rstrip()) > len(value) else None
        return None


class CommandInput(Input):
    """The one-line command input of the TUI."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete(1)", "Complete", show=False, priority=True),
        Binding("shift+tab", "complete(-1)", "Complete backwards", show=False, priority=True),
        Binding("up", "history(-1)", "Previous command", show=False),
        Binding("down", "history(1)", "Next command", show=False),
    ]

    @dataclass
    class Hints(Message):
        """Completion candidates to list (empty: hide the list); ``selected`` is highlighted."""

        candidates: list[Completion]
        selected: int = -1

    def __init__(self, session: Any, history: InputHistory, **kwargs: Any) -> None:
        super().__init__(placeholder="type a command (help, Tab completes, F1 keys)", **kwargs)
        self.session = session
        self.history = history
        self.suggester = XlatSuggester(self)
        self._cycle: list[Completion] = []
        self._cycle_index = -1
        self._cycle_base: tuple[str, int] = ("", 0)
        self._applying = False

    def candidates(self, line: str, cursor: int) -> list[Completion]:
        return complete(line, cursor, REGISTRY, self.session)

    # ------------------------------------------------------------ completion

    def action_complete(self, step: int = 1) -> None:
        if self._cycle:
            self._cycle_index = (self._cycle_index + step) % len(self._cycle)
            base_line, base_cursor = self._cycle_base
            self._set(*apply_completion(base_line, base_cursor, self._cycle[self._cycle_index]))
            self.post_message(self.Hints(self._cycle, self._cycle_index))
            return
        line, cursor = self.value, self.cursor_position
        cands = self.candidates(line, cursor)
        if not cands:
            self.app.bell()
            return
        if len(cands) == 1:
            self._set(*apply_completion(line, cursor, cands[0]))
            self.post_message(self.Hints([]))
            return
        prefix = common_prefix(cands)
        start = cands[0].start
        if len(prefix) > cursor - start:
            line = line[:start] + prefix + line[cursor:]
            cursor = start + len(prefix)
            self._set(line, cursor)
        # a second Tab on the same list starts cycling through it
        self._cycle, self._cycle_index, self._cycle_base = cands, -1, (line, cursor)
        self.post_message(self.Hints(cands))

    def _set(self, value: str, cursor: int) -> None:
        self._applying = True
        self.value = value
        self.cursor_position = cursor
        self._applying = False

    def clear_completion(self) -> None:
        if self._cycle:
            self._cycle, self._cycle_index = [], -1
        self.post_message(self.Hints([]))

    def _watch_value(self, value: str) -> None:
        super()._watch_value(value)
        if not self._applying and self._cycle:
            self.clear_completion()

    # ------------------------------------------------------------ history

    def action_history(self, step: int) -> None:
        entry = self.history.previous(self.value) if step < 0 else self.history.next()
        if entry is None:
            return
        self._set(entry, len(entry))
        self.clear_completion()
