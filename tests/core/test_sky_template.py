"""WCS templates and spatial models on synthetic maps with known answers (WcsMap2 rules, reference §7.2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.wcs import WCS

from xlat.core.parameters import Parameter
from xlat.core.sky_template import SkyTemplate, power_law_interpolate
from xlat.core.spatial import (
    ConstantValue,
    MapCubeFunction,
    RadialDisk,
    RadialGaussian,
    RadialProfile,
    RadialTable,
    SpatialMap,
)
from xlat.errors import ModelError


def car_wcs(nx, ny, cdelt, crval=(0.0, 0.0), crpix=None, gal=True):
    w = WCS(naxis=2)
    w.wcs.ctype = ["GLON-CAR", "GLAT-CAR"] if gal else ["RA---CAR", "DEC--CAR"]
    w.wcs.cdelt = [-cdelt, cdelt]
    w.wcs.crval = list(crval)
    w.wcs.crpix = list(crpix) if crpix is not None else [(nx + 1) / 2, (ny + 1) / 2]
    w.wcs.set()
    return w


def pixel_direction(template, x, y):
    """(lon, lat) in the template frame of 1-based pixel coordinates."""
    lon, lat = template.wcs.wcs_pix2world(np.atleast_1d(x), np.atleast_1d(y), 1)
    return lon, lat


@pytest.fixture
def cube():
    rng = np.random.default_rng(7)
    energies = np.array([100.0, 300.0, 1000.0, 3000.0])
    data = rng.uniform(1.0, 2.0, (4, 6, 8)) * (energies[:, None, None] / 100.0) ** -2.5
    return SkyTemplate(data.astype(np.float32), car_wcs(8, 6, 0.5), "GAL", energies, "cube.fits")


def test_pixel_centres_return_pixel_values(cube):
    j, i = np.mgrid[0:6, 0:8]
    lon, lat = pixel_direction(cube, i.ravel() + 1.0, j.ravel() + 1.0)
    values = cube.values(lon, lat, cube.energies, frame="GAL")
    np.testing.assert_allclose(values, cube.data.reshape(4, -1), rtol=1e-6)


def test_bilinear_between_centres_and_edge_rules(cube):
    plane = cube.data[0].astype(np.float64)
    # midpoint of four interior centres: their mean (bilinear)
    lon, lat = pixel_direction(cube, 3.5, 2.5)
    assert cube.values(lon, lat, None, frame="GAL")[0] == pytest.approx(plane[1:3, 2:4].mean(), rel=1e-6)
    # a quarter of the way along x between two centres
    lon, lat = pixel_direction(cube, 3.25, 2.0)
    expected = 0.75 * plane[1, 2] + 0.25 * plane[1, 3]
    assert cube.values(lon, lat, None, frame="GAL")[0] == pytest.approx(expected, rel=1e-6)
    # within half a pixel of the edge: the containing pixel, no extrapolation
    lon, lat = pixel_direction(cube, 0.7, 3.3)
    assert cube.values(lon, lat, None, frame="GAL")[0] == pytest.approx(plane[2, 0], rel=1e-7)
    # outside [0.5, n + 0.5]: zero
    lon, lat = pixel_direction(cube, np.array([0.4, 5.0]), np.array([3.0, 6.6]))
    np.testing.assert_array_equal(cube.values(lon, lat, None, frame="GAL"), [0.0, 0.0])


def test_equatorial_input_is_rotated_to_the_template_frame(cube):
    from xlat.core import sky

    lon, lat = pixel_direction(cube, 4.3, 3.6)
    ra, dec = sky.galactic_to_equatorial(lon, lat)
    np.testing.assert_allclose(cube.values(ra, dec, [500.0]), cube.values(lon, lat, [500.0], frame="GAL"),
                               rtol=1e-10)


def test_energy_interpolation_is_a_power_law_and_extrapolates(cube):
    lon, lat = pixel_direction(cube, 5.0, 4.0)
    node = cube.data[:, 3, 4].astype(np.float64)
    energies = np.array([100.0, 173.2, 1000.0, 2000.0, 50.0, 9000.0])
    got = cube.values(lon, lat, energies, frame="GAL")[:, 0]
    gamma01 = math.log(node[1] / node[0]) / math.log(3.0)
    gamma23 = math.log(node[3] / node[2]) / math.log(3.0)
    expected = [node[0], node[0] * (1.732) ** gamma01, node[2], node[2] * 2.0**gamma23,
                node[0] * 0.5**gamma01, node[2] * 9.0**gamma23]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_power_law_interpolation_zero_rules():
    # ProjMap::interpolatePowerLaw: both 0 -> 0; one 0 -> linear, 0 when extrapolating toward the zero side
    x1, x2 = 100.0, 1000.0
    assert power_law_interpolate(500.0, x1, x2, 0.0, 0.0) == 0.0
    assert power_law_interpolate(550.0, x1, x2, 0.0, 9.0) == pytest.approx(4.5)
    assert power_law_interpolate(50.0, x1, x2, 0.0, 9.0) == 0.0
    assert power_law_interpolate(2000.0, x1, x2, 9.0, 0.0) == 0.0
    assert power_law_interpolate(2000.0, x1, x2, 0.0, 9.0) == pytest.approx(9.0 * 1900 / 900)
    with pytest.raises(ModelError, match="negative template values"):
        power_law_interpolate(500.0, x1, x2, -1.0, 2.0)


def test_periodic_all_sky_map_wraps_in_longitude():
    data = np.zeros((1, 4, 8), dtype=np.float32)
    data[0, :, 0] = 1.0  # first column (just west of lon 180 for CRPIX1 4.5, CDELT1 -45)
    data[0, :, -1] = 3.0
    template = SkyTemplate(data, car_wcs(8, 4, 45.0, crpix=(4.5, 2.5)), "GAL", None, "allsky")
    assert template.periodic
    # x = 0.5 (and x = 8.5) is the seam between the last and the first column: their mean
    lon, lat = pixel_direction(template, 8.5, 2.5)
    assert template.values(lon, lat, None, frame="GAL")[0] == pytest.approx(2.0, rel=1e-9)
    assert template.map_radius() == 180.0


def test_solid_angles_sum_to_the_sphere_and_integrals():
    template = SkyTemplate(np.ones((2, 180, 360), dtype=np.float32), car_wcs(360, 180, 1.0, crpix=(180.5, 90.5)),
                           "GAL", np.array([100.0, 1000.0]), "ones")
    omega = template.solid_angles()
    # WcsMap2::solidAngle is an approximation: the all-sky sum is 4 pi to ~1e-4
    assert float(omega.sum(dtype=np.float64)) == pytest.approx(4 * math.pi, rel=2e-4)
    exact = template.plane_integrals(gtlike=False)
    # float32 sequential accumulation as WcsMap2::computeMapIntegrals: ~1e-4 over 64800 pixels
    np.testing.assert_allclose(template.plane_integrals(gtlike=True), exact, rtol=2e-4)
    assert template.integral(np.array([100.0, 316.0]), gtlike=False) == pytest.approx([exact[0]] * 2, rel=1e-12)


def test_map_integral_interpolates_plane_integrals(cube):
    sums = cube.plane_integrals(gtlike=False)
    got = cube.integral(np.array([100.0, 3000.0, 500.0, 6000.0]), gtlike=False)
    g01 = math.log(sums[2] / sums[1]) / math.log(1000.0 / 300.0)
    g23 = math.log(sums[3] / sums[2]) / math.log(3.0)
    np.testing.assert_allclose(got, [sums[0], sums[3], sums[1] * (500 / 300) ** g01, sums[2] * 6.0**g23],
                               rtol=1e-12)
    # map_based_integral: trapezoid in ln E of E x integral
    e = cube.energies
    total = np.sum((sums[1:] * e[1:] + sums[:-1] * e[:-1]) / 2 * np.log(e[1:] / e[:-1]))
    assert cube.total_integral(gtlike=False) == pytest.approx(total, rel=1e-14)


def test_map_radius_is_the_farthest_corner_centre(cube):
    # corners of an 8x6 grid of 0.5 deg pixels centred on (0, 0): (1.75, 1.25) deg
    from xlat.core import sky

    assert cube.map_radius() == pytest.approx(float(sky.angular_separation(0, 0, 1.75, 1.25)), rel=1e-9)


def test_mapcube_and_spatialmap_models(cube):
    model = MapCubeFunction([Parameter("Normalization", 2.0, 1.0, 0.001, 1000.0)], file="cube.fits")
    with pytest.raises(ModelError, match="template cube.fits was not loaded"):
        model.value(0.0, 0.0, [100.0])
    model.template = cube
    lon, lat = pixel_direction(cube, 4.0, 3.0)
    from xlat.core import sky

    ra, dec = sky.galactic_to_equatorial(lon, lat)
    assert model.value(ra, dec, [1000.0])[0, 0] == pytest.approx(2 * cube.data[2, 2, 3], rel=1e-6)
    np.testing.assert_allclose(model.angular_integral([300.0]), cube.integral([300.0]))
    flat = SpatialMap(file="map.fits")
    flat.template = cube
    assert flat.value(ra, dec)[0] == pytest.approx(cube.data[0, 2, 3], rel=1e-6)


def _sphere_integral(model, radius_deg):
    """Integral of the model intensity (sr^-1) over a cap around its centre, on a fine polar grid."""
    ra0, dec0 = model.center
    theta = np.linspace(0, np.radians(radius_deg), 1501)
    phi = np.linspace(0, 2 * np.pi, 361)[:-1]
    t, p = np.meshgrid(theta, phi, indexing="ij")
    # directions around the pole, then rotated: place the centre at the north pole for simplicity
    assert (ra0, dec0) == (0.0, 90.0)
    ra, dec = np.degrees(p), 90 - np.degrees(t)
    values = model.value(ra, dec)
    ring = values.sum(axis=1) * (phi[1] - phi[0])  # periodic in phi: the rectangle rule is exact
    integrand = ring * np.sin(theta)
    return float(np.sum((integrand[1:] + integrand[:-1]) / 2 * np.diff(theta)))


def test_radial_gaussian_and_disk_are_normalised_to_one():
    gauss = RadialGaussian([Parameter("RA", 0.0), Parameter("DEC", 90.0), Parameter("Sigma", 0.5, 1.0, 0, 180)])
    # flat-sky normalisation: the sphere integral is 1 to ~sigma^2 (1e-4 here)
    assert _sphere_integral(gauss, 6.0) == pytest.approx(1.0, rel=2e-4)
    assert gauss.map_radius() == 2.5
    disk = RadialDisk([Parameter("RA", 0.0), Parameter("DEC", 90.0), Parameter("Radius", 1.0, 1.0, 0, 180)])
    assert disk.value(0.0, 89.5) == pytest.approx((180 / math.pi) ** 2 / math.pi, rel=1e-14)
    assert disk.value(0.0, 88.9) == 0.0
    from xlat.core import sky

    l, b = sky.equatorial_to_galactic(0.0, 89.5)
    assert disk.value(l, b, frame="GAL") == pytest.approx(disk.value(0.0, 89.5), rel=1e-14)
    assert _sphere_integral(disk, 1.2) == pytest.approx(1.0, rel=1e-3)
    np.testing.assert_array_equal(disk.angular_integral([100.0, 1000.0]), [1.0, 1.0])


def test_radial_profile_interpolates_and_integrates():
    table = RadialTable(np.array([0.0, 1.0, 2.0]), np.array([3.0, 2.0, 0.5]), "prof.txt")
    model = RadialProfile([Parameter("Normalization", 1.0, 1.0, 0, 10), Parameter("RA", 0.0),
                           Parameter("DEC", 90.0)], file="prof.txt", table=table)
    assert model.value(0.0, 89.5) == pytest.approx(2.5, rel=1e-9)
    assert model.value(0.0, 87.0) == pytest.approx(-1.0, rel=1e-9)  # linear extrapolation (RadialProfile.cxx)
    x = np.radians([0.0, 1.0, 2.0])
    y = np.sin(x) * np.array([3.0, 2.0, 0.5]) * 2 * math.pi
    assert model.angular_integral([100.0])[0] == pytest.approx(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)))
    assert model.map_radius() == 2.0


def test_isotropic_constant():
    iso = ConstantValue([Parameter("Value", 2.0, 1.0, 0, 10)])
    np.testing.assert_array_equal(iso.value(np.zeros(3), np.zeros(3)), [2.0, 2.0, 2.0])
    assert iso.value(np.zeros(3), np.zeros(3), [100.0, 200.0]).shape == (2, 3)
    assert iso.angular_integral([100.0])[0] == pytest.approx(4 * math.pi)
    assert iso.map_radius() == 180.0
