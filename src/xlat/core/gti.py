"""Good-time-interval algebra on MET seconds (the evtbin/dataSubselector ``Gti`` semantics).

Intervals are kept sorted and consolidated: overlapping *and touching* intervals are
merged. A zero-length interval [t, t] that touches nothing is kept, as evtbin's
``Gti::consolidate`` keeps it (it only merges intervals that start inside another or share
its start), so such a GTI row survives gtselect, gtmktime, gtbin and gtltcube and is
written back [evtbin:src/Gti.cxx]. Intersections keep the pairs that evtbin's ``operator&``
keeps: ``a.stop > b.start and b.stop > a.start``; a zero-length interval strictly inside an
interval of the other GTI therefore survives, touching intervals give nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.types import BoolArray, FloatArray


def _consolidate(starts: FloatArray, stops: FloatArray) -> tuple[FloatArray, FloatArray]:
    keep = stops >= starts
    starts, stops = starts[keep], stops[keep]
    if starts.size == 0:
        return starts, stops
    order = np.argsort(starts, kind="stable")
    starts, stops = starts[order], stops[order]
    run_max = np.maximum.accumulate(stops)
    # a new interval begins where its start is beyond every earlier stop (touching merges)
    new = np.empty(starts.size, dtype=bool)
    new[0] = True
    new[1:] = starts[1:] > run_max[:-1]
    group = np.cumsum(new) - 1
    out_starts = starts[new]
    out_stops = np.zeros(out_starts.size)
    np.maximum.at(out_stops, group, stops)
    return out_starts, out_stops


@dataclass(frozen=True)
class Gti:
    """Sorted, disjoint time intervals [start, stop] in MET seconds."""

    starts: FloatArray
    stops: FloatArray

    @classmethod
    def from_arrays(cls, starts: object, stops: object, consolidate: bool = True) -> Gti:
        s = np.asarray(starts, dtype=np.float64).ravel()
        e = np.asarray(stops, dtype=np.float64).ravel()
        if s.shape != e.shape:
            raise ValueError("GTI start and stop arrays differ in length")
        if consolidate:
            s, e = _consolidate(s, e)
        return cls(s, e)

    @classmethod
    def empty(cls) -> Gti:
        return cls(np.zeros(0), np.zeros(0))

    def __len__(self) -> int:
        return int(self.starts.size)

    @property
    def ontime(self) -> float:
        """Sum of interval lengths in s (the ONTIME keyword)."""
        return float(np.sum(self.stops - self.starts))

    @property
    def tstart(self) -> float:
        return float(self.starts[0]) if len(self) else 0.0

    @property
    def tstop(self) -> float:
        return float(self.stops[-1]) if len(self) else 0.0

    def union(self, other: Gti) -> Gti:
        return Gti.from_arrays(np.r_[self.starts, other.starts], np.r_[self.stops, other.stops])

    def intersect(self, other: Gti) -> Gti:
        """Overlaps between two consolidated GTIs, as evtbin's ``Gti::operator&`` (see the module doc)."""
        if not len(self) or not len(other):
            return Gti.empty()
        # candidate pairs: for each interval of self, the intervals of other overlapping it
        lo = np.searchsorted(other.stops, self.starts, side="right")
        hi = np.searchsorted(other.starts, self.stops, side="left")
        counts = np.maximum(hi - lo, 0)
        idx_self = np.repeat(np.arange(len(self)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        idx_other = np.repeat(lo, counts) + offsets
        starts = np.maximum(self.starts[idx_self], other.starts[idx_other])
        stops = np.minimum(self.stops[idx_self], other.stops[idx_other])
        return Gti(starts, stops)

    def clip(self, tmin: float, tmax: float) -> Gti:
        """Intersection with the single interval [tmin, tmax]."""
        return self.intersect(Gti(np.array([tmin], float), np.array([tmax], float)))

    def contains(self, times: FloatArray) -> BoolArray:
        """True for times inside an interval, closed at both ends (cfitsio gtifilter)."""
        t = np.asarray(times, dtype=np.float64)
        i = np.searchsorted(self.starts, t, side="right") - 1
        ok = i >= 0
        inside = np.zeros(t.shape, dtype=bool)
        inside[ok] = t[ok] <= self.stops[i[ok]]
        return inside

    def overlap(self, starts: FloatArray, stops: FloatArray) -> FloatArray:
        """Total overlap in s of each interval [starts[k], stops[k]] with this GTI (vectorised)."""
        a = np.asarray(starts, dtype=np.float64)
        b = np.asarray(stops, dtype=np.float64)
        cum = np.concatenate([[0.0], np.cumsum(self.stops - self.starts)])
        return self._covered_until(b, cum) - self._covered_until(a, cum)

    def _covered_until(self, t: FloatArray, cum: FloatArray) -> FloatArray:
        """GTI time in (-inf, t]."""
        i = np.searchsorted(self.starts, t, side="right")  # intervals starting at or before t
        full = cum[i]  # all of them counted whole
        j = np.maximum(i - 1, 0)
        partial = np.where(i > 0, np.maximum(self.stops[j] - t, 0.0), 0.0)
        return full - partial
