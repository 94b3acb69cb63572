"""Base class of the commands that mirror a Fermitools program.

They share the tools' hidden parameters: ``chatter``, ``clobber``, ``debug`` and ``mode``
(``mode=h`` never prompts, as with the gt tools).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xlat.commands.spec import ArgSpec, Command, Kind, _specs_of, arg

if TYPE_CHECKING:
    from xlat.commands.executor import Executor
    from xlat.session.state import Session

_COMMON = ("chatter", "clobber", "debug", "gui", "mode")


@dataclass(frozen=True)
class ToolCommand(Command):
    """Common hidden parameters of the Fermitools steps."""

    chatter: int = arg(2, kind="int", minimum=0, maximum=4, help="Output verbosity (0-4)")
    clobber: bool = arg(True, kind="bool", help="Overwrite existing output files")
    debug: bool = arg(False, kind="bool", help="Activate debugging mode")
    gui: bool = arg(False, kind="bool", help="GUI mode activated (accepted for compatibility; no effect)")
    mode: str = arg("ql", choices=("ql", "h", "q", "a", "hl"), help="Mode of automatic parameters (h: never prompt)")

    @classmethod
    def specs(cls) -> tuple[ArgSpec, ...]:
        """The tool's own parameters in .par order, then the common hidden ones (as in the .par files)."""
        specs = _specs_of(cls)
        return tuple(s for s in specs if s.name not in _COMMON) + tuple(s for s in specs if s.name in _COMMON)

    def run_in_executor(self, executor: Executor) -> Any:
        """Run the step, then record the provenance of the files it wrote (``session/pipeline.py``)."""
        return self.run_and_record(executor.session)

    def run_and_record(self, session: Session) -> Any:
        """Run on ``session`` and register its outputs, with this run as the way to rebuild them."""
        result = with_chatter(self.run(session), self.chatter)
        files = [(s.name, str(getattr(self, s.name))) for s in self.specs()
                 if s.kind is Kind.FILE and isinstance(getattr(self, s.name), str)]
        parameters = {k: str(v) for k, v in self.given().items() if k not in _COMMON}
        session.note_step(self.name, files, parameters, lambda: self.run_and_record(session))
        return result


def with_chatter(result: Any, chatter: int) -> Any:
    """The step's report marked with its chatter parameter (also inside a ResultGroup), so that every
    front-end shows a step at chatter 1 as one line and at 0 not at all (``StepReport``)."""
    from dataclasses import replace

    from xlat.session.results import ResultGroup, StepReport

    if isinstance(result, StepReport):
        return replace(result, chatter=chatter)
    if isinstance(result, ResultGroup):
        return ResultGroup(tuple(with_chatter(item, chatter) for item in result.items))
    return result
