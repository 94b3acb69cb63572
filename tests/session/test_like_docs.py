"""The Python API example of docs/like.md runs as written, on the crab1day files (MANIFEST §1, §9).

The folder holds what the example names: srcmaps.fits (gammalib-p8r2-crab1day's 2015 gtsrcmaps file
srcmap.fits with the Crab map of today's gtsrcmaps, fermitools2026-crab1day/srcmaps_nogal, added), the
gtlike model source_model_gtlike_original.xml and its isotropic table; gll_iem_v06.fits is absent.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from like_helpers import crab_like_folder

from xlat.core.fitting import CONVERGED
from xlat.products.xml_model import read_source_model

DOC = Path(__file__).resolve().parents[2] / "docs" / "like.md"


def python_example() -> str:
    text = DOC.read_text()
    section = text[text.index("## Python API"):]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "docs/like.md: no python block in the Python API section"
    return match.group(1)


def test_python_api_example_of_the_docs_runs(tmp_path, monkeypatch):
    crab_like_folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.warns(Warning, match="gll_iem_v06.fits not found"):
        exec(compile(python_example(), str(DOC), "exec"), namespace)  # noqa: S102 - the documented example
    an, result = namespace["an"], namespace["result"]
    assert result.status.code == CONVERGED and out.getvalue().startswith("converged")
    assert "Crab:Index" in result.names and "Extragal_diffuse:Normalization" in result.names
    # a bright Crab in one day (the `xlat like` run of the same files prints TS 274)
    assert namespace["ts"] > 100 and namespace["flux"].error > 0 and namespace["eflux"].value > 0
    assert namespace["low"] < 0 < namespace["high"]
    written = read_source_model(tmp_path / "fit.xml", require_files=False)
    assert written.parameter("Crab:Index").value == pytest.approx(an.parameter("Crab:Index").value, rel=1e-15)
    assert written.parameter("Crab:Index").error == pytest.approx(result.errors[result.names.index("Crab:Index")])
