"""Lenient response parsing: a newer server must never break an older SDK.

Responses are validated against the generated models first (the fast, fully typed path). If
that fails — an enum value this SDK does not know, a constraint the server has since relaxed —
the value is rebuilt field by field: every part that validates is kept typed (datetimes stay
aware datetimes, nested objects stay models) and any part that does not is kept as sent.
Unknown fields survive either way (the models allow extra fields).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import TypeAliasType

__all__ = ["parse_lenient"]

T = TypeVar("T")


def parse_lenient(tp: type[T] | Any, value: object) -> T:
    """Validate ``value`` as ``tp``; on failure keep what validates and the rest as sent."""
    try:
        adapter = _adapter(cast(Any, tp))
        return cast(T, adapter.validate_python(value))
    except ValidationError:
        return cast(T, _construct(tp, value))


@functools.cache
def _adapter(tp: Any) -> TypeAdapter[Any]:
    return TypeAdapter(tp)


def _try(tp: Any, value: object) -> tuple[bool, Any]:
    try:
        return True, _adapter(tp).validate_python(value)
    except ValidationError:
        return False, None
    except TypeError:  # an unhashable or otherwise unadaptable annotation: keep the value
        return False, None


def _unwrap(tp: Any) -> Any:
    while True:
        if isinstance(tp, TypeAliasType):
            tp = tp.__value__
        elif typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        else:
            return tp


def _construct(tp: Any, value: object) -> Any:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _construct_model(tp, value) if isinstance(value, Mapping) else value
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(tp) or (Any,)
        return [_lenient(item, v) for v in value]
    if origin is dict and isinstance(value, Mapping):
        args = typing.get_args(tp)
        item = args[1] if len(args) == 2 else Any
        return {k: _lenient(item, v) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(tp) if isinstance(a, type) or typing.get_origin(a)]
        for member in members:
            ok, parsed = _try(member, value)
            if ok:
                return parsed
        for member in members:
            inner = _unwrap(member)
            if (
                isinstance(inner, type)
                and issubclass(inner, BaseModel)
                and isinstance(value, Mapping)
            ):
                return _construct_model(inner, value)
    return value


def _lenient(tp: Any, value: object) -> Any:
    ok, parsed = _try(tp, value)
    return parsed if ok else _construct(tp, value)


def _construct_model(model: type[BaseModel], value: Mapping[Any, Any]) -> BaseModel:
    fields: dict[str, Any] = {}
    known: set[str] = set()
    for name, info in model.model_fields.items():
        key = info.alias or name
        known.add(key)
        if key in value:
            fields[name] = _lenient(info.annotation, value[key])
    extra = {k: v for k, v in value.items() if isinstance(k, str) and k not in known}
    return model.model_construct(**fields, **extra)
