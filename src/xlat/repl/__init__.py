"""The prompt_toolkit front-end: ``xlat`` with no arguments or ``xlat repl``."""
