"""HEALPix map cubes (MapCubeFunction / SpatialMap with a SKYMAP table), read and evaluated as HealpixProjMap.

References: HEALPix's own interpolation (healpy.get_interp_val wraps the same C++ ``get_interpol`` as
Likelihood's ``Healpix_Map::interpolated_value``), and closure against the same smooth sky written as an
all-sky CAR cube (WcsMap2 path): both sample one analytic intensity, so they agree to the bilinear
interpolation error of each grid.
"""

from __future__ import annotations

import math

import healpy
import numpy as np
import pytest
from astropy.io import fits
from healpix_helpers import ENERGIES, car_cube, healpix_cube

from xlat.core import sky
from xlat.core.healpix_template import HealpixTemplate
from xlat.errors import FileFormatError
from xlat.products.diffuse import read_sky_template

@pytest.mark.parametrize("nest", [False, True])
def test_values_are_healpix_bilinear_interpolation(tmp_path, nest):
    cube = healpix_cube(tmp_path / "hpx.fits", nside=64, nest=nest)
    template = read_sky_template(tmp_path / "hpx.fits")
    assert isinstance(template, HealpixTemplate) and template.coordsys == "GAL" and template.nested == nest
    rng = np.random.default_rng(1)
    ra, dec = rng.uniform(0, 360, 500), np.degrees(np.arcsin(rng.uniform(-1, 1, 500)))
    ours = template.values(ra, dec, ENERGIES[1:3], frame="CEL")
    glon, glat = sky.to_frame(ra, dec, "GAL")
    for k, plane in enumerate((1, 2)):
        # at a node energy the plane itself; healpy.get_interp_val = HEALPix get_interpol (float32 sum in tool)
        ref = healpy.get_interp_val(cube[plane].astype(np.float64), glon, glat, nest=nest, lonlat=True)
        np.testing.assert_allclose(ours[k], ref, rtol=3e-7)
    # between nodes: the power law of the two bracketing planes (ProjMap::interpolatePowerLaw)
    e = math.sqrt(ENERGIES[1] * ENERGIES[2])
    mid = template.values(ra, dec, [e], frame="CEL")[0]
    np.testing.assert_allclose(mid, np.sqrt(ours[0] * ours[1]), rtol=1e-6)


def test_integrals_pixel_size_and_degrading(tmp_path):
    cube = healpix_cube(tmp_path / "hpx.fits", nside=64)
    template = read_sky_template(tmp_path / "hpx.fits")
    omega = 4 * math.pi / (12 * 64 * 64)
    # HealpixProjMap::computeMapIntegrals: sum of pixel values x 4 pi / npix, accumulated in float32 as the
    # tool's vector<float> (measured 1.8e-6 from the float64 sum over 49152 pixels)
    exact = cube.astype(np.float64).sum(axis=1) * omega
    np.testing.assert_allclose(template.plane_integrals(), exact, rtol=1e-5)
    np.testing.assert_allclose(template.plane_integrals(gtlike=False), exact, rtol=1e-12)
    assert template.map_radius() == 180.0
    assert template.pixel_size == pytest.approx(math.degrees(math.sqrt(omega)), rel=1e-12)  # 0.916 deg
    coarse = template.degraded(3)  # factor rounded down to 2: nside 32, each pixel the mean of its 4 children
    assert coarse.nside == 32
    np.testing.assert_allclose(coarse.plane_integrals(False), template.plane_integrals(False), rtol=1e-6)


def test_healpix_and_car_cubes_of_one_sky_agree(tmp_path):
    healpix_cube(tmp_path / "hpx.fits", nside=256)  # 0.23 deg pixels
    car_cube(tmp_path / "car.fits", binsz=0.25)
    hpx, car = read_sky_template(tmp_path / "hpx.fits"), read_sky_template(tmp_path / "car.fits")
    rng = np.random.default_rng(2)
    ra, dec = rng.uniform(0, 360, 2000), np.degrees(np.arcsin(rng.uniform(-1, 1, 2000)))
    e = np.array([100.0, 3000.0])
    a, b = hpx.values(ra, dec, e), car.values(ra, dec, e)
    # both interpolate one smooth sky bilinearly: differences are the interpolation errors (measured median
    # 6.6e-6; max 1.7e-3 at |b| = 87 deg where CAR pixels are thin slivers)
    ratio = np.abs(a / b - 1)
    assert np.median(ratio) < 1e-4
    _, glat = sky.to_frame(ra, dec, "GAL")
    assert np.max(ratio[:, np.abs(glat) < 80]) < 1e-3 and np.max(ratio) < 5e-3
    # all-sky integrals: HEALPix 4 pi/npix sums vs WcsMap2 solid angles (measured 2.1e-4)
    np.testing.assert_allclose(hpx.integral(e), car.integral(e), rtol=2e-3)


@pytest.mark.parametrize(("change", "message"), [
    ({"ORDERING": "ZIGZAG"}, "ORDERING 'ZIGZAG', expected RING or NESTED"),
    ({"COORDSYS": "ECL"}, "COORDSYS 'ECL', expected GAL or CEL"),
    ({"INDXSCHM": "EXPLICIT"}, "partial-sky"),
    ({"NSIDE": 32}, "has 49152 values, expected 12288"),
])
def test_bad_healpix_templates_are_one_line_errors(tmp_path, change, message):
    path = tmp_path / "bad.fits"
    healpix_cube(path, nside=64)
    with fits.open(path, mode="update") as h:
        h["SKYMAP"].header.update(change)
    with pytest.raises(FileFormatError, match=message) as info:
        read_sky_template(path)
    assert "\n" not in str(info.value) and "bad.fits" in str(info.value)


def test_healpix_cube_without_energies_is_refused(tmp_path):
    healpix_cube(tmp_path / "noe.fits", nside=8, energies=False)
    with pytest.raises(FileFormatError, match="4 image planes but no ENERGIES table"):
        read_sky_template(tmp_path / "noe.fits")


def test_healpix_templates_are_refused_by_the_simulator_and_as_weights(tmp_path):
    from xlat.core.sim_model import components_from_model
    from xlat.core.source_model import Source, SourceModel
    from xlat.core.spatial import MapCubeFunction
    from xlat.core.spectra import ConstantValue
    from xlat.errors import ModelError

    healpix_cube(tmp_path / "hpx.fits", nside=8)
    spatial = MapCubeFunction(file="hpx.fits", template=read_sky_template(tmp_path / "hpx.fits"))
    model = SourceModel([Source("gal", "DiffuseSource", ConstantValue(), spatial)])
    with pytest.raises(ModelError, match="'gal': HEALPix templates cannot be simulated yet"):
        components_from_model(model, None, (0.0, 0.0), 10.0)  # type: ignore[arg-type]
