"""Writing the session history as a clean, replayable script under sessions/."""

from __future__ import annotations

from pathlib import Path

from xlat.errors import OutputExistsError
from xlat.session.history import file_digest, script_header
from xlat.session.state import Session


def script_path(session: Session, name: str) -> Path:
    """A bare NAME means sessions/NAME.xlat in the working folder; anything else is a path."""
    p = Path(name)
    if p.suffix == "" and len(p.parts) == 1:
        return session.workdir / "sessions" / f"{name}.xlat"
    return session.path(p)


def save_session_script(session: Session, name: str, clobber: bool = True) -> Path:
    """Write the header and the canonical history; returns the path written."""
    path = script_path(session, name)
    if path.exists() and not clobber:
        raise OutputExistsError(f"{path}: script exists; use clobber=yes to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    inputs = [(str(p), file_digest(p)) for p in session.input_files() if Path(p).is_file()]
    text = "\n".join(script_header("session script", inputs) + session.history) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
