"""The session's fitting and plotting verbs (a base class of :class:`~xlat.session.state.Session`).

Each verb is short: it calls :mod:`xlat.session.fit_ops` or :mod:`xlat.session.plot_ops`,
stores the result in the session and returns a result record. Fits and the commands that
update the fit summary (error, ts) run as model transactions, so a failed or cancelled
one leaves the session as it was, and ``undo`` reverts them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlat.session.state import Session


class FittingVerbs:
    """fit, error, ts, flux, steppar, plots, save results."""

    @property
    def analysis(self: Session) -> Any:
        """The binned likelihood of the data and the model (built on first use; see fit_ops)."""
        from xlat.session.fit_ops import ensure_analysis

        return ensure_analysis(self)

    def like_analysis(self: Session) -> Any:
        """The fitted analysis of the last ``like`` run while it is newer than the session's own, else None.

        ``like`` (gtlike) fits a model of its own, read from its srcmdl; it stays the newest fit
        until a session command builds the analysis of the session's model and data again
        (fit, error, ts, flux, steppar) or ``model`` / ``data`` replace them.
        """
        analysis = self.products.get("analysis")
        if analysis is None or getattr(analysis, "fit_result", None) is None:
            return None
        if self.model is not None and analysis.model is self.model:
            return None
        return analysis

    def fit(self: Session, optimizer: str = "MINUIT", ftol: float = 1e-3, toltype: str = "ABS", ts: bool = True,
            tsmin: bool = False) -> Any:
        """Fit the free parameters (gtlike's optimizer, ftol, toltype); TS of point sources unless ``ts=False``."""
        from xlat.core.fitting import FitOptions
        from xlat.session import fit_ops

        options = FitOptions(optimizer, ftol, toltype)
        fit_ops.ensure_analysis(self)
        with self.model_change("fit"):
            summary = fit_ops.run_fit(self, options, ts, tsmin)
            self.products["fit"] = summary
        return summary

    def error(self: Session, *names: str, optimizer: str = "MINUIT", ftol: float = 1e-3, toltype: str = "ABS") -> Any:
        """MINOS errors of free parameters (default: all); the fit summary is updated."""
        from xlat.core.fitting import FitOptions
        from xlat.session import fit_ops

        with self.model_change("error"):
            free = [n for n in self.require_model().free_names() if n not in self.ties]
            summary = fit_ops.run_minos(self, list(names) or free, FitOptions(optimizer, ftol, toltype))
            self.products["fit"] = summary
        return summary

    def ts(self: Session, *names: str, tsmin: bool = False) -> dict[str, float]:
        """TS of sources (default: point sources with free parameters), kept in the fit summary."""
        from dataclasses import replace

        from xlat.errors import FitError
        from xlat.session import fit_ops

        if self.fit_result is None:
            raise FitError("ts: no fit yet; run 'fit' first")
        with self.model_change("ts"):
            values = fit_ops.run_ts(self, names, tsmin)
            self.products["fit"] = replace(self.fit_result, ts={**self.fit_result.ts, **values})
        return values

    def flux(self: Session, *names: str, emin: float | None = None, emax: float | None = None) -> Any:
        """Photon and energy fluxes over [emin, emax] MeV (default: the data's range), with errors."""
        from xlat.session import fit_ops

        low, high = self.energy_range()
        model = self.require_model()
        targets = list(names) or [s.name for s in model if s.n_free > 0]
        return fit_ops.flux_rows(self, targets, low if emin is None else emin, high if emax is None else emax)

    def energy_range(self: Session) -> tuple[float, float]:
        """The counts cube's energy range in MeV (gtlike's range for fluxes)."""
        from xlat.errors import FitError

        if self.data is None or self.data.cmap is None:
            raise FitError("no data: load gtlike's inputs with 'data cmap=SRCMAPS.fits' first")
        edges = self.data.cmap.energy_edges_mev
        return float(edges[0]), float(edges[-1])

    def steppar(self: Session, name: str, low: float, high: float, steps: int = 20, refit: bool = True,
                log: bool = False) -> Any:
        """-2 Delta ln L along one parameter; the model is left as it was. Kept for 'plot profile'."""
        from xlat.core.fitting import FitOptions
        from xlat.session import fit_ops

        (reference,) = self._one(name, "steppar")
        values = fit_ops.scan_values(low, high, steps, log)
        record = fit_ops.scan(self, reference, values, refit, FitOptions())
        self.products["scan"] = record
        return record

    # ------------------------------------------------------------ plots
    def plot_spectrum(self: Session) -> Any:
        """Counts spectrum with the summed model and each source (gtlike plot=yes)."""
        from xlat.session.fit_ops import ensure_analysis

        like = self.like_analysis()
        if like is not None:
            return like.counts_spectrum(title="Counts spectrum (like)")
        return ensure_analysis(self).counts_spectrum(title="Counts spectrum")

    def plot_map(self: Session, kind: str = "counts", emin: float | None = None, emax: float | None = None) -> Any:
        """Counts, model, residual or significance map summed over the energy bins in [emin, emax] MeV."""
        from xlat.errors import FitError
        from xlat.session.datasets import read_counts_info
        from xlat.session.fit_ops import ensure_analysis
        from xlat.session.plot_ops import map_record

        like, run = self.like_analysis(), self.products.get("like_run")
        if like is not None and run is not None:
            cube = None if kind == "counts" else like.model_map()
            return map_record(kind, read_counts_info(run.cmap), cube, emin, emax)
        if self.data is None or self.data.cmap is None:
            raise FitError("plot: no data; load a counts cube with 'data cmap=...'")
        cube = None if kind == "counts" else ensure_analysis(self).model_map()
        return map_record(kind, self.data.cmap, cube, emin, emax)

    def plot_profile(self: Session) -> Any:
        from xlat.errors import FitError

        scan = self.products.get("scan")
        if scan is None:
            raise FitError("plot profile: no scan yet; run 'steppar SRC:PARAM LOW HIGH' first")
        return scan

    def save_results(self: Session, path: str | Path, clobber: bool = True) -> Path:
        """The fit results as JSON, or in gtlike's results.dat layout when the name ends in .dat."""
        from xlat.session.results_file import write_results

        return write_results(self, self.path(path), clobber)
