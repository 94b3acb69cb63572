"""The parameter-selection language of freeze, thaw, newpar, tie, error and steppar.

A selection is a list of tokens; each token is one of

* a parameter reference ``source:param`` (split at the last ``:``) where either part may
  hold shell wildcards (``*:Index``, ``"4FGL J12*:norm"``); the parameter part ``norm``
  means the source's normalisation parameter and ``shape`` its other spectral parameters
  (fermipy's vocabulary), unless the spectrum has a parameter of that exact name;
* a number or a range of numbers (``3``, ``3-5``, ``2,7-9``) from the numbered list that
  ``show par`` prints: the spectral parameters of every source in file order, from 1.
  The command layer replaces numbers by their names before a command is recorded, so a
  script never depends on the numbering (it shifts when sources are added);
* a parameter class applied to every selected source: ``norm``, ``shape`` or ``all``;
* a source filter: ``radius<R`` (distance from the ROI centre in deg; diffuse sources are
  at distance 0), ``ts>X`` and ``npred>N`` (from the last fit), with ``<``, ``<=``, ``>``,
  ``>=``; ``src=NAME`` (wildcards allowed).
* a bare source name (or wildcard pattern of names): all its spectral parameters.

Parameters are those matched by any reference, number or class (all spectral parameters
when only filters are given); the filters, all of which must hold, then restrict them to
the sources that pass. Spatial parameters (RA, DEC) are matched only by an explicit
reference. ``shape`` leaves out parameters that the tools keep fixed by default (pivot
energies such as Scale and Eb, integration limits).
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from xlat.errors import ParameterError

if TYPE_CHECKING:
    from xlat.core.source_model import Source, SourceModel

CLASSES = ("norm", "shape", "all")
FILTER_FIELDS = ("radius", "ts", "npred")
PIVOT_NAMES = frozenset({"Scale", "Eb"})
"""Reference energies that ``shape`` never selects (fitting them with the norm is degenerate)."""

_NUMBERS = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")
_FILTER = re.compile(r"^(radius|ts|npred)\s*(<=|>=|<|>)\s*([-+]?[0-9.]+(?:[eE][-+]?\d+)?)$", re.IGNORECASE)
_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_GLOB = re.compile(r"[*?\[]")

HELP = ("expected source:param (wildcards allowed), a number or range from 'show par', norm, shape, "
        "all, radius<R, ts>X, npred>N, src=NAME or a source name")


@dataclass(frozen=True)
class SourceFilter:
    """``field op value``: radius in deg, ts, npred."""

    field: str
    op: str
    value: float

    def accepts(self, quantity: float | None) -> bool:
        return quantity is not None and _OPS[self.op](quantity, self.value)


@dataclass(frozen=True)
class Selection:
    """A parsed selection (see the module docstring)."""

    refs: tuple[tuple[str, str], ...] = ()
    numbers: tuple[int, ...] = ()
    classes: tuple[str, ...] = ()
    filters: tuple[SourceFilter, ...] = ()
    source_patterns: tuple[str, ...] = ()

    @property
    def has_parameters(self) -> bool:
        return bool(self.refs or self.numbers or self.classes)


@dataclass(frozen=True)
class SelectionContext:
    """What filters need: the ROI centre (RA, Dec in deg) and TS / Npred per source from the last fit."""

    roi_center: tuple[float, float] | None = None
    ts: Mapping[str, float] | None = None
    npred: Mapping[str, float] | None = None
    distances: dict[str, float | None] = field(default_factory=dict, compare=False)


def is_number_token(token: str) -> bool:
    return bool(_NUMBERS.match(token.strip()))


def parse_numbers(token: str) -> list[int]:
    """``"2,7-9"`` -> [2, 7, 8, 9] (1-based); a reversed range is an error."""
    out: list[int] = []
    for part in token.strip().split(","):
        first, _, last = part.partition("-")
        lo, hi = int(first), int(last or first)
        if lo < 1 or hi < lo:
            raise ParameterError(f"parameter range {part!r}: expected N or N-M with 1 <= N <= M")
        out.extend(range(lo, hi + 1))
    return out


def parse_selection(tokens: Sequence[str], model: SourceModel) -> Selection:
    """Classify every token; ParameterError names a token that is none of the forms."""
    refs: list[tuple[str, str]] = []
    numbers: list[int] = []
    classes: list[str] = []
    filters: list[SourceFilter] = []
    patterns: list[str] = []
    for raw in tokens:
        token = raw.strip()
        low = token.lower()
        if not token:
            raise ParameterError(f"empty selection token; {HELP}")
        if is_number_token(token):
            numbers.extend(parse_numbers(token))
        elif low in CLASSES:
            classes.append(low)
        elif (match := _FILTER.match(token)) is not None:
            filters.append(SourceFilter(match.group(1).lower(), match.group(2), float(match.group(3))))
        elif low.startswith("src="):
            patterns.append(token[4:].strip())
        elif token in model:
            refs.append((token, "all"))
        elif ":" in token:
            source, _, param = token.rpartition(":")
            if not source or not param:
                raise ParameterError(f"selection {token!r}: {HELP}")
            refs.append((source, param))
        elif _GLOB.search(token) and any(fnmatchcase(n, token) for n in model.names):
            refs.append((token, "all"))
        else:
            raise ParameterError(f"selection {token!r}: {_unknown_hint(token, model)}")
    return Selection(tuple(refs), tuple(numbers), tuple(classes), tuple(filters), tuple(patterns))


def _unknown_hint(token: str, model: SourceModel) -> str:
    field_name = re.split(r"[<>=!]", token.lower(), maxsplit=1)[0].strip()
    if field_name in FILTER_FIELDS:
        return f"a filter needs a comparison with a number, e.g. {field_name}>5 (operators <, <=, >, >=)"
    if _GLOB.search(token):
        return "no source name matches this pattern (for parameters: 'SRC:PARAM', e.g. '*:Index')"
    close = difflib.get_close_matches(token, list(model.names) + list(CLASSES), n=1, cutoff=0.6)
    if not close and len(token) >= 3:  # part of a name: 'J1256' for '4FGL J1256.1-0547'
        close = [n for n in model.names if token.lower() in n.lower()][:1]
    return f"did you mean {close[0]!r}? ({HELP})" if close else HELP


def numbered_parameters(model: SourceModel) -> list[str]:
    """The ``show par`` numbering: spectral parameters of every source in file order (index + 1)."""
    return model.parameter_names(order="file")


def resolve_numbers(tokens: Sequence[str], model: SourceModel) -> tuple[str, ...]:
    """``tokens`` with every number or range replaced by the references it denotes."""
    if not any(is_number_token(t) for t in tokens):
        return tuple(tokens)
    names = numbered_parameters(model)
    out: list[str] = []
    for token in tokens:
        if not is_number_token(token):
            out.append(token)
            continue
        for number in parse_numbers(token):
            if number > len(names):
                raise ParameterError(f"parameter {number}: the model has {len(names)} parameters (see 'show par')")
            out.append(names[number - 1])
    return tuple(out)


# ---------------------------------------------------------------- evaluation


def source_matches(model: SourceModel, pattern: str) -> list[str]:
    """Source names equal to ``pattern`` or matching it as a wildcard; ParameterError if none."""
    if pattern in model:
        return [pattern]
    if _GLOB.search(pattern):
        found = [n for n in model.names if fnmatchcase(n, pattern)]
        if found:
            return found
        raise ParameterError(f"no source matches {pattern!r}")
    close = difflib.get_close_matches(pattern, model.names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ParameterError(f"no source named {pattern!r} in the model{hint}")


def class_parameters(source: Source, kind: str) -> list[str]:
    """Names of the ``norm``, ``shape`` or ``all`` spectral parameters of a source."""
    spectrum = source.spectrum
    norm = spectrum.norm
    if kind == "norm":
        return [norm.name] if norm is not None else []
    default_free = {s.name: s.free for s in spectrum.param_specs()}
    out = []
    for param in spectrum.params:
        if param.always_fixed:
            continue
        if kind == "shape" and (param is norm or param.name in PIVOT_NAMES or not default_free.get(param.name, True)):
            continue
        out.append(param.name)
    return out


def _param_matches(source: Source, pattern: str) -> list[str]:
    spectral = list(source.spectrum.names)
    if pattern in spectral:
        return [pattern]
    if pattern.lower() in CLASSES:
        return class_parameters(source, pattern.lower())
    spatial = list(source.spatial.names) if source.spatial is not None else []
    if pattern in spatial:
        return [pattern]
    if pattern == "*":
        return class_parameters(source, "all")
    return [n for n in spectral if fnmatchcase(n, pattern)]


def _ref_matches(model: SourceModel, source_pattern: str, param_pattern: str) -> list[str]:
    out: list[str] = []
    for name in source_matches(model, source_pattern):
        out += [f"{name}:{p}" for p in _param_matches(model[name], param_pattern)]
    if not out:
        wild = _GLOB.search(source_pattern) or _GLOB.search(param_pattern) or param_pattern.lower() in CLASSES
        if wild:
            raise ParameterError(f"no parameter matches '{source_pattern}:{param_pattern}'")
        known = ", ".join(model[source_pattern].spectrum.names)
        raise ParameterError(f"source {source_pattern!r} has no parameter {param_pattern!r} (known: {known})")
    return out


def source_distance(source: Source, context: SelectionContext) -> float | None:
    """Distance in deg from the ROI centre; 0 for diffuse sources; None without a centre."""
    if context.roi_center is None:
        return None
    if source.name in context.distances:
        return context.distances[source.name]
    position = source.position
    if position is None:
        distance: float | None = 0.0
    else:
        from xlat.core.sky import angular_separation

        distance = float(angular_separation(position[0], position[1], *context.roi_center))
    context.distances[source.name] = distance
    return distance


def _quantity(source: Source, field_name: str, context: SelectionContext) -> float | None:
    if field_name == "radius":
        if context.roi_center is None:
            raise ParameterError("radius selection needs the ROI centre: load the data first (data cmap=...)")
        return source_distance(source, context)
    table = context.ts if field_name == "ts" else context.npred
    if table is None:
        raise ParameterError(f"{field_name} selection needs a fit: run 'fit' first")
    return table.get(source.name)


def source_passes(source: Source, selection: Selection, context: SelectionContext) -> bool:
    return all(f.accepts(_quantity(source, f.field, context)) for f in selection.filters)


def select_parameters(model: SourceModel, selection: Selection, context: SelectionContext) -> list[str]:
    """The ``source:param`` references a selection denotes, in ``show par`` order, without repeats."""
    chosen: dict[str, None] = {}
    if selection.numbers:
        names = numbered_parameters(model)
        for number in selection.numbers:
            if number > len(names):
                raise ParameterError(f"parameter {number}: the model has {len(names)} parameters (see 'show par')")
            chosen[names[number - 1]] = None
    for source_pattern, param_pattern in selection.refs:
        chosen.update(dict.fromkeys(_ref_matches(model, source_pattern, param_pattern)))
    sources = _filtered_sources(model, selection)
    classes = selection.classes or (() if selection.has_parameters else ("all",))
    for name in sources:
        for kind in classes:
            chosen.update(dict.fromkeys(f"{name}:{p}" for p in class_parameters(model[name], kind)))
    allowed = {n for n in sources if source_passes(model[n], selection, context)}
    result = [ref for ref in chosen if ref.rpartition(":")[0] in allowed]
    order = {ref: i for i, ref in enumerate(model.parameter_names(spatial=True, order="file"))}
    return sorted(result, key=lambda ref: order.get(ref, len(order)))


def _filtered_sources(model: SourceModel, selection: Selection) -> list[str]:
    if not selection.source_patterns:
        return list(model.names)
    keep: dict[str, None] = {}
    for pattern in selection.source_patterns:
        keep.update(dict.fromkeys(source_matches(model, pattern)))
    return list(keep)


def select_sources(model: SourceModel, selection: Selection, context: SelectionContext) -> list[str]:
    """The sources a selection of names, wildcards, ``src=`` and filters denotes (file order)."""
    if selection.numbers or selection.classes or any(p != "all" for _, p in selection.refs):
        raise ParameterError("expected sources: names, wildcards, src=NAME or radius/ts/npred filters")
    chosen: dict[str, None] = {}
    for pattern, _ in selection.refs:
        chosen.update(dict.fromkeys(source_matches(model, pattern)))
    for pattern in selection.source_patterns:
        chosen.update(dict.fromkeys(source_matches(model, pattern)))
    names = list(chosen) if chosen else (list(model.names) if selection.filters else [])
    keep = [n for n in names if source_passes(model[n], selection, context)]
    order = {n: i for i, n in enumerate(model.names)}
    return sorted(keep, key=order.__getitem__)
