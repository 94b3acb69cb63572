"""gtlike's report of a fit: the per-source text, results.dat, counts_spectra.fits (reference §10.4).

Likelihood:src/likelihood/likelihood.cxx ``printFitResults``: first ``computeTsValues``'s progress
(``Computing TS values for each source (N total)``, then one dot per source and ``!``), then for
every source in gtlike order
its spectral parameters (``value``, with ``+/- error`` when free), ``TS value`` (point
sources with free parameters), ``Flux`` over the counts cube's energy range with its error,
then the check_fit warnings, the total observed and model counts and ``-log(Likelihood)``
(10 significant digits). Numbers use the C++ stream default (6 significant digits).
gtlike prints no Npred for binned fits; xlat's table with Npred and energy fluxes
(``source_table``) is verbose output (chatter >= 3): it repeats TS and flux at lower precision, and
``show sources`` lists Npred, so the default output is gtlike's layout plus xlat's status lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xlat.core.fitting import FitResult
from xlat.core.spectra.integrate import trapquad_nodes, trapquad_weights
from xlat.products.like_files import ParameterLine, SourceLines, cpp
from xlat.session.analysis import BinnedAnalysis, Flux
from xlat.session.results import Table

TS_REFIT = "TS = 2 (lnL - lnL0), lnL0 refitted without the source (tsmin=yes)"
TS_RENORM = "TS = 2 (lnL - lnL0), lnL0 without the source, nearby normalisations rescaled (tsmin=no)"


@dataclass(frozen=True)
class SourceSummary:
    """One source after a fit: gtlike's lines plus Npred and energy flux."""

    lines: SourceLines
    kind: str
    npred: float
    energy_flux: Flux


@dataclass(frozen=True)
class LikeSummary:
    sources: tuple[SourceSummary, ...]
    emin: float
    emax: float
    nobs: float
    npred: float
    neg_log_like: float
    bad_ranges: tuple[tuple[float, float], ...]
    ts_kind: str
    fit: FitResult | None
    ts_computed: bool = True


def summarize(analysis: BinnedAnalysis, ts_values: dict[str, float], reoptimized: bool,
              ts_computed: bool = True) -> LikeSummary:
    """Collect what gtlike prints, from the analysis at its current (fitted) values; ``ts_computed``
    False (the session's ``fit ts=no``) leaves out the TS progress lines."""
    fit = analysis.fit_result
    errors = {}
    if fit is not None and fit.covariance is not None:
        errors = dict(zip(fit.names, fit.errors.tolist()))
    sources = []
    for name in analysis.source_names():
        source = analysis.model[name]
        params = tuple(ParameterLine(p.name, p.value, errors.get(f"{name}:{p.name}") if p.free else None)
                       for p in source.spectrum.params)
        flux = analysis.flux(name)
        lines = SourceLines(name, params, ts_values.get(name), flux.value, flux.error)
        sources.append(SourceSummary(lines, source.kind, analysis.npred(name), analysis.energy_flux(name)))
    emin, emax = analysis.energy_range
    return LikeSummary(tuple(sources), emin, emax, analysis.nobs(), analysis.npred(), -analysis.log_like(),
                       tuple(analysis.check_fit()), TS_REFIT if reoptimized else TS_RENORM, fit, ts_computed)


def gtlike_lines(summary: LikeSummary, check_fit: bool = True) -> list[str]:
    """The text gtlike prints after a fit (info and warning streams, in order)."""
    out = []
    if summary.ts_computed:
        # computeTsValues: the count is of every source; a '.' per source (warning stream), then '!'
        out += [f"Computing TS values for each source ({len(summary.sources)} total)",
                "." * len(summary.sources) + "!", ""]
    out.append(f"Photon fluxes are computed for the energy range {cpp(summary.emin)} to {cpp(summary.emax)} MeV")
    for src in summary.sources:
        s = src.lines
        out += ["", f"{s.name}:"]
        for p in s.parameters:
            out.append(f"{p.name}: {cpp(p.value)}" + (f" +/- {cpp(p.error)}" if p.error is not None else ""))
        if s.ts is not None:
            out.append(f"TS value: {cpp(s.ts)}")
        flux = "n/a (template file not available)" if s.flux is None else cpp(s.flux)
        err = f" +/- {cpp(s.flux_error)}" if s.flux_error > 0 else ""
        out.append(f"Flux: {flux}{err} photons/cm^2/s")
    if check_fit:
        out.append("")
        out += [f"WARNING: Fit may be bad in range [{cpp(lo)}, {cpp(hi)}] (MeV)" for lo, hi in summary.bad_ranges]
    out += ["", f"Total number of observed counts: {cpp(summary.nobs)}",
            f"Total number of model events: {cpp(summary.npred)}", "",
            f"-log(Likelihood): {summary.neg_log_like:.10g}", ""]
    return out


def status_lines(summary: LikeSummary) -> list[str]:
    """xlat's additions: the fit status in words, the evaluation count, which TS was printed."""
    fit = summary.fit
    out = []
    if fit is not None:
        out.append(f"Fit status: {fit.status} ({fit.optimizer}, {len(fit.names)} free parameters, "
                   f"{fit.n_calls} function and {fit.n_gradients} gradient evaluations, EDM {fit.edm:.3g})")
        for name, me in fit.minos.items():
            state = "" if me.valid else " (not valid)"
            out.append(f"MINOS {name}: {cpp(me.lower)} / +{cpp(me.upper)}{state}")
    if any(s.lines.ts is not None for s in summary.sources):
        out.append(summary.ts_kind)
    return out


def source_table(summary: LikeSummary) -> Table:
    """Npred, TS, photon and energy flux per source (an xlat table; gtlike prints no Npred in binned mode)."""
    rows = []
    for src in summary.sources:
        s = src.lines
        ts = "" if s.ts is None else f"{s.ts:.1f}"
        flux = "n/a" if s.flux is None else _pm(s.flux, s.flux_error)
        eflux = "n/a" if src.energy_flux.value is None else _pm(src.energy_flux.value, src.energy_flux.error)
        rows.append((s.name, src.kind.replace("Source", ""), f"{src.npred:.1f}", ts, flux, eflux))
    return Table("Sources (flux in ph/cm^2/s, energy flux in MeV/cm^2/s)",
                 ("source", "type", "Npred", "TS", "flux", "energy flux"), tuple(rows))


def _pm(value: float, error: float) -> str:
    """Value ± error, short enough for an 80-column table (the gtlike lines above keep 6 digits)."""
    return f"{value:.3g}" + (f"±{error:.2g}" if error > 0 else "")


def point_source_bin_fluxes(analysis: BinnedAnalysis) -> dict[str, np.ndarray]:
    """Photon flux of each point source in each energy bin (CountsSpectra FLUXES: 100 log nodes per bin)."""
    edges = analysis.data.edges
    nodes = np.stack([trapquad_nodes(lo, hi, 100) for lo, hi in zip(edges[:-1], edges[1:])])
    weights = np.stack([trapquad_weights(row) for row in nodes])
    out = {}
    for name in analysis.source_names():
        source = analysis.model[name]
        if source.is_point:
            out[name] = np.sum(source.spectrum.value(nodes) * weights, axis=1)
    return out
