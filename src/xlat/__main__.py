"""``python -m xlat`` runs the shell entry point."""

from xlat.cli import main

raise SystemExit(main())
