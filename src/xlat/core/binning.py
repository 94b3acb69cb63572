"""Binning events (gtbin): 1-D binners, counts maps and cubes, light curves, spectra, HEALPix maps.

Every binner follows its evtbin class (reference §2, fermi-lat/evtbin src/*Binner.cxx):

* LIN: ``n = ceil((end - begin) / width)`` bins, index ``int((v - begin) / width)`` for begin <= v < end;
* LOG: edges ``begin * exp(k ln(end/begin) / n)``, index ``int(n ln(v/begin) / ln(end/begin))``;
* FILE: arbitrary ordered intervals [lo, hi), gaps allowed;
* SNR: constant signal-to-noise time bins, closed at the top ``(begin, end]``.

Spatial binning projects each event with the grid's WCS (wcslib, as astro::SkyProj) and takes
the pixel containing it (evtbin LinearBinner(0.5, n + 0.5, 1)). Histograms are single
``np.bincount`` calls; nothing loops over events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xlat.core import healpix
from xlat.core.energy import EnergyAxis
from xlat.core.geom import SkyGeom
from xlat.core.gti import Gti
from xlat.core.selection import ConeCut, angsep_deg
from xlat.core.types import FloatArray, IntArray


@dataclass(frozen=True)
class Bins:
    """1-D bins as intervals [lo_k, hi_k) (``kind`` LIN / LOG / FILE / SNR); index -1 outside."""

    lo: FloatArray
    hi: FloatArray
    kind: str
    begin: float = 0.0
    end: float = 0.0
    width: float = 0.0

    @property
    def n(self) -> int:
        return int(self.lo.size)

    @property
    def edges(self) -> FloatArray:
        """lo_0..lo_{n-1}, hi_{n-1} (the edges Likelihood reads from EBOUNDS)."""
        return np.r_[self.lo, self.hi[-1:]] if self.n else np.zeros(0)

    @property
    def widths(self) -> FloatArray:
        return self.hi - self.lo

    @property
    def midpoints(self) -> FloatArray:
        return 0.5 * (self.lo + self.hi)

    def index(self, values: FloatArray) -> IntArray:
        v = np.asarray(values, dtype=np.float64)
        if self.kind == "LIN":
            inside = (v >= self.begin) & (v < self.end)
            idx = np.floor((v - self.begin) / self.width)
        elif self.kind == "LOG":
            inside = (v >= self.begin) & (v < self.end)
            with np.errstate(divide="ignore", invalid="ignore"):
                idx = np.floor(self.n * np.log(v / self.begin) / np.log(self.end / self.begin))
        else:
            pos = np.searchsorted(self.lo, v, side="right") - 1
            safe = np.maximum(pos, 0)
            inside = (pos >= 0) & (self.hi[safe] > v)
            idx = safe.astype(np.float64)
        idx = np.where(inside, idx, -1.0)
        return np.clip(idx, -1, max(self.n - 1, -1)).astype(np.int64)

    def energy_axis(self) -> EnergyAxis:
        """The bins as an EnergyAxis (edges lo_0..lo_{n-1}, hi_{n-1})."""
        return EnergyAxis(self.edges, "LOG" if self.kind == "LOG" else self.kind)


def linear_bins(begin: float, end: float, width: float) -> Bins:
    """evtbin LinearBinner: ceil((end - begin) / width) bins of ``width``, the last one ending at ``end``."""
    if not width > 0:
        raise ValueError("linear bins need a positive width")
    n = int(math.ceil((end - begin) / width))
    k = np.arange(n, dtype=np.float64)
    lo = begin + k * width
    hi = begin + (1.0 + k) * width
    if n:
        hi[-1] = end
    return Bins(lo, hi, "LIN", begin, end, width)


def log_bins(begin: float, end: float, n: int) -> Bins:
    """evtbin LogBinner: n bins uniform in log between ``begin`` and ``end`` (first/last edges exact)."""
    step = math.log(end / begin)
    k = np.arange(n, dtype=np.float64)
    lo = begin * np.exp(k * step / n)
    hi = begin * np.exp((1.0 + k) * step / n)
    lo[0] = begin
    hi[-1] = end
    return Bins(lo, hi, "LOG", begin, end)


def interval_bins(lo: FloatArray, hi: FloatArray) -> Bins:
    """evtbin OrderedBinner: given [lo, hi) intervals; raises ValueError unless ordered."""
    lo = np.asarray(lo, dtype=np.float64)
    hi = np.asarray(hi, dtype=np.float64)
    bad = np.flatnonzero(hi < lo)
    if bad.size:
        raise ValueError(f"bin {bad[0] + 1} has end {hi[bad[0]]:g} before its start {lo[bad[0]]:g}")
    overlap = np.flatnonzero(hi[:-1] > lo[1:])
    if overlap.size:
        k = overlap[0]
        raise ValueError(f"bin {k + 1} ends at {hi[k]:g}, after bin {k + 2} starts at {lo[k + 1]:g}")
    return Bins(lo, hi, "FILE", float(lo[0]) if lo.size else 0.0, float(hi[-1]) if hi.size else 0.0)


def snr_bins(times: FloatArray, begin: float, end: float, snratio: float) -> tuple[Bins, IntArray]:
    """evtbin ConstSnBinner without background: a bin closes when its counts reach ``snratio**2``.

    ``times`` are taken in file order; events in (begin, end] count. Returns the bins and each
    event's bin index (-1 outside). The event that closes a bin belongs to it and its time is
    the bin's end and the next bin's start; the last bin ends at ``end``.
    """
    t = np.asarray(times, dtype=np.float64)
    inside = (t > begin) & (t <= end)
    need = _snr_threshold(snratio)
    order = np.cumsum(inside) - 1
    index = np.where(inside, order // need, -1).astype(np.int64)
    accepted = t[inside]
    closers = accepted[need - 1 :: need]
    lo = np.r_[begin, closers]
    hi = np.r_[closers, end]
    return Bins(lo, hi, "SNR", begin, end), index


def _snr_threshold(snratio: float) -> int:
    """Smallest count c >= 1 with snratio**2 * c <= c**2 in double precision (ConstSnBinner's test)."""
    sn2 = snratio * snratio
    c = max(1, int(math.floor(sn2)) - 1)
    while sn2 * c > float(c) * float(c):
        c += 1
    return c


def pixel_of_events(geom: SkyGeom, ra_deg: FloatArray, dec_deg: FloatArray) -> IntArray:
    """Flat pixel index (iy * nx + ix) of each equatorial direction, -1 off the map."""
    x, y = geom.equatorial_to_pix(ra_deg, dec_deg)
    ix, iy, inside = geom.pixel_index(x, y)
    return np.where(inside, iy * geom.nx + ix, -1)


def counts_map(geom: SkyGeom, ra_deg: FloatArray, dec_deg: FloatArray) -> IntArray:
    """Counts per pixel, shape (ny, nx)."""
    pix = pixel_of_events(geom, ra_deg, dec_deg)
    counts = np.bincount(pix[pix >= 0], minlength=geom.nx * geom.ny)
    return counts.reshape(geom.ny, geom.nx)


def counts_cube(
    geom: SkyGeom, energy_bins: Bins, ra_deg: FloatArray, dec_deg: FloatArray, energy_mev: FloatArray
) -> IntArray:
    """Counts per (energy bin, y, x), shape (n_energy_bins, ny, nx)."""
    pix = pixel_of_events(geom, ra_deg, dec_deg)
    ie = energy_bins.index(energy_mev)
    keep = (pix >= 0) & (ie >= 0)
    npix = geom.nx * geom.ny
    counts = np.bincount(ie[keep] * npix + pix[keep], minlength=energy_bins.n * npix)
    return counts.reshape(energy_bins.n, geom.ny, geom.nx)


def histogram(bins: Bins, values: FloatArray, index: IntArray | None = None) -> IntArray:
    """Counts per bin."""
    idx = bins.index(values) if index is None else index
    return np.bincount(idx[idx >= 0], minlength=bins.n)[: bins.n]


def histogram2d(time_bins: Bins, time_index: IntArray, energy_bins: Bins, energy_mev: FloatArray) -> IntArray:
    """Counts per (time bin, energy bin) for PHA2."""
    ie = energy_bins.index(energy_mev)
    keep = (time_index >= 0) & (ie >= 0)
    flat = np.bincount(time_index[keep] * energy_bins.n + ie[keep], minlength=time_bins.n * energy_bins.n)
    return flat.reshape(time_bins.n, energy_bins.n)


def healpix_counts(
    nside: int,
    nest: bool,
    lon_deg: FloatArray,
    lat_deg: FloatArray,
    energy_index: IntArray,
    n_energy: int,
    pixels: IntArray | None = None,
) -> np.ndarray:
    """HEALPix counts (float64, as gtbin's CHANNELk columns), shape (n_energy, n_pixels).

    ``pixels`` lists the map's pixels for a partial-sky region (None: the whole sky).
    """
    pix = healpix.ang2pix(nside, lon_deg, lat_deg, nest)
    if pixels is not None:
        n_pix = int(pixels.size)
        if n_pix == 0:
            pix = np.full(pix.shape, -1, dtype=np.int64)
        else:
            pos = np.minimum(np.searchsorted(pixels, pix), n_pix - 1)
            pix = np.where(pixels[pos] == pix, pos, -1)
    else:
        n_pix = healpix.npix(nside)
    keep = (pix >= 0) & (energy_index >= 0)
    flat = np.bincount(energy_index[keep] * n_pix + pix[keep], minlength=n_energy * n_pix)
    return flat.reshape(n_energy, n_pix).astype(np.float64)


def stat_err(counts: np.ndarray) -> np.ndarray:
    """gtbin's error column: 1 + sqrt(counts + 0.75) for counts <= 10 (Gehrels), else sqrt(counts)."""
    c = np.asarray(counts, dtype=np.float64)
    return np.where(c <= 10.0, 1.0 + np.sqrt(0.75 + c), np.sqrt(c))


@dataclass(frozen=True)
class ExposureSum:
    """gtbin's EXPOSURE (s) and the coverage problems its computation reports."""

    exposure: float
    starts_late: bool = False
    ends_early: bool = False


def spacecraft_exposure(gti: Gti, starts: FloatArray, stops: FloatArray, livetime: FloatArray) -> ExposureSum:
    """Sum over FT2 rows of LIVETIME x (fraction of the row inside the GTI) (evtbin computeExposure).

    A row inside one interval counts with fraction exactly 1, otherwise the fraction is the sum
    over intervals of overlap / (STOP - START), as Gti::getFraction computes it.
    """
    if len(gti) == 0 or len(starts) == 0:
        return ExposureSum(0.0)
    a = np.asarray(starts, dtype=np.float64)
    b = np.asarray(stops, dtype=np.float64)
    live = np.asarray(livetime, dtype=np.float64)
    first = np.searchsorted(gti.stops, a, side="right")
    last = np.searchsorted(gti.starts, b, side="left")
    host = np.searchsorted(gti.starts, a, side="right") - 1
    host_ok = host >= 0
    inside = host_ok & (b <= gti.stops[np.maximum(host, 0)]) & (a >= gti.starts[np.maximum(host, 0)])
    counts = np.where(inside, 0, np.maximum(last - first, 0))
    row = np.repeat(np.arange(a.size), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    k = np.repeat(first, counts) + offset
    lo = np.maximum(a[row], gti.starts[k])
    hi = np.minimum(b[row], gti.stops[k])
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = np.where(hi > lo, (hi - lo) / (b[row] - a[row]), 0.0)
    fraction = np.bincount(row, weights=parts, minlength=a.size)
    fraction[inside] = 1.0
    exposure = float(np.sum(fraction * live))
    return ExposureSum(
        exposure, starts_late=bool(a[0] > gti.starts[0]), ends_early=bool(b[-1] < gti.stops[-1])
    )


@dataclass(frozen=True)
class ConeCoverage:
    """Pixels of a map whose centres lie outside a selection cone."""

    n_outside: int
    n_pixels: int
    max_excess_deg: float


def cone_coverage(geom: SkyGeom, cone: ConeCut) -> ConeCoverage:
    """How many pixel centres fall outside ``cone`` and the largest distance beyond its radius (deg)."""
    ra, dec = geom.center_grid_equatorial()
    sep = angsep_deg(ra, dec, cone.ra, cone.dec)
    excess = np.where(np.isfinite(sep), sep - cone.radius, -np.inf)
    outside = excess > 0
    worst = float(excess.max()) if outside.any() else 0.0
    return ConeCoverage(int(outside.sum()), int(sep.size), worst)
