"""``python -m xlat`` runs the shell entry point (the same as the ``xlat`` console script)."""

from xlat.entry import main

raise SystemExit(main())
