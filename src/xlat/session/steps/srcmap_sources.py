"""The sources of a model as the source-map code needs them: kind, position, sampler, flags.

``kind`` is 'point' (PSF path), 'template' (FFT path: ConstantValue, MapCubeFunction,
SpatialMap, RadialProfile) or 'radial' (RadialGaussian / RadialDisk analytic path). Map-based
templates finer than min(minbinsz, counts-map pixel) are rebinned as gtsrcmaps does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xlat.core.source_model import Source, SourceModel
from xlat.core.spatial import ConstantValue, MapCubeFunction, RadialDisk, RadialGaussian, SpatialMap
from xlat.core.srcmap_template import (
    ConstantSampler,
    FunctionSampler,
    Sampler,
    TemplateSampler,
    rebin_factor,
    rebin_template,
)
from xlat.errors import ModelError


@dataclass(frozen=True)
class MapSource:
    """One source for source maps."""

    name: str
    kind: str
    spatial_type: str
    ra: float = float("nan")
    dec: float = float("nan")
    sampler: Sampler | None = None
    template_pixel: float | None = None
    apply_psf: bool = True
    apply_exposure: bool = True
    apply_edisp: bool = True
    radial_shape: str = ""
    radial_size: float = 0.0

    @property
    def is_point(self) -> bool:
        return self.kind == "point"


def needs_template(source: Source) -> bool:
    return hasattr(source.spatial, "template")


def map_source(source: Source, minbinsz: float = 0.1, cmap_pixel: float = 0.0) -> MapSource:
    """The MapSource of a model source (its template, if any, must be loaded)."""
    flags: dict[str, Any] = {
        "apply_psf": source.apply_psf,
        "apply_exposure": source.apply_exposure,
        "apply_edisp": source.apply_edisp,
    }
    spatial = source.spatial
    stype = spatial.type_name if spatial is not None else source.kind
    if source.kind == "CompositeSource":
        raise ModelError(
            f"source '{source.name}': a CompositeSource map is the sum of its members' maps, made by "
            "'xlat srcmaps' (or 'xlat model'); make the srcmaps file with it first"
        )
    if source.is_point:
        ra, dec = source.position  # type: ignore[misc]
        return MapSource(source.name, "point", stype, ra, dec, **flags)
    if isinstance(spatial, (RadialGaussian, RadialDisk)):
        ra, dec = spatial.center
        shape = "gaussian" if isinstance(spatial, RadialGaussian) else "disk"
        return MapSource(
            source.name,
            "radial",
            stype,
            ra,
            dec,
            radial_shape=shape,
            radial_size=float(spatial.params[2].value),
            **flags,
        )
    if isinstance(spatial, ConstantValue):
        return MapSource(
            source.name, "template", stype, sampler=ConstantSampler(spatial.params[0].true_value), **flags
        )
    if isinstance(spatial, (MapCubeFunction, SpatialMap)):
        template = spatial.require_template()
        factor = rebin_factor(template.pixel_size, minbinsz, cmap_pixel)
        template = rebin_template(template, factor)
        sampler = TemplateSampler(
            template, spatial.params[0].true_value, isinstance(spatial, MapCubeFunction)
        )
        return MapSource(
            source.name, "template", stype, sampler=sampler, template_pixel=sampler.pixel_size, **flags
        )
    return MapSource(source.name, "template", stype, sampler=FunctionSampler(spatial), **flags)


def model_sources(model: SourceModel) -> list[Source]:
    """Sources in gtlike (name) order."""
    return [model[name] for name in model.sorted_names]


def planes_needed(source: Source, n_bins: int, edisp_bins: int) -> int:
    """Planes of the source's map: n_bins + 1 + 2 edisp_bins, without the extra ones if apply_edisp=false."""
    return n_bins + 1 + (2 * max(edisp_bins, 0) if source.apply_edisp else 0)
