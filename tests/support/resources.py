"""Checks shared by the REST resource tests: what a deleted object, or one the caller may not
see (another account's, the other mode's), answers. Each asserts every status it names. And the
``_create`` a resource's test module posts its objects with (:func:`poster`), and what a create
answered (:func:`created`), or what error it answered (:func:`assert_error`)."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

H = dict[str, str]


class Create(Protocol):
    async def __call__(self, client: httpx.AsyncClient, headers: H, **body: Any) -> httpx.Response:
        """POST the object: the module's defaults, overridden by ``body``."""


def created(response: httpx.Response) -> dict[str, Any]:
    """The object a create answered with, once it is sure the create answered 201."""
    assert response.status_code == 201, response.text
    return dict(response.json())


def assert_error(
    response: httpx.Response, status: int, type: str, code: str, param: str | None = None
) -> dict[str, Any]:
    """The envelope's ``error`` of ``response``, once it is sure of its status, type and code (and
    ``param``, when one is named)."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert (error["type"], error["code"]) == (type, code), error
    if param is not None:
        assert error["param"] == param, error
    return error


def poster(path: str, **defaults: Any) -> Create:
    """A module's ``_create(client, headers, **body)``: POST ``path`` with ``defaults``, each
    overridden by the field of that name in ``body``."""

    async def create(client: httpx.AsyncClient, headers: H, **body: Any) -> httpx.Response:
        return await client.post(path, headers=headers, json={**defaults, **body})

    return create


async def statuses(client: httpx.AsyncClient, url: str, headers: H, *methods: str) -> list[int]:
    """The status of ``method url`` for each of ``methods``, sent in order."""
    return [(await client.request(method, url, headers=headers)).status_code for method in methods]


async def assert_hidden(client: httpx.AsyncClient, url: str, *callers: H) -> None:
    """Each of ``callers`` gets 404 on GET and on DELETE of ``url``."""
    for headers in callers:
        assert await statuses(client, url, headers, "GET", "DELETE") == [404, 404], headers


async def assert_deleted(client: httpx.AsyncClient, url: str, headers: H) -> None:
    """DELETE of ``url`` answers 204; afterwards GET and DELETE answer 404."""
    assert await statuses(client, url, headers, "DELETE", "GET", "DELETE") == [204, 404, 404]
