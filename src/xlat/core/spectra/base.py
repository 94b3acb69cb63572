"""The spectral-function base class and the math helpers the functions share.

A :class:`SpectralFunction` holds its :class:`~xlat.core.parameters.Parameter` list in
the tools' declaration order and evaluates dN/dE in ph cm^-2 s^-1 MeV^-1 at energies in
MeV, vectorised over any array shape. Derivatives are analytic and taken with respect
to each parameter's ``value`` (``scale * d/d(true value)``), the Fermitools convention
(reference §10.1, §11). Subclasses implement :meth:`SpectralFunction._evaluate` on true
parameter values; the base applies scales and the optional ``scaling_file`` factor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np

from xlat.core.parameters import Parameter, ParamSpec
from xlat.core.types import FloatArray
from xlat.errors import ModelError

#: exponent cap used by PLSuperExpCutoff2/3/4: exp(min(arg, ln 1e100))
LOG_1E100 = float(np.log(1e100))


class SpectralFunction:
    """Base class of every spectral model (one XML ``<spectrum type=...>``)."""

    type_name: ClassVar[str] = ""
    specs: ClassVar[tuple[ParamSpec, ...]] = ()
    norm_name: ClassVar[str | None] = None
    evaluable: ClassVar[bool] = True

    __slots__ = ("_by_name", "attrs", "label", "param_order", "params", "scaling", "scaling_file", "xml_type")

    def __init__(self, params: Sequence[Parameter] | None = None, **values: float) -> None:
        specs = self.param_specs()
        if params is None:
            params = [spec.make() for spec in specs]
        self.params: list[Parameter] = list(params)
        names = [p.name for p in self.params]
        expected = [s.name for s in specs]
        if names != expected:
            raise ModelError(f"{self.type_name}: parameters {names} do not match the declaration {expected}")
        self._by_name = {p.name: p for p in self.params}
        for spec, param in zip(specs, self.params):
            param.always_fixed = spec.always_fixed
        for name, value in values.items():
            self.parameter(name).value = float(value)
        self.scaling: Any = None  # SpectrumTable multiplying value and derivatives (scaling_file)
        self.scaling_file: str | None = None
        self.xml_type: str = self.type_name
        self.label: str = self.type_name
        self.attrs: dict[str, str] = {}  # other <spectrum> attributes (apply_edisp, unknown ones), as read
        self.param_order: tuple[str, ...] | None = None  # <parameter> order in the file, if not declaration order

    # -- parameters -------------------------------------------------------------------
    def param_specs(self) -> tuple[ParamSpec, ...]:
        """The declared parameters (instance-level: some functions have a variable count)."""
        return self.specs

    @classmethod
    def specs_for(cls, names: Iterable[str]) -> tuple[ParamSpec, ...]:
        """Declared parameters of a function read with parameter ``names`` (default: fixed set)."""
        return cls.specs

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def parameter(self, name: str) -> Parameter:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self.names)
            raise ModelError(f"{self.label}: no parameter {name!r} (known: {known})") from None

    def has_parameter(self, name: str) -> bool:
        return name in self._by_name

    @property
    def norm(self) -> Parameter | None:
        """The normalisation parameter (``normPar`` of the tools), if any."""
        return self._by_name.get(self.norm_name) if self.norm_name else None

    def true_values(self) -> FloatArray:
        return np.array([p.value * p.scale for p in self.params], dtype=np.float64)

    def scales(self) -> FloatArray:
        return np.array([p.scale for p in self.params], dtype=np.float64)

    def free_mask(self) -> np.ndarray:
        return np.array([p.free for p in self.params], dtype=bool)

    # -- evaluation -------------------------------------------------------------------
    def __call__(self, energies: Any) -> FloatArray:
        return self.value(energies)

    def value(self, energies: Any) -> FloatArray:
        """dN/dE in ph cm^-2 s^-1 MeV^-1 at ``energies`` (MeV), same shape."""
        e = self._energies(energies)
        value, _ = self._evaluate(e, self.true_values(), False)
        if self.scaling is not None:
            value = value * self.scaling.evaluate(e, self.label)
        return value

    def value_and_gradient(self, energies: Any) -> tuple[FloatArray, FloatArray]:
        """(dN/dE, d(dN/dE)/d value) with the gradient shaped (n_params,) + energies.shape."""
        e = self._energies(energies)
        value, grad = self._evaluate(e, self.true_values(), True)
        assert grad is not None
        grad = grad * self.scales().reshape((-1,) + (1,) * e.ndim)
        if self.scaling is not None:
            factor = self.scaling.evaluate(e, self.label)
            value = value * factor
            grad = grad * factor
        return value, grad

    def gradient(self, energies: Any) -> FloatArray:
        return self.value_and_gradient(energies)[1]

    def features(self) -> list[float]:
        """Energies (MeV) where the function has a break or a sharp feature (for quadrature)."""
        extra: list[float] = []
        if self.scaling is not None:
            extra = list(np.exp(self.scaling.log_energy))
        return self._features(self.true_values()) + extra

    def _features(self, p: FloatArray) -> list[float]:
        return []

    def _evaluate(self, e: FloatArray, p: FloatArray, grad: bool) -> tuple[FloatArray, FloatArray | None]:
        raise NotImplementedError

    def _energies(self, energies: Any) -> FloatArray:
        if not self.evaluable:
            raise ModelError(f"{self.label}: spectral function {self.type_name} cannot be evaluated "
                             f"by xlat ({self.unsupported_reason()})")
        e = np.asarray(energies, dtype=np.float64)
        if e.size and not np.all(e > 0):
            raise ModelError(f"{self.label}: energies must be positive (MeV)")
        return e

    def unsupported_reason(self) -> str:
        return "not implemented"

    # -- fluxes (see integrate.py) ----------------------------------------------------
    def photon_flux(self, emin: float, emax: float) -> float:
        """Integral of dN/dE over [emin, emax] MeV in ph cm^-2 s^-1."""
        from xlat.core.spectra.integrate import flux

        return flux(self, emin, emax, energy=False)

    def energy_flux(self, emin: float, emax: float) -> float:
        """Integral of E dN/dE over [emin, emax] MeV in MeV cm^-2 s^-1."""
        from xlat.core.spectra.integrate import flux

        return flux(self, emin, emax, energy=True)

    def photon_flux_gradient(self, emin: float, emax: float) -> FloatArray:
        """d(photon flux)/d value for every parameter, shape (n_params,)."""
        from xlat.core.spectra.integrate import flux_gradient

        return flux_gradient(self, emin, emax, energy=False)

    def energy_flux_gradient(self, emin: float, emax: float) -> FloatArray:
        from xlat.core.spectra.integrate import flux_gradient

        return flux_gradient(self, emin, emax, energy=True)

    def _analytic_flux(self, emin: float, emax: float, energy: bool,
                       gradient: bool) -> tuple[float, FloatArray | None] | None:
        """Closed-form (flux, d flux/d true value) where available; None otherwise."""
        return None

    # -- copying ----------------------------------------------------------------------
    def copy(self) -> SpectralFunction:
        clone = self._clone_with([p.copy() for p in self.params])
        clone.scaling = self.scaling
        clone.scaling_file = self.scaling_file
        clone.xml_type = self.xml_type
        clone.label = self.label
        clone.attrs = dict(self.attrs)
        clone.param_order = self.param_order
        return clone

    def _clone_with(self, params: list[Parameter]) -> SpectralFunction:
        return type(self)(params)

    def __repr__(self) -> str:
        inner = ", ".join(f"{p.name}={p.true_value:.6g}" for p in self.params)
        return f"{type(self).__name__}({inner})"


def stack_rows(rows: Sequence[Any], shape: tuple[int, ...]) -> FloatArray:
    """Stack gradient rows (arrays or scalars) into (n_rows,) + shape."""
    out = np.empty((len(rows),) + shape, dtype=np.float64)
    for i, row in enumerate(rows):
        out[i] = row
    return out


# --- power-law segment integrals (stable near index = -1) -------------------------------
def expm1_over(z: Any) -> Any:
    """(e^z - 1)/z, equal to 1 at z = 0."""
    z = np.asarray(z, dtype=np.float64)
    small = np.abs(z) < 1e-8
    safe = np.where(small, 1.0, z)
    return np.where(small, 1.0 + z / 2.0, np.expm1(safe) / safe)


def t_exp_integral(z: Any) -> Any:
    """Integral of t e^{z t} over t in [0, 1] = (e^z (z - 1) + 1)/z^2 (1/2 at z = 0)."""
    z = np.asarray(z, dtype=np.float64)
    small = np.abs(z) < 1e-3
    safe = np.where(small, 1.0, z)
    exact = (np.exp(safe) * (safe - 1.0) + 1.0) / safe**2
    series = 0.5 + z / 3.0 + z**2 / 8.0 + z**3 / 30.0
    return np.where(small, series, exact)


def segment_integral(a: Any, b: Any, e0: Any, index: Any) -> Any:
    """Integral of (E/e0)^index dE from a to b (0 where b <= a)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.maximum(np.asarray(b, dtype=np.float64), a)
    width = np.log(b / a)
    return a * np.exp(index * np.log(a / e0)) * width * expm1_over((index + 1.0) * width)


def segment_integral_dindex(a: Any, b: Any, e0: Any, index: Any) -> Any:
    """d/d(index) of :func:`segment_integral`."""
    a = np.asarray(a, dtype=np.float64)
    b = np.maximum(np.asarray(b, dtype=np.float64), a)
    width = np.log(b / a)
    log_a = np.log(a / e0)
    lead = a * np.exp(index * log_a)
    integral = lead * width * expm1_over((index + 1.0) * width)
    return integral * log_a + lead * width**2 * t_exp_integral((index + 1.0) * width)


def softplus(t: Any) -> Any:
    """ln(1 + e^t) without overflow."""
    return np.logaddexp(0.0, t)


def expit(t: Any) -> Any:
    """1/(1 + e^-t) without overflow."""
    t = np.asarray(t, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -t))
