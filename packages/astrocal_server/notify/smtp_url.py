"""``ASTROCAL_SMTP_URL`` → connection settings for aiosmtplib (pure; no I/O).

    smtp://[user:password@]host[:25]            STARTTLS when the server offers it
    smtp+starttls://[user:password@]host[:587]  STARTTLS required (submission port)
    smtps://[user:password@]host[:465]          TLS from the first byte (implicit TLS)

Query parameters: ``timeout`` (seconds, default 30), ``verify=false`` (accept any certificate;
development relays with self-signed certificates only), ``cafile`` (a PEM bundle to trust instead
of the system store). Percent-encode ``@ : / ?`` in the user name and password.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = ["SmtpSettings", "parse_smtp_url"]

_SCHEMES = {
    "smtp": (25, None, False),  # (default port, start_tls, use_tls); None = if offered
    "smtp+starttls": (587, True, False),
    "smtps": (465, False, True),
}
_HELP = (
    "use smtp://user:password@host:25, smtp+starttls://user:password@host:587 or "
    "smtps://user:password@host:465"
)


@dataclass(frozen=True)
class SmtpSettings:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    start_tls: bool | None
    timeout: float
    validate_certs: bool
    cafile: str | None

    def __repr__(self) -> str:  # never print the password
        return (
            f"SmtpSettings(hostname={self.hostname!r}, port={self.port}, "
            f"username={self.username!r}, use_tls={self.use_tls}, start_tls={self.start_tls})"
        )


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"smtp_url: {name}={value!r} must be true or false")


def parse_smtp_url(url: str) -> SmtpSettings:
    """Parse and check ``url``; ``ValueError`` says what is wrong and what a good one looks like."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"smtp_url is not a valid URL ({exc}); {_HELP}") from None
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        raise ValueError(f"smtp_url scheme {parts.scheme!r} is not supported; {_HELP}")
    if not parts.hostname:
        raise ValueError(f"smtp_url has no host; {_HELP}")
    default_port, start_tls, use_tls = _SCHEMES[scheme]
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - {"timeout", "verify", "cafile"}
    if unknown:
        raise ValueError(
            f"smtp_url has unknown parameters {sorted(unknown)}; allowed: timeout, verify, cafile"
        )
    try:
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise ValueError("smtp_url: timeout must be a number of seconds") from None
    if not 0 < timeout <= 600:
        raise ValueError("smtp_url: timeout must be between 0 and 600 seconds")
    return SmtpSettings(
        hostname=parts.hostname,
        port=port or default_port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        use_tls=use_tls,
        start_tls=start_tls,
        timeout=timeout,
        validate_certs=_flag(query.get("verify", "true"), "verify"),
        cafile=query.get("cafile") or None,
    )
