"""Session commands: help and the like."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from xlat.commands.spec import Command, arg, command

if TYPE_CHECKING:
    from xlat.session.state import Session


@command("help", topic="session", aliases=("?",))
@dataclass(frozen=True)
class Help(Command):
    """Show the list of commands, or the parameters of one command."""

    topic_name: str = arg("", positional=True, help="Command to describe", complete="commands")

    def run(self, session: Session) -> str:
        from xlat.commands.help import command_help, overview
        from xlat.commands.parse import resolve_command

        if not self.topic_name:
            return overview()
        return command_help(resolve_command(self.topic_name))
