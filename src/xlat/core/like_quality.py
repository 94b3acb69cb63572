"""gtlike's ``check_fit``: energy bands where the observed counts disagree with the model.

Likelihood:src/likelihood/likelihood.cxx ``printFitQuality`` and src/likelihood/MathUtil.cxx
``poissonSig``. For each energy bin with counts n and model mean μ:

* n > 0: the two-sided Poisson probability ``poissonSig(n, μ)`` against a threshold 0.05
  (μ < n: ``1 - Q(n, μ) + Q(n, 2n - μ)``; else ``Q(n, μ) + 1 - Q(n, 2n - μ)`` when 2n - μ > 0,
  otherwise ``Q(n, μ)``; Q the regularised upper incomplete gamma function);
* n = 0, μ > 0: ``1/μ`` against 0.5; n = μ = 0: always fine.

Runs of adjacent bins below threshold are reported as ``[E_lo, E_hi]`` (MeV).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincc

from xlat.core.types import FloatArray


def _q(a: float, x: float) -> float:
    """MathUtil::gammq: 0 when x < 0 or a <= 0."""
    if x < 0.0 or a <= 0.0:
        return 0.0
    return float(gammaincc(a, x))


def poisson_significance(n: float, mean: float) -> float:
    """MathUtil::poissonSig(n, mean)."""
    if mean < n:
        return (1.0 - _q(n, mean)) + _q(n, 2.0 * n - mean)
    if 2.0 * n - mean > 0.0:
        return _q(n, mean) + (1.0 - _q(n, 2.0 * n - mean))
    return _q(n, mean)


def bad_fit_ranges(edges_mev: FloatArray, observed: FloatArray, model: FloatArray) -> list[tuple[float, float]]:
    """Energy ranges (MeV) gtlike flags with "WARNING: Fit may be bad in range [a, b] (MeV)"."""
    n_bins = len(observed)
    flags = []
    for n, mu in zip(np.asarray(observed, float), np.asarray(model, float)):
        if n > 0:
            sig, threshold = poisson_significance(n, mu), 0.05
        elif mu > 0:
            sig, threshold = 1.0 / mu, 0.5
        else:
            sig, threshold = 1.0, 0.05
        flags.append(sig < threshold)
    ranges = []
    start = None
    for k in range(n_bins):
        if flags[k] and start is None:
            start = k
        elif not flags[k] and start is not None:
            ranges.append((float(edges_mev[start]), float(edges_mev[k])))
            start = None
    if start is not None:
        ranges.append((float(edges_mev[start]), float(edges_mev[n_bins])))
    return ranges
