"""The xlat error hierarchy.

Every error a user can cause is an :class:`XlatError` whose message is one line that
names the file, column or parameter at fault and says what was expected. Front-ends
print ``str(error)`` and nothing else; anything that is not an ``XlatError`` is an
internal error.
"""

from __future__ import annotations


class XlatError(Exception):
    """Base class of every user-facing error; the message is a single line."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split("\n")).strip())


class InputError(XlatError):
    """A file or value given by the user cannot be used (missing file, bad value)."""


class FileFormatError(InputError):
    """A file exists but is not laid out as expected (not FITS, missing HDU or column)."""


class OutputExistsError(XlatError):
    """An output file exists and clobber=no."""


class ParameterError(XlatError):
    """A command parameter is missing, unknown or has an invalid value."""


class CommandError(XlatError):
    """A command line cannot be parsed or names an unknown command."""


class ModelError(XlatError):
    """A source model is invalid (unknown function, bad parameter, duplicate name)."""


class ResponseError(XlatError):
    """An instrument response (CALDB / IRF) cannot be found or read."""


class FitError(XlatError):
    """A fit cannot be run or failed in a way the user must act on."""


class ScriptError(XlatError):
    """A session script failed at a given line."""


class Cancelled(XlatError):
    """A long-running command was cancelled by the user (Ctrl-C or the TUI)."""


class XlatWarning(UserWarning):
    """A warning meant for the user; the executor collects these into the outcome."""
