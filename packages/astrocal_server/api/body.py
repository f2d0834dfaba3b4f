"""Reading request bodies strictly: JSON objects validated by a request model generated from
openapi.yaml (:mod:`astrocal_server.contract.requests`) in strict JSON mode, so ``"30"`` is not an
integer and ``1`` is not a string; unknown fields are refused by the models.

A field the client did not send is pydantic's ``MISSING``; ``null`` is accepted only where the
model's annotation admits ``None`` (the contract's ``nullable``). Semantic checks the schema cannot
state (IANA zones, e-mail syntax, overlaps) report through :func:`field_invalid`. Errors go through
FastAPI's ``RequestValidationError`` so they share the validation error envelope.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from astrocal_server.api.errors import ApiError

__all__ = [
    "check_field",
    "field_invalid",
    "load_json_object",
    "parse_form_or_json",
    "parse_json_body",
    "refuse_nul",
    "validate_document",
    "validation_failed",
]


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
R = TypeVar("R")


def _admits_none(annotation: Any) -> bool:
    if annotation is None or annotation is type(None):
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _admits_none(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(_admits_none(arg) for arg in typing.get_args(annotation))
    return False


def _null_refused(model: type[BaseModel], document: dict[str, Any]) -> list[str]:
    """Optional top-level fields sent as ``null`` that the contract does not let be null."""
    refused = []
    for name, value in document.items():
        field = model.model_fields.get(name)
        if (
            value is None
            and field is not None
            and not field.is_required()
            and not _admits_none(field.annotation)
        ):
            refused.append(name)
    return sorted(refused)


def field_invalid(loc: Sequence[str | int], message: str) -> RequestValidationError:
    """A semantic failure of one field, reported like a schema failure (400 ``parameter_invalid``)."""
    return RequestValidationError(
        [{"type": "value_error", "loc": ("body", *loc), "msg": message, "input": None}]
    )


def check_field(loc: Sequence[str | int], check: Callable[[T], R], value: T) -> R:
    """Run a ``ValueError``-raising check on a parsed value (returning its normal form); a failure
    is :func:`field_invalid`."""
    try:
        return check(value)
    except ValueError as exc:
        raise field_invalid(loc, str(exc)) from None


def validation_failed(
    exc: ValidationError, location: str = "body", *, skip: frozenset[str] = frozenset()
) -> RequestValidationError:
    errors: list[dict[str, Any]] = []
    for detail in exc.errors(include_url=False):
        if detail.get("loc", ())[:1] and detail["loc"][0] in skip:
            continue
        err: dict[str, Any] = dict(detail)
        loc = tuple(detail.get("loc", ()))
        if "metadata" in loc:
            # The metadata map is one parameter: its key and value failures are reported on it.
            loc = loc[: loc.index("metadata") + 1]
        elif loc[:1] == ("answers",) and len(loc) > 2:
            # An answer's value fits none of the answer shapes: name the answer, not the shape.
            loc = loc[:2]
            err["msg"] = _ANSWER_SHAPES
        err["loc"] = (location, *loc)
        err.pop("ctx", None)
        errors.append(err)
    return RequestValidationError(errors)


# What an answer can be, whatever its question (the question's own type is checked later).
_ANSWER_SHAPES = (
    "send a string (at most 5000 characters), a number, true or false, or a list of up to 50 "
    "options (each 1–100 characters), as the question's type asks"
)


def _invalid_json() -> ApiError:
    return ApiError(
        400,
        "invalid_request_error",
        "invalid_json",
        "The request body is not a valid JSON object (or nests deeper than "
        f"{MAX_JSON_DEPTH} levels); send a JSON object with Content-Type: application/json.",
    )


async def parse_json_body(request: Request, model: type[M], *, allow_empty: bool = False) -> M:
    raw = await request.body()
    if not raw.strip():
        if not allow_empty:
            raw = b"{}"
        else:
            return model.model_validate({})
    content_type = (
        request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    )
    if content_type not in {"application/json", "", "text/json"} and not content_type.endswith(
        "+json"
    ):
        raise ApiError(
            400,
            "invalid_request_error",
            "unsupported_media_type",
            f"Send the body as JSON with Content-Type: application/json (got {content_type}).",
        )
    document, integral_floats = _load_json_object(raw)
    return validate_document(model, document, source=None if integral_floats else raw)


# The contract's deepest body (a schedule's rules) nests a few levels; this leaves room and keeps
# every later walk of the document (validation, serialising, storing) far from the recursion limit.
MAX_JSON_DEPTH = 32


def _too_deep(document: Any) -> bool:
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_JSON_DEPTH:
                    return True
                stack.append((child, depth + 1))
    return False


def _nul_location(document: dict[str, Any]) -> tuple[str | int, ...] | None:
    """Where the first string (value or key) holding NUL is, or ``None``."""
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), document)]
    while stack:
        loc, node = stack.pop()
        if isinstance(node, str):
            if "\x00" in node:
                return loc
        elif isinstance(node, dict):
            for key, child in node.items():
                if "\x00" in key:
                    return (*loc, key)
                stack.append(((*loc, key), child))
        elif isinstance(node, list):
            stack.extend(((*loc, i), child) for i, child in enumerate(node))
    return None


def refuse_nul(document: dict[str, Any]) -> None:
    """400 ``parameter_invalid`` naming the first field whose text holds a NUL character:
    PostgreSQL text cannot store it, and no field of the contract needs it."""
    loc = _nul_location(document)
    if loc is None:
        return
    if "metadata" in loc:
        # The metadata map is one parameter (as for its schema failures).
        loc = loc[: loc.index("metadata") + 1]
    elif loc and "\x00" in str(loc[-1]) and len(loc) > 1:
        loc = loc[:-1]  # an unknown key holding NUL: name the object it is in
    raise field_invalid(loc, "Text cannot contain the NUL character (\\u0000).")


def load_json_object(raw: bytes) -> dict[str, Any]:
    """The JSON object in ``raw``, or 400 ``invalid_json`` (not an object, malformed, too deep)."""
    return _load_json_object(raw)[0]


def _load_json_object(raw: bytes) -> tuple[dict[str, Any], bool]:
    """The JSON object in ``raw``, and whether it held integral floats (``30.0``) read as ints."""
    integral_floats = False

    def number(text: str) -> float | int:
        # JSON Schema counts 30.0 as an integer, so the contract does; strict parsing would not.
        nonlocal integral_floats
        value = float(text)
        if value.is_integer():
            integral_floats = True
            return int(value)
        return value

    try:
        document = json.loads(raw, parse_float=number)
    except (ValueError, UnicodeDecodeError, OverflowError, RecursionError):
        raise _invalid_json() from None
    # Fewer containers than the depth limit cannot nest past it; in UTF-8 a NUL can only be
    # written ``\u0000`` (JSON strings hold no raw control characters; a UTF-16 or UTF-32 body,
    # which json.loads also reads, holds zero bytes): most bodies skip both walks.
    if not isinstance(document, dict) or (
        raw.count(b"{") + raw.count(b"[") > MAX_JSON_DEPTH and _too_deep(document)
    ):
        raise _invalid_json()
    if b"\\u0000" in raw or b"\x00" in raw:
        refuse_nul(document)
    return document, integral_floats


def validate_document(
    model: type[M], document: dict[str, Any], *, source: bytes | str | None = None
) -> M:
    """``document`` (a JSON object, or ``source``, its text) validated by ``model`` in strict JSON
    mode; ``null`` only where the model admits it."""
    # A null the contract refuses gets its own message, after any other failure (as before).
    # (A UTF-8 text without ``null`` has none to refuse.)
    text = _as_bytes(source) if source is not None else b"\x00"
    null_refused = (
        [] if b"null" not in text and b"\x00" not in text else _null_refused(model, document)
    )
    try:
        parsed = model.model_validate_json(
            source if source is not None else json.dumps(document), strict=True
        )
    except ValidationError as exc:
        failure = validation_failed(exc, skip=frozenset(null_refused))
        if failure.errors() or not null_refused:
            raise failure from None
    if null_refused:
        name = null_refused[0]
        raise ApiError(
            400,
            "invalid_request_error",
            "parameter_invalid",
            f"{name} cannot be null; leave it out to keep the default or current value.",
            param=name,
        )
    return parsed


def _as_bytes(text: bytes | str) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


async def parse_form_or_json(request: Request) -> dict[str, Any]:
    """The body of a POST that accepts either a form (``curl -d``) or a JSON object, as a dict."""
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        return _load_json_object(raw)[0]
    if content_type in {"application/x-www-form-urlencoded", ""}:
        from urllib.parse import parse_qsl

        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ApiError(
                400, "invalid_request_error", "invalid_body", "The form body is not UTF-8."
            ) from None
        form = dict(pairs)
        refuse_nul(form)
        return form
    raise ApiError(
        400,
        "invalid_request_error",
        "unsupported_media_type",
        "Send the fields as a form (application/x-www-form-urlencoded), as JSON, or in the query string.",
    )
