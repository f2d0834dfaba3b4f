"""``client.calendar_connections``: CalDAV accounts, and Google/Microsoft through OAuth."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar, overload

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import Endpoint, M
from astrocal_sdk._response import APIResponse
from astrocal_sdk._types import RequestOptions
from astrocal_sdk.resources._resource import Collection
from astrocal_sdk.types._generated import params
from astrocal_sdk.types._generated.models import CalendarConnection

__all__ = ["CalendarConnectionsAPI"]

R_co = TypeVar("R_co", covariant=True)


class _Create(Protocol[R_co]):
    """``create``'s two forms, for type checkers: CalDAV credentials, or an OAuth redirect."""

    @overload
    def __call__(self, **kwargs: Unpack[params.CalDavConnectionCreateParams]) -> R_co: ...
    @overload
    def __call__(self, **kwargs: Unpack[params.OAuthConnectionCreateParams]) -> R_co: ...


def _create(
    self: object, **kwargs: Unpack[params.CalendarConnectionsCreateParams]
) -> CalendarConnection:
    """CalDAV: discovers the calendars at once. Google/Microsoft: ``status`` is ``pending``
    and ``authorization_url`` is where to send the user's browser. ``host_id`` (default the
    account's default host) is whose calendar account it is: send each host through the
    consent for their own."""


# Bound apart from the annotation below, so the decorator's types are inferred from ``_create``.
_create_endpoint = route.post("/v1/calendar_connections", CalendarConnection)(_create)


class CalendarConnectionsAPI(
    Collection[M, CalendarConnection], path="/v1/calendar_connections", item=CalendarConnection
):
    create: Endpoint[
        _Create[CalendarConnection],
        _Create[Coroutine[Any, Any, CalendarConnection]],
        _Create[APIResponse[CalendarConnection]],
        _Create[Coroutine[Any, Any, APIResponse[CalendarConnection]]],
    ] = _create_endpoint

    @route.get("/v1/calendar_connections/{connection_id}", CalendarConnection)
    def retrieve(self, connection_id: str, **options: Unpack[RequestOptions]) -> CalendarConnection:
        """One connection with its calendars."""

    @route.delete("/v1/calendar_connections/{connection_id}")
    def delete(self, connection_id: str, **options: Unpack[RequestOptions]) -> None:
        """Disconnect: revokes and forgets the tokens."""
