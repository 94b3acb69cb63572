"""Compiled kernels of the livetime-cube accumulation (numba); see :mod:`xlat.core.livetime`.

The sky pixels are processed in blocks of ``B`` consecutive NESTED pixels (a small square
patch). For each block and each FT2 row, a test on the block's bounding circle decides
whether the row reaches no pixel of the block (skipped), every pixel (no per-pixel horizon
or zenith test needed) or some of them (each pixel tested with the tool's comparisons).
Rows are visited in file order inside each block, so every cell receives its additions in
the tool's order; skipping a row that adds nothing to a cell cannot change that cell.

Cell layout: ``cells[block, col, j, 0]`` holds the livetime and ``cells[block, col, j, 1]``
the weighted livetime of pixel j of the block; ``col`` is the cos(theta) bin (phi blocks
after the summed bins) and one extra last ``col`` receives the additions of pixels that
fail the cuts (a branch-free write that is thrown away).

Exactness rules (reference §3.2, reproduction notes):
* dot products are ``p.x*a.x + p.y*a.y + p.z*a.z`` in that order, float64, no FMA (numba
  only contracts with fastmath, which these kernels do not use);
* a float32 cell gets ``float32(float64(cell) + value)``, the C++ ``float += double``;
* cos(theta) = c > 0 goes to bin ``min(int(sqrt(1 - c) * n), n - 1)``; c > 1 (a pixel on
  the axis to 1e-8 rad) gives NaN in C++, which the x86 conversion sends to the last bin.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, uint64

# Columns of the per-block limit table ``limits[block, :]`` (cosines, see block_limits).
HZ_ALL, HZ_NONE, ZEN_ALL_LO, ZEN_ALL_HI, ZEN_NONE_LO, ZEN_NONE_HI = range(6)
SKIP, SOME, ALL = 0, 1, 2


@njit(cache=True)
def _classify(centers, limits, b, ax, ay, az, nx, ny, nz, use_zen, kinds):  # pragma: no cover
    """kinds[k] = SKIP / SOME / ALL for block b and rows k (a vectorised loop over rows)."""
    bx, by, bz = centers[b, 0], centers[b, 1], centers[b, 2]
    hz_all, hz_none = limits[b, HZ_ALL], limits[b, HZ_NONE]
    za_lo, za_hi = limits[b, ZEN_ALL_LO], limits[b, ZEN_ALL_HI]
    zn_lo, zn_hi = limits[b, ZEN_NONE_LO], limits[b, ZEN_NONE_HI]
    for k in range(kinds.size):
        a = ax[k] * bx + ay[k] * by + az[k] * bz
        z = nx[k] * bx + ny[k] * by + nz[k] * bz
        none = (a < hz_none) | (use_zen & ((z < zn_lo) | (z > zn_hi)))
        full = (a > hz_all) & ((not use_zen) | ((z > za_lo) & (z < za_hi)))
        kinds[k] = SKIP if none else (ALL if full else SOME)


@njit(cache=True)
def _bins(px, py, pz, base, ax, ay, az, nx, ny, nz, partial, use_zen, zcut, zmaxcut, nbins,
          idx):  # pragma: no cover
    """idx[j] = cos(theta) bin of pixel base+j for one row, or nbins (the discard column)."""
    fn = float(nbins)
    for jj in range(idx.size):
        p = uint64(base) + uint64(jj)
        c = px[p] * ax + py[p] * ay + pz[p] * az
        i = min(int(math.sqrt(max(1.0 - c, 0.0)) * fn), nbins - 1)
        i = nbins - 1 if c > 1.0 else i
        idx[jj] = i if c > 0.0 else nbins
    if partial and use_zen:
        for jj in range(idx.size):
            p = uint64(base) + uint64(jj)
            zz = px[p] * nx + py[p] * ny + pz[p] * nz
            ok = (zz > zcut) & (zz < zmaxcut)
            idx[jj] = idx[jj] if ok else nbins


@njit(cache=True)
def accumulate(px, py, pz, centers, limits, ax, ay, az, nx, ny, nz, val, wval, use_zen, zcut,
               zmaxcut, nbins, cells):  # pragma: no cover - compiled
    """phibins = 0: add every row (in order) to ``cells`` (float32: exact; float64: fast).

    ``ax..nz`` are the rows' axis and zenith components (contiguous float64), ``val`` and
    ``wval`` what each row adds to the livetime and weighted livetime.
    """
    nblk, ncols, bsize, _ = cells.shape
    flat = cells.ravel()
    kinds = np.empty(val.size, np.int8)
    idx = np.empty(bsize, np.int64)
    for b in range(nblk):
        _classify(centers, limits, b, ax, ay, az, nx, ny, nz, use_zen, kinds)
        cbase = uint64(b) * uint64(ncols) * uint64(bsize)
        for k in range(val.size):
            kind = kinds[k]
            if kind == SKIP:
                continue
            _bins(px, py, pz, b * bsize, ax[k], ay[k], az[k], nx[k], ny[k], nz[k], kind == SOME,
                  use_zen, zcut, zmaxcut, nbins, idx)
            v = val[k]
            w = wval[k]
            for jj in range(bsize):
                o = (cbase + uint64(idx[jj]) * uint64(bsize) + uint64(jj)) * uint64(2)
                a0 = np.float64(flat[o]) + v
                a1 = np.float64(flat[o + uint64(1)]) + w
                flat[o] = a0
                flat[o + uint64(1)] = a1


@njit(cache=True)
def _phi_bin(x, y, nphi):  # pragma: no cover - compiled
    """CosineBinner::phi_index of atan2(y, x) (CLHEP phi() is 0 when x = y = 0)."""
    phi = 0.0 if (x == 0.0 and y == 0.0) else math.atan2(y, x)
    if phi < 0:
        phi += 2 * math.pi
    pi4 = math.pi / 4.0
    folded = 1.0 - abs(pi4 - phi % (math.pi / 2.0)) / pi4  # phi >= 0: equals C fmod
    k = int(folded * nphi)
    return nphi - 1 if k >= nphi else k  # exactly on a diagonal the tool indexes past its array


@njit(cache=True)
def accumulate_phi(px, py, pz, centers, limits, ax, ay, az, nx, ny, nz, xx, xy, xz, yx, yy, yz,
                   val, wval, use_zen, zcut, zmaxcut, nbins, nphi, cells):  # pragma: no cover
    """phibins > 0: theta from the frame's z row (ax..az), phi from its x and y rows.

    The tool fills the summed bin i and the phi bin ``(k + 1) * nbins + i``
    [map_tools Exposure::Filler; healpix CosineBinner::fill(costheta, phi, value)].
    """
    nblk, ncols, bsize, _ = cells.shape
    kinds = np.empty(val.size, np.int8)
    idx = np.empty(bsize, np.int64)
    for b in range(nblk):
        _classify(centers, limits, b, ax, ay, az, nx, ny, nz, use_zen, kinds)
        base = b * bsize
        for k in range(val.size):
            kind = kinds[k]
            if kind == SKIP:
                continue
            _bins(px, py, pz, base, ax[k], ay[k], az[k], nx[k], ny[k], nz[k], kind == SOME,
                  use_zen, zcut, zmaxcut, nbins, idx)
            v = val[k]
            w = wval[k]
            for j in range(bsize):
                i = idx[j]
                if i == nbins:
                    continue
                x, y, z = px[base + j], py[base + j], pz[base + j]
                xp = xx[k] * x + xy[k] * y + xz[k] * z
                yp = yx[k] * x + yy[k] * y + yz[k] * z
                col = (_phi_bin(xp, yp, nphi) + 1) * nbins + i
                cells[b, i, j, 0] = np.float64(cells[b, i, j, 0]) + v
                cells[b, i, j, 1] = np.float64(cells[b, i, j, 1]) + w
                cells[b, col, j, 0] = np.float64(cells[b, col, j, 0]) + v
                cells[b, col, j, 1] = np.float64(cells[b, col, j, 1]) + w
