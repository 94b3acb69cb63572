"""Data sub-space (DSS) keywords: the record of selections the Fermitools keep in headers.

``NDSKEYS`` counts the entries ``DSTYPn`` (what), ``DSUNIn`` (unit), ``DSVALn`` (value)
and optional ``DSREFn`` (reference, e.g. ``:GTI``). gtselect writes them to the EVENTS
header, gtbin copies them to the counts cube's primary header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from astropy.io import fits


@dataclass(frozen=True)
class DssEntry:
    """One DSS cut."""

    type: str
    unit: str
    value: str
    ref: str = ""

    @property
    def is_gti(self) -> bool:
        return self.type.upper() == "TIME" and self.value.upper() == "TABLE"

    def range(self) -> tuple[float | None, float | None]:
        """(min, max) of a range entry ``lo:hi`` (empty side -> None)."""
        lo, _, hi = self.value.partition(":")
        return (float(lo) if lo.strip() else None, float(hi) if hi.strip() else None)


_BITMASK = re.compile(r"BIT_MASK\(\s*(\w+)\s*,\s*(\d+)\s*(?:,\s*(\w+))?\s*\)", re.I)
_CIRCLE = re.compile(r"CIRCLE\(\s*([^,]+),\s*([^,]+),\s*([^)]+)\)", re.I)


@dataclass(frozen=True)
class DataSubspace:
    """An ordered list of DSS entries with lookups for the cuts the chain uses."""

    entries: tuple[DssEntry, ...] = ()

    @classmethod
    def from_header(cls, header: fits.Header) -> DataSubspace:
        n = int(header.get("NDSKEYS", 0) or 0)
        entries = []
        for i in range(1, n + 1):
            typ = header.get(f"DSTYP{i}")
            if typ is None:
                continue
            entries.append(
                DssEntry(
                    type=str(typ).strip(),
                    unit=str(header.get(f"DSUNI{i}", "")).strip(),
                    value=str(header.get(f"DSVAL{i}", "")).strip(),
                    ref=str(header.get(f"DSREF{i}", "")).strip(),
                )
            )
        return cls(tuple(entries))

    def write(self, header: fits.Header) -> None:
        """Replace the DSS keywords of ``header`` with these entries."""
        old = int(header.get("NDSKEYS", 0) or 0)
        for i in range(1, max(old, 99) + 1):
            for key in ("DSTYP", "DSUNI", "DSVAL", "DSREF"):
                header.remove(f"{key}{i}", ignore_missing=True)
        header.remove("NDSKEYS", ignore_missing=True)
        for i, entry in enumerate(self.entries, start=1):
            header[f"DSTYP{i}"] = entry.type
            header[f"DSUNI{i}"] = entry.unit
            header[f"DSVAL{i}"] = entry.value
            if entry.ref:
                header[f"DSREF{i}"] = entry.ref
        header["NDSKEYS"] = len(self.entries)

    def find(self, type_name: str) -> DssEntry | None:
        key = type_name.upper()
        for entry in self.entries:
            if entry.type.upper() == key:
                return entry
        return None

    def with_entry(self, entry: DssEntry) -> DataSubspace:
        """Replace the entry of the same type (or bitmask column), else append."""
        key = _entry_key(entry)
        entries = list(self.entries)
        for i, old in enumerate(entries):
            if _entry_key(old) == key:
                entries[i] = entry
                return replace(self, entries=tuple(entries))
        return replace(self, entries=tuple(entries + [entry]))

    def without(self, type_name: str) -> DataSubspace:
        key = type_name.upper()
        return replace(self, entries=tuple(e for e in self.entries if _entry_key(e) != key))

    def cone(self) -> tuple[float, float, float] | None:
        """(ra, dec, radius) in deg of the ``POS(RA,DEC)`` CIRCLE cut, if any."""
        for entry in self.entries:
            if entry.type.upper().startswith("POS("):
                m = _CIRCLE.match(entry.value)
                if m:
                    return (float(m.group(1)), float(m.group(2)), float(m.group(3)))
        return None

    def range_of(self, column: str) -> tuple[float | None, float | None] | None:
        entry = self.find(column)
        return entry.range() if entry is not None else None

    def bitmask(self, column: str) -> tuple[int, str] | None:
        """(mask, pass version) of ``BIT_MASK(column, mask, pass)``, if present."""
        for entry in self.entries:
            m = _BITMASK.match(entry.type)
            if m and m.group(1).upper() == column.upper():
                return int(m.group(2)), (m.group(3) or "")
        return None

    def gti_entry(self) -> DssEntry | None:
        for entry in self.entries:
            if entry.is_gti:
                return entry
        return None

    def irf_version(self) -> str | None:
        """The IRF name recorded by gtexpcube2/gtsrcmaps (``IRF_VERSION``), if present."""
        entry = self.find("IRF_VERSION")
        return entry.value if entry is not None else None


def _entry_key(entry: DssEntry) -> str:
    m = _BITMASK.match(entry.type)
    if m:
        return f"BIT_MASK({m.group(1).upper()})"
    if entry.type.upper().startswith("POS("):
        return "POS"
    return entry.type.upper()


def header_value(header: fits.Header, key: str, default: Any = None) -> Any:
    value = header.get(key, default)
    return value.strip() if isinstance(value, str) else value
