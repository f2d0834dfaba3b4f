"""Where a finished email goes: an SMTP relay, the console, a list in memory, or nowhere.

``ASTROCAL_EMAIL_BACKEND`` picks one: ``smtp`` (needs ``ASTROCAL_SMTP_URL``), ``console`` (the
default: prints a one-line summary per email, so a fresh ``astrocal serve`` shows what it would
send), ``memory`` (keeps messages on ``.sent``; tests) and ``none`` (drops them).

A send either returns (accepted by the relay), raises :class:`TransientSendError` (try again later:
the relay is down, busy, answered 4xx, or rejected our credentials or sender, which an operator can
fix without losing mail) or raises :class:`PermanentSendError` (the relay refused the recipient or
the message with 5xx: resending the same message cannot succeed).

``delivers`` says whether an accepted message reaches someone (smtp, and memory, which stands in for
it in tests): only then does sending it twice make a duplicate, so only then does the email handler
record each accepted copy.
"""

from __future__ import annotations

import logging
import ssl
import sys
from email.message import EmailMessage
from typing import TYPE_CHECKING, Protocol, TextIO

from astrocal_server.notify.smtp_url import SmtpSettings, parse_smtp_url

if TYPE_CHECKING:
    from astrocal_server.config import Settings

__all__ = [
    "ConsoleMailer",
    "Mailer",
    "MemoryMailer",
    "NullMailer",
    "PermanentSendError",
    "SmtpMailer",
    "TransientSendError",
    "mailer_from_settings",
    "summarise",
]

logger = logging.getLogger("astrocal.email")


class TransientSendError(Exception):
    """The email was not accepted this time; the same message may succeed later."""


class PermanentSendError(Exception):
    """The relay refused this message or its recipients for good (5xx)."""


class Mailer(Protocol):
    delivers: bool

    async def send(self, message: EmailMessage) -> None: ...


def _invite_line(message: EmailMessage) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            text = part.get_content()
            fields = {}
            for line in text.splitlines():
                key, _, value = line.partition(":")
                if key in {"METHOD", "UID", "SEQUENCE"} and key not in fields:
                    fields[key] = value.strip()
            return " ".join(f"{k.lower()}={v}" for k, v in fields.items())
    return "no invite"


def summarise(message: EmailMessage) -> str:
    """One line: who, what, and the invite's METHOD/UID/SEQUENCE."""
    recipients = ", ".join(str(a) for h in ("To", "Cc") for a in message.get_all(h, []))
    return f"to={recipients} subject={message['Subject']!r} {_invite_line(message)}"


class NullMailer:
    delivers = False

    async def send(self, message: EmailMessage) -> None:
        return None


class MemoryMailer:
    delivers = True

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, message: EmailMessage) -> None:
        self.sent.append(message)


class ConsoleMailer:
    delivers = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, message: EmailMessage) -> None:
        stream = self._stream or sys.stdout
        print(
            f"[astrocal email, console backend — not sent] {summarise(message)}",
            file=stream,
            flush=True,
        )


class SmtpMailer:
    delivers = True

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._tls_context: ssl.SSLContext | None = None
        if settings.cafile:
            self._tls_context = ssl.create_default_context(cafile=settings.cafile)

    async def send(self, message: EmailMessage) -> None:
        import aiosmtplib

        s = self.settings
        try:
            errors, _ = await aiosmtplib.send(
                message,
                hostname=s.hostname,
                port=s.port,
                username=s.username,
                password=s.password,
                use_tls=s.use_tls,
                start_tls=s.start_tls,
                timeout=s.timeout,
                validate_certs=s.validate_certs,
                tls_context=self._tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [r.code for r in exc.recipients]
            detail = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            if codes and all(code >= 500 for code in codes):
                raise PermanentSendError(f"recipients refused: {detail}") from exc
            raise TransientSendError(f"recipients deferred: {detail}") from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
            raise TransientSendError(f"relay refused our login or sender: {exc}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500 and isinstance(exc, aiosmtplib.SMTPDataError):
                raise PermanentSendError(f"message refused: {exc.code} {exc.message}") from exc
            raise TransientSendError(f"relay answered {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise TransientSendError(f"could not reach the SMTP relay: {exc}") from exc
        if errors:
            # Some recipients (e.g. a guest in Cc) were refused while the rest were accepted:
            # resending would duplicate the email for everyone else, so record and move on.
            logger.warning(
                "SMTP relay refused some recipients of %s: %s",
                message["Message-ID"],
                "; ".join(f"{rcpt}: {resp.code} {resp.message}" for rcpt, resp in errors.items()),
            )


def mailer_from_settings(settings: Settings) -> Mailer:
    backend = settings.email_backend
    if backend == "smtp":
        assert settings.smtp_url is not None  # Settings refuses smtp without a URL
        return SmtpMailer(parse_smtp_url(settings.smtp_url))
    if backend == "console":
        return ConsoleMailer()
    if backend == "memory":
        return MemoryMailer()
    return NullMailer()
