"""Composite spectra ``ScaleFactor::F``, ``EnergyBand::F``, ``EblAtten::F`` and DMFitFunction.

ScaleFactor.cxx multiplies F by ``ScaleFactor``; EnergyBand.cxx keeps F for
``Emin <= E < Emax`` and is 0 elsewhere. Both are evaluated. EblAtten needs the EBL
optical-depth tables of the IRB::EblAtten library (celestialSources/eblAtten: most models are
C arrays compiled into IRB_routines.cxx, not files a user has), so it is read and written
losslessly but refuses to be evaluated. DMFitFunction is evaluated once its yield table
(the ``file`` attribute, gammamc_dif.dat of the Fermitools' Likelihood data) is loaded
(core/spectra/dmfit.py). The inner functions allowed are those Likelihood registers
(src/AppHelpers.cxx ``addFunctionPrototypes``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from xlat.core.parameters import ParamSpec
from xlat.core.spectra.base import SpectralFunction
from xlat.core.spectra.dmfit import DMFitTable, dmfit_spectrum

_BAND_INNER = ("PowerLaw2", "BrokenPowerLaw2", "LogParabola", "BandFunction", "SmoothBrokenPowerLaw",
               "FileFunction", "ExpCutoff", "BPLExpCutoff", "PLSuperExpCutoff", "PLSuperExpCutoff2",
               "PLSuperExpCutoff3", "PLSuperExpCutoff4", "BrokenPowerLaw3", "ExpCutoffSEDPeak")


class Wrapper(SpectralFunction):
    """A function ``prefix::Inner`` whose parameters are Inner's followed by its own."""

    prefix: ClassVar[str] = ""
    own_specs: ClassVar[tuple[ParamSpec, ...]] = ()
    allowed_inner: ClassVar[tuple[str, ...]] = ()

    def __init__(self, inner: SpectralFunction, params=None):
        self.inner = inner
        self._specs = inner.param_specs() + self.own_specs
        if params is None:
            params = list(inner.params) + [spec.make() for spec in self.own_specs]
        super().__init__(params)
        self.xml_type = f"{self.prefix}::{inner.xml_type}"
        self.label = self.xml_type

    @property
    def type_label(self) -> str:
        return self.xml_type

    def param_specs(self):
        return self._specs

    @property
    def norm(self):
        return self.inner.norm

    @property
    def n_inner(self) -> int:
        return len(self.inner.params)

    def _clone_with(self, params):
        inner = self.inner._clone_with(params[:self.n_inner])
        return type(self)(inner, params)

    def _features(self, p):
        return self.inner._features(p[:self.n_inner])

    @property
    def file(self):
        return getattr(self.inner, "file", None)


class ScaleFactor(Wrapper):
    """``ScaleFactor * F(E)``."""

    prefix = "ScaleFactor"
    own_specs = (ParamSpec("ScaleFactor", 1.0),)
    allowed_inner = ("FileFunction", "PowerLaw2", "PLSuperExpCutoff", "PLSuperExpCutoff2", "PLSuperExpCutoff3",
                     "PLSuperExpCutoff4", "BrokenPowerLaw2", "BrokenPowerLaw3", "LogParabola", "BandFunction",
                     "SmoothBrokenPowerLaw", "ExpCutoff", "ExpCutoffSEDPeak", "BPLExpCutoff", "Gaussian")

    def _evaluate(self, e, p, grad):
        factor = p[-1]
        value, inner_grad = self.inner._evaluate(e, p[:-1], grad)
        if not grad:
            return factor * value, None
        return factor * value, np.concatenate([factor * inner_grad, value[None]], axis=0)


class EnergyBand(Wrapper):
    """``F(E)`` for ``Emin <= E < Emax``, 0 elsewhere (Emin, Emax always fixed)."""

    prefix = "EnergyBand"
    own_specs = (ParamSpec("Emin", 100.0, free=False, always_fixed=True),
                 ParamSpec("Emax", 3e5, free=False, always_fixed=True))
    allowed_inner = _BAND_INNER

    def _evaluate(self, e, p, grad):
        emin, emax = p[-2], p[-1]
        inside = (e >= emin) & (e < emax)
        value, inner_grad = self.inner._evaluate(e, p[:-2], grad)
        value = np.where(inside, value, 0.0)
        if not grad:
            return value, None
        # the band edges are steps: the derivative w.r.t. Emin/Emax is 0 away from them
        zeros = np.zeros((2,) + e.shape)
        return value, np.concatenate([np.where(inside, inner_grad, 0.0), zeros], axis=0)

    def _features(self, p):
        return super()._features(p) + [p[-2], p[-1]]


class EblAtten(Wrapper):
    """``F(E) exp(-tau_norm tau(E, z))``: read and written, not evaluated (no EBL tables)."""

    prefix = "EblAtten"
    own_specs = (ParamSpec("tau_norm", 1.0), ParamSpec("redshift", 0.0, free=False),
                 ParamSpec("ebl_model", 0.0, free=False))
    allowed_inner = _BAND_INNER
    evaluable = False

    def unsupported_reason(self) -> str:
        return ("it needs the EBL optical-depth tables of the IRB::EblAtten library (celestialSources/eblAtten), "
                "most of them compiled into its C++ source rather than files xlat could read")


class DMFitFunction(SpectralFunction):
    """Dark-matter annihilation spectrum (core/spectra/dmfit.py); evaluated once ``table`` is loaded."""

    type_name = "DMFitFunction"
    specs = (ParamSpec("norm", 1.0, free=False), ParamSpec("sigmav", 1.0), ParamSpec("mass", 100.0),
             ParamSpec("bratio", 1.0), ParamSpec("channel0", 1.0, free=False, always_fixed=True),
             ParamSpec("channel1", 1.0, free=False, always_fixed=True))
    norm_name = "norm"

    def __init__(self, params=None, file: str | None = None, table: DMFitTable | None = None, **values):
        super().__init__(params, **values)
        self.file = file
        self.table = table

    @property
    def evaluable(self) -> bool:  # type: ignore[override]
        return self.table is not None

    def unsupported_reason(self) -> str:
        return (f"its DMFit yield table ({self.file or '$(LIKELIHOODDATAPATH)/gammamc_dif.dat'}, the Fermitools' "
                "gammamc_dif.dat) was not loaded")

    def _evaluate(self, e, p, grad):
        assert self.table is not None
        return dmfit_spectrum(self.table, e, p, grad)

    def _features(self, p):
        return [float(p[2]) * 1000.0]  # the spectrum ends at E = mass

    def _clone_with(self, params):
        return DMFitFunction(params, file=self.file, table=self.table)
