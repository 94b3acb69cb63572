"""The parameter table: rows from the model, sorting, filtering, and keys that submit command text."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import log_words, model_session, settle

from xlat.tui.app import XlatApp
from xlat.tui.params import filter_rows, newpar_command, param_rows, sort_rows, toggle_command
from xlat.tui.widgets.params_table import ParamsTable, column_widths, wanted_width

pytestmark = pytest.mark.tui

# SMALL_MODEL (tests/tui_helpers.py): 3 sources, 8 spectral parameters in file order
REFS = ["4FGL J1256.1-0547:norm", "4FGL J1256.1-0547:alpha", "4FGL J1256.1-0547:beta", "4FGL J1256.1-0547:Eb",
        "4FGL J1229.0+0202:Prefactor", "4FGL J1229.0+0202:Index", "4FGL J1229.0+0202:Scale", "iso:Value"]


def test_rows_follow_the_model_in_file_order(tmp_path: Path) -> None:
    rows = param_rows(model_session(tmp_path))
    assert [r.reference for r in rows] == REFS and [r.number for r in rows] == list(range(1, 9))
    norm = rows[0]
    assert (norm.value, norm.scale, norm.min, norm.max, norm.free, norm.error) == (3.5, 1e-11, 0.0, 100.0, True, None)
    assert norm.cells() == ("1", "4FGL J1256.1-0547", "norm", "3.5", "", "0", "100", "1e-11", "free")
    assert [r.status for r in rows].count("free") == 4


def test_no_model_no_rows(tmp_path: Path) -> None:
    from xlat.session.state import Session

    assert param_rows(Session(tmp_path)) == []


def test_filter_by_substring_or_glob(tmp_path: Path) -> None:
    rows = param_rows(model_session(tmp_path))
    assert {r.source for r in filter_rows(rows, "j12")} == {"4FGL J1256.1-0547", "4FGL J1229.0+0202"}
    assert [r.reference for r in filter_rows(rows, "*+0202")] == REFS[4:7]
    assert filter_rows(rows, "  ") == rows and filter_rows(rows, "nothing") == []


def test_sort_by_value_and_reverse_keep_missing_last(tmp_path: Path) -> None:
    rows = param_rows(model_session(tmp_path))
    by_value = sort_rows(rows, "value")
    assert [r.value for r in by_value] == sorted(r.value for r in rows)
    assert [r.value for r in sort_rows(rows, "value", reverse=True)] == sorted((r.value for r in rows), reverse=True)
    assert [r.number for r in sort_rows(rows, "error")] == list(range(1, 9))  # no errors yet: show par order
    assert [r.source for r in sort_rows(rows, "source")][:3] == ["4FGL J1229.0+0202"] * 3


def test_key_commands_quote_names_with_spaces(tmp_path: Path) -> None:
    rows = param_rows(model_session(tmp_path))
    assert toggle_command(rows[0]) == 'freeze "4FGL J1256.1-0547:norm"'
    assert toggle_command(rows[2]) == 'thaw "4FGL J1256.1-0547:beta"'
    assert toggle_command(rows[7]) == "freeze iso:Value"
    assert newpar_command(rows[7], " 2.5 ") == "newpar iso:Value 2.5"
    assert newpar_command(rows[7], "2.5, 0 10") == "newpar iso:Value 2.5 0 10"


@pytest.mark.parametrize("text, problem", [("", "VALUE"), ("1 2", "VALUE"), ("abc", "'abc' is not a number"),
                                           ("nan", "not a finite number")])
def test_newpar_text_is_checked(tmp_path: Path, text: str, problem: str) -> None:
    row = param_rows(model_session(tmp_path))[0]
    with pytest.raises(ValueError, match=problem):
        newpar_command(row, text)


def test_column_widths_fit_80_columns_and_grow() -> None:
    # "4FGL J1256.1-0547" is 17 characters, "Normalization" 13
    narrow = column_widths(80, longest_source=17, longest_param=13)
    assert "scale" not in narrow and (narrow["source"], narrow["param"]) == (17, 13)
    assert sum(narrow.values()) + 2 * len(narrow) + 1 <= 80
    tight = column_widths(70, longest_source=17, longest_param=13)  # names are cut, the source first
    assert (tight["source"], tight["param"]) == (8, 12) and sum(tight.values()) + 2 * len(tight) + 1 == 70
    wide = column_widths(130, longest_source=17, longest_param=13)
    assert "scale" in wide and wide["source"] == 17


def test_wanted_width_shows_every_name(tmp_path: Path) -> None:
    rows = param_rows(model_session(tmp_path))  # longest source 17 characters, longest parameter 9
    width = wanted_width(rows)
    assert column_widths(width, 17, 9)["source"] == 17 and column_widths(width - 1, 17, 9)["source"] == 16


async def test_space_toggles_free_through_freeze_and_thaw(tmp_path: Path) -> None:
    app = XlatApp(model_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2")
        assert isinstance(app.focused, ParamsTable)
        await pilot.press("down", "space")
        await settle(pilot, app)
        table = app.params_pane.table
        assert table.get_cell("4FGL J1256.1-0547:alpha", "status") == "fixed"
        assert isinstance(app.focused, ParamsTable) and table.cursor_row == 1  # the view stays where it was
        await pilot.press("space")
        await settle(pilot, app)
        assert table.get_cell("4FGL J1256.1-0547:alpha", "status") == "free"
        await pilot.press("x")
        await settle(pilot, app)
        await pilot.press("f4")  # the log renders once it is shown
        text = log_words(app)
        assert "Parameters 8/8, 3 free" in str(app.params_pane.border_title)
    assert 'xlat> freeze "4FGL J1256.1-0547:alpha" [key]' in text
    assert app.session.history == ["model small.xml", "freeze '4FGL J1256.1-0547:alpha'",
                                   "thaw '4FGL J1256.1-0547:alpha'", "freeze '4FGL J1256.1-0547:alpha'"]


async def test_edit_submits_newpar(tmp_path: Path) -> None:
    app = XlatApp(model_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f2", *["down"] * 7, "e")
        assert type(app.screen).__name__ == "EditValueScreen"
        edit = app.screen.query_one("#edit-input")
        assert edit.value == "1"
        edit.value = "oops"
        await pilot.press("enter")
        assert "'oops' is not a number" in str(app.screen.query_one("#edit-error").render())
        edit.value = "2.5"
        await pilot.press("enter")
        await settle(pilot, app)
        assert type(app.screen).__name__ == "Screen"
        assert app.params_pane.table.get_cell("iso:Value", "value") == "2.5"
        await pilot.press("enter")  # enter edits too; escape leaves without a command
        assert type(app.screen).__name__ == "EditValueScreen"
        await pilot.press("escape")
        await settle(pilot, app)
    assert app.session.history == ["model small.xml", "newpar iso:Value 2.5"]


async def test_filter_sort_and_reverse_change_only_the_view(tmp_path: Path) -> None:
    app = XlatApp(model_session(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.params_pane
        await pilot.press("f2", "slash")
        assert app.focused is pane.query_one("#param-filter")
        await pilot.press(*"0202")
        assert [r.reference for r in pane.shown] == REFS[4:7]
        await pilot.press("enter")
        assert isinstance(app.focused, ParamsTable)
        await pilot.press("s", "s", "s")  # number -> source -> param -> value
        assert pane.sort_column == "value" and [r.value for r in pane.shown] == [1.65, 2.5, 300.0]
        await pilot.press("r")
        assert [r.value for r in pane.shown] == [300.0, 2.5, 1.65]
        assert "by value desc" in str(pane.border_title) and "filter '0202'" in str(pane.border_title)
        await pilot.press("escape")
        assert app.focused is app.command_input
    assert app.session.history == ["model small.xml"]  # views are not recorded
