"""Base class of the commands that mirror a Fermitools program.

They share the tools' hidden parameters: ``chatter``, ``clobber``, ``debug`` and ``mode``
(``mode=h`` never prompts, as with the gt tools).
"""

from __future__ import annotations

from dataclasses import dataclass

from xlat.commands.spec import Command, arg


@dataclass(frozen=True)
class ToolCommand(Command):
    """Common hidden parameters of the Fermitools steps."""

    chatter: int = arg(2, kind="int", minimum=0, maximum=4, help="Output verbosity (0-4)")
    clobber: bool = arg(True, kind="bool", help="Overwrite existing output files")
    debug: bool = arg(False, kind="bool", help="Activate debugging mode")
    mode: str = arg("ql", choices=("ql", "h", "q", "a", "hl"), help="Mode of automatic parameters (h: never prompt)")
