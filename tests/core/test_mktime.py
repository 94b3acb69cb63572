"""core.mktime: GTIs from FT2 rows as gtmktime builds them (reference §1.3, gtmaketime.cxx createGti)."""

from __future__ import annotations

import numpy as np

from xlat.core.mktime import gti_from_rows, roi_zenith_term
from xlat.core.selection import ConeCut, CutList, RangeCut


def test_whole_rows_joined_when_contiguous() -> None:
    start = np.arange(0.0, 300.0, 30.0)
    stop = start + 30.0
    keep = np.array([1, 1, 1, 0, 1, 1, 0, 0, 1, 1], dtype=bool)
    gti = gti_from_rows(start, stop, keep, tmin=-1.0, tmax=1e9)
    np.testing.assert_array_equal(gti.starts, [0.0, 120.0, 240.0])
    np.testing.assert_array_equal(gti.stops, [90.0, 180.0, 300.0])


def test_scan_starts_after_tstart_and_stops_after_tstop() -> None:
    """Rows are whole: the first kept row is the first ending after TSTART, the last starts before TSTOP."""
    start = np.arange(0.0, 300.0, 30.0)
    stop = start + 30.0
    gti = gti_from_rows(start, stop, np.ones(10, bool), tmin=45.0, tmax=200.0)
    assert (gti.starts.tolist(), gti.stops.tolist()) == ([30.0], [210.0])


def test_rows_separated_by_a_tiny_gap_stay_apart() -> None:
    start = np.array([0.0, 30.000001])
    stop = np.array([30.0, 60.0])
    gti = gti_from_rows(start, stop, np.ones(2, bool), tmin=0.0, tmax=100.0)
    assert len(gti) == 2


def test_no_selected_row_gives_an_empty_gti() -> None:
    gti = gti_from_rows(np.array([0.0]), np.array([30.0]), np.zeros(1, bool), 0.0, 100.0)
    assert len(gti) == 0


def test_roi_term_needs_zenith_and_cone_and_prints_six_digits() -> None:
    cuts = CutList((ConeCut(284.25, 16.8833, 7.57106781186548), RangeCut("ZENITH_ANGLE", "deg", 0.0, 90.0)))
    # gtmaketime.cxx roiZenAngleCut streams doubles with the default precision (6 digits)
    assert roi_zenith_term(cuts) == " && angsep(RA_ZENITH,DEC_ZENITH,284.25,16.8833) < 82.4289"
    assert roi_zenith_term(CutList(cuts.cuts[:1])) is None
    assert roi_zenith_term(CutList((cuts.cuts[0], RangeCut("ZENITH_ANGLE", "deg", 0.0, 180.0)))) is None
