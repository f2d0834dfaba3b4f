"""Open slots (``GET|POST /v1/availability``) and start checks (``GET /v1/availability/check``).

A check's reasons and alternatives are also the ``details`` of a booking's ``slot_unavailable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from astrocal_server.availability.engine import Slot, StartCheck, format_ts
from astrocal_server.serialize.common import format_datetime

if TYPE_CHECKING:
    from astrocal_server.availability.service import OpenSlots

__all__ = ["check_to_api", "open_slots_to_api", "slot_to_api"]


def slot_to_api(slot: Slot) -> dict[str, Any]:
    out: dict[str, Any] = {"start": format_ts(slot.start_ts), "end": format_ts(slot.end_ts)}
    if slot.seats_remaining is not None:
        out["seats_remaining"] = slot.seats_remaining
    return out


def open_slots_to_api(found: OpenSlots) -> dict[str, Any]:
    out: dict[str, Any] = {
        "data": [slot_to_api(slot) for slot in found.slots],
        "event_type_id": found.event_type_id,
        "time_zone": found.time_zone,
        "start_date": found.start_date.isoformat(),
        "end_date": found.end_date.isoformat(),
    }
    if found.warnings:
        out["warnings"] = found.warnings
    return out


def check_to_api(result: StartCheck) -> dict[str, Any]:
    reasons = []
    for reason in result.reasons:
        item: dict[str, Any] = {"code": reason.code, "message": reason.message}
        if reason.conflict is not None:
            item["conflict"] = {
                "start": format_datetime(reason.conflict.start),
                "end": format_datetime(reason.conflict.end),
                "source": reason.conflict.source,
            }
        reasons.append(item)
    return {
        "available": result.available,
        "reasons": reasons,
        "alternatives": [slot_to_api(slot) for slot in result.alternatives],
    }
