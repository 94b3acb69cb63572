"""Built-in commands, one module per topic. Importing this package registers them all.

Command modules import only light modules at top level; the session step a command
runs is imported inside ``run`` so that starting the REPL stays fast.
"""

from xlat.commands.builtin import demo  # noqa: F401
from xlat.commands.builtin import events  # noqa: F401
from xlat.commands.builtin import livetime  # noqa: F401
from xlat.commands.builtin import models  # noqa: F401
from xlat.commands.builtin import response  # noqa: F401
from xlat.commands.builtin import session  # noqa: F401
from xlat.commands.builtin import data  # noqa: F401
from xlat.commands.builtin import model  # noqa: F401
from xlat.commands.builtin import show  # noqa: F401
