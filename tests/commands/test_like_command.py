"""``xlat like`` (gtlike statistic=BINNED) through the executor: printed results, results.dat,
counts_spectra.fits, the fitted XML, and one test per failure path (no partial outputs).

Inputs: gammalib-p8r2-crab1day (MANIFEST §1) — its 2015 gtsrcmaps file srcmap.fits (diffuse maps)
with the Crab map of today's gtsrcmaps (fermitools2026-crab1day/srcmaps_nogal, MANIFEST §9)
added, and the gtlike model source_model_gtlike_original.xml (gll_iem_v06.fits is not
available: its map is in the srcmaps file, so only a warning is expected).
"""

from __future__ import annotations

import ast
import shutil

import numpy as np
import pytest
from astropy.io import fits
from conftest import require_shared
from like_helpers import crab_like_folder, dense_log_like

import xlat.commands.builtin  # noqa: F401  (registers the commands)
from xlat.commands.executor import Executor
from xlat.products.xml_model import read_source_model
from xlat.session.results import ResultGroup, SpectrumPlotData
from xlat.session.state import Session

OUTPUTS = ["counts_spectra.fits", "results.dat"]


@pytest.fixture
def workdir(tmp_path):
    return crab_like_folder(tmp_path)


def run(path, line, env=None):
    executor = Executor(Session(path))
    return executor, executor.run_line(line)


def files(path):
    return sorted(p.name for p in path.iterdir())


def test_like_prints_gtlike_results_and_writes_its_files(workdir):
    executor, out = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml optimizer=NEWMINUIT sfile=fit.xml "
                                 "minos=Crab:Index")
    assert out.ok, out.error
    assert files(workdir) == sorted(OUTPUTS + ["fit.xml", "iso_P8R2_SOURCE_V6_v06.txt", "model.xml", "srcmaps.fits"])
    lines = out.result.lines
    # likelihood.cxx computeTsValues, then printFitResults: the TS progress (3 sources), a blank line, the range
    assert list(lines[:4]) == ["Computing TS values for each source (3 total)", "...!", "",
                         "Photon fluxes are computed for the energy range 200 to 20000 MeV"]
    assert "Crab:" in lines and "Galactic_diffuse:" in lines
    assert any(line.startswith("Index: -2.") and " +/- " in line for line in lines)
    assert any(line.startswith("TS value: ") for line in lines)
    assert "Total number of observed counts: 853" in lines
    # check_fit (default yes): likelihood.cxx printFitQuality's bands, two-sided Poisson probability < 0.05
    assert "WARNING: Fit may be bad in range [200, 251.785] (MeV)" in lines
    assert any(line.startswith("-log(Likelihood): ") for line in lines)
    assert any(line.startswith("Fit status: converged") for line in lines)
    assert any(line.startswith("TS = 2 (lnL - lnL0)") and "tsmin=no" in line for line in lines)
    assert any("gll_iem_v06.fits not found; using its map from srcmaps.fits" in w for w in out.warnings)
    analysis = executor.session.products["analysis"]
    # results.dat is a Python-dict-like text (likelihood.cxx printFitResults)
    results = ast.literal_eval((workdir / "results.dat").read_text())
    assert list(results) == ["Crab", "Extragal_diffuse", "Galactic_diffuse"]
    value, error = (float(v) for v in results["Crab"]["Index"].split(" +/- "))
    par = analysis.parameter("Crab:Index")
    assert value == pytest.approx(par.value, rel=1e-5) and error == pytest.approx(par.error, rel=1e-5)
    assert results["Crab"]["LowerLimit"] == "100" and "TS value" in results["Crab"]
    assert "TS value" not in results["Galactic_diffuse"]
    # counts_spectra.fits: CountsSpectra::writeTable layout
    with fits.open(workdir / "counts_spectra.fits") as h:
        assert [x.name for x in h] == ["PRIMARY", "COUNTS_SPECTRA", "FLUXES", "EBOUNDS"]
        assert h["COUNTS_SPECTRA"].columns.names == ["ObsCounts", "Crab", "Extragal_diffuse", "Galactic_diffuse"]
        assert h["COUNTS_SPECTRA"].data["ObsCounts"].sum() == 853
        assert h["FLUXES"].columns.names == ["Crab"]
        assert h["FLUXES"].data["Crab"].sum() == pytest.approx(analysis.flux("Crab").value, rel=1e-3)
        assert h["EBOUNDS"].data["E_MIN"][0] == pytest.approx(200.0)
        model_total = sum(h["COUNTS_SPECTRA"].data[n].sum() for n in ("Crab", "Extragal_diffuse", "Galactic_diffuse"))
        assert model_total == pytest.approx(analysis.npred(), rel=1e-10)
    fitted = read_source_model(workdir / "fit.xml", require_files=False)
    assert fitted.parameter("Crab:Index").error == pytest.approx(par.error, rel=1e-12)


def gtlike_block(analysis, ts: dict[str, float]) -> list[str]:
    """What Likelihood:src/likelihood/likelihood.cxx prints after a BINNED fit, built from the fitted
    analysis with printf's %g (the C++ stream default, 6 significant digits): ``computeTsValues``
    ("Computing TS values for each source (N total)", a '.' per source, '!'), ``printFitResults``
    ("\\nPhoton fluxes are computed for the energy range EMIN to EMAX MeV"; per source "\\nNAME:", every
    spectral parameter "NAME: VALUE[ +/- ERROR]", no Npred in binned mode, "TS value: TS" when it has
    one, "Flux: F[ +/- E] photons/cm^2/s"), then, with check_fit=no, the counts and -log(Likelihood)
    at precision 10, followed by a blank line."""
    names = analysis.source_names()
    out = [f"Computing TS values for each source ({len(names)} total)", "." * len(names) + "!", "",
           "Photon fluxes are computed for the energy range %g to %g MeV" % analysis.energy_range]
    for name in names:
        out += ["", f"{name}:"]
        for p in analysis.model[name].spectrum.params:
            error = analysis.parameter(f"{name}:{p.name}").error if p.free else 0.0
            out.append(f"{p.name}: {p.value:g}" + (f" +/- {error:g}" if p.free else ""))
        if name in ts:
            out.append(f"TS value: {ts[name]:g}")
        flux = analysis.flux(name)
        out.append(f"Flux: {flux.value:g}" + (f" +/- {flux.error:g}" if flux.error > 0 else "") + " photons/cm^2/s")
    out += ["", f"Total number of observed counts: {analysis.nobs():g}",
            f"Total number of model events: {analysis.npred():g}", "",
            f"-log(Likelihood): {-analysis.log_like():.10g}", ""]
    return out


def test_printed_block_is_gtlike_layout_line_for_line(workdir):
    """The whole printed block equals gtlike's layout (likelihood.cxx computeTsValues + printFitResults),
    so scripts that grep gtlike's output ("TS value: ", "Flux: ", "-log(Likelihood): ") keep working;
    xlat's own lines (fit status, TS definition, CPU time) come after it. Inputs: today's gtsrcmaps
    srcmaps_nogal and its model_nogal.xml (MANIFEST §9), whose fluxes are all defined."""
    shutil.copy(require_shared("fermitools2026-crab1day", "model_nogal.xml"), workdir / "nogal.xml")
    srcmaps = require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")
    executor, out = run(workdir, f"like cmap={srcmaps} srcmdl=nogal.xml check_fit=no save=no")
    assert out.ok, out.error
    analysis = executor.session.products["analysis"]
    ts = executor.session.products["like_run"].ts
    expected = gtlike_block(analysis, ts)
    assert list(out.result.lines[:len(expected)]) == expected
    assert list(ts) == ["Crab"]  # TS only for point sources with free parameters
    assert out.result.lines[len(expected)].startswith("Fit status: ")
    assert out.result.tables == ()  # xlat's source table is verbose output (chatter >= 3)


def test_elapsed_cpu_time_as_gtlike_prints_it():
    """likelihood.cxx run: "Elapsed CPU time: " << (clock() - start) / 1e6 at precision 10 (microseconds)."""
    from xlat.session.steps.like import elapsed_line

    assert elapsed_line(1.4529133333) == "Elapsed CPU time: 1.452913"
    assert elapsed_line(0.5) == "Elapsed CPU time: 0.5" and elapsed_line(83.0) == "Elapsed CPU time: 83"


def test_chatter_3_adds_xlat_source_table(workdir):
    """At chatter >= 3 xlat's table (Npred and energy flux, which gtlike's binned listing lacks) follows."""
    _, out = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml check_fit=no save=no chatter=3")
    assert out.ok, out.error
    (table,) = out.result.tables
    assert table.columns[:3] == ("source", "type", "Npred") and [r[0] for r in table.rows] == [
        "Crab", "Extragal_diffuse", "Galactic_diffuse"]


def test_plot_returns_the_counts_spectrum_record_and_tsmin_refits(workdir):
    _, out = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml plot=yes tsmin=yes save=no check_fit=no")
    assert out.ok, out.error
    assert isinstance(out.result, ResultGroup)
    report, plot = out.result.items
    assert not any(line.startswith("WARNING: Fit may be bad") for line in report.lines)  # check_fit=no
    assert isinstance(plot, SpectrumPlotData) and np.sum(plot.counts) == 853
    assert any("tsmin=yes" in line for line in report.lines)
    assert "results.dat" not in files(workdir)


@pytest.mark.parametrize(("args", "message"), [
    ("cmap=missing.fits", "missing.fits: source maps file not found"),
    ("cmap=none", "statistic=BINNED needs cmap"),
    ("statistic=UNBINNED", "statistic=UNBINNED is not implemented"),
    ("minos=Crab:Nope", "parameter 'minos': Crab:Nope is not a free parameter"),
    ("edisp_bins=1", "edisp_bins=1: energy dispersion needs the livetime cube (expcube)"),
    ("optimizer=SIMPLEX", "optimizer"),
])
def test_bad_input_gives_one_line_error_and_no_output(workdir, args, message):
    line = "like srcmdl=model.xml " + ("" if "cmap=" in args else "cmap=srcmaps.fits ") + args
    _, out = run(workdir, line)
    assert not out.ok and message in out.error and "\n" not in out.error
    assert not set(OUTPUTS) & set(files(workdir))


def test_srcmaps_without_a_source_map_is_refused(workdir):
    with fits.open(workdir / "srcmaps.fits") as h:
        fits.HDUList([x.copy() for x in h if x.name != "Crab"]).writeto(workdir / "nocrab.fits")
    _, out = run(workdir, "like cmap=nocrab.fits srcmdl=model.xml")
    assert not out.ok and "no map for 'Crab' in the srcmaps file; computing it needs the livetime cube" in out.error
    assert not set(OUTPUTS) & set(files(workdir))


def test_missing_filefunction_table_is_refused(workdir):
    (workdir / "iso_P8R2_SOURCE_V6_v06.txt").unlink()
    _, out = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml")
    assert not out.ok and "FileFunction file iso_P8R2_SOURCE_V6_v06.txt not found" in out.error


def test_existing_outputs_need_clobber(workdir):
    (workdir / "results.dat").write_text("old")
    _, out = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml clobber=no")
    assert not out.ok and "results.dat: output file exists" in out.error
    assert (workdir / "results.dat").read_text() == "old" and "counts_spectra.fits" not in files(workdir)


def test_use_bl_edisp_must_be_an_integer(workdir, monkeypatch):
    monkeypatch.setenv("USE_BL_EDISP", "yes")
    _, out = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml")
    assert not out.ok and "USE_BL_EDISP='yes': expected an integer" in out.error


def test_missing_point_source_map_is_computed_and_the_fit_matches_gtmodel(tmp_path, caldb):
    """gammalib srcmap.fits was made with ptsrc=no (MANIFEST §1): the Crab map is computed by the
    srcmaps code (expcube, bexpmap, IRFs from the DSS keywords); then the model map of the fit
    matches gtmodel's modmap.fits of the 2015 gtlike fit (median <= 1 %, total within 0.1 % of 853.102)."""
    set1 = require_shared("gammalib-p8r2-crab1day")
    text = (set1 / "source_model_gtlike_original.xml").read_text()
    (tmp_path / "model.xml").write_text(text.replace("/project-data/glast/skymaps/isotropic/", "")
                                        .replace("/project-data/glast/skymaps/galprop/", ""))
    shutil.copy(set1 / "iso_P8R2_SOURCE_V6_v06.txt", tmp_path)
    executor, out = run(tmp_path, f"like cmap={set1 / 'srcmap.fits.gz'} srcmdl=model.xml expcube={set1 / 'ltcube.fits.gz'} "
                                  f"bexpmap={set1 / 'binned_expmap.fits.gz'} irfs=CALDB save=no")
    assert out.ok, out.error
    analysis = executor.session.products["analysis"]
    ours = analysis.model_map().sum(axis=0)
    ref = fits.getdata(set1 / "modmap.fits.gz")
    assert np.median(np.abs(ours / ref - 1.0)) <= 0.01
    assert ours.sum() == pytest.approx(853.102, rel=1e-3)


def test_use_bl_edisp_rescaling_mode_with_the_drm_from_caldb(tmp_path, caldb, monkeypatch):
    """$USE_BL_EDISP=-1 overrides edisp_bins (BinnedConfig.cxx): the legacy rescaling mode on maps
    without extra planes; ln L at the fitted values equals the dense reference with the same DRM."""
    set1 = require_shared("gammalib-p8r2-crab1day")
    shutil.copy(require_shared("fermitools2026-crab1day", "model_nogal.xml"), tmp_path / "model.xml")
    shutil.copy(set1 / "iso_P8R2_SOURCE_V6_v06.txt", tmp_path)
    maps = require_shared("fermitools2026-crab1day", "srcmaps_nogal.fits.gz")
    monkeypatch.setenv("USE_BL_EDISP", "-1")
    executor, out = run(tmp_path, f"like cmap={maps} srcmdl=model.xml expcube={set1 / 'ltcube.fits.gz'} "
                                  "irfs=CALDB save=no")
    assert out.ok, out.error
    an = executor.session.products["analysis"]
    assert an.like.edisp.value == -1 and an.like.edisp.drm is not None
    assert any(line.startswith("Fit status: converged") for line in out.result.lines)
    maps_dict = {n: an.like.source_map(n) for n in ("Crab", "Extragal_diffuse")}
    dense = dense_log_like(an.data.counts, an.data.edges, maps_dict, an.model, mode=-1, drm=an.like.edisp.drm)
    assert an.log_like() == pytest.approx(dense, rel=1e-9)


def test_two_like_processes_in_parallel_give_the_sequential_results(workdir):
    """No global state (numba caches included): two gtlike runs at once = the same run alone."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src}
    args = "cmap=srcmaps.fits srcmdl=model.xml optimizer={opt} results={tag}.dat specfile={tag}.fits sfile={tag}.xml"
    runs = {"a": "NEWMINUIT", "b": "DRMNGB"}
    procs = {tag: subprocess.Popen([sys.executable, "-m", "xlat", "like", *args.format(opt=opt, tag=tag).split()],
                                   cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for tag, opt in runs.items()}
    for tag, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "-log(Likelihood): " in out
    for tag, opt in runs.items():
        _, alone = run(workdir, "like " + args.format(opt=opt, tag=tag + "_alone"))
        assert alone.ok, alone.error
        parallel = ast.literal_eval((workdir / f"{tag}.dat").read_text())
        assert parallel == ast.literal_eval((workdir / f"{tag}_alone.dat").read_text())
    # and the two optimizers agree on the Crab index to 0.01 sigma (measured 9e-5 = 7e-4 sigma)
    a, b = ((float(v) for v in ast.literal_eval((workdir / f"{t}.dat").read_text())["Crab"]["Index"].split(" +/- "))
            for t in runs)
    (va, ea), (vb, _) = a, b
    assert abs(va - vb) < 0.01 * ea


def test_session_data_on_a_ptsrc_no_srcmaps_file_fits_as_like_on_the_full_file(workdir, caldb):
    """The session path (model, data cmap=..., fit) on set 1's srcmap.fits, made with ptsrc=no (MANIFEST §1):
    the Crab map is computed (point maps made when needed, as gtlike does), the Galactic map is reused from
    the file (gll_iem_v06.fits is absent: a warning). `xlat like` on srcmaps.fits, which holds today's
    gtsrcmaps Crab map instead, gives the same fit: xlat's Crab map is gtsrcmaps's bit for bit (docs/srcmaps.md)."""
    set1 = require_shared("gammalib-p8r2-crab1day")
    executor = Executor(Session(workdir))
    assert executor.run_line("model model.xml").ok
    data = executor.run_line(f"data cmap={set1 / 'srcmap.fits.gz'} expcube={set1 / 'ltcube.fits.gz'} "
                             f"bexpmap={set1 / 'binned_expmap.fits.gz'} irfs=CALDB")
    assert data.ok, data.error
    fitted = executor.run_line("fit")
    assert fitted.ok, fitted.error
    assert any("gll_iem_v06.fits not found" in w for w in fitted.warnings + data.warnings)
    session_model = executor.session.model
    like_executor, like = run(workdir, "like cmap=srcmaps.fits srcmdl=model.xml save=no")
    assert like.ok, like.error
    like_model = like_executor.session.products["analysis"].model
    for name in ("Crab:Integral", "Crab:Index", "Galactic_diffuse:Value", "Extragal_diffuse:Normalization"):
        assert session_model.parameter(name).value == pytest.approx(like_model.parameter(name).value, rel=1e-9)
        assert session_model.parameter(name).error == pytest.approx(like_model.parameter(name).error, rel=1e-6)


def test_a_source_with_zero_npred_is_held_and_the_rest_fitted(workdir):
    """Hard case of issue 6: the Crab's map is all zeros. The fit keeps the others' best values, the warning
    names the held parameters once (not "like: like: ..."), and the empty source's TS is 0, not negative."""
    with fits.open(workdir / "srcmaps.fits") as hdul:
        hdul["Crab"].data = np.zeros_like(hdul["Crab"].data)
        hdul.writeto(workdir / "empty.fits")
    _, out = run(workdir, "like cmap=empty.fits srcmdl=model.xml optimizer=NEWMINUIT")
    assert out.ok, out.error
    held = [w for w in out.warnings if "no effect" in w]
    assert held == ["fit converged for the other parameters, but Crab:Integral, Crab:Index have no effect "
                    "on the likelihood (held at their values; no errors) — its source has zero Npred (map "
                    "empty or spectrum zero): freeze the parameter or remove the source"]
    ts = [line for line in out.result.lines if line.startswith("TS value: ")]
    assert len(ts) == 1 and abs(float(ts[0].split(": ")[1])) < 1e-6
    assert "Total number of model events: 853" in out.result.lines  # the diffuse norms were fitted (MLE: sum)
