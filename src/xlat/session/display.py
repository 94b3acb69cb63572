"""Display settings of a session: how much the front-ends show and where they log output.

These do not change the analysis; the commands that set them (``chatter``, ``log``) are
not journalled. Front-ends read them before printing each outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CHATTER_MIN, CHATTER_MAX, CHATTER_DEFAULT = 0, 4, 2


@dataclass
class DisplaySettings:
    """Verbosity and output log of one session.

    ``chatter``: 0 errors only; 1 results and warnings; 2 normal (default); 3 also timings
    and the text of each command of a replayed script; 4 also debug messages.
    ``log_path``: when set, the front-end copies every command and its output (plain
    text) to this file, like XSPEC's ``log``.
    """

    chatter: int = CHATTER_DEFAULT
    log_path: Path | None = None
