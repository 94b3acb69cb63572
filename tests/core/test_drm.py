"""The detector response matrix of binned energy dispersion (reference §8.3, Likelihood:src/Drm.cxx)
built from real IRFs (caldb: P8R2_SOURCE_V6, FRONT+BACK) and the gammalib-p8r2-crab1day livetime
cube (MANIFEST §1) at its counts-map centre."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require_shared

from xlat.core import sky
from xlat.core.drm import Drm, compute_drm
from xlat.core.healpix import ang2pix
from xlat.products.caldb import open_caldb
from xlat.products.ccube import read_counts_cube
from xlat.products.irfs import load_response
from xlat.products.ltcube import read_ltcube


@pytest.fixture(scope="module")
def setup():
    set1 = require_shared("gammalib-p8r2-crab1day")
    cube = read_counts_cube(set1 / "cntmap.fits.gz")
    lc = read_ltcube(set1 / "ltcube.fits.gz")
    response = load_response(open_caldb(require_shared("caldb")), "P8R2_SOURCE_V6", 3, edisp=True)
    ra, dec = sky.from_frame(np.array([cube.geom.crval1]), np.array([cube.geom.crval2]), cube.geom.coordsys)
    pix = int(ang2pix(lc.nside, ra, dec, lc.nested)[0])
    return cube.energy.edges, lc.costheta_centers(), lc.livetime[pix, : lc.nbins], response


def test_drm_is_a_probability_matrix_peaked_on_the_diagonal(setup):
    edges, mu, livetime, response = setup
    drm = compute_drm(edges, 2, mu, livetime, response)
    r = drm.matrix
    assert r.shape == (24, 20) and np.all(r >= 0)
    # true bins well inside the measured range: (almost) all their photons are measured somewhere in it
    # (the dispersion of P8R2_SOURCE at 0.2-20 GeV is ~10 %, the cube spans two decades)
    inner = r[2 + 5: 2 + 15].sum(axis=1)
    assert np.all(inner > 0.97) and np.all(inner < 1.001)
    for k in range(20):  # the matching true bin (j = k + n) dominates each measured column
        assert np.argmax(r[:, k]) == k + 2


def test_band_only_equals_the_full_matrix_on_the_band(setup):
    edges, mu, livetime, response = setup
    full = compute_drm(edges, 1, mu, livetime, response).matrix
    band = compute_drm(edges, 1, mu, livetime, response, band_only=True).matrix
    k = np.arange(20)
    for d in range(3):
        assert band[k + d, k] == pytest.approx(full[k + d, k], rel=1e-12)


def test_convolve_extrapolates_as_drm_cxx():
    """Drm::extrapolate_lo/hi: power law through the two end bins (linear below 1e-4 / 1e-10 counts)."""
    edges = np.geomspace(100.0, 1e4, 5)
    drm = Drm(edges, 1, np.eye(6, 4, k=-1))  # identity on the measured bins
    counts = np.array([100.0, 50.0, 20.0, 5.0])
    ext = drm.extend(counts)
    log_lo = np.log(edges[0] / edges[2]) / np.log(edges[1] / edges[2])
    assert ext[0] == pytest.approx(50.0 * np.exp(log_lo * np.log(100.0 / 50.0)), rel=1e-14)
    log_hi = np.log(edges[4] / edges[2]) / np.log(edges[3] / edges[2])
    assert ext[-1] == pytest.approx(20.0 * np.exp(log_hi * np.log(5.0 / 20.0)), rel=1e-14)
    assert drm.convolve(counts) == pytest.approx(counts, rel=1e-15)
    tiny = drm.extend(np.array([1e-5, 2e-5, 1.0, 1.0]))
    diff_lo = (edges[0] - edges[2]) / (edges[1] - edges[2])
    assert tiny[0] == pytest.approx(diff_lo * (1e-5 - 2e-5) + 2e-5, rel=1e-12)
