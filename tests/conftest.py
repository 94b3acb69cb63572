"""Shared fixtures.

``shared_data`` points at ../shared/data (real Fermitools outputs). When it is missing the
tests that need it skip locally but *fail* under CI=true, so that CI can never pass by
skipping the comparisons with the real tools.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_root() -> Path:
    env = os.environ.get("XLAT_SHARED_DATA")
    if env:
        return Path(env)
    for base in (REPO, *REPO.parents):
        candidate = base.parent / "shared" / "data"
        if (candidate / "MANIFEST.md").is_file():
            return candidate
    return REPO.parent / "shared" / "data"


SHARED = _shared_root()


def require_shared(*parts: str) -> Path:
    """Path inside ../shared/data; skip (or fail under CI=true) when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"reference data not found: {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: reference tests must run)")
        pytest.skip(message)
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder (real LAT data and Fermitools outputs)."""
    return require_shared()


@pytest.fixture
def caldb(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point CALDB at the real CALDB in ../shared/data/caldb for the duration of a test."""
    path = require_shared("caldb")
    monkeypatch.setenv("CALDB", str(path))
    return path


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261125)
