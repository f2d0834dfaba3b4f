"""``client.calendar_connections``: CalDAV accounts, and Google/Microsoft through OAuth."""

from __future__ import annotations

from typing import Literal, overload

from typing_extensions import Unpack

from astrocal_sdk._async.resource import AsyncAPIResource
from astrocal_sdk._raw import async_to_raw_response_wrapper
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param, without_not_given
from astrocal_sdk._types import NOT_GIVEN, NotGiven, RequestOptions
from astrocal_sdk.pagination import AsyncPaginator
from astrocal_sdk.types._generated.models import CalendarConnection, CalendarProvider

__all__ = ["AsyncCalendarConnections", "AsyncCalendarConnectionsWithRawResponse"]


def _connection_path(connection_id: str) -> str:
    return f"/v1/calendar_connections/{path_param('connection_id', connection_id)}"


class AsyncCalendarConnections(AsyncAPIResource):
    @overload
    async def create(
        self,
        *,
        provider: Literal["caldav"],
        server_url: str,
        username: str,
        password: str,
        **options: Unpack[RequestOptions],
    ) -> CalendarConnection: ...

    @overload
    async def create(
        self,
        *,
        provider: Literal["google", "microsoft"],
        redirect_uri: str,
        **options: Unpack[RequestOptions],
    ) -> CalendarConnection: ...

    async def create(
        self,
        *,
        provider: CalendarProvider,
        server_url: str | NotGiven = NOT_GIVEN,
        username: str | NotGiven = NOT_GIVEN,
        password: str | NotGiven = NOT_GIVEN,
        redirect_uri: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> CalendarConnection:
        """CalDAV: discovers the calendars at once. Google/Microsoft: ``status`` is ``pending``
        and ``authorization_url`` is where to send the user's browser."""
        body = without_not_given(
            {"provider": provider, "server_url": server_url, "username": username,
             "password": password, "redirect_uri": redirect_uri}
        )  # fmt: skip
        return await self._post(
            "/v1/calendar_connections", cast_to=CalendarConnection, body=body, options=options
        )

    def list(
        self,
        *,
        limit: int | NotGiven = NOT_GIVEN,
        cursor: str | NotGiven = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[CalendarConnection]:
        params = {"limit": limit, "cursor": cursor}
        return self._list(
            "/v1/calendar_connections", item=CalendarConnection, params=params, options=options
        )

    async def retrieve(
        self, connection_id: str, **options: Unpack[RequestOptions]
    ) -> CalendarConnection:
        return await self._get(
            _connection_path(connection_id), cast_to=CalendarConnection, options=options
        )

    async def delete(self, connection_id: str, **options: Unpack[RequestOptions]) -> None:
        """Disconnect: revokes and forgets the tokens."""
        return no_content(
            await self._delete(_connection_path(connection_id), cast_to=None, options=options)
        )


class AsyncCalendarConnectionsWithRawResponse:
    def __init__(self, connections: AsyncCalendarConnections) -> None:
        self.create = async_to_raw_response_wrapper(connections.create)
        self.list = async_to_raw_response_wrapper(connections.list)
        self.retrieve = async_to_raw_response_wrapper(connections.retrieve)
        self.delete = async_to_raw_response_wrapper(connections.delete)
