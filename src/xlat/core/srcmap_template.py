"""Template sampling for diffuse source maps: samplers over the working grid and template rebinning.

A sampler is prepared once for the directions of a working grid and then asked for the
intensity (sr^-1 per unit spectrum) at each source-map energy, so that bilinear stencils of a
map cube are computed once per grid (reference §7.2 step 4, WcsMap2::operator()).

``rebin_template`` is WcsMap2::rebin(factor, average=true) as PSFUtils::rebinDiffuseMap applies
it to templates finer than min(minbinsz, counts-map pixel): the reference direction is kept,
``CRPIX' = (CRPIX - 1/2)/f + 1/2``, ``CDELT' = f CDELT``, the axes padded up to a multiple of f,
and each new pixel is the solid-angle-weighted mean of its f x f pixels (WcsMap2 pixel solid
angles). The sums are done in float64 here (the tool adds in float32): differences ~1e-7.
HEALPix templates are degraded instead (HealpixProjMap::rebin).
"""

from __future__ import annotations

import copy
import math
from typing import Any, Protocol

import numpy as np

from xlat.core.healpix_template import HealpixTemplate
from xlat.core.sky_template import PlaneTemplate, SkyTemplate
from xlat.core.types import FloatArray


class Sampler(Protocol):
    """Intensity of one source at prepared directions."""

    def prepare(self, ra_deg: FloatArray, dec_deg: FloatArray) -> Any: ...

    def sample(self, prepared: Any, energy_mev: float) -> FloatArray: ...


class ConstantSampler:
    """ConstantValue: the same value everywhere."""

    def __init__(self, value: float) -> None:
        self.value = float(value)

    def prepare(self, ra_deg: FloatArray, dec_deg: FloatArray) -> Any:
        return np.shape(ra_deg)

    def sample(self, prepared: Any, energy_mev: float) -> FloatArray:
        return np.full(prepared, self.value)


class TemplateSampler:
    """MapCubeFunction (``scale x cube(n, E)``) or SpatialMap (``scale x map(n)``) of a WCS/HEALPix template."""

    def __init__(self, template: PlaneTemplate, scale: float, energy_dependent: bool) -> None:
        self.template = template
        self.scale = float(scale)
        self.energy_dependent = energy_dependent

    def prepare(self, ra_deg: FloatArray, dec_deg: FloatArray) -> Any:
        return self.template.weights(np.asarray(ra_deg), np.asarray(dec_deg), "CEL")

    def sample(self, prepared: Any, energy_mev: float) -> FloatArray:
        if self.energy_dependent:
            values = self.template.interpolate(prepared, [energy_mev])[0]
        else:
            values = self.template.values_at_planes(prepared, [0])[0]
        return self.scale * values

    @property
    def pixel_size(self) -> float:
        return float(self.template.pixel_size)


class FunctionSampler:
    """Any spatial model with ``value(ra, dec, energies)`` (e.g. RadialProfile), evaluated directly."""

    def __init__(self, spatial: Any) -> None:
        self.spatial = spatial

    def prepare(self, ra_deg: FloatArray, dec_deg: FloatArray) -> Any:
        return np.asarray(ra_deg), np.asarray(dec_deg)

    def sample(self, prepared: Any, energy_mev: float) -> FloatArray:
        ra, dec = prepared
        return np.asarray(self.spatial.value(ra, dec, np.array([energy_mev])), dtype=np.float64)[0]


def rebin_factor(template_pixel: float, minbinsz: float, cmap_pixel: float) -> int:
    """PSFUtils::rebinDiffuseMap: int(min(minbinsz, cmap pixel) / template pixel) if the template is finer."""
    bound = min(minbinsz, cmap_pixel)
    if template_pixel < bound:
        factor = int(bound / template_pixel)
        return max(1, factor)
    return 1


def rebin_template(template: PlaneTemplate, factor: int) -> PlaneTemplate:
    """The template rebinned by ``factor``: WcsMap2::rebin (solid-angle-weighted averaging) or
    HealpixProjMap::rebin (nside / factor, see HealpixTemplate.degraded)."""
    if factor <= 1:
        return template
    if isinstance(template, HealpixTemplate):
        return template.degraded(factor)
    assert isinstance(template, SkyTemplate)
    n, ny, nx = template.data.shape
    nyp, nxp = math.ceil(ny / factor) * factor, math.ceil(nx / factor) * factor
    omega = np.zeros((nyp, nxp))
    omega[:ny, :nx] = template.solid_angles().astype(np.float64)
    weights = omega.reshape(nyp // factor, factor, nxp // factor, factor).sum(axis=(1, 3))
    data = np.zeros((n, nyp, nxp))
    data[:, :ny, :nx] = template.data.astype(np.float64) * omega[None, :ny, :nx]
    sums = data.reshape(n, nyp // factor, factor, nxp // factor, factor).sum(axis=(2, 4))
    with np.errstate(divide="ignore", invalid="ignore"):
        rebinned = np.where(weights > 0, sums / np.where(weights > 0, weights, 1.0), 0.0)
    wcs = copy.deepcopy(template.wcs)
    crpix = wcs.wcs.crpix
    wcs.wcs.crpix = [(crpix[0] - 0.5) / factor + 0.5, (crpix[1] - 0.5) / factor + 0.5]
    wcs.wcs.cdelt = [c * factor for c in wcs.wcs.cdelt]
    wcs.wcs.set()
    return SkyTemplate(
        rebinned.astype(np.float32),
        wcs,
        template.coordsys,
        template.energies,
        f"{template.source} (rebinned x{factor})",
    )
