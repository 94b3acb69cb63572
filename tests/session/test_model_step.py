"""``xlat model`` (gtmodel) on source maps: quadrature, CMAP/CCUBE layout, residual and significance maps.

No fitted model of set 1 exists (MANIFEST §1), so the end-to-end comparison with modmap.fits belongs to the
likelihood; here the maps of today's gtsrcmaps (fermitools2026-crab1day/srcmaps_nogal.fits, MANIFEST §9) and
model_nogal.xml are checked against independent computations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from scipy.integrate import quad
from test_srcmaps_step import CRAB, crab_line, nogal_model, run

pytestmark = pytest.mark.reference
SRCMAPS = ("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")


def _crab_dnde(e: np.ndarray) -> np.ndarray:
    """model_nogal.xml: PowerLaw2 Integral 1e-7, Index -2 over 100-500000 MeV."""
    return 1e-7 * (-1.0) * e**-2.0 / (500000.0**-1.0 - 100.0**-1.0)


def test_model_cube_is_the_log_log_quadrature_of_the_maps(tmp_path):
    nogal_model(tmp_path)
    out = run(
        tmp_path,
        f"model srcmaps={require_shared(*SRCMAPS)} srcmdl=model_nogal.xml outfile=ccube.fits outtype=CCUBE",
    )
    assert out.ok, out.error
    cube = fits.open(tmp_path / "ccube.fits")[0].data
    ref = fits.open(require_shared(*SRCMAPS))
    crab = ref["Crab"].data.astype(np.float64)
    eb = ref["EBOUNDS"].data
    e = np.r_[eb["E_MIN"], eb["E_MAX"][-1]].astype(np.float64) / 1e3
    iso = np.loadtxt(require_shared(CRAB, "iso_P8R2_SOURCE_V6_v06.txt"))
    iso_dnde = np.exp(np.interp(np.log(e), np.log(iso[:, 0]), np.log(iso[:, 1])))
    for k, (y, x) in [(0, (50, 50)), (7, (10, 80)), (19, (49, 51))]:
        # reference §8.2 written out for one pixel: trapezoid in ln E of E F(E) M(E)
        r = math.log(e[k + 1] / e[k])
        expect = 0.0
        for name, dnde in (("Crab", _crab_dnde(e)), ("Extragal_diffuse", iso_dnde)):
            m = ref[name].data[:, y, x].astype(np.float64)
            expect += m[k] * dnde[k] * e[k] * r / 2 + m[k + 1] * dnde[k + 1] * e[k + 1] * r / 2
        assert cube[k, y, x] == pytest.approx(expect, rel=2e-7)  # float32 accumulation
    # independent integral of F(E) P(E), P = the Crab map summed over pixels, log-log interpolated between planes:
    # the tools' rule agrees to 0.09-0.5 % per bin here (the rule's own error; per pixel in steep PSF tails it
    # reaches 6 %); target 1 %
    total = crab.sum(axis=(1, 2))
    per_bin = fits.open(tmp_path / "ccube.fits")[0].data.astype(np.float64)
    iso_counts = ref["Extragal_diffuse"].data.astype(np.float64).sum(axis=(1, 2))
    for k in range(e.size - 1):
        r = math.log(e[k + 1] / e[k])
        lp = np.log(total)

        def integrand(u, lp=lp):
            return float(_crab_dnde(np.exp(u)) * np.exp(u) * np.exp(np.interp(u, np.log(e), lp)))

        exact = quad(integrand, math.log(e[k]), math.log(e[k + 1]), epsrel=1e-10)[0]
        crab_k = (
            per_bin[k].sum()
            - (iso_counts[k] * iso_dnde[k] * e[k] + iso_counts[k + 1] * iso_dnde[k + 1] * e[k + 1]) * r / 2
        )
        assert crab_k == pytest.approx(exact, rel=1e-2)


def test_cmap_sum_equals_npred_and_residual_and_significance_maps(tmp_path):
    nogal_model(tmp_path)
    out = run(
        tmp_path,
        f"model srcmaps={require_shared(*SRCMAPS)} srcmdl=model_nogal.xml outfile=cmap.fits "
        "resid=resid.fits sigmap=sig.fits",
    )
    assert out.ok, out.error
    model = fits.open(tmp_path / "cmap.fits")
    assert model[0].data.shape == (100, 100) and "CTYPE3" not in model[0].header
    assert [h.name for h in model[1:]] == ["EBOUNDS", "GTI"]
    npred = sum(float(v) for _, v in out.result.tables[0].rows)
    # closure: the summed model map holds every source's Npred (float32 accumulation)
    assert float(model[0].data.sum(dtype=np.float64)) == pytest.approx(npred, rel=1e-5)
    counts = fits.open(require_shared(CRAB, "cntmap.fits.gz"))[0].data.sum(axis=0).astype(np.float64)
    resid = fits.open(tmp_path / "resid.fits")[0].data
    assert np.allclose(resid, counts - model[0].data, atol=1e-5)
    sig = fits.open(tmp_path / "sig.fits")[0].data.astype(np.float64)
    m = model[0].data.astype(np.float64)
    n = counts
    with np.errstate(divide="ignore", invalid="ignore"):
        expect = np.sign(n - m) * np.sqrt(2 * (np.where(n > 0, n * np.log(n / m), 0) - (n - m)))
    assert np.allclose(sig, expect, atol=1e-5)
    assert np.all(sig[n == 0] < 0)


def test_point_maps_missing_from_srcmaps_are_computed(tmp_path, caldb):
    nogal_model(tmp_path)
    lt, bx = require_shared(CRAB, "ltcube.fits.gz"), require_shared(CRAB, "binned_expmap.fits.gz")
    assert run(tmp_path, crab_line(lt, bx, "noptsrc.fits", "emapbnds=no ptsrc=no")).ok
    out = run(
        tmp_path,
        f"model srcmaps=noptsrc.fits srcmdl=model_nogal.xml outfile=a.fits expcube={lt} "
        f"bexpmap={bx} irfs=CALDB",
    )
    assert out.ok, out.error
    assert "1 maps computed" in out.result.lines[0]
    assert run(tmp_path, f"model srcmaps={require_shared(*SRCMAPS)} srcmdl=model_nogal.xml outfile=b.fits").ok
    # the Crab map made on the fly equals gtsrcmaps's (bit for bit), so the model maps agree to float32 sums
    assert np.allclose(
        fits.open(tmp_path / "a.fits")[0].data, fits.open(tmp_path / "b.fits")[0].data, rtol=1e-6
    )


def test_missing_map_without_expcube_is_a_one_line_error(tmp_path):
    nogal_model(tmp_path)
    cube = require_shared(CRAB, "cntmap.fits.gz")
    out = run(tmp_path, f"model srcmaps={cube} srcmdl=model_nogal.xml outfile=m.fits resid=r.fits")
    assert not out.ok and "give expcube" in out.error and "\n" not in out.error
    assert not (tmp_path / "m.fits").exists() and not (tmp_path / "r.fits").exists()
