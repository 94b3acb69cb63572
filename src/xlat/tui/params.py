"""The rows of the parameter table, read from the session's model (no Textual here).

Rows are the spectral parameters of every source in file order, numbered from 1 as
``show par`` numbers them (the numbers the selection language accepts). Values are the XML
``value`` (in units of ``scale``), which is what ``newpar`` sets. The model is read by duck
typing (``for source in model``, ``source.spectrum.params``), so the table works with any
model object of that shape; sorting and filtering are view operations on these rows.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from xlat.commands.complete import quote

COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "#"),
    ("source", "source"),
    ("param", "param"),
    ("value", "value"),
    ("error", "error"),
    ("min", "min"),
    ("max", "max"),
    ("scale", "scale"),
    ("status", "free"),
)
"""(key, heading) of every column, in display order."""

SORT_KEYS = tuple(key for key, _ in COLUMNS)


@dataclass(frozen=True)
class ParamRow:
    """One parameter: its stable ``source:param`` name and what the table shows."""

    number: int
    source: str
    param: str
    value: float
    error: float | None
    min: float | None
    max: float | None
    scale: float
    free: bool
    tied_to: str = ""

    @property
    def reference(self) -> str:
        return f"{self.source}:{self.param}"

    @property
    def status(self) -> str:
        if self.tied_to:
            return "tied"
        return "free" if self.free else "fixed"

    def cells(self) -> tuple[str, ...]:
        """Formatted cells in :data:`COLUMNS` order."""
        return (str(self.number), self.source, self.param, fmt(self.value, 5), fmt(self.error, 3),
                fmt(self.min, 3), fmt(self.max, 3), fmt(self.scale, 3), self.status)

    def sort_key(self, column: str) -> tuple[Any, ...]:
        value = getattr(self, column if column != "status" else "status")
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return (1, 0.0)  # missing values last
        return (0, value.lower() if isinstance(value, str) else value)


def fmt(value: float | None, digits: int) -> str:
    """A number in at most ``digits`` significant digits ('' for None)."""
    if value is None:
        return ""
    return f"{value:.{digits}g}"


def _bound(param: Any, which: str) -> float | None:
    if getattr(param, "bounded", True) is False:
        return None
    value = getattr(param, which, None)
    return None if value is None or math.isinf(value) else float(value)


def param_rows(session: Any) -> list[ParamRow]:
    """Every spectral parameter of the session's model, else of the ``like`` analysis (empty without)."""
    model = session.products.get("model")
    if model is None:  # the like step's analysis has its own model
        model = getattr(session.products.get("analysis"), "model", None)
    if model is None:
        return []
    ties = getattr(session, "ties", None) or {}
    rows: list[ParamRow] = []
    number = 0
    for source in model:
        for param in source.spectrum.params:
            number += 1
            ref = f"{source.name}:{param.name}"
            tie = ties.get(ref)
            rows.append(ParamRow(number, source.name, param.name, float(param.value),
                                 None if param.error is None else float(param.error),
                                 _bound(param, "min"), _bound(param, "max"), float(param.scale),
                                 bool(param.free), str(getattr(tie, "target", "")) if tie is not None else ""))
    return rows


def filter_rows(rows: Iterable[ParamRow], pattern: str) -> list[ParamRow]:
    """Rows whose source matches ``pattern``: a case-insensitive substring, or a glob with * ? [."""
    pattern = pattern.strip()
    if not pattern:
        return list(rows)
    low = pattern.lower()
    if any(c in pattern for c in "*?["):
        return [r for r in rows if fnmatch.fnmatchcase(r.source.lower(), low)]
    return [r for r in rows if low in r.source.lower()]


def sort_rows(rows: Sequence[ParamRow], column: str, reverse: bool = False) -> list[ParamRow]:
    """Rows ordered by one column (ties keep the ``show par`` order); missing values go last."""
    ordered = sorted(rows, key=lambda r: r.number)
    present = [r for r in ordered if r.sort_key(column)[0] == 0]
    missing = [r for r in ordered if r.sort_key(column)[0] == 1]
    return sorted(present, key=lambda r: r.sort_key(column), reverse=reverse) + missing


# ---------------------------------------------------------------- command text of the key actions


def toggle_command(row: ParamRow) -> str:
    """``freeze`` a free parameter, ``thaw`` a fixed one, ``untie`` a tied one."""
    verb = "untie" if row.tied_to else ("freeze" if row.free else "thaw")
    return f"{verb} {quote(row.reference)}"


def freeze_command(row: ParamRow) -> str:
    return f"freeze {quote(row.reference)}"


def thaw_command(row: ParamRow) -> str:
    return f"thaw {quote(row.reference)}"


def newpar_command(row: ParamRow, text: str) -> str:
    """``newpar SRC:PARAM VALUE [MIN MAX]`` from what was typed in the edit box.

    Raises ValueError with a short message when ``text`` is not one or three numbers.
    """
    parts = text.replace(",", " ").split()
    if len(parts) not in (1, 3):
        raise ValueError("type VALUE, or VALUE MIN MAX")
    numbers = []
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise ValueError(f"{part!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{part!r} is not a finite number")
        numbers.append(part)
    return " ".join(["newpar", quote(row.reference), *numbers])
