"""Fixtures for the session-level tests of select / mktime / vcut / bin: the interim demo data set."""

from __future__ import annotations

from pathlib import Path

import pytest

from xlat.session.state import Session
from xlat.session.steps.demo import make_demo_data


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic FT1 + FT2 pair (seeded; made by the interim demo generator)."""
    folder = tmp_path_factory.mktemp("demo-data")
    data = make_demo_data(Session(folder), folder)
    return data.ft1, data.ft2
