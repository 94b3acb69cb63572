"""Model editing: freeze, thaw, newpar, tie and untie on a SourceModel and its ties.

Each function checks everything it can before changing anything; the session wraps the
calls in a snapshot/restore transaction (``session/undo.py``) so that a failure part way
through still leaves the model unchanged. References are stable ``source:param`` names
(see :mod:`xlat.session.selection` for how the command language produces them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from xlat.errors import ModelError
from xlat.session.records import ModelInfo, ParameterUpdate
from xlat.session.ties import Tie, apply_ties, check_tie, followers_of

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from xlat.core.source_model import SourceModel


def read_model(path: Path, base_dir: Path) -> SourceModel:
    """Read a gtlike XML model; files it names (diffuse templates, tables) are looked up lazily.

    The maps of diffuse sources usually come from a srcmaps file, so a template that is not
    on this machine is not an error until something needs it.
    """
    from xlat.products.xml_model import read_source_model

    return read_source_model(path, base_dir=base_dir, require_files=False)


def model_info(path: Path, model: SourceModel) -> ModelInfo:
    n_point, n_other = source_counts(model)
    return ModelInfo(str(path), len(model), n_point, n_other, len(model.parameter_names()), n_free(model))


def fit_quantities(fit: Any) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """(TS, Npred) per source from a fit result (None for what it does not have)."""
    if fit is None:
        return None, None
    ts = getattr(fit, "ts", None)
    npred = getattr(fit, "npred", None)
    return (dict(ts) if ts else None), (dict(npred) if npred else None)


def n_free(model: SourceModel) -> int:
    return sum(source.n_free for source in model)


def freeze(model: SourceModel, references: Sequence[str]) -> ParameterUpdate:
    """Fix the parameters; already fixed ones are reported as unchanged."""
    params = [(ref, model.parameter(ref)) for ref in references]
    changed = [ref for ref, p in params if p.free]
    for ref, param in params:
        param.set_free(False, ref)
    unchanged = tuple(ref for ref, _ in params if ref not in set(changed))
    return ParameterUpdate("freeze", tuple(changed), unchanged, n_free(model))


def thaw(model: SourceModel, ties: dict[str, Tie], references: Sequence[str]) -> ParameterUpdate:
    """Free the parameters; a tied, spatial or always-fixed one is an error naming it."""
    for ref in references:
        if ref in ties:
            raise ModelError(f"thaw: {ref} is tied to {ties[ref].target}; untie it first")
        source, param = model.resolve(ref)
        if param not in source.spectrum.params:
            raise ModelError(f"thaw: {ref} is spatial; spatial parameters are not fitted in binned analysis")
        if param.always_fixed:
            raise ModelError(f"thaw: {ref} is always fixed in the Fermitools and cannot be made free")
    params = [(ref, model.parameter(ref)) for ref in references]
    changed = [ref for ref, p in params if not p.free]
    for ref, param in params:
        param.set_free(True, ref)
    unchanged = tuple(ref for ref, _ in params if ref not in set(changed))
    return ParameterUpdate("thaw", tuple(changed), unchanged, n_free(model))


def newpar(model: SourceModel, ties: dict[str, Tie], reference: str, value: float | None,
           minimum: float | None = None, maximum: float | None = None) -> ParameterUpdate:
    """Set a parameter's value (the XML ``value``, in units of its ``scale``) and optionally its bounds.

    A spatial parameter (RA, DEC of a point source) may be set too: that moves the source.
    Parameters tied to this one follow it.
    """
    if reference in ties:
        raise ModelError(f"newpar: {reference} is tied to {ties[reference].target}; untie it first")
    if (minimum is None) != (maximum is None):
        raise ModelError(f"newpar {reference}: give both min and max, or neither")
    param = model.parameter(reference)
    candidate = param.copy()
    new_value = param.value if value is None else float(value)
    if minimum is not None and maximum is not None:
        if math.isnan(minimum) or math.isnan(maximum) or minimum > maximum:
            raise ModelError(f"newpar {reference}: min {minimum:g} must not exceed max {maximum:g}")
        candidate.min, candidate.max = float(minimum), float(maximum)
    candidate.set_value(new_value, reference)
    candidate.check(reference)
    for tie in followers_of(ties, [reference]):
        follower = model.parameter(tie.parameter).copy()
        follower.set_value(tie.factor * candidate.true_value / follower.scale, tie.parameter)
    param.min, param.max, param.value = candidate.min, candidate.max, candidate.value
    apply_ties(model, followers_of(ties, [reference]))
    bounds = f" [{param.min:g}, {param.max:g}]" if minimum is not None else ""
    detail = f"{reference} = {param.value:.10g}{bounds} (x {param.scale:g})"
    return ParameterUpdate("newpar", (reference,), (), n_free(model), detail)


def tie(model: SourceModel, ties: dict[str, Tie], reference: str, target: str, factor: float = 1.0) -> ParameterUpdate:
    """Make ``reference`` follow ``target``; the dependent becomes fixed (the fit moves the target)."""
    new = Tie(reference, target, float(factor))
    others = {k: v for k, v in ties.items() if k != reference}
    check_tie(model, others, new)
    model.parameter(reference).set_free(False, reference)
    ties.clear()
    ties.update(others)
    ties[reference] = new
    apply_ties(model, [new])
    scale = "" if new.factor == 1.0 else f" x {new.factor:g}"
    return ParameterUpdate("tie", (reference,), (), n_free(model), f"{reference} follows {target}{scale}")


def untie(ties: dict[str, Tie], references: Sequence[str], model: SourceModel) -> ParameterUpdate:
    """Remove the ties of ``references`` (those not tied are reported as unchanged)."""
    changed = tuple(ref for ref in references if ref in ties)
    for ref in changed:
        del ties[ref]
    unchanged = tuple(ref for ref in references if ref not in changed)
    return ParameterUpdate("untie", changed, unchanged, n_free(model))


def delete(model: SourceModel, ties: dict[str, Tie], names: Sequence[str]) -> ParameterUpdate:
    """Remove sources from the model (and the ties that involve them)."""
    if not names:
        return ParameterUpdate("delete", (), (), n_free(model), "no source selected")
    gone = set(names)
    for key, tie in list(ties.items()):
        if key.rpartition(":")[0] in gone or tie.target.rpartition(":")[0] in gone:
            del ties[key]
    for name in names:
        model.remove(name)
    shown = ", ".join(names[:5]) + (f", ... {len(names) - 5} more" if len(names) > 5 else "")
    detail = f"deleted {len(names)} source{'s' if len(names) != 1 else ''}: {shown}; {len(model)} left"
    return ParameterUpdate("delete", tuple(names), (), n_free(model), detail)


def source_counts(model: SourceModel) -> tuple[int, int]:
    """(point sources, other sources)."""
    n_point = sum(source.is_point for source in model)
    return n_point, len(model) - n_point
