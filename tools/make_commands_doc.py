#!/usr/bin/env python
"""Write docs/commands.md from the command registry: ``python tools/make_commands_doc.py``."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from xlat.commands import load_builtin  # noqa: E402
from xlat.commands.help import commands_markdown  # noqa: E402

if __name__ == "__main__":
    load_builtin()
    (REPO / "docs" / "commands.md").write_text(commands_markdown())
    print(f"wrote {REPO / 'docs' / 'commands.md'}")
