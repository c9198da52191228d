"""Email from the app: one-line subjects built from typed text, sending that never raises.

Typed text (a statement pasted from Excel with Alt+Enter line breaks) reaches subjects;
a header cannot hold a line break, so subjects are collapsed to one line here, for every
email the app builds. Mail is sent after the change has been committed: a failure of any
kind is logged and reported to the caller, never turned into an error page.
"""

import logging

from django.core.mail import send_mail

logger = logging.getLogger(__name__)

# Mail clients show about this much of a subject; longer ones are cut with an ellipsis.
SUBJECT_MAX_CHARS = 120


def subject_line(text, max_chars=SUBJECT_MAX_CHARS):
    """`text` on one line: any run of whitespace or control characters becomes one space."""
    printable = "".join(ch if ch.isprintable() else " " for ch in str(text))
    line = " ".join(printable.split())
    if len(line) > max_chars:
        line = line[: max_chars - 1].rstrip() + "…"
    return line


def send_logged(*, subject, body, address, about):
    """Send one email; True when it went, False (and a log line naming `about`) when not."""
    try:
        send_mail(subject_line(subject), body, None, [address])
    except Exception:  # after the commit nothing may fail the request: log and go on
        logger.exception("could not email %s about %s", address, about)
        return False
    return True
