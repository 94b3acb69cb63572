"""``xlat demo``: the Fermi-LAT Binned Likelihood Tutorial, end to end, on data xlat simulates.

1. inputs (made once, then reused from the demo folder while the parameters, the xlat version
   and the IRFs are unchanged): the source model (``catalog`` from fermipy's 4FGL-DR4 when
   installed, else the built-in list of the region's brightest sources, plus the isotropic
   template and a Galactic diffuse stand-in), 2 years of spacecraft data (``orbsim``) and the
   events of that model (``sim``);
2. a fresh session in the demo folder replays sessions/tutorial_3c279.xlat: every tutorial
   step, the fit, the model and residual maps.

Each step's report is handed to the front-end as it completes (nested outcomes), so the
shell and the REPL show progress per step. Needs nothing outside the repository and no
terminal; from a terminal the shell then opens the interactive session on the result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.commands.executor import Executor, Outcome
    from xlat.session.results import ResultGroup


@command("demo", topic="session", mutates=False)
@dataclass(frozen=True)
class Demo(Command):
    """Run the Binned Likelihood Tutorial (3C 279, 2 years) end to end on simulated data.

    The simulated inputs are made once and reused from outdir (rebuild=yes makes them again).
    The steps are those of sessions/tutorial_3c279.xlat, replayed in a fresh session in outdir.
    """

    outdir: str = arg("./xlat-demo", kind="file", help="Folder for the demo data and products")
    seed: int = arg(20261125, kind="int", minimum=0, help="Seed of the simulated data", record=True)
    rebuild: bool = arg(False, kind="bool", help="Simulate the inputs again even if they are cached")
    days: float = arg(
        0.0,
        kind="float",
        minimum=0,
        help="Simulate only this many days from the tutorial's start (0: its 2 years)",
    )

    opens_session: ClassVar[bool] = True
    """The shell opens the interactive session on the demo's result when stdin is a terminal."""

    def run_in_executor(self, executor: Executor) -> ResultGroup:
        from xlat.commands.builtin.models import Catalog
        from xlat.commands.builtin.sim import Orbsim, Sim
        from xlat.commands.executor import Executor
        from xlat.commands.script import iter_script
        from xlat.errors import XlatError
        from xlat.session.results import Message, ResultGroup
        from xlat.session.state import Session
        from xlat.session.steps import demo as steps
        from xlat.session.steps.irfs import caldb_index

        folder = executor.session.path(self.outdir)
        steps.check_outdir(folder)
        folder.mkdir(parents=True, exist_ok=True)
        inner = Executor(Session(folder), progress=executor.progress, cancel=executor.cancel)
        irf = "builtin-approximate" if _builtin(caldb_index) else "CALDB"
        plan = steps.plan_inputs(folder, self.seed, irf, self.rebuild, self.days)
        started = time.perf_counter()
        if plan.needed:
            steps.clear_stamp(plan)
            steps.write_model_inputs(plan)
            commands: list[Command] = []
            if plan.catalog is not None:
                commands.append(
                    Catalog(
                        catalog=str(plan.catalog),
                        ra=steps.CENTER[0],
                        dec=steps.CENTER[1],
                        rad=15.0,
                        outfile=steps.MODEL,
                        regfile="none",
                        galdiff=f"./{steps.STANDIN_NAME}",
                        isodiff=f"./{steps.ISO_NAME}",
                    )
                )
            commands.append(
                Orbsim(
                    outfile=steps.FT2,
                    tstart=steps.TSTART,
                    tstop=steps.tstop(self.days),
                    timestep=steps.ROW_SECONDS,
                    seed=self.seed,
                )
            )
            commands.append(
                Sim(
                    infile=steps.MODEL,
                    scfile=steps.FT2,
                    outfile=steps.FT1,
                    ra=steps.CENTER[0],
                    dec=steps.CENTER[1],
                    rad=steps.QUERY_RADIUS,
                    emin=100.0,
                    emax=500000.0,
                    seed=self.seed,
                )
            )
            for cmd in commands:
                _forward(executor, _checked(inner.run(cmd), XlatError))
            steps.write_stamp(plan)
            made = f"simulated the inputs in {time.perf_counter() - started:.1f} s"
        else:
            made = f"reusing the simulated inputs in {folder} (rebuild=yes makes them again)"
            _forward(executor, _note(f"demo: {made}"))
        replay_start = time.perf_counter()
        script = steps.script_path()
        steps_run = 0
        for _, outcome in iter_script(inner, script):
            if outcome.ok:  # a failing line stops the demo: reported once, as the demo's error (FILE:LINE)
                _forward(executor, outcome)
            steps_run += 1
        replayed = time.perf_counter() - replay_start
        _hand_over(executor, inner)
        result = steps.write_result_script(folder)
        items: list[Any] = [
            Message(
                f"demo: {made}; replayed {script.name} ({steps_run} steps) "
                f"in {replayed:.1f} s; products in {folder}"
            ),
            Message(f"to continue later: cd {folder} && xlat, then: run {result.relative_to(folder)}"),
        ]
        table = steps.fit_table(folder)
        if table is not None:
            items.append(table)
        return ResultGroup(tuple(items))


def _builtin(caldb_index: Any) -> bool:
    from xlat.products.caldb import is_builtin

    return is_builtin(caldb_index())


def _checked(outcome: Outcome, error: type[Exception]) -> Outcome:
    if not outcome.ok:
        raise error(f"demo: {outcome.text.split()[0]} failed: {outcome.error}")
    return outcome


def _note(text: str) -> Outcome:
    from xlat.commands.executor import Outcome
    from xlat.session.results import Message

    return Outcome(text="demo", command=None, ok=True, result=Message(text))


def _forward(executor: Executor, outcome: Outcome) -> None:
    """Show an inner step's outcome now (front-ends listen to nested outcomes)."""
    for listener in executor.nested_listeners:
        listener(outcome)


def _hand_over(executor: Executor, inner: Executor) -> None:
    """The outer session continues from the demo's: its folder, products, data, model state and history."""
    session, done = executor.session, inner.session
    session.workdir = done.workdir
    session.products.update(done.products)
    session.data = done.data
    session.ties = dict(done.ties)
    session.map_keys = done.map_keys
    session.pipeline = done.pipeline
    for path in done.input_files():
        session.note_input(path)
    for text in done.history:
        session.record(text)
