"""Sources and the source model: the in-memory form of a gtlike XML model (reference §13).

A :class:`SourceModel` keeps sources in file order (for writing) and knows the gtlike
order used for fitting: sources sorted by name as ``std::map`` sorts them (code-point
order), spectral parameters in declaration order (Likelihood:src/SourceModel.cxx
``syncParams``). Spatial parameters are never fitted. Parameters are addressed as
``"<source>:<param>"`` (split at the last ``:``; see :mod:`xlat.core.parameters`).

:class:`FreeLayout` is the fitter's view: the free parameters in gtlike order, and for
each source with free parameters its block of the free vector and the rows of its
spectrum's gradient that belong to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xlat.core.parameters import Parameter, join_reference, split_reference
from xlat.core.spatial import SkyDirFunction, SpatialModel
from xlat.core.spectra.base import SpectralFunction
from xlat.core.types import FloatArray, IntArray
from xlat.errors import ModelError

SOURCE_KINDS = ("PointSource", "DiffuseSource", "CompositeSource")


def _flag(attrs: dict[str, str], key: str) -> bool:
    """The tools' reading of apply_* flags: everything but the text "false" means true."""
    return attrs.get(key, "") != "false"


@dataclass(eq=False)
class Source:
    """One ``<source>``: name, kind, spectrum, spatial model (None for a CompositeSource).

    ``attrs`` holds the other ``<source>`` attributes as read (e.g. ROI_Center_Distance);
    ``members`` the sources of a CompositeSource; ``spatial_first`` records that the file
    listed spatialModel before spectrum (fermipy does), so writing keeps the layout.
    """

    name: str
    kind: str
    spectrum: SpectralFunction
    spatial: SpatialModel | None = None
    members: list[Source] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    member_attrs: dict[str, str] = field(default_factory=dict)
    spatial_first: bool = False

    def __post_init__(self) -> None:
        if self.kind not in SOURCE_KINDS:
            raise ModelError(f"source {self.name!r}: type {self.kind!r} is not one of {', '.join(SOURCE_KINDS)}")
        if self.kind == "PointSource" and not isinstance(self.spatial, SkyDirFunction):
            raise ModelError(f"source {self.name!r}: a PointSource needs spatialModel type SkyDirFunction")
        if self.kind == "DiffuseSource" and (self.spatial is None or isinstance(self.spatial, SkyDirFunction)):
            raise ModelError(f"source {self.name!r}: a DiffuseSource needs a diffuse spatialModel "
                             "(ConstantValue, MapCubeFunction, SpatialMap, RadialGaussian, RadialDisk, RadialProfile)")

    @property
    def is_point(self) -> bool:
        return self.kind == "PointSource"

    @property
    def position(self) -> tuple[float, float] | None:
        """(RA, DEC) in deg of a point source or a radial model's centre; None otherwise."""
        if isinstance(self.spatial, SkyDirFunction):
            return self.spatial.ra, self.spatial.dec
        center = getattr(self.spatial, "center", None)
        return tuple(center) if center is not None else None  # type: ignore[return-value]

    @property
    def apply_edisp(self) -> bool:
        return _flag(self.spectrum.attrs, "apply_edisp")

    @property
    def apply_psf(self) -> bool:
        return self.spatial is None or _flag(self.spatial.attrs, "apply_psf")

    @property
    def apply_exposure(self) -> bool:
        return self.spatial is None or _flag(self.spatial.attrs, "apply_exposure")

    @property
    def n_free(self) -> int:
        return sum(p.free for p in self.spectrum.params)

    def parameter(self, name: str, spatial: bool = False) -> Parameter:
        """A spectral parameter (or, with ``spatial=True`` or if no spectral one has the name, spatial)."""
        if not spatial and self.spectrum.has_parameter(name):
            return self.spectrum.parameter(name)
        if self.spatial is not None and self.spatial.has_parameter(name):
            return self.spatial.parameter(name)
        known = list(self.spectrum.names) + ([] if self.spatial is None else list(self.spatial.names))
        raise ModelError(f"source {self.name!r} has no parameter {name!r} (known: {', '.join(known)})")

    def copy(self) -> Source:
        return Source(self.name, self.kind, self.spectrum.copy(),
                      None if self.spatial is None else self.spatial.copy(),
                      [m.copy() for m in self.members], dict(self.attrs), dict(self.member_attrs),
                      self.spatial_first)


class SourceModel:
    """The sources of a model in file order, with gtlike-ordered parameter access."""

    def __init__(self, sources: Iterable[Source] = (), attrs: dict[str, str] | None = None) -> None:
        self.attrs: dict[str, str] = {"title": "source library"} if attrs is None else dict(attrs)
        self._sources: dict[str, Source] = {}
        self._sorted: list[str] | None = None
        for source in sources:
            self.add(source)

    # -- container ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._sources)

    def __iter__(self) -> Iterator[Source]:
        return iter(self._sources.values())

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __getitem__(self, name: str) -> Source:
        try:
            return self._sources[name]
        except KeyError:
            raise ModelError(f"no source named {name!r} in the model") from None

    @property
    def names(self) -> list[str]:
        """Source names in file order."""
        return list(self._sources)

    @property
    def sorted_names(self) -> list[str]:
        """Source names in gtlike order (std::map: code-point order)."""
        if self._sorted is None:
            self._sorted = sorted(self._sources)
        return list(self._sorted)

    def add(self, source: Source, index: int | None = None) -> None:
        taken = set(self._all_names())
        for name in [source.name] + [m.name for m in _walk(source.members)]:
            if name in taken:
                raise ModelError(f"duplicate source name {name!r} in the model")
            taken.add(name)
        if index is None:
            self._sources[source.name] = source
        else:
            items = list(self._sources.items())
            items.insert(index, (source.name, source))
            self._sources = dict(items)
        self._sorted = None

    def remove(self, name: str) -> Source:
        source = self[name]
        del self._sources[name]
        self._sorted = None
        return source

    def _all_names(self) -> Iterator[str]:
        for source in self._sources.values():
            yield source.name
            yield from (m.name for m in _walk(source.members))

    def copy(self) -> SourceModel:
        return SourceModel([s.copy() for s in self], dict(self.attrs))

    # -- parameters ---------------------------------------------------------------------
    def resolve(self, reference: str, spatial: bool = False) -> tuple[Source, Parameter]:
        """(source, parameter) of ``"<source>:<param>"``."""
        source_name, param_name = split_reference(reference)
        return (source := self[source_name]), source.parameter(param_name, spatial)

    def parameter(self, reference: str, spatial: bool = False) -> Parameter:
        return self.resolve(reference, spatial)[1]

    def is_spatial(self, reference: str) -> bool:
        source, param = self.resolve(reference)
        return param not in source.spectrum.params

    def parameter_names(self, spatial: bool = False, order: str = "file") -> list[str]:
        """Every parameter reference; sources in ``order`` 'file' or 'gtlike'."""
        names = self.names if order == "file" else self.sorted_names
        out: list[str] = []
        for name in names:
            source = self._sources[name]
            out += [join_reference(name, p.name) for p in source.spectrum.params]
            if spatial and source.spatial is not None:
                out += [join_reference(name, p.name) for p in source.spatial.params]
        return out

    def set_value(self, reference: str, value: float) -> None:
        self.resolve(reference)[1].set_value(value, reference)

    def set_free(self, reference: str, free: bool) -> None:
        source, param = self.resolve(reference)
        if free and param not in source.spectrum.params:
            raise ModelError(f"parameter {reference} is spatial; spatial parameters are not fitted "
                             "in binned analysis")
        param.set_free(free, reference)

    def free_layout(self) -> FreeLayout:
        """The free spectral parameters in gtlike order (compute again after freeze/thaw)."""
        names: list[str] = []
        params: list[Parameter] = []
        sources: list[Source] = []
        slices: list[slice] = []
        rows: list[IntArray] = []
        for name in self.sorted_names:
            source = self._sources[name]
            idx = [i for i, p in enumerate(source.spectrum.params) if p.free]
            if not idx:
                continue
            start = len(params)
            for i in idx:
                param = source.spectrum.params[i]
                names.append(join_reference(name, param.name))
                params.append(param)
            sources.append(source)
            slices.append(slice(start, len(params)))
            rows.append(np.asarray(idx, dtype=np.int64))
        return FreeLayout(tuple(names), tuple(params), tuple(sources), tuple(slices), tuple(rows))

    def free_names(self) -> list[str]:
        return list(self.free_layout().names)

    def free_values(self) -> FloatArray:
        return self.free_layout().values()

    def set_free_values(self, values: Any) -> None:
        self.free_layout().set_values(values)

    def snapshot(self) -> ModelSnapshot:
        """The state of every spectral parameter (value, bounds, free, error), to restore after a failed fit."""
        params = tuple(p for source in self for p in source.spectrum.params)
        return ModelSnapshot(params, tuple((p.value, p.min, p.max, p.free, p.error) for p in params))

    def restore(self, snapshot: ModelSnapshot) -> None:
        for param, (value, lo, hi, free, error) in zip(snapshot.parameters, snapshot.states, strict=True):
            param.value, param.min, param.max, param.free, param.error = value, lo, hi, free, error


@dataclass(frozen=True)
class ModelSnapshot:
    """Saved parameter states of a SourceModel (see :meth:`SourceModel.snapshot`)."""

    parameters: tuple[Parameter, ...]
    states: tuple[tuple[float, float, float, bool, float | None], ...]


@dataclass(frozen=True)
class FreeLayout:
    """Free parameters in gtlike order and, per source with free parameters, where they sit.

    ``sources[s]`` owns ``parameters[slices[s]]``; ``rows[s]`` are the indices of those
    parameters in ``sources[s].spectrum.params`` (i.e. the rows of its gradient).
    """

    names: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    sources: tuple[Source, ...]
    slices: tuple[slice, ...]
    rows: tuple[IntArray, ...]

    def __len__(self) -> int:
        return len(self.parameters)

    def values(self) -> FloatArray:
        return np.array([p.value for p in self.parameters], dtype=np.float64)

    def scales(self) -> FloatArray:
        return np.array([p.scale for p in self.parameters], dtype=np.float64)

    def limits(self) -> list[tuple[float | None, float | None]]:
        return [p.limits() for p in self.parameters]

    def set_values(self, values: Any) -> None:
        """Set every free value (snapping to bounds within 1e-8); ModelError names an out-of-bounds one."""
        x = np.asarray(values, dtype=np.float64)
        if x.shape != (len(self.parameters),):
            raise ModelError(f"expected {len(self.parameters)} free parameter values, got shape {x.shape}")
        for name, param, value in zip(self.names, self.parameters, x.tolist()):
            param.set_value(value, name)

    def set_errors(self, errors: Any) -> None:
        for param, error in zip(self.parameters, np.asarray(errors, dtype=np.float64).tolist()):
            param.error = float(error)


def _walk(sources: list[Source]) -> Iterator[Source]:
    for source in sources:
        yield source
        yield from _walk(source.members)
