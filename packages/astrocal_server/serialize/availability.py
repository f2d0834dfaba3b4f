"""Open slots (``GET|POST /v1/availability``) and start checks (``GET /v1/availability/check``).

A check's reasons and alternatives are also the ``details`` of a booking's ``slot_unavailable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from astrocal_server.availability.engine import Slot, StartCheck, TeamCheck, TeamSlot, format_ts
from astrocal_server.serialize.common import format_datetime

if TYPE_CHECKING:
    from astrocal_server.availability.service import OpenSlots

__all__ = ["check_to_api", "open_slots_to_api", "slot_to_api"]


def slot_to_api(slot: Slot | TeamSlot) -> dict[str, Any]:
    """A slot; a team's (event types with hosts) names the hosts free at its start."""
    out: dict[str, Any] = {"start": format_ts(slot.start_ts), "end": format_ts(slot.end_ts)}
    if slot.seats_remaining is not None:
        out["seats_remaining"] = slot.seats_remaining
    if isinstance(slot, TeamSlot):
        out["host_ids"] = list(slot.host_ids)
    return out


def open_slots_to_api(found: OpenSlots) -> dict[str, Any]:
    slots = found.slots
    # One answer's slots all have one shape (the engine makes them alike); the common one (one
    # host, no seats) is written out inline: one dict per slot, nothing more.
    if not slots or (type(slots[0]) is Slot and slots[0].seats_remaining is None):
        text = format_ts
        data = [{"start": text(slot.start_ts), "end": text(slot.end_ts)} for slot in slots]
    else:
        data = [slot_to_api(slot) for slot in slots]
    out: dict[str, Any] = {
        "data": data,
        "event_type_id": found.event_type_id,
        "time_zone": found.time_zone,
        "start_date": found.start_date.isoformat(),
        "end_date": found.end_date.isoformat(),
    }
    if found.warnings:
        out["warnings"] = found.warnings
    return out


def check_to_api(result: StartCheck | TeamCheck) -> dict[str, Any]:
    """A start check; a team's names the hosts free (``host_ids``) and each reason's host."""
    reasons = []
    for reason in result.reasons:
        item: dict[str, Any] = {"code": reason.code, "message": reason.message}
        if reason.host_id is not None:
            item["host_id"] = reason.host_id
        if reason.conflict is not None:
            item["conflict"] = {
                "start": format_datetime(reason.conflict.start),
                "end": format_datetime(reason.conflict.end),
                "source": reason.conflict.source,
            }
        if reason.expires_at is not None:
            item["expires_at"] = format_datetime(reason.expires_at)
        reasons.append(item)
    out: dict[str, Any] = {"available": result.available}
    if isinstance(result, TeamCheck):
        out["host_ids"] = list(result.host_ids)
    out["reasons"] = reasons
    out["alternatives"] = [slot_to_api(slot) for slot in result.alternatives]
    return out
