"""Brent root bracketing as st_facilities::RootFinder runs it (GSL's ``brent`` solver).

MeanPsf::containmentRadius finds the root of ``integral(theta) - frac`` on [0, 180] deg with
a *relative* interval tolerance (1e-3 by default) and no absolute one; the answer decides
the size of gtsrcmaps's diffuse working grid (reference §7.2 step 3), so the same iteration
(inverse quadratic interpolation with bisection fall-back, the same stopping rule and the
same returned estimate) is used rather than a more precise solver.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

_EPS = sys.float_info.epsilon


def _same_sign(a: float, b: float) -> bool:
    return (a < 0.0 and b < 0.0) or (a > 0.0 and b > 0.0)


def _converged(lower: float, upper: float, atol: float, rtol: float) -> bool:
    if (lower > 0.0 and upper > 0.0) or (lower < 0.0 and upper < 0.0):
        min_abs = min(abs(lower), abs(upper))
    else:
        min_abs = 0.0
    return abs(upper - lower) < atol + rtol * min_abs


def brent_root(
    func: Callable[[float], float],
    lower: float,
    upper: float,
    target: float = 0.0,
    rtol: float = 1e-3,
    atol: float = 0.0,
    max_iter: int = 100,
) -> float:
    """Root of ``func(x) = target`` bracketed by [lower, upper] (GSL brent + gsl_root_test_interval)."""

    def f(x: float) -> float:
        return func(x) - target

    a, b = lower, upper
    fa, fb = f(a), f(b)
    c, fc = b, fb
    d = e = b - a
    root = 0.5 * (a + b)
    for _ in range(max_iter):
        ac_equal = False
        if _same_sign(fb, fc):
            ac_equal = True
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            ac_equal = True
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 0.5 * _EPS * abs(b)
        m = 0.5 * (c - b)
        if fb == 0.0:
            return b
        if abs(m) <= tol:
            return b
        if abs(e) < tol or abs(fa) <= abs(fb):
            d = e = m
        else:
            s = fb / fa
            if ac_equal:
                p = 2.0 * m * s
                q = 1.0 - s
            else:
                q0 = fa / fc
                r = fb / fc
                p = s * (2.0 * m * q0 * (q0 - r) - (b - a) * (r - 1.0))
                q = (q0 - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            if 2.0 * p < min(3.0 * m * q - abs(tol * q), abs(e * q)):
                e = d
                d = p / q
            else:
                d = e = m
        a, fa = b, fb
        b += d if abs(d) > tol else (tol if m > 0.0 else -tol)
        fb = f(b)
        root = b
        other = a if _same_sign(fb, fc) else c  # bracket reported to the caller only
        lo, hi = (b, other) if b < other else (other, b)
        if _converged(lo, hi, atol, rtol):
            return root
    return root
