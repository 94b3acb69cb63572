"""A smooth synthetic Galactic diffuse intensity: the demo's STAND-IN for gll_iem_v07.

This is **not** the LAT Galactic interstellar emission model (which the demo cannot ship): a
thin disc concentrated towards the inner Galaxy plus a broad halo, with one curved spectrum,

    I(l, b, E) = K(E) x (0.7 + 9 exp(-|b|/6) (1 + cos l)/2 + 1.5 exp(-|b|/20)),
    K(E) = 1.5e-7 (E/100 MeV)^-(2.4 + 0.06 ln(E/100 MeV))   ph cm^-2 s^-1 sr^-1 MeV^-1,

normalised so that around 3C 279 (l = 305, b = +57 deg) it is about as bright as the
isotropic background at 100 MeV, as the real model is at high latitudes.
"""

from __future__ import annotations

import numpy as np

from xlat.core.types import FloatArray

K100 = 1.5e-7
ENERGIES = np.geomspace(50.0, 1.0e6, 16)
"""MeV: the planes of the stand-in map cube."""


def spectrum(energy_mev: FloatArray) -> FloatArray:
    """K(E), ph cm^-2 s^-1 sr^-1 MeV^-1."""
    x = np.log(np.asarray(energy_mev, dtype=np.float64) / 100.0)
    return K100 * np.exp(-(2.4 + 0.06 * x) * x)


def spatial(glon: FloatArray, glat: FloatArray) -> FloatArray:
    """The dimensionless sky shape (1 + ... as in the module docstring)."""
    b = np.abs(np.asarray(glat, dtype=np.float64))
    return 0.7 + 9.0 * np.exp(-b / 6.0) * (1.0 + np.cos(np.radians(glon))) / 2.0 + 1.5 * np.exp(-b / 20.0)


def cube(glon: FloatArray, glat: FloatArray, energies: FloatArray = ENERGIES) -> FloatArray:
    """Intensity (n_energies,) + direction shape."""
    return spectrum(energies)[(...,) + (None,) * np.ndim(glon)] * spatial(glon, glat)[None]
