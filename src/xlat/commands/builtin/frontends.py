"""Front-end commands: ``tui`` hands the REPL's session to the full-screen terminal UI.

The command only returns a :class:`~xlat.session.results.FrontEndRequest`; the REPL acts
on it (as it acts on ``quit``), so the command layer never imports a front-end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.spec import Command, command
from xlat.session.results import FrontEndRequest

if TYPE_CHECKING:
    from xlat.session.state import Session


@command("tui", topic="session")
@dataclass(frozen=True)
class Tui(Command):
    """Open the full-screen terminal UI on this session; quitting it returns to the prompt.

    From the shell: xlat tui [FILE.xlat] (replays the script first).
    """

    def run(self, session: Session) -> FrontEndRequest:
        return FrontEndRequest("tui")
