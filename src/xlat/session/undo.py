"""Undo of model commands: snapshots of the model state taken before each one.

A :class:`ModelState` holds the model object that was loaded, the state of every
parameter (spectral and spatial: value, bounds, free, error), the ties and the last fit
result. Restoring it puts the session back exactly where it was, so a command that fails
half-way leaves no trace and ``undo`` needs no inverse operations.

``history_index`` links an entry to the line the executor recorded for it (when the
command came through the command language); ``undo`` then drops that line from the
history, so a saved session replays to the same state without the undone command.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlat.core.parameters import Parameter
    from xlat.core.source_model import Source, SourceModel
    from xlat.session.ties import Tie

MAX_UNDO = 200
"""Entries kept; older ones are forgotten."""

_FIELDS = ("value", "min", "max", "free", "error")


@dataclass(frozen=True)
class ModelState:
    """Everything a model command may change."""

    model: SourceModel | None
    sources: tuple[Source, ...]
    parameters: tuple[Parameter, ...]
    states: tuple[tuple[Any, ...], ...]
    ties: dict[str, Tie]
    saved: dict[str, Any]


def all_parameters(model: SourceModel | None) -> tuple[Parameter, ...]:
    if model is None:
        return ()
    out: list[Parameter] = []
    for source in model:
        out += source.spectrum.params
        if source.spatial is not None:
            out += source.spatial.params
    return tuple(out)


def capture(model: SourceModel | None, ties: dict[str, Tie], saved: dict[str, Any]) -> ModelState:
    """A snapshot (cheap: a few floats per parameter; the model object is shared, not copied).

    ``saved`` holds the other session entries a model command may replace (the fit result,
    the model's path), by reference.
    """
    params = all_parameters(model)
    states = tuple((p.value, p.min, p.max, p.free, p.error) for p in params)
    sources = tuple(model) if model is not None else ()
    return ModelState(model, sources, params, states, dict(ties), dict(saved))


def restore_parameters(state: ModelState) -> None:
    """Put back the model's sources (if some were deleted) and every parameter's state."""
    model = state.model
    if model is not None and [s for s in model] != list(state.sources):
        for name in list(model.names):
            model.remove(name)
        for source in state.sources:
            model.add(source)
    for param, values in zip(state.parameters, state.states, strict=True):
        for name, value in zip(_FIELDS, values, strict=True):
            setattr(param, name, value)


@dataclass
class UndoEntry:
    verb: str
    state: ModelState
    history_index: int | None = None


@dataclass
class UndoStack:
    """Entries of the model commands run so far, newest last."""

    entries: list[UndoEntry] = field(default_factory=list)
    pending: UndoEntry | None = None

    def push(self, verb: str, state: ModelState) -> UndoEntry:
        entry = UndoEntry(verb, state)
        self.entries.append(entry)
        del self.entries[:-MAX_UNDO]
        self.pending = entry
        return entry

    def claim(self, text: str, index: int) -> None:
        """Link the pending entry to the history line just recorded, if that line is its command."""
        entry, self.pending = self.pending, None
        if entry is not None and text.split(" ", 1)[0] == entry.verb:
            entry.history_index = index

    def pop(self) -> UndoEntry | None:
        self.pending = None
        return self.entries.pop() if self.entries else None

    def drop_history_line(self, index: int) -> None:
        """Shift the indices of entries recorded after a history line that was removed."""
        for entry in self.entries:
            if entry.history_index is not None and entry.history_index > index:
                entry.history_index -= 1

    def __len__(self) -> int:
        return len(self.entries)
