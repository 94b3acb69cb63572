"""The interim demo: synthetic FT1 + FT2, then select -> mktime -> bin, with no ../shared and no terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from events_helpers import ok

from xlat.products.ccube import read_counts_cube
from xlat.render.text import render_result

SRC = Path(__file__).resolve().parents[2] / "src"


def test_demo_runs_the_three_steps(tmp_path: Path) -> None:
    outcome = ok(tmp_path, "demo", "outdir=demo")
    text = render_result(outcome.result)
    assert "interim demo" in text
    for step in (
        "$ xlat select",
        "$ xlat mktime",
        "$ xlat bin",
        "select: kept",
        "mktime: kept",
        "bin: CCUBE",
    ):
        assert step in text
    cube = read_counts_cube(tmp_path / "demo" / "demo_ccube.fits")
    assert cube.data.shape == (20, 70, 70) and cube.total > 500
    assert cube.exposure is not None and cube.exposure > 0


def test_demo_is_reproducible(tmp_path: Path) -> None:
    ok(tmp_path, "demo", "outdir=a")
    ok(tmp_path, "demo", "outdir=b")
    a = read_counts_cube(tmp_path / "a" / "demo_ccube.fits")
    b = read_counts_cube(tmp_path / "b" / "demo_ccube.fits")
    assert (a.data == b.data).all()


def test_demo_from_the_shell_without_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CALDB", "XLAT_SHARED_DATA")}
    env["PYTHONPATH"] = str(SRC)
    out = subprocess.run(
        [sys.executable, "-m", "xlat", "demo"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "bin: CCUBE" in out.stdout and (tmp_path / "xlat-demo" / "demo_ccube.fits").is_file()
