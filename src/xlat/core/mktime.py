"""gtmktime's time filtering: good time intervals from the FT2 rows a filter selects.

Reference §1.3 and dataSubselector src/gtmaketime/gtmaketime.cxx: every selected FT2 row
contributes its whole [START, STOP] interval; scanning the selected rows in order, the first
kept row is the first whose STOP is after the FT1 TSTART, the scan stops at the first later
row whose START is after the FT1 TSTOP; consecutive rows are joined when START equals the
previous STOP exactly; the intervals are then OR-ed (touching intervals merge).
"""

from __future__ import annotations

import numpy as np

from xlat.core.gti import Gti
from xlat.core.selection import CutList
from xlat.core.types import BoolArray, FloatArray


def gti_from_rows(
    starts: FloatArray, stops: FloatArray, selected: BoolArray, tmin: float, tmax: float
) -> Gti:
    """GTI (MET s) from FT2 rows in file order, ``selected`` by the filter, clipped as gtmktime does.

    ``tmin`` / ``tmax`` are the FT1 EVENTS TSTART / TSTOP.
    """
    start = np.asarray(starts, dtype=np.float64)
    stop = np.asarray(stops, dtype=np.float64)
    rows = np.flatnonzero(np.asarray(selected, dtype=bool))
    after_begin = rows[stop[rows] > tmin]
    if after_begin.size == 0:
        return Gti.empty()
    first = after_begin[0]
    rows = rows[rows >= first]
    past_end = np.flatnonzero(start[rows[1:]] > tmax)
    if past_end.size:
        rows = rows[: past_end[0] + 1]
    s, e = start[rows], stop[rows]
    new = np.ones(s.size, dtype=bool)
    new[1:] = s[1:] != e[:-1]
    firsts = np.flatnonzero(new)
    lasts = np.r_[firsts[1:] - 1, s.size - 1]
    return Gti.from_arrays(s[firsts], e[lasts])


def roi_zenith_term(cuts: CutList) -> str | None:
    """The ``&& angsep(RA_ZENITH,DEC_ZENITH,ra,dec) < zmax - rad`` term of roicut=yes, or None.

    Needs a ZENITH_ANGLE range cut with zmax < 180 and a cone cut in the FT1 DSS. Numbers are
    printed as C++ ``ostream`` does by default (6 significant digits), so the term selects the
    same FT2 rows as the tool's.
    """
    zenith = cuts.range_of("ZENITH_ANGLE")
    zmax = 180.0 if zenith is None or zenith.hi is None else zenith.hi
    cone = cuts.cone()
    if zmax >= 180.0 or cone is None:
        return None
    return f" && angsep(RA_ZENITH,DEC_ZENITH,{cone.ra:g},{cone.dec:g}) < {zmax - cone.radius:g}"
