"""Simple spectra: ConstantValue, Gaussian, LogNormal and the AbsEdge factor (reference §11).

Formulas follow optimizers:src/ConstantValue.h, Gaussian.cxx, AbsEdge.cxx and
Likelihood:src/LogNormal.cxx.
"""

from __future__ import annotations

import math

import numpy as np

from xlat.core.parameters import ParamSpec
from xlat.core.spectra.base import SpectralFunction, stack_rows

_SQRT_2PI = math.sqrt(2.0 * math.pi)
_LN10 = math.log(10.0)


class ConstantValue(SpectralFunction):
    """An energy-independent ``Value`` (as a spectrum; also the isotropic spatial model)."""

    type_name = "ConstantValue"
    specs = (ParamSpec("Value", 1.0),)
    norm_name = "Value"

    def _evaluate(self, e, p, grad):
        value = np.full(e.shape, p[0])
        if not grad:
            return value, None
        return value, np.ones((1,) + e.shape)

    def _analytic_flux(self, emin, emax, energy, gradient):
        width = (emax**2 - emin**2) / 2.0 if energy else emax - emin
        flux = self.true_values()[0] * width
        return flux, (np.array([width]) if gradient else None)


class Gaussian(SpectralFunction):
    """A line: ``Prefactor/(sqrt(2 pi) Sigma) exp(-(E - Mean)^2/(2 Sigma^2))``; Prefactor is its integral."""

    type_name = "Gaussian"
    specs = (ParamSpec("Prefactor", 1.0), ParamSpec("Mean", 150.0), ParamSpec("Sigma", 15.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, mean, sigma = p
        z = (e - mean) / sigma
        shape = np.exp(-z * z / 2.0) / (_SQRT_2PI * sigma)
        value = n * shape
        if not grad:
            return value, None
        return value, stack_rows([shape, value * z / sigma, value / sigma * (z * z - 1.0)], e.shape)

    def _features(self, p):
        _, mean, sigma = p
        points = mean + abs(sigma) * np.arange(-12.0, 12.5, 0.5)
        return [float(x) for x in points if x > 0]


class LogNormal(SpectralFunction):
    """``Pref ln10/(sqrt(2 pi) E sigma) exp(-(log10 E - mu)^2/(2 sigma^2))``."""

    type_name = "LogNormal"
    specs = (ParamSpec("Prefactor", 1.0), ParamSpec("Log10_Mean", 3.0), ParamSpec("Log10_Sigma", 2.0))
    norm_name = "Prefactor"

    def _evaluate(self, e, p, grad):
        n, mu, sigma = p
        z = (np.log10(e) - mu) / sigma
        shape = _LN10 / (_SQRT_2PI * sigma) / e * np.exp(-z * z / 2.0)
        value = n * shape
        if not grad:
            return value, None
        return value, stack_rows([shape, value * z / sigma, value / sigma * (z * z - 1.0)], e.shape)

    def _features(self, p):
        _, mu, sigma = p
        return [float(10.0 ** (mu + abs(sigma) * k)) for k in np.arange(-12.0, 12.5, 0.5)]


class AbsEdge(SpectralFunction):
    """A multiplicative absorption edge: 1 below E0, ``exp(-Tau0 (E/E0)^Index)`` above."""

    type_name = "AbsEdge"
    specs = (ParamSpec("Tau0", 1.0), ParamSpec("E0", 1.0), ParamSpec("Index", -3.0))
    norm_name = None

    def _evaluate(self, e, p, grad):
        tau0, e0, index = p
        above = e >= e0
        lx = np.log(e / e0)
        u = np.exp(index * lx)
        value = np.where(above, np.exp(-tau0 * u), 1.0)
        if not grad:
            return value, None
        live = np.where(above, value, 0.0)
        rows = [-live * u, live * tau0 * u * index / e0, -live * tau0 * u * lx]
        return value, stack_rows(rows, e.shape)

    def _features(self, p):
        return [p[1]]
