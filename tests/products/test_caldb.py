"""CALDB look-up (caldb.indx) and IRF loading against the real CALDB in ../shared/data/caldb."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.errors import ResponseError
from xlat.products.caldb import implied_irf_name, locate_caldb, open_caldb, select_irfs
from xlat.products.irfs import load_response


@pytest.fixture(scope="module")
def index():
    return open_caldb(require_shared("caldb"))


def test_locate_prefers_caldb_then_fermi_dir_then_user(tmp_path):
    caldb = require_shared("caldb")
    assert locate_caldb(str(caldb), None) == caldb
    fermi = tmp_path / "fermi"
    (fermi / "refdata" / "fermi").mkdir(parents=True)
    (fermi / "refdata" / "fermi" / "caldb").symlink_to(caldb)
    assert locate_caldb(None, str(fermi)) == fermi / "refdata" / "fermi" / "caldb"
    assert locate_caldb(None, None, str(caldb)) == caldb


def test_missing_caldb_index_is_one_line_error(tmp_path):
    with pytest.raises(ResponseError, match=r"no data/glast/lat/caldb.indx found \(CALDB=") as exc:
        locate_caldb(str(tmp_path), None)
    assert "\n" not in str(exc.value)
    with pytest.raises(ResponseError, match="no CALDB"):
        locate_caldb(None, None)
    with pytest.raises(ResponseError, match="CALDB index not found"):
        open_caldb(tmp_path)


def test_pass8_front_back_and_psf_selections(index):
    sel = select_irfs(index, "P8R3_SOURCE_V3", 3)
    assert sel.event_types == ("FRONT", "BACK") and sel.irfs_name == "P8R3_SOURCE_V3"
    sel = select_irfs(index, "P8R3_SOURCE_V3", 4 + 16)
    assert sel.event_types == ("PSF0", "PSF2") and sel.irfs_name == "P8R3_SOURCE_V3 (PSF)"
    assert select_irfs(index, "P8R3_SOURCE_V3", 64 * 15).event_types == ("EDISP0", "EDISP1", "EDISP2", "EDISP3")


def test_evtype_spanning_partitions_lists_valid_masks(index):
    mixed = r"mixes event-type partitions \(PSF0, FRONT\) .*FRONT/BACK: any sum of 1, 2"
    with pytest.raises(ResponseError, match=mixed) as exc:
        select_irfs(index, "P8R3_SOURCE_V3", 5)
    assert "PSF0/PSF1/PSF2/PSF3: any sum of 4, 8, 16, 32 (4..60)" in str(exc.value)
    with pytest.raises(ResponseError, match=r"P7REP_SOURCE_V15 has no event type with bits 4; valid: FRONT/BACK"):
        select_irfs(index, "P7REP_SOURCE_V15", 4)


def test_unknown_and_not_installed_names(index):
    with pytest.raises(ResponseError, match=r"irfs=P9_NOPE_V1 is not in .*installed IRFs: .*P8R3_SOURCE_V3"):
        select_irfs(index, "P9_NOPE_V1", 3)
    # P8R2_CLEAN_V6 is in the full caldb.indx but its files are not staged (MANIFEST §5)
    with pytest.raises(ResponseError, match=r"irfs=P8R2_CLEAN_V6 is indexed in .* but its files are not installed"):
        select_irfs(index, "P8R2_CLEAN_V6", 3)


def test_pass7_layout_reads_separate_front_back_files(index):
    resp = load_response(index, "P7REP_SOURCE_V15", 3, psf=True, edisp=True)
    assert [t.event_type for t in resp.types] == ["FRONT", "BACK"]
    assert resp.types[0].psf.scale != resp.types[1].psf.scale  # each file its own PSF_SCALING (3 values)
    assert resp.types[0].edisp.version == 2
    # on-axis Aeff near 1 GeV (FRONT) is of the order of 4000 cm^2 for P7REP SOURCE
    a = resp.types[0].aeff.value(1000.0, 1.0)
    assert 2000 < a < 6000


def _mini_caldb(tmp_path: Path, irf: str, drop_hdu: str | None = None, missing_file: str | None = None) -> Path:
    """A CALDB holding only the rows of ``irf`` (files copied), optionally damaged."""
    src = require_shared("caldb")
    root = tmp_path / "caldb"
    lat = root / "data" / "glast" / "lat"
    lat.mkdir(parents=True)
    with fits.open(src / "data" / "glast" / "lat" / "caldb.indx") as hdul:
        data = hdul["CIF"].data
        keep = np.array([f"VERSION({irf})" in str(c) for c in data["CAL_CBD"]])
        hdul["CIF"].data = data[keep]
        hdul.writeto(lat / "caldb.indx")
        files = {(str(d).strip(), str(f).strip()) for d, f in zip(data["CAL_DIR"][keep], data["CAL_FILE"][keep], strict=True)}
    for d, f in files:
        (root / d).mkdir(parents=True, exist_ok=True)
        if f == missing_file:
            continue
        if drop_hdu and f.startswith("aeff_"):
            with fits.open(src / d / f) as hdul:
                fits.HDUList([h for h in hdul if h.name != drop_hdu]).writeto(root / d / f)
        else:
            shutil.copy(src / d / f, root / d / f)
    return root


def test_index_pointing_at_missing_file(tmp_path):
    root = _mini_caldb(tmp_path, "P8R2_SOURCE_V6", missing_file="psf_P8R2_SOURCE_V6_FB.fits")
    index = open_caldb(root)
    with pytest.raises(ResponseError, match=r"indexed in .* but its files are not installed "
                                            r"\(missing .*psf_P8R2_SOURCE_V6_FB.fits\); installed IRFs: none"):
        load_response(index, "P8R2_SOURCE_V6", 3, psf=True)


def test_caldb_folder_the_user_may_not_enter(tmp_path, monkeypatch):
    """bcf/ea with mode 000 (simulated: the tests may run as root) was an internal PermissionError."""
    root = _mini_caldb(tmp_path, "P8R2_SOURCE_V6")
    index = open_caldb(root)
    real = Path.is_file

    def guarded(self):
        if self.parent.name == "ea":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_file", guarded)
    with pytest.raises(ResponseError) as caught:
        load_response(index, "P8R2_SOURCE_V6", 3)
    message = str(caught.value)
    assert message.endswith(": permission denied (cannot enter the CALDB folder holding it)")
    assert "/bcf/ea/aeff_P8R2_SOURCE_V6_" in message


def test_irf_file_missing_an_extension(tmp_path):
    root = _mini_caldb(tmp_path, "P8R2_SOURCE_V6", drop_hdu="PHI_DEPENDENCE_FRONT")
    index = open_caldb(root)
    with pytest.raises(ResponseError, match=r"aeff_P8R2_SOURCE_V6_FB.fits: extension 2 holds EFFICIENCY_PARS, "
                                            r"but caldb.indx says PHI_DEP for FRONT") as exc:
        load_response(index, "P8R2_SOURCE_V6", 3)
    assert "\n" not in str(exc.value)


def test_caldb_irfs_implied_by_event_class(index):
    # EVENT_CLASS mask 128 with pass P8R3 -> the newest P8R3 SOURCE version installed or indexed
    assert implied_irf_name(index, None, 128, "P8R3", "test") == "P8R3_SOURCE_V3"
    assert implied_irf_name(index, None, 128, "P8R2", "test") == "P8R2_SOURCE_V6"
    assert implied_irf_name(index, "P8R3_SOURCE_V2 (PSF)", None, None, "test") == "P8R3_SOURCE_V2"
    with pytest.raises(ResponseError, match="no EVENT_CLASS bit-mask DSS keyword"):
        implied_irf_name(index, None, None, None, "cmap.fits")


def test_pass7_five_value_psf_scaling_gives_each_partition_its_own_pair(tmp_path, index):
    """Older Pass 7 PSF files carry one 5-value PSFSCALE (front c0, c1, back c0, c1, index) in both
    files (reproduction notes, "Pass 7 IRFs"); the files here have 3 values per file. Rewritten as 5
    values, FRONT and BACK must give the same PSF as from their own 3-value tables."""
    root = _mini_caldb(tmp_path, "P7REP_SOURCE_V15")
    psf_dir = next(root.rglob("psf_P7REP_SOURCE_V15_front.fits")).parent
    scale = {}
    for part in ("front", "back"):
        with fits.open(psf_dir / f"psf_P7REP_SOURCE_V15_{part}.fits") as hdul:
            scale[part] = np.array(hdul["PSF_SCALING_PARAMS"].data["PSFSCALE"][0], dtype=np.float32)
    assert scale["front"][2] == scale["back"][2]  # one index for both partitions
    five = np.r_[scale["front"][:2], scale["back"][:2], scale["front"][2]].astype(np.float32)
    for part in ("front", "back"):
        path = psf_dir / f"psf_P7REP_SOURCE_V15_{part}.fits"
        with fits.open(path) as hdul:
            col = fits.Column(name="PSFSCALE", format="5E", array=five[None, :])
            new = fits.BinTableHDU.from_columns([col], header=hdul["PSF_SCALING_PARAMS"].header)
            fits.HDUList([hdul[0], hdul["RPSF"], new]).writeto(path, overwrite=True)
    three = load_response(index, "P7REP_SOURCE_V15", 3, psf=True)
    fived = load_response(open_caldb(root), "P7REP_SOURCE_V15", 3, psf=True)
    seps, energies, mu = np.array([0.1, 1.0, 5.0]), np.array([100.0, 1e4]), np.array([0.9])
    for a, b in zip(three.types, fived.types, strict=True):
        np.testing.assert_allclose(b.psf.value_grid(seps, energies, mu), a.psf.value_grid(seps, energies, mu),
                                   rtol=1e-12)


@pytest.mark.parametrize("irf", ["P8R3_SOURCE_V3", "P7REP_SOURCE_V15"])
def test_aeff_phi_modulation_averages_to_one_over_azimuth(index, irf):
    """latResponse Aeff::phi_modulation: norm * (1 + p0 xx^p1) with norm = 1 / (1 + p0 / (1 + p1)), xx
    uniform in [0, 1] for a uniform azimuth, so its azimuthal mean is 1 (closure); it is not flat."""
    resp = load_response(index, irf, 3)
    e, mu = np.array([100.0, 1e3, 3e4, 3e5])[:, None, None], np.array([0.3, 0.6, 0.9])[None, :, None]
    phi = (np.arange(36000) + 0.5) / 100.0  # deg, midpoint rule on [0, 360): error ~5e-9 (xx^p1 steep at 0)
    for t in resp.types:
        assert t.aeff.phi is not None
        with_phi = t.aeff.value(e, mu, phi[None, None, :])
        base = t.aeff.value(e[..., 0], mu[..., 0])
        np.testing.assert_allclose(with_phi.mean(axis=2), base, rtol=1e-7)
        assert (with_phi / base[..., None]).max() > 1.2  # a 20-35 % modulation in these tables


def test_approximate_response_asked_of_a_real_caldb_says_how_to_go_on(index):
    """A demo made without a CALDB, continued with $CALDB set: the products' IRF_VERSION is xlat's
    approximate response, which a real caldb.indx does not hold; the error said only that."""
    with pytest.raises(ResponseError, match=r"IRF_VERSION XLAT_APPROX_P8R3_SOURCE_V3 is not in .*unset CALDB and "
                                            r"FERMI_DIR to go on with it"):
        implied_irf_name(index, "XLAT_APPROX_P8R3_SOURCE_V3", 128, "P8R3", "3C279_binned_ltcube.fits")
    with pytest.raises(ResponseError, match=r"irfs=XLAT_APPROX_P8R3_SOURCE_V3 is not in .*built-in approximate"):
        select_irfs(index, "XLAT_APPROX_P8R3_SOURCE_V3", 3)
    with pytest.raises(ResponseError) as exc:  # a real name gets no such hint
        implied_irf_name(index, "P9_NOPE_V1", 128, "P8R3", "x.fits")
    assert "approximate" not in str(exc.value)
