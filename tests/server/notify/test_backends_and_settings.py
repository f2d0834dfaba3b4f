"""Email settings (ASTROCAL_EMAIL_BACKEND, ASTROCAL_SMTP_URL, ASTROCAL_EMAIL_FROM) and the non-SMTP
backends: console (the zero-config default), memory, none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from astrocal_server.config import Settings
from astrocal_server.notify import outbox
from astrocal_server.notify.backends import ConsoleMailer, MemoryMailer, NullMailer, SmtpMailer
from astrocal_server.notify.message import compose
from astrocal_server.notify.notice import parse_notice
from astrocal_server.notify.outbox import handle
from astrocal_server.notify.smtp_url import parse_smtp_url
from astrocal_server.storage.db import Database
from pydantic import ValidationError

from tests.support.emails import MakeItem, MakePayload, state_for


def _settings(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[arg-type]


def test_smtp_url_forms() -> None:
    plain = parse_smtp_url("smtp://relay.internal")
    assert (plain.hostname, plain.port, plain.start_tls, plain.use_tls) == (
        "relay.internal",
        25,
        None,
        False,
    )
    assert plain.username is None and plain.password is None and plain.timeout == 30

    sub = parse_smtp_url("smtp+starttls://apikey:s%40cr%3At@smtp.example.com?timeout=10")
    assert (sub.port, sub.start_tls, sub.use_tls) == (587, True, False)
    assert (sub.username, sub.password, sub.timeout) == ("apikey", "s@cr:t", 10.0)
    assert "s@cr:t" not in repr(sub)  # the password never reaches logs via repr

    tls = parse_smtp_url("smtps://u:p@smtp.example.com:2465?verify=false&cafile=/etc/ca.pem")
    assert (tls.port, tls.use_tls, tls.start_tls) == (2465, True, False)
    assert tls.validate_certs is False and tls.cafile == "/etc/ca.pem"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://smtp.example.com", "scheme 'http' is not supported"),
        ("smtp://", "has no host"),
        ("smtp://h:99999", "not a valid URL"),
        ("smtp://h?timeout=soon", "timeout must be a number"),
        ("smtp://h?verify=maybe", "must be true or false"),
        ("smtp://h?tls=on", "unknown parameters"),
    ],
)
def test_bad_smtp_urls_say_what_a_good_one_looks_like(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_smtp_url(url)
    with pytest.raises(ValidationError, match=message):
        _settings(email_backend="smtp", smtp_url=url)


def test_email_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTROCAL_EMAIL_BACKEND", "smtp")
    monkeypatch.setenv("ASTROCAL_SMTP_URL", "smtp+starttls://u:p@smtp.example.com")
    monkeypatch.setenv("ASTROCAL_EMAIL_FROM", "Bookings <bookings@example.com>")
    settings = _settings()
    mailer = state_for(settings).mailer
    assert isinstance(mailer, SmtpMailer)
    assert mailer.settings.hostname == "smtp.example.com" and mailer.settings.start_tls is True
    assert settings.email_from == "Bookings <bookings@example.com>"
    with_password = _settings(email_backend="smtp", smtp_url="smtp://u:hunter2@smtp.example.com")
    assert "hunter2" not in repr(with_password)  # settings may be logged; the password is not


def test_backend_choice_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ASTROCAL_EMAIL_BACKEND", "ASTROCAL_SMTP_URL", "ASTROCAL_EMAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    assert _settings().email_backend == "console"  # `astrocal serve` with no config
    assert isinstance(state_for(_settings()).mailer, ConsoleMailer)
    assert isinstance(state_for(_settings(email_backend="memory")).mailer, MemoryMailer)
    assert isinstance(state_for(_settings(email_backend="none")).mailer, NullMailer)
    assert _settings(email_backend="disabled").email_backend == "none"
    with pytest.raises(ValidationError, match="needs smtp_url"):
        _settings(email_backend="smtp")
    with pytest.raises(ValidationError, match="email_from must be an email address"):
        _settings(email_from="Astrocal")
    with pytest.raises(ValidationError, match="email_from must be an email address"):
        _settings(email_from="a@b.example\r\nBcc: x@y.example")


async def test_console_backend_prints_a_summary(
    capsys: pytest.CaptureFixture[str],
    make_payload: MakePayload,
    make_item: MakeItem,
    email_db: Database,
) -> None:
    state = state_for(_settings(), email_db)
    await handle(await make_item(make_payload("rescheduled", sequence=3)), state)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2  # invitee and host
    assert "to=Jo Smith <jo@invitee.example>" in lines[0]
    assert "Rescheduled: Intro call with Ann Host" in lines[0]
    assert "method=REQUEST uid=bk_0123456789abcdefghij@astrocal sequence=3" in lines[0]
    assert "to=Ann Host <ann@host.example>" in lines[1]


async def test_memory_and_none_backends(
    make_payload: MakePayload, make_item: MakeItem, email_db: Database
) -> None:
    memory_state = state_for(_settings(email_backend="memory"), email_db)
    await handle(await make_item(make_payload()), memory_state)
    sent = memory_state.mailer.sent
    assert [m["To"] for m in sent] == [
        "Jo Smith <jo@invitee.example>",
        "Ann Host <ann@host.example>",
    ]

    none_state = state_for(_settings(email_backend="none"), email_db)
    await handle(await make_item(make_payload()), none_state)  # completes, sends nothing
    assert isinstance(none_state.mailer, NullMailer)

    await handle(await make_item(make_payload(), livemode=False), memory_state)
    assert len(sent) == 2  # test mode added nothing


async def test_the_none_backend_builds_nothing(
    make_payload: MakePayload,
    make_item: MakeItem,
    email_db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A row under the ``none`` backend completes without its notice being parsed or its
    emails built (nothing is sent, so there is nothing to build or refuse); a real backend
    still builds every copy."""
    built: list[str] = []

    def counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            built.append(name)
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(outbox, "parse_notice", counted("parse", parse_notice))
    monkeypatch.setattr(outbox, "compose", counted("compose", compose))
    none_state = state_for(_settings(email_backend="none"), email_db)
    # An address no email could carry: a real backend would refuse the row for good.
    broken = make_payload(invitee={"name": "Jo", "email": "jo at nowhere", "time_zone": "UTC"})
    await handle(await make_item(make_payload()), none_state)
    await handle(await make_item(broken), none_state)
    assert built == []

    memory_state = state_for(_settings(email_backend="memory"), email_db)
    await handle(await make_item(make_payload()), memory_state)
    assert built == ["parse", "compose"]
    assert isinstance(memory_state.mailer, MemoryMailer)
    assert len(memory_state.mailer.sent) == 2
