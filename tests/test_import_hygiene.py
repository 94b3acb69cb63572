"""The layer rules: the lower layers never load a UI package (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
UI = ("textual", "prompt_toolkit", "plotext", "rich")


@pytest.mark.parametrize("module", ["xlat.core", "xlat.products", "xlat.session", "xlat.commands"])
def test_lower_layers_load_no_ui_package(module: str) -> None:
    code = (
        f"import sys, importlib, pkgutil; import {module} as m\n"
        "for info in pkgutil.walk_packages(m.__path__, m.__name__ + '.'):\n"
        "    importlib.import_module(info.name)\n"
        f"bad = sorted(n for n in sys.modules if n.split('.')[0] in {UI!r} or n.startswith(('xlat.render', 'xlat.repl', 'xlat.tui')))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{module} pulled in UI modules: {out.stdout.strip()}"


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    if not lint.exists():
        pytest.skip("import-linter not installed")
    root = SRC.parent
    out = subprocess.run([str(lint)], capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(SRC), "PATH": str(lint.parent)})
    assert out.returncode == 0, out.stdout + out.stderr


def test_importing_xlat_is_light() -> None:
    code = "import sys, xlat; print(','.join(n for n in ('numpy','astropy','scipy') if n in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": str(SRC)})
    assert out.stdout.strip() == ""
