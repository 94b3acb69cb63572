"""Selections recorded in files: DSS keywords <-> core cut lists, and the CALDB bit-mask validity files.

:func:`event_cuts` is dataSubselector's ``Cuts(eventFiles, ...)`` constructor: the DSS of every
input file is parsed (and must agree apart from the GTIs), the files' GTI cuts are merged into
one placed last. :func:`read_bitmask_validity` reads ``valid_evclass_selections.txt`` and
``valid_evtype_selections.txt`` from ``$CALDB/data/glast/lat/bcf``.
"""

from __future__ import annotations

from pathlib import Path

from xlat.core.gti import Gti
from xlat.core.gtselect import cuts_from_dss, merge_file_cuts
from xlat.core.selection import BitMaskValidity, CutList
from xlat.errors import FileFormatError, InputError
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.ft1 import EventList

VALIDITY_FILES = ("valid_evclass_selections.txt", "valid_evtype_selections.txt")


def dss_tuples(dss: DataSubspace) -> list[tuple[str, str, str, str]]:
    return [(e.type, e.unit, e.value, e.ref) for e in dss.entries]


def dss_from_cuts(cuts: CutList, include_time_ranges: bool = False) -> DataSubspace:
    """DSS entries as gtselect writes them (time range cuts folded into the GTI unless asked)."""
    tuples = cuts.all_entries() if include_time_ranges else cuts.dss_entries()
    return DataSubspace(tuple(DssEntry(t, u, v, r) for t, u, v, r in tuples))


def header_cuts(
    dss: DataSubspace, gti: Gti, where: str, columns: set[str] | None = None, skip_time_ranges: bool = False
) -> CutList:
    """Cuts of one header's DSS keywords; ``where`` names the file for messages."""
    try:
        return cuts_from_dss(dss_tuples(dss), lambda: gti, columns, skip_time_ranges)
    except InputError as exc:
        raise FileFormatError(f"{where}: {exc}") from None


def event_cuts(events: EventList, check_columns: bool = True, skip_time_ranges: bool = False) -> CutList:
    """The merged selections of every input FT1 file (non-GTI cuts of the first, union GTI last)."""
    columns = set(events.names) if check_columns else None
    per_file = [
        header_cuts(DataSubspace.from_header(h), gti, str(p), columns, skip_time_ranges)
        for p, h, gti in zip(events.paths, events.file_headers, events.file_gtis, strict=True)
    ]
    try:
        return merge_file_cuts(per_file)
    except ValueError:
        first = per_file[0]
        bad = next(k for k, cuts in enumerate(per_file) if not first.matches_without_gtis(cuts))
        raise FileFormatError(
            f"{events.paths[bad]}: DSS keywords do not match those of {events.paths[0]}; cannot merge"
        ) from None


def _read_mask_table(path: Path) -> dict[int, int]:
    table: dict[int, int] = {}
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the CALDB validity file ({exc.strerror})") from None
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            current, allowed = (int(v) for v in text.split(",")[:2])
        except ValueError:
            raise FileFormatError(f"{path}: line {number} is not 'current_mask,valid_mask'") from None
        table[current] = allowed
    return table


def read_bitmask_validity(caldb: str | Path | None) -> BitMaskValidity | None:
    """The evclass / evtype validity masks under ``$CALDB``, or None when CALDB has none (permissive)."""
    if not caldb:
        return None
    base = Path(caldb) / "data" / "glast" / "lat" / "bcf"
    evclass, evtype = (base / name for name in VALIDITY_FILES)
    if not (evclass.is_file() and evtype.is_file()):
        return None
    return BitMaskValidity(_read_mask_table(evclass), _read_mask_table(evtype), source=str(base))
