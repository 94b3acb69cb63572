"""core/srcmap_weights.py: WeightMap's resampling rules on small synthetic maps (reference §9.3)."""

from __future__ import annotations

import numpy as np
from astropy.wcs import WCS

from xlat.core.sky_template import SkyTemplate
from xlat.core.srcmap_weights import weights_on_grid


def template(n_planes: int, energies=None) -> SkyTemplate:
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["GLON-CAR", "GLAT-CAR"]
    wcs.wcs.crpix = [2.5, 2.5]
    wcs.wcs.crval = [0.0, 0.0]
    wcs.wcs.cdelt = [-1.0, 1.0]
    base = np.arange(16, dtype=np.float32).reshape(4, 4) + 1.0
    data = base[None] * np.arange(1, n_planes + 1)[:, None, None]
    return SkyTemplate(data.astype(np.float32), wcs, "GAL", energies)


def test_rounded_pixel_inside_and_one_outside():
    t = template(2, np.array([100.0, 1000.0]))
    # pixel 1-based x = 2.5 - lon, y = 2.5 + lat; x = 1.49 rounds to pixel 1, x = 1.5 to pixel 2 (my_round)
    lon = np.array([1.01, 1.0, 0.0, 5.0])
    lat = np.array([0.0, 0.0, 0.0, 0.0])
    w, extrapolated = weights_on_grid(t, lon, lat, "GAL", np.array([100.0, 1000.0]))
    # y = 2.5 rounds to row 3 (0-based 2); x = 1.49, 1.5, 2.5 round to columns 1, 2, 3: values 1 + 4 * 2 + ix
    plane0 = np.array([9.0, 10.0, 11.0])
    # the bin's centre energy sqrt(100 x 1000) MeV, power law between plane values y and 2 y: y sqrt(2)
    assert np.allclose(w[0, :3], (plane0 * np.sqrt(2.0)).astype(np.float32), rtol=1e-7, atol=0)
    assert w[0, 3] == 1.0 and extrapolated  # lon 5 deg is outside the 4-pixel map


def test_two_dimensional_map_gives_weight_one_everywhere():
    # WcsMap2 gives a 2-D map the single energy 100 MeV and WeightMap enforces the energy range
    w, extrapolated = weights_on_grid(template(1), np.array([0.0]), np.array([0.0]), "GAL",
                                      np.array([200.0, 400.0]))
    assert np.all(w == 1.0) and extrapolated
