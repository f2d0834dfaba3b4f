"""openapi.yaml for tests: the parsed spec, a JSON Schema validator for it and its operations.

- ``spec``: the parsed openapi.yaml (session-scoped); ``load_spec()`` without the fixture.
- ``validate(instance, pointer)``: error messages against the schema at a JSON pointer.
- ``resolve(node)``: follows local ``$ref``s; ``operations``: every (path, method, op, params).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import (  # type: ignore[import-untyped]  # no stubs in the dev group
    Draft202012Validator,
    FormatChecker,
)
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
BASE_URI = "urn:astrocal:openapi"
# Operations whose routes other parts of the server still owe. It may only shrink: the route-parity
# test fails on a listed operation that has a route; the conformance run skips the listed ones.
NOT_IMPLEMENTED_YET: set[str] = set()

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Validate = Callable[[Any, str], list[str]]


def load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


# jsonschema ships no `uri` checker without the optional rfc3987 package; a scheme plus a
# location is what the contract means by `format: uri`.
FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checks("uri")(_is_uri)


def spec_registry(spec: dict[str, Any]) -> Registry[Any]:
    """A `referencing` registry holding the whole of openapi.yaml under ``BASE_URI``."""
    registry: Registry[Any] = Registry().with_resource(
        BASE_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return registry


def schema_errors(
    registry: Registry[Any], ref: str, instance: Any, format_checker: FormatChecker
) -> list[str]:
    """Error messages of ``instance`` against the schema at ``ref`` (``#/components/...``)."""
    validator = Draft202012Validator(
        {"$ref": BASE_URI + ref}, registry=registry, format_checker=format_checker
    )
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def example(spec: dict[str, Any], name: str) -> dict[str, Any]:
    """The value of the named example under ``components.examples``."""
    value: dict[str, Any] = spec["components"]["examples"][name]["value"]
    return value


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def validate(spec: dict[str, Any]) -> Validate:
    """``validate(instance, pointer)`` → error messages of `instance` against the schema at `pointer`.

    `pointer` is a JSON pointer into openapi.yaml (``/components/schemas/Booking``); `$ref`s
    inside the document resolve through a `referencing` registry that holds the whole file.
    """
    registry = spec_registry(spec)

    def _validate(instance: Any, pointer: str) -> list[str]:
        return schema_errors(registry, f"#{pointer}", instance, FORMAT_CHECKER)

    return _validate


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (``#/components/...``) until a non-reference node."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are used: {ref}"
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        assert seen < 20, f"reference loop at {ref}"
    return node


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], list[Any]]]:
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                yield path, method, op, [*shared, *op.get("parameters", [])]


Operation = tuple[str, str, dict[str, Any], list[Any]]


@pytest.fixture(scope="session")
def resolve(spec: dict[str, Any]) -> Callable[[Any], Any]:
    """``resolve(node)`` follows local `$ref`s until a non-reference node."""
    return lambda node: _resolve(spec, node)


@pytest.fixture(scope="session")
def operations(spec: dict[str, Any]) -> list[Operation]:
    """(path, method, operation, parameters incl. path-level) for every operation under `paths`."""
    return list(_operations(spec))
