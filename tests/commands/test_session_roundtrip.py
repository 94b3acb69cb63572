"""Canonical text of every session command: parse(format(c)) == c and format is a fixed point;
completion of quoted source:param names on a real model."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from session_helpers import executor_with_model

from xlat.commands.complete import complete
from xlat.commands.parse import format_command, parse_line
from xlat.commands.spec import REGISTRY

LINES = [
    ("model", "model"), ("model", "model 'my models/3c279 input.xml'"),
    ("data", "data"), ("data", "data cmap=srcmaps.fits bexpmap=bexp.fits expcube=lt.fits irfs=P8R3_SOURCE_V3 evtype=3"),
    ("data", "data evtype=INDEF irfs=CALDB"),
    ("update", "update"), ("undo", "undo"),
    ("delete", "delete '4FGL J1256.1-0547' src=4FGL* 'ts<4' 'radius>=12.5'"),
    ("untie", "untie '*:Index'"),
    ("show", "show"), ("show", "show par"), ("show", "show free"), ("show", "show fit"), ("show", "show data"),
    ("show", "show sources sort=ts"), ("show", "show sources sort=npred"),
    ("save", "save model 'out dir/fitted.xml'"), ("save", "save results fit.json clobber=no"),
    ("fit", "fit"), ("fit", "fit optimizer=DRMNFB ftol=1e-05 toltype=REL ts=no tsmin=yes"),
    ("error", "error"), ("error", "error '4FGL J1256.1-0547:IndexS' 'Crab:Index'"),
    ("steppar", "steppar Crab:Index -2.6 -1.9 20 refit=no log=yes"),
    ("ts", "ts"), ("ts", "ts '4FGL J1256.1-0547' Crab tsmin=yes"),
    ("flux", "flux Crab emin=100 emax=300000"),
    ("plot", "plot"), ("plot", "plot significance emin=1000 emax=10000"), ("plot", "plot profile"),
]


@pytest.mark.parametrize(("name", "line"), LINES)
def test_canonical_text_round_trips(name: str, line: str) -> None:
    assert REGISTRY.lookup(name) is not None, name
    cmd = parse_line(line)
    assert cmd is not None and cmd.name == name
    text = format_command(cmd)
    again = parse_line(text)
    assert again == cmd and format_command(again) == text


def test_aliases_give_the_canonical_name() -> None:
    for alias, name in (("delsrc x", "delete"), ("link a:b c:d", "tie"), ("gtmodel srcmaps=a srcmdl=b outfile=c",
                                                                          "model")):
        cmd = parse_line(alias)
        assert cmd is not None and cmd.name == name and format_command(cmd).startswith(name)


@settings(max_examples=100)
@given(path=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
       .filter(lambda p: p.strip() == p and "=" not in p and not p.startswith("#")),
       evtype=st.one_of(st.none(), st.integers(min_value=1, max_value=1 << 20)))
def test_data_round_trips_any_path(path: str, evtype: int | None) -> None:
    import shlex

    cmd = parse_line(shlex.join(["data", f"cmap={path}", f"bexpmap={path}", f"evtype={evtype or 'INDEF'}"]))
    assert cmd is not None and (cmd.cmap, cmd.bexpmap, cmd.evtype) == (path, path, evtype)
    assert parse_line(format_command(cmd)) == cmd


def test_completion_offers_quoted_parameter_names(tmp_path: Path) -> None:
    ex = executor_with_model(tmp_path)
    line = "freeze 4FGL J1256"
    found = [c.text for c in complete(line, len(line), session=ex.session)]
    assert found and all(text.startswith('"4FGL J1256.1-0547') for text in found)
    line = 'thaw "4FGL J1256.1-0547:al'
    found = [c.text for c in complete(line, len(line), session=ex.session)]
    assert found == ['"4FGL J1256.1-0547:alpha"']
    line = "delete Far"
    assert [c.text for c in complete(line, len(line), session=ex.session)] == ['"Far: source"']


def test_model_is_both_the_loader_and_gtmodel(tmp_path) -> None:
    """`model FILE.xml` loads (issue 7) and `model srcmaps= srcmdl= outfile=` is gtmodel (issue 5)."""
    from xlat.commands.executor import Executor
    from xlat.session.state import Session

    ex = Executor(Session(tmp_path))
    (tmp_path / "m.xml").write_text(
        '<source_library title="t"><source name="iso" type="DiffuseSource">'
        '<spectrum type="PowerLaw"><parameter name="Prefactor" value="1" scale="1e-7" min="0" max="100" free="1"/>'
        '<parameter name="Index" value="-2" scale="1" min="-5" max="0" free="1"/>'
        '<parameter name="Scale" value="100" scale="1" min="10" max="1000" free="0"/></spectrum>'
        '<spatialModel type="ConstantValue"><parameter name="Value" value="1" scale="1" min="0" max="10" '
        'free="0"/></spatialModel></source></source_library>')
    loaded = ex.run_line("model m.xml")
    assert loaded.ok, loaded.error
    assert ex.session.source_names() == ["iso"]
    assert ex.session.history == ["model m.xml"]
    partial = ex.run_line("model srcmaps=x.fits outfile=o.fits")
    assert not partial.ok and partial.error == "model: parameter 'srcmdl' is required (Source model file)"
    both = ex.run_line("model m.xml srcmaps=x.fits srcmdl=m.xml outfile=o.fits")
    assert not both.ok and "not both" in both.error
    assert ex.session.history == ["model m.xml"]
