"""``python -m xlat`` runs the shell entry point."""

try:
    from xlat.cli import main
except KeyboardInterrupt:  # Ctrl-C while the modules load: no traceback
    import sys

    print("xlat: cancelled by the user", file=sys.stderr)
    raise SystemExit(1) from None

raise SystemExit(main())
