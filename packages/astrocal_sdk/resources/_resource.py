"""The resource base classes and their helpers, under the names they have always had here."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Generic, TypeVar

from typing_extensions import Unpack

from astrocal_sdk import _endpoint as route
from astrocal_sdk._endpoint import APIResource, Async, M, Paginated, Sync
from astrocal_sdk._response import no_content
from astrocal_sdk._serialize import path_param
from astrocal_sdk.types._generated import params

__all__ = [
    "APIResource",
    "AsyncAPIResource",
    "Collection",
    "SyncAPIResource",
    "no_content",
    "path_param",
]

T = TypeVar("T")
SyncAPIResource = APIResource[Sync]
AsyncAPIResource = APIResource[Async]


class Collection(APIResource[M], Generic[M, T]):
    """A resource whose ``list`` takes only ``limit`` and ``cursor``, declared here once; a
    subclass names the list's path and item type::

        class SchedulesAPI(Collection[M, Schedule], path="/v1/schedules", item=Schedule): ...
    """

    def __init_subclass__(cls, *, path: str = "", item: type[Any] | None = None, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if item is not None:
            endpoint = copy.copy(Collection.__dict__["list"])
            endpoint._route = dataclasses.replace(endpoint._route, path=path, item=item)
            cls.list = endpoint  # type: ignore[method-assign]

    @route.get_list("")  # the path and the item type are the subclass's
    def list(self, **kwargs: Unpack[params.PageParams]) -> Paginated[T]:
        """A page of up to ``limit`` (1–100, default 20); iterating over the result walks every
        page after it too."""
