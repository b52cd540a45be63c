"""LINE's OpenAPI `discriminator` mappings, rewritten as plain Draft 4 JSON Schema.

A compiled validator (jsonschema-rs) knows JSON Schema, not OpenAPI: it would ignore
`discriminator`, so a `Message` with `type: flex` would never be checked as a
`FlexMessage`. `spec.py` adds the keyword to python-jsonschema by hand; this module gives
the same meaning in keywords every Draft 4 validator has, so that both validators answer
alike (tests/line_emulator/test_spec_equivalence.py holds them to it).

For a base schema `B` with `discriminator: {propertyName: p, mapping: {K: T, ...}}`:

- `B` becomes `B`'s own keywords (without `discriminator`) plus "if `p` is a string, it
  is one of the `K`s and the value matches that `K`'s `T`" (Draft 4 has no `if`/`then`:
  one `anyOf`, see `_dispatch`).
- `T'` is `T` with its `allOf` entry `{$ref: B}` pointing at `B__base` (`B` without the
  dispatch). Python's validator breaks the same cycle (T → B → T again for the same
  value) by remembering what it is inside; here the schema itself has no cycle.

Every other `$ref` is left alone: a property that refers to `B` or to `T` directly is
checked with the dispatch, as python-jsonschema does.
"""

from __future__ import annotations

import copy
from typing import Any, Final

_PREFIX: Final = "#/components/schemas/"
BASE_SUFFIX: Final = "__base"
VARIANT_SUFFIX: Final = "__variant"


def _name(ref: str) -> str:
    if not ref.startswith(_PREFIX):
        raise ValueError(f"a discriminator maps to {ref!r}, outside {_PREFIX}")
    return ref.removeprefix(_PREFIX)


def _dispatch(discriminator: dict[str, Any], variants: dict[str, str]) -> list[Any]:
    prop: str = discriminator["propertyName"]
    mapping: dict[str, str] = discriminator.get("mapping", {})
    # One `anyOf`: "the tag is K and the value is a K" for some K, or there is no string
    # tag at all (left to `required` and the tag's own `type`, as in spec.py). A string tag
    # that names no subtype matches no branch. A value whose tag is absent would also pass
    # each K-branch's `enum`, but matches the last branch anyway, so the K-branches need no
    # `required` of their own. A validator stops at the first branch that holds and
    # checks `allOf` in order, so a value is checked against its own subtype only, after
    # one cheap `enum` per subtype listed before it (measured: ~2× faster for a queue
    # card than one if-then per subtype).
    branches: list[Any] = [
        {"allOf": [{"properties": {prop: {"enum": [key]}}}, {"$ref": _PREFIX + variants[target]}]}
        for key, target in mapping.items()
    ]
    branches.append({"not": {"required": [prop], "properties": {prop: {"type": "string"}}}})
    return [{"anyOf": branches}]


def without_discriminators(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI document whose `components.schemas` carry each discriminator
    as plain JSON Schema (see the module docstring); `spec` itself is left unchanged."""
    result = copy.deepcopy(spec)
    schemas: dict[str, Any] = result["components"]["schemas"]
    bases = {
        name: schema["discriminator"]
        for name, schema in schemas.items()
        if isinstance(schema, dict) and isinstance(schema.get("discriminator"), dict)
    }
    variants: dict[str, dict[str, str]] = {}  # base -> mapping target -> its variant
    for base, discriminator in bases.items():
        base_ref = _PREFIX + base
        variants[base] = {}
        for target in discriminator.get("mapping", {}).values():
            if _name(target) in bases:
                # Its variant would lose its own dispatch; LINE's spec has no such nesting.
                raise ValueError(f"{target} is both a subtype of {base} and a base itself")
            subtype = schemas[_name(target)]
            variant = copy.deepcopy(subtype)
            variant["allOf"] = [
                {"$ref": base_ref + BASE_SUFFIX} if entry == {"$ref": base_ref} else entry
                for entry in subtype.get("allOf", [])
            ]
            variant_name = _name(target) + VARIANT_SUFFIX + "__" + base
            schemas[variant_name] = variant
            variants[base][target] = variant_name
    for base, discriminator in bases.items():
        own = {key: value for key, value in schemas[base].items() if key != "discriminator"}
        schemas[base + BASE_SUFFIX] = own
        schemas[base] = {
            **own,
            "allOf": [*own.get("allOf", []), *_dispatch(discriminator, variants[base])],
        }
    return result
