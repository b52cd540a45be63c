"""Validation of LINE payloads against LINE's own published OpenAPI description.

The YAML files in `openapi/` are LINE's `line-openapi` specs, unchanged. They use
OpenAPI 3.0 `discriminator` mappings (a `Message` with `type: flex` must match
`FlexMessage`), which plain JSON Schema ignores.

Two validators, one meaning. The verdict (valid or not) comes from jsonschema-rs, compiled
from the spec with each discriminator rewritten as plain Draft 4 (`discriminators.py`):
tens of microseconds for a queue card, where python-jsonschema takes milliseconds, and
the emulator checks every push (BENCHMARKS.md). Only a body found invalid goes through
python-jsonschema, extended with the `discriminator` keyword below, for the details LINE's
error answer lists. Neither asserts `format` (LINE's spec says `uri` for fields LINE
checks its own way).
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import jsonschema_rs
import yaml
from jsonschema import Draft4Validator, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from line_contract.discriminators import without_discriminators

SpecName = Literal["messaging-api", "webhook"]

# (id(instance), target ref) pairs being validated now: a subtype's `allOf` refers back
# to its base schema, whose discriminator would otherwise send us round in a circle.
_in_progress: contextvars.ContextVar[frozenset[tuple[int, str]]] = contextvars.ContextVar(
    "_in_progress", default=frozenset()
)


def _discriminator(
    validator: Any, discriminator: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    prop = discriminator["propertyName"]
    value = instance.get(prop)
    mapping: dict[str, str] = discriminator.get("mapping", {})
    if not isinstance(value, str):
        return  # `required` or the property's `type: string` reports it
    target = mapping.get(value)
    if target is None:
        yield ValidationError(
            f"{value!r} is not a known {prop}; expected one of {sorted(mapping)}",
            validator="discriminator",
            validator_value=discriminator,
            instance=instance,
            schema=schema,
            path=[prop],
        )
        return
    key = (id(instance), target)
    active = _in_progress.get()
    if key in active:
        return
    token = _in_progress.set(active | {key})
    try:
        yield from validator.descend(instance, {"$ref": target})
    finally:
        _in_progress.reset(token)


_OpenApiValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft4Validator, {"discriminator": _discriminator}
)


@cache
def load_spec(name: SpecName) -> dict[str, Any]:
    text = resources.files("line_contract").joinpath(f"openapi/{name}.yml").read_text("utf-8")
    spec: dict[str, Any] = yaml.safe_load(text)
    return spec


@cache
def _registry(name: SpecName) -> Registry:
    resource: Resource[Any] = DRAFT4.create_resource(load_spec(name))
    registry: Registry[Any] = Registry().with_resource(uri=_base_uri(name), resource=resource)
    return registry


def _base_uri(name: SpecName) -> str:
    return f"urn:line-openapi:{name}"


@cache
def _validator(name: SpecName, schema_name: str) -> Any:
    schema = {"$ref": f"{_base_uri(name)}#/components/schemas/{schema_name}"}
    return _OpenApiValidator(schema, registry=_registry(name))


@dataclass(frozen=True)
class SpecViolation:
    """One way a payload breaks the spec: a JSON path (LINE's `property`) and why."""

    property: str
    message: str


# Violations are described without the offending value: a payload can carry a patient's
# name, and these messages end up in logs and in the outbox's `last_error`.
_DESCRIBE: dict[str, str] = {
    "maxLength": "must be at most {} characters",
    "minLength": "must be at least {} characters",
    "maxItems": "must have at most {} items",
    "minItems": "must have at least {} items",
    "maximum": "must be at most {}",
    "minimum": "must be at least {}",
    "enum": "must be one of {}",
    "type": "must be of type {}",
    "pattern": "must match the pattern {}",
    "format": "must be a valid {}",
}


def _describe(error: ValidationError) -> str:
    keyword = str(error.validator)
    if keyword in ("required", "additionalProperties", "discriminator"):
        return error.message  # names properties or type tags, never free text
    template = _DESCRIBE.get(keyword)
    if template is None:
        return f"is invalid ({keyword})"
    return template.format(error.validator_value)


def _json_path(error: ValidationError) -> str:
    parts: list[str] = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(f".{part}" if parts else str(part))
    return "".join(parts)


@cache
def _plain_spec(name: SpecName) -> dict[str, Any]:
    # Through JSON: YAML reads some `example` values as dates, which jsonschema-rs refuses.
    as_json: dict[str, Any] = json.loads(json.dumps(load_spec(name), default=str))
    return without_discriminators(as_json)


@cache
def _compiled(name: SpecName, schema_name: str) -> jsonschema_rs.Draft4Validator:
    # The whole document is the schema's root, so that its `#/components/...` refs resolve.
    root = {**_plain_spec(name), "$ref": f"#/components/schemas/{schema_name}"}
    return jsonschema_rs.Draft4Validator(root, validate_formats=False)


def is_valid(name: SpecName, schema_name: str, payload: Any) -> bool:
    """Whether `payload` matches `#/components/schemas/<schema_name>` (the fast verdict)."""
    return bool(_compiled(name, schema_name).is_valid(payload))


def violations(name: SpecName, schema_name: str, payload: Any) -> list[SpecViolation]:
    """python-jsonschema's account of what is wrong with `payload`: slow, but detailed."""
    validator = _validator(name, schema_name)
    # A schema reached both by `$ref` and by its base's discriminator reports twice.
    unique = {SpecViolation(_json_path(e), _describe(e)) for e in validator.iter_errors(payload)}
    return sorted(unique, key=lambda v: (v.property, v.message))


def validate(name: SpecName, schema_name: str, payload: Any) -> list[SpecViolation]:
    """Every violation of `#/components/schemas/<schema_name>` in `payload` (empty: valid)."""
    if is_valid(name, schema_name, payload):
        return []
    found = violations(name, schema_name, payload)
    # The compiled verdict is the one that counts; the two are held equal by tests, and a
    # body they ever disagreed on must still be refused rather than pass with no reason.
    return found or [SpecViolation("", "does not match LINE's schema")]
