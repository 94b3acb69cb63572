"""Unit conventions used everywhere in xlat.

Energies are MeV, angles degrees at API boundaries (radians only inside numeric
kernels), areas cm^2, times Mission Elapsed Time (MET) seconds, solid angles sr,
exposures cm^2 s. EBOUNDS tables in FITS files are keV (gtbin's layout).
"""

from __future__ import annotations

import math

MJDREFI = 51910
MJDREFF = 7.428703703703703e-4
"""Fermi MET epoch: MET 0 = 2001-01-01T00:00:00 UTC, as MJD (TT) integer and fraction."""

KEV_PER_MEV = 1000.0
DEG_PER_RAD = 180.0 / math.pi
RAD_PER_DEG = math.pi / 180.0
SR_PER_DEG2 = RAD_PER_DEG**2
CM2_PER_M2 = 1.0e4
FULL_SKY_DEG2 = 4.0 * math.pi * DEG_PER_RAD**2
"""Area of the full sky in deg^2 (41252.96)."""
