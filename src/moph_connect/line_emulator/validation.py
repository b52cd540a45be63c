"""Checking Messaging API request bodies as LINE does, fast enough for the push benchmark.

The authority is `moph_connect.line.spec.validate` (LINE's OpenAPI file). It costs ~4 ms
for a Flex push, far too slow for thousands of pushes a second, and every push differs in
its text, so caching by exact body would rarely hit. We therefore memoise *valid* verdicts
by an abstract shape of the payload, built so that equal shapes provably get equal verdicts:

Draft 4 validation (plus the spec module's `discriminator`) observes a JSON value only
through its type, object keys, array lengths, numbers and booleans, and, for strings,
only through equality with constants (`enum`, discriminator mapping keys), `len()` against
`minLength`/`maxLength`, and `re.search` with `pattern`. (`format` is not asserted: the
spec module passes no format checker, which `_format_is_asserted` checks at start-up;
`uniqueItems`, the one keyword comparing instance values with each other, must be absent.)
The shape keeps keys, lengths, numbers and booleans verbatim, keeps a string verbatim if it
equals any such constant in the schemas the request schema reaches, and otherwise reduces
it to how its length compares with every length bound there and whether it matches each
pattern there. Two payloads with the same shape are thus indistinguishable to every
keyword, so one's verdict is the other's.
Only "valid" is cached; an invalid body is always re-validated, for its exact details.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from moph_connect.line.spec import SpecName, SpecViolation, load_spec, validate

# LINE's documented limits that its OpenAPI file does not state (text: "max 5,000
# characters"; Flex altText: "max 1,500 characters"); real LINE rejects these with 400.
TEXT_MAX_CHARS: Final = 5000
ALT_TEXT_MAX_CHARS: Final = 1500
_LENGTH_LIMITS: Final[dict[str, tuple[str, int]]] = {
    "text": ("text", TEXT_MAX_CHARS),
    "textV2": ("text", TEXT_MAX_CHARS),
    "flex": ("altText", ALT_TEXT_MAX_CHARS),
}

_REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")


@dataclass(frozen=True)
class ErrorDetail:
    """One entry of LINE's `ErrorResponse.details`."""

    message: str
    property: str | None = None

    def to_json(self) -> dict[str, str]:
        if self.property is None:
            return {"message": self.message}
        return {"message": self.message, "property": self.property}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for child in node.values():
            yield from _walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child)


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def reachable_schemas(spec: dict[str, Any], schema_name: str) -> list[dict[str, Any]]:
    """Every mapping the validator can reach from one schema: through `$ref`s and
    discriminator mappings, the only ways it leaves a schema (all refs are local)."""
    start = f"#/components/schemas/{schema_name}"
    seen = {start}
    pending = [start]
    nodes: list[dict[str, Any]] = []
    while pending:
        for node in _walk(_resolve(spec, pending.pop())):
            nodes.append(node)
            targets: list[Any] = [node.get("$ref")]
            discriminator = node.get("discriminator")
            if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
                targets.extend(discriminator["mapping"].values())
            for target in targets:
                if not isinstance(target, str):
                    continue
                if not target.startswith("#/"):
                    raise ValueError(f"non-local $ref {target!r} in {schema_name}")
                if target not in seen:
                    seen.add(target)
                    pending.append(target)
    return nodes


# Shape tokens are bytes: never equal to a JSON value (str, number, bool, None) or to a
# tuple, and, unlike instances of a class, not tracked by the garbage collector. A cached
# shape is then a tuple of atoms that CPython stops tracking, so thousands of cached shapes
# add nothing to a full collection (as class instances they made the emulator pause for
# ~100 ms now and then, and the requests that piled up meanwhile then drew 429s).
_Token = bytes

_OBJ, _ARR, _INT, _FLOAT, _BOOL, _NULL = (
    name.encode() for name in ("<object>", "<array>", "<int>", "<float>", "<bool>", "<null>")
)

Encoder = Callable[[Any, list[Any]], None]


class _Shaper:
    """The string-observing constants of one schema, and the shape function built on them.

    Walking every mapping the schema reaches (`properties` maps and examples included)
    over-approximates the constants: an extra constant only makes shapes finer.
    """

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        literals: set[str] = set()
        mins: set[int] = set()
        maxes: set[int] = set()
        patterns: set[str] = set()
        self.compares_values = False
        for node in nodes:
            enum = node.get("enum")
            if isinstance(enum, list):
                literals.update(v for v in enum if isinstance(v, str))
            discriminator = node.get("discriminator")
            if isinstance(discriminator, dict) and isinstance(discriminator.get("mapping"), dict):
                literals.update(discriminator["mapping"])
            for key, bucket in (("minLength", mins), ("maxLength", maxes)):
                bound = node.get(key)
                if isinstance(bound, int):
                    bucket.add(bound)
            pattern = node.get("pattern")
            if isinstance(pattern, str):
                patterns.add(pattern)
            if node.get("uniqueItems") is True:
                self.compares_values = True
        self._encode = _encoder(
            frozenset(literals),
            _length_classes(sorted(mins), sorted(maxes)),
            tuple(re.compile(p) for p in sorted(patterns)),
        )

    def shape(self, value: Any, prefix: Any) -> tuple[Any, ...]:
        out: list[Any] = [prefix]
        self._encode(value, out)
        return tuple(out)


def _length_classes(mins: list[int], maxes: list[int]) -> list[_Token]:
    """`classes[min(len(s), len(classes) - 1)]`: one token per way a length compares with
    every bound (is it >= each minLength, <= each maxLength); past the largest bound, all
    lengths compare alike."""
    top = max([*mins, *maxes, 0]) + 1
    tokens: dict[tuple[int, int], _Token] = {}
    classes: list[_Token] = []
    for length in range(top + 1):
        relation = (bisect_right(mins, length), bisect_left(maxes, length))
        classes.append(tokens.setdefault(relation, f"<string{relation}>".encode()))
    return classes


def _encoder(
    literals: frozenset[str], classes: list[_Token], patterns: tuple[re.Pattern[str], ...]
) -> Encoder:
    # A value is encoded as: a literal string itself; or a token (never equal to a string,
    # a number or a tuple) announcing its kind, then its payload. An object announces the
    # tuple of its keys, an array its length, so a token sequence decodes one way only:
    # equal sequences, equal shapes. Exact `type()` checks keep bool apart from int
    # (True == 1 in Python).
    # This runs for every push (~100 strings in a Flex card): string members are encoded
    # inline in the container loop, sparing a call per leaf, and keys go in as one tuple.
    last = len(classes) - 1

    def scalar(value: Any, out: list[Any]) -> None:
        kind = type(value)
        if kind is str:
            if value in literals:
                out.append(value)
                return
            length = len(value)
            out.append(classes[length if length < last else last])
            if patterns:
                out.append(tuple(p.search(value) is not None for p in patterns))
        elif kind is int:
            out += (_INT, value)
        elif kind is float:
            out += (_FLOAT, value)
        elif kind is bool:
            out += (_BOOL, value)
        elif value is None:
            out.append(_NULL)
        else:  # not a JSON value: never cacheable
            raise TypeError(f"not a JSON value: {kind.__name__}")

    def encode(value: Any, out: list[Any]) -> None:
        kind = type(value)
        if kind is dict:
            out += (_OBJ, tuple(value))
            members = value.values()
        elif kind is list:
            out += (_ARR, len(value))
            members = value
        else:
            scalar(value, out)
            return
        append = out.append
        for item in members:
            kind = type(item)
            if kind is str and not patterns:
                if item in literals:
                    append(item)
                else:
                    length = len(item)
                    append(classes[length if length < last else last])
            elif kind is dict or kind is list:
                encode(item, out)
            else:
                scalar(item, out)

    return encode


def _format_is_asserted(spec_name: SpecName) -> bool:
    """Whether the spec validator checks `format` (a bad `uri` would then be rejected)."""
    probe = {
        "to": "U" + "0" * 32,
        "messages": [
            {
                "type": "template",
                "altText": "probe",
                "template": {
                    "type": "buttons",
                    "text": "probe",
                    "actions": [{"type": "uri", "label": "probe", "uri": "::not a uri::"}],
                },
            }
        ],
    }
    return bool(validate(spec_name, "PushMessageRequest", probe))


def to_details(violations: list[SpecViolation]) -> list[ErrorDetail]:
    """LINE's wording: a missing property is named in `property`, "must be specified"."""
    details: list[ErrorDetail] = []
    for violation in violations:
        missing = _REQUIRED.match(violation.message)
        if missing:
            name = missing.group("name")
            path = f"{violation.property}.{name}" if violation.property else name
            details.append(ErrorDetail("must be specified", path))
        else:
            details.append(ErrorDetail(violation.message, violation.property))
    return details


def _limit_details(payload: dict[str, Any]) -> list[ErrorDetail]:
    details: list[ErrorDetail] = []
    for index, message in enumerate(payload.get("messages", ())):
        limit = _LENGTH_LIMITS.get(message.get("type"))
        if limit is None:
            continue
        field, max_chars = limit
        value = message.get(field)
        if not isinstance(value, str):
            continue  # the schema already vouches for a present, typed field
        path = f"messages[{index}].{field}"
        if not value:
            details.append(ErrorDetail("must be specified", path))
        elif len(value) > max_chars:
            details.append(ErrorDetail(f"Length must be between 0 and {max_chars}", path))
    return details


class RequestValidator:
    """Validates request bodies against spec schemas, memoising valid shapes (FIFO-bounded)."""

    def __init__(self, spec_name: SpecName = "messaging-api", max_shapes: int = 16384) -> None:
        self._spec_name: SpecName = spec_name
        self._max_shapes = max_shapes
        # Sound only under the assumptions in the module docstring; otherwise never cache.
        self._format_asserted = _format_is_asserted(spec_name)
        self._shapers: dict[str, _Shaper | None] = {}
        self._valid: dict[tuple[Any, ...], None] = {}
        self.hits = 0
        self.misses = 0

    def caches(self, schema_name: str) -> bool:
        """Whether valid verdicts for this schema are memoised (see the module docstring)."""
        return self._shaper(schema_name) is not None

    def check(self, schema_name: str, payload: Any) -> list[ErrorDetail]:
        """LINE-style error details for `payload` (an empty list: LINE would accept it)."""
        details = self._check_spec(schema_name, payload)
        if details:
            return details
        # The schema guarantees an object whose `messages` are objects with a `type`.
        return _limit_details(payload)

    def _shaper(self, schema_name: str) -> _Shaper | None:
        if schema_name not in self._shapers:
            shaper = _Shaper(reachable_schemas(load_spec(self._spec_name), schema_name))
            sound = not shaper.compares_values and not self._format_asserted
            self._shapers[schema_name] = shaper if sound else None
        return self._shapers[schema_name]

    def _validate(self, schema_name: str, payload: Any) -> list[ErrorDetail]:
        try:
            violations = validate(self._spec_name, schema_name, payload)
        except TypeError as exc:
            # `spec.validate` looks a discriminator's value up in a dict, so a list or
            # object where a `type` string belongs raises instead of being reported.
            # It is still the client's mistake, and LINE answers it with 400.
            return [ErrorDetail(f"The request body is invalid: {exc}")]
        return to_details(violations)

    def _check_spec(self, schema_name: str, payload: Any) -> list[ErrorDetail]:
        shaper = self._shaper(schema_name)
        if shaper is None:
            return self._validate(schema_name, payload)
        key = shaper.shape(payload, schema_name)
        if key in self._valid:
            self.hits += 1
            return []
        self.misses += 1
        details = self._validate(schema_name, payload)
        if not details:
            if len(self._valid) >= self._max_shapes:
                del self._valid[next(iter(self._valid))]
            self._valid[key] = None
        return details
