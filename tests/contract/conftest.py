"""Shared fixtures for the contract tests: the parsed openapi.yaml and a JSON Schema validator for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
BASE_URI = "urn:astrocal:openapi"
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


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    return load_spec()


@pytest.fixture(scope="session")
def validate(spec: dict[str, Any]) -> Validate:
    """``validate(instance, pointer)`` → error messages of `instance` against the schema at `pointer`.

    `pointer` is a JSON pointer into openapi.yaml (``/components/schemas/Booking``); `$ref`s
    inside the document resolve through a `referencing` registry that holds the whole file.
    """
    registry: Registry[Any] = Registry().with_resource(
        BASE_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )

    def _validate(instance: Any, pointer: str) -> list[str]:
        validator = Draft202012Validator(
            {"$ref": f"{BASE_URI}#{pointer}"}, registry=registry, format_checker=FORMAT_CHECKER
        )
        return [
            f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in validator.iter_errors(instance)
        ]

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
