"""The app's HTTP stack, built lean: :class:`AstrocalAPI` and the static-path dispatch.

FastAPI wraps every request in layers this server does not use: an error layer (our
``EdgeMiddleware`` already answers anything unexpected), a telemetry layer (telemetry is
off), a body-limit layer (no ``max_body_size``: our ``EdgeMiddleware`` enforces
``ASTROCAL_MAX_BODY_BYTES``), then its router, which tries every included router's routes in turn,
and per route a generic dependency solver. :class:`AstrocalAPI` builds the stack as

    user middlewares (ours, outermost first) → exception handlers → :class:`StaticDispatch`
    → (anything the dispatch does not answer) FastAPI's exit stack → FastAPI's router

and :class:`StaticDispatch` answers a request whose method and path name a route directly, when
that route's dependencies are all plain ``async def`` functions of the request (and of each other):
the caller, the state, the NUL check... It runs them in FastAPI's order with FastAPI's per-request
cache (one call per dependency function), calls the endpoint, and sends the response the endpoint
returned. Everything else (path parameters, query or body fields FastAPI validates, dependency
overrides, a mounted root path, a method the path does not allow) goes to FastAPI's router as
before, so the answer never depends on which way a request went; ``tests/server/test_dispatch.py``
checks that every entry of the table is the route FastAPI's router itself would select.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["AstrocalAPI", "StaticDispatch", "answers_with_response", "static_table"]

# Endpoints known to return a Response object (never a document FastAPI would still have to
# validate or encode): only these are answered by the dispatch.
_RESPONDING: set[Callable[..., Any]] = set()


def answers_with_response(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``endpoint`` as always returning a :class:`~starlette.responses.Response`."""
    _RESPONDING.add(endpoint)
    return endpoint


@dataclass(frozen=True, slots=True)
class _Step:
    """One dependency: its function, FastAPI's cache key, and what it takes."""

    call: Callable[..., Awaitable[Any]]
    key: tuple[Any, str]
    use_cache: bool
    takes: _Takes


@dataclass(frozen=True, slots=True)
class _Takes:
    """What a function takes: the request under one name, and solved dependencies (a name, or
    ``None`` for one that runs only for its effect)."""

    request_name: str | None
    steps: tuple[tuple[str | None, _Step], ...]


def _plain(dependant: Dependant) -> bool:
    """Nothing FastAPI would read from the request or validate, and no special parameter."""
    return not (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.own_oauth_scopes
        or dependant.parent_oauth_scopes
        or dependant.call is None
        or isinstance(inspect.unwrap(dependant.call), SecurityBase)
    )


def _compile_takes(dependant: Dependant) -> _Takes | None:
    if not _plain(dependant):
        return None
    steps: list[tuple[str | None, _Step]] = []
    for sub in dependant.dependencies:
        call = sub.call
        if (
            call is None
            or not inspect.iscoroutinefunction(call)  # a sync one runs in a thread, a generator
            or sub.concurrency is not None  # has an exit stack: FastAPI's path handles those
        ):
            return None
        takes = _compile_takes(sub)
        if takes is None:
            return None
        steps.append((sub.name, _Step(call, (call, sub.scope or ""), sub.use_cache, takes)))
    return _Takes(dependant.request_param_name, tuple(steps))


async def _solve(takes: _Takes, request: Request, cache: dict[Any, Any]) -> dict[str, Any]:
    """FastAPI's ``solve_dependencies`` for plain dependencies: in order, each function's own
    dependencies first, one call per function and request unless it asked not to be cached."""
    values: dict[str, Any] = {}
    for name, step in takes.steps:
        arguments = await _solve(step.takes, request, cache) if step.takes.steps else None
        if step.use_cache and step.key in cache:
            solved = cache[step.key]
        else:
            if arguments is None:
                arguments = {step.takes.request_name: request} if step.takes.request_name else {}
            solved = await step.call(**arguments)
            cache.setdefault(step.key, solved)
        if name is not None:
            values[name] = solved
    if takes.request_name is not None:
        values[takes.request_name] = request
    return values


class _Direct:
    """One route answered without FastAPI's router: its dependencies solved, the endpoint called."""

    __slots__ = ("endpoint", "route", "takes")

    def __init__(self, route: APIRoute, takes: _Takes) -> None:
        self.route = route
        self.endpoint = route.endpoint
        self.takes = takes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # What Starlette's router puts in the scope of a matched route without path parameters.
        scope["endpoint"] = self.endpoint
        scope["route"] = self.route
        scope["path_params"] = dict(scope.get("path_params", {}))
        request = Request(scope, receive, send)
        response: Response = await self.endpoint(**await _solve(self.takes, request, {}))
        await response(scope, receive, send)


def _selected(routes: Sequence[BaseRoute], method: str, path: str) -> BaseRoute | None:
    """The route a router trying ``routes`` in order selects for ``method`` ``path``: the first
    that matches both (a route matching the path only is a 405 unless a later one matches both)."""
    probe: Scope = {"type": "http", "method": method, "path": path, "root_path": ""}
    for route in routes:
        match, _ = route.matches(probe)
        if match == Match.FULL:
            return route
    return None


def static_table(
    routes: Sequence[BaseRoute], include_dependencies: Sequence[DependsParam] = ()
) -> dict[str, dict[str, _Direct]]:
    """``{method: {path: answer}}`` for the routes of ``routes`` (in the router's order) that have
    no path parameter, end in an endpoint marked by :func:`answers_with_response`, take only plain
    dependencies, and that the router would itself select for their method and path.
    ``include_dependencies`` are the ones the app added when it included the routers; they run
    first, as FastAPI runs them."""
    table: dict[str, dict[str, _Direct]] = {}
    first: list[Dependant] = []
    for depends in include_dependencies:
        if depends.dependency is None:
            return {}
        sub = get_dependant(path="", call=depends.dependency)
        sub.use_cache = depends.use_cache
        first.append(sub)
    for route in routes:
        if not isinstance(route, APIRoute) or route.param_convertors:
            continue
        if route.endpoint not in _RESPONDING or not inspect.iscoroutinefunction(route.endpoint):
            continue
        if not _plain(route.dependant):
            continue
        whole = Dependant(
            dependencies=[*first, *route.dependant.dependencies],
            request_param_name=route.dependant.request_param_name,
            call=route.endpoint,
        )
        takes = _compile_takes(whole)
        if takes is None:
            continue
        for method in route.methods or ():
            if _selected(routes, method, route.path) is route:
                table.setdefault(method, {})[route.path] = _Direct(route, takes)
    return table


class StaticDispatch:
    """Answers a request for a path in ``table`` directly; passes every other one to ``app``."""

    def __init__(self, app: ASGIApp, table: dict[str, dict[str, _Direct]], owner: FastAPI) -> None:
        self.app = app
        self.table = table
        self.owner = owner

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] == "http" and not scope.get("root_path"):
            direct = self.table.get(scope["method"], {}).get(scope["path"])
            if direct is not None and not self.owner.dependency_overrides:
                return direct(scope, receive, send)
        return self.app(scope, receive, send)


class AstrocalAPI(FastAPI):
    """FastAPI with the lean stack described above. Telemetry is always off (it would need the
    layers this removes); an app with a handler for 500 or ``Exception``, or in debug mode, gets
    FastAPI's own stack.

    Routers are included with :meth:`include_routers`, before any other route or mount of the app:
    the dispatch reads their routes in that order, the order FastAPI's router tries them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["telemetry"] = {"tracing": False, "metrics": False, "logs": False}
        super().__init__(**kwargs)
        self.included: list[tuple[APIRouter, list[DependsParam]]] = []

    def include_routers(
        self, routers: Sequence[APIRouter], dependencies: Sequence[DependsParam] = ()
    ) -> None:
        """Include every router of ``routers`` in order, each with ``dependencies`` first."""
        for router in routers:
            self.include_router(router, dependencies=list(dependencies))
            self.included.append((router, list(dependencies)))

    def static_routes(self) -> dict[str, dict[str, _Direct]]:
        """The dispatch's table for the routers included so far (see :func:`static_table`)."""
        groups = {tuple(id(d) for d in deps) for _router, deps in self.included}
        if len(groups) > 1 or self.router.dependencies:
            return {}  # one set of inclusion dependencies for all (what create_app does)
        dependencies = self.included[0][1] if self.included else []
        routes = [route for router, _deps in self.included for route in router.routes]
        return static_table(routes, dependencies)

    def build_middleware_stack(self) -> ASGIApp:
        handlers = dict(self.exception_handlers)
        if self.debug or 500 in handlers or Exception in handlers:
            return super().build_middleware_stack()
        app: ASGIApp = StaticDispatch(
            AsyncExitStackMiddleware(self.router), self.static_routes(), self
        )
        app = ExceptionMiddleware(app, handlers=handlers, debug=self.debug)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.root_path:
            await super().__call__(scope, receive, send)
            return
        # Starlette's own __call__, without FastAPI's telemetry check (telemetry is off).
        scope["app"] = self
        if self.middleware_stack is None:
            self.middleware_stack = self.build_middleware_stack()
        await self.middleware_stack(scope, receive, send)
