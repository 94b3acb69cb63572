"""Spectral models of the Fermitools, by XML ``type`` name (reference §11).

``build_spectrum(type_name, parameters)`` is the one constructor used by the XML reader
and the catalog builder: it resolves the type (including ``ScaleFactor::``,
``EnergyBand::`` and ``EblAtten::`` composites), checks the parameter names and fills
missing parameters with the C++ constructor defaults.
"""

from __future__ import annotations

from collections.abc import Mapping

from xlat.core.parameters import Parameter
from xlat.core.spectra.base import SpectralFunction
from xlat.core.spectra.cutoffs import (
    BandFunction,
    BPLExpCutoff,
    ExpCutoff,
    ExpCutoffSEDPeak,
    LogParabola,
    PLSuperExpCutoff,
    PLSuperExpCutoff2,
    PLSuperExpCutoff3,
    PLSuperExpCutoff4,
)
from xlat.core.spectra.integrate import (
    flux,
    flux_gradient,
    quadrature_nodes,
    trapquad_flux,
    trapquad_flux_gradient,
    trapquad_nodes,
)
from xlat.core.spectra.multi import MultipleBrokenPowerLaw, PiecewisePowerLaw
from xlat.core.spectra.powerlaws import (
    BrokenPowerLaw,
    BrokenPowerLaw2,
    BrokenPowerLaw3,
    PowerLaw,
    PowerLaw2,
    SmoothBrokenPowerLaw,
    SmoothDoubleBrokenPowerLaw,
)
from xlat.core.spectra.simple import AbsEdge, ConstantValue, Gaussian, LogNormal
from xlat.core.spectra.tabulated import FileFunction, SpectrumTable
from xlat.core.spectra.wrappers import DMFitFunction, EblAtten, EnergyBand, ScaleFactor, Wrapper
from xlat.errors import ModelError

_SIMPLE: dict[str, type[SpectralFunction]] = {
    cls.type_name: cls
    for cls in (PowerLaw, PowerLaw2, BrokenPowerLaw, BrokenPowerLaw2, BrokenPowerLaw3, SmoothBrokenPowerLaw,
                SmoothDoubleBrokenPowerLaw, LogParabola, ExpCutoff, BPLExpCutoff, PLSuperExpCutoff,
                PLSuperExpCutoff2, PLSuperExpCutoff3, PLSuperExpCutoff4, ExpCutoffSEDPeak, BandFunction,
                Gaussian, ConstantValue, AbsEdge, FileFunction, LogNormal, MultipleBrokenPowerLaw,
                PiecewisePowerLaw, DMFitFunction)
}
#: the XML type under which the tools' writer emits MultipleBrokenPowerLaw (reference §11 quirk)
_ALIASES = {"MultipleBPL": "MultipleBrokenPowerLaw"}
_WRAPPERS: dict[str, type[Wrapper]] = {cls.prefix: cls for cls in (ScaleFactor, EnergyBand, EblAtten)}


def known_spectral_types() -> list[str]:
    """Every XML spectrum type xlat reads, composites spelled out."""
    names = sorted(_SIMPLE) + sorted(_ALIASES)
    for prefix, wrapper in sorted(_WRAPPERS.items()):
        names += [f"{prefix}::{inner}" for inner in wrapper.allowed_inner]
    return names


def spectrum_class(type_name: str) -> type[SpectralFunction]:
    """The class of a plain (non-composite) spectrum type."""
    name = _ALIASES.get(type_name, type_name)
    if name not in _SIMPLE:
        raise ModelError(f"unknown spectral function {type_name!r}; known: {', '.join(sorted(_SIMPLE))} "
                         f"and ScaleFactor::/EnergyBand::/EblAtten:: composites")
    return _SIMPLE[name]


def build_spectrum(type_name: str, given: Mapping[str, Parameter], *, label: str = "",
                   decoupled_piecewise: bool = False) -> tuple[SpectralFunction, list[str]]:
    """A spectrum of ``type_name`` from named parameters; returns (spectrum, names filled by default).

    Unknown parameter names raise ModelError listing the known ones.
    """
    prefix, sep, inner_name = type_name.partition("::")
    if sep:
        wrapper = _WRAPPERS.get(prefix)
        if wrapper is None or inner_name not in wrapper.allowed_inner:
            raise ModelError(f"{label}: unknown spectral function {type_name!r}; known composites: "
                             + ", ".join(n for n in known_spectral_types() if "::" in n))
        own = {s.name for s in wrapper.own_specs}
        inner, missing = build_spectrum(inner_name, {k: v for k, v in given.items() if k not in own},
                                        label=label, decoupled_piecewise=decoupled_piecewise)
        extra_specs = wrapper.own_specs
        params = list(inner.params)
        for spec in extra_specs:
            if spec.name in given:
                params.append(given[spec.name])
            else:
                params.append(spec.make())
                missing.append(spec.name)
        spectrum: SpectralFunction = wrapper(inner, params)
        if label:
            inner.label = label
    else:
        cls = spectrum_class(type_name)
        try:
            specs = cls.specs_for(given)
        except ModelError as exc:
            raise ModelError(f"{label}: {exc}") from None
        known = [s.name for s in specs]
        unknown = [name for name in given if name not in known]
        if unknown:
            raise ModelError(f"{label}: {type_name} has no parameter {unknown[0]!r}; known: {', '.join(known)}")
        missing = [s.name for s in specs if s.name not in given]
        params = [given[s.name] if s.name in given else s.make() for s in specs]
        if cls is PiecewisePowerLaw:
            spectrum = PiecewisePowerLaw(params, decoupled=decoupled_piecewise)
        else:
            spectrum = cls(params)
        if type_name in _ALIASES or cls is MultipleBrokenPowerLaw:
            spectrum.xml_type = type_name
    if label:
        spectrum.label = label
    for param in spectrum.params:
        if param.always_fixed and param.free:
            raise ModelError(f"{label}: parameter {param.name} of {type_name} is always fixed in the "
                             "Fermitools and cannot be free")
    return spectrum, missing


__all__ = [
    "AbsEdge", "BPLExpCutoff", "BandFunction", "BrokenPowerLaw", "BrokenPowerLaw2", "BrokenPowerLaw3",
    "ConstantValue", "DMFitFunction", "EblAtten", "EnergyBand", "ExpCutoff", "ExpCutoffSEDPeak", "FileFunction",
    "Gaussian", "LogNormal", "LogParabola", "MultipleBrokenPowerLaw", "PLSuperExpCutoff", "PLSuperExpCutoff2",
    "PLSuperExpCutoff3", "PLSuperExpCutoff4", "PiecewisePowerLaw", "PowerLaw", "PowerLaw2", "ScaleFactor",
    "SmoothBrokenPowerLaw", "SmoothDoubleBrokenPowerLaw", "SpectralFunction", "SpectrumTable", "Wrapper",
    "build_spectrum", "flux", "flux_gradient", "known_spectral_types", "quadrature_nodes", "spectrum_class",
    "trapquad_flux", "trapquad_flux_gradient", "trapquad_nodes",
]
