"""How much room and what kind of terminal a rendering has.

Every renderer takes a :class:`RenderContext`: plots are drawn at ``width`` x ``height``
character cells, with ANSI colours only when ``color`` is true (never in tests and logs),
and result records may show more or less depending on ``chatter`` (0-4, see
``xlat.session.display``).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RenderContext:
    """Size in character cells, colour, verbosity."""

    width: int = 80
    height: int = 24
    color: bool = False
    chatter: int = 2

    def with_size(self, width: int, height: int) -> RenderContext:
        return replace(self, width=width, height=height)


PLAIN = RenderContext()
"""80 x 24, no colour, normal verbosity: the default for tests, logs and pipes."""


def terminal_context(color: bool, chatter: int = 2, reserve_lines: int = 2) -> RenderContext:
    """A context sized to the current terminal, leaving ``reserve_lines`` for the prompt."""
    size = shutil.get_terminal_size((80, 24))
    return RenderContext(width=max(40, size.columns), height=max(12, size.lines - reserve_lines),
                         color=color, chatter=chatter)
