"""``save results FILE``: the last fit as JSON, or as gtlike's results.dat when FILE ends in .dat.

The JSON holds -log(Likelihood), the fit status, every spectral parameter of the model
(value, scale, error, free), MINOS errors, TS and Npred per source, and the fluxes over
the data's energy range; values are written with Python's shortest round-trip repr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xlat import __version__
from xlat.errors import FitError
from xlat.products.atomic import atomic_output

if TYPE_CHECKING:
    from xlat.session.state import Session


def results_dict(session: Session) -> dict[str, Any]:
    """Everything 'save results' writes, as plain data."""
    summary = session.fit_result
    if summary is None:
        raise FitError("save results: no fit yet; run 'fit' first")
    model = session.require_model()
    sources: dict[str, Any] = {}
    for source in model:
        params = {p.name: {"value": p.value, "scale": p.scale, "error": p.error, "free": p.free}
                  for p in source.spectrum.params}
        sources[source.name] = {"parameters": params, "ts": summary.ts.get(source.name),
                                "npred": summary.npred.get(source.name)}
    return {
        "xlat": __version__,
        "-log(Likelihood)": summary.minus_log_likelihood,
        "status": summary.status,
        "ok": summary.ok,
        "free": summary.values,
        "errors": summary.errors,
        "minos": {k: {"lower": lo, "upper": hi, "valid": ok} for k, (lo, hi, ok) in summary.minos.items()},
        "ties": {k: {"target": t.target, "factor": t.factor} for k, t in session.ties.items()},
        "sources": sources,
    }


def write_results(session: Session, path: Path, clobber: bool) -> Path:
    if path.suffix.lower() == ".dat":
        return _write_results_dat(session, path, clobber)
    text = json.dumps(results_dict(session), indent=1, allow_nan=True) + "\n"
    with atomic_output(path, clobber) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _write_results_dat(session: Session, path: Path, clobber: bool) -> Path:
    from xlat.products.like_files import write_results_dat
    from xlat.session.fit_ops import ensure_analysis
    from xlat.session.like_report import summarize

    summary = session.fit_result
    if summary is None:
        raise FitError("save results: no fit yet; run 'fit' first")
    report = summarize(ensure_analysis(session), dict(summary.ts), False)
    write_results_dat(path, [s.lines for s in report.sources], clobber)
    return path
