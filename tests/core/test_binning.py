"""core.binning: gtbin's binners, histograms, EXPOSURE and the cone-coverage check."""

from __future__ import annotations

import math

import healpy
import numpy as np
import pytest

from xlat.core.binning import (
    cone_coverage,
    counts_cube,
    counts_map,
    healpix_counts,
    histogram,
    interval_bins,
    linear_bins,
    log_bins,
    snr_bins,
    spacecraft_exposure,
    stat_err,
)
from xlat.core.energy import log_edges
from xlat.core.geom import PROJECTIONS, SkyGeom
from xlat.core.gti import Gti
from xlat.core.selection import ConeCut


def test_log_bins_match_the_energy_axis_edges_and_index_formula() -> None:
    bins = log_bins(100.0, 100000.0, 24)
    np.testing.assert_array_equal(bins.edges, log_edges(100.0, 100000.0, 24))
    e = np.array([99.99, 100.0, 133.35, 99999.0, 100000.0])
    np.testing.assert_array_equal(bins.index(e), [-1, 0, 0, 23, -1])


def test_linear_bins_last_bin_is_partial() -> None:
    """LinearBinner: ceil((end-begin)/width) bins, the last one ends at ``end``."""
    bins = linear_bins(0.0, 10.0, 3.0)
    assert bins.n == 4
    np.testing.assert_array_equal(bins.hi, [3.0, 6.0, 9.0, 10.0])
    np.testing.assert_array_equal(
        bins.index(np.array([-0.1, 0.0, 2.99, 3.0, 9.5, 10.0])), [-1, 0, 0, 1, 3, -1]
    )


def test_interval_bins_allow_gaps_and_reject_overlaps() -> None:
    bins = interval_bins(np.array([0.0, 5.0]), np.array([2.0, 6.0]))
    np.testing.assert_array_equal(bins.index(np.array([1.0, 3.0, 5.5, 6.0])), [0, -1, 1, -1])
    with pytest.raises(ValueError, match="bin 1 ends"):
        interval_bins(np.array([0.0, 1.0]), np.array([2.0, 3.0]))


def _snr_reference(times: np.ndarray, begin: float, end: float, snratio: float) -> tuple[list, list]:
    """A plain transcription of evtbin ConstSnBinner::computeIndex (no background) for small inputs."""
    intervals, counts, index = [[begin, end]], 0.0, []
    for t in times:
        if begin >= t or end < t:
            index.append(-1)
            continue
        index.append(len(intervals) - 1)
        counts += 1
        if snratio * snratio * counts <= counts * counts:
            counts = 0.0
            intervals[-1][1] = t
            intervals.append([t, end])
    return intervals, index


@pytest.mark.parametrize("snratio", [1.0, 2.0, math.sqrt(10.0), 3.3])
def test_snr_bins_equal_the_sequential_binner(snratio: float) -> None:
    rng = np.random.default_rng(1)
    times = np.sort(rng.uniform(0.0, 100.0, 57))
    bins, index = snr_bins(times, 5.0, 95.0, snratio)
    intervals, ref_index = _snr_reference(times, 5.0, 95.0, snratio)
    np.testing.assert_array_equal(index, ref_index)
    np.testing.assert_array_equal(np.c_[bins.lo, bins.hi], np.array(intervals))


def test_counts_cube_equals_a_direct_histogram() -> None:
    """Closure: pixel = floor(x + 0.5) of the 0-based WCS coordinate, energy bin from the LOG formula."""
    rng = np.random.default_rng(2)
    geom = SkyGeom.from_params(20, 15, 0.5, 83.6, 22.0, "CEL", "TAN")
    ra = rng.uniform(77.0, 90.0, 5000)
    dec = rng.uniform(17.0, 27.0, 5000)
    energy = np.exp(rng.uniform(np.log(50.0), np.log(5e4), 5000))
    bins = log_bins(100.0, 10000.0, 6)
    cube = counts_cube(geom, bins, ra, dec, energy)
    x, y = geom.wcs.wcs_world2pix(ra, dec, 0)
    ix, iy = np.floor(x + 0.5), np.floor(y + 0.5)
    ie = bins.index(energy)
    keep = (ix >= 0) & (ix < 20) & (iy >= 0) & (iy < 15) & (ie >= 0)
    ref, _ = np.histogramdd(
        np.c_[ie[keep], iy[keep], ix[keep]],
        bins=(np.arange(7) - 0.5, np.arange(16) - 0.5, np.arange(21) - 0.5),
    )
    np.testing.assert_array_equal(cube, ref.astype(int))
    assert cube.sum() == keep.sum()


@pytest.mark.parametrize("proj", PROJECTIONS)
def test_every_projection_bins_events_near_the_centre(proj: str) -> None:
    geom = SkyGeom.from_params(9, 9, 1.0, 200.0, 30.0, "GAL", proj)
    lon, lat = np.array([200.0, 201.0, 199.0]), np.array([30.0, 30.0, 31.0])
    from xlat.core.sky import galactic_to_equatorial

    ra, dec = galactic_to_equatorial(lon, lat)
    cmap = counts_map(geom, ra, dec)
    assert cmap.sum() == 3 and cmap[4, 4] == 1


def _exposure_reference(gti: Gti, starts: np.ndarray, stops: np.ndarray, live: np.ndarray) -> float:
    """evtbin Gti::getFraction + DataProduct::computeExposure transcribed as a loop (small inputs)."""
    total, pos = 0.0, 0
    intervals = list(zip(gti.starts, gti.stops, strict=True))
    for a, b, lt in zip(starts, stops, live, strict=True):
        fraction = 0.0
        while pos < len(intervals):
            s, e = intervals[pos]
            if b <= s:
                break
            if a >= s and b <= e:
                if b == e:
                    pos += 1
                fraction = 1.0
                break
            if a < e:
                fraction += (min(b, e) - max(a, s)) / (b - a)
            if b < e:
                break
            pos += 1
        total += fraction * lt
    return total


def test_exposure_equals_the_tools_sequential_sum() -> None:
    rng = np.random.default_rng(3)
    starts = np.arange(0.0, 3000.0, 30.0)
    stops = starts + 30.0
    live = rng.uniform(20.0, 28.0, starts.size)
    gti = Gti.from_arrays([5.0, 100.0, 100.5, 400.0, 1234.5], [45.0, 100.2, 390.0, 1200.0, 2999.0])
    result = spacecraft_exposure(gti, starts, stops, live)
    assert result.exposure == pytest.approx(_exposure_reference(gti, starts, stops, live), rel=1e-14)
    assert result.starts_late is False and result.ends_early is False


def test_exposure_flags_spacecraft_data_not_covering_the_gtis() -> None:
    gti = Gti.from_arrays([0.0], [100.0])
    result = spacecraft_exposure(gti, np.array([10.0]), np.array([40.0]), np.array([30.0]))
    assert result.exposure == 30.0 and result.starts_late and result.ends_early


def test_healpix_counts_equal_healpy_ang2pix() -> None:
    rng = np.random.default_rng(4)
    lon, lat = rng.uniform(0, 360, 1000), np.degrees(np.arcsin(rng.uniform(-1, 1, 1000)))
    counts = healpix_counts(8, True, lon, lat, np.zeros(1000, dtype=np.int64), 1)
    pix = healpy.ang2pix(8, np.radians(90 - lat), np.radians(lon), nest=True)
    np.testing.assert_array_equal(counts[0], np.bincount(pix, minlength=768))
    region = np.array([3, 10, 700])
    partial = healpix_counts(8, True, lon, lat, np.zeros(1000, dtype=np.int64), 1, region)
    np.testing.assert_array_equal(partial[0], np.bincount(pix, minlength=768)[region])


def test_stat_err_is_gehrels_below_ten_counts() -> None:
    np.testing.assert_allclose(
        stat_err(np.array([0, 10, 11, 100])),
        [1 + math.sqrt(0.75), 1 + math.sqrt(10.75), math.sqrt(11), 10.0],
        rtol=1e-15,
    )


def test_histogram_ignores_events_outside_the_bins() -> None:
    assert histogram(linear_bins(0.0, 3.0, 1.0), np.array([-1.0, 0.5, 2.5, 2.9, 3.0])).tolist() == [1, 0, 2]


def test_cone_coverage_counts_pixel_centres_outside_the_cone() -> None:
    geom = SkyGeom.from_params(100, 100, 0.1, 284.25, 16.8833, "CEL", "AIT")
    assert cone_coverage(geom, ConeCut(284.25, 16.8833, 7.571)).n_outside == 0  # fss cube inside its cone
    cover = cone_coverage(geom, ConeCut(284.25, 16.8833, 5.0))
    # corner pixel centres are 49.5 px * 0.1 deg * sqrt(2) = 7.00 deg from the centre (flat-sky estimate)
    assert cover.n_outside > 0 and cover.max_excess_deg == pytest.approx(2.0, abs=0.05)
