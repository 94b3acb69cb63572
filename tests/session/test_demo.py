"""``xlat demo``: the Binned Likelihood Tutorial on simulated data (sessions/tutorial_3c279.xlat).

The replay must give the numbers committed in sessions/tutorial_3c279.expected.json (written by
tools/update_demo_expected.py with the approximate built-in response). Two runs on the same
machine are bit-identical (checked below by replaying twice); the tolerances allow for other
numpy/BLAS builds: counts exact, sums of products 1e-9 relative, fitted values 1e-3 of their
errors. Closure: the fit recovers the injected spectra of 3C 279 and 3C 273 within 3 sigma.
Everything runs without ../shared and without a CALDB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from events_helpers import ok

from xlat.commands.parse import format_command, parse_line
from xlat.render.text import render_result
from xlat.session.history import read_script_lines
from xlat.session.steps.demo import demo_numbers, script_path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
SCRIPT = REPO / "sessions" / "tutorial_3c279.xlat"
EXPECTED = json.loads((REPO / "sessions" / "tutorial_3c279.expected.json").read_text())
PRODUCTS = (
    "3C279_binned_filtered.fits",
    "3C279_binned_gti.fits",
    "3C279_binned_cmap.fits",
    "3C279_binned_ccube.fits",
    "3C279_input_model.xml",
    "3C279_binned_ltcube.fits",
    "3C279_binned_allsky_expcube.fits",
    "3C279_binned_srcmaps.fits",
    "3C279_binned_output.xml",
    "3C279_model_map.fits",
    "3C279_residual_map.fits",
)


@pytest.fixture(autouse=True)
def no_caldb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALDB", raising=False)
    monkeypatch.delenv("FERMI_DIR", raising=False)


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory):
    """The demo on the first 30 days (about 15 s): (folder, outcome, session, nested outcomes)."""
    from xlat.commands.executor import Executor
    from xlat.session.state import Session

    saved = {k: os.environ.pop(k, None) for k in ("CALDB", "FERMI_DIR")}
    try:
        folder = tmp_path_factory.mktemp("demo")
        session = Session(folder)
        executor = Executor(session)
        nested: list = []
        executor.nested_listeners.append(nested.append)
        outcome = executor.run_tokens(["demo", "outdir=demo", "days=30"])
        assert outcome.ok, outcome.error
        return folder, outcome, session, nested
    finally:
        for k, v in saved.items():
            if v is not None:
                os.environ[k] = v


def _compare(numbers: dict[str, float], expected: dict[str, float]) -> None:
    assert set(numbers) == set(expected)
    for key, value in expected.items():
        if key.startswith("fit["):
            error = expected[key.replace("fit[", "fit_error[")]
            assert abs(numbers[key] - value) <= 1e-3 * error, key
        elif float(value).is_integer() and ("sum" not in key or key.startswith(("cmap", "ccube"))):
            assert numbers[key] == value, key
        else:
            assert numbers[key] == pytest.approx(value, rel=1e-9), key


def _pulls(numbers: dict[str, float], truth_folder: Path) -> dict[str, float]:
    from xlat.session.steps.demo import MODEL, _parameters

    truth = _parameters(truth_folder / MODEL, truth_folder)
    pulls = {}
    for source, params in truth.items():
        for name, (value, _, _) in params.items():
            key = f"{source}:{name}"
            pulls[key] = (numbers[f"fit[{key}]"] - value) / numbers[f"fit_error[{key}]"]
    return pulls


def test_demo_runs_every_tutorial_step(short) -> None:
    folder, outcome, _, _ = short
    for name in PRODUCTS:
        assert (folder / "demo" / name).is_file(), name
    text = render_result(outcome.result)
    assert "replayed tutorial_3c279.xlat (13 steps)" in text and "injected vs fitted" in text
    assert "then: run sessions/result.xlat" in text


def test_result_xlat_brings_back_the_like_fit(short) -> None:
    """sessions/result.xlat (the fitted model, the data with like's edisp_bins, a fit) gives back like's
    minimum: -log(Likelihood) equal to the one like printed, to the fit tolerance."""
    from xlat.commands.executor import Executor
    from xlat.commands.script import run_script
    from xlat.session.state import Session

    folder, _, session, nested = short
    assert session.model is not None and session.data is not None and session.data.edisp_bins == -2
    like = next(o.result for o in nested if o.command is not None and o.command.name == "like")
    like_value = float(next(ln for ln in like.lines if ln.startswith("-log(Likelihood): ")).split(": ")[1])
    fresh = Session(folder / "demo")
    outcomes = run_script(Executor(fresh), folder / "demo" / "sessions" / "result.xlat")
    assert [o.text.split()[0] for o in outcomes] == ["model", "data", "fit"]
    assert fresh.fit_result.minus_log_likelihood == pytest.approx(like_value, abs=1e-3)  # ftol 1e-3


def test_replay_history_is_the_script(short) -> None:
    """The session continues in the demo folder with the script's commands (canonical form) as history."""
    folder, _, session, _ = short
    commands = [parse_line(text) for _, text in read_script_lines(SCRIPT)]
    script = [format_command(c) for c in commands if c.mutates]
    assert session.history[-len(script) :] == script
    assert [h.split()[0] for h in session.history[: -len(script)]] == ["orbsim", "sim"]
    assert session.workdir == folder / "demo"


def test_replay_gives_the_committed_numbers(short) -> None:
    folder, _, _, _ = short
    _compare(demo_numbers(folder / "demo"), EXPECTED["days=30"])


def test_replaying_again_is_bit_identical(short, tmp_path: Path) -> None:
    """Second run in the same folder: inputs reused, every number identical."""
    folder, _, _, _ = short
    before = demo_numbers(folder / "demo")
    ft1 = folder / "demo" / "3C279_PH00.fits"
    mtime = ft1.stat().st_mtime_ns
    outcome = ok(folder, "demo", "outdir=demo", "days=30")
    assert "reusing the simulated inputs" in render_result(outcome.result)
    assert ft1.stat().st_mtime_ns == mtime
    assert demo_numbers(folder / "demo") == before


def test_short_fit_recovers_the_injected_spectra(short) -> None:
    folder, _, _, _ = short
    pulls = _pulls(demo_numbers(folder / "demo"), folder / "demo")
    assert len(pulls) == 6 and max(abs(p) for p in pulls.values()) < 3.0, pulls


def test_script_in_package_data_is_the_sessions_script() -> None:
    assert script_path() == SCRIPT
    assert (SRC / "xlat" / "data" / "tutorial_3c279.xlat").read_text() == SCRIPT.read_text()


def test_demo_from_the_shell_without_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CALDB", "FERMI_DIR", "XLAT_SHARED_DATA")}
    env["PYTHONPATH"] = str(SRC)
    out = subprocess.run(
        [sys.executable, "-m", "xlat", "demo", "days=3"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert (
        "$ xlat select" in out.stdout and "$ xlat like" in out.stdout and "injected vs fitted" in out.stdout
    )
    assert "APPROXIMATE" in out.stderr
    assert (tmp_path / "xlat-demo" / "3C279_residual_map.fits").is_file()


def test_bad_outdir(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    from events_helpers import run

    outcome = run(tmp_path, "demo", "outdir=file")
    assert not outcome.ok and "not a folder" in outcome.error


@pytest.mark.slow
def test_full_demo_numbers_and_closure(tmp_path: Path) -> None:
    """The whole 2-year demo (about 55 s): committed numbers, and 3C 279 / 3C 273 within 3 sigma."""
    ok(tmp_path, "demo", "outdir=demo")
    numbers = demo_numbers(tmp_path / "demo")
    _compare(numbers, EXPECTED["full"])
    pulls = _pulls(numbers, tmp_path / "demo")
    assert max(abs(p) for p in pulls.values()) < 3.0, pulls


def test_from_a_terminal_the_shell_opens_the_session_on_the_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xlat import cli

    opened = {}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    monkeypatch.setattr(
        cli, "_start_repl", lambda argv=(), session=None: opened.setdefault("session", session) and 0
    )
    assert cli.main(["demo", "days=1"]) == 0
    session = opened["session"]
    assert session.workdir == tmp_path / "xlat-demo"
    assert session.model is not None and "4FGL J1256.1-0547" in session.model  # model + data loaded
    assert session.data is not None and session.data.edisp_bins == -2 and session.data.cmap is not None


@pytest.mark.slow
@pytest.mark.reference
def test_with_a_4fgl_catalogue_the_model_comes_from_catalog(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """As with fermipy installed: the input model is made by `catalog` (here 4FGL-DR1, gll_psc_v18)."""
    from conftest import require_shared

    import xlat.session.steps.demo as demo_steps

    catalog = require_shared("catalogs", "gll_psc_v18.fit.gz")
    monkeypatch.setattr(demo_steps, "find_fermipy_catalog", lambda: catalog)
    outcome = ok(tmp_path, "demo", "outdir=demo", "days=2")
    model = (tmp_path / "demo" / "3C279_input_model.xml").read_text()
    assert model.count("<source ") > 50 and "./xlat_galdiffuse_standin.fits" in model
    assert "injected vs fitted" in render_result(outcome.result)


def _pl_model(path: Path, index: str, index_error: str = "") -> None:
    """A one-source gtlike XML: 3C 279 as a PowerLaw with a free index (min 0, max 5)."""
    err = f' error="{index_error}"' if index_error else ""
    path.write_text(f"""<?xml version="1.0" ?>
<source_library title="source library">
  <source name="4FGL J1256.1-0547" type="PointSource">
    <spectrum type="PowerLaw">
      <parameter free="1" max="1000" min="0.001" name="Prefactor" scale="1e-11" value="5" error="0.1"/>
      <parameter free="1" max="5" min="0" name="Index" scale="-1" value="{index}"{err}/>
      <parameter free="0" max="5000" min="30" name="Scale" scale="1" value="1000"/>
    </spectrum>
    <spatialModel type="SkyDirFunction">
      <parameter free="0" max="360" min="-360" name="RA" scale="1" value="194.04"/>
      <parameter free="0" max="90" min="-90" name="DEC" scale="1" value="-5.79"/>
    </spatialModel>
  </source>
</source_library>
""")


def test_fit_table_says_at_limit_instead_of_a_pull(tmp_path: Path) -> None:
    """A short demo left a parameter on its bound with a tiny covariance error: the table printed a
    pull of +4777. A value on its min or max has no meaningful error, so no pull either."""
    from xlat.session.steps.demo import MODEL, fit_table

    _pl_model(tmp_path / MODEL, "2.3")
    _pl_model(tmp_path / "3C279_binned_output.xml", "5", "1e-5")  # Index ran to its max
    table = fit_table(tmp_path)
    assert table is not None
    pulls = {row[1]: row[5] for row in table.rows}
    assert pulls["Index"] == "at limit"
    assert pulls["Prefactor"] == "+0.00"  # 5 +- 0.1 fitted, 5 injected
