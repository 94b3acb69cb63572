"""The tools' chatter for every pipeline step (gt tools: 0 silent, 1 minimal, 2 normal, 3-4 verbose).

At chatter=1 each step prints one line, whatever it prints at 2 (select, mktime and bin trimmed
their reports themselves; ltcube, expcube, srcmaps, model and like printed everything at any
chatter > 0). ``ToolCommand.run_and_record`` marks the report with the step's chatter and the
renderers show the lower of it and the front-end's. Inputs: gammalib-p8r2-crab1day (MANIFEST §1)
with the gtselect / gtmktime parameters and the model of fermitools2026-crab1day (MANIFEST §9).
"""

from __future__ import annotations

import io
import shutil
from dataclasses import replace

import pytest
from conftest import require_shared
from rich.console import Console

import xlat.commands.builtin  # noqa: F401  (registers the commands)
from xlat.commands.executor import Executor
from xlat.render.console import to_renderable
from xlat.render.context import RenderContext
from xlat.render.text import render_result
from xlat.session.results import ResultGroup, StepReport
from xlat.session.state import Session

SET1 = "gammalib-p8r2-crab1day"
IRFS = "irfs=P8R2_SOURCE_V6 evtype=3"
STEPS = (
    ("select", "select infile={ft1} outfile=sel.fits ra=83.6331 dec=22.0145 rad=15 emin=200 emax=20000 zmax=90 "
               "evclass=128 evtype=3 tmin=INDEF tmax=INDEF"),
    ("mktime", "mktime scfile={ft2} evfile=sel.fits outfile=gti.fits filter='DATA_QUAL>0 && LAT_CONFIG==1' "
               "roicut=no"),
    ("ltcube", "ltcube evfile=gti.fits scfile={ft2} outfile=lt.fits dcostheta=0.05 binsz=4 zmax=90"),
    ("bin", "bin evfile=gti.fits outfile=cc.fits algorithm=CCUBE nxpix=100 nypix=100 binsz=0.2 coordsys=GAL "
            "xref=184.557460101 yref=-5.78434644902 proj=CAR ebinalg=LOG emin=200 emax=20000 enumbins=20 "
            "scfile=NONE"),
    ("expcube", "expcube infile=lt.fits cmap=none outfile=be.fits nxpix=40 nypix=40 binsz=0.5 coordsys=GAL "
                "xref=184.5575 yref=-5.7844 proj=CAR ebinalg=LOG emin=200 emax=20000 enumbins=20 bincalc=EDGE "
                + IRFS),
    ("srcmaps", "srcmaps scfile={ft2} expcube=lt.fits cmap=cc.fits srcmdl=model.xml bexpmap=be.fits "
                "outfile=sm.fits emapbnds=no " + IRFS),
    ("model", "model srcmaps=sm.fits srcmdl=model.xml outfile=mm.fits expcube=lt.fits bexpmap=be.fits " + IRFS),
    ("like", "like cmap=sm.fits srcmdl=model.xml expcube=lt.fits bexpmap=be.fits save=no irfs=P8R2_SOURCE_V6"),
)


def rich_text(result: object, ctx: RenderContext) -> str:
    out = io.StringIO()
    Console(file=out, width=300, color_system=None, force_terminal=False).print(to_renderable(result, ctx))
    return out.getvalue().rstrip("\n")


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, StepReport]:
    """Every pipeline step run once with chatter=1: name -> its report."""
    folder = tmp_path_factory.mktemp("chatter")
    set1 = require_shared(SET1)
    shutil.copy(require_shared("fermitools2026-crab1day", "model_nogal.xml"), folder / "model.xml")
    shutil.copy(set1 / "iso_P8R2_SOURCE_V6_v06.txt", folder)
    mp = pytest.MonkeyPatch()
    mp.setenv("CALDB", str(require_shared("caldb")))
    try:
        executor = Executor(Session(folder))
        out = {}
        for name, line in STEPS:
            outcome = executor.run_line(line.format(ft1=set1 / "ft1.fits.gz", ft2=set1 / "ft2.fits.gz") + " chatter=1")
            assert outcome.ok, f"{name}: {outcome.error}"
            assert isinstance(outcome.result, StepReport)
            out[name] = outcome.result
    finally:
        mp.undo()
    return out


@pytest.mark.parametrize("name", [name for name, _ in STEPS])
def test_chatter_1_prints_one_line_for_every_step(reports: dict[str, StepReport], name: str) -> None:
    report = reports[name]
    assert report.chatter == 1  # ToolCommand.run_and_record marked it
    for ctx in (RenderContext(chatter=2), RenderContext(chatter=4)):  # the shell's and a verbose REPL's
        text = render_result(report, ctx)
        assert text == report.one_line and text and "\n" not in text
        assert rich_text(report, ctx) == text  # the REPL's and the TUI's rendering
    if name in ("ltcube", "expcube", "srcmaps", "model", "like"):  # they printed it all at chatter 1
        assert len(render_result(replace(report, chatter=2)).splitlines()) > 1


def test_like_one_line_keeps_gtlike_label(reports: dict[str, StepReport]) -> None:
    line = reports["like"].one_line
    assert line.startswith("like: -log(Likelihood): ") and "fit converged" in line
    assert any(f"-log(Likelihood): {line.split(': ')[2].split(';')[0]}" == x for x in reports["like"].lines)


def test_chatter_0_and_the_front_end_chatter() -> None:
    report = StepReport("ltcube", lines=("wrote lt.fits", "detail"), summary="ltcube: nside 16 -> lt.fits")
    assert render_result(replace(report, chatter=0)) == ""
    assert render_result(report, RenderContext(chatter=1)) == "ltcube: nside 16 -> lt.fits"  # REPL 'chatter 1'
    assert render_result(report, RenderContext(chatter=0)) == ""
    assert render_result(report, RenderContext(chatter=2)) == "wrote lt.fits\ndetail"
    assert render_result(StepReport("bin", lines=("bin: one", "  two")), RenderContext(chatter=1)) == "bin: one"


def test_with_chatter_reaches_a_report_inside_a_group() -> None:
    from xlat.commands.tool import with_chatter

    group = with_chatter(ResultGroup((StepReport("like", ("a", "b")), "plot")), 1)
    assert group.items[0].chatter == 1 and group.items[1] == "plot"
    assert render_result(group) == "a\nplot"
