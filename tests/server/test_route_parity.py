"""Every spec operation has a route and every route is in the spec.

``NOT_IMPLEMENTED_YET`` (in tests/support/spec.py) lists the operations whose routes other parts of the server still owe.
It may only shrink: an operation listed here that has a route fails the test, so the list is
updated in the same change that adds the route.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from astrocal_server.app import create_app
from astrocal_server.config import Settings
from fastapi.routing import APIRoute

from tests.support.spec import NOT_IMPLEMENTED_YET

SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}

# Pages for people that are not API operations: the reference, and the invitee pages.
ROUTES_OUTSIDE_THE_SPEC = {
    ("GET", "/docs"),
    ("GET", "/manage/{}"),
    ("GET", "/manage/{}/cancel"),
    ("POST", "/manage/{}/cancel"),
    ("GET", "/manage/{}/reschedule"),
    ("POST", "/manage/{}/reschedule"),
    ("GET", "/waitlist/{}"),
    ("POST", "/waitlist/{}/confirm"),
}


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def spec_operations() -> dict[tuple[str, str], str]:
    document: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    out: dict[tuple[str, str], str] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                out[(method.upper(), _shape(path))] = operation["operationId"]
    return out


def api_routes() -> list[tuple[str, APIRoute]]:
    """(full path, route) for every API route, looking inside included routers."""
    app = create_app(Settings(database_url="sqlite:///:memory:", _env_file=None))  # type: ignore[call-arg]
    found: list[tuple[str, APIRoute]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append((prefix + route.path, route))
            elif hasattr(route, "original_router"):  # FastAPI ≥ 0.160 keeps included routers nested
                context = getattr(route, "include_context", None)
                walk(route.original_router.routes, prefix + getattr(context, "prefix", ""))

    walk(app.routes, "")
    return found


def app_routes() -> set[tuple[str, str]]:
    return {
        (method, _shape(path))
        for path, route in api_routes()
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_spec_and_routes_agree() -> None:
    operations = spec_operations()
    routes = app_routes()
    by_id = {op_id: key for key, op_id in operations.items()}
    unknown = NOT_IMPLEMENTED_YET - set(by_id)
    assert not unknown, (
        f"NOT_IMPLEMENTED_YET names operations the spec does not have: {sorted(unknown)}"
    )

    done_but_listed = sorted(op for op in NOT_IMPLEMENTED_YET if by_id[op] in routes)
    assert not done_but_listed, (
        f"implemented now; remove from NOT_IMPLEMENTED_YET: {done_but_listed}"
    )

    missing = sorted(
        op for key, op in operations.items() if key not in routes and op not in NOT_IMPLEMENTED_YET
    )
    assert not missing, f"spec operations without a route: {missing}"

    extra = sorted(routes - set(operations) - ROUTES_OUTSIDE_THE_SPEC)
    assert not extra, f"routes the spec does not describe: {extra}"


def test_route_operation_ids_match_the_spec() -> None:
    operations = spec_operations()
    for path, route in api_routes():
        for method in route.methods or ():
            key = (method, _shape(path))
            if key in operations and route.operation_id:
                assert operations[key] == route.operation_id, key
