"""Attribute mappings: the accelerator's little language for copying commercetools values over.

A mapping such as ``color.key:colorKey; color.label{de,en}:colorNames{strings}`` reads values out of
a commercetools object (the whole cart, or one line item's variant attributes keyed by name) and
writes them as Talon.One attributes. The grammar is the accelerator's, so its specs keep working.
All whitespace is removed first, then::

    mapping        = transformation *( ";" transformation )
    transformation = source ":" attribute [ "{" type "}" ]
    source         = name *( "." name ) [ "{" name *( "," name ) "}" ]

A source ``name`` is a commercetools name or key: letters, digits, ``_`` and ``-``; on a list, a
number picks an element. An ``attribute`` is a Talon.One name: a letter, then letters, digits and
``_``. The types are ``string`` (the default), ``number``, ``boolean``, ``time``, ``location`` and
the list types ``strings``, ``numbers``, ``dates`` and ``locations``, which convert every value of
an object or list, or only the values of the ``{…}`` keys in the order written.

Where the accelerator was lenient this module is strict, on purpose:

* a malformed mapping raises ``MappingError`` when it is parsed, at cold start, not on every cart;
* a missing or null value, or one the type cannot represent, leaves the attribute out: never
  ``"null"``, ``0``, ``false`` or the epoch;
* ``0``, ``false`` and ``""`` are values like any other, in lists too;
* ``time`` and ``dates`` read only ISO-8601 text; a date-time without an offset is taken as UTC;
* ``boolean`` takes real booleans and the texts ``"true"`` and ``"false"`` only. JavaScript
  truthiness turned ``"false"``, ``"no"`` and ``{}`` into true, which no campaign rule expects;
* every transformation stands alone: a mapping is never skipped as a whole.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

_DIGITS = "0123456789"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SOURCE_NAME_CHARS = frozenset(_LETTERS + _DIGITS + "_-")
_ATTRIBUTE_NAME_CHARS = frozenset(_LETTERS + _DIGITS + "_")
_SOURCE_NAME_MAX = 256

# Decimal text as JavaScript's Number() reads it, minus its surprises ("", "0x10", "Infinity").
_NUMBER_TEXT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

# ISO-8601 extended format: a date, optionally a time, optionally an offset.
_ISO_MOMENT = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:T(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2})"
    r"(?::(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?)?"
    r"(?P<offset>Z|(?P<sign>[+-])(?P<offset_hours>[0-9]{2}):(?P<offset_minutes>[0-9]{2}))?)?"
)

# JavaScript writes integral numbers below this without a fraction or an exponent.
_PLAIN_INTEGER_LIMIT = 1e21


class MappingError(ValueError):
    """A mapping spec is malformed; the message quotes the transformation and says what is wrong."""


@dataclass(frozen=True)
class Transformation:
    """One ``source:attribute{type}`` step of a mapping."""

    path: tuple[str, ...]
    keys: tuple[str, ...] | None
    attribute: str
    type: str

    def evaluate(self, source: Mapping[str, Any]) -> Any:
        """The attribute value for ``source``, or None when it is to be left out."""
        value = _resolve(source, self.path)

        element_type = _LIST_TYPES.get(self.type)
        if element_type is None:
            return _CONVERSIONS[self.type](value)

        members = _members(value, self.keys)
        if members is None:
            return None

        convert = _CONVERSIONS[element_type]
        converted = [result for result in map(convert, members) if result is not None]
        return converted or None


@dataclass(frozen=True)
class AttributeMapping:
    """A parsed mapping spec, applied to one commercetools object at a time."""

    transformations: tuple[Transformation, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> AttributeMapping:
        """Parse ``spec``; an empty or blank spec gives an empty mapping.

        :raises MappingError: naming the first malformed transformation and what is wrong with it.
        """
        if not spec.strip():
            return cls()

        transformations: list[Transformation] = []
        attributes: set[str] = set()
        for position, text in enumerate(spec.split(";"), start=1):
            transformation = _parse_transformation(text.strip(), position)

            # Two writers of one attribute would make the result depend on their order.
            if transformation.attribute in attributes:
                problem = f"an earlier transformation already sets {transformation.attribute!r}"
                raise _error(text.strip(), problem)
            attributes.add(transformation.attribute)
            transformations.append(transformation)

        return cls(tuple(transformations))

    def apply(self, source: Mapping[str, Any]) -> dict[str, Any]:
        """The Talon.One attributes for ``source``, leaving out every value that is absent."""
        attributes: dict[str, Any] = {}
        for transformation in self.transformations:
            value = transformation.evaluate(source)
            if value is not None:
                attributes[transformation.attribute] = value
        return attributes

    def __bool__(self) -> bool:
        return bool(self.transformations)


# Parsing


def _parse_transformation(text: str, position: int) -> Transformation:
    compact = "".join(text.split())
    if not compact:
        raise MappingError(f"mapping transformation {position} is empty; remove the stray ';'")

    source, colon, destination = compact.partition(":")
    if not colon:
        raise _error(text, "no ':' between the commercetools source and the Talon.One attribute")
    if ":" in destination:
        raise _error(text, "more than one ':'")

    path, keys = _parse_source(text, source)
    attribute, type_ = _parse_destination(text, destination)

    if keys is not None and type_ not in _LIST_TYPES:
        list_types = ", ".join(_LIST_TYPES)
        raise _error(text, f"a {{key,…}} filter needs a list type ({list_types}), not {type_!r}")
    return Transformation(path, keys, attribute, type_)


def _parse_source(text: str, source: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    if not source:
        raise _error(text, "no commercetools source before ':'")

    head, keys = source, None
    if source.endswith("}"):
        head, brace, key_list = source[:-1].partition("{")
        if not brace:
            raise _error(text, "'}' without '{' in the source")
        keys = tuple(_source_name(text, key) for key in key_list.split(","))

    path = tuple(_source_name(text, step) for step in head.split("."))
    return path, keys


def _source_name(text: str, name: str) -> str:
    if not name:
        raise _error(text, "an empty name in the source (check each '.' and ',')")
    if len(name) > _SOURCE_NAME_MAX or not _SOURCE_NAME_CHARS.issuperset(name):
        raise _error(
            text,
            f"{name!r} is not a commercetools name: use up to {_SOURCE_NAME_MAX} letters, digits,"
            " '_' or '-'",
        )
    return name


def _parse_destination(text: str, destination: str) -> tuple[str, str]:
    if not destination:
        raise _error(text, "no Talon.One attribute after ':'")

    attribute, type_ = destination, "string"
    if destination.endswith("}"):
        attribute, brace, type_ = destination[:-1].partition("{")
        if not brace:
            raise _error(text, "'}' without '{' after the attribute name")

    if not _is_attribute_name(attribute):
        raise _error(
            text,
            f"{attribute!r} is not a Talon.One attribute name: use a letter, then letters, digits"
            " or '_'",
        )
    if type_ not in _CONVERSIONS and type_ not in _LIST_TYPES:
        known = ", ".join([*_CONVERSIONS, *_LIST_TYPES])
        raise _error(text, f"unknown type {type_!r}; use one of {known}")
    return attribute, type_


def _is_attribute_name(name: str) -> bool:
    return bool(name) and name[0] in _LETTERS and _ATTRIBUTE_NAME_CHARS.issuperset(name)


def _error(text: str, problem: str) -> MappingError:
    return MappingError(f"mapping transformation {text!r}: {problem}")


# Reading the source


def _resolve(source: Any, path: tuple[str, ...]) -> Any:
    value = source
    for key in path:
        value = _child(value, key)
        if value is None:
            return None
    return value


def _child(container: Any, key: str) -> Any:
    if isinstance(container, Mapping):
        return container.get(key)
    if isinstance(container, (list, tuple)) and key.isdigit() and int(key) < len(container):
        return container[int(key)]
    return None


def _members(container: Any, keys: tuple[str, ...] | None) -> list[Any] | None:
    """The values a list type converts: all of them, or those of ``keys`` in that order."""
    if not isinstance(container, (Mapping, list, tuple)):
        return None
    if keys is not None:
        return [_child(container, key) for key in keys]
    if isinstance(container, Mapping):
        return list(container.values())
    return list(container)


# Conversions: each returns None for a value it cannot represent, which leaves it out.


def _to_string(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, Mapping, list, tuple)):
        try:
            return _json_text(value)
        except RecursionError:
            # Nesting too deep to write out; drop the attribute rather than fail the cart.
            return None
    return _number_text(value)


def _to_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return _decimal_number(value)
    if isinstance(value, str):
        return _parse_number(value)
    return None


def _to_boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _to_time(value: Any) -> str | None:
    """An ISO-8601 date or date-time as RFC 3339 UTC text with milliseconds."""
    if not isinstance(value, str):
        return None
    match = _ISO_MOMENT.fullmatch(value)
    if match is None:
        return None

    try:
        moment = _moment(match).astimezone(UTC)
    except (ValueError, OverflowError):
        return None

    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        f".{moment.microsecond // 1000:03d}Z"
    )


def _to_location(value: Any) -> dict[str, str] | None:
    """A Talon.One point from the first two values of an object or list, as the accelerator did."""
    members = _members(value, None)
    if members is None or len(members) < 2:
        return None

    x = _number_text(_to_number(members[0]))
    y = _number_text(_to_number(members[1]))
    if x is None or y is None:
        return None
    return {"format": "point", "object": f"{x}, {y}"}


# Helpers of the conversions


def _parse_number(text: str) -> int | float | None:
    if _NUMBER_TEXT.fullmatch(text) is None:
        return None

    if text.lstrip("+-").isdigit():
        try:
            return int(text)
        except ValueError:
            return None  # more digits than Python turns into an int

    number = float(text)
    return number if math.isfinite(number) else None


def _decimal_number(value: Decimal) -> int | float | None:
    # Decimals become int or float so that any JSON encoder can write the result.
    if not value.is_finite():
        return None
    if value == value.to_integral_value() and value.adjusted() < 21:
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def _number_text(value: Any) -> str | None:
    """A number written as JavaScript writes it: ``5`` not ``5.0``, no float noise, no NaN."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return str(value)
        except ValueError:
            return None  # more digits than Python writes out
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < _PLAIN_INTEGER_LIMIT:
            return str(int(value))
        return repr(value)
    if isinstance(value, Decimal):
        return _decimal_text(value)
    return None


def _decimal_text(value: Decimal) -> str | None:
    if not value.is_finite():
        return None
    if value.is_zero():
        return "0"
    if not -7 <= value.adjusted() < 21:
        return str(value)

    # Plain notation without trailing zeros, so 1.20 reads as 1.2 like the float it stands for.
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _json_text(value: Any) -> str:
    """Compact JSON text whose numbers are written by ``_number_text``; NaN is written as null."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        members = (
            f"{json.dumps(str(k), ensure_ascii=False)}:{_json_text(v)}" for k, v in value.items()
        )
        return "{" + ",".join(members) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json_text(item) for item in value) + "]"
    return _number_text(value) or "null"


def _moment(match: re.Match[str]) -> datetime:
    """The datetime of a matched ISO text; raises ValueError for out-of-range parts."""
    fields = match.groupdict()
    zone = UTC
    if fields["sign"] is not None:
        offset_minutes = int(fields["offset_minutes"])
        if offset_minutes >= 60:
            raise ValueError("offset minutes out of range")
        offset = timedelta(hours=int(fields["offset_hours"]), minutes=offset_minutes)
        zone = timezone(-offset if fields["sign"] == "-" else offset)

    # Fractions beyond microseconds are cut off; the output keeps milliseconds anyway.
    microsecond = int((fields["fraction"] or "").ljust(6, "0")[:6])
    return datetime(
        int(fields["year"]),
        int(fields["month"]),
        int(fields["day"]),
        int(fields["hour"] or 0),
        int(fields["minute"] or 0),
        int(fields["second"] or 0),
        microsecond,
        tzinfo=zone,
    )


_CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "string": _to_string,
    "number": _to_number,
    "boolean": _to_boolean,
    "time": _to_time,
    "location": _to_location,
}

# Each list type and the conversion it applies to every member.
_LIST_TYPES = {
    "strings": "string",
    "numbers": "number",
    "dates": "time",
    "locations": "location",
}
