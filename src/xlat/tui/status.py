"""The status line: -log(Likelihood), fit status, observed vs model counts, last fit time.

The numbers come from the session's last fit record (``session.products["fit"]``, or the fit
of the ``like`` step's analysis when that is newer: ``Session.like_analysis``) and the analysis it belongs to, read by attribute name so that the line degrades to
"no fit" rather than failing when a record lacks a field. The fit time is the TUI's own
measurement of the last fitting command (its Outcome's elapsed time and when it ended).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LOGL_NAMES = ("minus_log_likelihood", "neg_log_like", "neg_log_likelihood")
OBSERVED_NAMES = ("observed_counts", "nobs")
PREDICTED_NAMES = ("model_counts", "npred")


@dataclass(frozen=True)
class FitInfo:
    """What the status line shows about the last fit (None where unknown)."""

    neg_log_like: float | None = None
    status: str = ""
    ok: bool = True
    observed: float | None = None
    predicted: float | None = None


@dataclass(frozen=True)
class FitTiming:
    """Wall time of the last fitting command (s) and when it ended (seconds since the epoch)."""

    elapsed_s: float
    ended_at: float


def _number(obj: Any, names: tuple[str, ...]) -> float | None:
    """The first of the attributes ``names`` that gives a finite number (a method is called, a
    mapping of per-source numbers is summed)."""
    for name in names:
        value: Any = getattr(obj, name, None)
        if callable(value):
            try:
                value = value()
            except Exception:  # noqa: BLE001, S112 - a status line never fails
                continue
        if isinstance(value, Mapping):
            try:
                value = sum(float(v) for v in value.values())
            except (TypeError, ValueError):
                continue
        try:
            number = float(value)  # numpy scalars and 0-d arrays too
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            return number
    return None


def _status_text(fit: Any) -> tuple[str, bool]:
    """A short fit status ('converged', 'EDM too large', ...) and whether the fit is usable."""
    status = getattr(fit, "status", None)
    if status is None:
        return "", bool(getattr(fit, "ok", True))
    ok = getattr(fit, "ok", getattr(status, "ok", True))
    text = str(getattr(status, "code", None) or status)
    return text.split(" (")[0], bool(ok)  # the words before the details in parentheses


def fit_info(session: Any) -> FitInfo | None:
    """The last fit of ``session``, or None before any fit."""
    like = session.like_analysis() if hasattr(session, "like_analysis") else None
    analysis = like if like is not None else session.products.get("analysis")
    fit = like.fit_result if like is not None else session.products.get("fit")  # like keeps its fit in its analysis
    if fit is None:
        return None
    value = _number(fit, LOGL_NAMES)
    status, ok = _status_text(fit)
    observed = _number(fit, OBSERVED_NAMES)
    predicted = _number(fit, PREDICTED_NAMES)
    if analysis is not None:
        observed = observed if observed is not None else _number(analysis, OBSERVED_NAMES)
        predicted = predicted if predicted is not None else _number(analysis, PREDICTED_NAMES)
    return FitInfo(value, status, ok, observed, predicted)


def _count(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"


def status_text(info: FitInfo | None, timing: FitTiming | None) -> str:
    """The status line as plain text, e.g. ``-logL 1234.567 | converged | counts 853 / model 852.9 | fit 1.2 s 15:02``."""
    if info is None:
        return "no fit"
    parts = [f"-logL {info.neg_log_like:.3f}" if info.neg_log_like is not None else "-logL ?"]
    if info.status:
        parts.append(info.status)
    if info.observed is not None or info.predicted is not None:
        parts.append(f"counts {_count(info.observed)} / model {_count(info.predicted)}")
    if timing is not None:
        took = f"{timing.elapsed_s:.1f}" if timing.elapsed_s >= 0.95 else f"{timing.elapsed_s:.2f}"  # not "0.0 s"
        parts.append(f"fit {took} s {time.strftime('%H:%M', time.localtime(timing.ended_at))}")
    return " | ".join(parts)
