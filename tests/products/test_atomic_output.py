"""Output files on a full disk (or a read-only folder): one line naming the file, nothing left behind.

The demo writes about 500 MB (the all-sky exposure cube alone is 246 MB, as in the tutorial), so
a full disk is a likely failure; every step writes through ``atomic_output``.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from xlat.commands import load_builtin
from xlat.commands.executor import Executor
from xlat.errors import InputError
from xlat.products.atomic import atomic_output
from xlat.session.state import Session


def test_a_full_disk_while_writing_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "big.fits"
    with pytest.raises(InputError) as caught, atomic_output(out, clobber=True) as tmp:
        tmp.write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    message = str(caught.value)
    assert message == f"{out}: cannot write the output (No space left on device); nothing was written"
    assert list(tmp_path.iterdir()) == []


def test_other_os_errors_are_not_relabelled(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_output(tmp_path / "x.fits", clobber=True):
        raise FileNotFoundError(errno.ENOENT, "an input is missing")


def test_a_step_on_a_full_disk_fails_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """orbsim (the demo's first step) when the disk fills up: a one-line error, not an internal error."""
    import io

    from xlat.products import ft_layout

    load_builtin()

    class FullDisk(io.FileIO):
        def write(self, data):  # type: ignore[no-untyped-def]
            super().write(bytes(data)[:100])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ft_layout, "open", lambda name, mode: FullDisk(name, mode), raising=False)
    outcome = Executor(Session(tmp_path)).run_line("orbsim outfile=sc.fits days=0.05")
    assert outcome is not None and not outcome.ok and not outcome.internal
    assert outcome.error == f"{tmp_path / 'sc.fits'}: cannot write the output (No space left on device); " \
                            "nothing was written"
    assert list(tmp_path.iterdir()) == []
