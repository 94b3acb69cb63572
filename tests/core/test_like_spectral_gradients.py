"""Analytic ln L gradient against finite differences for every spectral model inside the full likelihood.

The Crab of the crab1day set (today's gtsrcmaps map, MANIFEST §9) gets each spectral function
of tests/core/spectra_cases.py with every parameter free that the tools allow to be free,
its map scaled to ~300 predicted counts. Reference §9.4: the gradient is the same log-log
quadrature with dF/dθ in place of F. A break that falls exactly on a source-map plane energy
is a kink of ln L (left and right derivatives differ), so such breaks are moved off the plane.
"""

from __future__ import annotations

import numpy as np
import pytest
from like_helpers import crab_inputs
from spectra_cases import all_cases, make, CASES

from xlat.core.likelihood import BinnedLikelihood


KINKS = ("BreakValue", "Break0", "Break1", "Break2", "E0", "Ebreak", "Eabs")


def _setup(type_name: str, k: int) -> BinnedLikelihood:
    data, model, maps = crab_inputs()
    spectrum = make(type_name, CASES[type_name][k])
    spectrum.label = "Crab"
    model["Crab"].spectrum = spectrum
    for p in spectrum.params:
        p.min = p.max = 0.0  # unbounded: the finite differences may step anywhere
        p.free = not p.always_fixed
        if p.name in KINKS and np.min(np.abs(data.edges / p.true_value - 1.0)) < 1e-6:
            p.value *= 1.031
    model.set_free("Extragal_diffuse:Normalization", True)
    npred = BinnedLikelihood(data, model, maps).npred("Crab")
    assert npred > 0
    maps["Crab"] = (maps["Crab"] * (300.0 / npred)).astype(np.float32)
    return BinnedLikelihood(data, model, maps)


@pytest.mark.parametrize("type_name,k", all_cases())
def test_loglike_gradient_matches_finite_differences(type_name, k):
    like = _setup(type_name, k)
    x = like.layout.values()
    grad = like.gradient(x)
    curvature = np.abs(np.diag(like.hessian(x)))
    for i, name in enumerate(like.free_names):
        # a step of 1e-4 standard deviations (1/sqrt of the curvature) keeps both truncation and rounding small
        h = 1e-3 * abs(x[i]) if x[i] != 0 else 1e-6
        if curvature[i] > 0:
            h = min(h, 1e-4 / np.sqrt(curvature[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        fd = (like.log_like(up) - like.log_like(down)) / (2 * h)
        # tolerance: 1e-4 of the gradient per standard deviation of the parameter (sqrt of the curvature)
        scale = max(abs(fd), np.sqrt(curvature[i]), 1e-6)
        assert abs(grad[i] - fd) <= 1e-4 * scale, f"{name}: analytic {grad[i]:.8g} vs finite differences {fd:.8g}"
