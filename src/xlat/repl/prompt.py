"""The prompt text: ``xlat>``, plus a short status of the session when there is one.

:func:`status_text` is the place to add state (fit status, -logL) once the model and
fit commands exist; it reads the session through duck typing so that it never fails.
"""

from __future__ import annotations

from prompt_toolkit.formatted_text import FormattedText

from xlat.session.state import Session

PROMPT_STYLE = {"prompt": "ansigreen bold", "status": "ansiyellow"}


def status_text(session: Session) -> str:
    """A few words about the session for the prompt ('' when there is nothing to say)."""
    like = session.like_analysis()
    if like is not None:  # the like step's fit is the newest
        return f"-logL {-like.log_like():.2f}"
    fit = session.products.get("fit")
    value = getattr(fit, "minus_log_likelihood", None)
    if isinstance(value, (int, float)):
        return f"-logL {value:.2f}"
    return ""


def prompt_message(session: Session) -> FormattedText:
    """``xlat>`` or ``xlat [status]>`` as prompt_toolkit formatted text."""
    status = status_text(session)
    parts = [("class:prompt", "xlat")]
    if status:
        parts += [("", " "), ("class:status", f"[{status}]")]
    parts.append(("class:prompt", "> "))
    return FormattedText(parts)


def plain_prompt(session: Session) -> str:
    """The prompt as plain text (for the output log)."""
    return "".join(text for _, text in prompt_message(session))
