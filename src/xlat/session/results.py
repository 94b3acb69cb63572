"""Typed result records handed from the session to the front-ends.

They carry plain data; ``xlat.render`` turns them into text, tables and plots.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Table:
    """A small table of already-formatted cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class StepReport:
    """What a pipeline step did: lines to show, optional tables, the files written."""

    step: str
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    outputs: tuple[str, ...] = field(default=())
