"""Session step ``ltcube`` (gtltcube): FT2 rows + the event file's GTIs -> livetime cube file.

gtltcube takes its GTIs from the event file's GTI data-subspace cut (``RoiCuts::readCuts``;
several event files: the union of their GTIs), or from ``[tmin, tmax]`` when ``evfile`` is
empty; it reads each spacecraft file in turn and adds its rows in file order
[Likelihood:src/makeExposureCube/makeExposureCube.cxx]. :func:`build_ltcube` does that in
memory (it is also how other steps and tests rebuild an ltcube); :func:`run_ltcube` checks
the parameters, builds and writes.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from xlat.core import livetime as lt
from xlat.core.gti import Gti
from xlat.core.healpix import nside_from_binsz
from xlat.errors import FileFormatError, ParameterError, XlatWarning
from xlat.products.atomic import check_output
from xlat.products.dss import DataSubspace, DssEntry
from xlat.products.fitsio import expand_file_list, get_hdu, open_fits
from xlat.products.ft2 import POINTING_COLUMNS, read_ft2, warn_overlap
from xlat.products.gti import read_gti
from xlat.products.ltcube import GTI_DSS, LivetimeCube, write_ltcube
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress
from xlat.session.results import StepReport, Table

if TYPE_CHECKING:
    from xlat.session.state import Session


class LtcubeParameters(Protocol):
    """The gtltcube parameters the step reads (commands.builtin.livetime.Ltcube provides them)."""

    evfile: str
    evtable: str
    scfile: str
    sctable: str
    outfile: str
    dcostheta: float
    binsz: float
    phibins: int
    tmin: float
    tmax: float
    file_version: str
    zmin: float
    zmax: float
    accuracy: str
    clobber: bool

UNCOVERED_TOLERANCE_S = 1.0
"""GTI time not covered by FT2 rows above which the step warns (s)."""


@dataclass(frozen=True)
class LtcubeResult:
    """A livetime cube and what went into it."""

    cube: LivetimeCube
    dss: DataSubspace
    rows_used: int
    rows_read: int
    uncovered_s: float


def event_gtis(evfiles: Sequence[Path], evtable: str = "EVENTS") -> tuple[Gti, DataSubspace]:
    """GTIs of the event file(s) from their GTI DSS cut, and the time DSS entries gtltcube copies.

    The event table must carry a ``TIME``/``TABLE`` DSS entry; its DSREF (``:GTI``) names the
    extension. Several files: the union of their GTIs (dataSubselector ``Cuts::mergeGtis``).
    """
    gti = Gti.empty()
    ranges: list[DssEntry] = []
    for i, path in enumerate(evfiles):
        hdul = open_fits(path, "event file")
        try:
            header = get_hdu(hdul, evtable, path, "an FT1 event file").header
            dss = DataSubspace.from_header(header)
            entry = dss.gti_entry()
            if entry is None:
                raise FileFormatError(
                    f"{path}: {evtable} header has no GTI data-subspace cut (DSTYPn = 'TIME', DSVALn = "
                    "'TABLE'); gtltcube takes its GTIs from it (run gtmktime or give evfile='' with tmin/tmax)"
                )
            extname = entry.ref.split(":")[-1].strip() or "GTI"
            gti = gti.union(read_gti(hdul, path, extname))
            if i == 0:
                ranges = [e for e in dss.entries if e.type.upper() == "TIME" and not e.is_gti]
        finally:
            hdul.close()
    if gti.ontime <= 0:  # gtltcube would write a cube of zeros (zero-length GTIs are kept, see core.gti)
        raise FileFormatError(f"{evfiles[0]}: the GTI extension has no interval of positive length")
    entries = tuple(_range_entry(e) for e in ranges) + GTI_DSS.entries
    return gti, DataSubspace(entries)


def _range_entry(entry: DssEntry) -> DssEntry:
    """A TIME range entry as dataSubselector rewrites it (values with 20 significant digits)."""
    lo, hi = entry.range()
    text = ("" if lo is None else f"{lo:.20g}") + ":" + ("" if hi is None else f"{hi:.20g}")
    return DssEntry(entry.type, entry.unit, text, entry.ref)


def build_ltcube(evfile: str | Path, scfile: str | Path, *, dcostheta: float = 0.025, binsz: float = 1.0,
                 phibins: int = 0, zmin: float = 0.0, zmax: float = 180.0, tmin: float = 0.0,
                 tmax: float = 0.0, evtable: str = "EVENTS", sctable: str = "SC_DATA",
                 accuracy: lt.Mode = "exact", progress: Progress = NO_PROGRESS,
                 cancel: CancelToken = NEVER_CANCEL) -> LtcubeResult:
    """The livetime cube gtltcube makes from these inputs (in memory; nothing written).

    Raises ParameterError for inconsistent parameters and warns (XlatWarning) when FT2 rows
    do not cover the GTIs.
    """
    check_parameters(dcostheta, binsz, phibins, zmin, zmax)
    if str(evfile).strip():
        gti, dss = event_gtis(expand_file_list(evfile, "event file"), evtable)
    else:
        if not tmax > tmin:
            raise ParameterError(f"ltcube: with evfile='' the time range comes from tmin/tmax; need "
                                 f"tmax > tmin, got tmin={tmin:g} tmax={tmax:g}")
        gti, dss = Gti.from_arrays([tmin], [tmax]), GTI_DSS
    grid = lt.LivetimeGrid(nside_from_binsz(binsz), lt.nbins_from_dcostheta(dcostheta), phibins, zmin, zmax)
    value, weighted, where, rows_read, uncovered = _read_rows(scfile, sctable, gti, phibins > 0)
    if uncovered > UNCOVERED_TOLERANCE_S:
        warnings.warn(f"{scfile}: the FT2 rows leave {uncovered:.1f} s of the {gti.ontime:.1f} s of GTIs "
                      "uncovered; that time gets no livetime", XlatWarning, stacklevel=2)
    if value.size == 0:
        warnings.warn(f"{scfile}: no FT2 interval overlaps the GTIs; all livetimes are zero",
                      XlatWarning, stacklevel=2)
    livetime, weighted_lt = lt.accumulate(grid, where, value, weighted, accuracy, progress, cancel)
    cube = LivetimeCube(livetime=livetime, weighted=weighted_lt, nside=grid.nside, nbins=grid.nbins,
                        cosmin=0.0, phibins=phibins, gti=gti, zmin=zmin, zmax=zmax if grid.zenith_cut else None,
                        tstart=gti.tstart, tstop=gti.tstop)
    return LtcubeResult(cube, dss, int(value.size), rows_read, uncovered)


def check_parameters(dcostheta: float, binsz: float, phibins: int, zmin: float, zmax: float) -> None:
    """One-line ParameterError for values gtltcube cannot use."""
    if not 0 < dcostheta <= 1:
        raise ParameterError(f"ltcube: parameter 'dcostheta' must be in (0, 1]; got {dcostheta:g}")
    if not binsz > 0:
        raise ParameterError(f"ltcube: parameter 'binsz' must be positive (deg); got {binsz:g}")
    if phibins < 0:
        raise ParameterError(f"ltcube: parameter 'phibins' must be >= 0; got {phibins}")
    if not 0 <= zmin < zmax <= 180:
        raise ParameterError(f"ltcube: need 0 <= zmin < zmax <= 180 (deg); got zmin={zmin:g} zmax={zmax:g}")


def _read_rows(scfile: str | Path, sctable: str, gti: Gti,
               frame: bool) -> tuple[np.ndarray, np.ndarray, lt.Pointing, int, float]:
    """Per spacecraft file, in order: the rows gtltcube adds, their pointing, and GTI coverage."""
    values, wvalues, pointings = [], [], []
    starts, stops = [], []
    rows_read = 0
    for path in expand_file_list(scfile, "FT2"):
        ft2 = read_ft2(path, POINTING_COLUMNS, extname=sctable)
        rows_read += len(ft2)
        starts.append(ft2.start)
        stops.append(ft2.stop)
        rw = lt.row_weights(ft2.start, ft2.stop, ft2["LIVETIME"], gti)
        i = rw.index
        extra = (ft2["RA_SCX"][i], ft2["DEC_SCX"][i]) if frame else (None, None)
        pointings.append(lt.pointing(ft2["RA_SCZ"][i], ft2["DEC_SCZ"][i], ft2["RA_ZENITH"][i],
                                     ft2["DEC_ZENITH"][i], *extra))
        values.append(rw.value)
        wvalues.append(rw.weighted)
    where = lt.Pointing(*(np.concatenate([getattr(p, f) for p in pointings])
                          for f in ("axis", "zenith", "xaxis", "yaxis")))
    warn_overlap(scfile, np.concatenate(starts), np.concatenate(stops))
    uncovered = lt.uncovered_time(gti, np.concatenate(starts), np.concatenate(stops))
    return np.concatenate(values), np.concatenate(wvalues), where, rows_read, uncovered


def run_ltcube(session: Session, cmd: LtcubeParameters) -> StepReport:
    """Check, build and write the livetime cube of command ``cmd``."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = check_output(session.path(cmd.outfile), cmd.clobber)
    evfile = _session_file(session, cmd.evfile) if cmd.evfile.strip() else ""
    scfile = _session_file(session, cmd.scfile)
    result = build_ltcube(evfile, scfile, dcostheta=cmd.dcostheta, binsz=cmd.binsz, phibins=cmd.phibins,
                          zmin=cmd.zmin, zmax=cmd.zmax, tmin=cmd.tmin, tmax=cmd.tmax, evtable=cmd.evtable,
                          sctable=cmd.sctable, accuracy=cmd.accuracy, progress=session.progress,
                          cancel=session.cancel)
    write_ltcube(result.cube, out, cmd.clobber, dss=result.dss, version=cmd.file_version,
                 creator=f"xlat ltcube (gtltcube, {cmd.accuracy})")
    session.products["ltcube"] = result.cube
    cube = result.cube
    rows = (
        ("HEALPix", f"nside {cube.nside} NESTED EQU, {cube.npix} pixels"),
        ("cos(theta) bins", f"{cube.nbins} (sqrt(1-cos) scheme), phi bins {cube.phibins}"),
        ("zenith cut", f"{cmd.zmin:g}-{cmd.zmax:g} deg" if cube.zmax is not None else "none"),
        ("GTIs", f"{len(cube.gti)} ({cube.gti.ontime:.1f} s)"),
        ("FT2 rows", f"{result.rows_used} of {result.rows_read} add livetime"),
        ("accuracy", cmd.accuracy),
        ("time", f"{time.perf_counter() - t0:.1f} s wall, {time.process_time() - c0:.1f} s CPU"),
    )
    summary = (f"ltcube: nside {cube.nside}, {cube.nbins} cos(theta) bins, {len(cube.gti)} GTIs "
               f"({cube.gti.ontime:.1f} s) -> {out}")
    return StepReport(step="ltcube", lines=(f"wrote {out}",), tables=(Table("livetime cube", ("", ""), rows),),
                      outputs=(str(out),), summary=summary)


def _session_file(session: Session, name: str) -> str:
    """A file name or @list relative to the session folder."""
    text = name.strip()
    if text.startswith("@"):
        return "@" + str(session.path(text[1:]))
    return str(session.path(text))
