"""Result records of the model, data and fit commands (the shared ones are in results.py).

Plain data for callers (the Python API) and for ``xlat.render``, which registers one
renderer per record type.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParameterUpdate:
    """What freeze, thaw, newpar, tie, untie or undo changed.

    Attributes
    ----------
    action : str
        The verb ("freeze", "thaw", "newpar", "tie", "untie", "undo").
    names : tuple of str
        ``source:param`` references changed, in ``show par`` order.
    unchanged : tuple of str
        References selected but already in the requested state.
    n_free : int
        Free parameters of the model afterwards.
    detail : str
        One more line of explanation (e.g. the new value of newpar), or "".
    """

    action: str
    names: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    n_free: int = 0
    detail: str = ""


@dataclass(frozen=True)
class ModelInfo:
    """A model was loaded: where from and what it holds."""

    path: str
    n_sources: int
    n_point: int
    n_diffuse: int
    n_parameters: int
    n_free: int


@dataclass(frozen=True)
class ProductStatus:
    """One data product of the session and whether it is still up to date.

    ``state`` is "fresh", "stale" (an input or a step parameter changed since it was made;
    ``reason`` says which), "missing" (the file is gone) or "modified" (the file changed
    after xlat made or loaded it).
    """

    role: str
    path: str
    step: str
    state: str
    reason: str = ""
