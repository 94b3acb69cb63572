"""The Textual front-end: a full-screen terminal UI over one Session and its Executor.

``xlat tui [FILE.xlat]`` (:func:`xlat.tui.main.run_tui`) or the REPL's ``tui`` command
(:func:`xlat.tui.main.open_tui`). Importing this package imports nothing heavy; the app
lives in :mod:`xlat.tui.app`.
"""
