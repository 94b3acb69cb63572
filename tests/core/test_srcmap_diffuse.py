"""Diffuse source-map building blocks (reference §7.2, §7.3): closure tests against independent code."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.signal import fftconvolve

from xlat.core.exposure_lookup import ExposureLookup
from xlat.core.geom import SkyGeom
from xlat.core.meanpsf import MeanPsf, normalise, separations
from xlat.core.rootfind import brent_root
from xlat.core.srcmap_diffuse import convolve_window, downsample, fft_shape, working_grid
from xlat.core.srcmap_pixels import CountsMapPixels
from xlat.core.srcmap_radial import disk_profile, gaussian_profile, theta_table


def test_windowed_fft_convolution_equals_fftconvolve_same(rng):
    signal = rng.random((60, 60))
    kernel = rng.random((59, 59))
    window = (17, 43, 15, 45)  # x0, x1, y0, y1
    shape = fft_shape(signal.shape, 59, window)
    kfft = np.fft.rfft2(kernel, s=shape)
    ours = convolve_window(signal.astype(np.float32), kfft, shape, 59, window)
    # Convolve::convolve2d is a linear convolution about the kernel's central pixel (reference §7.2 step 7)
    ref = fftconvolve(signal.astype(np.float32).astype(np.float64), kernel, mode="same")[15:45, 17:43]
    assert np.max(np.abs(ours - ref)) <= 1e-6 * np.max(ref)
    assert shape[0] < 60 + 59 - 1  # the kept window lets the FFT be smaller than the full linear size


def test_brent_root_meets_the_relative_interval_tolerance():
    root = brent_root(lambda x: x**3, 0.0, 180.0, 2.0, rtol=1e-3)
    exact = brentq(lambda x: x**3 - 2.0, 0.0, 180.0, xtol=1e-14)
    assert abs(root - exact) <= 1e-3 * exact


def test_working_grid_of_a_conforming_map_is_even_square_and_centred():
    pixels = CountsMapPixels(SkyGeom.from_params(100, 100, 0.2, 184.557, -5.784, "GAL", "CAR"))
    grid = working_grid(pixels, 2, 3.0, 14.1, resample=True)
    g = grid.geom
    assert g.nx == g.ny == 2 * int((14.1 + 3.0) / 0.1)
    assert g.crpix1 == (g.nx + 1) / 2 and g.cdelt1 == -0.1
    assert (grid.x1 - grid.x0, grid.y1 - grid.y0) == (200, 200) and grid.x0 == (g.nx - 200) // 2
    odd = working_grid(
        CountsMapPixels(SkyGeom.from_params(51, 51, 0.2, 0.0, 0.0, "CEL", "AIT")), 3, 1.0, 7.0, resample=True
    )
    assert odd.x1 - odd.x0 == 153  # the odd remainder is added back on the low side (xtest)


def test_non_conforming_map_gets_no_padding_and_skips_the_last_row():
    geom = SkyGeom(nx=50, ny=40, cdelt1=-0.2, cdelt2=0.2, crval1=10.0, crval2=20.0, crpix1=10.0, crpix2=12.0)
    grid = working_grid(CountsMapPixels(geom), 2, 5.0, 10.0, resample=True)
    # quirk 20: naxis n r (even), CRPIX r, last working row/column skipped
    assert (grid.geom.nx, grid.geom.ny, grid.geom.crpix1) == (100, 80, 20.0)
    assert (grid.x1, grid.y1) == (99, 79)


def test_downsampling_is_the_block_mean_times_solid_angle(rng):
    geom = SkyGeom.from_params(10, 8, 0.2, 0.0, 0.0, "CEL", "CAR")
    grid = working_grid(CountsMapPixels(geom), 2, 0.0, 0.0, resample=True, spatial_function=True)
    image = rng.random((16, 20)).astype(np.float32)
    omega = CountsMapPixels(geom).solid_angles
    ours = downsample(image, grid, omega)
    ref = image.astype(np.float64).reshape(8, 2, 10, 2).mean(axis=(1, 3)) * omega
    assert np.allclose(ours, ref, rtol=1e-6)


def test_exposure_lookup_wraps_outside_the_map_like_binned_exposure_operator():
    geom = SkyGeom.from_params(4, 3, 1.0, 0.0, 0.0, "CEL", "CAR")
    data = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    lookup = ExposureLookup(data, np.array([100.0, 200.0]), geom=geom)
    x = np.array([4.2, 1.3, -0.5, 1.0])  # 0-based: beyond the right edge, inside, half a pixel left, inside
    y = np.array([0.0, 0.7, 1.0, 3.4])  # ..., beyond the top edge
    ra, dec = geom.pix_to_equatorial(x, y)
    index = lookup.pixel_indices(ra, dec)
    # point sources (get_exposures_for_dir): 0 outside; trunc(-0.5) = 0 is inside
    assert list(lookup.values(index, 100.0)) == [0.0, 1.0, 4.0, 0.0]
    # diffuse (operator()): (j nx + i) of the whole cube -> next row / next plane
    assert list(lookup.values(index, 100.0, wrap=True)) == [4.0, 1.0, 4.0, 13.0]
    assert list(lookup.values(index, 200.0, wrap=True)) == [16.0, 13.0, 16.0, 0.0]
    with pytest.raises(Exception, match="outside the exposure map"):
        lookup.values(index, 100.0, enforce=True)
    with pytest.raises(Exception, match="no exposure plane at 150"):
        lookup.plane(150.0)


def _king_psf(energies: np.ndarray, sigma_deg: float) -> MeanPsf:
    seps = separations()
    x = np.radians(seps) / np.radians(sigma_deg)
    values = np.tile((1.0 + x**2 / 4.0) ** -2.0, (energies.size, 1))
    values, partial = normalise(values, seps)
    return MeanPsf(
        energies=energies, seps=seps, values=values, partial=partial, exposure=np.ones(energies.size)
    )


@pytest.mark.parametrize("shape, size", [("gaussian", 0.5), ("disk", 1.0)])
def test_radial_profiles_conserve_the_flux(shape, size):
    psf = _king_psf(np.array([1000.0]), 0.3)
    theta = np.linspace(0.0, 12.0, 2401)
    profile = (gaussian_profile if shape == "gaussian" else disk_profile)(psf, np.array([0]), theta, size)[0]
    # closure: the convolved profile (sr^-1) integrates to 1 over the flat sky
    flux = np.trapezoid(profile * 2.0 * math.pi * np.radians(theta), np.radians(theta))
    assert flux == pytest.approx(1.0, abs=3e-3)


def test_narrow_gaussian_profile_is_the_psf():
    psf = _king_psf(np.array([1000.0]), 0.3)
    theta = np.array([0.0, 0.1, 0.3, 1.0, 3.0])
    profile = gaussian_profile(psf, np.array([0]), theta, 0.003)[0]
    assert np.allclose(profile, np.interp(theta, psf.seps, psf.values[0]), rtol=2e-3)


def test_theta_table_follows_wcsmap2():
    t = theta_table(10.0, 0.1, 0.1)
    assert t[0] == 0.0 and t[1] == 0.05 and t.size == 2 * round(10.2 / 0.1) + 1
    assert t[-1] == pytest.approx(10.2)
