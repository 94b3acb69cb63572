"""Base class of the commands that mirror a Fermitools program.

They share the tools' hidden parameters: ``chatter``, ``clobber``, ``debug`` and ``mode``
(``mode=h`` never prompts, as with the gt tools).
"""

from __future__ import annotations

from dataclasses import dataclass

from xlat.commands.spec import ArgSpec, Command, _specs_of, arg

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
