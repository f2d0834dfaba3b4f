"""The outbox consumer for ``kind = "email"``: build the notice's emails and send them.

A ``waitlist_promoted`` payload is the waitlist promotion (``notify/waitlist.py``): one copy, the
invitee's. The stored payload carries the invitee's links with a placeholder for the token
(``invitee.links``); they are revealed in memory here, just before the emails are built, and
never written back.

A ``google_meet`` / ``microsoft_teams`` booking's email carries the room link stored on the booking
when it runs (its calendar rows come first and wait a while for the room).

Returning completes the row. A relay that is down or answers 4xx → :class:`RetryLater`, so the row
stays in the outbox and is retried with backoff; a payload or address that can never be sent, or a
5xx refusal → :class:`PermanentFailure`. Test-mode rows send nothing, and so does every row under
the ``none`` backend, which drops every email: its rows complete at once, neither built nor checked
(nothing is sent, so nothing can be refused; the relay's work for an email is then one settle).

One row owes the invitee's copy and one copy per host with an address (roles ``invitee``,
``host``, ``host.1``, …, by the host's position in the payload). Each copy the mail relay accepts is recorded in
``email_copies`` and committed before the next copy is sent and before the row is settled, so a run
of the row after a retry, a crash or a lost lease sends only the copies not recorded there. A copy
keeps its Message-ID on every run (it is derived from the row id and the role). What remains is the
instant between the relay accepting a copy and that commit: a crash or a database outage exactly
there sends that one copy again, with the same Message-ID. A refused (5xx) copy is not recorded: if
the row runs again for its other copy, the refused one is tried again and its refusal reported.
Backends that deliver nothing (console, none) keep no record: a second print or drop is harmless.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from astrocal_server.invitee.links import reveal
from astrocal_server.locations import room_kind
from astrocal_server.notify import waitlist
from astrocal_server.notify.backends import (
    NullMailer,
    PermanentSendError,
    TransientSendError,
)
from astrocal_server.notify.message import BadAddress, compose
from astrocal_server.notify.notice import MalformedNotice, parse_notice
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater
from astrocal_server.storage.models import Booking, EmailCopy

if TYPE_CHECKING:
    from astrocal_server.state import AppState

__all__ = ["handle", "send_copies"]


async def _accepted_roles(state: AppState, outbox_id: str) -> set[str]:
    """The roles of ``outbox_id``'s copies that the mail relay has already accepted."""
    async with state.db.read() as session:
        roles = await session.scalars(
            select(EmailCopy.role).where(EmailCopy.outbox_id == outbox_id)
        )
        return set(roles)


async def _record_copy(state: AppState, outbox_id: str, role: str, message_id: str) -> None:
    values = {
        "outbox_id": outbox_id,
        "role": role,
        "message_id": message_id,
        "accepted_at": state.clock.now(),
    }
    if state.db.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt: Any = pg_insert(EmailCopy).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(EmailCopy).values(**values).on_conflict_do_nothing()
    # A worker whose lease ran out may have sent and recorded the same copy: keep the first record.
    async with state.db.write() as session:
        await session.execute(stmt)


def _revealed(payload: dict[str, Any], state: AppState) -> dict[str, Any]:
    """A copy of the stored payload whose booking carries the invitee's real links."""
    key = "entry" if payload.get("notice") == waitlist.NOTICE else "booking"
    shown = payload.get(key)
    if not isinstance(shown, dict):
        return payload
    return {**payload, key: reveal(dict(shown), state.secret_box)}


async def _with_join_url(payload: dict[str, Any], state: AppState) -> dict[str, Any]:
    """The payload with the booking's video room link as stored now: a confirmation is written
    with the booking, before the write-back (which runs first, see ``outbox/writer.py``) made
    the room."""
    booking = payload.get("booking")
    if not isinstance(booking, dict) or not room_kind(booking.get("location")):
        return payload
    if booking["location"].get("join_url") or not isinstance(booking.get("id"), str):
        return payload
    async with state.db.read() as session:
        location = await session.scalar(select(Booking.location).where(Booking.id == booking["id"]))
    join_url = (location or {}).get("join_url")
    if not join_url:
        return payload
    located = {**booking, "location": {**booking["location"], "join_url": join_url}}
    return {**payload, "booking": located}


async def handle(item: OutboxItem, state: AppState) -> None:
    if not item.livemode:
        return  # test mode: no emails, by contract
    if isinstance(state.mailer, NullMailer):
        return  # the backend drops every email: nothing to build for nobody, nothing to refuse
    try:
        payload = _revealed(await _with_join_url(item.payload, state), state)
        if payload.get("notice") == waitlist.NOTICE:
            messages = waitlist.compose_promotion(
                waitlist.parse_promotion(payload),
                sender=state.settings.email_from,
                stamp=item.created_at,
                message_key=item.id,
            )
        else:
            messages = compose(
                parse_notice(payload),
                sender=state.settings.email_from,
                stamp=item.created_at,
                message_key=item.id,
            )
    except (MalformedNotice, BadAddress) as exc:
        raise PermanentFailure(f"email {item.id} cannot be built: {exc}") from exc

    await send_copies(state, item.id, messages)


async def send_copies(
    state: AppState, outbox_id: str, messages: Sequence[tuple[str, EmailMessage]]
) -> None:
    """Send each ``(role, message)`` the mail relay has not accepted yet for ``outbox_id``,
    recording each accepted copy; :class:`RetryLater` / :class:`PermanentFailure` as above."""
    mailer = state.mailer
    done = await _accepted_roles(state, outbox_id) if mailer.delivers else set()
    deferred: list[str] = []
    refused: list[str] = []
    for role, message in messages:
        if role in done:
            continue
        try:
            await mailer.send(message)
        except TransientSendError as exc:
            deferred.append(f"{role}: {exc}")
            continue
        except PermanentSendError as exc:
            refused.append(f"{role}: {exc}")
            continue
        if mailer.delivers:
            await _record_copy(state, outbox_id, role, str(message["Message-ID"]))
    if deferred:
        raise RetryLater("; ".join(deferred + refused))
    if refused:
        raise PermanentFailure("; ".join(refused))
