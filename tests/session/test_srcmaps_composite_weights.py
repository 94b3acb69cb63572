"""CompositeSource maps and the ``wmap`` weights map of ``xlat srcmaps`` (gtsrcmaps), crab1day (MANIFEST §1).

No gtsrcmaps output with a composite or a weights map exists in ../shared/data, so these are closure tests
against the tools' algorithm written out independently: a composite's map is the float32 sum, in member
name order, of each member's map times its spectrum at the plane energies (CompositeSource::
fillSummedSourceMap, SourceMap::addToVector_full); ``__weights__`` is the weights map read at each counts
pixel centre (rounded pixel, no interpolation) and at each bin's geometric centre energy (power law
between planes), 1 outside the map or its energies (WeightMap::makeProjectedMap).
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from conftest import require_shared
from test_srcmaps_step import CRAB, crab_line, nogal_model, run

from xlat.session.like_inputs import load_analysis

pytestmark = pytest.mark.reference


def composite_model(tmp_path, name: str = "comp.xml") -> None:
    """model_nogal.xml with both sources inside one CompositeSource 'group' (ConstantValue spectrum)."""
    text = (tmp_path / nogal_model(tmp_path)).read_text()
    start = text.index("<source ")
    end = text.rindex("</source>") + len("</source>")
    group = ('<source name="group" type="CompositeSource">\n<spectrum type="ConstantValue">'
             '<parameter name="Value" value="1" scale="1" min="0" max="10" free="1"/></spectrum>\n'
             f"<source_library>\n{text[start:end]}\n</source_library>\n</source>")
    (tmp_path / name).write_text(text[:start] + group + text[end:])


def srcmaps_line(tmp_path, model: str, outfile: str, extra: str = "") -> str:
    lt, bx = require_shared(CRAB, "ltcube.fits.gz"), require_shared(CRAB, "binned_expmap.fits.gz")
    line = crab_line(lt, bx, outfile, "emapbnds=no " + extra)
    return line.replace("srcmdl=model_nogal.xml", f"srcmdl={model}")


def test_composite_map_is_the_spectrum_weighted_sum_of_its_members(tmp_path, caldb):
    composite_model(tmp_path)
    out = run(tmp_path, srcmaps_line(tmp_path, "comp.xml", "comp.fits"))
    assert out.ok, out.error
    comp = fits.open(tmp_path / "comp.fits")
    assert [h.header["EXTNAME"] for h in comp[3:]] == ["group"]  # one map: the composite's
    ref = fits.open(require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz"))  # today's gtsrcmaps
    eb = ref["EBOUNDS"].data
    e = np.r_[eb["E_MIN"], eb["E_MAX"][-1]].astype(np.float64) / 1e3
    iso = np.loadtxt(require_shared(CRAB, "iso_P8R2_SOURCE_V6_v06.txt"))
    spectra = {  # model_nogal.xml: PowerLaw2 (1e-7 over 100-500000 MeV, index -2) and the isotropic table
        "Crab": 1e-7 * e**-2.0 / (100.0**-1.0 - 500000.0**-1.0),
        "Extragal_diffuse": np.exp(np.interp(np.log(e), np.log(iso[:, 0]), np.log(iso[:, 1]))),
    }
    expect = np.zeros(ref["Crab"].data.shape, dtype=np.float32)
    for name in ("Crab", "Extragal_diffuse"):  # std::map order, float32 accumulation
        term = ref[name].data.astype(np.float64) * spectra[name][:, None, None]
        expect = (expect.astype(np.float64) + term).astype(np.float32)
    # the member maps are gtsrcmaps's bit for bit (test_srcmaps_step); the sum: measured bit for bit (the
    # tolerance allows 1 float32 ulp: the isotropic table is interpolated here in numpy, in xlat by
    # FileFunction)
    assert np.max(np.abs(comp["group"].data / expect - 1)) <= 1.2e-7


def test_composite_gives_the_model_and_npred_of_its_members(tmp_path, caldb):
    composite_model(tmp_path)
    nogal_model(tmp_path)
    assert run(tmp_path, srcmaps_line(tmp_path, "comp.xml", "comp.fits")).ok
    assert run(tmp_path, srcmaps_line(tmp_path, "model_nogal.xml", "flat.fits")).ok
    for model, maps, outfile in (("comp.xml", "comp.fits", "m_comp.fits"), ("model_nogal.xml", "flat.fits",
                                                                               "m_flat.fits")):
        out = run(tmp_path, f"model srcmaps={maps} srcmdl={model} outfile={outfile} outtype=CCUBE")
        assert out.ok, out.error
    a = fits.getdata(tmp_path / "m_comp.fits").astype(np.float64)
    b = fits.getdata(tmp_path / "m_flat.fits").astype(np.float64)
    # the log-log quadrature of F_c (sum_m F_m M_m) is the sum of the members' quadratures: closure to float32
    # rounding of the summed map, measured 1.3e-7
    assert np.max(np.abs(a / b - 1)) <= 1e-6
    # the likelihood reads the composite's map like any source's (Npred: measured 1.1e-10 apart)
    comp = load_analysis(tmp_path / "comp.fits", tmp_path / "comp.xml")
    flat = load_analysis(tmp_path / "flat.fits", tmp_path / "model_nogal.xml")
    assert comp.npred("group") == pytest.approx(flat.npred(), rel=1e-6)


def weights_cube(path, glon0: float = 184.5575, glat0: float = -5.7844) -> WCS:
    """A 0.35 deg GAL CAR weights cube over the middle of the crab1day map, 3 planes (300 MeV - 30 GeV)."""
    header = fits.Header()
    for key, val in (("CTYPE1", "GLON-CAR"), ("CTYPE2", "GLAT-CAR"), ("CRPIX1", 20.5), ("CRPIX2", 20.5),
                     ("CRVAL1", glon0), ("CRVAL2", glat0), ("CDELT1", -0.35), ("CDELT2", 0.35)):
        header[key] = val
    yy, xx = np.mgrid[0:40, 0:40]
    base = 0.2 + 0.8 * np.exp(-((xx - 20) ** 2 + (yy - 17) ** 2) / 200.0)
    data = np.stack([base, base**2, base**3]).astype(np.float32)
    energies = fits.BinTableHDU.from_columns([fits.Column("Energy", "D", array=[300.0, 3000.0, 30000.0])],
                                             name="ENERGIES")
    fits.HDUList([fits.PrimaryHDU(data, header), energies]).writeto(path)
    return WCS(header, naxis=2)


def test_weights_map_is_written_as_weights_hdu_as_weightmap_resamples_it(tmp_path, caldb):
    nogal_model(tmp_path)
    wcs = weights_cube(tmp_path / "w.fits")
    out = run(tmp_path, srcmaps_line(tmp_path, "model_nogal.xml", "sm.fits", "wmap=w.fits"))
    assert out.ok, out.error
    assert any("weight 1 is used there" in w for w in out.warnings)  # the map is smaller than the counts cube
    sm = fits.open(tmp_path / "sm.fits")
    assert [h.header["EXTNAME"] for h in sm[3:]] == ["Crab", "Extragal_diffuse", "__weights__"]
    got = sm["__weights__"].data
    assert got.dtype == np.dtype(">f4") and got.shape == (20, 100, 100)
    assert sm["__weights__"].header["CTYPE1"] == "GLON-CAR"
    # independent: counts pixel centres (astropy WCS of the counts map), rounded wmap pixel, power law in E
    cube = fits.open(require_shared(CRAB, "cntmap.fits.gz"))
    cwcs = WCS(cube[0].header, naxis=2)
    yy, xx = np.mgrid[0:100, 0:100]
    glon, glat = cwcs.wcs_pix2world(xx, yy, 0)
    x, y = wcs.wcs_world2pix(glon, glat, 1)
    inside = (x >= 0.5) & (x <= 40.5) & (y >= 0.5) & (y <= 40.5)
    ix = np.clip(np.floor(x + 0.5).astype(int) - 1, 0, 39)
    iy = np.clip(np.floor(y + 0.5).astype(int) - 1, 0, 39)
    planes = fits.getdata(tmp_path / "w.fits").astype(np.float64)
    eb = cube["EBOUNDS"].data
    centres = np.sqrt(eb["E_MIN"].astype(np.float64) * eb["E_MAX"]) / 1e3
    nodes = np.array([300.0, 3000.0, 30000.0])
    for k, ec in enumerate(centres):
        if not nodes[0] <= ec <= nodes[-1]:
            assert np.all(got[k] == 1)  # energy outside the map's ENERGIES: weight 1
            continue
        j = min(int(np.searchsorted(nodes, ec, side="right")) - 1, 1)
        y1, y2 = planes[j][iy, ix], planes[j + 1][iy, ix]
        value = y1 * (ec / nodes[j]) ** (np.log(y2 / y1) / np.log(nodes[j + 1] / nodes[j]))
        expect = np.where(inside, value, 1.0).astype(np.float32)
        assert np.max(np.abs(got[k] / expect - 1)) <= 2.4e-7, k  # measured bit for bit (1 ulp allowed)
    assert np.any(got < 0.5) and np.any(got == 1)  # weights vary: the test can fail
    # the likelihood uses them (products/like_files.py reads __weights__)
    analysis = load_analysis(tmp_path / "sm.fits", tmp_path / "model_nogal.xml")
    assert np.array_equal(analysis.data.weights, got.astype(np.float64))


def test_weights_already_in_the_counts_file_are_reused(tmp_path, caldb):
    nogal_model(tmp_path)
    weights_cube(tmp_path / "w.fits")
    assert run(tmp_path, srcmaps_line(tmp_path, "model_nogal.xml", "first.fits", "wmap=w.fits ptsrc=no")).ok
    weights_cube(tmp_path / "w2.fits", glon0=180.0)  # a different map: must not be used
    line = srcmaps_line(tmp_path, "model_nogal.xml", "second.fits", "wmap=w2.fits")
    out = run(tmp_path, line.replace(f"cmap={require_shared(CRAB, 'cntmap.fits.gz')}", "cmap=first.fits"))
    assert out.ok, out.error
    assert any("reading the existing weights map" in w for w in out.warnings)
    assert np.array_equal(fits.getdata(tmp_path / "second.fits", "__weights__"),
                          fits.getdata(tmp_path / "first.fits", "__weights__"))


def test_missing_weights_map_is_a_one_line_error_and_writes_nothing(tmp_path, caldb):
    nogal_model(tmp_path)
    out = run(tmp_path, srcmaps_line(tmp_path, "model_nogal.xml", "sm.fits", "wmap=nowhere.fits"))
    assert not out.ok and "wmap=nowhere.fits: file not found" in out.error and "\n" not in out.error
    assert not (tmp_path / "sm.fits").exists()
