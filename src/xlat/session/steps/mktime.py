"""The mktime step (gtmktime): GTIs from an FT2 filter expression, events outside them dropped.

Semantics (reference §1.3; dataSubselector src/gtmaketime/gtmaketime.cxx):

1. the FT2 rows the filter selects (plus, with roicut=yes, the ROI-based zenith term built
   from the FT1 DSS) each give their whole [START, STOP]; rows are scanned from the first one
   ending after the FT1 TSTART to the last one starting before its TSTOP; adjacent rows join;
2. that GTI is intersected with the GTI of every ``TIME TABLE`` DSS entry of the FT1 file
   (overwrite=no), or with [TSTART, TSTOP] from the header (header_obstimes=yes) or the
   tstart/tstop parameters (overwrite=yes);
3. events are kept when inside the new GTI (closed intervals); the GTI extension is replaced,
   DSS keywords and TSTART/TSTOP are left as they are, FILENAME is set.

As in gtmktime, apply_filter only controls whether the DSS range cuts are checked against
the FT1 columns; events are always filtered. Where gtmktime stops on a filter that selects no
FT2 rows, xlat writes a valid empty file and warns.
"""

from __future__ import annotations

import numpy as np

from xlat.core.filtereval import evaluate
from xlat.core.filterexpr import check_columns, parse
from xlat.core.gti import Gti
from xlat.core.mktime import gti_from_rows, roi_zenith_term
from xlat.errors import FileFormatError, ParameterError
from xlat.products.cuts import event_cuts
from xlat.products.ft1 import EventList, read_ft1, write_ft1
from xlat.products.ft2 import ft2_column_names, read_ft2
from xlat.session.results import StepReport
from xlat.session.state import Session
from xlat.session.steps.common import Params, input_spec, output_path, plural, warn


def _header_time(events: EventList, key: str) -> float:
    value = events.header.get(key)
    if value is None:
        raise FileFormatError(f"{events.source}: EVENTS header has no {key} keyword (needed by mktime)")
    return float(value)


def _filter_text(cmd: Params, events: EventList, lines: list[str]) -> str:
    text = cmd.filter.strip()
    if not text:
        raise ParameterError(
            "mktime: parameter 'filter' is empty (expected an expression such as DATA_QUAL>0)"
        )
    parse(text)  # syntax errors point into what the user typed, before the ROI term is appended
    if not cmd.roicut:
        return text
    term = roi_zenith_term(event_cuts(events, check_columns=cmd.apply_filter))
    if term is None:
        lines.append("  roicut: the FT1 DSS keywords have no zenith-angle and cone cuts; no ROI term added")
        return text
    return text + term


def _base_gti(cmd: Params, events: EventList, tmin: float, tmax: float) -> list[Gti]:
    """The GTIs the FT2-derived GTI is intersected with."""
    if cmd.overwrite:
        start, stop = (tmin, tmax) if cmd.header_obstimes else (cmd.tstart, cmd.tstop)
        return [Gti.from_arrays([start], [stop])]
    return [cut.gti for cut in event_cuts(events, check_columns=cmd.apply_filter).gti_cuts()]


def spacecraft_gti(cmd: Params, scfile: str, filter_text: str, tmin: float, tmax: float) -> tuple[Gti, int]:
    """GTI from the FT2 rows ``filter_text`` selects, and how many rows it selected."""
    available = ft2_column_names(scfile, cmd.sctable)
    used = check_columns(filter_text, available, "FT2")
    ft2 = read_ft2(scfile, columns=sorted(used | {"START", "STOP"}), extname=cmd.sctable)
    columns = {name: ft2[name] for name in used}
    selected = evaluate(filter_text, columns, len(ft2), "FT2")
    return gti_from_rows(ft2.start, ft2.stop, selected, tmin, tmax), int(np.count_nonzero(selected))


def run_mktime(session: Session, cmd: Params) -> StepReport:
    """Run gtmktime: build the GTI, filter the events, write the output FT1 file."""
    out = output_path(session, cmd.outfile, cmd.clobber)
    spec = input_spec(session, cmd.evfile)
    if spec.startswith("@"):
        raise ParameterError(
            "mktime: parameter 'evfile' must name one FT1 file, not an @list (merge with select first)"
        )
    events = read_ft1(spec, cmd.evtable, require=("TIME",))
    tmin, tmax = _header_time(events, "TSTART"), _header_time(events, "TSTOP")
    lines: list[str] = []
    filter_text = _filter_text(cmd, events, lines)
    gti, n_rows = spacecraft_gti(cmd, input_spec(session, cmd.scfile), filter_text, tmin, tmax)
    for base in _base_gti(cmd, events, tmin, tmax):
        gti = gti.intersect(base)
    keep = gti.contains(events.column("TIME"))
    kept = events.take(keep)
    write_ft1(out, kept, gti=gti, clobber=cmd.clobber)
    session.products["events"] = out
    if n_rows == 0:
        warn(f"the filter selects no FT2 rows ({filter_text}); wrote an empty event file {out}")
    elif len(kept) == 0:
        warn(f"no events lie inside the new GTIs; wrote an empty event file {out}")
    head = f"mktime: kept {len(kept)} of {plural(len(events), 'event')} in {plural(len(gti), 'GTI')}"
    report = [f"{head} (ONTIME {gti.ontime:.6f} s) -> {out}"]
    if cmd.chatter >= 2:
        report.append(f"  filter: {filter_text} ({plural(n_rows, 'FT2 row')} selected)")
    return StepReport("mktime", tuple(report + lines), outputs=(str(out),))
