"""Reading request bodies strictly: JSON objects validated by a pydantic model in strict JSON mode,
so ``"30"`` is not an integer and ``1`` is not a string; unknown fields are refused by the models.

Errors go through FastAPI's ``RequestValidationError`` so they share the validation error envelope.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError

from astrocal_server.api.errors import ApiError

__all__ = ["StrictBody", "parse_form_or_json", "parse_json_body", "validation_failed"]


class StrictBody(BaseModel):
    """A request body: unknown fields are refused, and so is ``null`` unless the field is in
    :attr:`NULLABLE` (optional fields are ``X | None = None`` in Python, but absent ≠ null)."""

    model_config = ConfigDict(extra="forbid")
    NULLABLE: ClassVar[frozenset[str]] = frozenset()


M = TypeVar("M", bound=BaseModel)


def validation_failed(exc: ValidationError, location: str = "body") -> RequestValidationError:
    errors: list[dict[str, Any]] = []
    for detail in exc.errors(include_url=False):
        err: dict[str, Any] = dict(detail)
        err["loc"] = (location, *detail.get("loc", ()))
        err.pop("ctx", None)
        errors.append(err)
    return RequestValidationError(errors)


def _invalid_json() -> ApiError:
    return ApiError(
        400,
        "invalid_request_error",
        "invalid_json",
        "The request body is not a valid JSON object; send a JSON object with Content-Type: application/json.",
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
    except (ValueError, UnicodeDecodeError, OverflowError):
        raise _invalid_json() from None
    if not isinstance(document, dict):
        raise _invalid_json()
    try:
        source = json.dumps(document) if integral_floats else raw
        parsed = model.model_validate_json(source, strict=True)
    except ValidationError as exc:
        raise validation_failed(exc) from None
    nullable: frozenset[str] = getattr(model, "NULLABLE", frozenset())
    for name in sorted(parsed.model_fields_set):
        if getattr(parsed, name) is None and name not in nullable:
            raise ApiError(
                400,
                "invalid_request_error",
                "parameter_invalid",
                f"{name} cannot be null; leave it out to keep the default or current value.",
                param=name,
            )
    return parsed


async def parse_form_or_json(request: Request) -> dict[str, Any]:
    """The body of a POST that accepts either a form (``curl -d``) or a JSON object, as a dict."""
    raw = await request.body()
    if not raw.strip():
        return {}
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _invalid_json() from None
        if not isinstance(document, dict):
            raise _invalid_json()
        return document
    if content_type in {"application/x-www-form-urlencoded", ""}:
        from urllib.parse import parse_qsl

        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ApiError(
                400, "invalid_request_error", "invalid_body", "The form body is not UTF-8."
            ) from None
        return dict(pairs)
    raise ApiError(
        400,
        "invalid_request_error",
        "unsupported_media_type",
        "Send the fields as a form (application/x-www-form-urlencoded), as JSON, or in the query string.",
    )
