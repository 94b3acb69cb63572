"""The widgets of the TUI, one module each."""
