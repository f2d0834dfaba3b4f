"""One log record, one line: values logged by the server cannot forge or split log lines.

:func:`install` (called once by :func:`astrocal_server.composition.open_services`, so by
``astrocal serve``, ``astrocal worker`` and every embedded use) wraps the process's log record
factory: for records of the ``astrocal.*`` loggers the message is formatted at once and every
control character in it (CR, LF, NUL, other C0/C1 controls, U+2028/U+2029) is written as an escape
(``\\r``, ``\\n``, ``\\x00``, ``\\u2028``), so a booking note, an email address or a request path
carrying ``"\\r\\n2026-04-15 INFO forged line"`` stays inside its own record. A traceback attached
to a record still spans lines, as tracebacks do; its lines are indented by the formatter.
Records of other libraries are left alone.
"""

from __future__ import annotations

import logging
import re
from typing import Any

__all__ = ["escape_controls", "install"]

_CONTROLS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\r": "\\r", "\n": "\\n"}


def escape_controls(text: str) -> str:
    """``text`` with every control character but TAB written as a visible escape."""

    def one(match: re.Match[str]) -> str:
        ch = match.group()
        if ch in _NAMED:
            return _NAMED[ch]
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROLS.sub(one, text)


class _EscapingFactory:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = self.inner(*args, **kwargs)
        if record.name == "astrocal" or record.name.startswith("astrocal."):
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                return record  # a malformed call: let logging report it as it always does
            record.msg, record.args = escape_controls(message), ()
        return record


def install() -> None:
    """Escape control characters in ``astrocal.*`` log messages, from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _EscapingFactory):
        logging.setLogRecordFactory(_EscapingFactory(current))
