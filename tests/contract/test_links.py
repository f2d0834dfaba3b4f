"""OpenAPI links, which schemathesis' stateful run (tests/server/test_stateful.py) follows from an
object's creation to the operations on it: every id an operation takes in its path is produced by
a link from another operation's answer, and every link names a real operation, its parameters and
its body fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Operation = tuple[str, str, dict[str, Any], list[Any]]


def _links(operations: list[Operation]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (op["operationId"], name, link)
        for _, _, op, _ in operations
        for code, response in op["responses"].items()
        if code.startswith("2")
        for name, link in response.get("links", {}).items()
    ]


def test_every_path_id_is_reached_by_a_link(
    operations: list[Operation], resolve: Callable[[Any], Any]
) -> None:
    linked = {
        (link["operationId"], param)
        for _, _, link in _links(operations)
        for param in link.get("parameters", {})
    }
    missing = [
        (op["operationId"], p["name"])
        for _, _, op, params in operations
        for p in map(resolve, params)
        if p["in"] == "path" and (op["operationId"], p["name"]) not in linked
    ]
    assert missing == []


def test_links_name_real_operations_and_parameters(
    operations: list[Operation], resolve: Callable[[Any], Any]
) -> None:
    params_of = {
        op["operationId"]: {p["name"] for p in map(resolve, params)}
        for _, _, op, params in operations
    }
    body_of = {
        op["operationId"]: resolve(op["requestBody"]["content"]["application/json"]["schema"])
        for _, _, op, _ in operations
        if "requestBody" in op
    }
    for source, name, link in _links(operations):
        target = link["operationId"]
        assert target in params_of, (source, name)
        assert set(link.get("parameters", {})) <= params_of[target], (source, name)
        # A body given by a link is merged into the generated one: only fields of the target's body.
        body = link.get("requestBody", {})
        assert set(body) <= set(body_of.get(target, {}).get("properties", {})), (source, name)
        for expression in [*link.get("parameters", {}).values(), *body.values()]:
            assert expression.startswith(("$response.body#/", "$request.path.")), (source, name)
