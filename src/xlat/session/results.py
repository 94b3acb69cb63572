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


@dataclass(frozen=True)
class VcutReport:
    """The data selections of one HDU, in file order, as gtvcut lists them.

    ``entries`` are (DSTYP, DSUNI, DSVAL, DSREF) tuples formatted as the tools print them;
    ``gtis`` holds the (START, STOP) pairs in MET s of the ``TIME TABLE`` entries.
    """

    infile: str
    table: str
    entries: tuple[tuple[str, str, str, str], ...]
    gtis: tuple[tuple[float, float], ...] = ()
    suppress_gtis: bool = True
