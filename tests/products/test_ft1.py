"""products.ft1: FT1 files read with every column kept and written back bit for bit."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared

from xlat.core.gti import Gti
from xlat.errors import FileFormatError, InputError
from xlat.products.ft1 import read_ft1, write_ft1


@pytest.fixture(scope="module")
def ph00() -> Path:
    return require_shared("fss-nher2021", "L21061511313126BB196350_PH00.fits.gz")


def test_read_keeps_all_columns_and_header(ph00: Path) -> None:
    events = read_ft1(ph00)
    assert len(events) == 15365  # MANIFEST §2: 15365 events, 84 GTIs
    assert len(events.gti) == 84
    assert events.names[:3] == ("ENERGY", "RA", "DEC") and len(events.names) == 23
    assert events.pass_ver == "P8R3" and events.tstart == 644976005.0
    assert events.column("time").dtype == np.float64


def test_bit_columns_become_masks_with_bit_b_at_index_31_minus_b(ph00: Path) -> None:
    """MANIFEST conventions: astropy gives bool[32] MSB first, bit b is col[:, 31-b]."""
    events = read_ft1(ph00)
    with fits.open(ph00) as hdul:
        bits = np.asarray(hdul["EVENTS"].data["EVENT_TYPE"])
    expected = sum(bits[:, 31 - b].astype(np.uint64) << np.uint64(b) for b in range(32))
    np.testing.assert_array_equal(events.column("EVENT_TYPE"), expected)
    assert set(np.unique(events.column("EVENT_CLASS") & 128).tolist()) == {128}  # the query was evclass 128


def test_written_rows_are_bit_identical(ph00: Path, tmp_path: Path) -> None:
    events = read_ft1(ph00)
    keep = np.zeros(len(events), dtype=bool)
    keep[::7] = True
    out = write_ft1(tmp_path / "sub.fits", events.take(keep), gti=events.gti, clobber=False)
    with fits.open(out) as a, fits.open(ph00) as b:
        assert (
            a["EVENTS"].data.view(np.ndarray).tobytes() == b["EVENTS"].data.view(np.ndarray)[keep].tobytes()
        )
        np.testing.assert_array_equal(a["EVENTS"].data["EVENT_CLASS"], b["EVENTS"].data["EVENT_CLASS"][keep])
        assert a["EVENTS"].header["TFORM15"] == "32X"
        assert a["GTI"].header["ONTIME"] == pytest.approx(397649.757621169, rel=1e-14)  # MANIFEST §2
        assert a[0].header["FILENAME"] == "sub.fits"
        assert "CHECKSUM" not in a["EVENTS"].header  # the input's checksums no longer apply


def test_list_of_files_is_merged(ph00: Path, tmp_path: Path) -> None:
    events = read_ft1(ph00)
    half = events.column("TIME") < 645200000.0
    first = write_ft1(
        tmp_path / "a.fits", events.take(half), gti=events.gti.clip(0, 645200000.0), clobber=True
    )
    second = write_ft1(
        tmp_path / "b.fits", events.take(~half), gti=events.gti.clip(645200000.0, 1e10), clobber=True
    )
    (tmp_path / "list.txt").write_text("a.fits\nb.fits\n")
    merged = read_ft1(f"@{tmp_path / 'list.txt'}")
    assert merged.paths == (first, second)
    assert len(merged) == len(events)
    assert merged.gti.ontime == pytest.approx(events.gti.ontime, rel=1e-12)
    np.testing.assert_array_equal(merged.file_index, np.r_[np.zeros(half.sum()), np.ones((~half).sum())])
    # the merged rows keep the big-endian FITS layout, byte for byte
    assert merged.rows.dtype == events.rows.dtype
    assert merged.rows.tobytes() == events.rows[half].tobytes() + events.rows[~half].tobytes()


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nope\.fits: FT1 event file not found$"):
        read_ft1(tmp_path / "nope.fits")


def test_not_fits_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "text.fits"
    path.write_text("this is not FITS\n" * 200)
    with pytest.raises(FileFormatError, match="not a FITS file"):
        read_ft1(path)


def test_truncated_fits_is_one_line(ph00: Path, tmp_path: Path) -> None:
    raw = gzip.decompress(ph00.read_bytes())
    path = tmp_path / "cut.fits"
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(FileFormatError) as info:
        read_ft1(path)
    assert "\n" not in str(info.value) and "cut.fits" in str(info.value)


def test_file_without_events_hdu(tmp_path: Path) -> None:
    path = tmp_path / "img.fits"
    fits.HDUList([fits.PrimaryHDU(np.zeros((2, 2)))]).writeto(path)
    with pytest.raises(FileFormatError, match="no HDU 'EVENTS' \\(is this an FT1 event file\\?\\)"):
        read_ft1(path)


def test_missing_column_is_named(ph00: Path) -> None:
    events = read_ft1(ph00)
    with pytest.raises(FileFormatError, match="has no column 'PULSE_PHASE' \\(needed for the phase cut\\)"):
        events.column("PULSE_PHASE", "for the phase cut")


def test_required_column_checked_on_read(tmp_path: Path) -> None:
    path = tmp_path / "notime.fits"
    cols = [fits.Column(name="ENERGY", format="E", array=np.ones(3))]
    gti = fits.BinTableHDU.from_columns(
        [
            fits.Column(name="START", format="D", array=[0.0]),
            fits.Column(name="STOP", format="D", array=[1.0]),
        ],
        name="GTI",
    )
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(cols, name="EVENTS"), gti]).writeto(path)
    with pytest.raises(FileFormatError, match="has no column 'TIME'"):
        read_ft1(path, require=("TIME",))
    events = read_ft1(path)
    assert isinstance(events.gti, Gti) and len(events) == 3


def test_output_named_fits_gz_is_gzip_compressed(ph00: Path, tmp_path: Path) -> None:
    """outfile=x.fits.gz: gtselect (cfitsio) writes gzip, as the astropy writers do; it was plain FITS."""
    events = read_ft1(ph00)
    out = write_ft1(tmp_path / "sub.fits.gz", events.take(np.arange(len(events)) < 100), gti=events.gti,
                    clobber=False)
    assert out.read_bytes()[:2] == b"\x1f\x8b"
    again = read_ft1(out)
    assert len(again) == 100 and again.rows.tobytes() == events.rows[:100].tobytes()
    assert list(tmp_path.iterdir()) == [out]
