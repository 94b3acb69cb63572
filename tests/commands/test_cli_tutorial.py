"""The shell as a user following the Binned Likelihood Tutorial sees it: prompts, messages, help.

Each test pins one behaviour found by running the tutorial's commands (``xlat <step> key=value``)
against the Fermitools' own behaviour, cited in the test.
"""

from __future__ import annotations

import io

from xlat.cli import prompt_missing
from xlat.commands import load_builtin
from xlat.commands.builtin.likelihood import Like
from xlat.commands.builtin.response import ExpCube

load_builtin()


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
