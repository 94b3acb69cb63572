"""The shell as a user following the Binned Likelihood Tutorial sees it: prompts, messages, help.

Each test pins one behaviour found by running the tutorial's commands (``xlat <step> key=value``)
against the Fermitools' own behaviour, cited in the test.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import require_shared

from xlat.cli import prompt_missing
from xlat.commands import load_builtin
from xlat.commands.builtin.likelihood import Like
from xlat.commands.builtin.response import ExpCube
from xlat.commands.executor import Executor
from xlat.session.state import Session

load_builtin()
SRC = Path(__file__).resolve().parents[2] / "src"


def test_expcube_with_a_counts_map_asks_no_grid_questions() -> None:
    """Likelihood src/gtexpcube2/gtexpcube2.cxx ExpCube::promptForParameters: the grid (nxpix ...
    proj), coordsys and the energy binning are prompted only when cmap is 'none' or 'hpx'."""
    stdin = io.StringIO("\n")  # evtype: keep INDEF
    stdout = io.StringIO()
    given = prompt_missing(ExpCube, {"infile": "lt.fits", "cmap": "ccube.fits", "outfile": "b.fits",
                                     "irfs": "CALDB"}, stdin, stdout)
    assert stdout.getvalue().count("[") == 1 and "Event type" in stdout.getvalue()
    assert "nxpix" not in given and "ebinfile" not in given and "emin" not in given


def test_expcube_all_sky_asks_the_grid_and_log_energies_not_ebinfile() -> None:
    names = ExpCube.prompt_order({"cmap": "none"})
    assert names[5:] == ("nxpix", "nypix", "binsz", "xref", "yref", "axisrot", "proj", "coordsys",
                         "emin", "emax", "enumbins")
    assert ExpCube.prompt_order({"cmap": "none", "ebinalg": "FILE"})[-1] == "ebinfile"
    assert ExpCube.prompt_order({"cmap": "hpx"})[5:7] == ("hpx_ordering_scheme", "hpx_order")


def test_like_prompts_in_gtlike_order() -> None:
    """Likelihood src/likelihood/likelihood.cxx promptForParameters: statistic, then cmap and
    bexpmap (BINNED), expcube, srcmdl, irfs, optimizer."""
    stdin = io.StringIO("BINNED\nsrcmaps.fits\nbexp.fits\nltcube.fits\nmodel.xml\n\nNEWMINUIT\n")
    stdout = io.StringIO()
    given = prompt_missing(Like, {}, stdin, stdout)
    assert (given["cmap"], given["bexpmap"], given["expcube"], given["srcmdl"]) == (
        "srcmaps.fits", "bexp.fits", "ltcube.fits", "model.xml")
    assert given["irfs"] == "CALDB" and given["optimizer"] == "NEWMINUIT"
    assert stdout.getvalue().startswith("Statistic to use")


def _crab_ccube_folder(path: Path) -> dict[str, Path]:
    set1 = require_shared("gammalib-p8r2-crab1day")
    shutil.copy(set1 / "iso_P8R2_SOURCE_V6_v06.txt", path)
    shutil.copy(require_shared("fermitools2026-crab1day", "model_nogal.xml"), path / "model.xml")
    return {"ccube": require_shared("fermitools2026-crab1day", "cntmap_gtbin.fits.gz"),
            "ltcube": set1 / "ltcube.fits.gz", "bexpmap": set1 / "binned_expmap.fits.gz"}


def test_like_on_a_counts_cube_does_not_enforce_the_exposure_map_bounds(tmp_path: Path, caldb: Path) -> None:
    """gtlike never sets BinnedExposure's boundary flag (off by default, Likelihood
    src/BinnedExposureBase.cxx; only gtsrcmaps reads emapbnds), so fitting a counts cube whose
    exposure map is no larger than it works (MANIFEST §9: gtsrcmaps needs emapbnds=no there)."""
    f = _crab_ccube_folder(tmp_path)
    executor = Executor(Session(tmp_path))
    out = executor.run_line(f"like cmap={f['ccube']} srcmdl=model.xml expcube={f['ltcube']} "
                            f"bexpmap={f['bexpmap']} save=no")
    assert out.ok, out.error
    analysis = executor.session.products["analysis"]
    # closure: with the isotropic normalisation free, the fitted model total equals the 853 counts
    # (MANIFEST §9 cntmap_gtbin sum) to the fit tolerance
    assert analysis.model_map().sum() == pytest.approx(853.0, rel=2e-3)


def test_model_on_a_counts_cube_does_not_enforce_the_exposure_map_bounds(tmp_path: Path, caldb: Path) -> None:
    """gtmodel (gtmodelmap.cxx) has no emapbnds either: maps computed for it do not enforce bounds."""
    f = _crab_ccube_folder(tmp_path)
    executor = Executor(Session(tmp_path))
    out = executor.run_line(f"model srcmaps={f['ccube']} srcmdl=model.xml outfile=mm.fits "
                            f"expcube={f['ltcube']} "
                            f"bexpmap={f['bexpmap']}")
    assert out.ok, out.error
    assert (tmp_path / "mm.fits").is_file()


def _shell(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run([sys.executable, "-m", "xlat", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_chatter_0_prints_nothing_but_errors(tmp_path: Path) -> None:
    """The tools' chatter=0 is silent; the shell printed the full report and the warnings anyway."""
    ph = require_shared("fss-nher2021", "L21061511313126BB196350_PH00.fits.gz")
    out = _shell(tmp_path, "select", f"infile={ph}", "outfile=sel.fits", "ra=284.25", "dec=16.8833", "rad=5",
                 "emin=100", "emax=100000", "chatter=0")
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    # a 20 deg CMAP on a 5 deg cone warns about empty pixels at chatter 2, not at 0
    args = ["bin", "evfile=sel.fits", "outfile=cmap.fits", "algorithm=CMAP", "nxpix=200", "nypix=200",
            "binsz=0.1", "coordsys=CEL", "xref=284.25", "yref=16.8833", "proj=AIT"]
    loud = _shell(tmp_path, *args)
    assert loud.returncode == 0 and "warning" in loud.stderr and loud.stdout
    quiet = _shell(tmp_path, *args, "chatter=0")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    failed = _shell(tmp_path, *args, "chatter=0", "clobber=no")
    assert failed.returncode == 1 and failed.stderr.startswith("xlat bin: ") and "clobber" in failed.stderr


def test_errors_of_a_gt_alias_name_the_step_once(tmp_path: Path) -> None:
    """'xlat gtselect ...' errors read like 'xlat select ...' ones, not 'xlat: select: ...'."""
    out = _shell(tmp_path, "gtselect", "evclas=128")
    assert (out.returncode, out.stderr) == (
        1, "xlat select: unknown parameter 'evclas'; did you mean 'evclass'?\n")
    out = _shell(tmp_path, "gtexpcube2", "infile=lt.fits", "binsz=abc")
    assert out.stderr == "xlat expcube: parameter 'binsz' expects a number, got 'abc'\n"


def test_help_overview_shows_whole_first_sentences() -> None:
    """A summary that wraps in the docstring was cut at the line end ('... residual,')."""
    from xlat.commands.builtin.plot import Plot
    from xlat.commands.help import command_help, overview

    assert Plot.summary().endswith("or the last steppar scan (profile).")
    entries = _help_entries(overview())
    assert entries["plot"].endswith("(profile).")
    assert all(not text.endswith(",") for text in entries.values())
    first = command_help(Plot).split("\n\n")[0]  # the summary line, wrapped at 79 columns
    assert " ".join(first.split()).endswith("(profile).")


def _help_entries(text: str) -> dict[str, str]:
    """The ``  name  summary`` entries of a help listing, continuation lines joined."""
    entries: dict[str, str] = {}
    name = ""
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            name, _, rest = line.strip().partition(" ")
            entries[name] = rest.strip()
        elif line.startswith("   ") and name:
            entries[name] += " " + line.strip()
        else:
            name = ""
    return entries


def test_help_lists_the_pipeline_in_tutorial_order() -> None:
    """gtselect, gtmktime, gtbin, gtltcube, gtexpcube2, gtsrcmaps, gtlike, gtmodel: the tutorial's
    order (like was listed between bin and ltcube, in module order)."""
    from xlat.commands.help import overview, topic_help

    for text in (overview(), topic_help("pipeline")):
        steps = [s for s in _help_entries(text) if s in ("select", "mktime", "bin", "ltcube", "expcube", "srcmaps", "like",
                                           "model")]
        assert steps == ["select", "mktime", "bin", "ltcube", "expcube", "srcmaps", "like", "model"]


def test_a_mistyped_prompt_answer_is_asked_again() -> None:
    """A typo in the 12th of gtbin's questions stopped the whole command; it is asked again."""
    from xlat.commands.builtin.events import Bin

    stdin = io.StringIO("CMAP\nft1.fits\ncmap.fits\n\n20\n20\nabc\n0.5\nGAL\n184.5\n-5.8\n\nXYZ\nCAR\n")
    stdout = io.StringIO()
    given = prompt_missing(Bin, {}, stdin, stdout)
    assert given["binsz"] == 0.5 and given["proj"] == "CAR"
    shown = stdout.getvalue()
    assert "bin: parameter 'binsz' expects a number, got 'abc'\n" in shown
    assert shown.count("Image scale (in degrees/pixel) [INDEF] ") == 2 and "got 'XYZ'" in shown


def test_a_warning_that_names_its_step_is_not_prefixed_twice(capsys: pytest.CaptureFixture[str]) -> None:
    """like's 'like: fit failed ...' warning was shown as 'xlat like: warning: like: fit failed ...'."""
    from xlat.cli import _print_outcome
    from xlat.commands.executor import Outcome
    from xlat.commands.parse import parse_line

    cmd = parse_line("like cmap=srcmaps.fits srcmdl=model.xml")
    _print_outcome(Outcome("like", cmd, True, result="", warnings=("like: fit failed: HESSE", "other")))
    assert capsys.readouterr().err == "xlat like: warning: fit failed: HESSE\nxlat like: warning: other\n"


def test_a_pasted_shell_line_runs_in_a_script(tmp_path: Path) -> None:
    """'xlat select ...' copied from the shell (or from a script's '$ xlat ...' echo) into a
    script or the session ran 'unknown command xlat'."""
    from xlat.commands.builtin.events import Select
    from xlat.commands.parse import parse_line

    cmd = parse_line("xlat gtselect infile=@events.txt outfile=o.fits evclass=128 evtype=3")
    assert isinstance(cmd, Select) and cmd.evclass == 128 and cmd.infile == "@events.txt"
    (tmp_path / "s.xlat").write_text("xlat help select\n")
    out = Executor(Session(tmp_path)).run_line("run s.xlat")
    assert out.ok, out.error


def test_script_lines_continue_after_a_trailing_backslash(tmp_path: Path) -> None:
    """The tutorial's long commands split with '\\' as in a shell: the script said 'cannot split
    the line: No escaped character'. A blank line ends the command, as in a shell."""
    from xlat.session.history import read_script_lines

    path = tmp_path / "t.xlat"
    path.write_text("# tutorial\nhelp \\\n   select\n\nhelp \\\n\nchatter \\\n 2\n")
    assert read_script_lines(path) == [(2, "help     select"), (5, "help  "), (7, "chatter   2")]
    out = Executor(Session(tmp_path)).run_line("run t.xlat")
    assert out.ok, out.error
    path.write_text("help\nnosuch \\\n  x=1\n")
    bad = Executor(Session(tmp_path)).run_line("run t.xlat")
    assert not bad.ok and ":2: unknown command 'nosuch'" in str(bad.error)



def test_an_internal_error_is_one_line_and_its_traceback_goes_to_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shell printed the executor's logged traceback on stderr; the REPL and the TUI keep it in
    .xlat/xlat.log. The log file is made only when something is logged."""
    import logging

    from xlat import cli
    from xlat.commands.executor import Outcome
    from xlat.commands.parse import parse_line

    monkeypatch.chdir(tmp_path)
    logger = logging.getLogger("xlat")
    before = (list(logger.handlers), logger.propagate)
    try:
        cli._log_to_file()
        assert not (tmp_path / ".xlat").exists()
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("xlat.commands.executor").exception("internal error in 'x'")
        assert "Traceback" in (tmp_path / ".xlat" / "xlat.log").read_text()
    finally:
        for handler in logger.handlers:
            if handler not in before[0]:
                handler.close()
        logger.handlers[:], logger.propagate = before
    cmd = parse_line("select infile=a.fits outfile=b.fits")
    assert cli._print_outcome(Outcome("select", cmd, False, error="internal error: ValueError: boom",
                                      internal=True)) == 2
    err = capsys.readouterr().err
    assert err == "xlat select: internal error: ValueError: boom (traceback in .xlat/xlat.log)\n"


def test_expcube_counts_map_without_wcs_keywords_is_a_one_line_error(tmp_path: Path) -> None:
    """A counts cube whose header lost CTYPE1 was an internal error (KeyError) in expcube; srcmaps
    and like already named the keyword."""
    from astropy.io import fits

    with fits.open(require_shared("xtsrcmaps-3c279", "3C279_binned_ccube.fits.gz")) as hdul:
        del hdul[0].header["CTYPE1"]
        hdul.writeto(tmp_path / "ccube.fits")
    lt = require_shared("fermitools2026-crab1day", "ltcube_zmax90.fits.gz")
    out = _shell(tmp_path, "expcube", f"infile={lt}", "cmap=ccube.fits", "outfile=b.fits",
                 "irfs=P8R3_SOURCE_V3",
                 f"caldb={require_shared('caldb')}")
    errors = [line for line in out.stderr.splitlines() if not line.startswith("xlat expcube: warning: ")]
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert errors == [(f"xlat expcube: {tmp_path / 'ccube.fits'}: primary header has no CTYPE1 keyword "
                       "(is this a gtbin counts map?)")]
    assert not (tmp_path / "b.fits").exists()


def test_a_livetime_cube_with_the_wrong_cosbins_width_is_a_one_line_error(tmp_path: Path) -> None:
    """COSBINS narrower than NBRBINS (a truncated or foreign cube) was an internal broadcasting
    error in expcube; healpix CosineBinner holds NBRBINS x (1 + PHIBINS) values per pixel."""
    from astropy.io import fits

    from xlat.errors import FileFormatError
    from xlat.products.ltcube import read_ltcube

    with fits.open(require_shared("gammalib-p8r2-crab1day", "ltcube.fits.gz")) as hdul:
        for name in ("EXPOSURE", "WEIGHTED_EXPOSURE"):
            cut = np.asarray(hdul[name].data["COSBINS"])[:, :10]
            hdul[name] = fits.BinTableHDU.from_columns([fits.Column("COSBINS", "10E", array=cut)], name=name,
                                                       header=hdul[name].header)
        hdul.writeto(tmp_path / "lt.fits")
    with pytest.raises(FileFormatError, match=r"lt.fits: COSBINS has 10 values per pixel, expected 20 "
                                              r"\(NBRBINS 20, PHIBINS 0\)$"):
        read_ltcube(tmp_path / "lt.fits")


def test_model_alone_without_a_model_says_both_ways_to_use_it(tmp_path: Path) -> None:
    """'xlat model' in the shell (gtmodel's name) said only "use 'model FILE.xml' first"."""
    out = _shell(tmp_path, "model")
    assert out.returncode == 1
    assert out.stderr == ("xlat model: no model loaded: load one with 'model FILE.xml', or give gtmodel's "
                          "parameters srcmaps=, srcmdl= and outfile=\n")


def test_indef_is_accepted_where_the_default_shown_is_indef() -> None:
    """gtbin's enumbins/nxpix/binsz... show [INDEF] in help and prompts but refused 'INDEF'."""
    from xlat.commands.builtin.events import Bin, Select
    from xlat.errors import ParameterError

    assert Bin.spec("enumbins").convert("INDEF", "bin") is None
    assert Bin.spec("binsz").convert("indef", "bin") is None
    with pytest.raises(ParameterError, match="parameter 'emin' does not accept INDEF"):
        Select.spec("emin").convert("INDEF", "select")  # default 30: INDEF is not its value


def test_catalog_asks_for_the_event_file_as_make4fglxml_takes_it() -> None:
    """make4FGLxml's inputs are the catalogue and the event file (its ROI); a terminal user was asked
    only for the catalogue and the output, then told to give evfile."""
    from xlat.commands.builtin.models import Catalog

    stdin = io.StringIO("gll_psc_v18.fit\nft1.fits\n\n")
    stdout = io.StringIO()
    given = prompt_missing(Catalog, {}, stdin, stdout)
    assert (given["catalog"], given["evfile"], given["outfile"]) == (
        "gll_psc_v18.fit", "ft1.fits", "my_model.xml")
    assert "Event file whose DSS position cut gives the ROI [] " in stdout.getvalue()
    assert Catalog.prompt_order({"ra": 1.0, "dec": 2.0, "rad": 3.0}) == ("catalog", "outfile")


def test_pha2_report_says_spectra(tmp_path: Path) -> None:
    """gtbin PHA2 on the Nova Her 2021 data: '3 spectra', not '3 spectrums'."""
    ft1 = require_shared("fss-nher2021", "ft1_00.fits.gz")
    sc = require_shared("fss-nher2021", "SC00.fits.gz")
    out = Executor(Session(tmp_path)).run_line(f"bin evfile={ft1} scfile={sc} outfile=p.pha algorithm=PHA2 "
                                               "emin=100 emax=100000 enumbins=10 dtime=86400")
    assert out.ok, out.error
    assert "3 spectra with EXPOSURE" in "\n".join(out.result.lines)


def test_cfitsio_file_name_syntax_is_named_not_reported_missing(tmp_path: Path) -> None:
    """'ft1.fits[EVENTS]' (cfitsio's extension/filter syntax, common in gt commands) was reported as
    'FT1 event file not found' although the file exists."""
    ft1 = require_shared("fss-nher2021", "ft1_00.fits.gz")
    sc = require_shared("fss-nher2021", "SC00.fits.gz")
    out = Executor(Session(tmp_path)).run_line(f"select infile={ft1}[EVENTS] outfile=o.fits")
    assert not out.ok and "cfitsio extended file names (FILE[...]) are not supported" in str(out.error)
    out = Executor(Session(tmp_path)).run_line(
        f"mktime scfile={sc}[SC_DATA] evfile={ft1} outfile=o.fits roicut=no")
    assert not out.ok and "SC00.fits.gz[SC_DATA]: cfitsio extended file names" in str(out.error)
    out = Executor(Session(tmp_path)).run_line(f"select infile={tmp_path}/none.fits[1] outfile=o.fits")
    assert str(out.error).endswith("none.fits[1]: FT1 event file not found")
    assert not (tmp_path / "o.fits").exists()


def test_file_names_expand_environment_variables_as_the_tools_do(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The Fermitools expand $(VAR) in file names (facilities::Util::expandEnvVar, e.g. Likelihood
    src/Util.cxx); 'infile=$(DATA)/ft1_00.fits.gz' was looked for literally."""
    ft1 = require_shared("fss-nher2021", "ft1_00.fits.gz")
    monkeypatch.setenv("XLAT_TEST_DATA", str(ft1.parent))
    out = Executor(Session(tmp_path)).run_line(
        "select infile=$(XLAT_TEST_DATA)/ft1_00.fits.gz outfile=o.fits")
    assert out.ok, out.error
    assert (tmp_path / "o.fits").is_file()
    monkeypatch.delenv("XLAT_TEST_DATA")
    out = Executor(Session(tmp_path)).run_line(
        "select infile=$(XLAT_TEST_DATA)/ft1_00.fits.gz outfile=p.fits")
    assert str(out.error) == (
        "environment variable XLAT_TEST_DATA in '$(XLAT_TEST_DATA)/ft1_00.fits.gz' is not set")


def test_help_overview_says_the_gt_names_work() -> None:
    """Nothing told a Fermitools user that 'xlat gtselect ...' works; the [gtselect] tags looked
    like references only."""
    from xlat.commands.help import overview
    from xlat.commands.spec import REGISTRY

    text = " ".join(overview().split())  # help is wrapped at 79 columns
    assert "also answer to those Fermitools names (xlat gtselect ..., xlat gtlike ...)" in text
    assert REGISTRY.lookup("gtselect") is not None and REGISTRY.lookup("gtlike") is not None


def test_help_flag_after_parameters_shows_the_help(tmp_path: Path) -> None:
    """'xlat select infile=x.fits --help' said "unexpected value '--help'"."""
    out = _shell(tmp_path, "gtselect", "infile=x.fits", "--help")
    assert out.returncode == 0 and out.stdout.startswith("select (as gtselect): ")


def test_vcut_of_an_at_list_says_it_reads_one_file(tmp_path: Path) -> None:
    """'vcut infile=@list.txt' said '@/.../list.txt: FITS file not found' (the list exists)."""
    (tmp_path / "list.txt").write_text(f"{require_shared('fss-nher2021', 'ft1_00.fits.gz')}\n")
    out = Executor(Session(tmp_path)).run_line("vcut infile=@list.txt")
    assert str(out.error) == (
        "vcut: parameter 'infile' must name one file, not an @list (gtvcut reads one file)")


def test_run_keep_going_exits_1_when_a_line_failed(tmp_path: Path) -> None:
    """'xlat run s.xlat keep_going=yes' exited 0 after failing lines, so a shell pipeline went on;
    each failure is one line 'xlat STEP: FILE:LINE: message' (the step not named twice)."""
    (tmp_path / "s.xlat").write_text("help select\nselect infile=none.fits outfile=o.fits\nhelp bin\n")
    out = _shell(tmp_path, "run", "s.xlat", "keep_going=yes")
    assert out.returncode == 1
    assert out.stderr == "xlat select: s.xlat:2: " + f"{tmp_path / 'none.fits'}: FT1 event file not found\n"
    assert "ran 3 commands from s.xlat, 1 failed" in out.stdout
    (tmp_path / "s.xlat").write_text("help select\n")
    assert _shell(tmp_path, "run", "s.xlat", "keep_going=yes").returncode == 0


def test_session_commands_in_the_shell_say_each_call_is_a_new_session(tmp_path: Path) -> None:
    """'xlat model m.xml' then 'xlat fit' kept saying "no model loaded": every shell call is a new
    session, which nothing said."""
    out = _shell(tmp_path, "fit")
    assert out.returncode == 1 and len(out.stderr.splitlines()) == 1
    assert out.stderr.rstrip().endswith("(each 'xlat COMMAND' starts a new session: run this in 'xlat', "
                                        "or in a script with 'xlat run FILE')")
    step = _shell(tmp_path, "select", "infile=none.fits", "outfile=o.fits")
    assert "new session" not in step.stderr  # pipeline steps are whole in one call
    (tmp_path / "s.xlat").write_text("fit\n")
    nested = _shell(tmp_path, "run", "s.xlat", "keep_going=yes")
    assert nested.returncode == 1 and "no model loaded" in nested.stderr
    assert "new session" not in nested.stderr
