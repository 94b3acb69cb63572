"""Helpers for the event-selection and binning tests: run commands through the Executor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from xlat.commands import load_builtin
from xlat.commands.executor import Executor, Outcome
from xlat.session.state import Session

load_builtin()


def run(workdir: Path, *tokens: str) -> Outcome:
    """Run one command (as shell tokens) in a fresh session whose working folder is ``workdir``."""
    return Executor(Session(workdir)).run_tokens(list(tokens))


def ok(workdir: Path, *tokens: str) -> Outcome:
    """Run a command that must succeed."""
    outcome = run(workdir, *tokens)
    assert outcome.ok, outcome.error
    return outcome


def fails_cleanly(workdir: Path, *tokens: str) -> str:
    """Run a command that must fail with a one-line error and leave no file behind; the error."""
    before = set(workdir.iterdir())
    outcome = run(workdir, *tokens)
    assert not outcome.ok and not outcome.internal, outcome
    assert outcome.error and "\n" not in outcome.error
    assert set(workdir.iterdir()) == before, "a failed step left files behind"
    return outcome.error


def event_ids(path: Path) -> set[tuple[int, int]]:
    """The (RUN_ID, EVENT_ID) set of an FT1 file."""
    with fits.open(path) as hdul:
        data = hdul["EVENTS"].data
        return set(zip(data["RUN_ID"].tolist(), data["EVENT_ID"].tolist(), strict=True))


def gti_rows(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with fits.open(path) as hdul:
        return np.array(hdul["GTI"].data["START"]), np.array(hdul["GTI"].data["STOP"])


def dss_cards(header: fits.Header) -> list[tuple[str, str]]:
    """(keyword, value) of the DSS cards in header order."""
    return [
        (c.keyword, str(c.value))
        for c in header.cards
        if c.keyword.startswith(("DSTYP", "DSUNI", "DSVAL", "DSREF", "NDSKEYS"))
    ]


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic FT1 + FT2 pair (seeded; made by the interim demo generator). Import it into a test module."""
    from xlat.session.steps.demo import make_demo_data

    folder = tmp_path_factory.mktemp("demo-data")
    data = make_demo_data(Session(folder), folder)
    return data.ft1, data.ft2
