"""The command language: registry, parser, executor and the built-in commands."""

from __future__ import annotations

from xlat.commands.spec import REGISTRY, Command, arg, command

__all__ = ["REGISTRY", "Command", "arg", "command", "load_builtin"]


def load_builtin() -> None:
    """Import the built-in command modules so that they register themselves."""
    import xlat.commands.builtin  # noqa: F401  (registration happens at import)
