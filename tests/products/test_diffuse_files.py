"""Map cubes and isotropic tables: both cube layouts, WcsMap2 sampling, log-log tables, bad files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.core import sky
from xlat.errors import FileFormatError, InputError, ModelError
from xlat.products.diffuse import read_isotropic_table, read_radial_profile, read_sky_template


@pytest.fixture(scope="module")
def cutout_path():
    return require_shared("diffuse", "gll_iem_v07_gc_cutout_gammapy.fits.gz")


@pytest.fixture(scope="module")
def raw(cutout_path):
    with fits.open(cutout_path) as hdul:
        return hdul[0].data.astype(np.float64), np.asarray(hdul["PRIMARY_BANDS"].data["ENERGY_TRUE"]), hdul[0].header


def test_gammapy_cutout_layout_is_read(cutout_path, raw):
    # MANIFEST §8: 80x80x28 GLON/GLAT CAR 0.125 deg, energies in PRIMARY_BANDS (ENERGY_TRUE from 50 MeV)
    template = read_sky_template(cutout_path)
    data, energies, _ = raw
    assert template.data.shape == (28, 80, 80) and template.coordsys == "GAL" and not template.periodic
    np.testing.assert_array_equal(template.energies, energies)
    assert template.energies[0] == pytest.approx(50.0, rel=1e-14)
    np.testing.assert_array_equal(template.data, data.astype(np.float32))


def test_cutout_values_at_pixel_centres_equal_the_pixels(cutout_path, raw):
    template = read_sky_template(cutout_path)
    data, energies, _ = raw
    iy, ix = np.array([3, 40, 41, 77]), np.array([5, 39, 40, 70])
    lon, lat = template.wcs.wcs_pix2world(ix + 1.0, iy + 1.0, 1)
    ra, dec = sky.galactic_to_equatorial(lon, lat)
    values = template.values(ra, dec, energies)
    np.testing.assert_allclose(values, data[:, iy, ix], rtol=1e-6)


def test_cutout_energy_rule_is_a_power_law_between_planes(cutout_path, raw):
    # ProjMap::interpolatePowerLaw: at the geometric mean of two nodes, the geometric mean of the values
    template = read_sky_template(cutout_path)
    data, energies, _ = raw
    lon, lat = template.wcs.wcs_pix2world([31.0], [52.0], 1)
    k = np.arange(27)
    mid = np.sqrt(energies[:-1] * energies[1:])
    got = template.values(lon, lat, mid, frame="GAL")[:, 0]
    np.testing.assert_allclose(got, np.sqrt(data[k, 51, 30] * data[k + 1, 51, 30]), rtol=1e-9)
    # below the first node: the first pair is extrapolated (no error, enforceEnergyRange=false)
    g = math.log(data[1, 51, 30] / data[0, 51, 30]) / math.log(energies[1] / energies[0])
    below = template.values(lon, lat, [25.0], frame="GAL")[0, 0]
    assert below == pytest.approx(data[0, 51, 30] * (25.0 / 50.0) ** g, rel=1e-9)


def test_fermitools_layout_gives_the_same_template(tmp_path, cutout_path, raw):
    # the LAT layout: 3-D primary (CTYPE3 energy axis) + ENERGIES table with column Energy (MeV)
    data, energies, header = raw
    head = fits.Header()
    for key in ("CTYPE1", "CTYPE2", "CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CDELT1", "CDELT2"):
        head[key] = header[key]
    head["CTYPE3"], head["CRPIX3"], head["CRVAL3"], head["CDELT3"] = "Energy", 1.0, 50.0, 1.0
    primary = fits.PrimaryHDU(data.astype(np.float32), head)
    table = fits.BinTableHDU.from_columns([fits.Column("Energy", "D", "MeV", array=energies)], name="ENERGIES")
    path = tmp_path / "cube.fits"
    fits.HDUList([primary, table]).writeto(path)
    lat_layout, gammapy_layout = read_sky_template(path), read_sky_template(cutout_path)
    ra, dec = np.array([266.0, 267.3]), np.array([-29.2, -28.6])
    np.testing.assert_array_equal(lat_layout.values(ra, dec, [300.0, 1e4]), gammapy_layout.values(ra, dec, [300.0, 1e4]))


def test_bad_templates_are_refused(tmp_path):
    cube = fits.PrimaryHDU(np.ones((3, 4, 5), dtype=np.float32))
    cube.header.update(CTYPE1="RA---CAR", CTYPE2="DEC--CAR", CDELT1=-1.0, CDELT2=1.0, CRPIX1=3, CRPIX2=2)
    path = tmp_path / "noenergies.fits"
    cube.writeto(path)
    with pytest.raises(FileFormatError, match="3 image planes but no ENERGIES table"):
        read_sky_template(path)
    table = fits.BinTableHDU.from_columns([fits.Column("Energy", "D", array=[100.0, 200.0])], name="ENERGIES")
    fits.HDUList([cube, table]).writeto(tmp_path / "mismatch.fits")
    with pytest.raises(FileFormatError, match="NAXIS3 = 3 does not match the 2 rows of ENERGIES"):
        read_sky_template(tmp_path / "mismatch.fits")
    hpx = fits.BinTableHDU.from_columns([fits.Column("CHANNEL1", "E", array=np.ones(12))], name="SKYMAP")
    hpx.header["PIXTYPE"] = "HEALPIX"
    fits.HDUList([fits.PrimaryHDU(), hpx]).writeto(tmp_path / "hpx.fits")
    with pytest.raises(FileFormatError, match="HEALPix HDU 'SKYMAP': ORDERING None, expected RING or NESTED"):
        read_sky_template(tmp_path / "hpx.fits")
    with pytest.raises(InputError, match="template FITS file not found"):
        read_sky_template(tmp_path / "nope.fits")


def test_isotropic_table_is_read_and_interpolated_log_log():
    path = require_shared("isotropic", "iso_P8R3_SOURCE_V2_v1.txt")
    rows = np.loadtxt(path)
    table = read_isotropic_table(path)
    assert table.energies.size == rows.shape[0] and table.errors is not None
    np.testing.assert_array_equal(table.errors, rows[:, 2])
    np.testing.assert_allclose(table.dnde_at(rows[:, 0]), rows[:, 1], rtol=1e-13)
    mid = np.sqrt(rows[:-1, 0] * rows[1:, 0])
    np.testing.assert_allclose(table.dnde_at(mid), np.sqrt(rows[:-1, 1] * rows[1:, 1]), rtol=1e-12)
    t = 0.3  # 30 % of the way in ln E between rows 4 and 5
    e = rows[4, 0] ** (1 - t) * rows[5, 0] ** t
    assert table.dnde_at([e])[0] == pytest.approx(rows[4, 1] ** (1 - t) * rows[5, 1] ** t, rel=1e-12)
    with pytest.raises(ModelError, match="lies outside the range"):
        table.dnde_at([10.0])


def test_tables_skip_comments_and_report_bad_rows(tmp_path):
    good = tmp_path / "iso.txt"
    good.write_text("# E dN/dE error\n\n100 1e-7 1e-9\n  # indented comment\n1000 1e-9 1e-11\n")
    assert read_isotropic_table(good).energies.tolist() == [100.0, 1000.0]
    bad = tmp_path / "bad.txt"
    bad.write_text("100 1e-7\n1000 x\n")
    with pytest.raises(FileFormatError, match=r"bad.txt:2: not a number in a isotropic table row"):
        read_isotropic_table(bad)
    neg = tmp_path / "neg.txt"
    neg.write_text("100 1e-7\n1000 -1e-9\n")
    with pytest.raises(FileFormatError, match="dN/dE values must be positive"):
        read_isotropic_table(neg)
    short = tmp_path / "short.txt"
    short.write_text("100 1e-7\n")
    with pytest.raises(FileFormatError, match="needs at least two rows"):
        read_isotropic_table(short)


def test_radial_profile_file(tmp_path):
    path = tmp_path / "profile.txt"
    path.write_text("0 5\n0.5 2\n1.0 0\n")
    table = read_radial_profile(path)
    assert table.theta_deg.tolist() == [0.0, 0.5, 1.0] and table.values.tolist() == [5.0, 2.0, 0.0]
    path.write_text("0 5\n0.5 2\n0.2 0\n")
    with pytest.raises(FileFormatError, match="offsets must be increasing"):
        read_radial_profile(path)


def test_diffuse_flux_uses_the_template_integral(cutout_path):
    # Source::computeEnergyIntegral for a diffuse source: TrapQuad of F(E) x angular integral (reference §10.4)
    from xlat.core.parameters import Parameter
    from xlat.core.spatial import MapCubeFunction
    from xlat.core.spectra import PowerLaw, trapquad_flux, trapquad_nodes
    from xlat.core.spectra.integrate import trapquad_weights

    template = read_sky_template(cutout_path)
    spatial = MapCubeFunction([Parameter("Normalization", 1.0, 1.0, 0.001, 1000.0)], file=str(cutout_path))
    spatial.template = template
    spectrum = PowerLaw([Parameter("Prefactor", 1.0, 1.0, 0, 10, True), Parameter("Index", 0.0, 1.0, -1, 1, True),
                         Parameter("Scale", 100.0, 1.0, 20, 1e6)])
    got = trapquad_flux(spectrum, 100.0, 1e5, angular_integral=spatial.angular_integral)
    e = trapquad_nodes(100.0, 1e5, 100)
    expected = float(np.dot(template.integral(e), trapquad_weights(e)))
    assert got == pytest.approx(expected, rel=1e-14)
