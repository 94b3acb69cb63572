"""products.fitsio: files that exist but cannot be read give one line that says why (not "corrupt")."""

from __future__ import annotations

import gzip
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from xlat.errors import FileFormatError, InputError
from xlat.products.fitsio import expand_file_list, get_hdu, open_fits
from xlat.products.ft2 import ft2_column_names


def _table_file(path: Path, rows: int = 2000) -> bytes:
    """A primary HDU + an EVENTS table (~48 kB); returns the file's bytes."""
    table = fits.BinTableHDU.from_columns(
        [fits.Column(name="TIME", format="D", array=np.arange(rows, dtype=float)),
         fits.Column(name="ENERGY", format="E", array=np.full(rows, 100.0))], name="EVENTS")
    fits.HDUList([fits.PrimaryHDU(), table]).writeto(path)
    return path.read_bytes()


def test_unreadable_file_says_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 (simulated: the tests may run as root, who reads anything)."""
    path = tmp_path / "ft1.fits"
    _table_file(path)

    def denied(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(fits, "open", denied)
    with pytest.raises(InputError) as caught:
        open_fits(path, "FT1 event file")
    assert str(caught.value) == f"{path}: permission denied (cannot read the FT1 event file)"


@pytest.mark.parametrize("hiding", [OSError("CRC check failed 0x1484284e != 0x57ec091c"),
                                    zlib.error("Error -3 while decompressing data: invalid block type")])
def test_ctrl_c_hidden_by_a_gzip_error_is_a_cancel_not_a_corrupt_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hiding: Exception
) -> None:
    """Ctrl-C inside a gzip read: astropy's clean-up seek then fails in gzip or zlib (both seen with
    SIGINT during 'xlat expcube' on a .gz ltcube); the interrupt wins."""
    path = tmp_path / "ltcube.fits.gz"
    path.write_bytes(gzip.compress(_table_file(tmp_path / "plain.fits")))

    def interrupted(*_args: object, **_kwargs: object) -> None:
        try:
            raise KeyboardInterrupt
        finally:
            raise hiding  # noqa: B012 - what astropy's finally-seek does

    monkeypatch.setattr(fits, "open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_fits(path, "livetime cube")


@pytest.mark.parametrize("gzipped", [False, True])
def test_a_file_cut_inside_a_header_is_reported_truncated(tmp_path: Path, gzipped: bool) -> None:
    """astropy silently stops at a cut header (or an early end of the gzip stream): say so, not 'no HDU'."""
    data = _table_file(tmp_path / "full.fits")
    if gzipped:
        packed = gzip.compress(data)
        path = tmp_path / "cut.fits.gz"
        path.write_bytes(packed[: len(packed) // 2])
    else:
        path = tmp_path / "cut.fits"
        path.write_bytes(data[: 2880 + 1000])  # the primary HDU and a third of the EVENTS header
    hdul = open_fits(path, "FT1 event file")
    with pytest.raises(FileFormatError) as caught:
        get_hdu(hdul, "EVENTS", path, "an FT1 event file")
    message = str(caught.value)
    assert message.startswith(f"{path}: no HDU 'EVENTS': the file is truncated or corrupt")
    assert "\n" not in message and "(is this" not in message


def test_a_complete_file_without_the_hdu_keeps_the_plain_message(tmp_path: Path) -> None:
    path = tmp_path / "full.fits"
    _table_file(path)
    hdul = open_fits(path, "FT2 spacecraft file")
    with pytest.raises(FileFormatError) as caught:
        get_hdu(hdul, "SC_DATA", path, "an FT2 spacecraft file")
    assert str(caught.value) == (f"{path}: no HDU 'SC_DATA' (is this an FT2 spacecraft file?); "
                                 "HDUs present: PRIMARY, EVENTS")


def test_list_file_that_cannot_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = tmp_path / "list.txt"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(InputError) as caught:
        expand_file_list(f"@{binary}", "FT1")
    assert str(caught.value) == (f"{binary}: cannot read the FT1 list file (not a text file; "
                                 "expected one file name per line)")

    def denied(self: Path, *_args: object, **_kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)
    with pytest.raises(InputError) as caught:
        expand_file_list(f"@{binary}", "FT2")
    assert str(caught.value) == f"{binary}: permission denied (cannot read the FT2 list file)"


def test_truncated_ft2_header_read_emits_no_astropy_warning(tmp_path: Path) -> None:
    """gtmktime's column check reads the FT2 header only: no astropy warning lines on the terminal.

    (The truncated data is the one-line error of the full read that follows.)
    """
    data = _table_file(tmp_path / "full.fits", rows=20000)
    path = tmp_path / "ft2.fits"
    path.write_bytes(data[: len(data) // 2])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ft2_column_names(path, "EVENTS") == ["TIME", "ENERGY"]
    assert [str(w.message) for w in caught] == []
    with pytest.raises(FileFormatError) as error:
        open_fits(path, "FT2 spacecraft file")
    assert "(truncated or corrupt file?)" in str(error.value)


@pytest.mark.parametrize(("what", "article"), [("FT1 event file", "an"), ("energy bin definition file", "an"),
                                               ("livetime cube", "a"), ("GTI table", "a")])
def test_messages_use_the_right_article(tmp_path: Path, what: str, article: str) -> None:
    (tmp_path / "notes.fits").write_text("hello\n" * 1000)
    with pytest.raises(FileFormatError) as caught:
        open_fits(tmp_path / "notes.fits", what)
    assert str(caught.value).endswith(f"not a FITS file (expected {article} {what})")
