"""The like step (gtlike, statistic=BINNED): fit, TS, fluxes, results.dat, counts_spectra.fits, XML.

Follows Likelihood:src/likelihood/likelihood.cxx ``run``: build the binned likelihood from the
srcmaps file (``cmap``) and the model, fit with ``optimizer``/``ftol``/``toltype`` (errors
from HESSE / the Hessian), compute TS for point sources with free parameters (refitted with
tsmin=yes, renormalised otherwise), print the per-source results, write results.dat and
counts_spectra.fits (``save``) and the fitted model (``sfile``). $USE_BL_EDISP overrides
``edisp_bins`` (read here). The fitted analysis stays in ``session.products['analysis']`` (with
``products['like_run']``), where ``plot`` and ``show fit`` find it (``Session.like_analysis``).
"""

from __future__ import annotations

import os
import time

from xlat.errors import ParameterError
from xlat.products.atomic import check_output
from xlat.products.like_files import write_counts_spectra, write_results_dat
from xlat.session.like_inputs import load_analysis
from xlat.session.like_report import (LikeSummary, gtlike_lines, point_source_bin_fluxes, source_table, status_lines,
                                      summarize)
from xlat.session.records import LikeRun
from xlat.session.results import ResultGroup, StepReport
from xlat.session.state import Session
from xlat.session.steps.common import Params, warn


def _none(text: str) -> str | None:
    return None if str(text).strip().lower() in ("", "none") else str(text).strip()


def run_like(session: Session, cmd: Params) -> object:
    start = time.process_time()
    if cmd.statistic != "BINNED":
        raise ParameterError("like: statistic=UNBINNED is not implemented in xlat; use statistic=BINNED with a "
                             "srcmaps file (cmap)")
    cmap = _none(cmd.cmap)
    if cmap is None:
        raise ParameterError("like: statistic=BINNED needs cmap (the srcmaps file made by 'xlat srcmaps')")
    outputs = []
    sfile = _none(cmd.sfile)
    if sfile is not None:
        check_output(session.path(sfile), cmd.clobber)
    if cmd.save:
        check_output(session.path(cmd.results), cmd.clobber)
        check_output(session.path(cmd.specfile), cmd.clobber)
    expcube = _none(cmd.expcube)
    bexpmap = _none(cmd.bexpmap)
    analysis = load_analysis(
        session.path(cmap), session.path(cmd.srcmdl),
        expcube=session.path(expcube) if expcube else None, bexpmap=session.path(bexpmap) if bexpmap else None,
        irfs=cmd.irfs, edisp_bins=cmd.edisp_bins, use_bl_edisp=os.environ.get("USE_BL_EDISP"),
        wmap=session.path(cmd.wmap) if _none(cmd.wmap) else None, psfcorr=cmd.psfcorr, optimizer=cmd.optimizer,
        ftol=cmd.ftol, toltype=cmd.toltype, base_dir=session.workdir, caldb=cmd.caldb,
        progress=session.progress, cancel=session.cancel, drm_cache=session.products.setdefault("drm_cache", {}))
    session.note_input(session.path(cmap))
    session.note_input(session.path(cmd.srcmdl))
    result = analysis.fit(minos=_minos(cmd.minos, analysis.free_parameter_names()))
    if not result.status.ok:
        warn(f"fit {result.status}")  # the front-end names the command: "xlat like: warning: fit ..."
    ts = analysis.ts_values(reoptimize=cmd.tsmin)
    summary = summarize(analysis, ts, cmd.tsmin)
    lines = gtlike_lines(summary, cmd.check_fit)
    if cmd.refit:
        lines.append("refit=yes: gtlike asks to refit interactively; in xlat run 'like' (or the session's fit) again")
    if sfile is not None:
        lines.append(f"Writing fitted model to {sfile}")
        analysis.write_xml(str(session.path(sfile)), cmd.clobber)
        outputs.append(str(session.path(sfile)))
    if cmd.save:
        sources = [s.lines for s in summary.sources]
        write_results_dat(session.path(cmd.results), sources, cmd.clobber)
        spectrum = analysis.counts_spectrum()
        write_counts_spectra(session.path(cmd.specfile), analysis.data.edges, analysis.data.counts_spectrum(),
                             dict(spectrum.model_by_source), point_source_bin_fluxes(analysis), cmd.clobber)
        outputs += [str(session.path(cmd.results)), str(session.path(cmd.specfile))]
    lines += status_lines(summary)
    lines.append(elapsed_line(time.process_time() - start))
    session.products["analysis"] = analysis  # plot and show fit use it while it is the newest fit
    session.products["like_run"] = LikeRun(session.path(cmap), dict(ts), bool(cmd.tsmin))
    # gtlike's own listing above is complete at the default chatter; xlat's table (Npred, energy flux) is verbose
    tables = (source_table(summary),) if cmd.chatter >= 3 else ()
    report = StepReport("like", tuple(lines), tables, tuple(outputs), summary=one_line(summary, outputs))
    if cmd.plot:
        return ResultGroup((report, analysis.counts_spectrum(title="Counts spectrum (like)")))
    return report


def one_line(summary: LikeSummary, outputs: list[str]) -> str:
    """The chatter-1 report: -log(Likelihood) as gtlike prints it, the fit status, the files written."""
    fit = summary.fit
    status = f"fit {fit.status}, {len(fit.names)} free parameters" if fit is not None else "not fitted"
    written = f" -> {', '.join(outputs)}" if outputs else ""
    return f"like: -log(Likelihood): {summary.neg_log_like:.10g}; {status}{written}"


def elapsed_line(seconds: float) -> str:
    """likelihood.cxx ``run``'s last line: clock() / 1e6 s (microsecond steps), printed on the stream that
    printFitResults left at precision 10 (so 1.45 s is ``1.45``, not ``1.450000`` or ``1.45`` rounded to 2)."""
    return f"Elapsed CPU time: {round(seconds, 6):.10g}"


def _minos(text: str, free: list[str]) -> tuple[str, ...]:
    value = str(text).strip()
    if value.lower() in ("", "none"):
        return ()
    if value.lower() == "all":
        return tuple(free)
    names = tuple(n.strip() for n in value.split(",") if n.strip())
    for name in names:
        if name not in free:
            raise ParameterError(f"like: parameter 'minos': {name} is not a free parameter "
                                 f"(free: {', '.join(free) or 'none'})")
    return names
