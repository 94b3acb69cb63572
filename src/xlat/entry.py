"""The ``xlat`` console script: the shell front end, loaded inside a Ctrl-C guard.

The console script imports this tiny module first; :mod:`xlat.cli` and the command registry
load within :func:`main`, so a Ctrl-C while they load (about 0.1 s) is the same one-line
cancel as during a step, not a Python traceback.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Run ``xlat ...``; exit status 1 (and one line on stderr) when interrupted while loading."""
    try:
        from xlat.cli import main as cli_main
    except KeyboardInterrupt:
        print("xlat: cancelled by the user", file=sys.stderr)
        return 1
    return cli_main(argv)
