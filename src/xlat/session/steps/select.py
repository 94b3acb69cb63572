"""The select step (gtselect): cut an FT1 file (or a merged list) and record the cuts as DSS keywords.

Semantics (reference §1.2; dataSubselector dataSubselector.cxx, CutController.cxx, Cuts.cxx): the
input files' own selections are read from their DSS keywords (time ranges dropped: the GTIs
carry them), the requested cuts are added with the supersede rules and range cuts merged; an
event is kept when it passes every cut and lies in its own file's GTIs. The output GTI is the
union of the input GTIs clipped to [tmin, tmax]; TSTART/TSTOP are updated when a time range
is given or files are merged. INDEF for ra/dec/rad (or tmin/tmax) adds no cone (time) cut.
"""

from __future__ import annotations

from typing import Any

from xlat.core.gti import Gti
from xlat.core.gtselect import SelectRequest, gtselect_cuts
from xlat.core.selection import CutList, RangeCut
from xlat.errors import FileFormatError, InputError, ParameterError
from xlat.products.cuts import dss_from_cuts, event_cuts, read_bitmask_validity
from xlat.products.ft1 import EventList, read_ft1, write_ft1
from xlat.session.results import StepReport
from xlat.session.state import Session
from xlat.session.steps.common import (
    Params,
    caldb_dir,
    input_spec,
    now_date,
    observation_dates,
    output_path,
    plural,
    warn,
)

_WHY = {
    "RA": "for the cone cut",
    "DEC": "for the cone cut",
    "ENERGY": "for the energy cut",
    "ZENITH_ANGLE": "for the zenith-angle cut",
    "EVENT_CLASS": "for the evclass cut",
    "EVENT_TYPE": "for the evtype cut",
    "CONVERSION_TYPE": "for the convtype cut",
    "PULSE_PHASE": "for the pulse-phase cut",
    "TIME": "for the time and GTI cuts",
}


def _check_ranges(cmd: Params) -> None:
    pairs = [("emin", "emax"), ("zmin", "zmax"), ("phasemin", "phasemax")]
    if cmd.tmin is not None and cmd.tmax is not None:
        pairs.append(("tmin", "tmax"))
    for lo, hi in pairs:
        a, b = getattr(cmd, lo), getattr(cmd, hi)
        if a > b:
            raise ParameterError(f"select: {lo} ({a:g}) is greater than {hi} ({b:g})")


def _request(cmd: Params) -> SelectRequest:
    cone = None if None in (cmd.ra, cmd.dec, cmd.rad) else (float(cmd.ra), float(cmd.dec), float(cmd.rad))  # type: ignore[arg-type]
    time = None if None in (cmd.tmin, cmd.tmax) else (float(cmd.tmin), float(cmd.tmax))  # type: ignore[arg-type]
    return SelectRequest(
        cone=cone,
        time=time,
        energy=(cmd.emin, cmd.emax),
        zenith=(cmd.zmin, cmd.zmax),
        convtype=cmd.convtype,
        evclass=cmd.evclass,
        evtype=cmd.evtype,
        phase=(cmd.phasemin, cmd.phasemax),
    )


def _pass_version(events: EventList) -> str:
    versions = []
    for path, header in zip(events.paths, events.file_headers, strict=True):
        value = header.get("PASS_VER")
        if value is None:
            raise FileFormatError(
                f"{path}: EVENTS header has no PASS_VER keyword (needed to read evclass/evtype)"
            )
        versions.append(str(value).strip())
    if len(set(versions)) > 1:
        raise FileFormatError(
            f"{events.paths[0]}: PASS_VER differs between the input FT1 files ({', '.join(versions)})"
        )
    return versions[0]


def _output_gti(events: EventList, cuts: CutList) -> Gti:
    gti = events.gti
    for cut in cuts:
        if isinstance(cut, RangeCut) and cut.column == "TIME" and len(gti):
            lo = gti.tstart if cut.lo is None else cut.lo
            hi = gti.tstop if cut.hi is None else cut.hi
            gti = gti.clip(lo, hi)
    return gti


def _time_keywords(events: EventList, request: SelectRequest) -> dict[str, Any] | None:
    """The date keywords gtselect rewrites when a time range is given or files are merged."""
    if request.time is None and len(events.paths) == 1:
        return None
    starts = [float(h.get("TSTART", 0.0)) for h in events.file_headers]
    stops = [float(h.get("TSTOP", 0.0)) for h in events.file_headers]
    tstart, tstop = (starts[0], stops[0]) if len(starts) == 1 else (min(starts), max(stops))
    if request.time is not None and request.time != (0.0, 0.0):
        tstart, tstop = max(tstart, request.time[0]), min(tstop, request.time[1])
    return {
        "DATE": now_date(fraction=True),
        **observation_dates(tstart, tstop),
        "TSTART": tstart,
        "TSTOP": tstop,
    }


def _with_telapse(keys: dict[str, Any] | None, header: Any) -> dict[str, Any]:
    if keys is None:
        return {}
    out = dict(keys)
    if "TELAPSE" in header:
        out["TELAPSE"] = keys["TSTOP"] - keys["TSTART"]
    return out


def select_events(
    events: EventList, request: SelectRequest, validity: Any = None
) -> tuple[EventList, CutList, Gti]:
    """The selected rows, the cuts to record and the output GTI (no file I/O)."""
    pass_ver = _pass_version(events)
    base = event_cuts(events, check_columns=True, skip_time_ranges=True)
    try:
        cuts = gtselect_cuts(base, request, pass_ver, validity)
    except InputError as exc:
        raise ParameterError(f"select: {exc}") from None

    def column(name: str) -> Any:
        return events.column(name, _WHY.get(name.upper(), "by the selection"))

    keep = cuts.mask(column, len(events)) & events.in_file_gtis()
    return events.take(keep), cuts, _output_gti(events, cuts)


def _indef_notes(request: SelectRequest, cuts: CutList, gti: Gti) -> list[str]:
    """What INDEF resolved to: the input file's own cone / GTIs stay in force."""
    notes = []
    if request.cone is None:
        cone = cuts.cone()
        kept = cone.dss()[2] if cone is not None else "none (the input has no cone cut)"
        notes.append(f"  ra/dec/rad INDEF: cone from the input DSS: {kept}")
    if request.time is None and len(gti):
        notes.append(f"  tmin/tmax INDEF: times from the input GTIs: {gti.tstart:.17g} - {gti.tstop:.17g}")
    return notes


def run_select(session: Session, cmd: Params) -> StepReport:
    """Run gtselect's selection and write the output FT1 file."""
    _check_ranges(cmd)
    out = output_path(session, cmd.outfile, cmd.clobber)
    events = read_ft1(input_spec(session, cmd.infile), cmd.evtable, require=("TIME",))
    request = _request(cmd)
    selected, cuts, gti = select_events(events, request, read_bitmask_validity(caldb_dir()))
    filter_text = cuts.filter_string()
    filter_text = f"{filter_text} && gtifilter()" if filter_text else "gtifilter()"
    keys = _time_keywords(events, request)
    write_ft1(
        out,
        selected,
        gti=gti,
        clobber=cmd.clobber,
        dss=dss_from_cuts(cuts),
        history=[f"Filter string: {filter_text}"],
        primary_keys=_with_telapse(keys, events.primary_header),
        events_keys=_with_telapse(keys, events.header),
        gti_keys=_with_telapse(keys, events.gti_header),
    )
    session.products["events"] = out
    if len(selected) == 0:
        warn(f"no events passed the selection; wrote an empty event file {out}")
    lines = [f"select: kept {len(selected)} of {plural(len(events), 'event')} from {events.source} -> {out}"]
    if cmd.chatter >= 2:
        lines += _indef_notes(request, cuts, gti)
        lines.append(f"  GTIs: {len(gti)} intervals, ONTIME {gti.ontime:.6f} s")
        lines += [f"  DSS{n}: {t} {v}" for n, (t, _u, v, _r) in enumerate(cuts.dss_entries(), start=1)]
    if cmd.chatter >= 3:
        lines.append(f"  filter: {filter_text}")
    return StepReport("select", tuple(lines), outputs=(str(out),))
