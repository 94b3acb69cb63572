"""Tied parameters: a parameter whose value follows another one's.

``tie A:p B:q [factor]`` makes ``A:p`` follow ``B:q`` in true units (value x scale):
``true(A:p) = factor * true(B:q)``. The dependent parameter is not a free parameter of
the fit; the fit varies the target and the dependent follows it at every evaluation.
Chains are refused (a target may not itself be tied, a tied parameter may not be a
target), so one pass of :func:`apply_ties` settles every value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.errors import ModelError

if TYPE_CHECKING:
    from xlat.core.parameters import Parameter
    from xlat.core.source_model import SourceModel


@dataclass(frozen=True)
class Tie:
    """``parameter`` follows ``target``: true value = factor x the target's true value."""

    parameter: str
    target: str
    factor: float = 1.0


def _spectral(model: SourceModel, reference: str) -> Parameter:
    source, param = model.resolve(reference)
    if param not in source.spectrum.params:
        raise ModelError(f"parameter {reference} is spatial; only spectral parameters can be tied")
    return param


def tied_value(model: SourceModel, tie: Tie) -> float:
    """The dependent parameter's ``value`` (not true value) the tie asks for."""
    param, target = _spectral(model, tie.parameter), _spectral(model, tie.target)
    return tie.factor * target.true_value / param.scale


def check_tie(model: SourceModel, ties: Mapping[str, Tie], tie: Tie) -> None:
    """Refuse self ties, chains, spatial parameters and values outside the dependent's bounds."""
    if tie.parameter == tie.target:
        raise ModelError(f"tie: {tie.parameter} cannot be tied to itself")
    if not math.isfinite(tie.factor) or tie.factor == 0.0:
        raise ModelError(f"tie: factor must be a finite non-zero number, got {tie.factor!r}")
    param = _spectral(model, tie.parameter)
    _spectral(model, tie.target)
    if tie.target in ties:
        raise ModelError(f"tie: {tie.target} is itself tied to {ties[tie.target].target}; tie to that one instead")
    followers = [t.parameter for t in ties.values() if t.target == tie.parameter]
    if followers:
        raise ModelError(f"tie: {tie.parameter} is the target of {followers[0]}; untie that first")
    if param.always_fixed:
        raise ModelError(f"tie: {tie.parameter} is always fixed in the Fermitools")
    value = tied_value(model, tie)
    if param.bounded and not param.min <= value <= param.max:
        target = _spectral(model, tie.target)
        hint = ""
        if param.min <= -value <= param.max:
            hint = (f"; ties are in true units (value x scale) and the scales are {param.scale:g} and "
                    f"{target.scale:g}: try factor {-tie.factor:g}")
        raise ModelError(f"tie: {tie.parameter} = {tie.factor:g} x {tie.target} would be {value:g} (in units of "
                         f"its scale), outside its [min, max] = [{param.min:g}, {param.max:g}]{hint}")
    candidate = param.copy()
    candidate.set_value(value, tie.parameter)


def apply_ties(model: SourceModel, ties: Iterable[Tie]) -> list[str]:
    """Set every dependent parameter from its target; returns the names whose value changed."""
    changed = []
    for tie in ties:
        param = _spectral(model, tie.parameter)
        value = tied_value(model, tie)
        if value != param.value:
            param.set_value(value, tie.parameter)
            changed.append(tie.parameter)
    return changed


def followers_of(ties: Mapping[str, Tie], targets: Iterable[str]) -> list[Tie]:
    wanted = set(targets)
    return [t for t in ties.values() if t.target in wanted]
