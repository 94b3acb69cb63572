"""The srcmaps file layout (reference §7.4): writing, reading back, reuse, bad files."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.errors import FileFormatError, OutputExistsError
from xlat.products.ccube import read_counts_cube
from xlat.products.srcmaps import SourceMap, counts_edges, read_srcmaps, write_srcmaps


@pytest.fixture
def counts():
    return read_counts_cube(require_shared("gammalib-p8r2-crab1day", "cntmap.fits.gz"))


def test_layout_matches_gtsrcmaps_and_reads_back(tmp_path, counts, rng):
    maps = [
        SourceMap(name, rng.random((21, 100, 100)).astype(np.float32))
        for name in ("b_diffuse", "Crab", "a source", "Zeta")
    ]
    out = write_srcmaps(tmp_path / "s.fits", counts, maps, counts.dss, clobber=False)
    hdul = fits.open(out)
    # gtsrcmaps: PRIMARY (counts as float), GTI, EBOUNDS, then sources in std::map (byte) order, names as given
    assert [h.header.get("EXTNAME", "PRIMARY") for h in hdul] == [
        "PRIMARY",
        "GTI",
        "EBOUNDS",
        "Crab",
        "Zeta",
        "a source",
        "b_diffuse",
    ]
    assert hdul[0].data.dtype.kind == "f" and np.array_equal(hdul[0].data, counts.data)
    assert hdul["Crab"].header["CDELT1"] == -0.2 and hdul["Crab"].header["CTYPE3"] == "photon energy"
    back = read_srcmaps(out)
    assert back.names() == ["Crab", "Zeta", "a source", "b_diffuse"] and all(
        m.from_file for m in back.maps.values()
    )
    assert np.array_equal(back["a source"].data, maps[2].data)
    assert (
        np.allclose(counts_edges(back.counts), counts_edges(counts), rtol=0)
        and back["Crab"].edisp_planes(20) == 0
    )
    only = read_srcmaps(out, ["Zeta", "not there"])
    assert only.names() == ["Zeta"]
    with pytest.raises(OutputExistsError):
        write_srcmaps(tmp_path / "s.fits", counts, maps, counts.dss, clobber=False)


def test_copyall_keeps_every_input_hdu(tmp_path, counts, rng):
    first = write_srcmaps(
        tmp_path / "a.fits",
        counts,
        [SourceMap("A", rng.random((21, 100, 100)).astype(np.float32))],
        counts.dss,
        clobber=True,
    )
    again = read_srcmaps(first)
    out = write_srcmaps(
        tmp_path / "b.fits",
        again.counts,
        [*again.maps.values(), SourceMap("B", np.zeros((21, 100, 100), np.float32))],
        again.counts.dss,
        clobber=True,
        copy_from=first,
    )
    names = [h.header.get("EXTNAME", "PRIMARY") for h in fits.open(out)]
    assert names.count("A") == 1 and "B" in names and names[:2] == ["PRIMARY", "GTI"]


def test_a_map_on_another_grid_is_refused(tmp_path, counts):
    hdus = fits.open(require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz"))
    bad = fits.HDUList([h.copy() for h in hdus])
    bad["Crab"].data = bad["Crab"].data[:20]  # 20 planes: not n_bins + 1 + 2 e
    bad.writeto(tmp_path / "bad.fits")
    with pytest.raises(FileFormatError, match="'Crab' has shape"):
        read_srcmaps(tmp_path / "bad.fits")


def test_a_map_with_the_wrong_plane_count_says_what_was_expected(tmp_path):
    """The message gives the expected shape in numbers (it said "(21 + 2 e, 100, 100)")."""
    hdus = fits.open(require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz"))
    bad = fits.HDUList([h.copy() for h in hdus])
    bad["Crab"].data = bad["Crab"].data[:18]  # MANIFEST §9: 20 bins -> 21 planes
    bad.writeto(tmp_path / "bad.fits")
    with pytest.raises(FileFormatError) as caught:
        read_srcmaps(tmp_path / "bad.fits")
    assert str(caught.value) == (f"{tmp_path / 'bad.fits'}: source map HDU 'Crab' has shape (18, 100, 100); "
                                 "expected (21, 100, 100) for this counts cube (20 energy bins + 1 planes, "
                                 "+ 2 per edisp_bins): was it made for another counts cube?")
