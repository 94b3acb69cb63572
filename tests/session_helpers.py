"""Helpers for the session tests: a small model with awkward names, executors, state fingerprints."""

from __future__ import annotations

from pathlib import Path

from xlat.commands import load_builtin
from xlat.commands.executor import Executor, Outcome
from xlat.session.state import Session

load_builtin()

SMALL_MODEL = """<?xml version="1.0" ?>
<source_library title="source library">
  <source name="4FGL J1256.1-0547" type="PointSource">
    <spectrum type="LogParabola">
      <parameter free="1" max="100" min="0" name="norm" scale="1e-11" value="3.5"/>
      <parameter free="1" max="5" min="0" name="alpha" scale="1" value="2.2"/>
      <parameter free="0" max="10" min="-5" name="beta" scale="0.1" value="0.6"/>
      <parameter free="0" max="1e5" min="10" name="Eb" scale="1" value="500"/>
    </spectrum>
    <spatialModel type="SkyDirFunction">
      <parameter free="0" max="360" min="-360" name="RA" scale="1" value="194.0415"/>
      <parameter free="0" max="90" min="-90" name="DEC" scale="1" value="-5.7887"/>
    </spatialModel>
  </source>
  <source name="4FGL J1229.0+0202" type="PointSource">
    <spectrum type="PowerLaw">
      <parameter free="1" max="1000" min="0.001" name="Prefactor" scale="1e-10" value="1.65"/>
      <parameter free="0" max="5" min="-5" name="Index" scale="-1" value="2.5"/>
      <parameter free="0" max="5e5" min="30" name="Scale" scale="1" value="300"/>
    </spectrum>
    <spatialModel type="SkyDirFunction">
      <parameter free="0" max="360" min="-360" name="RA" scale="1" value="187.2779"/>
      <parameter free="0" max="90" min="-90" name="DEC" scale="1" value="2.0524"/>
    </spatialModel>
  </source>
  <source name="Far: source" type="PointSource">
    <spectrum type="PowerLaw2">
      <parameter free="0" max="1000" min="1e-5" name="Integral" scale="1e-7" value="1"/>
      <parameter free="0" max="5" min="-5" name="Index" scale="1" value="-2"/>
      <parameter free="0" max="1e6" min="10" name="LowerLimit" scale="1" value="100"/>
      <parameter free="0" max="1e6" min="10" name="UpperLimit" scale="1" value="500000"/>
    </spectrum>
    <spatialModel type="SkyDirFunction">
      <parameter free="0" max="360" min="-360" name="RA" scale="1" value="169.5748"/>
      <parameter free="0" max="90" min="-90" name="DEC" scale="1" value="-4.2539"/>
    </spatialModel>
  </source>
  <source name="iso" type="DiffuseSource">
    <spectrum type="ConstantValue">
      <parameter free="1" max="10" min="0" name="Value" scale="1" value="1"/>
    </spectrum>
    <spatialModel type="ConstantValue">
      <parameter free="0" max="10" min="0" name="Value" scale="1" value="1"/>
    </spatialModel>
  </source>
</source_library>
"""
"""Four sources: 3C 279 (LogParabola), 3C 273 (PowerLaw), a source whose name holds ': ' and
one diffuse source; 12 spectral parameters numbered 1-12 in this order."""


def write_small_model(folder: Path, name: str = "small.xml") -> Path:
    path = folder / name
    path.write_text(SMALL_MODEL, encoding="utf-8")
    return path


def executor_with_model(folder: Path) -> Executor:
    ex = Executor(Session(folder))
    write_small_model(folder)
    ok(ex, "model small.xml")
    return ex


def ok(ex: Executor, line: str) -> Outcome:
    outcome = ex.run_line(line)
    assert outcome is not None
    assert outcome.ok, f"{line}: {outcome.error}"
    return outcome


def fails(ex: Executor, line: str) -> Outcome:
    outcome = ex.run_line(line)
    assert outcome is not None and not outcome.ok, f"{line} should fail"
    assert outcome.error is not None and "\n" not in outcome.error
    return outcome


def model_state(session: Session) -> tuple:
    """Every parameter (value, min, max, free, error) of every source, the ties and the fit: for equality checks."""
    model = session.model
    if model is None:
        return ()
    params = []
    for source in model:
        for p in list(source.spectrum.params) + (list(source.spatial.params) if source.spatial else []):
            params.append((source.name, p.name, p.value, p.min, p.max, p.free, p.error))
    return (tuple(params), tuple(sorted((k, v.target, v.factor) for k, v in session.ties.items())),
            id(session.fit_result))
