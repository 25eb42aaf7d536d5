"""The attribute-mapping language: the accelerator's grammar, without its quirks."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handler.mapping import AttributeMapping, MappingError

# The synthetic `color` object of the accelerator's fixture
# `src/api-extension/mocks/commercetools/update-cart-event.json` (the cart's top-level `color`, also
# the first line item's `color` variant attribute), copied here as data. The project keeps the
# whole fixture under tests/data/reference-accelerator/commercetools/.
COLOR = {
    "key": "blue",
    "label": {
        "de": "blau",
        "it": "blu",
        "en": "blue",
        "x0": "1.2x",
        "x1": "1.2",
        "x2": "2",
        "x3": {"x": 5, "y": 7.2},
        "x4": {"x": 6.8, "y": 7.2},
        "x5": "2021-03-18T13:04:33.735Z",
        "x6": "2021-04-15T15:27:55+02:00",
        "x7": True,
    },
}

# The `color` attribute of the fixture's second line item (the blazer): no `x…` labels.
PLAIN_COLOR = {"key": "blue", "label": {"de": "blau", "it": "blu", "en": "blue"}}

# The spec the accelerator's "data mapping" test sets for both cart and cart-item mappings.
ACCELERATOR_SPEC = (
    "color.label:t1_01{dates}; color.label.x5:t1_02{time}; color.label.x3:t1_03{location}; "
    "color.label:t1_04{locations}; color.key:t1_05{numbers}; color.label:t1_06{numbers}; "
    "color.label.x0:t1_07{number}; color.label.x7:t1_08{boolean}; color.key:t1_09; "
    "color.label:t1_10{strings}; color.label{it,de}:t1_11{strings}; "
    "color.label{de,it}:t1_12{strings}; color.label.de:t1_13; color:t1_14; color.label.x3.x:t1_15"
)

POINT_X3 = {"format": "point", "object": "5, 7.2"}
POINT_X4 = {"format": "point", "object": "6.8, 7.2"}


def apply(spec: str, source: dict[str, Any]) -> dict[str, Any]:
    return AttributeMapping.parse(spec).apply(source)


# The worked example


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("color.key:t1_09", "blue"),
        ("color.label.de:t1_13", "blau"),
        ("color.label{it,de}:t1_11{strings}", ["blu", "blau"]),
        ("color.label.x3:t1_03{location}", POINT_X3),
        ("color.label:t1_04{locations}", [POINT_X3, POINT_X4]),
        ("color.label.x7:t1_08{boolean}", True),
        ("color.label.x3.x:t1_15", "5"),
    ],
)
def test_worked_example_gives_the_accelerators_value(spec: str, expected: Any) -> None:
    attribute = spec.split(":")[1].split("{")[0]

    assert apply(spec, {"color": COLOR}) == {attribute: expected}


def test_worked_example_whole_object_becomes_compact_json_text() -> None:
    result = apply("color:t1_14", {"color": COLOR})

    assert result == {
        "t1_14": '{"key":"blue","label":{"de":"blau","it":"blu","en":"blue","x0":"1.2x",'
        '"x1":"1.2","x2":"2","x3":{"x":5,"y":7.2},"x4":{"x":6.8,"y":7.2},'
        '"x5":"2021-03-18T13:04:33.735Z","x6":"2021-04-15T15:27:55+02:00","x7":true}}'
    }


def test_worked_example_strings_write_every_label_as_text() -> None:
    result = apply("color.label:t1_10{strings}", {"color": COLOR})

    assert result == {
        "t1_10": [
            "blau",
            "blu",
            "blue",
            "1.2x",
            "1.2",
            "2",
            '{"x":5,"y":7.2}',
            '{"x":6.8,"y":7.2}',
            "2021-03-18T13:04:33.735Z",
            "2021-04-15T15:27:55+02:00",
            "true",
        ]
    }


def test_worked_example_numbers_skip_the_boolean_label() -> None:
    # The accelerator gives [1.2, 2, 1]: its Number(true) is 1. A boolean is not a number here.
    assert apply("color.label:t1_06{numbers}", {"color": COLOR}) == {"t1_06": [1.2, 2]}


def test_worked_example_text_that_is_not_a_number_is_left_out() -> None:
    # The accelerator sends null for both.
    assert apply("color.label.x0:t1_07{number}; color.key:t1_05{numbers}", {"color": COLOR}) == {}


# The 15-transformation spec of the accelerator's "data mapping" test


def test_accelerator_spec_parses_into_fifteen_transformations() -> None:
    mapping = AttributeMapping.parse(ACCELERATOR_SPEC)

    assert [t.attribute for t in mapping.transformations] == [f"t1_{n:02d}" for n in range(1, 16)]


def test_accelerator_spec_on_the_full_color() -> None:
    result = apply(ACCELERATOR_SPEC, {"color": COLOR, "size": "24"})

    # Where the accelerator's expected session differs, it shows one of its quirks:
    # t1_01 also held "1.2" -> 2001-01-02, "2" -> 2001-02-01 and true -> 1970-01-01T00:00:00.001Z
    # (lenient JavaScript dates); t1_05 and t1_07 were null; t1_06 counted true as 1.
    assert result == {
        "t1_01": ["2021-03-18T13:04:33.735Z", "2021-04-15T13:27:55.000Z"],
        "t1_02": "2021-03-18T13:04:33.735Z",
        "t1_03": POINT_X3,
        "t1_04": [POINT_X3, POINT_X4],
        "t1_06": [1.2, 2],
        "t1_08": True,
        "t1_09": "blue",
        "t1_10": [
            "blau",
            "blu",
            "blue",
            "1.2x",
            "1.2",
            "2",
            '{"x":5,"y":7.2}',
            '{"x":6.8,"y":7.2}',
            "2021-03-18T13:04:33.735Z",
            "2021-04-15T15:27:55+02:00",
            "true",
        ],
        "t1_11": ["blu", "blau"],
        "t1_12": ["blau", "blu"],
        "t1_13": "blau",
        "t1_14": json.dumps(COLOR, separators=(",", ":")),
        "t1_15": "5",
    }


def test_accelerator_spec_on_a_color_without_extra_labels() -> None:
    result = apply(ACCELERATOR_SPEC, {"color": PLAIN_COLOR, "size": "34"})

    # The accelerator sent t1_01, t1_04, t1_05 and t1_06 as null, t1_02 as the epoch
    # "1970-01-01T00:00:00.000Z", t1_07 as 0, t1_08 as false and t1_15 as the text "null".
    # Those paths are missing here, so those attributes are left out.
    assert result == {
        "t1_09": "blue",
        "t1_10": ["blau", "blu", "blue"],
        "t1_11": ["blu", "blau"],
        "t1_12": ["blau", "blu"],
        "t1_13": "blau",
        "t1_14": '{"key":"blue","label":{"de":"blau","it":"blu","en":"blue"}}',
    }


# Parse errors


@pytest.mark.parametrize(
    ("spec", "quoted", "problem"),
    [
        ("color.key:a;", "2", "empty"),
        ("color.key:a;;size:b", "2", "empty"),
        (";", "1", "empty"),
        ("color.key a", "'color.key a'", "no ':'"),
        ("a:b:c", "'a:b:c'", "more than one ':'"),
        (":b", "':b'", "no commercetools source"),
        ("a:", "'a:'", "no Talon.One attribute"),
        ("a:b{strng}", "'a:b{strng}'", "unknown type 'strng'"),
        ("a:b{}", "'a:b{}'", "unknown type ''"),
        ("a:b{Number}", "'a:b{Number}'", "unknown type 'Number'"),
        ("a:1b", "'a:1b'", "'1b' is not a Talon.One attribute name"),
        ("a:b-c", "'a:b-c'", "'b-c' is not a Talon.One attribute name"),
        ("a:b{number", "'a:b{number'", "is not a Talon.One attribute name"),
        ("a:b}", "'a:b}'", "'}' without '{'"),
        ("a..b:c", "'a..b:c'", "an empty name in the source"),
        (".a:c", "'.a:c'", "an empty name in the source"),
        ("a.:c", "'a.:c'", "an empty name in the source"),
        ("a{x,}:c{strings}", "'a{x,}:c{strings}'", "an empty name in the source"),
        ("a{}:c{strings}", "'a{}:c{strings}'", "an empty name in the source"),
        ("a}:c", "'a}:c'", "'}' without '{'"),
        ("a{x}.b:c{strings}", "'a{x}.b:c{strings}'", "'a{x}' is not a commercetools name"),
        ("a{x{y}:c{strings}", "'a{x{y}:c{strings}'", "'x{y' is not a commercetools name"),
        ("farbe.größe:c", "'farbe.größe:c'", "'größe' is not a commercetools name"),
        ("a$:c", "'a$:c'", "'a$' is not a commercetools name"),
        ("x" * 257 + ":c", "'" + "x" * 257 + ":c'", "is not a commercetools name"),
        ("a{x,y}:c", "'a{x,y}:c'", "filter needs a list type"),
        ("a{x,y}:c{number}", "'a{x,y}:c{number}'", "filter needs a list type"),
        ("a:c; b:c", "'b:c'", "an earlier transformation already sets 'c'"),
    ],
)
def test_parse_rejects_malformed_spec(spec: str, quoted: str, problem: str) -> None:
    with pytest.raises(MappingError) as raised:
        AttributeMapping.parse(spec)

    assert quoted in str(raised.value)
    assert problem in str(raised.value)


def test_parse_error_names_the_transformation_as_written() -> None:
    with pytest.raises(MappingError, match=r"'color\.key : t1 \{strng\}'"):
        AttributeMapping.parse("size:s; color.key : t1 {strng} ")


def test_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown type"):
        AttributeMapping.parse("a:b{text}")


def test_parse_of_blank_spec_gives_an_empty_mapping() -> None:
    for spec in ("", "  ", "\n\t"):
        mapping = AttributeMapping.parse(spec)

        assert not mapping
        assert mapping.apply({"color": COLOR}) == {}


def test_parse_of_non_empty_spec_gives_a_true_mapping() -> None:
    assert AttributeMapping.parse("color.key:c")


def test_parse_ignores_whitespace_anywhere_like_the_accelerator() -> None:
    spec = " color . label { it , de } : t1_11 { strings } ;\n color.key : t1_09 "

    assert apply(spec, {"color": COLOR}) == {"t1_11": ["blu", "blau"], "t1_09": "blue"}


def test_parse_accepts_names_commercetools_allows() -> None:
    source = {"custom": {"fields": {"2nd-gift_wrap": "yes"}}, "name": {"de-DE": "Hose"}}

    result = apply("custom.fields.2nd-gift_wrap:giftWrap; name.de-DE:Name_de", source)

    assert result == {"giftWrap": "yes", "Name_de": "Hose"}


# Fixed quirks: missing values


def test_missing_path_is_left_out_not_null_text() -> None:
    assert apply("color.label.x3.x:t1_15", {"color": PLAIN_COLOR}) == {}


def test_missing_number_is_left_out_not_zero() -> None:
    assert apply("color.label.x0:t1_07{number}", {"color": PLAIN_COLOR}) == {}


def test_missing_boolean_is_left_out_not_false() -> None:
    assert apply("color.label.x7:t1_08{boolean}", {"color": PLAIN_COLOR}) == {}


def test_missing_time_is_left_out_not_the_epoch() -> None:
    assert apply("color.label.x5:t1_02{time}", {"color": PLAIN_COLOR}) == {}


def test_missing_list_is_left_out_not_null() -> None:
    spec = "color.label.x9:a{strings}; color.label{x1,x2}:b{numbers}"

    assert apply(spec, {"color": PLAIN_COLOR}) == {}


@pytest.mark.parametrize("type_", ["string", "number", "boolean", "time", "location", "strings"])
def test_null_value_is_left_out_like_a_missing_one(type_: str) -> None:
    assert apply(f"v:v{{{type_}}}", {"v": None}) == {}


def test_path_through_a_scalar_is_left_out() -> None:
    assert apply("color.key.length:n{number}", {"color": COLOR}) == {}


def test_list_type_with_no_valid_member_is_left_out() -> None:
    assert apply("color.label:d{dates}", {"color": PLAIN_COLOR}) == {}


def test_list_type_drops_only_missing_and_invalid_members() -> None:
    source = {"values": {"a": "3", "b": None, "c": "x", "d": 0}}

    assert apply("values{d,missing,a,b,c}:n{numbers}", source) == {"n": [0, 3]}


# Fixed quirks: falsy values are values


def test_zero_is_kept_as_a_number() -> None:
    assert apply("totalPrice.centAmount:total{number}", {"totalPrice": {"centAmount": 0}}) == {
        "total": 0
    }


def test_zero_is_kept_as_text() -> None:
    assert apply("quantity:q", {"quantity": 0}) == {"q": "0"}


def test_false_is_kept_as_a_boolean() -> None:
    assert apply("flags.gift:gift{boolean}", {"flags": {"gift": False}}) == {"gift": False}


def test_false_is_kept_as_text() -> None:
    assert apply("flags.gift:gift", {"flags": {"gift": False}}) == {"gift": "false"}


def test_empty_text_is_kept() -> None:
    assert apply("note:note", {"note": ""}) == {"note": ""}


def test_zero_and_false_are_kept_in_lists() -> None:
    source = {"counts": [0, 1, 0], "flags": {"a": False, "b": True}}

    result = apply("counts:counts{numbers}; flags:flags{strings}", source)

    assert result == {"counts": [0, 1, 0], "flags": ["false", "true"]}


# Fixed quirks: each transformation stands alone


def test_each_transformation_stands_alone_when_the_others_are_missing() -> None:
    spec = "color.key:colorKey; size:size{number}; designer.label:designer"

    assert apply(spec, {"size": "34"}) == {"size": 34}


def test_nothing_matching_gives_an_empty_result() -> None:
    assert apply("color.key:colorKey", {"size": "34"}) == {}


# Fixed quirks: strict ISO-8601 times


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-18T13:04:33.735Z", "2021-03-18T13:04:33.735Z"),
        ("2021-04-15T15:27:55+02:00", "2021-04-15T13:27:55.000Z"),
        ("2021-04-15T00:30:00-01:30", "2021-04-15T02:00:00.000Z"),
        ("2021-03-18T13:04:33.7356789Z", "2021-03-18T13:04:33.735Z"),
        ("2021-03-18T13:04Z", "2021-03-18T13:04:00.000Z"),
        ("2021-03-18T13:04:33", "2021-03-18T13:04:33.000Z"),
        ("2021-03-18", "2021-03-18T00:00:00.000Z"),
        ("1990-12-09", "1990-12-09T00:00:00.000Z"),
        ("2020-12-31T23:30:00-01:00", "2021-01-01T00:30:00.000Z"),
    ],
)
def test_time_turns_iso_text_into_utc_with_milliseconds(text: str, expected: str) -> None:
    assert apply("at:at{time}", {"at": text}) == {"at": expected}


@pytest.mark.parametrize(
    "value",
    [
        "1.2",
        "2",
        "2021",
        "18.03.2021",
        "March 18, 2021",
        "2021-3-18",
        "2021-02-30",
        "2021-13-01",
        "2021-03-18T25:00:00Z",
        "2021-03-18T13:04:60Z",
        "2021-03-18T13:04:33+24:00",
        "2021-03-18T13:04:33+01:75",
        "2021-03-18 13:04:33Z",
        "2021-03-18Z",
        " 2021-03-18",
        "\uff12\uff10\uff12\uff11-03-18",  # full-width digits
        "0000-01-01",
        "0001-01-01T00:00:00+01:00",
        "",
        True,
        1616072673735,
        {"date": "2021-03-18"},
    ],
)
def test_time_leaves_out_values_that_are_not_iso_text(value: Any) -> None:
    assert apply("at:at{time}", {"at": value}) == {}


def test_dates_keep_only_iso_members() -> None:
    source = {"days": ["2021-03-18", "1.2", True, "2021-04-15T15:27:55+02:00"]}

    result = apply("days:days{dates}", source)

    assert result == {"days": ["2021-03-18T00:00:00.000Z", "2021-04-15T13:27:55.000Z"]}


# Conversions


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("blue", "blue"),
        (True, "true"),
        (False, "false"),
        (7, "7"),
        (-3, "-3"),
        (5.0, "5"),
        (7.2, "7.2"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (Decimal("139.50"), "139.5"),
        (Decimal("0.1"), "0.1"),
        (Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
        (Decimal("-0.00"), "0"),
        (Decimal("1E+2"), "100"),
        ([1, "a", None], '[1,"a",null]'),
        ({"de": "Größe", "n": Decimal("2.50")}, '{"de":"Größe","n":2.5}'),
        ({"x": math.nan, "y": [math.inf]}, '{"x":null,"y":[null]}'),
    ],
)
def test_string_writes_values_as_json_text(value: Any, expected: str) -> None:
    assert apply("v:v", {"v": value}) == {"v": expected}


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, Decimal("NaN"), Decimal("-Inf")])
def test_string_leaves_out_numbers_that_are_not_finite(value: Any) -> None:
    assert apply("v:v", {"v": value}) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (-2.5, -2.5),
        ("2", 2),
        ("-1.25", -1.25),
        ("+4", 4),
        ("1e3", 1000.0),
        ("007", 7),
        (".5", 0.5),
        (Decimal("139.50"), 139.5),
        (Decimal("42.00"), 42),
    ],
)
def test_number_reads_numbers_and_numeric_text(value: Any, expected: float) -> None:
    result = apply("v:v{number}", {"v": value})

    assert result == {"v": expected}
    assert type(result["v"]) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        "",
        " 2",
        "0x10",
        "1_000",
        "Infinity",
        "nan",
        "1e999",
        "٣",
        "1.2x",
        math.nan,
        math.inf,
        Decimal("NaN"),
        Decimal("sNaN"),
        [1],
        {"n": 1},
    ],
)
def test_number_leaves_out_what_is_not_a_finite_number(value: Any) -> None:
    assert apply("v:v{number}", {"v": value}) == {}


@pytest.mark.parametrize(("value", "expected"), [(True, True), (False, False)])
def test_boolean_keeps_real_booleans(value: bool, expected: bool) -> None:
    assert apply("v:v{boolean}", {"v": value}) == {"v": expected}


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("false", False)])
def test_boolean_reads_the_texts_true_and_false(value: str, expected: bool) -> None:
    assert apply("v:v{boolean}", {"v": value}) == {"v": expected}


@pytest.mark.parametrize("value", ["yes", "no", "True", "1", "", 1, 0, {}, []])
def test_boolean_leaves_out_what_javascript_would_call_truthy_or_falsy(value: Any) -> None:
    # The accelerator used truthiness, so "no" became true and 0 false; neither is a boolean.
    assert apply("v:v{boolean}", {"v": value}) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"lat": 52.52, "lng": 13.405}, "52.52, 13.405"),
        ({"lat": "52.52", "lng": "13.405", "name": "Berlin"}, "52.52, 13.405"),
        ([5, 7.0], "5, 7"),
    ],
)
def test_location_takes_the_first_two_values(value: Any, expected: str) -> None:
    assert apply("v:v{location}", {"v": value}) == {"v": {"format": "point", "object": expected}}


@pytest.mark.parametrize(
    "value", [{"x": 5}, {"name": "Berlin", "lat": 52.5}, [True, 1], [], "5, 7.2", 5]
)
def test_location_leaves_out_what_has_no_two_leading_numbers(value: Any) -> None:
    assert apply("v:v{location}", {"v": value}) == {}


def test_list_type_reads_a_list_in_order() -> None:
    source = {"sizes": ["S", "M", 42]}

    assert apply("sizes:sizes{strings}", source) == {"sizes": ["S", "M", "42"]}


def test_list_type_over_text_is_left_out_not_split_into_characters() -> None:
    # The accelerator converted each character of "blue".
    assert apply("color.key:k{strings}", {"color": COLOR}) == {}


def test_filter_keys_on_a_list_pick_elements_by_position() -> None:
    assert apply("sizes{2,0,9}:picked{strings}", {"sizes": ["S", "M", "L"]}) == {
        "picked": ["L", "S"]
    }


def test_path_step_into_a_list_picks_by_position() -> None:
    source = {"lineItems": [{"quantity": 1}, {"quantity": 3}]}

    assert apply("lineItems.1.quantity:q{number}; lineItems.2.quantity:r", source) == {"q": 3}


def test_apply_leaves_the_source_unchanged() -> None:
    source = {"color": json.loads(json.dumps(COLOR))}

    apply(ACCELERATOR_SPEC, source)

    assert source == {"color": COLOR}


# Properties

# Few names, so that generated paths often lead somewhere in the generated sources.
NAMES = st.sampled_from(["a", "b", "0", "x-y"])
TYPES = st.sampled_from(["", "string", "number", "boolean", "time", "location"])
LIST_TYPES = st.sampled_from(["strings", "numbers", "dates", "locations"])
BLANKS = st.sampled_from(["", " ", "\n", "\t "])

JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.decimals()
    | st.text(max_size=12)
    | st.sampled_from(["2021-03-18", "2021-03-18T13:04:33.735Z", "1.2", "true", "false", ""])
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(NAMES, children, max_size=4),
    max_leaves=12,
)


@st.composite
def transformations(draw: st.DrawFn, attribute: str) -> str:
    path = ".".join(draw(st.lists(NAMES, min_size=1, max_size=2)))

    if draw(st.booleans()):
        keys = ",".join(draw(st.lists(NAMES, min_size=1, max_size=3)))
        return f"{path}{{{keys}}}:{attribute}{{{draw(LIST_TYPES)}}}"

    type_ = draw(TYPES | LIST_TYPES)
    return f"{path}:{attribute}" + (f"{{{type_}}}" if type_ else "")


@st.composite
def specs(draw: st.DrawFn) -> str:
    count = draw(st.integers(min_value=1, max_value=6))
    parts = [draw(transformations(f"attr{n}")) for n in range(count)]
    return ";".join(f"{draw(BLANKS)}{part}{draw(BLANKS)}" for part in parts)


@pytest.mark.fuzz
@given(spec=specs(), source=st.dictionaries(NAMES, JSON_VALUES, min_size=1))
def test_apply_never_raises_and_gives_only_json_values(spec: str, source: dict[str, Any]) -> None:
    mapping = AttributeMapping.parse(spec)

    result = mapping.apply(source)

    assert set(result) <= {t.attribute for t in mapping.transformations}
    assert None not in result.values()
    json.dumps(result, allow_nan=False)


@pytest.mark.fuzz
@given(spec=st.text(alphabet=st.sampled_from("ab1_-.:;{},  \n") | st.characters(), max_size=40))
def test_parse_of_any_text_either_works_or_raises_mapping_error(spec: str) -> None:
    outcome: AttributeMapping | MappingError
    try:
        outcome = AttributeMapping.parse(spec)
    except MappingError as error:
        outcome = error

    if isinstance(outcome, MappingError):
        assert str(outcome).startswith("mapping transformation ")
    else:
        assert outcome.apply({}) == {}


PLAIN_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=12,
)


@pytest.mark.fuzz
@given(value=st.lists(PLAIN_JSON, max_size=3) | st.dictionaries(st.text(), PLAIN_JSON))
def test_string_of_an_object_or_list_reads_back_as_the_same_json(value: Any) -> None:
    result = apply("v:v", {"v": value})

    assert json.loads(result["v"]) == value
