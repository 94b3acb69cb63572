"""Built-in commands, one module per topic. Importing this package registers them all.

Every module in this package is imported (in alphabetical order), so adding a command
module needs no edit here. Command modules import only light modules at top level; the
session step a command runs is imported inside ``run`` so that starting the REPL stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
