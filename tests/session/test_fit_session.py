"""Fitting in the session on real gtsrcmaps output: fit, ties, undo, MINOS, TS, flux, scans, plots, replay."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from session_helpers import fails, model_state, ok

from conftest import require_shared
from xlat.commands.executor import Executor
from xlat.commands.script import run_script
from xlat.errors import Cancelled
from xlat.progress import CancelToken
from xlat.render.context import RenderContext
from xlat.render.text import render_result
from xlat.session.records import FitSummary
from xlat.session.state import Session

SRC = Path(__file__).resolve().parents[2] / "src"


def crab_files(folder: Path) -> tuple[Path, Path]:
    """The crab1day srcmaps (fermitools2026-crab1day, gtsrcmaps) and its model, the isotropic table made absolute."""
    srcmaps = require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")
    model = require_shared("fermitools2026-crab1day", "model_nogal.xml")
    iso = require_shared("gammalib-p8r2-crab1day", "iso_P8R2_SOURCE_V6_v06.txt")
    text = model.read_text().replace('file="iso_P8R2_SOURCE_V6_v06.txt"', f'file="{iso}"')
    xml = folder / "crab.xml"
    xml.write_text(text)
    return srcmaps, xml


@pytest.fixture
def crab(tmp_path: Path) -> Executor:
    srcmaps, _ = crab_files(tmp_path)
    ex = Executor(Session(tmp_path))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={srcmaps}")
    return ex


def free_values(session: Session) -> dict[str, float]:
    model = session.model
    assert model is not None
    return {n: model.parameter(n).value for n in model.parameter_names()}


def test_session_fit_equals_the_like_step(crab: Executor, tmp_path: Path) -> None:
    """The session's fit and 'like' (gtlike) use the same likelihood and optimizer: identical numbers."""
    summary = ok(crab, "fit").result
    assert isinstance(summary, FitSummary) and summary.ok
    text = render_result(summary)
    assert f"-log(Likelihood): {summary.minus_log_likelihood:.10g}" in text
    assert "Crab:\nIntegral: " in text and "TS value: " in text
    srcmaps, xml = crab_files(tmp_path)
    like = ok(Executor(Session(tmp_path)), f"like cmap={srcmaps} srcmdl={xml} save=no sfile=fitted.xml").result
    assert f"-log(Likelihood): {summary.minus_log_likelihood:.10g}" in like.lines
    # the same gtlike block (likelihood.cxx computeTsValues + printFitResults), line for line, up to -log(Likelihood)
    end = like.lines.index(f"-log(Likelihood): {summary.minus_log_likelihood:.10g}") + 1
    assert summary.lines[:end] == like.lines[:end] and like.lines[0] == "Computing TS values for each source (2 total)"
    from xlat.products.xml_model import read_source_model

    fitted = read_source_model(tmp_path / "fitted.xml", require_files=False)
    for name, value in free_values(crab.session).items():
        assert fitted.parameter(name).value == value  # same code path: bit for bit
    # the REPL prompt shows -logL from the fit record
    from xlat.repl.prompt import status_text

    assert status_text(crab.session) == f"-logL {summary.minus_log_likelihood:.2f}"


def test_fit_without_ts_leaves_out_gtlike_ts_progress(crab: Executor) -> None:
    """fit ts=no computes no TS: the 'Computing TS values' lines (likelihood.cxx computeTsValues) are not printed."""
    lines = ok(crab, "fit ts=no").result.lines
    assert lines[0] == "Photon fluxes are computed for the energy range 200 to 20000 MeV"
    assert not any(line.startswith(("Computing TS values", "TS value: ")) for line in lines)


def test_after_like_show_fit_plot_and_status_use_the_like_fit(tmp_path: Path) -> None:
    """gtlike's step fits a model of its own: until the session builds its own analysis again, show fit,
    plot (spectrum and maps), the prompt and the TUI status line show that fit."""
    from xlat.repl.prompt import status_text
    from xlat.tui.status import fit_info

    srcmaps, xml = crab_files(tmp_path)
    ex = Executor(Session(tmp_path))
    like = ok(ex, f"like cmap={srcmaps} srcmdl={xml} save=no").result
    analysis = ex.session.products["analysis"]
    shown = ok(ex, "show fit").result
    assert isinstance(shown, FitSummary) and f"-log(Likelihood): {shown.minus_log_likelihood:.10g}" in like.lines
    assert shown.ts["Crab"] > 25 and any(line.startswith("TS value: ") for line in shown.lines)
    end = like.lines.index(f"-log(Likelihood): {shown.minus_log_likelihood:.10g}") + 1
    assert shown.lines[:end] == like.lines[:end]  # show fit repeats gtlike's block as like printed it
    spectrum = ok(ex, "plot spectrum").result
    np.testing.assert_array_equal(spectrum.model_total, analysis.counts_spectrum().model_total)
    residual = ok(ex, "plot residual").result
    # 853 counts in the crab1day cube (MANIFEST §9 cntmap_gtbin); the residual map sums counts - model
    assert residual.image.sum() == pytest.approx(853 - analysis.npred(), abs=1e-6)
    assert status_text(ex.session) == f"-logL {shown.minus_log_likelihood:.2f}"
    assert fit_info(ex.session).neg_log_like == pytest.approx(shown.minus_log_likelihood, rel=1e-12)
    # the session's own model and data take over again
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={srcmaps}")
    assert ex.session.like_analysis() is None and status_text(ex.session) == ""
    assert "no fit yet" in fails(ex, "show fit").error


def test_data_edisp_bins_fits_as_like_with_the_same_edisp_bins(tmp_path: Path, caldb: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """gtlike's edisp_bins on 'data': the session's fit equals 'like ... edisp_bins=-2' bit for bit (same
    DRM from the crab1day ltcube, MANIFEST §1, and the P8R2_SOURCE_V6 CALDB); edisp_bins=0 goes back."""
    monkeypatch.delenv("USE_BL_EDISP", raising=False)
    srcmaps, xml = crab_files(tmp_path)
    ltcube = require_shared("gammalib-p8r2-crab1day", "ltcube.fits.gz")
    ex = Executor(Session(tmp_path))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={srcmaps} expcube={ltcube} irfs=CALDB edisp_bins=-2")
    with_edisp = ok(ex, "fit").result
    assert ex.session.products["analysis"].like.edisp.value == -2
    like = ok(Executor(Session(tmp_path)), f"like cmap={srcmaps} srcmdl={xml} expcube={ltcube} irfs=CALDB "
                                             "edisp_bins=-2 save=no").result
    assert f"-log(Likelihood): {with_edisp.minus_log_likelihood:.10g}" in like.lines
    ok(ex, "data edisp_bins=0")
    without = ok(ex, "fit").result
    assert ex.session.products["analysis"].like.edisp.value == 0
    # the dispersion moves -logL by a few units on these 853 counts (4918.48 vs 4915.00 measured)
    assert abs(with_edisp.minus_log_likelihood - without.minus_log_likelihood) > 1.0
    assert "edisp_bins=0" in ok(ex, "show data").result.title
    assert ex.session.history[-3:] == ["fit", "data edisp_bins=0", "fit"]
    # the DRM (seconds to compute) is kept by content of its inputs: back to -2 reuses it, same numbers
    (drm, _), = ex.session.products["drm_cache"].values()
    ok(ex, "data edisp_bins=-2")
    again = ok(ex, "fit").result
    assert ex.session.products["analysis"].like.edisp.drm is drm
    assert again.minus_log_likelihood == pytest.approx(with_edisp.minus_log_likelihood, abs=1e-3)
    # without a livetime cube there is no DRM: one line naming the parameter
    ex2 = Executor(Session(tmp_path))
    ok(ex2, "model crab.xml")
    ok(ex2, f"data cmap={srcmaps} edisp_bins=-2")
    assert "expcube" in fails(ex2, "fit").error


def test_data_wmap_weights_the_likelihood(tmp_path: Path) -> None:
    """A weights map on the counts grid enters ln L as gtlike's wmap: weight 1 everywhere changes nothing,
    weight 0 in the lowest energy bin drops it from the statistic; 'wmap=none' removes it."""
    from astropy.io import fits

    srcmaps, _ = crab_files(tmp_path)
    with fits.open(srcmaps) as h:
        cube = np.ones_like(h[0].data, dtype=np.float32)
        header = h[0].header.copy()
        ebounds = h["EBOUNDS"].copy()
    fits.HDUList([fits.PrimaryHDU(cube, header), ebounds]).writeto(tmp_path / "ones.fits")
    cube[0] = 0.0
    fits.HDUList([fits.PrimaryHDU(cube, header), ebounds]).writeto(tmp_path / "cut.fits")
    ex = Executor(Session(tmp_path))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={srcmaps}")
    plain = -ex.session.analysis.log_like()
    ok(ex, "data wmap=ones.fits")
    assert -ex.session.analysis.log_like() == pytest.approx(plain, rel=1e-12)
    ok(ex, "data wmap=cut.fits")
    assert abs(-ex.session.analysis.log_like() - plain) > 1.0
    ok(ex, "data wmap=none")
    assert -ex.session.analysis.log_like() == pytest.approx(plain, rel=1e-12)
    assert "not found" in fails(ex, "data wmap=nosuch.fits").error


def test_refit_after_newpar_reuses_the_analysis(crab: Executor) -> None:
    first = ok(crab, "fit").result
    analysis = crab.session.products["analysis"]
    ok(crab, "newpar Crab:Index -2.6")
    again = ok(crab, "fit").result
    assert crab.session.products["analysis"] is analysis
    assert again.minus_log_likelihood == pytest.approx(first.minus_log_likelihood, abs=1e-3)  # same minimum
    assert crab.session.model.parameter("Crab:Index").value == pytest.approx(first.values["Crab:Index"], abs=0.01)


def test_undo_after_fit_restores_values_and_fit(crab: Executor) -> None:
    before = model_state(crab.session)
    ok(crab, "fit")
    ok(crab, "undo")
    assert model_state(crab.session) == before
    assert crab.session.fit_result is None
    assert crab.session.history[-1].startswith("data cmap=")


class CancelAfter(CancelToken):
    """Cancels at the n-th check: a Ctrl-C in the middle of the fit."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left = n

    def check(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise Cancelled("cancelled by the user")

    def reset(self) -> None:
        return None


def test_cancelled_fit_leaves_the_parameters_unchanged(tmp_path: Path) -> None:
    srcmaps, _ = crab_files(tmp_path)
    ex = Executor(Session(tmp_path), cancel=CancelAfter(10**6))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={srcmaps}")
    before, history = model_state(ex.session), list(ex.session.history)
    ex.cancel.left = 5
    out = fails(ex, "fit")
    assert out.error == "cancelled by the user"
    assert model_state(ex.session) == before and ex.session.history == history


def test_failed_fit_is_an_error_and_changes_nothing(crab: Executor, monkeypatch: pytest.MonkeyPatch) -> None:
    from xlat.core import fitting
    from xlat.session import fit_ops

    real = fit_ops.minimise

    def diverging(analysis, ties, options):  # type: ignore[no-untyped-def]
        result = real(analysis, ties, options)
        analysis.model.parameter("Crab:Index").value = 4.9  # the optimizer wandered off
        return fitting.FitResult(result.optimizer, result.names, result.values, result.errors, None,
                                 result.neg_log_like, 1e3, 1e-3,
                                 fitting.FitStatus(fitting.FAILED, "failed: MIGRAD did not find a valid minimum"))

    monkeypatch.setattr(fit_ops, "minimise", diverging)
    before = model_state(crab.session)
    out = fails(crab, "fit")
    assert out.error.startswith("fit failed: failed: MIGRAD did not find a valid minimum")
    assert model_state(crab.session) == before


def test_tied_fit_keeps_the_relation_and_is_a_minimum_along_the_target(crab: Executor) -> None:
    # iso normalisation follows the Crab integral: true(Normalization) = 0.5 x true(Integral) / 1e-7
    ok(crab, "tie Extragal_diffuse:Normalization Crab:Integral 5e6")
    summary = ok(crab, "fit").result
    model = crab.session.model
    integral, norm = model.parameter("Crab:Integral"), model.parameter("Extragal_diffuse:Normalization")
    assert norm.true_value == pytest.approx(5e6 * integral.true_value, rel=1e-12)
    assert set(summary.values) == {"Crab:Integral", "Crab:Index"}
    best = integral.value
    before = model_state(crab.session)
    scan = ok(crab, f"steppar Crab:Integral {best * 0.9!r} {best * 1.1!r} 4").result
    assert model_state(crab.session) == before  # the scan leaves the model as it was
    # the fitted value is the middle of the scan and the lowest point of the profile (closure)
    assert scan.values[2] == pytest.approx(best, rel=1e-12)
    assert scan.delta[2] == pytest.approx(0.0, abs=1e-3)
    assert min(scan.delta[1], scan.delta[3]) > scan.delta[2]


def test_tied_objective_chain_rule_matches_finite_differences() -> None:
    from xlat.core.parameters import Parameter
    from xlat.session.fit_ops import TiedObjective
    from xlat.session.ties import Tie

    class Quadratic:
        names = ("a:x", "b:y", "c:z")
        matrix = np.array([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 3.0]])

        def start(self) -> np.ndarray:
            return np.array([1.0, 2.0, 3.0])

        def limits(self) -> list:
            return [(0.0, 10.0), (None, None), (-4.0, 4.0)]

        def value(self, x: np.ndarray) -> float:
            return float(0.5 * x @ self.matrix @ x + np.sin(x).sum())

        def gradient(self, x: np.ndarray) -> np.ndarray:
            return self.matrix @ x + np.cos(x)

        def hessian(self, x: np.ndarray) -> np.ndarray:
            return self.matrix - np.diag(np.sin(x))

    params = {"a:x": Parameter("x", 1.0, 2.0), "c:z": Parameter("z", 3.0, -1.0)}
    tied = TiedObjective(Quadratic(), [Tie("c:z", "a:x", 1.5)], params)
    assert tied.names == ("a:x", "b:y")
    # z = 1.5 * 2 x / -1 = -3 x; z in [-4, 4] narrows x to [-4/3, 4/3]
    assert tied.limits()[0] == pytest.approx((0.0, 4.0 / 3.0))
    x, h = np.array([0.7, -0.4]), 1e-6
    numeric = [(tied.value(x + h * e) - tied.value(x - h * e)) / (2 * h) for e in np.eye(2)]
    assert tied.gradient(x) == pytest.approx(numeric, rel=1e-7)
    numeric_h = np.array([(tied.gradient(x + h * e) - tied.gradient(x - h * e)) / (2 * h) for e in np.eye(2)])
    assert tied.hessian(x) == pytest.approx(numeric_h, rel=1e-6)


def test_minos_ts_flux_and_show(crab: Executor) -> None:
    ok(crab, "fit")
    summary = ok(crab, "error Crab:Index").result
    lower, upper, valid = summary.minos["Crab:Index"]
    assert valid and lower < 0 < upper
    error = summary.errors["Crab:Index"]
    assert -lower == pytest.approx(error, rel=0.3) and upper == pytest.approx(error, rel=0.3)
    ts = ok(crab, "ts Crab").result
    assert ts.rows[0][0] == "Crab" and float(ts.rows[0][1]) > 25
    flux = ok(crab, "flux Crab")
    assert flux.text == "flux Crab emin=200 emax=20000"  # the data's range written out
    assert flux.result.rows[0][1] > 0 and flux.result.rows[0][2] > 0
    rows = ok(crab, "show sources sort=ts").result.rows
    assert rows[0][0] == "Crab" and rows[0][3] != ""
    assert ok(crab, "thaw norm ts>25").result.unchanged == ("Crab:Integral",)
    assert ok(crab, "show fit").result is crab.session.fit_result


def test_plots_render_at_80x24(crab: Executor) -> None:
    ok(crab, "fit")
    ctx = RenderContext(80, 24)
    for line in ["plot spectrum", "plot counts", "plot model", "plot residual", "plot significance emin=1000",
                 "steppar Crab:Index", "plot profile"]:
        text = render_result(ok(crab, line).result, ctx)
        lines = text.split("\n")
        assert len(lines) <= 24 and max(len(ln) for ln in lines) <= 80, line
    assert fails(crab, "plot significance emin=30000 emax=40000").error.startswith("plot: no energy bin")
    # emin/emax select the maps' energies: the spectrum ignored them silently
    assert ok(crab, "plot spectrum emin=1000").warnings == (
        "plot spectrum: emin and emax select the energies of the maps; the spectrum is drawn whole",)
    assert ok(crab, "plot counts emin=1000").warnings == ()


def test_save_model_and_results(crab: Executor, tmp_path: Path) -> None:
    from xlat.products.xml_model import read_source_model

    summary = ok(crab, "fit").result
    ok(crab, "save model fitted.xml")
    fitted = read_source_model(tmp_path / "fitted.xml", require_files=False)
    assert fitted.parameter("Crab:Index").error == summary.errors["Crab:Index"]
    ok(crab, "save results fit.json")
    data = json.loads((tmp_path / "fit.json").read_text())
    assert data["-log(Likelihood)"] == summary.minus_log_likelihood
    assert data["sources"]["Crab"]["ts"] == summary.ts["Crab"]
    ok(crab, "save results results.dat")
    assert "'Crab': {" in (tmp_path / "results.dat").read_text()


SCRIPT_LINES = [
    "model crab.xml",
    "data cmap={srcmaps}",
    "freeze Crab:Index",
    "newpar Crab:Integral 20 1e-3 1000",
    "fit",
    "thaw 3",
    "newpar 'Extragal_diffuse:Normalization' 12.5",
    "fit ftol=1e-5",
    "error",
]


def test_saved_session_replays_to_identical_numbers(tmp_path: Path) -> None:
    srcmaps, _ = crab_files(tmp_path)
    ex = Executor(Session(tmp_path))
    for line in SCRIPT_LINES:
        ok(ex, line.format(srcmaps=srcmaps))
    assert "thaw Crab:Index" in ex.session.history  # the number was recorded as a name
    ok(ex, "save session replay")
    fresh = Executor(Session(tmp_path))
    run_script(fresh, tmp_path / "sessions" / "replay.xlat")
    assert free_values(fresh.session) == free_values(ex.session)
    a, b = ex.session.fit_result, fresh.session.fit_result
    assert (a.minus_log_likelihood, a.values, a.errors, a.minos) == (b.minus_log_likelihood, b.values, b.errors,
                                                                    b.minos)


def test_journal_cut_by_kill_9_resumes_to_the_same_state(tmp_path: Path) -> None:
    srcmaps, _ = crab_files(tmp_path)
    lines = [line.format(srcmaps=srcmaps) for line in SCRIPT_LINES]
    journal = tmp_path / "journal.xlat"
    code = textwrap.dedent(f"""
        import os, signal
        from xlat.commands import load_builtin
        from xlat.commands.executor import Executor
        from xlat.session.state import Session
        load_builtin()
        s = Session({str(tmp_path)!r}); s.attach_journal({str(journal)!r})
        ex = Executor(s)
        for line in {lines[:6]!r}:
            assert ex.run_line(line).ok
        with open({str(journal)!r}, "a") as f:
            f.write("newpar 'Extragal_diffuse:Normalization' 1")  # torn: killed while writing
            f.flush()
            os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)})
    assert proc.returncode == -signal.SIGKILL
    resumed = Executor(Session(tmp_path))
    run_script(resumed, journal, journal=True)
    reference = Executor(Session(tmp_path))
    for line in lines[:6]:
        ok(reference, line)
    assert resumed.session.history == reference.session.history
    assert free_values(resumed.session) == free_values(reference.session)
    assert resumed.session.fit_result.minus_log_likelihood == reference.session.fit_result.minus_log_likelihood


def test_moving_a_source_recomputes_its_map_only_and_undo_brings_the_file_map_back(tmp_path: Path,
                                                                                    caldb: Path) -> None:
    srcmaps, _ = crab_files(tmp_path)
    crab = "gammalib-p8r2-crab1day"
    ex = Executor(Session(tmp_path))
    ok(ex, "model crab.xml")
    ok(ex, f"data cmap={srcmaps} expcube={require_shared(crab, 'ltcube.fits.gz')} "
           f"bexpmap={require_shared(crab, 'binned_expmap.fits.gz')}")
    first = ok(ex, "fit").result.minus_log_likelihood
    in_use = ex.session.products["analysis_maps"]
    iso_map = in_use.live["Extragal_diffuse"]
    ok(ex, "newpar Crab:RA 83.9")
    row = ok(ex, "show data").result.rows[-1]
    assert (row[3], row[4]) == ("stale", "1 moved or changed (Crab); recomputed at the next fit")
    moved = ok(ex, "fit").result.minus_log_likelihood
    assert moved > first  # the Crab is not at 83.9 deg
    assert in_use.live["Extragal_diffuse"] is iso_map  # the other map is untouched
    row = ok(ex, "show data").result.rows[-1]
    assert (row[3], row[4]) == ("fresh", "1 recomputed in memory (Crab)")
    ok(ex, "undo")
    ok(ex, "undo")
    # back at the first fit's values with the file's map again: the same -log(Likelihood), bit for bit
    assert -ex.session.analysis.log_like() == first


def test_ts_with_tsmin_refits_the_null_model_with_the_ties(tmp_path: Path) -> None:
    """tsmin=yes with a tie: in the null model (Crab removed) the tied parameter follows its target.

    Closure: crab1day maps (MANIFEST §9) with a second point source "Twin" on the Crab's map whose
    Integral follows the isotropic normalisation; the null ln L is also found by a 1-D bounded
    minimisation over that normalisation (scipy), independent of the fitter and of TiedObjective.
    """
    from like_helpers import crab_inputs
    from scipy.optimize import minimize_scalar

    from xlat.core.fitting import FitOptions
    from xlat.products.xml_model import read_source_model
    from xlat.session.analysis import BinnedAnalysis
    from xlat.session.fit_ops import minimise, tied_ts
    from xlat.session.ties import Tie, apply_ties

    data, _, maps = crab_inputs()
    iso = require_shared("gammalib-p8r2-crab1day", "iso_P8R2_SOURCE_V6_v06.txt")
    crab = require_shared("fermitools2026-crab1day", "model_nogal.xml").read_text()
    twin = crab[crab.index('  <source type="PointSource"'):crab.index("</source_library>")].replace('"Crab"', '"Twin"')
    text = crab.replace("</source_library>", twin + "</source_library>").replace(
        'file="iso_P8R2_SOURCE_V6_v06.txt"', f'file="{iso}"')
    (tmp_path / "twin.xml").write_text(text)
    model = read_source_model(tmp_path / "twin.xml")
    model.set_free("Twin:Index", False)
    model.set_free("Twin:Integral", False)
    maps["Twin"] = maps["Crab"]
    analysis = BinnedAnalysis(data, model, maps)
    # true(Twin:Integral) = 1e-7 x true(Normalization): about half the Crab's flux at the fit
    ties = {"Twin:Integral": Tie("Twin:Integral", "Extragal_diffuse:Normalization", 1e-7)}
    minimise(analysis, ties, FitOptions())
    log_like1 = analysis.log_like()
    fitted = model.snapshot()
    ts = tied_ts(analysis, "Crab", ties)
    assert model.snapshot().states == fitted.states  # parameters restored

    norm, twin = model.parameter("Extragal_diffuse:Normalization"), model.parameter("Twin:Integral")
    twin_fitted = twin.value

    def null(value: float, follow: bool) -> float:
        norm.set_value(value)
        if follow:
            apply_ties(model, ties.values())
        else:
            twin.set_value(twin_fitted)
        return -analysis.like.log_like()

    analysis.like.exclude({"Crab"})
    try:
        tied, held = (minimize_scalar(null, args=(follow,), bounds=(0.0, 100.0), method="bounded",
                                      options={"xatol": 1e-8}) for follow in (True, False))
    finally:
        analysis.like.exclude(frozenset())
        model.restore(fitted)
    expected = 2.0 * (log_like1 + tied.fun)
    assert ts == pytest.approx(expected, abs=2e-3)  # the fit's tolerance (ftol 1e-3 on -lnL)
    # holding the follower fixed (the untied refit) gives another TS: the test can tell them apart
    assert abs(2.0 * (log_like1 + held.fun) - expected) > 1.0


def test_steppar_off_the_current_value_warns_and_suggests_the_sign(crab: Executor) -> None:
    """'steppar Crab:Index 2 3' (XSPEC habit, or a 4FGL IndexS with scale -1) scanned PowerLaw2's
    Index = -2.23 (scale 1) far from its minimum, silently: the plot showed a flat line at 260."""
    ok(crab, "fit")
    out = ok(crab, "steppar Crab:Index 2 3 2")
    index = crab.session.model.parameter("Crab:Index").value
    assert out.warnings == (f"steppar Crab:Index: the current value {index:g} (in units of scale 1) is outside "
                            "the scanned range [2, 3]; did you mean -3 -2?",)
    assert ok(crab, "steppar Crab:Index -2.4 -2.1 2").warnings == ()


def test_data_refuses_edisp_bins_the_source_maps_cannot_serve(crab: Executor) -> None:
    """srcmaps_nogal (gtsrcmaps with the default edisp_bins=0: 21 planes for 20 bins, MANIFEST §9)
    has no extra planes: 'data edisp_bins=3' was accepted and every later fit failed until the
    user undid it by hand; now data refuses and the session keeps its working inputs."""
    before = crab.session.data
    out = fails(crab, "data edisp_bins=3")
    assert out.error == ("data: edisp_bins=3 needs source maps with 3 extra energy planes on each side; "
                         "srcmaps_nogal.fits.gz has 0 (make them with srcmaps edisp_bins=3, or use edisp_bins=0 "
                         "or -1)")
    assert crab.session.data is before
    assert ok(crab, "fit").result.ok
