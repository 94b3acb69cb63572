"""Scalar IRF functions compiled with numba, shared by the vectorised code and the quadrature.

King PSF (latResponse Psf2/Psf3, reference §4.5) and the Pass 8 / Pass 7 energy-dispersion
shapes (Edisp3 "thibaut" function, Edisp2 "old" function, reference §4.6). Every function
keeps the tools' operation order so that results agree to the last bits.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def king_base(u: float, gamma: float) -> float:
    """K(u, g) = (1 - 1/g) (1 + u/g)^-g; g == 1 replaced by 1.001 (Psf2::psf_base_function)."""
    if gamma == 1.0:
        gamma = 1.001
    return (1.0 - 1.0 / gamma) * math.pow(1.0 + u / gamma, -gamma)


@njit(cache=True)
def king_base_integral(u: float, gamma: float) -> float:
    """1 - (1 + u/g)^(1-g) (Psf2::psf_base_integral)."""
    return 1.0 - math.pow(1.0 + u / gamma, 1.0 - gamma)


@njit(cache=True)
def psf_scale(energy: float, c0: float, c1: float, index: float) -> float:
    """S_P(E) = sqrt((c0 (E/100)^index)^2 + c1^2) in radians (PsfBase::scaleFactor)."""
    tt = math.pow(energy / 100.0, index)
    a = c0 * tt
    return math.sqrt(a * a + c1 * c1)


@njit(cache=True)
def king_psf(sep: float, ncore: float, ntail: float, score: float, stail: float,
             gcore: float, gtail: float) -> float:
    """Double King value at separation ``sep`` (rad) with scaled widths (Psf2::psf_function)."""
    rc = sep / score
    uc = rc * rc / 2.0
    rt = sep / stail
    ut = rt * rt / 2.0
    return ncore * king_base(uc, gcore) + ntail * ncore * king_base(ut, gtail)


@njit(cache=True)
def king_node(energy: float, sep: float, pars: object, c0: float, c1: float, index: float) -> float:
    """Psf3::evaluate: the King function of a table node, widths scaled at the node energy."""
    sf = psf_scale(energy, c0, c1, index)
    return king_psf(sep, pars[0], pars[1], pars[2] * sf, pars[3] * sf, pars[4], pars[5])


@njit(cache=True)
def king_node_integral(energy: float, radius_deg: float, pars: object, c0: float, c1: float,
                       index: float) -> float:
    """Psf3::psf_base_integral: flat-sky integral of a node's King function out to ``radius_deg``."""
    sf = psf_scale(energy, c0, c1, index)
    score = pars[2] * sf
    stail = pars[3] * sf
    sep = radius_deg * math.pi / 180.0
    rc = sep / score
    uc = rc * rc / 2.0
    rt = sep / stail
    ut = rt * rt / 2.0
    return (pars[0] * king_base_integral(uc, pars[4]) * 2.0 * math.pi * (score * score)
            + pars[1] * pars[0] * king_base_integral(ut, pars[5]) * 2.0 * math.pi * (stail * stail))


@njit(cache=True)
def gammln(x: float) -> float:
    """ln Gamma(x) by the 6-term Lanczos series Edisp3 uses (not the exact lgamma)."""
    cof0, cof1, cof2 = 76.18009173, -86.50532033, 24.01409822
    cof3, cof4, cof5 = -1.231739516, 0.120858003e-2, -0.536382e-5
    x -= 1.0
    tmp = x + 5.5
    tmp -= (x + 0.5) * math.log(tmp)
    s = 1.0
    x += 1.0
    s += cof0 / x
    x += 1.0
    s += cof1 / x
    x += 1.0
    s += cof2 / x
    x += 1.0
    s += cof3 / x
    x += 1.0
    s += cof4 / x
    x += 1.0
    s += cof5 / x
    return -tmp + math.log(2.50662827465 * s)


@njit(cache=True)
def thibaut_base(xx: float, sigma: float, kk: float, bb: float, pp: float) -> float:
    """Edisp3::thibaut_base_function: an asymmetric generalised Gaussian in the scaled deviation."""
    uu = xx - bb
    uup = uu if uu >= 0.0 else 0.0
    uum = -uu if uu <= 0.0 else 0.0
    gamma_1p = math.exp(gammln(1.0 / pp))
    exp_pp = math.exp(-math.pow(kk * uup / sigma, pp))
    exp_mp = math.exp(-math.pow(uum / kk / sigma, pp))
    return pp / sigma / gamma_1p * kk / (1.0 + kk * kk) * exp_pp * exp_mp


@njit(cache=True)
def thibaut(xx: float, p: object) -> float:
    """Edisp3 density in x: F g(S1,K1,BIAS,PINDEX1) + (1-F) g(S2,K2,BIAS2,PINDEX2); p in file order."""
    return (p[0] * thibaut_base(xx, p[1], p[2], p[3], p[7])
            + (1.0 - p[0]) * thibaut_base(xx, p[5], p[6], p[4], p[8]))


@njit(cache=True)
def edisp2_shape(xx: float, p: object, p1: float, p2: float, t0: float) -> float:
    """Edisp2::old_function (Pass 7): NORM, LS1, RS1, BIAS, LS2, RS2 in p; exponents p1, p2, break t0."""
    tt = abs(xx - p[3])
    s1 = p[1]
    s2 = p[4]
    if xx > p[3]:
        s1 = p[2]
        s2 = p[5]
    g1 = math.exp(-0.5 * math.pow(tt / s1, p1))
    g2 = math.exp(-0.5 * math.pow(tt / s2, p2))
    nscale = math.exp(0.5 * (math.pow(t0 / s2, p2) - math.pow(t0 / s1, p1)))
    if tt > t0:
        return p[0] * nscale * g2
    return p[0] * g1


@njit(cache=True)
def edisp_scale(logE: float, costh: float, s: object) -> float:
    """S_D = s0 L^2 + s1 c^2 + s2 L + s3 c + s4 L c + s5 with c = |cos theta| (Edisp3::scaleFactor)."""
    c = abs(costh)
    return s[0] * logE * logE + s[1] * c * c + s[2] * logE + s[3] * c + s[4] * logE * c + s[5]
