"""core.healpix: the Fermitools' pixel geometry."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.core import healpix


@pytest.mark.parametrize(("binsz", "nside"), [(1, 64), (0.5, 128), (0.25, 256), (0.2, 512), (0.1, 512),
                                              (2, 32), (3, 32), (4, 16), (5, 16), (10, 8)])
def test_nside_from_binsz_as_map_tools(binsz: float, nside: int) -> None:
    # reference §3.1 (map_tools side_from_degrees): binsz 1->64, 0.5->128, 0.25->256, <=0.2->512,
    # 2 or 3->32, 5->16, 10->8; 4 -> 16 is the nside of set 1's ltcube (binsz 4, MANIFEST §1)
    assert healpix.nside_from_binsz(binsz) == nside


@pytest.mark.parametrize("path", [("gammalib-p8r2-crab1day", "ltcube.fits.gz"),
                                  ("fermitools2026-crab1day", "ltcube_zmax90_dcos0.025_binsz1.fits.gz")])
def test_pixel_centres_match_gtltcube_ra_dec_columns(path: tuple[str, str]) -> None:
    # the RA/DEC columns gtltcube wrote (float32) from the same pixel vectors, every pixel
    data = fits.getdata(require_shared(*path), "EXPOSURE")
    nside = int(np.sqrt(len(data) / 12))
    ra, dec = healpix.pixel_radec(nside)
    assert np.array_equal(ra.astype(np.float32), data["RA"])
    assert np.array_equal(dec.astype(np.float32), data["DEC"])


def test_ang2pix_radec_finds_the_containing_pixel() -> None:
    ra, dec = healpix.pixel_radec(64)
    assert np.array_equal(healpix.ang2pix_radec(64, ra, dec), np.arange(12 * 64 * 64))


def test_pixel_vectors_are_unit_vectors() -> None:
    v = healpix.pixel_vectors(16)
    assert v.shape == (3072, 3)
    assert np.max(np.abs(np.linalg.norm(v, axis=1) - 1)) < 1e-15
