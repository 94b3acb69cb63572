"""``xlat model`` (gtmodel) with energy dispersion: the same per-source counts as the binned likelihood.

gtmodel fills its map with FitUtils::updateModelMap, the likelihood's own per-source counts
(reference §8.3, §9.5): with edisp_bins != 0 the model map must equal ``BinnedAnalysis.model_map()``
built from the same srcmaps file, model, livetime cube and IRFs (closure between two xlat paths that share
no model-map code: the likelihood sums in float64, gtmodel adds sources into float32). Inputs: crab1day
(MANIFEST §1) with source maps made by xlat srcmaps with edisp_bins=2 (the central planes equal today's
gtsrcmaps maps, test_srcmaps_models.py).
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from test_srcmaps_step import CRAB, crab_line, nogal_model, run

from xlat.session.like_inputs import load_analysis

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def edisp_srcmaps(tmp_path_factory):
    """(folder, srcmaps file with 2 extra planes per side, ltcube) for model_nogal.xml on crab1day."""
    tmp = tmp_path_factory.mktemp("edisp")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CALDB", str(require_shared("caldb")))
        mp.delenv("USE_BL_EDISP", raising=False)
        nogal_model(tmp)
        lt = require_shared(CRAB, "ltcube.fits.gz")
        geom = "cmap=none nxpix=40 nypix=40 binsz=0.5 coordsys=GAL xref=184.5575 yref=-5.7844 proj=CAR"
        assert run(tmp, f"expcube infile={lt} outfile=b2.fits {geom} irfs=P8R2_SOURCE_V6 emin=200 emax=20000 "
                        "enumbins=20 evtype=3 edisp_bins=2").ok
        out = run(tmp, crab_line(lt, "b2.fits", "e2.fits", "emapbnds=no edisp_bins=2"))
        assert out.ok, out.error
    return tmp, tmp / "e2.fits", lt


def model_cube(tmp, srcmaps, lt, edisp_bins: int, name: str) -> np.ndarray:
    out = run(tmp, f"model srcmaps={srcmaps} srcmdl=model_nogal.xml outfile={name} outtype=CCUBE "
                   f"expcube={lt} irfs=CALDB edisp_bins={edisp_bins}")
    assert out.ok, out.error
    return fits.getdata(tmp / name).astype(np.float64)


def likelihood_cube(tmp, srcmaps, lt, edisp_bins: int) -> np.ndarray:
    analysis = load_analysis(srcmaps, tmp / "model_nogal.xml", expcube=lt, irfs="CALDB",
                             edisp_bins=edisp_bins)
    return analysis.model_map()


@pytest.mark.parametrize("edisp_bins", [2, 1, -2])
def test_model_map_with_energy_dispersion_equals_the_likelihood_model_map(edisp_srcmaps, caldb, edisp_bins):
    tmp, srcmaps, lt = edisp_srcmaps
    ours = model_cube(tmp, srcmaps, lt, edisp_bins, f"m{edisp_bins}.fits")
    ref = likelihood_cube(tmp, srcmaps, lt, edisp_bins)
    # closure with BinnedAnalysis.model_map(): float32 accumulation of two sources, measured <= 9.9e-8
    assert np.max(np.abs(ours / ref - 1)) <= 5e-7
    # and dispersion does change the map (so this test can fail): measured 1.0-7.8 % per bin
    plain = likelihood_cube(tmp, srcmaps, lt, 0)
    assert np.max(np.abs(ref.sum(axis=(1, 2)) / plain.sum(axis=(1, 2)) - 1)) > 1e-3


def test_edisp_bins_zero_reads_the_central_planes_unchanged(edisp_srcmaps, caldb):
    tmp, srcmaps, lt = edisp_srcmaps
    ours = model_cube(tmp, srcmaps, lt, 0, "m0.fits")
    # the pre-dispersion path: the log-log quadrature of planes k+2, k+3 only; bit-identical to the model of a
    # srcmaps file holding only the 21 central planes
    e2 = fits.open(srcmaps)
    central = fits.HDUList([h.copy() for h in e2])
    for name in ("Crab", "Extragal_diffuse"):
        central[name].data = central[name].data[2:23]
    central.writeto(tmp / "central.fits", overwrite=True)
    assert np.array_equal(ours, model_cube(tmp, tmp / "central.fits", lt, 0, "m0c.fits"))
    # and equal to the likelihood's model map without dispersion: measured 1.1e-7 (float32)
    assert np.max(np.abs(ours / likelihood_cube(tmp, srcmaps, lt, 0) - 1)) <= 5e-7


def test_use_bl_edisp_overrides_edisp_bins_as_in_the_tools(edisp_srcmaps, caldb, monkeypatch):
    tmp, srcmaps, lt = edisp_srcmaps
    monkeypatch.setenv("USE_BL_EDISP", "2")  # BinnedConfig.cxx: the environment wins over the parameter
    ours = model_cube(tmp, srcmaps, lt, 0, "menv.fits")
    monkeypatch.delenv("USE_BL_EDISP")
    assert np.array_equal(ours, model_cube(tmp, srcmaps, lt, 2, "m2b.fits"))


def test_energy_dispersion_without_a_livetime_cube_is_a_one_line_error(edisp_srcmaps, caldb):
    tmp, srcmaps, _ = edisp_srcmaps
    out = run(tmp, f"model srcmaps={srcmaps} srcmdl=model_nogal.xml outfile=bad.fits edisp_bins=2")
    assert not out.ok
    assert "edisp_bins=2" in out.error and "expcube" in out.error and "\n" not in out.error
    assert not (tmp / "bad.fits").exists()
