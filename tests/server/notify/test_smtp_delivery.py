"""Sending through the outbox handler to a real aiosmtpd server on loopback."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from astrocal_server.config import Settings
from astrocal_server.notify.outbox import handle
from astrocal_server.outbox.handlers import PermanentFailure, RetryLater
from astrocal_server.state import AppState
from astrocal_server.storage.db import Database
from icalendar import Calendar

from tests.support.emails import (
    INVITE_MIME_TREE,
    MOVED,
    SENDER,
    MakeItem,
    MakePayload,
    mime_tree,
    state_for,
)
from tests.support.live import free_port
from tests.support.smtp import Sink, TlsFiles, running_sink

INVITEE = "jo@invitee.example"
HOST = "ann@host.example"


def _invite(message: EmailMessage) -> tuple[str, Calendar]:
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    calendar = Calendar.from_ical(part.get_content())
    return str(part.get_param("method")), calendar


async def test_create_reschedule_cancel_arrive_as_itip_emails(
    smtp_sink: Sink, email_state: AppState, make_payload: MakePayload, make_item: MakeItem
) -> None:
    await handle(await make_item(make_payload("created", sequence=0)), email_state)
    await handle(
        await make_item(
            make_payload(
                "rescheduled",
                sequence=1,
                **MOVED,
            )
        ),
        email_state,
    )
    await handle(
        await make_item(
            make_payload(
                "cancelled",
                sequence=2,
                start="2026-04-16T09:00:00Z",
                end="2026-04-16T09:30:00Z",
                cancel_reason="Plans changed",
            )
        ),
        email_state,
    )

    to_invitee, to_host = smtp_sink.to(INVITEE), smtp_sink.to(HOST)
    assert len(smtp_sink.envelopes) == 6 and len(to_invitee) == 3 and len(to_host) == 3
    assert all(mail_from == "no-reply@astrocal.test" for mail_from, _, _ in smtp_sink.envelopes)
    subjects = [m["Subject"].split(":")[0] for m in to_invitee]
    assert subjects == ["Confirmed", "Rescheduled", "Cancelled"]
    assert [m["Subject"].split(":")[0] for m in to_host] == [
        "New booking",
        "Rescheduled",
        "Cancelled",
    ]

    uids, sequences = [], []
    for message, expected_method in zip(to_invitee, ["REQUEST", "REQUEST", "CANCEL"], strict=True):
        assert mime_tree(message) == INVITE_MIME_TREE
        method, calendar = _invite(message)
        assert method == expected_method == str(calendar["METHOD"])
        assert "UID" not in calendar
        (event,) = calendar.walk("VEVENT")
        assert str(event["ORGANIZER"]).lower() == "mailto:no-reply@astrocal.test"
        assert message["From"].addresses[0].addr_spec == "no-reply@astrocal.test"  # = ORGANIZER
        attendee = next(a for a in event["ATTENDEE"] if str(a).lower() == f"mailto:{INVITEE}")
        assert attendee.params["RSVP"] == "TRUE" and attendee.params["PARTSTAT"] == "NEEDS-ACTION"
        attachment = next(p for p in message.walk() if p.get_filename() == "invite.ics")
        assert Calendar.from_ical(attachment.get_content())["METHOD"] == expected_method
        uids.append(str(event["UID"]))
        sequences.append(int(event["SEQUENCE"]))
        if expected_method == "CANCEL":
            assert str(event["STATUS"]) == "CANCELLED"
    assert uids[0] == uids[1] == uids[2]  # the reschedule and the cancel update the one event
    assert sequences[0] < sequences[1] < sequences[2]


async def test_no_host_email_sends_only_to_the_invitee_and_guests(
    smtp_sink: Sink, email_state: AppState, make_payload: MakePayload, make_item: MakeItem
) -> None:
    await handle(
        await make_item(make_payload(host_email=None, guests=["sam@guest.example"])), email_state
    )
    assert [sorted(rcpts) for _, rcpts, _ in smtp_sink.envelopes] == [
        ["jo@invitee.example", "sam@guest.example"]
    ]


async def test_test_mode_items_send_nothing(
    smtp_sink: Sink, email_state: AppState, make_payload: MakePayload, make_item: MakeItem
) -> None:
    await handle(await make_item(make_payload(), livemode=False), email_state)
    assert smtp_sink.envelopes == [] and smtp_sink.handler.rcpt_attempts == []


async def test_refused_then_accepted_arrives_exactly_once(
    smtp_sink: Sink, email_state: AppState, make_payload: MakePayload, make_item: MakeItem
) -> None:
    item = await make_item(make_payload())
    smtp_sink.script(INVITEE, "451 4.3.0 Mailbox busy, try again later", times=2)

    for _ in range(2):
        with pytest.raises(RetryLater, match="451"):
            await handle(item, email_state)
    # The host's copy went through on the first attempt; the invitee's is still owed.
    assert len(smtp_sink.to(HOST)) == 1 and smtp_sink.to(INVITEE) == []

    await handle(item, email_state)  # the relay's next attempt: accepted
    assert len(smtp_sink.to(INVITEE)) == 1
    assert len(smtp_sink.to(HOST)) == 1  # not re-sent by the retries
    await handle(await make_item(make_payload("cancelled", sequence=1)), email_state)
    assert len(smtp_sink.to(INVITEE)) == 2 and len(smtp_sink.to(HOST)) == 2


async def test_a_relay_that_is_down_means_retry_later(
    make_payload: MakePayload, make_item: MakeItem, email_db: Database
) -> None:
    state = state_for(
        Settings(
            email_backend="smtp",
            smtp_url=f"smtp://127.0.0.1:{free_port()}?timeout=2",
            email_from=SENDER,
            _env_file=None,  # type: ignore[call-arg]
        ),
        email_db,
    )
    with pytest.raises(RetryLater, match="could not reach the SMTP relay"):
        await handle(await make_item(make_payload()), state)


async def test_permanent_refusal_fails_the_row_but_still_sends_the_other_copy(
    smtp_sink: Sink, email_state: AppState, make_payload: MakePayload, make_item: MakeItem
) -> None:
    smtp_sink.script(INVITEE, "550 5.1.1 No such user")
    with pytest.raises(PermanentFailure, match="550"):
        await handle(await make_item(make_payload()), email_state)
    assert smtp_sink.to(INVITEE) == [] and len(smtp_sink.to(HOST)) == 1


async def test_unbuildable_payload_is_a_permanent_failure(
    smtp_sink: Sink, email_state: AppState, make_payload: MakePayload, make_item: MakeItem
) -> None:
    payload = make_payload()
    payload["notice"] = "teleported"
    with pytest.raises(PermanentFailure, match=r"payload\.notice"):
        await handle(await make_item(payload), email_state)
    assert smtp_sink.envelopes == []


class _Auth:
    def __init__(self, user: bytes, password: bytes) -> None:
        self.user, self.password = user, password

    def __call__(self, server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def starttls_sink(tls_files: TlsFiles) -> Iterator[Sink]:
    with running_sink(
        tls_context=tls_files.server_context(),
        require_starttls=True,
        authenticator=_Auth(b"mailer", b"p@ss:word"),
        auth_required=True,
        auth_require_tls=True,
    ) as sink:
        yield sink


@pytest.fixture
def implicit_tls_sink(tls_files: TlsFiles) -> Iterator[Sink]:
    with running_sink(
        ssl_context=tls_files.server_context(),
        authenticator=_Auth(b"mailer", b"secret"),
        auth_required=True,
        auth_require_tls=False,  # aiosmtpd only counts STARTTLS; this socket is TLS throughout
    ) as sink:
        yield sink


def _smtp_state(url: str, db: Database) -> AppState:
    return state_for(
        Settings(
            email_backend="smtp",
            smtp_url=url,
            email_from=SENDER,
            _env_file=None,  # type: ignore[call-arg]
        ),
        db,
    )


async def test_starttls_with_auth(
    starttls_sink: Sink,
    tls_files: TlsFiles,
    make_payload: MakePayload,
    make_item: MakeItem,
    email_db: Database,
) -> None:
    base = f"127.0.0.1:{starttls_sink.port}?timeout=5&cafile={tls_files.ca}"
    wrong = _smtp_state(f"smtp+starttls://mailer:nope@{base}", email_db)
    with pytest.raises(RetryLater, match="login"):
        await handle(await make_item(make_payload()), wrong)
    assert starttls_sink.envelopes == []

    # Password with reserved characters, percent-encoded in the URL.
    good = _smtp_state(f"smtp+starttls://mailer:p%40ss%3Aword@{base}", email_db)
    await handle(await make_item(make_payload()), good)
    assert len(starttls_sink.to(INVITEE)) == 1 and len(starttls_sink.to(HOST)) == 1


async def test_starttls_refuses_an_untrusted_certificate(
    starttls_sink: Sink, make_payload: MakePayload, make_item: MakeItem, email_db: Database
) -> None:
    state = _smtp_state(
        f"smtp+starttls://mailer:p%40ss%3Aword@127.0.0.1:{starttls_sink.port}", email_db
    )
    with pytest.raises(RetryLater):
        await handle(await make_item(make_payload()), state)
    assert starttls_sink.envelopes == []


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_implicit_tls_with_auth(
    implicit_tls_sink: Sink,
    tls_files: TlsFiles,
    make_payload: MakePayload,
    make_item: MakeItem,
    email_db: Database,
) -> None:
    state = _smtp_state(
        f"smtps://mailer:secret@127.0.0.1:{implicit_tls_sink.port}?timeout=5&cafile={tls_files.ca}",
        email_db,
    )
    await handle(await make_item(make_payload()), state)
    (message,) = implicit_tls_sink.to(INVITEE)
    assert email.message_from_bytes(message.as_bytes(), policy=email.policy.default)[
        "Subject"
    ].startswith("Confirmed:")
