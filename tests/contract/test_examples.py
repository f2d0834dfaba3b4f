"""Every example in openapi.yaml validates against the schema it illustrates.

Examples are what people copy from the docs and what tools replay, so one that the schema
rejects is a bug in the example or in the schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from astrocal_server.ids import PREFIXES, new_id

from tests.support.spec import Validate, load_spec

# Keywords whose values are subschemas (single, list, or map of them).
_SUBSCHEMA = (
    "items",
    "additionalProperties",
    "not",
    "propertyNames",
    "contains",
    "if",
    "then",
    "else",
)
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _schema_examples(schema: Any, pointer: str) -> Iterator[tuple[str, Any, str]]:
    """(where, example, schema pointer) for `example`/`examples` inside a schema and its subschemas."""
    if not isinstance(schema, dict):
        return
    if "example" in schema:
        yield f"{pointer}/example", schema["example"], pointer
    for index, example in enumerate(schema.get("examples", [])):
        yield f"{pointer}/examples/{index}", example, pointer
    for key in _SUBSCHEMA:
        if isinstance(schema.get(key), dict):
            yield from _schema_examples(schema[key], f"{pointer}/{key}")
    for key in _SUBSCHEMA_LISTS:
        for index, sub in enumerate(schema.get(key, [])):
            yield from _schema_examples(sub, f"{pointer}/{key}/{index}")
    for key in _SUBSCHEMA_MAPS:
        for name, sub in schema.get(key, {}).items():
            yield from _schema_examples(sub, f"{pointer}/{key}/{_escape(name)}")


def _resolve_example(spec: dict[str, Any], example: Any) -> Any:
    if isinstance(example, dict) and "$ref" in example:
        name = example["$ref"].removeprefix("#/components/examples/")
        example = spec["components"]["examples"][name]
    return example["value"]


def _all_examples(spec: dict[str, Any]) -> Iterator[tuple[str, Any, str]]:
    """Walk the document: schemas, parameters, headers and media types, wherever they sit."""
    for name in spec["components"]["schemas"]:
        yield from _schema_examples(
            spec["components"]["schemas"][name], f"/components/schemas/{name}"
        )

    def walk(node: Any, pointer: str) -> Iterator[tuple[str, Any, str]]:
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from walk(item, f"{pointer}/{index}")
            return
        if not isinstance(node, dict):
            return
        if "schema" in node:  # a parameter, header or media type object
            schema_pointer = f"{pointer}/schema"
            yield from _schema_examples(node["schema"], schema_pointer)
            if "example" in node:
                yield f"{pointer}/example", node["example"], schema_pointer
            for key, example in node.get("examples", {}).items():
                yield f"{pointer}/examples/{key}", _resolve_example(spec, example), schema_pointer
        for key, value in node.items():
            if key not in ("schema", "example", "examples"):
                yield from walk(value, f"{pointer}/{_escape(key)}")

    for section in ("paths", "webhooks", "components"):
        for key, value in spec[section].items():
            if section == "components" and key in ("schemas", "examples"):
                continue
            yield from walk(value, f"/{section}/{_escape(key)}")


CASES = [
    pytest.param(where, example, schema, id=where)
    for where, example, schema in _all_examples(load_spec())
]


def test_there_are_many_examples() -> None:
    # A walker that silently finds nothing would make the test below pass vacuously.
    assert len(CASES) >= 60
    wheres = " ".join(case.values[0] for case in CASES)
    for kind in (
        "/components/schemas/",
        "/parameters/",
        "/headers/",
        "/content/application~1json/example",
    ):
        assert kind in wheres, kind


@pytest.mark.parametrize(("where", "example", "schema_pointer"), CASES)
def test_example_matches_its_schema(
    where: str, example: Any, schema_pointer: str, validate: Validate
) -> None:
    assert validate(example, schema_pointer) == []


def test_every_shared_example_is_used(spec: dict[str, Any]) -> None:
    text = repr(spec["paths"]) + repr(spec["webhooks"]) + repr(spec["components"]["responses"])
    for name in spec["components"]["examples"]:
        assert f"#/components/examples/{name}" in text, name


def test_a_wrong_example_would_be_caught(validate: Validate) -> None:
    assert validate({"id": "bk_1", "status": "pending"}, "/components/schemas/Booking") != []
    assert validate({"start": "09:00", "end": "24:01"}, "/components/schemas/TimeInterval") != []
    assert validate("not-a-date", "/components/schemas/DateOverride/properties/date") != []


@pytest.mark.parametrize(
    ("prefix", "schema_pointer"),
    [
        ("acct", "/components/schemas/Account/properties/id"),
        ("key", "/components/schemas/ApiKey/properties/id"),
        ("sch", "/components/schemas/Schedule/properties/id"),
        ("evt", "/components/schemas/EventType/properties/id"),
        ("bk", "/components/schemas/Booking/properties/id"),
        ("wh", "/components/schemas/Webhook/properties/id"),
        ("whd", "/components/schemas/WebhookDelivery/properties/id"),
        ("whe", "/components/schemas/WebhookDelivery/properties/event_id"),
        ("cal", "/components/schemas/CalendarConnection/properties/id"),
        ("req", "/components/schemas/ErrorDetail/properties/request_id"),
    ],
)
def test_real_ids_match_the_id_patterns(
    prefix: str, schema_pointer: str, validate: Validate
) -> None:
    assert prefix in PREFIXES
    for _ in range(20):
        assert validate(new_id(prefix), schema_pointer) == []
    other = "evt" if prefix != "evt" else "bk"
    assert validate(new_id(other), schema_pointer) != []
