"""Every operation of openapi.yaml (browser- and infrastructure-facing ones included) and a request
for it built from the contract alone, for tests parametrised over the whole API.

- ``operations()``: one :class:`SpecOperation` per operation, in the order of openapi.yaml.
- ``example_request(op, ids)``: method, path, query and JSON body of a request the contract allows:
  the body is the operation's own ``example``, the required query parameters get a sample value,
  and each id (path, query or body, see :attr:`SpecOperation.id_slots`) comes from ``ids``.
- ``ID_KINDS``: which object each id names; ``NOT_OBJECT_IDS`` are ids that name no Astrocal object.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from tests.support.spec_ops import resolve, sample_value, spec

__all__ = [
    "CREDENTIALS",
    "ID_KINDS",
    "NOT_OBJECT_IDS",
    "IdSlot",
    "SpecOperation",
    "SpecRequest",
    "body_example",
    "example_request",
    "operations",
    "set_body_id",
]

METHODS = ("get", "post", "put", "patch", "delete")

# The id names of openapi.yaml and the object kind each names. A new id name is not guessed: the
# tests that walk every id fail until it is added here (with a builder in tests/support/world.py).
ID_KINDS = {
    "api_key_id": "api_key",
    "host_id": "host",
    "schedule_id": "schedule",
    "default_schedule_id": "schedule",
    "event_type_id": "event_type",
    "booking_id": "booking",
    "webhook_id": "webhook",
    "delivery_id": "delivery",
    "connection_id": "connection",
    "hold_id": "hold",
    "entry_id": "waitlist_entry",
    # Not an id but the booking's invitee token (the credential of /v1/invitee/…), placed alike.
    "token": "invitee_token",
}
# Slots that hold a credential rather than an id: whoever holds an invitee token may use it, with
# any key or none (tests/server/invitee), so no tenancy rule applies to them.
CREDENTIALS = {"token"}
# Ids that name something outside Astrocal (a provider's calendar, the app's own id for a host),
# never an object of an account.
NOT_OBJECT_IDS = {"calendar_id", "external_id"}


@dataclass(frozen=True)
class IdSlot:
    """Where an id goes: ``where`` is ``path``, ``query`` or ``body``; ``name`` its parameter name
    or, in a body, its dotted path (``[]`` marks an array item: ``conflict_calendars.[].connection_id``)."""

    where: str
    name: str

    @property
    def id_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def __str__(self) -> str:
        return f"{self.where}:{self.name}"


@dataclass
class SpecOperation:
    operation_id: str
    method: str
    path: str
    raw: dict[str, Any]
    parameters: list[dict[str, Any]]
    id_slots: list[IdSlot] = field(default_factory=list)

    @property
    def public(self) -> bool:
        return self.raw.get("security") == []

    @property
    def statuses(self) -> list[str]:
        return list(self.raw["responses"])

    @property
    def error_statuses(self) -> list[str]:
        return [code for code in self.statuses if code.startswith(("4", "5"))]

    @property
    def json_body(self) -> dict[str, Any] | None:
        body = self.raw.get("requestBody")
        if body is None:
            return None
        media: dict[str, Any] = body["content"]["application/json"]
        return media

    @property
    def is_list(self) -> bool:
        return self.method == "GET" and any(p["name"] == "cursor" for p in self.parameters)

    def param(self, name: str) -> dict[str, Any] | None:
        return next((p for p in self.parameters if p["name"] == name), None)

    def __str__(self) -> str:
        return self.operation_id


def _body_id_paths(schema: Any, prefix: str = "") -> list[str]:
    schema = resolve(schema)
    found: list[str] = []
    for key in ("oneOf", "anyOf", "allOf"):
        for member in schema.get(key, []):
            found += [p for p in _body_id_paths(member, prefix) if p not in found]
    if "items" in schema:
        found += _body_id_paths(schema["items"], prefix + "[].")
    for name, sub in schema.get("properties", {}).items():
        if name.endswith("_id"):
            found.append(prefix + name)
        found += _body_id_paths(sub, f"{prefix}{name}.")
    return found


@cache
def operations() -> tuple[SpecOperation, ...]:
    out: list[SpecOperation] = []
    for path, item in spec()["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            params = [resolve(p) for p in [*shared, *raw.get("parameters", [])]]
            op = SpecOperation(raw["operationId"], method.upper(), path, raw, params)
            op.id_slots = [
                IdSlot(p["in"], p["name"])
                for p in params
                if p["in"] in {"path", "query"}
                and (p["name"].endswith("_id") or p["name"] in ID_KINDS)
            ]
            if op.json_body is not None:
                op.id_slots += [
                    IdSlot("body", name) for name in _body_id_paths(op.json_body["schema"])
                ]
            out.append(op)
    return tuple(out)


@dataclass
class SpecRequest:
    method: str
    path: str
    params: dict[str, Any]
    json: Any


def _sample_query(param: dict[str, Any]) -> Any:
    value = param.get("example", sample_value(param.get("schema", {})))
    return value.isoformat() if hasattr(value, "isoformat") else value


def set_body_id(body: dict[str, Any], dotted: str, value: str, schema: Any) -> None:
    """Put ``value`` at ``dotted`` in ``body``, creating the objects and one-item arrays on the way
    from the body's schema (so a slot the example leaves out still gets a well-formed parent)."""
    parts = dotted.split(".")
    node: Any = body
    current = resolve(schema)
    for i, part in enumerate(parts[:-1]):
        if part == "[]":
            continue
        sub = _member_with(current, part)
        sub_schema = resolve(sub["properties"][part])
        if parts[i + 1] == "[]":
            item_schema = resolve(sub_schema["items"])
            if not isinstance(node.get(part), list) or not node[part]:
                node[part] = [sample_value(item_schema)]
            node = node[part][0]
            current = item_schema
        else:
            if not isinstance(node.get(part), dict):
                node[part] = sample_value(sub_schema)
            node = node[part]
            current = sub_schema
    node[parts[-1]] = value


def _member_with(schema: dict[str, Any], name: str) -> dict[str, Any]:
    if name in schema.get("properties", {}):
        return schema
    for key in ("oneOf", "anyOf", "allOf"):
        for member in schema.get(key, []):
            member = resolve(member)
            if name in member.get("properties", {}):
                return dict(member)
    raise KeyError(name)


def body_example(media: dict[str, Any]) -> Any:
    """The media type's ``example``, else its first named ``examples`` entry, else a sample."""
    if "example" in media:
        return media["example"]
    named = media.get("examples")
    if named:
        return resolve(next(iter(named.values())))["value"]
    return sample_value(media["schema"])


def example_request(
    op: SpecOperation, ids: dict[IdSlot, str], *, query: dict[str, Any] | None = None
) -> SpecRequest:
    """A request for ``op`` the contract allows, with each of ``ids`` at its slot; ``query`` adds
    parameters the contract leaves optional but the request needs (one of ``date`` or a range)."""
    path = op.path
    params: dict[str, Any] = {}
    for param in op.parameters:
        if param["in"] == "path":
            path = path.replace("{" + param["name"] + "}", ids[IdSlot("path", param["name"])])
        elif param["in"] == "query" and param.get("required"):
            params[param["name"]] = _sample_query(param)
    for slot, value in ids.items():
        if slot.where == "query":
            params[slot.name] = value
    params.update(query or {})
    body: Any = None
    media = op.json_body
    if media is not None:
        body = copy.deepcopy(body_example(media))
        for slot, value in ids.items():
            if slot.where == "body":
                set_body_id(body, slot.name, value, media["schema"])
    return SpecRequest(op.method, path, params, body)
