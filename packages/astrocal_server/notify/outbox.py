"""The outbox consumer for ``kind = "email"``: build the notice's emails and send them.

Returning completes the row. A relay that is down or answers 4xx → :class:`RetryLater`, so the row
stays in the outbox and is retried with backoff; a payload or address that can never be sent, or a
5xx refusal → :class:`PermanentFailure`. Test-mode rows send nothing.

One row owes up to two emails (invitee, host). When one is accepted and the other is deferred,
the accepted one is remembered for this process so the retry does not send it twice; if the process
dies in between, the resend carries the same Message-ID, which mail systems use to drop duplicates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from astrocal_server.notify.backends import (
    PermanentSendError,
    TransientSendError,
)
from astrocal_server.notify.message import BadAddress, compose
from astrocal_server.notify.notice import MalformedNotice, parse_notice
from astrocal_server.outbox.handlers import OutboxItem, PermanentFailure, RetryLater

if TYPE_CHECKING:
    from astrocal_server.state import AppState

__all__ = ["handle"]


async def handle(item: OutboxItem, state: AppState) -> None:
    if not item.livemode:
        return  # test mode: no emails, by contract
    try:
        notice = parse_notice(item.payload)
        messages = compose(
            notice,
            sender=state.settings.email_from,
            stamp=item.created_at,
            message_key=item.id,
        )
    except (MalformedNotice, BadAddress) as exc:
        raise PermanentFailure(f"email {item.id} cannot be built: {exc}") from exc

    mailer = state.mailer
    done = state.email_sent_parts.setdefault(item.id, set())
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
        done.add(role)
    if deferred:
        raise RetryLater("; ".join(deferred))
    state.email_sent_parts.pop(item.id, None)
    if refused:
        raise PermanentFailure("; ".join(refused))
