"""Spatial models of the Fermitools (reference §12; XML ``<spatialModel type=...>``).

Each model returns, at sky directions, the intensity per unit spectrum in sr^-1 (for a
point source, just its position). Map-based models wrap a WCS or HEALPix template
(:class:`PlaneTemplate`) read by xlat.products.diffuse; until it is attached they can be read, written and fitted from a
srcmaps file, but not evaluated. Conventions kept from the tools:

* ConstantValue (isotropic): ``Value`` everywhere, angular integral 4 pi, radius 180 deg.
* MapCubeFunction: ``Normalization x cube(n, E)``; SpatialMap: ``Prefactor x map(n)`` (first
  plane); their angular integral is the template's map integral (the parameter not applied,
  as DiffuseSource::angularIntegral does).
* RadialGaussian / RadialDisk: RA, DEC, Sigma / Radius read as ``value`` (scale ignored),
  normalised to 1 (angular integral 1); map radius 5 sigma / R.
* RadialProfile: linear in offset with linear extrapolation at both ends; Normalization is
  not applied to the value (RadialProfile.cxx); angular integral = trapezoid of 2 pi sin(t) f(t).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from xlat.core import sky
from xlat.core.parameters import Parameter, ParamSpec
from xlat.core.sky_template import PlaneTemplate
from xlat.core.types import FloatArray
from xlat.errors import ModelError

FOUR_PI = 4.0 * math.pi
DEG2_PER_SR = (180.0 / math.pi) ** 2


class SpatialModel:
    """Base class: parameters in declaration order plus XML bookkeeping."""

    type_name: ClassVar[str] = ""
    specs: ClassVar[tuple[ParamSpec, ...]] = ()
    energy_dependent: ClassVar[bool] = False
    uses_file: ClassVar[bool] = False

    def __init__(self, params: Sequence[Parameter] | None = None, file: str | None = None) -> None:
        if params is None:
            params = [spec.make() for spec in self.specs]
        self.params: list[Parameter] = list(params)
        expected = [s.name for s in self.specs]
        if [p.name for p in self.params] != expected:
            raise ModelError(f"{self.type_name}: parameters {[p.name for p in self.params]} do not match {expected}")
        for spec, param in zip(self.specs, self.params):
            param.always_fixed = spec.always_fixed
        self._by_name = {p.name: p for p in self.params}
        self.file = file
        self.attrs: dict[str, str] = {}
        self.param_order: tuple[str, ...] | None = None
        self.label = self.type_name

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def parameter(self, name: str) -> Parameter:
        try:
            return self._by_name[name]
        except KeyError:
            raise ModelError(f"{self.label}: no spatial parameter {name!r} (known: {', '.join(self.names)})") from None

    def has_parameter(self, name: str) -> bool:
        return name in self._by_name

    @property
    def map_based_integral(self) -> bool:
        """The XML flag, true only for the exact text "true" (SourceFactory.cxx)."""
        return self.attrs.get("map_based_integral", "") == "true"

    def value(self, ra_deg: Any, dec_deg: Any, energies_mev: Any = None, frame: str = "CEL") -> FloatArray:
        """Intensity per unit spectrum (sr^-1) at directions (deg; ``frame`` 'CEL' or 'GAL').

        With ``energies_mev`` the result is (n_energies,) + directions shape, else directions shape.
        """
        raise ModelError(f"{self.label}: {self.type_name} has no intensity to evaluate")

    def angular_integral(self, energies_mev: Any) -> FloatArray:
        """Integral of the intensity over the sky (per unit spectrum), at each energy."""
        raise ModelError(f"{self.label}: {self.type_name} has no angular integral")

    def map_radius(self) -> float:
        """Radius (deg) beyond which the model is 0 (DiffuseSource::computeMapRadius)."""
        return 180.0

    def copy(self) -> SpatialModel:
        clone = type(self)([p.copy() for p in self.params], self.file)
        clone.attrs = dict(self.attrs)
        clone.param_order = self.param_order
        clone.label = self.label
        self._copy_state(clone)
        return clone

    def _copy_state(self, clone: SpatialModel) -> None:
        return None


_RA = ParamSpec("RA", 0.0, free=False, always_fixed=True, min=-360.0, max=360.0)
_DEC = ParamSpec("DEC", 0.0, free=False, always_fixed=True, min=-90.0, max=90.0)


class SkyDirFunction(SpatialModel):
    """The position of a point source (RA, DEC in deg, read from ``value``, scale ignored)."""

    type_name = "SkyDirFunction"
    specs = (_RA, _DEC)

    @property
    def ra(self) -> float:
        return self.params[0].value

    @property
    def dec(self) -> float:
        return self.params[1].value


class ConstantValue(SpatialModel):
    """The isotropic model: ``Value`` everywhere (its sr^-1 lives in the spectrum)."""

    type_name = "ConstantValue"
    specs = (ParamSpec("Value", 1.0),)

    def value(self, ra_deg, dec_deg, energies_mev=None, frame="CEL"):
        ra = np.asarray(ra_deg, dtype=np.float64)
        shape = ra.shape if energies_mev is None else np.shape(energies_mev) + ra.shape
        return np.full(shape, self.params[0].true_value)

    def angular_integral(self, energies_mev):
        return np.full(np.shape(energies_mev), FOUR_PI)


class _MapModel(SpatialModel):
    uses_file = True

    def __init__(self, params=None, file=None, template: PlaneTemplate | None = None):
        super().__init__(params, file)
        self.template = template

    def _copy_state(self, clone):
        clone.template = self.template

    def require_template(self) -> PlaneTemplate:
        if self.template is None:
            raise ModelError(f"{self.label}: template {self.file or '(no file)'} was not loaded")
        return self.template

    def map_radius(self) -> float:
        return self.require_template().map_radius()

    def angular_integral(self, energies_mev):
        return self.require_template().integral(energies_mev)


class MapCubeFunction(_MapModel):
    """A map cube with an ENERGIES table (e.g. gll_iem_v07): ``Normalization x cube(n, E)``."""

    type_name = "MapCubeFunction"
    specs = (ParamSpec("Normalization", 1.0, free=False),)
    energy_dependent = True

    def value(self, ra_deg, dec_deg, energies_mev=None, frame="CEL"):
        template = self.require_template()
        return self.params[0].true_value * template.values(ra_deg, dec_deg, energies_mev, frame)


class SpatialMap(_MapModel):
    """A 2-D template (its first plane): ``Prefactor x map(n)``; not renormalised by the tools."""

    type_name = "SpatialMap"
    specs = (ParamSpec("Prefactor", 1.0, free=False, always_fixed=True),)

    def value(self, ra_deg, dec_deg, energies_mev=None, frame="CEL"):
        template = self.require_template()
        image = self.params[0].true_value * template.values(ra_deg, dec_deg, None, frame)
        if energies_mev is None:
            return image
        return np.broadcast_to(image, np.shape(energies_mev) + image.shape).copy()

    def angular_integral(self, energies_mev):
        template = self.require_template()
        return np.full(np.shape(energies_mev), float(template.plane_integrals()[0]))


class _RadialModel(SpatialModel):
    @property
    def center(self) -> tuple[float, float]:
        return self.params[0].value, self.params[1].value

    def offsets(self, ra_deg: Any, dec_deg: Any, frame: str = "CEL") -> FloatArray:
        """Angular distance (deg) of directions from the centre (RA, DEC)."""
        ra, dec = sky.from_frame(np.asarray(ra_deg, dtype=np.float64), np.asarray(dec_deg, dtype=np.float64), frame)
        ra0, dec0 = self.center
        return sky.angular_separation(ra0, dec0, ra, dec)

    def value(self, ra_deg, dec_deg, energies_mev=None, frame="CEL"):
        image = self.profile(self.offsets(ra_deg, dec_deg, frame))
        if energies_mev is None:
            return image
        return np.broadcast_to(image, np.shape(energies_mev) + image.shape).copy()

    def profile(self, offset_deg: FloatArray) -> FloatArray:
        raise NotImplementedError

    def angular_integral(self, energies_mev):
        return np.ones(np.shape(energies_mev))


class RadialGaussian(_RadialModel):
    """``exp(-d^2/2 sigma^2)/(2 pi sigma^2)`` per deg^2, in sr^-1; normalised to 1."""

    type_name = "RadialGaussian"
    specs = (_RA, _DEC, ParamSpec("Sigma", 1.0, free=False, min=0.0, max=180.0))

    def profile(self, offset_deg):
        sigma = self.params[2].value
        return np.exp(-offset_deg**2 / (2 * sigma**2)) / (2 * math.pi * sigma**2) * DEG2_PER_SR

    def map_radius(self):
        return 5.0 * self.params[2].value


class RadialDisk(_RadialModel):
    """``1/(pi R^2)`` per deg^2 (in sr^-1) for offsets with offset/R < 1; normalised to 1."""

    type_name = "RadialDisk"
    specs = (_RA, _DEC, ParamSpec("Radius", 1.0, free=False, min=0.0, max=180.0))

    def profile(self, offset_deg):
        radius = self.params[2].value
        return np.where(offset_deg / radius < 1.0, DEG2_PER_SR / (math.pi * radius**2), 0.0)

    def map_radius(self):
        return self.params[2].value


@dataclass(frozen=True, eq=False)
class RadialTable:
    """A RadialProfile template: offsets (deg, increasing) and values (sr^-1)."""

    theta_deg: FloatArray
    values: FloatArray
    source: str = "profile"

    def __post_init__(self) -> None:
        if self.theta_deg.size < 2 or self.theta_deg.shape != self.values.shape:
            raise ModelError(f"{self.source}: a radial profile needs at least two (offset, value) rows")
        if np.any(np.diff(self.theta_deg) < 0):
            raise ModelError(f"{self.source}: radial profile offsets must be increasing")


class RadialProfile(_RadialModel):
    """A tabulated radial profile around (RA, DEC); Normalization is not applied (as in the tools)."""

    type_name = "RadialProfile"
    specs = (ParamSpec("Normalization", 1.0, free=False, always_fixed=True, min=0.0, max=10.0), _RA, _DEC)
    uses_file = True

    def __init__(self, params=None, file=None, table: RadialTable | None = None):
        super().__init__(params, file)
        self.table = table

    def _copy_state(self, clone):
        clone.table = self.table

    @property
    def center(self):
        return self.params[1].value, self.params[2].value

    def require_table(self) -> RadialTable:
        if self.table is None:
            raise ModelError(f"{self.label}: radial profile {self.file or '(no file)'} was not loaded")
        return self.table

    def profile(self, offset_deg):
        t = self.require_table()
        k = np.clip(np.searchsorted(t.theta_deg, offset_deg, side="right") - 1, 0, t.theta_deg.size - 2)
        x1, x2 = t.theta_deg[k], t.theta_deg[k + 1]
        return (offset_deg - x1) / (x2 - x1) * (t.values[k + 1] - t.values[k]) + t.values[k]

    def angular_integral(self, energies_mev):
        t = self.require_table()
        x = np.radians(t.theta_deg)
        y = np.sin(x) * t.values * 2.0 * math.pi
        total = float(np.sum((y[1:] + y[:-1]) * np.diff(x)) / 2.0)
        return np.full(np.shape(energies_mev), total)

    def map_radius(self):
        return float(self.require_table().theta_deg[-1])


SPATIAL_TYPES: dict[str, type[SpatialModel]] = {
    cls.type_name: cls
    for cls in (SkyDirFunction, ConstantValue, MapCubeFunction, SpatialMap, RadialGaussian, RadialDisk,
                RadialProfile)
}


def spatial_class(type_name: str) -> type[SpatialModel]:
    try:
        return SPATIAL_TYPES[type_name]
    except KeyError:
        raise ModelError(f"unknown spatial model {type_name!r}; known: {', '.join(SPATIAL_TYPES)}") from None
