"""Reference data under CI: a test that needs ../shared/data fails when it is missing (never skips)."""

from __future__ import annotations

import pytest
from conftest import require_shared


def test_missing_reference_data_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true: reference tests must run"):
        require_shared("no-such-set", "file.fits")


def test_missing_reference_data_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="reference data not found"):
        require_shared("no-such-set", "file.fits")


def test_the_reference_data_is_found_here() -> None:
    assert (require_shared() / "MANIFEST.md").is_file()
