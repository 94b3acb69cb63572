"""The livetime cube: livetime (s) per HEALPix pixel and cos(theta) [and phi] bin (gtltcube).

Reference §3.2 and reproduction notes "Livetime cube". For each FT2 row gtltcube takes
``value = LIVETIME * overlap(row, GTIs) / (STOP - START)`` and
``weighted = value * LIVETIME / (STOP - START)``, the pointing at the row START, and for
every sky pixel that passes the zenith cut and lies less than 90 deg from the z axis adds
``value`` (``weighted``) to the pixel's cos(theta) bin [Likelihood:src/LikeExposure.cxx;
map_tools:src/Exposure.cxx; healpix:src/CosineBinner.cxx].

Two modes:

* ``exact``: the tool's arithmetic — float32 cells, each row added as
  ``float32(float64(cell) + value)`` in file order, float64 geometry in the tool's order of
  operations. The result equals gtltcube's bit for bit.
* ``fast``: float64 cells rounded to float32 once at the end, and rows with bit-identical
  pointing (SCZ, zenith, and SCX with phi bins) merged into one before the sky loop.
  Each cell is the exact-arithmetic sum to one float32 rounding (6e-8); it differs from
  gtltcube by gtltcube's own float32 rounding, a random walk of ~1e5 roundings per cell over
  two years: up to 1.3e-5 per cell on a realistic survey, 4e-5 with non-repeating pointing,
  3e-4 on the MANIFEST §10 FT2, whose 311 copies of the same 5604 livetimes make the rounding
  errors add up coherently (docs/ltcube.md, bench/bench_ltcube.py). Merging only pays when
  pointings repeat exactly (that FT2); on real FT2 files the fast mode costs about as much as
  the exact one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np

from xlat.core import livetime_kernels as kern
from xlat.core.gti import Gti
from xlat.core.healpix import npix_of, pixel_vectors, radec_vectors
from xlat.core.types import FloatArray, IntArray
from xlat.progress import NEVER_CANCEL, NO_PROGRESS, CancelToken, Progress

Mode = Literal["exact", "fast"]

FT2_FILTER_MARGIN = 60.0
"""gtltcube reads FT2 rows with START >= tmin - 60 and STOP <= tmax + 60 (2 x 30 s) [makeExposureCube.cxx]."""

BLOCK_MARGIN_RAD = 1e-6
"""Safety margin added to each pixel block's bounding radius (rounding is ~1e-16)."""

ROWS_PER_CHUNK = 16384


@dataclass(frozen=True)
class LivetimeGrid:
    """Binning of a livetime cube: nside, cos(theta) bins (cosmin 0, sqrt scheme), phi bins, zenith cut (deg)."""

    nside: int
    nbins: int
    phibins: int = 0
    zmin: float = 0.0
    zmax: float = 180.0

    @property
    def npix(self) -> int:
        return npix_of(self.nside)

    @property
    def ncols(self) -> int:
        """Values per pixel: nbins * (1 + phibins)."""
        return self.nbins * (1 + self.phibins)

    def zenith_cosines(self) -> tuple[float, float]:
        """(cos zmax, cos zmin) exactly as LikeExposure computes them: cos(z*M_PI/180.)."""
        return math.cos(self.zmax * math.pi / 180.0), math.cos(self.zmin * math.pi / 180.0)

    @property
    def zenith_cut(self) -> bool:
        """False when the tool skips the zenith test (cos zmax == -1 and cos zmin == 1)."""
        zcut, zmaxcut = self.zenith_cosines()
        return not (zcut == -1.0 and zmaxcut == 1.0)


def nbins_from_dcostheta(dcostheta: float) -> int:
    """Number of cos(theta) bins: ``(unsigned)(1/dcostheta)`` [map_tools:src/Exposure.cxx]."""
    if not 0 < dcostheta <= 1:
        raise ValueError(f"dcostheta must be in (0, 1], got {dcostheta}")
    return int(1.0 / dcostheta)


@dataclass(frozen=True)
class RowWeights:
    """FT2 rows that add livetime: their indices and what each adds (s)."""

    index: IntArray
    value: FloatArray
    weighted: FloatArray


def row_weights(start: FloatArray, stop: FloatArray, livetime: FloatArray, gti: Gti) -> RowWeights:
    """The FT2 rows gtltcube adds, in file order, with LIVETIME x GTI fraction and its weighted twin.

    Follows makeExposureCube/LikeExposure::load: the row filter
    ``START >= tmin-60 && STOP <= tmax+60``; start at the last row with START <= tmin; stop
    after the first row with START >= tmax; the GTI overlaps of a row summed in GTI order
    (``acceptInterval``). Rows that add 0 are dropped (adding 0 changes no cell).
    """
    start = np.asarray(start, dtype=np.float64)
    stop = np.asarray(stop, dtype=np.float64)
    livetime = np.asarray(livetime, dtype=np.float64)
    empty = RowWeights(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if len(gti) == 0:
        return empty
    tmin, tmax = gti.tstart, gti.tstop
    index = np.flatnonzero((start >= tmin - FT2_FILTER_MARGIN) & (stop <= tmax + FT2_FILTER_MARGIN))
    if index.size == 0:
        return empty
    s, e = start[index], stop[index]
    later = np.flatnonzero(s > tmin)
    begin = max(int(later[0]) if later.size else s.size, 1) - 1
    beyond = np.flatnonzero(s[begin:] >= tmax)
    if beyond.size and beyond[0] == 0:
        return empty
    end = begin + int(beyond[0]) + 1 if beyond.size else s.size
    index, s, e = index[begin:end], s[begin:end], e[begin:end]
    total = _gti_overlap_in_order(s, e, gti)
    length = e - s
    total = np.minimum(total, length)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(length > 0, total / length, 0.0)
        lt = livetime[index]
        value = lt * fraction
        weight = np.where(length > 0, lt / length, 0.0)
    weighted = value * weight
    keep = value != 0.0
    return RowWeights(index[keep], value[keep], weighted[keep])


def _gti_overlap_in_order(s: FloatArray, e: FloatArray, gti: Gti) -> FloatArray:
    """Sum over GTIs (in order) of each row's overlap, as a sequential float64 sum."""
    lo = np.searchsorted(gti.stops, s, side="right")  # first GTI ending after the row start
    hi = np.searchsorted(gti.starts, e, side="left")  # first GTI starting at or after the row stop
    count = np.maximum(hi - lo, 0)
    total = np.zeros(s.size)
    for k in range(int(count.max()) if count.size else 0):
        sel = np.flatnonzero(count > k)
        g = lo[sel] + k
        piece = np.minimum(gti.stops[g], e[sel]) - np.maximum(gti.starts[g], s[sel])
        total[sel] += np.where(piece > 0, piece, 0.0)
    return total


def uncovered_time(gti: Gti, start: FloatArray, stop: FloatArray) -> float:
    """Seconds of the GTIs that no FT2 row [START, STOP] covers."""
    if len(gti) == 0:
        return 0.0
    rows = Gti.from_arrays(start, stop)
    return max(gti.ontime - gti.intersect(rows).ontime, 0.0)


@dataclass(frozen=True)
class Pointing:
    """Directions per selected row (unit vectors, float64 as astro::SkyDir builds them)."""

    axis: FloatArray  # instrument z axis (SCZ; with phi bins the orthonormalised frame's z)
    zenith: FloatArray
    xaxis: FloatArray  # instrument frame x and y (only used with phi bins; else empty)
    yaxis: FloatArray


def pointing(ra_scz: FloatArray, dec_scz: FloatArray, ra_zenith: FloatArray, dec_zenith: FloatArray,
             ra_scx: FloatArray | None = None, dec_scx: FloatArray | None = None) -> Pointing:
    """Row directions from FT2 columns in degrees; with SCX the phi-binning frame (see instrument_frame)."""
    scz = radec_vectors(ra_scz, dec_scz)
    zen = radec_vectors(ra_zenith, dec_zenith)
    if ra_scx is None or dec_scx is None:
        none = np.zeros((0, 3))
        return Pointing(scz, zen, none, none)
    v1, v2, v3 = instrument_frame(scz, radec_vectors(ra_scx, dec_scx))
    return Pointing(v3, zen, v1, v2)


def instrument_frame(scz: FloatArray, scx: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Rows of the celestial -> instrument rotation, as gtltcube builds it for phi bins.

    ``astro::PointingTransform(z, x).localToCelestial()`` is ``CLHEP::HepRotation(x, z^x, z)``,
    whose ``set`` normalises the columns and re-orthogonalises them starting from the pair
    with the smallest |dot| (CLHEP Vector/src/RotationC.cc); ``inverse()`` is the transpose.
    The resulting z row differs from SCZ by up to ~1e-7 rad (FT2 directions are float32).
    """
    xd, zd = scx, scz
    yd = _cross(zd, xd)
    ux, uy, uz = _unit(xd), _unit(yd), _unit(zd)
    u12, u13, u23 = _dot(ux, uy), _dot(ux, uz), _dot(uy, uz)
    f12, f13, f23 = np.abs(u12), np.abs(u13), np.abs(u23)
    first = (f12 <= f13) & (f12 <= f23)
    second = ~first & (f13 <= f23)
    third = ~first & ~second
    v1, v2, v3 = np.empty_like(ux), np.empty_like(ux), np.empty_like(ux)
    # case 1: v1 = ux, v2 = unit(uy - u12 ux), v3 = v1 x v2
    a2 = _unit(uy - u12[:, None] * ux)
    v1[first], v2[first], v3[first] = ux[first], a2[first], _cross(ux, a2)[first]
    # case 2: v3 = uz, v1 = unit(ux - u13 uz), v2 = v3 x v1
    b1 = _unit(ux - u13[:, None] * uz)
    v3[second], v1[second], v2[second] = uz[second], b1[second], _cross(uz, b1)[second]
    # case 3: v2 = uy, v3 = unit(uz - u23 uy), v1 = v2 x v3
    c3 = _unit(uz - u23[:, None] * uy)
    v2[third], v3[third], v1[third] = uy[third], c3[third], _cross(uy, c3)[third]
    return v1, v2, v3


def _dot(a: FloatArray, b: FloatArray) -> FloatArray:
    return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1] + a[:, 2] * b[:, 2]


def _cross(a: FloatArray, p: FloatArray) -> FloatArray:
    """CLHEP a.cross(p) = (ay pz - py az, az px - pz ax, ax py - px ay)."""
    return np.stack([a[:, 1] * p[:, 2] - p[:, 1] * a[:, 2],
                     a[:, 2] * p[:, 0] - p[:, 2] * a[:, 0],
                     a[:, 0] * p[:, 1] - p[:, 0] * a[:, 1]], axis=-1)


def _unit(v: FloatArray) -> FloatArray:
    """CLHEP unit(): multiply by 1/sqrt(x^2+y^2+z^2) when that is positive."""
    tot = v[:, 0] * v[:, 0] + v[:, 1] * v[:, 1] + v[:, 2] * v[:, 2]
    with np.errstate(divide="ignore"):
        scale = np.where(tot > 0, 1.0 / np.sqrt(tot), 1.0)
    return v * scale[:, None]


@dataclass(frozen=True)
class PixelBlocks:
    """Pixel centres in blocks of ``size`` consecutive NESTED pixels, with bounding circles."""

    size: int
    px: FloatArray
    py: FloatArray
    pz: FloatArray
    centers: FloatArray  # (nblocks, 3) unit vectors
    radius: FloatArray  # (nblocks,) rad, including BLOCK_MARGIN_RAD


@cache
def pixel_blocks(nside: int) -> PixelBlocks:
    """Blocks of (nside/8)^2 pixels (8 x 8 pixels at nside 64; single pixels below nside 8)."""
    vec = pixel_vectors(nside)
    size = max(1, (nside // 8) ** 2)
    groups = vec.reshape(-1, size, 3)
    mean = groups.sum(axis=1)
    centers = mean / np.linalg.norm(mean, axis=1)[:, None]
    cosang = np.clip(np.einsum("bjk,bk->bj", groups, centers), -1.0, 1.0)
    radius = np.arccos(cosang.min(axis=1)) + BLOCK_MARGIN_RAD
    return PixelBlocks(size, np.ascontiguousarray(vec[:, 0]), np.ascontiguousarray(vec[:, 1]),
                       np.ascontiguousarray(vec[:, 2]), centers, radius)


def block_limits(blocks: PixelBlocks, grid: LivetimeGrid) -> FloatArray:
    """Per block: the cosines that decide "no pixel / every pixel" passes (see livetime_kernels)."""
    rho = blocks.radius
    zmax, zmin = math.radians(grid.zmax), math.radians(grid.zmin)

    def cos_or(angle: FloatArray, valid: np.ndarray, fallback: float) -> FloatArray:
        return np.where(valid, np.cos(np.clip(angle, 0.0, math.pi)), fallback)

    limits = np.empty((rho.size, 6))
    limits[:, kern.HZ_ALL] = np.sin(rho)
    limits[:, kern.HZ_NONE] = -np.sin(rho)
    limits[:, kern.ZEN_ALL_LO] = cos_or(zmax - rho, zmax - rho > 0, 2.0)
    limits[:, kern.ZEN_ALL_HI] = cos_or(zmin + rho, zmin + rho < math.pi, -2.0)
    limits[:, kern.ZEN_NONE_LO] = cos_or(zmax + rho, zmax + rho < math.pi, -2.0)
    limits[:, kern.ZEN_NONE_HI] = cos_or(zmin - rho, zmin - rho > 0, 2.0)
    return limits


def accumulate(grid: LivetimeGrid, where: Pointing, value: FloatArray, weighted: FloatArray,
               mode: Mode = "exact", progress: Progress = NO_PROGRESS,
               cancel: CancelToken = NEVER_CANCEL) -> tuple[np.ndarray, np.ndarray]:
    """Livetime and weighted livetime, float32 arrays (npix, nbins*(1+phibins)) in NESTED order (s).

    ``where`` and ``value``/``weighted`` describe the rows in file order (see row_weights).
    """
    value = np.asarray(value, dtype=np.float64)
    weighted = np.asarray(weighted, dtype=np.float64)
    if mode == "fast":
        where, value, weighted = merge_identical(where, value, weighted, grid.phibins > 0)
    blocks = pixel_blocks(grid.nside)
    limits = block_limits(blocks, grid)
    zcut, zmaxcut = grid.zenith_cosines()
    dtype = np.float32 if mode == "exact" else np.float64
    cells = np.zeros((blocks.centers.shape[0], grid.ncols + 1, blocks.size, 2), dtype=dtype)
    geometry = (blocks.px, blocks.py, blocks.pz, blocks.centers, limits)
    rows = [np.ascontiguousarray(a) for a in (*where.axis.T, *where.zenith.T)]
    frame = [np.ascontiguousarray(a) for a in (*where.xaxis.T, *where.yaxis.T)]
    cuts = (grid.zenith_cut, zcut, zmaxcut, grid.nbins)
    nrows = value.size
    task = progress.task(f"livetime cube ({mode})", total=nrows)
    try:
        for r0 in range(0, nrows, ROWS_PER_CHUNK):
            cancel.check()
            part = slice(r0, min(r0 + ROWS_PER_CHUNK, nrows))
            chunk = [a[part] for a in rows]
            if grid.phibins == 0:
                kern.accumulate(*geometry, *chunk, value[part], weighted[part], *cuts, cells)
            else:
                kern.accumulate_phi(*geometry, *chunk, *(a[part] for a in frame), value[part],
                                    weighted[part], *cuts, grid.phibins, cells)
            task.advance(part.stop - part.start)
    finally:
        task.close()
    return _pixel_major(cells, grid.ncols, 0), _pixel_major(cells, grid.ncols, 1)


def _pixel_major(cells: np.ndarray, ncols: int, which: int) -> np.ndarray:
    """cells[block, col, j, which] -> float32 (pixel, col), cast block by block (no float64 temporary)."""
    nblk, _, size, _ = cells.shape
    out = np.empty((nblk, size, ncols), dtype=np.float32)
    for b in range(nblk):
        out[b] = cells[b, :ncols, :, which].T
    return out.reshape(nblk * size, ncols)


def merge_identical(where: Pointing, value: FloatArray, weighted: FloatArray,
                    use_frame: bool) -> tuple[Pointing, FloatArray, FloatArray]:
    """Merge rows whose pointing vectors are bit-identical, summing their values (float64)."""
    parts = [where.axis, where.zenith] + ([where.xaxis, where.yaxis] if use_frame else [])
    key = np.ascontiguousarray(np.concatenate(parts, axis=1))
    if key.shape[0] == 0:
        return where, value, weighted
    view = key.view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel()
    _, first, inverse = np.unique(view, return_index=True, return_inverse=True)
    if first.size == value.size:
        return where, value, weighted
    order = np.argsort(first)  # keep first-appearance order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    group = rank[inverse.ravel()]
    sums = np.bincount(group, weights=value, minlength=order.size)
    wsums = np.bincount(group, weights=weighted, minlength=order.size)
    pick = first[order]
    frame = (where.xaxis[pick], where.yaxis[pick]) if use_frame else (where.xaxis, where.yaxis)
    return Pointing(where.axis[pick], where.zenith[pick], *frame), sums, wsums
