"""The source samplers (core.sim_sources) of a gtlike source model.

A source with ``apply_edisp="false"`` (the tutorial's isotropic template, defined in measured
energy) is simulated without energy dispersion.

Point sources (SkyDirFunction), RadialGaussian / RadialDisk, ConstantValue diffuse sources
(uniform within the simulated region), MapCubeFunction and SpatialMap templates (their pixels
within the region) are simulated; each spectrum is evaluated with its current parameter values.
Spectra defined on a table (FileFunction) give no photons outside the table's energy range.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from xlat.core.sim_sources import (
    Component,
    ConeComponent,
    Envelope,
    PointComponent,
    SpectrumSampler,
    TemplateComponent,
)
from xlat.core.sky_template import SkyTemplate
from xlat.core.source_model import Source, SourceModel
from xlat.core.spatial import (
    ConstantValue,
    MapCubeFunction,
    RadialDisk,
    RadialGaussian,
    SkyDirFunction,
    SpatialMap,
)
from xlat.core.types import FloatArray
from xlat.errors import ModelError


def spectrum_values(source: Source, energies: FloatArray) -> FloatArray:
    """dN/dE (ph cm^-2 s^-1 MeV^-1, or per sr for diffuse sources) at energies; 0 where undefined."""
    e = np.asarray(energies, dtype=np.float64)
    try:
        return np.asarray(source.spectrum.value(e), dtype=np.float64)
    except ModelError:
        out = np.zeros(e.shape)
        for i, energy in enumerate(e.ravel()):
            try:
                out.flat[i] = float(np.asarray(source.spectrum.value(np.array([energy])))[0])
            except ModelError:
                out.flat[i] = 0.0
        if not np.any(out > 0):
            raise
        return out


def _dnde(source: Source) -> Callable[[FloatArray], FloatArray]:
    return lambda e: spectrum_values(source, e)


def components_from_model(
    model: SourceModel, envelope: Envelope, center: tuple[float, float], region_radius: float
) -> list[Component]:
    """One sampler per source, in model order. Diffuse sources are simulated within
    ``region_radius`` deg of ``center`` (RA, Dec deg); other sources wherever they are."""
    comps: list[Component] = []
    ra0, dec0 = center
    for source in model:
        spatial = source.spatial
        if isinstance(spatial, SkyDirFunction):
            sampler = SpectrumSampler.build(spectrum_values(source, envelope.edges), envelope)
            comps.append(PointComponent(source.name, spatial.ra, spatial.dec, sampler))
        elif isinstance(spatial, (RadialGaussian, RadialDisk)):
            sampler = SpectrumSampler.build(spectrum_values(source, envelope.edges), envelope)
            ra, dec = spatial.center
            kind = "gauss" if isinstance(spatial, RadialGaussian) else "disk"
            comps.append(PointComponent(source.name, ra, dec, sampler, kind, spatial.params[2].value))
        elif isinstance(spatial, ConstantValue):
            sampler = SpectrumSampler.build(spectrum_values(source, envelope.edges), envelope)
            value = spatial.params[0].true_value
            comps.append(ConeComponent(source.name, ra0, dec0, region_radius, value, sampler))
        elif isinstance(spatial, (MapCubeFunction, SpatialMap)):
            template = spatial.require_template()
            if not isinstance(template, SkyTemplate):
                raise ModelError(f"source {source.name!r}: HEALPix templates cannot be simulated yet "
                                 "(use a WCS map cube)")
            norm = spatial.params[0].true_value
            comps.append(
                TemplateComponent(
                    source.name, template, norm, _dnde(source), ra0, dec0, region_radius, envelope
                )
            )
        else:
            what = "a CompositeSource" if spatial is None else f"spatial model {spatial.type_name}"
            raise ModelError(
                f"source {source.name!r}: {what} cannot be simulated (point sources, "
                "RadialGaussian/RadialDisk, ConstantValue, MapCubeFunction and SpatialMap can)"
            )
        comps[-1].edisp = source.apply_edisp
    return comps
