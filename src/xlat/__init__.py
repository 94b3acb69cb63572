"""xlat: Fermi-LAT binned likelihood analysis in one fast package with an XSPEC-style session.

The package is layered: ``core`` (numeric, pure functions on arrays) <- ``products``
(FITS/XML files and containers) <- ``session`` (state) <- ``commands`` (the command
language) and ``render`` <- ``repl`` / ``tui`` / ``cli`` (front-ends). Importing
``xlat`` loads nothing heavy.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
