"""BinnedAnalysis: gtlike's binned analysis as a Python object (pyLikelihood BinnedAnalysis-like).

Wraps a :class:`~xlat.core.likelihood.BinnedLikelihood` (counts cube, source maps, source
model) with the verbs an analysis needs: edit parameters (freeze, thaw, set), ``fit``
(transactional: a failed or cancelled fit leaves the model as it was), ``ts`` (both of
gtlike's definitions, reference §10.3), photon / energy fluxes with errors from the
covariance (§10.4), Npred, counts spectra, model and residual cubes, ``check_fit`` and
``write_xml``. Nothing here prints; :mod:`xlat.session.like_report` turns results into
gtlike's text and files.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from xlat.core import sky
from xlat.core.fitting import FAILED, FitOptions, FitResult, fit
from xlat.core.like_data import LikeData
from xlat.core.like_quality import bad_fit_ranges
from xlat.core.like_terms import EdispSetup
from xlat.core.likelihood import BinnedLikelihood, LikeObjective, MapSource
from xlat.core.parameters import Parameter, split_reference
from xlat.core.source_model import Source, SourceModel
from xlat.core.spectra import trapquad_flux, trapquad_flux_gradient
from xlat.core.types import FloatArray
from xlat.errors import ModelError, XlatError
from xlat.progress import NEVER_CANCEL, CancelToken
from xlat.session.results import SpectrumPlotData

#: point sources nearer than this (deg) to a deleted source are renormalised for the approximate TS
TS_MAXDIST = 20.0
FLUX_NODES = 100
FLUX_DERIV_NODES = 1000


@dataclass(frozen=True)
class Flux:
    """A flux (ph cm^-2 s^-1, or MeV cm^-2 s^-1 for an energy flux) and its error (0: none)."""

    value: float | None
    error: float = 0.0


class BinnedAnalysis:
    """A binned likelihood analysis of one counts cube with one source model."""

    def __init__(self, data: LikeData, model: SourceModel, maps: MapSource, *, edisp: EdispSetup = EdispSetup(),
                 optimizer: str = "NEWMINUIT", ftol: float = 1e-3, toltype: str = "ABS",
                 template_loader: Callable[[list[str]], object] | None = None,
                 cancel: CancelToken = NEVER_CANCEL) -> None:
        self.data = data
        self.model = model
        self.like = BinnedLikelihood(data, model, maps, edisp)
        self.options = FitOptions(optimizer, ftol, toltype)
        self.cancel = cancel
        self.fit_result: FitResult | None = None
        self._template_loader = template_loader

    # -- model --------------------------------------------------------------------------
    def source_names(self) -> list[str]:
        """Source names in gtlike order (sorted as std::map sorts them)."""
        return self.model.sorted_names

    def parameter_names(self) -> list[str]:
        """Every spectral parameter as ``source:param``, in gtlike order."""
        return self.model.parameter_names(order="gtlike")

    def free_parameter_names(self) -> list[str]:
        return list(self.like.free_names)

    def parameter(self, reference: str) -> Parameter:
        return self.model.parameter(reference)

    def set_parameter(self, reference: str, value: float | None = None, *,
                      min: float | None = None,  # noqa: A002
                      max: float | None = None,  # noqa: A002
                      scale: float | None = None, free: bool | None = None) -> Parameter:
        """Change a parameter: bounds first, then the value (checked against them), scale, free flag."""
        source, param = self.model.resolve(reference)
        if min is not None or max is not None:
            param.set_bounds(param.min if min is None else min, param.max if max is None else max, reference)
        if value is not None:
            param.set_value(value, reference)
        if scale is not None:
            if not (math.isfinite(scale) and scale != 0):
                raise ModelError(f"parameter {reference}: scale must be a non-zero number, got {scale!r}")
            param.scale = float(scale)
        if free is not None:
            self.model.set_free(reference, free)
        return param

    def freeze(self, reference: str) -> list[str]:
        """Fix ``source:param``, or every spectral parameter of a source; returns the names changed."""
        return self._set_free(reference, False)

    def thaw(self, reference: str) -> list[str]:
        """Free ``source:param``, or a source's normalisation parameter; returns the names changed."""
        return self._set_free(reference, True)

    def _set_free(self, reference: str, free: bool) -> list[str]:
        if not _is_param_ref(self.model, reference) and reference in self.model:
            source = self.model[reference]
            if free:
                norm = source.spectrum.norm
                if norm is None:
                    raise ModelError(f"source {reference!r}: its spectrum has no normalisation parameter; "
                                     "name the parameter to thaw (source:param)")
                params = [norm]
            else:
                params = list(source.spectrum.params)
            names = [f"{reference}:{p.name}" for p in params]
        else:
            names = [reference]
        for name in names:
            self.model.set_free(name, free)
        return names

    # -- statistic and fit ----------------------------------------------------------------
    def log_like(self) -> float:
        """ln L at the current parameter values (gtlike prints −ln L)."""
        return self.like.log_like()

    def fit(self, optimizer: str | None = None, ftol: float | None = None, toltype: str | None = None,
            minos: tuple[str, ...] | list[str] = (), hesse: bool = True, max_calls: int = 0) -> FitResult:
        """Fit the free parameters; on failure or cancellation the model is left as before."""
        options = FitOptions(optimizer or self.options.optimizer, ftol or self.options.ftol,
                             toltype or self.options.toltype, tuple(minos), max_calls, hesse=hesse)
        snapshot = self.model.snapshot()
        try:
            result = fit(LikeObjective(self.like, self.cancel), options)
        except BaseException:
            self.model.restore(snapshot)
            raise
        if result.status.code == FAILED:
            self.model.restore(snapshot)
        else:
            layout = self.like.layout
            layout.set_values(result.values)
            if result.covariance is not None:
                layout.set_errors(result.errors)
        self.fit_result = result
        return result

    # -- TS --------------------------------------------------------------------------------
    def ts(self, name: str, reoptimize: bool = False, approx: bool = True) -> float:
        """TS = 2 (ln L − ln L without the source) (reference §10.3).

        ``reoptimize=True`` (gtlike tsmin=yes): the null model is refitted (MIGRAD only);
        otherwise, with ``approx``, the free normalisations of diffuse sources and of point
        sources within 20 deg are scaled up to make up the missing counts (gtlike tsmin=no).
        The null value is never taken below the raw one. Parameters are restored afterwards.
        """
        source = self.model[name]
        log_like1 = self.like.log_like()
        snapshot = self.model.snapshot()
        self.like.exclude({name})
        try:
            log_like0 = self.like.log_like()
            has_free = len(self.like.free_names) > 0
            if reoptimize and has_free:
                options = FitOptions(self.options.optimizer, self.options.ftol, self.options.toltype, hesse=False)
                fit(LikeObjective(self.like, self.cancel), options)
                log_like0 = max(self.like.log_like(), log_like0)
            elif approx and has_free:
                self._renormalise(source)
                log_like0 = max(self.like.log_like(), log_like0)
        finally:
            self.like.exclude(frozenset())
            self.model.restore(snapshot)
        return 2.0 * (log_like1 - log_like0)

    def Ts(self, name: str, reoptimize: bool = False) -> float:  # noqa: N802 - pyLikelihood's name
        """pyLikelihood's name for :meth:`ts`."""
        return self.ts(name, reoptimize=reoptimize)

    def ts_sources(self) -> list[str]:
        """The sources gtlike computes TS for: point sources with at least one free parameter."""
        return [s.name for s in self.like.active_sources() if s.is_point and s.n_free > 0]

    def ts_values(self, reoptimize: bool = False) -> dict[str, float]:
        return {name: self.ts(name, reoptimize=reoptimize) for name in self.ts_sources()}

    def _renormalise(self, deleted: Source) -> None:
        """likelihood::renormModel / AnalysisBase._renorm (out-of-bounds values are skipped)."""
        nobs = float(self.data.counts.sum())
        total = 0.0
        free_npred = 0.0
        targets = []
        for source in self.like.active_sources():
            npred = self.like.npred(source.name)
            total += npred
            norm = source.spectrum.norm
            if norm is not None and norm.free and self._diffuse_or_nearby(source, deleted):
                free_npred += npred
                targets.append(norm)
        if free_npred <= 0:
            return
        factor = max(1.0 + (nobs - total) / free_npred, 1.0)
        for norm in targets:
            new = norm.value * factor
            if not norm.bounded or norm.min <= new <= norm.max:
                norm.set_value(new)

    @staticmethod
    def _diffuse_or_nearby(source: Source, deleted: Source) -> bool:
        if not source.is_point or not deleted.is_point:
            return True
        a, b = source.position, deleted.position
        assert a is not None and b is not None
        return float(sky.angular_separation(a[0], a[1], b[0], b[1])) < TS_MAXDIST

    # -- counts ----------------------------------------------------------------------------
    @property
    def energy_range(self) -> tuple[float, float]:
        """The counts cube's energy range (MeV): gtlike's range for fluxes."""
        return float(self.data.edges[0]), float(self.data.edges[-1])

    def nobs(self) -> float:
        return float(self.data.counts.sum())

    def npred(self, name: str | None = None) -> float:
        """Predicted counts of a source, or of the whole model (gtlike's 'model events')."""
        return self.like.npred(name)

    def counts_spectrum(self, title: str = "Counts spectrum") -> SpectrumPlotData:
        """Observed counts per bin, the model total and each source's share (measured energies)."""
        by_source = {s.name: self.like.source_counts(s.name) for s in self.like.active_sources()}
        total = np.sum(list(by_source.values()), axis=0) if by_source else np.zeros(self.data.n_bins)
        return SpectrumPlotData(self.data.edges.copy(), self.data.counts_spectrum(), total, by_source, title)

    def model_map(self, names: list[str] | None = None) -> FloatArray:
        """Predicted counts (n_bins, ny, nx) of ``names`` (default: the whole model)."""
        return self.like.model_cube(names)

    def residual_map(self) -> FloatArray:
        """Observed minus predicted counts per bin."""
        return self.data.counts - self.model_map()

    def check_fit(self) -> list[tuple[float, float]]:
        """Energy ranges (MeV) where gtlike's check_fit would warn that the fit may be bad."""
        spectrum = self.counts_spectrum()
        return bad_fit_ranges(self.data.edges, np.asarray(spectrum.counts), np.asarray(spectrum.model_total))

    # -- fluxes ----------------------------------------------------------------------------
    def flux(self, name: str, emin: float | None = None, emax: float | None = None, energy: bool = False) -> Flux:
        """Photon (or, with ``energy``, energy) flux over [emin, emax] MeV (default: the cube's range)
        with gtlike's TrapQuad on 100 log nodes; the error from the covariance sub-block of the
        source's free parameters and derivatives on 1000 nodes (likelihood::sourceFlux)."""
        lo, hi = self.energy_range
        emin = lo if emin is None else float(emin)
        emax = hi if emax is None else float(emax)
        source = self.model[name]
        angular = self._angular_integral(source)
        if angular is False:
            return Flux(None)
        value = trapquad_flux(source.spectrum, emin, emax, FLUX_NODES, energy, angular)  # type: ignore[arg-type]
        cov, rows = self._covariance_block(source)
        if cov is None:
            return Flux(value)
        grad = trapquad_flux_gradient(source.spectrum, emin, emax, FLUX_DERIV_NODES, energy,
                                      angular)[rows]  # type: ignore[arg-type]
        err = float(np.sqrt(max(grad @ cov @ grad, 0.0)))
        return Flux(value, err)

    def energy_flux(self, name: str, emin: float | None = None, emax: float | None = None) -> Flux:
        """Energy flux in MeV cm^-2 s^-1 (pyLikelihood energyFlux / energyFluxError)."""
        return self.flux(name, emin, emax, energy=True)

    def _angular_integral(self, source: Source):  # type: ignore[no-untyped-def]
        """None for point sources; the spatial model's angular integral, or False if unknown."""
        if source.is_point or source.spatial is None:
            return None
        spatial = source.spatial
        if hasattr(spatial, "template") and spatial.template is None and self._template_loader is not None:
            try:
                self._template_loader([source.name])
            except XlatError:
                return False
        try:
            spatial.angular_integral(np.array([self.energy_range[0]]))
        except XlatError:
            return False
        return spatial.angular_integral

    def _covariance_block(self, source: Source) -> tuple[FloatArray | None, np.ndarray]:
        """The covariance of the source's free parameters (from the last fit) and their rows."""
        rows = np.array([i for i, p in enumerate(source.spectrum.params) if p.free], dtype=np.int64)
        result = self.fit_result
        if rows.size == 0 or result is None or result.covariance is None:
            return None, rows
        names = [f"{source.name}:{source.spectrum.params[i].name}" for i in rows]
        index = {n: i for i, n in enumerate(result.names)}
        if any(n not in index for n in names):
            return None, rows
        idx = [index[n] for n in names]
        return result.covariance[np.ix_(idx, idx)], rows

    # -- output ----------------------------------------------------------------------------
    def write_xml(self, path: str, clobber: bool = True) -> None:
        """The model with the fitted values and ``error`` attributes, in gtlike's XML layout."""
        from xlat.products.xml_model import write_source_model

        write_source_model(self.model, path, clobber)

    def writeXml(self, path: str, clobber: bool = True) -> None:  # noqa: N802 - pyLikelihood's name
        """pyLikelihood's name for :meth:`write_xml`."""
        self.write_xml(path, clobber)


def _is_param_ref(model: SourceModel, reference: str) -> bool:
    try:
        source, name = split_reference(reference)
    except ModelError:
        return False
    return source in model and (model[source].spectrum.has_parameter(name))
