"""Diffuse-source maps on a WCS counts cube by gtsrcmaps's FFT path (reference §7.2).

Per source-map energy E_k:

1. a working grid with the counts map's projection and reference direction, pixel size
   CDELT/r, padded by ``min(10, max(1, r_99.9(E_k)))`` deg of the observation PSF for
   conforming maps (:func:`working_grid`);
2. the template sampled at the working-pixel centres (``float32``, as WcsMap2 stores it),
   times the binned exposure at those centres (nearest-pixel lookup);
3. convolution with the observation mean PSF tabulated on an odd square grid of the same pixel
   size and projection centred on the counts-map reference direction, normalised to unit
   sum -- an ordinary linear convolution about the kernel's central pixel, computed here with
   real FFTs on the smallest alias-free size for the rows and columns that are kept;
4. down-sampling: every kept working pixel adds ``conv / r / r * Omega_p`` to its counts pixel,
   accumulated in float32 in the tool's loop order.

Everything the sources share (grids, directions, exposures, PSF kernels and their FFTs, the
0.999 containment radii) is cached in a :class:`DiffuseContext`.
[Likelihood:src/PSFUtils.cxx makeDiffuseMap_wcs, computeResampFactor; src/WcsMap2.cxx WcsMap2(...),
convolve; src/Convolve.cxx convolve2d]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.fft

from xlat.core.exposure_lookup import ExposureLookup
from xlat.core.geom import SkyGeom
from xlat.core.meanpsf import MeanPsf
from xlat.core.rootfind import brent_root
from xlat.core.srcmap_kernels import centre_psf
from xlat.core.srcmap_pixels import CountsMapPixels, chord_separation, radec_vectors
from xlat.core.srcmap_radial import disk_profile, gaussian_profile, interpolate_profile, theta_table
from xlat.core.srcmap_template import Sampler
from xlat.core.types import FloatArray
from xlat.errors import InputError
from xlat.progress import NEVER_CANCEL, CancelToken


@dataclass(frozen=True)
class WorkingGrid:
    """The oversampled grid of one plane: its geometry, the factor r and the kept window."""

    geom: SkyGeom
    r: int
    x0: int
    x1: int
    y0: int
    y1: int


def resample_factor(cmap_pixel: float, template_pixel: float | None, rfactor: int, resample: bool) -> int:
    """PSFUtils::computeResampFactor: max(rfactor, int(cmap pixel / template pixel)), 1 if resample=no."""
    if not resample:
        return 1
    model = cmap_pixel if template_pixel is None else template_pixel
    return int(max(float(rfactor), float(max(1, int(cmap_pixel / model)))))


def working_grid(
    pixels: CountsMapPixels,
    r: int,
    pad_deg: float,
    map_radius_deg: float,
    *,
    resample: bool,
    spatial_function: bool = False,
) -> WorkingGrid:
    """The working grid of makeDiffuseMap_wcs for one energy (pad only matters for conforming maps)."""
    g = pixels.geom
    cdelt1, cdelt2 = g.cdelt1 / r, g.cdelt2 / r
    nx_off = ny_off = nx_up = ny_up = 0
    if spatial_function:
        naxis1, naxis2 = int(g.nx * r), int(g.ny * r)
        crpix1, crpix2 = r * (g.crpix1 - 0.5) + 0.5, r * (g.crpix2 - 0.5) + 0.5
    elif pixels.conforming:
        radius = min(180.0, map_radius_deg + pad_deg)
        mapsize = 2 * int(radius / abs(cdelt1))
        naxis1 = naxis2 = mapsize
        crpix1 = crpix2 = (mapsize + 1.0) / 2.0
        nx_off = nx_up = int((mapsize - g.nx * r) / 2)
        ny_off = ny_up = int((mapsize - g.ny * r) / 2)
        if resample and (naxis1 - nx_off - nx_up) - g.nx * r != 0:
            nx_off += 1
        if resample and (naxis2 - ny_off - ny_up) - g.ny * r != 0:
            ny_off += 1
        if not resample:
            if g.nx % 2 == 1:
                crpix1 += 0.5
                nx_off += 1
            if g.ny % 2 == 1:
                crpix2 += 0.5
                ny_off += 1
    else:  # quirk 20: no padding, CRPIX r, last row/column skipped
        naxis1, naxis2 = int(g.nx * r), int(g.ny * r)
        naxis1 += naxis1 % 2
        naxis2 += naxis2 % 2
        crpix1, crpix2 = g.crpix1 * r, g.crpix2 * r
        nx_up = ny_up = 1
    geom = SkyGeom(
        nx=naxis1,
        ny=naxis2,
        cdelt1=cdelt1,
        cdelt2=cdelt2,
        crval1=g.crval1,
        crval2=g.crval2,
        crpix1=crpix1,
        crpix2=crpix2,
        proj=g.proj,
        coordsys=g.coordsys,
    )
    return WorkingGrid(geom, r, nx_off, naxis1 - nx_up, ny_off, naxis2 - ny_up)


def kernel_separations(work: SkyGeom, npix: int, ref_ra: float, ref_dec: float) -> FloatArray:
    """Separations (deg) from the reference direction of the pixel centres of WcsMap2::convolve's
    PSF image: an *equatorial* grid of the working grid's projection and pixel size, npix x npix,
    centred on (ref_ra, ref_dec); NaN where unprojectable."""
    kgeom = SkyGeom(
        nx=npix,
        ny=npix,
        cdelt1=work.cdelt1,
        cdelt2=work.cdelt2,
        crval1=ref_ra,
        crval2=ref_dec,
        crpix1=(npix + 1) / 2.0,
        crpix2=(npix + 1) / 2.0,
        proj=work.proj,
        coordsys="CEL",
    )
    ra, dec = kgeom.center_grid()
    return chord_separation(radec_vectors(ra, dec), radec_vectors(ref_ra, ref_dec)) * (180.0 / np.pi)


def kernel_size(work: SkyGeom) -> int:
    """Odd PSF-image size: min(naxis1, naxis2), minus 1 if even."""
    npix = min(work.nx, work.ny)
    return npix - 1 if npix % 2 == 0 else npix


def normalised_kernel(values: FloatArray) -> np.ndarray:
    """float32 PSF image divided by its (double) sum, as ::Image::normalize does."""
    image = np.where(np.isfinite(values), values, 0.0).astype(np.float32)
    total = float(np.sum(image, dtype=np.float64))
    return (image.astype(np.float64) / total).astype(np.float32)


def convolve_window(
    signal: np.ndarray,
    kernel_fft: np.ndarray,
    shape: tuple[int, int],
    m: int,
    window: tuple[int, int, int, int],
) -> np.ndarray:
    """Rows y0:y1, columns x0:x1 of the 'same'-size linear convolution of ``signal`` with an odd m x m
    kernel about its central pixel, from the kernel's rfft2 of size ``shape`` (float32 result)."""
    x0, x1, y0, y1 = window
    c = (m - 1) // 2
    spec = scipy.fft.rfft2(signal.astype(np.float64), s=shape)
    full = scipy.fft.irfft2(spec * kernel_fft, s=shape)
    return full[y0 + c : y1 + c, x0 + c : x1 + c].astype(np.float32)


def fft_shape(signal_shape: tuple[int, int], m: int, window: tuple[int, int, int, int]) -> tuple[int, int]:
    """Smallest fast FFT sizes for which the kept window of the linear convolution does not alias."""
    x0, x1, y0, y1 = window
    c = (m - 1) // 2
    ny, nx = signal_shape
    need_y = max(ny + m - 1 - y0 - c, y1 + c, ny, m)
    need_x = max(nx + m - 1 - x0 - c, x1 + c, nx, m)
    return scipy.fft.next_fast_len(need_y, real=True), scipy.fft.next_fast_len(need_x, real=True)


def downsample(image: np.ndarray, grid: WorkingGrid, omega: FloatArray) -> np.ndarray:
    """sum over each counts pixel's r x r working pixels of value / r / r * Omega (float32 accumulation)."""
    r = grid.r
    ny, nx = omega.shape
    acc = np.zeros((ny, nx), dtype=np.float32)
    for dj in range(r):
        for di in range(r):
            sub = image[dj::r, di::r]
            h, w = min(sub.shape[0], ny), min(sub.shape[1], nx)
            term = sub[:h, :w].astype(np.float64) / r / r * omega[:h, :w]
            acc[:h, :w] = (acc[:h, :w].astype(np.float64) + term).astype(np.float32)
    return acc


@dataclass(eq=False)
class DiffuseContext:
    """What the diffuse sources of one counts cube share: pixels, energies, PSF, exposure, caches.

    For a given r the padded grids of all energies are concentric windows of the largest one
    (same reference pixel offset, same pixel size), so directions, exposure indices and PSF
    separations are computed once on the largest grid and sliced.
    """

    pixels: CountsMapPixels
    energies: FloatArray
    psf: MeanPsf
    exposure: ExposureLookup | None
    enforce_bounds: bool = True
    resample: bool = True
    rfactor: int = 2
    cancel: CancelToken = NEVER_CANCEL
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.ref_ra, self.ref_dec = self.pixels.reference_equatorial()
        self.map_radius = self.pixels.max_radius_deg(self.ref_ra, self.ref_dec)

    def pad(self, k: int) -> float:
        """min(10, max(1, r_99.9(E_k))) deg of the observation PSF (MeanPsf::containmentRadius, rtol 1e-3)."""
        key = ("pad", k)
        if key not in self._cache:
            energy = float(self.energies[k])
            r999 = brent_root(lambda t: float(np.ravel(self.psf.integral(t, energy))[0]), 0.0, 180.0, 0.999)
            self._cache[key] = min(10.0, max(1.0, r999))
        return self._cache[key]

    def grid(self, k: int, r: int, spatial_function: bool = False) -> WorkingGrid:
        pad = 0.0 if spatial_function or not self.pixels.conforming else self.pad(k)
        return working_grid(
            self.pixels, r, pad, self.map_radius, resample=self.resample, spatial_function=spatial_function
        )

    def _base(self, r: int, spatial_function: bool) -> WorkingGrid:
        key = ("base", r, spatial_function)
        if key not in self._cache:
            grids = [self.grid(k, r, spatial_function) for k in range(self.energies.size)]
            self._cache[key] = max(grids, key=lambda g: g.geom.nx)
        return self._cache[key]

    def _offset(self, grid: WorkingGrid, spatial_function: bool) -> tuple[WorkingGrid, int]:
        base = self._base(grid.r, spatial_function)
        d = (base.geom.nx - grid.geom.nx) // 2
        return base, d

    def directions(self, grid: WorkingGrid, spatial_function: bool = False) -> tuple[FloatArray, FloatArray]:
        """J2000 (ra, dec) of the working-pixel centres (NaN where unprojectable)."""
        base, d = self._offset(grid, spatial_function)
        key = ("dirs", base.geom)
        if key not in self._cache:
            self._cache[key] = base.geom.center_grid_equatorial()
        ra, dec = self._cache[key]
        ny, nx = grid.geom.ny, grid.geom.nx
        return ra[d : d + ny, d : d + nx], dec[d : d + ny, d : d + nx]

    def exposure_plane(
        self, grid: WorkingGrid, k: int, what: str, spatial_function: bool = False
    ) -> FloatArray | None:
        """Binned exposure (float32) at the working-pixel centres of plane k (BinnedExposure::operator())."""
        if self.exposure is None:
            return None
        key = ("expo", grid.geom, k)
        if key not in self._cache:
            base, d = self._offset(grid, spatial_function)
            ikey = ("expidx", base.geom)
            if ikey not in self._cache:
                self._cache[ikey] = self.exposure.pixel_indices(*self.directions(base, spatial_function))
            ny, nx = grid.geom.ny, grid.geom.nx
            index = tuple(a[d : d + ny, d : d + nx] for a in self._cache[ikey])
            self._cache[key] = self.exposure.values(
                index, float(self.energies[k]), enforce=self.enforce_bounds, wrap=True, what=what
            ).astype(np.float32)
        return self._cache[key]

    def kernel_fft(self, grid: WorkingGrid, k: int) -> tuple[np.ndarray, tuple[int, int], int]:
        """rfft2 of the unit-sum PSF image of plane k on this grid, its FFT size and kernel size."""
        key = ("kernel", grid.geom, k)
        if key not in self._cache:
            base, _ = self._offset(grid, False)
            skey = ("kseps", base.geom)
            if skey not in self._cache:
                seps = kernel_separations(base.geom, kernel_size(base.geom), self.ref_ra, self.ref_dec)
                values = np.ascontiguousarray(self.psf.values, dtype=np.float64)
                flat = np.where(np.isfinite(seps), seps, 1e9).ravel()
                table = centre_psf(values, np.ascontiguousarray(self.psf.seps, dtype=np.float64), flat)
                self._cache[skey] = np.where(
                    np.isfinite(seps)[None], table.reshape((-1,) + seps.shape), np.nan
                )
            full = self._cache[skey]
            m = kernel_size(grid.geom)
            d = (full.shape[1] - m) // 2
            kern = normalised_kernel(full[k, d : d + m, d : d + m])
            shape = fft_shape((grid.geom.ny, grid.geom.nx), m, (grid.x0, grid.x1, grid.y0, grid.y1))
            self._cache[key] = (scipy.fft.rfft2(kern.astype(np.float64), s=shape), shape, m)
        return self._cache[key]

    def source_map(
        self,
        name: str,
        sampler: Sampler,
        template_pixel: float | None = None,
        *,
        apply_exposure: bool = True,
        convolve: bool = True,
        planes: range | None = None,
        progress: Any = None,
    ) -> np.ndarray:
        """The map (n_planes, ny, nx) float32 of a template source (MapCube, SpatialMap, ConstantValue)
        at the context's energies ``planes`` (all by default)."""
        r = resample_factor(self.pixels.pixel_size, template_pixel, self.rfactor, self.resample)
        g = self.pixels.geom
        planes = range(self.energies.size) if planes is None else planes
        out = np.zeros((len(planes), g.ny, g.nx), dtype=np.float32)
        what = f" for the PSF-padded region of diffuse source '{name}'"
        base = self._base(r, False)
        bra, bdec = self.directions(base)
        ok = np.isfinite(bra) & np.isfinite(bdec)
        prepared = sampler.prepare(bra[ok], bdec[ok])
        for i, k in enumerate(planes):
            energy = float(self.energies[k])
            self.cancel.check()
            grid = self.grid(k, r)
            d = (base.geom.nx - grid.geom.nx) // 2
            full = np.zeros(bra.shape, dtype=np.float32)
            full[ok] = np.asarray(sampler.sample(prepared, energy), dtype=np.float64).astype(np.float32)
            values = full[d : d + grid.geom.ny, d : d + grid.geom.nx]
            if np.any(values < 0):
                raise InputError(f"diffuse source '{name}': negative template values at {energy:.6g} MeV")
            expo = self.exposure_plane(grid, k, what) if apply_exposure else None
            counts = values if expo is None else (values.astype(np.float64) * expo).astype(np.float32)
            window = (grid.x0, grid.x1, grid.y0, grid.y1)
            if convolve:
                kfft, shape, m = self.kernel_fft(grid, k)
                image = convolve_window(counts, kfft, shape, m, window)
            else:
                image = counts[grid.y0 : grid.y1, grid.x0 : grid.x1]
            out[i] = downsample(image, grid, self.pixels.solid_angles)
            if progress is not None:
                progress.advance(1)
        return out

    def radial_map(
        self,
        name: str,
        shape: str,
        ra_deg: float,
        dec_deg: float,
        size_deg: float,
        *,
        apply_exposure: bool = True,
        planes: range | None = None,
        progress: Any = None,
    ) -> np.ndarray:
        """The map of a RadialGaussian (``shape='gaussian'``, sigma) or RadialDisk ('disk', radius)
        by the analytic radial convolution (reference §7.3)."""
        r = resample_factor(self.pixels.pixel_size, None, self.rfactor, self.resample)
        grid = self.grid(0, r, spatial_function=True)
        g = self.pixels.geom
        planes = range(self.energies.size) if planes is None else planes
        ra, dec = self.directions(grid, spatial_function=True)
        centre = radec_vectors(ra_deg, dec_deg)
        dist = chord_separation(radec_vectors(ra, dec), centre) * (180.0 / np.pi)
        border = np.zeros(dist.shape, dtype=bool)
        border[0, :] = border[-1, :] = border[:, 0] = border[:, -1] = True
        cmin = min(abs(grid.geom.cdelt1), abs(grid.geom.cdelt2))
        cmax = max(abs(grid.geom.cdelt1), abs(grid.geom.cdelt2))
        theta = theta_table(float(np.nanmax(dist[border])), cmin, cmax)
        ks = np.asarray(list(planes), dtype=np.int64)
        profile = (gaussian_profile if shape == "gaussian" else disk_profile)(self.psf, ks, theta, size_deg)
        expo = np.ones(len(ks))
        if apply_exposure and self.exposure is not None:
            index = self.exposure.pixel_indices(np.array([ra_deg]), np.array([dec_deg]))
            what = f" at the centre of extended source '{name}'"
            expo = np.array(
                [
                    float(
                        self.exposure.values(
                            index, float(self.energies[k]), enforce=self.enforce_bounds, wrap=True, what=what
                        )[0]
                    )
                    for k in ks
                ]
            )
        out = np.zeros((len(ks), g.ny, g.nx), dtype=np.float32)
        ok = np.isfinite(dist)
        for i in range(len(ks)):
            self.cancel.check()
            counts = np.zeros(dist.shape, dtype=np.float32)
            counts[ok] = (interpolate_profile(theta, profile[i], dist[ok]) * expo[i]).astype(np.float32)
            out[i] = downsample(counts[grid.y0 : grid.y1, grid.x0 : grid.x1], grid, self.pixels.solid_angles)
            if progress is not None:
                progress.advance(1)
        return out
