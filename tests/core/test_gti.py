"""core.gti: evtbin's Gti semantics, incl. zero-length intervals (evtbin src/Gti.cxx)."""

from __future__ import annotations

import numpy as np

from xlat.core.gti import Gti


def _rows(gti: Gti) -> list[tuple[float, float]]:
    return list(zip(gti.starts.tolist(), gti.stops.tolist(), strict=True))


def test_isolated_zero_length_interval_is_kept_by_consolidation() -> None:
    # evtbin Gti::consolidate merges only an interval starting inside another (or at its
    # stop); a lone [t, t] stays, so gtselect/gtmktime/gtbin write it back
    gti = Gti.from_arrays([0.0, 15.0, 20.0], [10.0, 15.0, 30.0])
    assert _rows(gti) == [(0.0, 10.0), (15.0, 15.0), (20.0, 30.0)]
    assert gti.ontime == 20.0


def test_zero_length_interval_touching_or_inside_another_is_merged() -> None:
    # [10, 10] starts at the stop of [0, 10]; [20, 20] shares the start of [20, 30] (std::map
    # key: the longer stop wins); [25, 25] starts inside [20, 30]
    gti = Gti.from_arrays([0.0, 10.0, 20.0, 20.0, 25.0], [10.0, 10.0, 20.0, 30.0, 25.0])
    assert _rows(gti) == [(0.0, 10.0), (20.0, 30.0)]


def test_intersection_keeps_zero_length_interval_strictly_inside() -> None:
    # evtbin operator&: a pair is kept when a.stop > b.start and b.stop > a.start
    events = Gti.from_arrays([0.0, 15.0, 40.0, 60.0], [10.0, 15.0, 40.0, 70.0])
    ft2 = Gti.from_arrays([5.0, 40.0], [30.0, 60.0])
    assert _rows(events.intersect(ft2)) == [(5.0, 10.0), (15.0, 15.0)]
    assert _rows(ft2.intersect(events)) == [(5.0, 10.0), (15.0, 15.0)]
    # touching intervals give nothing; clipping with a range keeps an inside [t, t]
    assert len(Gti.from_arrays([0.0], [10.0]).intersect(Gti.from_arrays([10.0], [20.0]))) == 0
    assert _rows(events.clip(12.0, 50.0)) == [(15.0, 15.0), (40.0, 40.0)]


def test_zero_length_interval_accepts_its_own_time_only() -> None:
    gti = Gti.from_arrays([15.0], [15.0])
    np.testing.assert_array_equal(gti.contains(np.array([14.999, 15.0, 15.001])), [False, True, False])
    np.testing.assert_array_equal(gti.overlap(np.array([10.0]), np.array([20.0])), [0.0])
