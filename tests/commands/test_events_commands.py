"""The select / mktime / vcut / bin commands: .par parameters, prompting, help and the shell."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_shared

from xlat.cli import prompt_missing
from xlat.commands import load_builtin
from xlat.commands.builtin.events import Bin, Mktime, Select, Vcut
from xlat.commands.help import command_help
from xlat.commands.parse import format_command, parse_line
from xlat.commands.spec import REGISTRY, REQUIRED

SRC = Path(__file__).resolve().parents[2] / "src"
load_builtin()


def test_select_parameters_follow_gtselect_par() -> None:
    """dataSubselector pfiles/gtselect.par: names, defaults and modes (a = query, h = hidden)."""
    names = [s.name for s in Select.specs()]
    assert names[:8] == ["infile", "outfile", "ra", "dec", "rad", "tmin", "tmax", "emin"]
    assert (Select.spec("emin").default, Select.spec("emax").default, Select.spec("zmax").default) == (
        30,
        300000,
        180,
    )
    assert Select.spec("infile").default is REQUIRED and Select.spec("ra").default is None
    assert Select.spec("zmax").query and not Select.spec("zmin").query and not Select.spec("evclass").query
    assert Select.spec("convtype").default == -1 and Select.spec("evtable").default == "EVENTS"
    assert names[-5:] == ["chatter", "clobber", "debug", "gui", "mode"]


def test_mktime_and_vcut_parameters_follow_their_par_files() -> None:
    assert Mktime.spec("filter").default == "DATA_QUAL>0 && LAT_CONFIG==1 && ABS(ROCK_ANGLE)<52"
    assert Mktime.spec("roicut").default is True and Mktime.spec("roicut").query
    assert Mktime.spec("overwrite").default is False and Mktime.spec("header_obstimes").default is True
    assert Vcut.spec("suppress_gtis").default is True and Vcut.spec("table").query


def test_bin_parameters_follow_gtbin_par() -> None:
    assert Bin.spec("algorithm").default == "PHA2" and Bin.spec("emax").default == 200000
    assert Bin.spec("proj").choices == ("AIT", "ARC", "CAR", "GLS", "MER", "NCP", "SIN", "STG", "TAN")
    assert Bin.spec("hpx_order").default == 3 and Bin.spec("hpx_ordering_scheme").default == "RING"
    assert not Bin.spec("rafield").query and Bin.spec("scfile").default == "NONE"


def test_bin_prompts_only_what_the_algorithm_needs() -> None:
    ccube = Bin.prompt_order({"algorithm": "CCUBE", "ebinalg": "LOG"})
    assert "nxpix" in ccube and "enumbins" in ccube and "tstart" not in ccube and "hpx_order" not in ccube
    lc = Bin.prompt_order({"algorithm": "LC", "tbinalg": "SNR"})
    assert "snratio" in lc and "dtime" not in lc and "nxpix" not in lc and "ebinalg" not in lc
    assert Bin.prompt_order({}) == ("algorithm",)


def test_terminal_prompts_show_the_par_defaults() -> None:
    stdin = io.StringIO("ft1.fits\nout.fits\n83.6\n22.0\n10\n\n\n100\n\n90\n")
    stdout = io.StringIO()
    given = prompt_missing(Select, {}, stdin, stdout)
    shown = stdout.getvalue()
    assert shown.startswith(
        "Input FT1 file (or @list of files) [] Output FT1 file [] RA for new search center"
    )
    assert (
        "lower energy limit (MeV) [30] " in shown and "maximum zenith angle value (degrees) [180] " in shown
    )
    assert (
        given["ra"] == 83.6 and given["tmin"] is None and given["emin"] == 100.0 and given["emax"] == 300000.0
    )


def test_prompting_bin_follows_the_answers() -> None:
    stdin = io.StringIO("CMAP\nft1.fits\ncmap.fits\n\n20\n20\n0.5\nGAL\n184.5\n-5.8\n\nCAR\n")
    stdout = io.StringIO()
    given = prompt_missing(Bin, {}, stdin, stdout)
    assert given["algorithm"] == "CMAP" and given["proj"] == "CAR" and given["coordsys"] == "GAL"
    assert "enumbins" not in given and "Type of output file [PHA2] " in stdout.getvalue()


def test_missing_required_parameter_without_a_terminal_is_one_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-m", "xlat", "select"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert out.returncode == 1
    assert out.stderr == "xlat select: parameter 'infile' is required (Input FT1 file (or @list of files))\n"


def test_help_lists_the_tool_parameters() -> None:
    text = command_help(Bin)
    assert text.startswith("bin (as gtbin):") and "hpx_region" in text and "(hidden)" in text


def test_canonical_text_round_trips() -> None:
    line = (
        "bin evfile=ft1.fits outfile=c.fits algorithm=CCUBE ebinalg=LOG emin=100 emax=100000 enumbins=24 "
        "nxpix=100 nypix=100 binsz=0.1 xref=284.25 yref=16.8833 proj=AIT"
    )
    cmd = parse_line(line)
    assert cmd is not None and parse_line(format_command(cmd)) == cmd
    select = parse_line("gtselect infile=@list.txt outfile=o.fits ra=INDEF evclass=128 evtype=3")
    assert isinstance(select, Select) and select.ra is None and select.evclass == 128


def test_vcut_prints_like_gtvcut(tmp_path: Path) -> None:
    """gtvcut layout: DSTYPn/DSUNIn/DSVALn[/DSREFn] blocks; values as Cuts re-formats them."""
    from events_helpers import ok

    from xlat.render.text import render_result

    src = require_shared("fss-nher2021", "L21061511313126BB196350_PH00.fits.gz")
    text = render_result(ok(tmp_path, "vcut", f"infile={src}").result)
    assert text.splitlines()[:6] == [
        "DSTYP1: TIME",
        "DSUNI1: s",
        "DSVAL1: TABLE",
        "DSREF1: :GTI",
        "",
        "GTIs: (suppressed)",
    ]
    assert "DSVAL3: CIRCLE(284.25,16.88333333,20)" in text and "DSVAL4: 644976005:645448376" in text
    full = render_result(ok(tmp_path, "vcut", f"infile={src}", "suppress_gtis=no").result)
    lines = full.splitlines()
    assert lines[5] == "GTIs:" and lines[6] == "644976005  644977549.085" and len(lines) > 84 + 6


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("select", Select),
        ("gtselect", Select),
        ("gtmktime", Mktime),
        ("gtvcut", Vcut),
        ("gtbin", Bin),
        ("BIN", Bin),
    ],
)
def test_tool_names_are_aliases(name: str, cls: type) -> None:
    assert REGISTRY.lookup(name) is cls


def test_step_errors_that_name_the_step_are_not_prefixed_twice(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    (tmp_path / "two.lst").write_text("a.fits\nb.fits\n")
    out = subprocess.run(
        [sys.executable, "-m", "xlat", "mktime", "evfile=@two.lst", "scfile=ft2.fits", "outfile=o.fits"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env, timeout=60, cwd=tmp_path,
    )
    assert out.returncode == 1
    assert out.stderr.startswith("xlat mktime: parameter 'evfile' must name one FT1 file, not an @list")


def test_ctrl_c_while_starting_up_is_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """SIGINT in the first ~0.2 s (commands still loading) printed a 15-line KeyboardInterrupt traceback."""
    import xlat.cli as cli

    def interrupted(_argv: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_main", interrupted)
    assert cli.main(["select"]) == 1
    assert capsys.readouterr().err == "xlat: cancelled by the user\n"


def test_ctrl_c_while_the_cli_module_loads_is_one_line(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The console script (pyproject: xlat.entry:main) loads xlat.cli inside the guard: a SIGINT
    during that import (~0.1 s) printed Python's KeyboardInterrupt traceback."""
    import builtins
    import sys
    import tomllib
    from pathlib import Path

    from xlat import entry

    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["xlat"] == "xlat.entry:main"
    real_import = builtins.__import__

    def interrupted_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "xlat.cli":
            raise KeyboardInterrupt
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "xlat.cli", raising=False)
    monkeypatch.setattr(builtins, "__import__", interrupted_import)
    assert entry.main(["select"]) == 1
    assert capsys.readouterr().err == "xlat: cancelled by the user\n"
