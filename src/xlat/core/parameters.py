"""Model parameters in the optimizers convention (reference §10.1).

A parameter carries ``value``, ``scale``, ``min``, ``max``, ``free`` and, after a fit,
``error``. The physical ("true") value is ``value * scale``; ``min`` and ``max`` bound
``value`` (not the true value); ``min == max == 0`` means unbounded, as Minuit is told
by the optimizers package. The fitter works on ``value``, and every derivative in xlat
is taken with respect to ``value`` (``scale * d/d(true value)``), as the tools do.

Parameters are referred to as ``"<source>:<param>"``. Source names may contain spaces,
dots, ``+``, ``-`` and even ``:``, so a reference is split at the **last** colon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from xlat.errors import ModelError

#: relative distance within which a new value snaps onto a bound (optimizers Parameter::setValue)
SNAP_TOLERANCE = 1e-8


def split_reference(reference: str) -> tuple[str, str]:
    """(source, parameter) of ``"<source>:<param>"``; the split is at the last ``:``."""
    source, sep, name = reference.rpartition(":")
    if not sep or not source or not name:
        raise ModelError(f"parameter reference {reference!r}: expected '<source>:<parameter>'")
    return source, name


def join_reference(source: str, name: str) -> str:
    return f"{source}:{name}"


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """Declaration of one parameter of a function: name and constructor defaults (C++)."""

    name: str
    default: float
    free: bool = True
    always_fixed: bool = False
    min: float = -math.inf
    max: float = math.inf

    def make(self) -> Parameter:
        """A parameter with the C++ constructor defaults (scale 1)."""
        return Parameter(self.name, float(self.default), 1.0, self.min, self.max,
                         self.free and not self.always_fixed, None, self.always_fixed)


@dataclass(slots=True, eq=True)
class Parameter:
    """One model parameter; ``true_value = value * scale``.

    ``extra`` keeps XML attributes that xlat does not interpret, so that a model read
    from a file is written back with them.
    """

    name: str
    value: float
    scale: float = 1.0
    min: float = -math.inf
    max: float = math.inf
    free: bool = False
    error: float | None = None
    always_fixed: bool = False
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def true_value(self) -> float:
        return self.value * self.scale

    @property
    def bounded(self) -> bool:
        """False when ``min == max == 0`` (the optimizers' "no limits")."""
        return not (self.min == 0.0 and self.max == 0.0)

    @property
    def true_error(self) -> float | None:
        """The error in true units, ``|scale| * error``."""
        return None if self.error is None else abs(self.scale) * self.error

    def limits(self) -> tuple[float | None, float | None]:
        """(lower, upper) for a minimiser: None where unbounded or infinite."""
        if not self.bounded:
            return (None, None)
        lo = None if math.isinf(self.min) else self.min
        hi = None if math.isinf(self.max) else self.max
        return (lo, hi)

    def check(self, owner: str = "") -> None:
        """Raise ModelError if the value, scale or bounds are unusable."""
        where = owner or self.name
        for label, number in (("value", self.value), ("scale", self.scale)):
            if not math.isfinite(number):
                raise ModelError(f"parameter {where}: {label} must be a finite number, got {number!r}")
        if math.isnan(self.min) or math.isnan(self.max):
            raise ModelError(f"parameter {where}: min and max must be numbers")
        if not self.bounded:
            return
        if self.min > self.max:
            raise ModelError(f"parameter {where}: min {self.min:g} is larger than max {self.max:g}")
        if not self.min <= self.value <= self.max:
            raise ModelError(f"parameter {where}: value {self.value:g} is outside [min, max] = "
                             f"[{self.min:g}, {self.max:g}]")
        if self.error is not None and not math.isfinite(self.error):
            raise ModelError(f"parameter {where}: error must be a finite number, got {self.error!r}")

    def set_value(self, value: float, owner: str = "") -> None:
        """Set ``value``; snap onto a bound within 1e-8 relative; refuse values outside bounds."""
        value = float(value)
        if not math.isfinite(value):
            raise ModelError(f"parameter {owner or self.name}: value must be a finite number, got {value!r}")
        if self.bounded:
            value = _snap(value, self.min, self.max)
            if not self.min <= value <= self.max:
                raise ModelError(f"parameter {owner or self.name}: value {value:g} is outside [min, max] = "
                                 f"[{self.min:g}, {self.max:g}]")
        self.value = value

    def set_free(self, free: bool, owner: str = "") -> None:
        if free and self.always_fixed:
            raise ModelError(f"parameter {owner or self.name} is always fixed in the Fermitools "
                             "and cannot be made free")
        self.free = bool(free)

    def set_bounds(self, lower: float, upper: float, owner: str = "") -> None:
        """New (min, max) for ``value``; refused if they exclude the current value."""
        candidate = Parameter(self.name, self.value, self.scale, float(lower), float(upper))
        candidate.check(owner or self.name)
        self.min, self.max = float(lower), float(upper)

    def copy(self) -> Parameter:
        return Parameter(self.name, self.value, self.scale, self.min, self.max, self.free,
                         self.error, self.always_fixed, self.extra)


def _snap(value: float, lower: float, upper: float) -> float:
    for bound in (lower, upper):
        if not math.isinf(bound) and bound != 0.0 and abs((value - bound) / bound) < SNAP_TOLERANCE:
            return bound
    return value
