"""The instrument response of an IRF selection: per event type Aeff, PSF, energy dispersion.

Quantities are summed over the selected event types; the efficiency factors of the
*first* type (lowest bit) are applied to every type (ResponseFunctions::efficiencyFactor,
reference §4.4 and quirk 2).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from xlat.core.aeff import EffectiveArea
from xlat.core.edisp import EnergyDispersion
from xlat.core.efficiency import EfficiencyFactor
from xlat.core.psf import KingPsf2, KingPsf3


@dataclass(frozen=True)
class EventTypeResponse:
    """The IRFs of one event type (FRONT, BACK, PSF0, ...) and its bit position."""

    event_type: str
    bit: int
    aeff: EffectiveArea
    efficiency: EfficiencyFactor
    psf: KingPsf3 | KingPsf2 | None = None
    edisp: EnergyDispersion | None = None


@dataclass(frozen=True)
class InstrumentResponse:
    """An IRF name (``irfs_name`` as recorded in IRF_VERSION) and its event types in bit order."""

    name: str
    irfs_name: str
    evtype_mask: int
    types: tuple[EventTypeResponse, ...]

    @property
    def efficiency(self) -> EfficiencyFactor:
        """The efficiency factors used for every type: those of the first type."""
        return self.types[0].efficiency

    @property
    def has_phi_dependence(self) -> bool:
        return any(t.aeff.phi is not None for t in self.types)

    def without_phi(self) -> InstrumentResponse:
        """The same response with the azimuth dependence of Aeff switched off (ignorephi)."""
        return replace(self, types=tuple(replace(t, aeff=replace(t.aeff, phi=None)) for t in self.types))

    def require_psf(self) -> None:
        if any(t.psf is None for t in self.types):
            raise ValueError("this InstrumentResponse was loaded without PSF tables")
