"""products.ltcube: gtltcube's file layout (writer) and the reader round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.core.gti import Gti
from xlat.errors import OutputExistsError
from xlat.products.dates import met_to_date
from xlat.products.ltcube import LivetimeCube, read_ltcube, write_ltcube

REF64 = ("fermitools2026-crab1day", "ltcube_zmax90_dcos0.025_binsz1.fits.gz")
VOLATILE = {"CHECKSUM", "DATASUM", "DATE", "FILENAME", "CREATOR"}


@pytest.mark.parametrize(("met", "text"), [
    (239557417.5, "2008-08-04T15:43:36.4999"),  # DATE-OBS of set 1/9 ltcubes (TSTART 239557417.5)
    (239643817.5, "2008-08-05T15:43:36.4999"),  # their DATE-END
    (239557417.49417615, "2008-08-04T15:43:36.4941"),  # ltcube_2yr DATE-OBS (MANIFEST §10)
    (302572802.0, "2010-08-04T00:00:00.0000"),  # ltcube_2yr DATE-END
])
def test_met_to_date_as_the_fermitools_write_it(met: float, text: str) -> None:
    assert met_to_date(met) == text


def test_writer_reproduces_gtltcube_file_card_for_card(tmp_path: Path) -> None:
    # Every keyword and value of today's gtltcube file (MANIFEST §9) except time stamps,
    # checksums, FILENAME and CREATOR; every column bit for bit.
    ref_path = require_shared(*REF64)
    cube = read_ltcube(ref_path)
    out = write_ltcube(cube, tmp_path / "lt.fits", dss=_dss_of(ref_path), version="1")
    with fits.open(out) as ours, fits.open(ref_path) as ref:
        assert [h.name for h in ours] == [h.name for h in ref]
        for a, b in zip(ours, ref, strict=True):
            keys_a = {c.keyword for c in a.header.cards} - VOLATILE
            keys_b = {c.keyword for c in b.header.cards} - VOLATILE
            assert keys_a == keys_b, a.name
            for key in keys_a - {"COMMENT"}:
                assert a.header[key] == b.header[key], (a.name, key)
            if a.data is not None:
                for col in b.columns.names:
                    assert np.array_equal(a.data[col], b.data[col]), (a.name, col)
        assert ours[0].header["FILENAME"] == "lt.fits"


def _dss_of(path: Path):  # noqa: ANN202 - small helper
    from xlat.products.dss import DataSubspace

    return DataSubspace.from_header(fits.getheader(path, "EXPOSURE"))


def test_write_read_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    live = rng.uniform(0, 1e4, (3072, 60)).astype(np.float32)
    cube = LivetimeCube(livetime=live, weighted=live * np.float32(0.9), nside=16, nbins=20, cosmin=0.0, phibins=2,
                        gti=Gti.from_arrays([10.0, 50.0], [20.0, 70.0]), zmin=0.0, zmax=100.0,
                        tstart=10.0, tstop=70.0)
    back = read_ltcube(write_ltcube(cube, tmp_path / "rt.fits"))
    assert np.array_equal(back.livetime, cube.livetime) and np.array_equal(back.weighted, cube.weighted)
    assert (back.nside, back.nbins, back.phibins, back.zmin, back.zmax) == (16, 20, 2, 0.0, 100.0)
    assert (back.tstart, back.tstop) == (10.0, 70.0)
    assert np.array_equal(back.gti.starts, cube.gti.starts) and np.array_equal(back.gti.stops, cube.gti.stops)
    assert np.array_equal(back.costheta_edges(), cube.costheta_edges())


def test_no_zenith_keywords_without_a_zenith_cut(tmp_path: Path) -> None:
    # makeExposureCube.cxx writes ZENMAX/ZENMIN only if zmax < 180 (set 1's ltcube has none)
    ref = read_ltcube(require_shared("gammalib-p8r2-crab1day", "ltcube.fits.gz"))
    assert ref.zmax is None
    header = fits.getheader(write_ltcube(ref, tmp_path / "a.fits"), "EXPOSURE")
    assert "ZENMAX" not in header and "ZENMIN" not in header


def test_existing_output_needs_clobber(tmp_path: Path) -> None:
    ref = read_ltcube(require_shared("gammalib-p8r2-crab1day", "ltcube.fits.gz"))
    out = tmp_path / "exists.fits"
    out.write_text("keep me")
    with pytest.raises(OutputExistsError, match="exists.fits: output file exists; use clobber=yes"):
        write_ltcube(ref, out, clobber=False)
    assert out.read_text() == "keep me"
    write_ltcube(ref, out, clobber=True)
    assert read_ltcube(out).nside == 16


def test_header_of_the_2yr_cube_matches_gtltcube_including_15_digit_times(tmp_path: Path) -> None:
    # ltcube_2yr (MANIFEST §10): TSTART 239557417.494176, ONTIME 52568100.5446973, TELAPSE
    # 63015384.5058239 are written by the tool with 15 significant digits; our GTIs come from
    # the event file at full precision (239557417.49417615).
    import dataclasses

    from xlat.session.steps.ltcube import event_gtis

    ref_path = require_shared("fermitools2026-3c279", "ltcube_2yr.fits.gz")
    gti, dss = event_gtis([require_shared("fermitools2026-3c279", "ft1_3c279_gti.fits.gz")])
    cube = dataclasses.replace(read_ltcube(ref_path), gti=gti, tstart=gti.tstart, tstop=gti.tstop)
    out = write_ltcube(cube, tmp_path / "lt.fits", dss=dss)
    with fits.open(out) as ours, fits.open(ref_path) as ref:
        for a, b in zip(ours, ref, strict=True):
            keys = ({c.keyword for c in a.header.cards} | {c.keyword for c in b.header.cards}) - VOLATILE - {"COMMENT"}
            assert {k: a.header.get(k) for k in keys} == {k: b.header.get(k) for k in keys}, a.name
        assert np.array_equal(ours["GTI"].data["START"], ref["GTI"].data["START"])


def test_old_layout_without_weighted_exposure_reads_as_the_tools_do(tmp_path: Path) -> None:
    """ltcubes from before the weighted livetime have no WEIGHTED_EXPOSURE table; Likelihood's
    ExposureCube::readExposureCube catches that and uses the livetime for both efficiency terms."""
    ref = require_shared("gammalib-p8r2-crab1day", "ltcube.fits.gz")
    with fits.open(ref) as hdul:
        fits.HDUList([h for h in hdul if h.name != "WEIGHTED_EXPOSURE"]).writeto(tmp_path / "old.fits")
    full = read_ltcube(ref)
    with pytest.warns(UserWarning, match="no WEIGHTED_EXPOSURE table .* unweighted livetime"):
        old = read_ltcube(tmp_path / "old.fits")
    np.testing.assert_array_equal(old.livetime, full.livetime)
    np.testing.assert_array_equal(old.weighted, full.livetime)
    assert not np.array_equal(full.weighted, full.livetime)
