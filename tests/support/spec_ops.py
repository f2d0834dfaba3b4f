"""The operations of openapi.yaml as plain data, for tests that hold the SDK against the spec."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Operation", "sample_value", "sdk_operations", "spec"]

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "post", "put", "patch", "delete")


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    return loaded


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def ref_name(node: Any) -> str | None:
    if isinstance(node, dict) and "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[1]
    return None


@dataclass
class Operation:
    operation_id: str
    method: str
    path: str
    path_params: list[str] = field(default_factory=list)
    query: dict[str, bool] = field(default_factory=dict)  # name -> required
    query_schemas: dict[str, Any] = field(default_factory=dict)
    body: dict[str, bool] = field(default_factory=dict)  # property -> required
    body_schemas: dict[str, Any] = field(default_factory=dict)
    has_body: bool = False
    status: int = 200
    response_schema: str | None = None
    list_item: str | None = None

    @property
    def params(self) -> set[str]:
        return set(self.path_params) | set(self.query) | set(self.body)


def _body_properties(schema: Any) -> tuple[dict[str, bool], dict[str, Any]]:
    schema = resolve(schema)
    if "oneOf" in schema:
        props: dict[str, bool] = {}
        schemas: dict[str, Any] = {}
        members = [resolve(m) for m in schema["oneOf"]]
        required_everywhere = set.intersection(*(set(m.get("required", [])) for m in members))
        for member in members:
            for name, sub in member.get("properties", {}).items():
                props[name] = name in required_everywhere
                schemas.setdefault(name, sub)
        return props, schemas
    required = set(schema.get("required", []))
    properties = schema.get("properties", {})
    return {n: n in required for n in properties}, dict(properties)


def sdk_operations() -> list[Operation]:
    """Every operation that is an SDK method (``x-sdk: false`` ones are not)."""
    out: list[Operation] = []
    for path, item in spec()["paths"].items():
        shared = item.get("parameters", [])
        for method in METHODS:
            raw = item.get(method)
            if raw is None or raw.get("x-sdk") is False:
                continue
            op = Operation(raw["operationId"], method.upper(), path)
            for param in [resolve(p) for p in [*shared, *raw.get("parameters", [])]]:
                if param["in"] == "path":
                    op.path_params.append(param["name"])
                elif param["in"] == "query":
                    op.query[param["name"]] = bool(param.get("required"))
                    op.query_schemas[param["name"]] = param.get("schema", {})
            # Path parameters in the order they appear in the path.
            op.path_params.sort(key=lambda name: path.index("{" + name + "}"))
            request_body = raw.get("requestBody")
            if request_body:
                op.has_body = True
                schema = request_body["content"]["application/json"]["schema"]
                op.body, op.body_schemas = _body_properties(schema)
            status, response = next(
                (int(code), resp) for code, resp in raw["responses"].items() if code.startswith("2")
            )
            op.status = status
            content = resolve(response).get("content")
            if content:
                schema_ref = content["application/json"]["schema"]
                op.response_schema = ref_name(schema_ref)
                resolved = resolve(schema_ref)
                data = resolved.get("properties", {}).get("data", {})
                if {"has_more", "next_cursor"} <= set(resolved.get("properties", {})):
                    op.list_item = ref_name(data.get("items"))
            out.append(op)
    return out


def sample_value(schema: Any) -> Any:
    """A value of the schema's shape, as a caller would pass it (dates as ``date``, …)."""
    schema = resolve(schema)
    if "oneOf" in schema or "anyOf" in schema:
        return sample_value((schema.get("oneOf") or schema.get("anyOf"))[0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    fmt = schema.get("format")
    if kind == "string" and fmt == "date":
        return dt.date(2026, 4, 15)
    if kind == "string" and fmt == "date-time":
        return dt.datetime(2026, 4, 15, 9, 0, tzinfo=dt.UTC)
    if kind == "string":
        examples = schema.get("examples")
        return examples[0] if examples else "sample"
    if kind == "integer":
        return int(schema.get("minimum", 5))
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample_value(schema.get("items", {}))]
    if kind == "object" or "properties" in schema:
        return {
            name: sample_value(sub)
            for name, sub in schema.get("properties", {}).items()
            if name in schema.get("required", [])
        }
    return "sample"
