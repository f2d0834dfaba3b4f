"""OpenAPI links, which schemathesis' stateful run (tests/server/test_stateful.py) follows from an
object's creation to the operations on it: every id an operation takes in its path is produced by
a link from another operation's answer, and every link names a real operation and its parameters."""

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
        for param in link["parameters"]
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
    for source, name, link in _links(operations):
        assert link["operationId"] in params_of, (source, name)
        assert set(link["parameters"]) <= params_of[link["operationId"]], (source, name)
        for expression in link["parameters"].values():
            assert expression.startswith(("$response.body#/", "$request.path.")), (source, name)
