"""XlatApp: the Textual front-end over one Session and its Executor.

Panes: the parameter table (F2), the plot (F3) and the log (F4), above a status line, the
completion hints and the command line. Below 120 x 32 cells one pane is shown at a time
(F2-F5 switch); larger terminals show all three.

Every command, typed or produced by a key, is command *text* handed to
:meth:`XlatApp.submit`: it is echoed in the log, run by the Executor in a thread worker
(``@work(thread=True)``), and its outcome comes back as a
:class:`~xlat.tui.messages.CommandFinished` message, whose handler updates every pane from
the session on the UI thread. The worker never touches a widget. One command runs at a
time: the command line is disabled meanwhile, ctrl+c or escape cancel it through the
executor's CancelToken, and long steps feed the progress bar through
:class:`~xlat.tui.progress.TextualProgress`. View actions (panes, sorting, filtering,
theme) are Textual actions and are not recorded.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.geometry import Size
from textual.widgets import Footer, Input, Label, Static

from xlat.commands.executor import Executor, Outcome
from xlat.progress import Progress
from xlat.render.context import RenderContext
from xlat.session.results import FrontEndRequest, QuitRequest
from xlat.session.state import Session
from xlat.tui.history import InputHistory
from xlat.tui.messages import CommandFinished, LogLine, NestedOutcome, ProgressChanged, ReplayFinished
from xlat.tui.palette import RegistryCommands
from xlat.tui.progress import TextualProgress
from xlat.tui.report import OutputLogFile, error_line, outcome_renderables, split_plots
from xlat.tui.status import FitTiming
from xlat.tui.widgets.command_line import CommandInput
from xlat.tui.widgets.edit_value import EditValueScreen
from xlat.tui.widgets.keys_screen import KeysScreen
from xlat.tui.widgets.output_log import PROMPT, OutputLog
from xlat.tui.widgets.params_table import ParamsPane, ParamsTable, wanted_width
from xlat.tui.widgets.plot_pane import PlotPane
from xlat.tui.widgets.status_bar import StatusBar
from xlat.tui.worker import REDRAW_AFTER, LogToApp, execute, fit_like, redraw_plot, replay_script

log = logging.getLogger(__name__)

PANES = ("params", "plot", "log")
WIDE_SIZE = (120, 32)
"""From this many columns and rows on, all panes are shown at once."""
DEFAULT_PLOT = "plot spectrum"
WELCOME = "xlat: Fermi-LAT binned likelihood session. Type help; F1 lists the keys; ctrl+q quits."
DARK, LIGHT = "textual-dark", "textual-light"


class XlatApp(App[None]):
    """The xlat TUI."""

    CSS_PATH = "xlat.tcss"
    TITLE = "xlat"
    COMMANDS = App.COMMANDS | {RegistryCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "keys", "Keys"),
        Binding("f2", "pane('params')", "Params"),
        Binding("f3", "pane('plot')", "Plot"),
        Binding("f4", "pane('log')", "Log"),
        Binding("f5", "next_pane", "Next", show=False),
        Binding("f6", "toggle_theme", "Theme", show=False),
        Binding("f", "key_command('fit')", "Fit", show=False),
        Binding("u", "key_command('undo')", "Undo", show=False),
        Binding("colon", "focus_command", "Command line", show=False),
        Binding("escape", "escape", "Back", show=False),
        Binding("ctrl+c", "interrupt", "Cancel", show=False, priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, session: Session, executor: Executor | None = None, *, script: Path | None = None,
                 history: InputHistory | None = None) -> None:
        super().__init__()
        self.session = session
        self.executor = executor if executor is not None else Executor(session)
        self.script = script
        self.history = history if history is not None else InputHistory(None)
        self.tprogress: Progress = TextualProgress(self)
        self.outlog = OutputLogFile()
        self.busy = False
        self.replaying = False
        self.pane = "log"
        self.plot_command = DEFAULT_PLOT
        self._cancel_requested = False
        self._quit_when_idle = False
        self._focus_after: Any = None
        self._wide = False
        self._saved: tuple[Any, list[Any]] = (self.executor.progress, [])
        self._log_handler = LogToApp(self.post_message, lambda: self.session.display.chatter)

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        with Container(id="main", classes="-compact -show-log"):
            yield ParamsPane(self.session, id="params", classes="pane")
            yield PlotPane(id="plot", classes="pane")
            yield OutputLog(id="log", classes="pane")
        yield StatusBar(self.session, id="status")
        yield Static("", id="hints")
        with Horizontal(id="command-bar"):
            yield Label(PROMPT.rstrip() + " ", id="prompt")
            yield CommandInput(self.session, self.history, id="command", compact=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.theme = DARK
        # report progress and nested outcomes here while the app runs; the REPL's come back after
        self._saved = (self.executor.progress, list(self.executor.nested_listeners))
        self.executor.progress = self.tprogress
        self.executor.nested_listeners[:] = [self._on_nested]
        logging.getLogger("xlat").addHandler(self._log_handler)
        self.set_interval(0.1, self._reassert_cancel)
        self._apply_layout()
        self.log_pane.add(Text(WELCOME, style="dim"))
        self.refresh_panes()
        if self.session.products.get("model") is not None:
            self.show_pane("params")
        self.command_input.focus()
        if self.script is not None:
            self.replaying = True
            self._start_busy(f"replay {self.script}")
            self.replay(self.script)

    def on_unmount(self) -> None:
        progress, listeners = self._saved
        self.executor.progress = progress
        self.executor.nested_listeners[:] = listeners
        logging.getLogger("xlat").removeHandler(self._log_handler)
        self.outlog.close()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(event.size)

    @property
    def wide(self) -> bool:
        return self._wide

    def _apply_layout(self, size: Size | None = None) -> None:
        size = size or self.size
        self._wide = size.width >= WIDE_SIZE[0] and size.height >= WIDE_SIZE[1]
        main = self.query_one("#main")
        if self._wide:  # the table as wide as its names need, between half and two thirds of the screen
            share = wanted_width(self.params_pane.rows) + 1
            width = max(size.width // 2, min(share, 2 * size.width // 3))
            main.styles.grid_columns = (f"{width}", "1fr")
        main.set_class(self.wide, "-wide")
        main.set_class(not self.wide, "-compact")
        for name in PANES:
            main.set_class(name == self.pane, f"-show-{name}")

    @property
    def log_pane(self) -> OutputLog:
        return self.query_one(OutputLog)

    @property
    def params_pane(self) -> ParamsPane:
        return self.query_one(ParamsPane)

    @property
    def plot_pane(self) -> PlotPane:
        return self.query_one(PlotPane)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def command_input(self) -> CommandInput:
        return self.query_one(CommandInput)

    def show_pane(self, name: str, focus: bool = False) -> None:
        """Make a pane visible (compact layout) and optionally focus its content."""
        self.pane = name
        self._apply_layout()
        if focus and name == "params":
            self.params_pane.table.focus()
        elif focus and name == "log":
            self.log_pane.focus()
        elif not self.wide and isinstance(self.focused, (ParamsTable, OutputLog, Input)) \
                and self.focused is not self.command_input and not self._visible(self.focused):
            self.command_input.focus()

    def _visible(self, widget: Any) -> bool:
        pane = next((a for a in widget.ancestors_with_self if getattr(a, "id", None) in PANES), None)
        return pane is None or self.wide or pane.id == self.pane

    # ------------------------------------------------------------ view actions (not recorded)

    def action_pane(self, name: str) -> None:
        self.show_pane(name, focus=not self.busy or name != "params")

    def action_next_pane(self) -> None:
        self.show_pane(PANES[(PANES.index(self.pane) + 1) % len(PANES)], focus=True)

    def action_keys(self) -> None:
        self.push_screen(KeysScreen())

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_focus_command(self) -> None:
        if not self.busy:
            self.command_input.focus()

    def start_line(self, text: str) -> None:
        """Put ``text`` into the command line (the palette's commands); nothing runs yet."""
        if self.busy:
            return
        self.command_input.value = text
        self.command_input.cursor_position = len(text)
        self.command_input.focus()

    def action_escape(self) -> None:
        focused = self.focused
        if self.busy:
            self.action_interrupt()
        elif isinstance(focused, Input) and focused.id == "param-filter":
            self.params_pane.table.focus()
        elif focused is self.command_input:
            self.command_input.clear_completion()
        else:
            self.command_input.focus()

    def action_interrupt(self) -> None:
        """ctrl+c: cancel the running command; at an idle command line, clear it (as in the REPL)."""
        if self.busy:
            if not self._cancel_requested:
                self._cancel_requested = True
                self.executor.cancel.cancel()
                self.log_pane.add(Text("warning: cancelling: the command stops at its next check", style="yellow"))
            return
        self.command_input.value = ""
        self.command_input.clear_completion()
        self.command_input.focus()

    async def action_quit(self) -> None:
        if self.busy and not self._quit_when_idle:
            self._quit_when_idle = True
            self.action_interrupt()
            self.notify("quitting when the running command stops (ctrl+q again: now)", severity="warning")
            return
        self.exit()

    def _reassert_cancel(self) -> None:
        # the executor resets its token when a command starts: keep asking until it ends
        if self.busy and self._cancel_requested:
            self.executor.cancel.cancel()

    # ------------------------------------------------------------ commands

    def action_key_command(self, line: str) -> None:
        self.submit(line, origin="key")

    @on(CommandInput.Submitted, "#command")
    def _typed(self, event: Input.Submitted) -> None:
        line = event.value
        self.command_input.clear_completion()
        if not line.strip():
            return
        self.history.append(line)
        self.command_input.value = ""
        self.submit(line, origin="typed")

    @on(ParamsPane.Command)
    def _table_command(self, event: ParamsPane.Command) -> None:
        self.submit(event.text, origin="key")

    @on(ParamsPane.Edit)
    def _edit(self, event: ParamsPane.Edit) -> None:
        if self.busy:
            self.notify("a command is running: wait, or ctrl+c to cancel it", severity="warning")
            return

        def done(text: str | None) -> None:
            if text:
                self.submit(text, origin="key")

        self.push_screen(EditValueScreen(event.row), done)

    def submit(self, line: str, origin: str = "typed") -> bool:
        """Run one command line (typed, or made by a key) in the worker; False when busy."""
        line = line.strip()
        if not line:
            return False
        if self.busy:
            self.notify("a command is running: wait, or ctrl+c to cancel it", severity="warning")
            return False
        self.log_pane.echo(line, origin)
        self.outlog.write(self.session.display.log_path, [Text(PROMPT + line)])
        self._focus_after = self.focused if origin != "typed" else self.command_input
        self._start_busy(line)
        self.run_command(line, origin, self.plot_command)
        return True

    def _start_busy(self, line: str) -> None:
        self.busy = True
        self._cancel_requested = False
        self.command_input.disabled = True
        self.status_bar.start(line)

    def _stop_busy(self) -> None:
        self.busy = False
        self._cancel_requested = False
        self.status_bar.stop()
        self.command_input.disabled = False
        target = self._focus_after
        self._focus_after = None
        if target is None or not target.is_attached or not self._visible(target) or target is self.command_input:
            target = self.command_input
        if self.screen is self.screen_stack[0]:
            target.focus()

    @work(thread=True, group="executor", exit_on_error=False)
    def run_command(self, line: str, origin: str, plot_line: str) -> None:
        """Worker thread: run the line, then redraw the plot after a fit; post the outcomes back."""
        outcome = execute(self.executor, line)
        plot = None
        if fit_like(outcome, REDRAW_AFTER) and not self.executor.cancel.cancelled:
            plot = redraw_plot(self.executor, plot_line)
        self.post_message(CommandFinished(line, outcome, origin, plot))

    @work(thread=True, group="executor", exit_on_error=False)
    def replay(self, path: Path) -> None:
        """Worker thread: replay a script at start-up, one progress step per command."""
        replay_script(self.executor, path, self.tprogress, self.plot_command, self.post_message,
                      lambda: self._cancel_requested)

    def _on_nested(self, outcome: Outcome) -> None:
        self.post_message(NestedOutcome(outcome))  # called in the worker thread

    # ------------------------------------------------------------ outcomes (UI thread)

    def _render_context(self) -> RenderContext:
        return RenderContext(width=self.log_pane.render_width(), height=max(12, self.size.height - 6), color=True,
                             chatter=self.session.display.chatter)

    def show_outcome(self, outcome: Outcome, nested: bool = False, show_result: bool = True) -> list[Any]:
        """Write an outcome to the log (and the output log file); returns its plot records."""
        shown, plots = outcome_renderables(outcome, self._render_context(), nested, show_result)
        for renderable in shown:
            self.log_pane.add(renderable)
        if self.session.display.log_path is not None:
            plain = RenderContext(width=100, height=24, color=False, chatter=self.session.display.chatter)
            self.outlog.write(self.session.display.log_path,
                              outcome_renderables(outcome, plain, nested, show_result, plots_inline=True)[0])
        return plots

    def on_command_finished(self, message: CommandFinished) -> None:
        outcome = message.outcome
        self._stop_busy()
        # chatter 4 lets xlat's debug messages through (as in the REPL)
        logging.getLogger("xlat").setLevel(logging.DEBUG if self.session.display.chatter >= 4 else logging.NOTSET)
        if outcome is not None:
            plots = self.show_outcome(outcome)
            if plots:
                self.plot_pane.show(plots[-1], command=message.line)
                self.plot_command = message.line
            if fit_like(outcome):
                self.status_bar.timing = FitTiming(outcome.elapsed_s, time.time())
            self._show_plot_outcome(message.plot)
            self._follow(outcome, message.origin, bool(plots))
            if outcome.ok and isinstance(outcome.result, FrontEndRequest):
                self.log_pane.add(Text(f"{outcome.result.front_end}: already open", style="dim"))
        self.refresh_panes()
        if self._quit_when_idle or (outcome is not None and outcome.ok and isinstance(outcome.result, QuitRequest)):
            self.exit()

    def _show_plot_outcome(self, plot: Outcome | None) -> None:
        if plot is None:
            return
        if not plot.ok:
            self.plot_pane.show_error(f"{plot.text}: {plot.error}")
            return
        _, records = split_plots(plot.result)
        if records:
            self.plot_pane.show(records[-1], command=plot.text)

    def _follow(self, outcome: Outcome, origin: str, plotted: bool) -> None:
        """Compact layout: show the pane that has the news (keys leave the view where it is)."""
        if origin == "typed":
            if plotted:
                self.show_pane("plot")
            elif outcome.command is None or outcome.command.name not in ("freeze", "thaw", "newpar", "tie", "untie"):
                self.show_pane("log")
        elif not outcome.ok and not self.wide and self.pane != "log":
            self.notify(str(outcome.error), severity="error", timeout=6)

    def on_nested_outcome(self, message: NestedOutcome) -> None:
        # the start-up replay shows errors and warnings only (as the REPL's resume); run FILE shows results
        plots = self.show_outcome(message.outcome, nested=True, show_result=not self.replaying)
        if plots:
            self.plot_pane.show(plots[-1], command=message.outcome.text)

    def on_replay_finished(self, message: ReplayFinished) -> None:
        self.replaying = False
        self._stop_busy()
        self._show_plot_outcome(message.plot)
        if message.error:
            self.log_pane.add(error_line(f"replay stopped: {message.error}"))
        self.log_pane.add(Text(f"replayed {message.count} commands from {message.path}"))
        self.script = None
        self.refresh_panes()
        if self.session.products.get("model") is not None and not self.wide:
            self.show_pane("params")
        if self._quit_when_idle:
            self.exit()

    def on_log_line(self, message: LogLine) -> None:
        if self.session.display.chatter >= 4:
            self.log_pane.add(Text(message.text, style="dim"))

    def on_progress_changed(self, message: ProgressChanged) -> None:
        self.status_bar.progress(message.task_id, message.description, message.total, message.completed,
                                 message.done)

    @on(CommandInput.Hints)
    def _hints(self, message: CommandInput.Hints) -> None:
        hints = self.query_one("#hints", Static)
        if not message.candidates:
            hints.display = False
            return
        text = Text()
        for i, cand in enumerate(message.candidates[:60]):
            if i:
                text.append("  ")
            text.append(cand.display, style="reverse" if i == message.selected else "")
        if len(message.candidates) > 60:
            text.append(f"  ... {len(message.candidates) - 60} more", style="dim")
        hints.update(text)
        hints.display = True

    def refresh_panes(self) -> None:
        """Read the session again into the table and the status line (UI thread, no command running)."""
        self.params_pane.refresh_rows()
        self.status_bar.refresh_fit()
        if self.wide:
            self._apply_layout()

