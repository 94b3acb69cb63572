"""A zero-length GTI row in an FT1 file goes through select, mktime, bin and ltcube as the tools keep it.

gtselect copies the GTI through evtbin::Gti (consolidate keeps a lone [t, t]; a time cut is
``Gti & [tmin, tmax]``), gtmktime intersects the FT2 GTI with it (kept when strictly inside),
gtbin and gtltcube read the GTI extension with the same class and write it back
[evtbin src/Gti.cxx; dataSubselector src/dataSubselector/CutController.cxx, src/gtmaketime].
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from events_helpers import demo_data, gti_rows, ok  # noqa: F401  (demo_data is a fixture)


@pytest.fixture(scope="module")
def zero_gti(tmp_path_factory: pytest.TempPathFactory, demo_data: tuple[Path, Path]) -> tuple[Path, float]:
    """The demo FT1 with its second GTI split around a zero-length interval [m, m] in a 200-s gap."""
    folder = tmp_path_factory.mktemp("zero-gti")
    shutil.copy(demo_data[1], folder / "ft2.fits")
    with fits.open(demo_data[0]) as hdul:
        gti = hdul["GTI"]
        s, e = np.array(gti.data["START"]), np.array(gti.data["STOP"])
        m = float(np.floor(0.5 * (s[1] + e[1])))
        starts = np.r_[s[:1], s[1], m, m + 100.0, s[2:]]
        stops = np.r_[e[:1], m - 100.0, m, e[1], e[2:]]
        cols = [fits.Column(name=n, format="D", unit="s", array=a)
                for n, a in (("START", starts), ("STOP", stops))]
        new = fits.BinTableHDU.from_columns(cols, header=gti.header, name="GTI")
        fits.HDUList([hdul[0], hdul["EVENTS"], new]).writeto(folder / "ft1.fits")
    return folder, m


def _zero_rows(path: Path, extname: str = "GTI") -> list[float]:
    with fits.open(path) as hdul:
        d = hdul[extname].data
        return [float(t) for t, u in zip(d["START"], d["STOP"], strict=True) if t == u]


def test_zero_length_gti_survives_the_chain(zero_gti: tuple[Path, float]) -> None:
    work, m = zero_gti
    n_in = len(gti_rows(work / "ft1.fits")[0])
    ok(work, "select", "infile=ft1.fits", "outfile=sel.fits", "zmax=90")
    assert _zero_rows(work / "sel.fits") == [m] and len(gti_rows(work / "sel.fits")[0]) == n_in
    # a time cut around it: Gti & [tmin, tmax] keeps [m, m] (strictly inside)
    ok(work, "select", "infile=ft1.fits", "outfile=sel_t.fits", "zmax=90",
       f"tmin={m - 5000}", f"tmax={m + 5000}")
    assert _zero_rows(work / "sel_t.fits") == [m]
    ok(work, "mktime", "scfile=ft2.fits", "filter=DATA_QUAL>0 && LAT_CONFIG==1", "roicut=no",
       "evfile=sel.fits", "outfile=mk.fits")
    assert _zero_rows(work / "mk.fits") == [m]
    ok(work, "bin", "evfile=mk.fits", "outfile=cc.fits", "algorithm=CCUBE", "nxpix=5", "nypix=5", "binsz=1",
       "xref=193.98", "yref=-5.82", "ebinalg=LOG", "emin=100", "emax=10000", "enumbins=2", "scfile=ft2.fits")
    assert _zero_rows(work / "cc.fits") == [m]
    ok(work, "ltcube", "evfile=mk.fits", "scfile=ft2.fits", "outfile=lt.fits", "dcostheta=0.1", "binsz=10")
    assert _zero_rows(work / "lt.fits") == [m]
    with fits.open(work / "mk.fits") as a, fits.open(work / "lt.fits") as b:
        # the zero-length row adds no ontime (ONTIME = sum of lengths in both files)
        assert b["GTI"].header["ONTIME"] == pytest.approx(a["GTI"].header["ONTIME"], rel=1e-12)
