"""The binned Poisson log-likelihood exactly as gtlike's BinnedLikelihood computes it (reference §9).

    ln L = Σ_k Σ_{p filled, M_kp > 0} Ñ_kp ln M_kp − Σ_k C̃_k

with ``M_kp = fixed_kp + Σ_{free s} m^(s)_k(p)`` on the filled bins only and ``C̃_k`` the
(weighted) predicted counts of bin k summed over all pixels (Likelihood:src/
BinnedLikelihood.cxx ``value``, ``computeModelMap_internal``). No ln N! term. The log terms
are summed pairwise (the tools use a Kahan accumulator), then −Npred is added.

Fixed-source caching (reference §9.2): sources whose spectrum has no free parameter are
summed once into a model on the filled bins and one Npred total; the cache is rebuilt
whenever a fixed source's parameter values change or the set of fixed sources changes
(freeze, thaw, delete), as ``fixedModelUpdated`` does. Only the free sources are evaluated
per call. Derivatives (reference §9.4) are with respect to each parameter's ``value``.

:class:`BinnedLikelihood` holds no global state: two instances (two fits) never interact,
unless they are given the same SourceModel object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from xlat.core.like_data import LikeData
from xlat.core.like_kernels import add_counts, band_sums, jacobian, log_sum, model_and_sums
from xlat.core.like_terms import EdispSetup, SourceTerm, build_term, spectral_planes
from xlat.core.parameters import Parameter
from xlat.core.source_model import FreeLayout, Source, SourceModel
from xlat.core.spectra.base import SpectralFunction
from xlat.core.types import FloatArray
from xlat.errors import InputError, XlatError
from xlat.progress import NEVER_CANCEL, CancelToken

MapSource = Mapping[str, np.ndarray] | Callable[[str], np.ndarray]

#: relative step of the central differences that give the spectral second derivatives
SECOND_DERIV_STEP = 1e-4


def free_layout(model: SourceModel, excluded: frozenset[str] = frozenset()) -> FreeLayout:
    """The model's free parameters in gtlike order, leaving out the sources in ``excluded``."""
    full = model.free_layout()
    keep = [i for i, s in enumerate(full.sources) if s.name not in excluded]
    names: list[str] = []
    params: list[Parameter] = []
    slices: list[slice] = []
    for i in keep:
        start = len(params)
        names += full.names[full.slices[i]]
        params += full.parameters[full.slices[i]]
        slices.append(slice(start, len(params)))
    return FreeLayout(tuple(names), tuple(params), tuple(full.sources[i] for i in keep), tuple(slices),
                      tuple(full.rows[i] for i in keep))


@dataclass
class _Structure:
    """What the cached arrays were built for: the active sources, their spectra and free flags."""

    names: list[str]
    spectra: list[object]
    params: list[Parameter]
    flags: list[bool]
    excluded: frozenset[str]


@dataclass
class Evaluation:
    """One evaluation at parameter values ``x`` (value units, gtlike order)."""

    x: FloatArray
    log_like: float
    npred: float
    model: FloatArray
    planes: list[FloatArray]  # g of each free source
    operators: list[FloatArray]  # T of each free source
    gradient: FloatArray | None = None
    band_sums: FloatArray | None = None  # B (n_bins, R)
    plane_derivs: list[FloatArray] | None = None
    hessian: FloatArray | None = None


class BinnedLikelihood:
    """ln L of a SourceModel against a counts cube, from per-source maps (cm^2 s)."""

    def __init__(self, data: LikeData, model: SourceModel, maps: MapSource,
                 edisp: EdispSetup = EdispSetup()) -> None:
        self.data = data
        self.model = model
        self.edisp = edisp
        self._maps = maps
        self._terms: dict[tuple[str, int], SourceTerm] = {}
        self.excluded: frozenset[str] = frozenset()
        self._structure: _Structure | None = None
        self._fixed_params: list[Parameter] = []
        self._fixed_values: list[tuple[float, float]] = []
        self._fixed_built = False
        self.fixed_sources: list[Source] = []
        self._last: Evaluation | None = None
        self.n_values = 0
        self.n_gradients = 0
        self.n_hessians = 0

    # -- sources and their terms ---------------------------------------------------------
    def active_sources(self) -> list[Source]:
        """Sources taking part (all but ``excluded``), in gtlike (sorted-name) order."""
        return [self.model[n] for n in self.model.sorted_names if n not in self.excluded]

    def source_map(self, name: str) -> np.ndarray:
        try:
            m = self._maps(name) if callable(self._maps) else self._maps[name]
        except KeyError:
            raise InputError(f"no source map for source {name!r} (not in the srcmaps file, and it cannot be "
                             "computed here)") from None
        return m

    def term(self, name: str) -> SourceTerm:
        """The SourceTerm of a source (built from its map on first use)."""
        source = self.model[name]
        mode = self.edisp.mode_for(source.apply_edisp)
        key = (name, mode)
        term = self._terms.get(key)
        if term is None:
            term = build_term(name, self.source_map(name), self.data, mode, self.edisp.drm)
            self._terms[key] = term
        return term

    def drop_terms(self, names: list[str] | None = None) -> None:
        """Forget cached terms (all, or those of ``names``), e.g. after a source map changed."""
        for key in list(self._terms):
            if names is None or key[0] in names:
                del self._terms[key]
        self._structure = None
        self._fixed_built = False
        self._last = None

    def exclude(self, names: frozenset[str] | set[str]) -> None:
        """Leave sources out of the model (TS null hypotheses); ``frozenset()`` restores them."""
        self.excluded = frozenset(names)

    # -- cached structure ------------------------------------------------------------------
    def _current_structure(self) -> _Structure:
        names = [n for n in self.model.sorted_names if n not in self.excluded]
        spectra = [self.model[n].spectrum for n in names]
        params = [p for spectrum in spectra for p in spectrum.params]  # type: ignore[attr-defined]
        return _Structure(names, spectra, params, [p.free for p in params], self.excluded)

    def _unchanged(self) -> bool:
        st = self._structure
        if st is None or st.excluded != self.excluded:
            return False
        names = self.model.sorted_names
        if len(names) - len(self.excluded) != len(st.names):
            return False
        if any(self.model[n].spectrum is not sp for n, sp in zip(st.names, st.spectra)):
            return False
        return [p.free for p in st.params] == st.flags

    def _prepare(self) -> None:
        if not self._unchanged():
            self._rebuild(self._current_structure())
        elif [(p.value, p.scale) for p in self._fixed_params] != self._fixed_values:
            self._build_fixed()
            self._last = None

    def _rebuild(self, structure: _Structure) -> None:
        self._layout = free_layout(self.model, self.excluded)
        self.free_terms = [self.term(s.name) for s in self._layout.sources]
        self._stack_free()
        fixed = [s for s in self.active_sources() if s.n_free == 0]
        params = [p for s in fixed for p in s.spectrum.params]
        same = (self._fixed_built and [s.name for s in fixed] == [s.name for s in self.fixed_sources]
                and len(params) == len(self._fixed_params)
                and all(a is b for a, b in zip(params, self._fixed_params))
                and [(p.value, p.scale) for p in params] == self._fixed_values)
        self.fixed_sources = fixed
        if not same:  # e.g. a free source left out for a TS needs no new fixed model
            self._build_fixed()
        self._structure = structure
        self._last = None

    def _stack_free(self) -> None:
        """The free sources' values side by side (F, R) for the compiled loops."""
        widths = [t.width for t in self.free_terms]
        self.row_starts = np.concatenate([[0], np.cumsum(widths)]).astype(np.int64)
        if self.free_terms:
            self.free_values = np.ascontiguousarray(np.concatenate([t.values for t in self.free_terms], axis=1))
        else:
            self.free_values = np.zeros((self.data.n_filled, 0), dtype=np.float32)
        self._revisions = [t.revision for t in self.free_terms]

    def _build_fixed(self) -> None:
        """Sum the fixed sources on the filled bins and their Npred (BinnedLikelihood::buildFixedModelWts)."""
        fixed = np.zeros(self.data.n_filled)
        npred_w = 0.0
        npred = 0.0
        params: list[Parameter] = []
        for source in self.fixed_sources:
            term = self.term(source.name)
            g, _ = spectral_planes(source.spectrum, term.energies)
            w = term.weights(g)
            add_counts(fixed, term.values, w, self.data.bin_of)
            npred_w += float(np.sum(term.sums_w * w))
            npred += float(np.sum(term.sums * w))
            params += source.spectrum.params
        self.fixed_model = fixed
        self.fixed_npred_w = npred_w
        self.fixed_npred = npred
        self._fixed_params = params
        self._fixed_values = [(p.value, p.scale) for p in params]
        self._fixed_built = True

    # -- evaluation ------------------------------------------------------------------------
    @property
    def layout(self) -> FreeLayout:
        """The free parameters of the active sources, in gtlike order."""
        self._prepare()
        return self._layout

    @property
    def free_names(self) -> tuple[str, ...]:
        return self.layout.names

    def evaluate(self, x: FloatArray | None = None, gradient: bool = False) -> Evaluation:
        """ln L (and its gradient) at free values ``x`` (None: the model's current values)."""
        self._prepare()
        if x is not None:
            x = np.asarray(x, dtype=np.float64)
            if x.shape != (len(self._layout),):
                raise InputError(f"expected {len(self._layout)} free parameter values, got shape {x.shape}")
            if not np.array_equal(x, self._layout.values()):
                self._layout.set_values(x)
        xv = self._layout.values()
        last = self._last
        if last is None or not np.array_equal(last.x, xv):
            last = self._value(xv, gradient)
            self._last = last
        elif gradient and last.gradient is None:
            self._add_gradient(last)
        return last

    def _value(self, xv: FloatArray, gradient: bool) -> Evaluation:
        planes, derivs, operators, weights = [], [], [], []
        npred = self.fixed_npred_w
        for source, rows, term in zip(self._layout.sources, self._layout.rows, self.free_terms):
            g, dg = spectral_planes(source.spectrum, term.energies, rows if gradient else None)
            op = term.operator(g)
            w = np.einsum("kdi,i->kd", op, g)
            planes.append(g)
            derivs.append(dg)
            operators.append(op)
            weights.append(w)
            npred += float(np.sum(term.sums_w * w))
        if [t.revision for t in self.free_terms] != self._revisions:
            self._stack_free()  # a rescaling band moved: restack the values
        all_w = np.concatenate(weights, axis=1) if weights else np.zeros((self.data.n_bins, 0))
        model, sums = model_and_sums(self.fixed_model, self.free_values, all_w, self.data.bin_of, self.data.data,
                                     self.data.n_bins, gradient)
        log_like = log_sum(self.data.data, model) - npred
        self.n_values += 1
        ev = Evaluation(xv.copy(), float(log_like), float(npred), model, planes, operators,
                        band_sums=sums, plane_derivs=derivs if gradient else None)
        if gradient:
            self._add_gradient(ev)
        return ev

    def _add_gradient(self, ev: Evaluation) -> None:
        if ev.plane_derivs is None:
            ev.plane_derivs = [spectral_planes(s.spectrum, t.energies, rows)[1]
                               for s, rows, t in zip(self._layout.sources, self._layout.rows, self.free_terms)]
        if ev.band_sums is None:
            ev.band_sums = band_sums(ev.model, self.free_values, self.data.bin_of, self.data.data, self.data.n_bins)
        grad = np.zeros(len(self._layout))
        for i, (sl, term) in enumerate(zip(self._layout.slices, self.free_terms)):
            grad[sl] = ev.plane_derivs[i] @ self._contraction(ev, i, term)
        ev.gradient = grad
        self.n_gradients += 1

    def _contraction(self, ev: Evaluation, i: int, term: SourceTerm) -> FloatArray:
        """u_s = Tᵀ(B_s − PP̃_s): d lnL = dg · u_s for the planes of free source i."""
        assert ev.band_sums is not None
        r0, r1 = self.row_starts[i], self.row_starts[i + 1]
        return np.einsum("kd,kdi->i", ev.band_sums[:, r0:r1] - term.sums_w, ev.operators[i])

    def log_like(self, x: FloatArray | None = None) -> float:
        return self.evaluate(x).log_like

    def gradient(self, x: FloatArray | None = None) -> FloatArray:
        ev = self.evaluate(x, gradient=True)
        assert ev.gradient is not None
        return ev.gradient

    def hessian(self, x: FloatArray | None = None) -> FloatArray:
        """The exact Hessian of ln L: Σ (Ñ/M) ∂²m − Σ (Ñ/M²) ∂m ∂m − ∂²Npred.

        Second derivatives of the spectra come from central differences of their analytic
        gradients at the plane energies; everything else is analytic.
        """
        ev = self.evaluate(x, gradient=True)
        assert ev.plane_derivs is not None
        if ev.hessian is not None:
            return ev.hessian.copy()
        n = len(self._layout)
        hess = np.zeros((n, n))
        model = ev.model
        ok = model > 0
        q2 = np.where(ok, self.data.data / np.where(ok, model, 1.0) ** 2, 0.0)
        n_rows = int(self.row_starts[-1])
        width = max((len(r) for r in self._layout.rows), default=0)
        dweights = np.zeros((self.data.n_bins, n_rows, width))
        row_col = np.zeros(n_rows, dtype=np.int64)
        row_ncol = np.zeros(n_rows, dtype=np.int64)
        for i, (source, rows, sl, term) in enumerate(zip(self._layout.sources, self._layout.rows,
                                                          self._layout.slices, self.free_terms)):
            r0, r1 = self.row_starts[i], self.row_starts[i + 1]
            dw = np.einsum("kdi,ai->kda", ev.operators[i], ev.plane_derivs[i])  # (n_bins, D, n_s)
            dweights[:, r0:r1, : len(rows)] = dw
            row_col[r0:r1], row_ncol[r0:r1] = sl.start, len(rows)
            d2g = _second_plane_derivatives(source.spectrum, term.energies, rows)
            hess[sl, sl] += np.einsum("abi,i->ab", d2g, self._contraction(ev, i, term))
        jac = jacobian(self.free_values, dweights, self.data.bin_of, row_col, row_ncol, n)
        jac *= np.sqrt(q2)[:, None]
        hess -= jac.T @ jac
        self.n_hessians += 1
        ev.hessian = (hess + hess.T) / 2.0
        return ev.hessian.copy()

    # -- per-source quantities ------------------------------------------------------------
    def source_planes(self, name: str) -> FloatArray:
        term = self.term(name)
        return spectral_planes(self.model[name].spectrum, term.energies)[0]

    def source_counts(self, name: str, weighted: bool = False) -> FloatArray:
        """Predicted counts per energy bin of a source (modelCountsSpectrum; measured energies)."""
        term = self.term(name)
        return term.band_counts(self.source_planes(name), weighted)

    def npred(self, name: str | None = None, weighted: bool = False) -> float:
        """Npred of a source, or of the whole (active) model."""
        if name is not None:
            return float(np.sum(self.source_counts(name, weighted)))
        self._prepare()
        total = self.fixed_npred_w if weighted else self.fixed_npred
        for source in self._layout.sources:
            total += float(np.sum(self.source_counts(source.name, weighted)))
        return total

    def model_spectrum(self) -> FloatArray:
        """Predicted counts per energy bin of the whole active model."""
        out = np.zeros(self.data.n_bins)
        for source in self.active_sources():
            out += self.source_counts(source.name)
        return out

    def source_cube(self, name: str) -> FloatArray:
        """Predicted counts of a source in every bin (n_bins, ny, nx) (FitUtils ``updateModelMap``)."""
        term = self.term(name)
        w = term.weights(self.source_planes(name))
        full = self.source_map(name)
        npix = self.data.npix
        flat = np.asarray(full).reshape(full.shape[0], npix)
        planes = term.base[:, None] + np.arange(term.width)[None, :]
        cube = np.einsum("kdp,kd->kp", flat[planes].astype(np.float64), w)
        return cube.reshape((self.data.n_bins,) + self.data.shape)

    def model_cube(self, names: list[str] | None = None) -> FloatArray:
        """Predicted counts (n_bins, ny, nx) of ``names`` (default: every active source)."""
        out = np.zeros(self.data.counts.shape)
        for name in (names if names is not None else [s.name for s in self.active_sources()]):
            out += self.source_cube(name)
        return out


def _second_plane_derivatives(spectrum: SpectralFunction, energies: FloatArray, rows: np.ndarray) -> FloatArray:
    """d²g/dθ_a dθ_b (n, n, n_planes) by central differences of the analytic gradient."""
    n = len(rows)
    out = np.zeros((n, n, energies.size))
    for b, row in enumerate(rows):
        param = spectrum.params[row]
        value = param.value
        h = SECOND_DERIV_STEP * abs(value) if value != 0 else SECOND_DERIV_STEP * 1e-2
        try:
            with np.errstate(all="ignore"):
                param.value = value + h
                up = spectral_planes(spectrum, energies, rows)[1]
                param.value = value - h
                down = spectral_planes(spectrum, energies, rows)[1]
        except XlatError:
            up = down = np.zeros((n, energies.size))
        finally:
            param.value = value
        if not (np.all(np.isfinite(up)) and np.all(np.isfinite(down))):
            up = down = np.zeros((n, energies.size))
        out[:, b, :] = (up - down) / (2.0 * h)
    return (out + out.transpose(1, 0, 2)) / 2.0


class LikeObjective:
    """−ln L of a BinnedLikelihood as :mod:`xlat.core.fitting` wants it; checks ``cancel`` per call."""

    def __init__(self, like: BinnedLikelihood, cancel: CancelToken = NEVER_CANCEL) -> None:
        self.like = like
        self.cancel = cancel
        self.names = like.free_names

    def start(self) -> FloatArray:
        return self.like.layout.values()

    def limits(self) -> list[tuple[float | None, float | None]]:
        return self.like.layout.limits()

    def value(self, x: FloatArray) -> float:
        self.cancel.check()
        return -self.like.log_like(x)

    def gradient(self, x: FloatArray) -> FloatArray:
        self.cancel.check()
        return -self.like.gradient(x)

    def hessian(self, x: FloatArray) -> FloatArray:
        self.cancel.check()
        return -self.like.hessian(x)
