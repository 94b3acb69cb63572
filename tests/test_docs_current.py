"""docs/commands.md is what the command registry generates (commands.help.commands_markdown).

When this fails after a change of a command, regenerate the file: ``python tools/make_commands_doc.py``.
"""

from __future__ import annotations

from pathlib import Path

from xlat.commands import REGISTRY, load_builtin
from xlat.commands.help import commands_markdown

DOC = Path(__file__).resolve().parents[1] / "docs" / "commands.md"


def test_commands_md_is_current() -> None:
    load_builtin()
    stale = "docs/commands.md is stale: run python tools/make_commands_doc.py"
    assert DOC.read_text() == commands_markdown(), stale


def test_every_command_and_parameter_is_documented() -> None:
    load_builtin()
    text = DOC.read_text()
    for name, cls in REGISTRY.commands.items():
        assert f"### {name}\n" in text
        for spec in cls.specs():
            assert f"| `{spec.name}` |" in text, (name, spec.name)
