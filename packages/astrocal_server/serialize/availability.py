"""Open slots (``GET|POST /v1/availability``) and start checks (``GET /v1/availability/check``).

A check's reasons and alternatives are also the ``details`` of a booking's ``slot_unavailable``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from astrocal_server.availability.engine import (
    Slot,
    SlotRun,
    StartCheck,
    TeamCheck,
    TeamSlot,
    format_ts,
)
from astrocal_server.serialize.common import format_datetime

if TYPE_CHECKING:
    from astrocal_server.availability.service import OpenSlots

__all__ = ["check_to_api", "open_slots_json", "open_slots_to_api", "slot_to_api"]


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


def open_slots_json(found: OpenSlots, dumps: Callable[[Any], bytes]) -> bytes:
    """:func:`open_slots_to_api` rendered by ``dumps`` (the API's encoder, ``api/encoding.py``),
    the same bytes; a :class:`~astrocal_server.availability.engine.SlotRun` (one length, no seats:
    the usual answer) is written without a document in between, from kept texts. ``dumps`` must
    write compact JSON (no spaces), as the API's does.

    What is kept (bounded memos, each a pure function of its key): each slot's text by (start,
    length); a whole list of slots by its starts and length (one day's answer repeats request
    after request while nothing is booked); the document's other keys by the values they show
    (without ``warnings``)."""
    slots = found.slots
    if not isinstance(slots, SlotRun):
        return dumps(open_slots_to_api(found))
    return b'{"data":[' + _run_json(slots) + b"]" + _rest_json(found, dumps)


def _run_json(slots: SlotRun) -> bytes:
    """The slots of ``slots``, comma-separated, as the encoder writes them."""
    starts, duration = slots.starts, slots.duration
    kept = len(starts) <= _RUN_JSON_MAX_SLOTS
    if kept:
        key = (duration, tuple(starts))
        found = _RUN_JSON.get(key)
        if found is not None:
            return found
    texts = _SLOT_JSON
    parts = []
    for start in starts:
        text = texts.get((start, duration))
        if text is None:
            if len(texts) >= _SLOT_JSON_MAX:
                texts.clear()
            # format_ts writes only digits, '-', ':', 'T' and 'Z': nothing JSON escapes.
            text = texts[start, duration] = (
                f'{{"start":"{format_ts(start)}","end":"{format_ts(start + duration)}"}}'.encode()
            )
        parts.append(text)
    out = b",".join(parts)
    if kept:
        if len(_RUN_JSON) >= _RUN_JSON_MAX:
            _RUN_JSON.clear()
        _RUN_JSON[key] = out
    return out


def _rest_json(found: OpenSlots, dumps: Callable[[Any], bytes]) -> bytes:
    """The document after its ``data`` list, as the encoder writes it (from ``"]"`` on)."""
    if found.warnings:
        return _rest_of(found, dumps)
    key = (found.event_type_id, found.time_zone, found.start_date, found.end_date)
    text = _REST_JSON.get(key)
    if text is None:
        if len(_REST_JSON) >= _REST_JSON_MAX:
            _REST_JSON.clear()
        text = _REST_JSON[key] = _rest_of(found, dumps)
    return text


def _rest_of(found: OpenSlots, dumps: Callable[[Any], bytes]) -> bytes:
    document = open_slots_to_api(dataclasses.replace(found, slots=()))
    return dumps(document)[len(b'{"data":[]') :]


# A slot's JSON by (start, length in seconds): slots fall on the same instants request after
# request (a bounded memo, as engine.format_ts keeps its texts).
_SLOT_JSON: dict[tuple[int, int], bytes] = {}
_SLOT_JSON_MAX = 1 << 15
# A list of slots' JSON by (length, starts), for answers of up to a few days of short slots:
# at most _RUN_JSON_MAX × (_RUN_JSON_MAX_SLOTS × ~60 bytes + the key) kept, a few megabytes.
_RUN_JSON: dict[tuple[int, tuple[int, ...]], bytes] = {}
_RUN_JSON_MAX = 128
_RUN_JSON_MAX_SLOTS = 512
# The keys after "data" by (event type, zone, first and last date).
_REST_JSON: dict[tuple[str, str, date, date], bytes] = {}
_REST_JSON_MAX = 4096


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
