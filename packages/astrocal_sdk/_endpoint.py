"""Resource methods written once, for the sync, async and raw-response clients alike.

A resource class (``astrocal_sdk/resources/``) declares each API operation as a method whose
docstring is what callers see and whose body is empty; a decorator names the route
(``@route.post("/v1/bookings", Booking)``). Its parameters:

- positional parameters fill the ``{name}`` placeholders of the path (quoted, never empty);
- ``**kwargs: Unpack[params.BookingsCreateParams]``: the operation's ``TypedDict`` (generated
  from openapi.yaml into ``astrocal_sdk/types/_generated/params.py``; ``RequestOptions`` alone for
  an operation without fields), which holds the operation's fields and the per-request
  :class:`~astrocal_sdk.RequestOptions`. The fields are the JSON body of ``POST``/``PATCH`` (and
  of a ``DELETE`` declared with ``body=True``), the query string otherwise; fields not given are
  left out (``None`` is sent: it clears a field).

What ``help()`` and ``inspect.signature`` show is spelt out from the ``TypedDict``: each field a
keyword-only parameter (a default of ``NOT_GIVEN`` where it may be left out), then ``**options``.

The class is generic in its mode (``Sync``, ``Async``, ``SyncRaw``, ``AsyncRaw``), and the mode
decides what a method returns: the parsed object, a coroutine of it, or an ``APIResponse``; type
checkers and IDEs see the declared parameters in every mode. The client sends the request
(``astrocal_sdk/_async/client.py`` and its derived sync twin), so this module does no I/O.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import typing
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    NamedTuple,
    ParamSpec,
    Protocol,
    Self,
    TypeAlias,
    TypeVar,
    final,
    overload,
)

from typing_extensions import Unpack

from astrocal_sdk._serialize import path_param, without_not_given
from astrocal_sdk._types import NOT_GIVEN, RequestOptions

if TYPE_CHECKING:
    from astrocal_sdk._response import APIResponse
    from astrocal_sdk.pagination import AsyncPage, AsyncPaginator, SyncPage

__all__ = [
    "APIResource",
    "Async",
    "AsyncRaw",
    "Endpoint",
    "M",
    "Paginated",
    "Request",
    "Sync",
    "SyncRaw",
    "Transport",
    "delete",
    "get",
    "get_list",
    "patch",
    "post",
]

P = ParamSpec("P")
T = TypeVar("T")
M = TypeVar("M")
S_co = TypeVar("S_co", covariant=True)
A_co = TypeVar("A_co", covariant=True)
SR_co = TypeVar("SR_co", covariant=True)
AR_co = TypeVar("AR_co", covariant=True)


@final
class Sync:
    """Mode of ``Astrocal``'s resources: a method returns the parsed object."""


@final
class Async:
    """Mode of ``AsyncAstrocal``'s resources: a method returns a coroutine of the object."""


@final
class SyncRaw:
    """Mode of ``Astrocal.with_raw_response``: a method returns the ``APIResponse``."""


@final
class AsyncRaw:
    """Mode of ``AsyncAstrocal.with_raw_response``: a coroutine of the ``APIResponse``."""


class Paginated(Generic[T]):
    """The return type a declaration gives a paginated list of ``T``: ``Astrocal`` returns its
    first ``SyncPage``, ``AsyncAstrocal`` an ``AsyncPaginator`` (await it or ``async for``)."""


class Request(NamedTuple):
    """One call, ready for the client to send."""

    method: str
    path: str
    cast_to: Any
    params: dict[str, Any]
    body: object
    options: RequestOptions


class Transport(Protocol):
    """What a resource needs from its client (both clients provide it)."""

    def call(self, request: Request) -> Any:
        """Send ``request`` and return its parsed answer (async client: a coroutine of it)."""

    def call_list(self, request: Request, item: Any) -> Any:
        """A paginated list (``SyncPage`` or ``AsyncPaginator``) whose first page is ``request``."""

    def raw(self, method: Callable[..., Any]) -> Callable[..., Any]:
        """``method`` returning the ``APIResponse`` instead of the parsed object."""

    @property
    def list_type(self) -> Any:
        """What ``call_list`` returns (``SyncPage`` or ``AsyncPaginator``), for annotations."""


class APIResource(Generic[M]):
    """The base of every resource class; ``M`` is the mode (what its methods return)."""

    def __init__(self, client: Transport, *, raw: bool = False) -> None:
        self._client = client
        self._raw = raw


@dataclass(frozen=True)
class _Route:
    method: str
    path: str
    cast_to: Any
    body: bool
    paginated: bool = False
    item: Any = None  # of a paginated list


class Endpoint(Generic[S_co, A_co, SR_co, AR_co]):
    """A declared operation; on a resource it is the bound method its mode calls for."""

    def __init__(self, route: _Route, declaration: Callable[..., Any]) -> None:
        self._route = route
        self._declaration = declaration
        self._signature = _signature(declaration)
        kinds = [(p.name, p.kind) for p in self._signature.parameters.values()]
        self._path_params = [n for n, k in kinds if k is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        self._fields = [n for n, k in kinds if k is inspect.Parameter.KEYWORD_ONLY]
        self._name = declaration.__name__
        self._doc = declaration.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    def sent_as(self, method: str, doc: str, *, path: str | None = None) -> Self:
        """The same operation (signature, fields, answer) under another HTTP method (and, with
        ``path``, at another path taking the same placeholders)."""
        twin = copy.copy(self)
        twin._route = dataclasses.replace(
            self._route, method=method, body=method != "GET", path=path or self._route.path
        )
        twin._doc = doc
        return twin

    def request(self, *args: Any, **kwargs: Any) -> Request:
        """The request a call with these arguments sends (``TypeError`` as for any call)."""
        given = self._signature.bind(*args, **kwargs).arguments
        route = self._route
        path = route.path.format_map({n: path_param(n, given[n]) for n in self._path_params})
        fields = without_not_given({n: given[n] for n in self._fields if n in given})
        options: RequestOptions = given.get("options", {})
        if not route.body:
            return Request(route.method, path, route.cast_to, fields, NOT_GIVEN, options)
        # An empty DELETE sends no body at all; an empty POST/PATCH sends ``{}``.
        send = bool(fields) or (bool(self._fields) and route.method != "DELETE")
        return Request(
            route.method, path, route.cast_to, {}, fields if send else NOT_GIVEN, options
        )

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, obj: APIResource[Sync], owner: type[Any]) -> S_co: ...
    @overload
    def __get__(self, obj: APIResource[Async], owner: type[Any]) -> A_co: ...
    @overload
    def __get__(self, obj: APIResource[SyncRaw], owner: type[Any]) -> SR_co: ...
    @overload
    def __get__(self, obj: APIResource[AsyncRaw], owner: type[Any]) -> AR_co: ...
    def __get__(self, obj: APIResource[Any] | None, owner: type[Any]) -> Any:
        if obj is None:
            return self
        client, item = obj._client, self._route.item
        if not self._route.paginated:
            method = _bind(self, client.call, self._route.cast_to)
        else:
            method = _bind(self, lambda r: client.call_list(r, item), client.list_type[item])
        method = client.raw(method) if obj._raw else method
        # Cached on the instance (this descriptor defines no __set__, so the cache wins).
        obj.__dict__[self._name] = method
        return method


def _bind(
    endpoint: Endpoint[Any, Any, Any, Any], send: Callable[[Request], Any], returns: Any
) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return send(endpoint.request(*args, **kwargs))

    async def call_async(*args: Any, **kwargs: Any) -> Any:
        return await send(endpoint.request(*args, **kwargs))

    # An async client's methods are coroutine functions, as ``async def`` methods would be.
    method: Any = call_async if inspect.iscoroutinefunction(send) else call
    declaration = endpoint._declaration
    method.__name__ = method.__qualname__ = endpoint._name
    method.__doc__ = endpoint._doc
    # What help(), inspect and typing.get_type_hints report: the spelt-out signature, and the
    # mode's return type.
    method.__signature__ = endpoint._signature
    method.__wrapped__ = declaration
    parameters = endpoint._signature.parameters.values()
    method.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": returns}
    return method


_OPTIONS = inspect.Parameter(
    "options", inspect.Parameter.VAR_KEYWORD, annotation=Unpack[RequestOptions]
)


def _signature(declaration: Callable[..., Any]) -> inspect.Signature:
    """The signature callers see: ``declaration``'s path parameters (without ``self``), then each
    field of the ``TypedDict`` its ``**kwargs`` unpacks, keyword-only, then ``**options``."""
    signature = inspect.signature(declaration)
    *path, kwargs = list(signature.parameters.values())[1:]
    hints = typing.get_type_hints(declaration, include_extras=True)
    fields: Any = typing.get_args(hints[kwargs.name])[0]  # Unpack[params.BookingsCreateParams]
    keywords = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=NOT_GIVEN if name in fields.__optional_keys__ else inspect.Parameter.empty,
            annotation=hint,
        )
        for name, hint in typing.get_type_hints(fields).items()
        if name not in RequestOptions.__annotations__
    ]
    return signature.replace(
        parameters=[*(p.replace(annotation=hints[p.name]) for p in path), *keywords, _OPTIONS],
        return_annotation=hints["return"],
    )


Method: TypeAlias = Endpoint[
    Callable[P, T],
    Callable[P, Coroutine[Any, Any, T]],
    Callable[P, "APIResponse[T]"],
    Callable[P, Coroutine[Any, Any, "APIResponse[T]"]],
]
ListMethod: TypeAlias = Endpoint[
    Callable[P, "SyncPage[T]"],
    Callable[P, "AsyncPaginator[T]"],
    Callable[P, "APIResponse[SyncPage[T]]"],
    Callable[P, Coroutine[Any, Any, "APIResponse[AsyncPage[T]]"]],
]
_Declaration: TypeAlias = Callable[Concatenate[Any, P], T]


def _route(
    method: str, path: str, cast_to: Any, *, body: bool
) -> Callable[[_Declaration[P, T]], Method[P, T]]:
    return lambda declaration: Endpoint(_Route(method, path, cast_to, body), declaration)


def get(path: str, cast_to: type[T]) -> Callable[[_Declaration[P, T]], Method[P, T]]:
    """``GET path``; the fields are the query string."""
    return _route("GET", path, cast_to, body=False)


def post(path: str, cast_to: type[T]) -> Callable[[_Declaration[P, T]], Method[P, T]]:
    """``POST path``; the fields are the JSON body (retries reuse one ``Idempotency-Key``)."""
    return _route("POST", path, cast_to, body=True)


def patch(path: str, cast_to: type[T]) -> Callable[[_Declaration[P, T]], Method[P, T]]:
    """``PATCH path``; the fields are the JSON body."""
    return _route("PATCH", path, cast_to, body=True)


@overload
def delete(
    path: str, *, body: bool = False
) -> Callable[[_Declaration[P, None]], Method[P, None]]: ...
@overload
def delete(
    path: str, cast_to: type[T], *, body: bool = False
) -> Callable[[_Declaration[P, T]], Method[P, T]]: ...
def delete(path: str, cast_to: Any = None, *, body: bool = False) -> Any:
    """``DELETE path``; the fields are the query string, or with ``body=True`` the JSON body.
    Without ``cast_to`` the answer is ``204 No Content`` and the method returns ``None``."""
    return _route("DELETE", path, cast_to, body=body)


@overload
def get_list(path: str) -> Callable[[_Declaration[P, Paginated[T]]], ListMethod[P, T]]: ...
@overload
def get_list(
    path: str, item: type[T]
) -> Callable[[_Declaration[P, Paginated[T]]], ListMethod[P, T]]: ...
def get_list(path: str, item: Any = None) -> Any:
    """``GET path`` of a cursor-paginated list of ``item``; the fields are the query string.
    (Without ``item``, a generic declaration whose subclasses set it: see ``Collection``.)"""
    route = _Route("GET", path, None, body=False, paginated=True, item=item)
    return lambda declaration: Endpoint(route, declaration)
