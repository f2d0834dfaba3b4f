"""What an invitee may do with their link, decided from the booking, its event type and the time.

Viewing is always allowed. Cancelling and rescheduling need a confirmed booking that has not
started, an event type that allows it (``invitee_can_cancel``, ``invitee_can_reschedule``; a deleted
event type allows cancelling only: there is nothing left to reschedule into), and ``now`` before
the change deadline, ``start − invitee_change_notice_minutes``. A cancelled booking answers a
second cancel with itself (idempotent, as with an API key), so cancelling is "allowed" there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["ChangePolicy", "Refusal", "change_policy"]


@dataclass(frozen=True)
class Refusal:
    """Why a change is refused: a stable ``code`` and a sentence for the invitee."""

    code: str
    message: str


@dataclass(frozen=True)
class ChangePolicy:
    cancel: Refusal | None
    reschedule: Refusal | None
    # The last instant a change is accepted (None: the event type allows neither).
    deadline: datetime | None

    @property
    def can_cancel(self) -> bool:
        return self.cancel is None

    @property
    def can_reschedule(self) -> bool:
        return self.reschedule is None


def _when(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M UTC")


def change_policy(
    *,
    status: str,
    start: datetime,
    now: datetime,
    can_cancel: bool,
    can_reschedule: bool,
    notice_minutes: int,
    event_type_deleted: bool = False,
) -> ChangePolicy:
    """The refusals (None: allowed) in the order an invitee cares about: cancelled, already
    started, not allowed from the link, too close to the start."""
    if status == "cancelled":
        moved = Refusal(
            "booking_cancelled",
            "This booking is cancelled and cannot be rescheduled; book a new time instead.",
        )
        return ChangePolicy(cancel=None, reschedule=moved, deadline=None)
    deadline = start - timedelta(minutes=notice_minutes)
    past = Refusal(
        "booking_past", f"This booking started at {_when(start)}; it can no longer be changed."
    )
    late = Refusal(
        "change_notice_passed",
        f"Changes close {notice_minutes} minutes before the start (at {_when(deadline)}); "
        "contact the host to change it now.",
    )

    def refusal(disabled: Refusal | None) -> Refusal | None:
        if start <= now:
            return past
        if disabled is not None:
            return disabled
        return late if now >= deadline else None

    cancel = refusal(
        None
        if can_cancel
        else Refusal(
            "invitee_cancel_disabled",
            "This booking cannot be cancelled from its link; contact the host to cancel it.",
        )
    )
    if event_type_deleted:
        blocked: Refusal | None = Refusal(
            "event_type_inactive",
            "This kind of meeting is no longer offered, so the booking cannot be moved; cancel "
            "it or contact the host.",
        )
    elif not can_reschedule:
        blocked = Refusal(
            "invitee_reschedule_disabled",
            "This booking cannot be rescheduled from its link; contact the host to move it.",
        )
    else:
        blocked = None
    allowed = can_cancel or blocked is None
    return ChangePolicy(
        cancel=cancel, reschedule=refusal(blocked), deadline=deadline if allowed else None
    )
