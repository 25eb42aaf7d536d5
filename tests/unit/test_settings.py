"""Settings from T1CT_* environment variables, with errors that name the variable."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP

import pytest

from handler.settings import App, Settings, SettingsError, settings_from_environ

SECRET = "s3cr3t-Value-42"
ONE_APP = json.dumps({"eu": {"base_url": "https://eu.talon.test/", "api_key": SECRET}})


def error_for(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as raised:
        settings_from_environ(environ)
    return str(raised.value)


def test_nothing_set_gives_the_defaults() -> None:
    settings = settings_from_environ({"PATH": "/bin", "AWS_REGION": "eu-west-1"})

    assert settings == Settings()
    assert settings.discount_mode == "direct_discounts"
    assert settings.rounding == "half_even"
    assert settings.languages == ("en",)


def test_apps_and_routing_are_read_as_json() -> None:
    routing = json.dumps({"by": "currency", "apps": {"EUR": "eu"}, "fallback": "eu"})

    settings = settings_from_environ({"T1CT_APPS": ONE_APP, "T1CT_ROUTING": routing})

    assert settings.apps == {"eu": App(base_url="https://eu.talon.test", api_key=SECRET)}
    assert settings.routing.apps == {"EUR": "eu"}
    assert settings.routing.fallback == "eu"


def test_scalar_settings_are_read() -> None:
    settings = settings_from_environ(
        {
            "T1CT_LANGUAGE": "de",
            "T1CT_FALLBACK_LANGUAGES": "en, fr,,",
            "T1CT_SKU_TYPE": "product_id_with_variant_id",
            "T1CT_SKU_SEPARATOR": "::",
            "T1CT_ROUNDING": "half_up",
            "T1CT_EXTENSION_TIMEOUT_MS": "1500",
            "T1CT_AUTH_TOKENS": "current, previous",
            "T1CT_CATEGORY_ATTRIBUTE": "category",
        }
    )

    assert settings.languages == ("de", "en", "fr")
    assert settings.sku_type == "product_id_with_variant_id"
    assert settings.sku_separator == "::"
    assert settings.rounding_mode == ROUND_HALF_UP
    assert settings.extension_timeout_ms == 1500
    assert settings.auth_tokens == ("current", "previous")
    assert settings.category_attribute == "category"


def test_unknown_t1ct_variable_is_an_error() -> None:
    message = error_for({"T1CT_DISCOUNT_MOD": "direct_discounts"})

    assert message == "T1CT_DISCOUNT_MOD: not a known setting (a typo?)"


def test_every_unknown_t1ct_variable_is_named_at_once() -> None:
    message = error_for({"T1CT_LANGAUGE": "de", "T1CT_FOO": "1", "T1CT_LANGUAGE": "de"})

    assert message.startswith("T1CT_FOO, T1CT_LANGAUGE:")


def test_several_apps_need_routing() -> None:
    apps = {
        "eu": {"base_url": "https://eu.talon.test", "api_key": SECRET},
        "us": {"base_url": "https://us.talon.test", "api_key": SECRET},
    }

    message = error_for({"T1CT_APPS": json.dumps(apps)})

    assert message.startswith("T1CT_ROUTING must say which")


def test_malformed_json_names_the_variable_and_the_position() -> None:
    message = error_for({"T1CT_APPS": '{"eu": ' + SECRET})

    assert message.startswith("T1CT_APPS must be JSON:")
    assert "position 7" in message


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"T1CT_DISCOUNT_MODE": "free_for_all"}, "T1CT_DISCOUNT_MODE"),
        ({"T1CT_ROUNDING": "bankers"}, "T1CT_ROUNDING"),
        ({"T1CT_SKU_TYPE": "ean"}, "T1CT_SKU_TYPE"),
        ({"T1CT_EXTENSION_TIMEOUT_MS": "50"}, "T1CT_EXTENSION_TIMEOUT_MS"),
        ({"T1CT_EXTENSION_TIMEOUT_MS": "20000"}, "T1CT_EXTENSION_TIMEOUT_MS"),
        ({"T1CT_EXTENSION_TIMEOUT_MS": "soon"}, "T1CT_EXTENSION_TIMEOUT_MS"),
        ({"T1CT_ROUTING": '{"by": "country"}'}, "T1CT_ROUTING"),
        ({"T1CT_ROUTING": '{"by": "store", "extra": 1}'}, "T1CT_ROUTING"),
        ({"T1CT_ROUTING": "[]"}, "T1CT_ROUTING"),
    ],
)
def test_malformed_setting_names_its_variable(environ: dict[str, str], variable: str) -> None:
    assert error_for(environ).startswith(variable)


@pytest.mark.parametrize(
    ("apps", "where"),
    [
        ({"eu": {"base_url": "ftp://eu.talon.test", "api_key": SECRET}}, "eu.base_url"),
        ({"eu": {"base_url": "https://eu.talon.test", "api_key": ""}}, "eu.api_key"),
        ({"eu": {"base_url": "https://eu.talon.test"}}, "eu.api_key"),
        ({"eu": {"base_url": "https://eu.talon.test", "api_key": 42}}, "eu.api_key"),
        ({"eu": {"url": SECRET, "api_key": SECRET, "base_url": "https://x"}}, "eu.url"),
        ({"eu": SECRET}, "eu"),
        ([SECRET], ""),
    ],
)
def test_malformed_app_names_the_app_and_never_echoes_the_value(apps: object, where: str) -> None:
    message = error_for({"T1CT_APPS": json.dumps(apps)})

    assert message.startswith(f"T1CT_APPS ({where})" if where else "T1CT_APPS:")
    assert SECRET not in message
    assert "42" not in message


@pytest.mark.parametrize(
    "environ",
    [
        {"T1CT_APPS": SECRET},
        {"T1CT_APPS": "{" + SECRET},
        {"T1CT_EXTENSION_TIMEOUT_MS": SECRET},
        {"T1CT_ROUNDING": SECRET},
        {"T1CT_APPS": ONE_APP, "T1CT_ROUTING": json.dumps({"apps": {"EUR": "us"}}), "X": SECRET},
    ],
)
def test_errors_never_echo_the_value(environ: dict[str, str]) -> None:
    assert SECRET not in error_for(environ)


def test_routing_to_an_undefined_app_is_an_error_naming_it() -> None:
    routing = json.dumps({"apps": {"EUR": "eu", "USD": "us"}, "fallback": "jp"})

    message = error_for({"T1CT_APPS": ONE_APP, "T1CT_ROUTING": routing})

    assert "T1CT_APPS" in message
    assert "['jp', 'us']" in message


def test_custom_line_item_mode_needs_a_tax_category() -> None:
    message = error_for({"T1CT_APPS": ONE_APP, "T1CT_DISCOUNT_MODE": "custom_line_items"})

    assert "T1CT_DISCOUNT_TAX_CATEGORY_ID" in message


def test_custom_line_item_mode_needs_a_tax_category_before_any_app_is_set() -> None:
    # Apps may come later (from a secret, or the replay app of `invoke`); the mistake is here now.
    message = error_for({"T1CT_DISCOUNT_MODE": "custom_line_items"})

    assert "T1CT_DISCOUNT_TAX_CATEGORY_ID" in message


def test_fail_closed_cart_policy_is_read() -> None:
    assert settings_from_environ({"T1CT_CART_FAILURE_POLICY": "closed"}).cart_failure_policy == (
        "closed"
    )
    assert error_for({"T1CT_CART_FAILURE_POLICY": "maybe"}).startswith("T1CT_CART_FAILURE_POLICY")


def test_custom_line_item_mode_with_a_tax_category_is_accepted() -> None:
    settings = settings_from_environ(
        {
            "T1CT_APPS": ONE_APP,
            "T1CT_DISCOUNT_MODE": "custom_line_items",
            "T1CT_DISCOUNT_TAX_CATEGORY_ID": "tax-1",
        }
    )

    assert settings.discount_tax_category_id == "tax-1"


# Empty values


@pytest.mark.parametrize(
    ("variable", "field", "default"),
    [
        ("T1CT_APPS", "apps", {}),
        ("T1CT_ROUTING", "routing", Settings().routing),
        ("T1CT_EXTENSION_TIMEOUT_MS", "extension_timeout_ms", 2000),
        ("T1CT_PAY_WITH_POINTS_ATTRIBUTE", "pay_with_points_attribute", None),
        ("T1CT_CATEGORY_ATTRIBUTE", "category_attribute", None),
        ("T1CT_DISCOUNT_TAX_CATEGORY_ID", "discount_tax_category_id", None),
        ("T1CT_CART_TYPE_ID", "cart_type_id", None),
        ("T1CT_AUTH_TOKENS", "auth_tokens", ()),
        ("T1CT_FALLBACK_LANGUAGES", "fallback_languages", ()),
    ],
)
def test_empty_variable_means_not_set(variable: str, field: str, default: object) -> None:
    assert getattr(settings_from_environ({variable: ""}), field) == default


@pytest.mark.parametrize(
    ("variable", "field"),
    [
        ("T1CT_SHIPPING_COST_NAME", "shipping_cost_name"),
        ("T1CT_ORIGINAL_PRICE_ATTRIBUTE", "original_price_attribute"),
        ("T1CT_CART_ATTRIBUTE_MAPPING", "cart_attribute_mapping"),
        ("T1CT_CART_ITEM_ATTRIBUTE_MAPPING", "cart_item_attribute_mapping"),
    ],
)
def test_empty_text_turns_a_feature_off(variable: str, field: str) -> None:
    assert getattr(settings_from_environ({variable: ""}), field) == ""


@pytest.mark.parametrize(
    ("variable", "field"),
    [
        ("T1CT_LANGUAGE", "language"),
        ("T1CT_CART_TYPE_KEY", "cart_type_key"),
        ("T1CT_LINE_ITEM_TYPE_KEY", "line_item_type_key"),
        ("T1CT_CUSTOMER_TYPE_KEY", "customer_type_key"),
    ],
)
def test_empty_value_is_never_taken_as_a_language_or_type_key(variable: str, field: str) -> None:
    # commercetools rejects "" as a locale or a type key, and would then reject every cart update.
    result = settings_or_error({variable: ""})

    if isinstance(result, SettingsError):
        assert str(result).startswith(variable)
    else:
        assert getattr(result, field) == Settings.model_fields[field].default


def settings_or_error(environ: dict[str, str]) -> Settings | SettingsError:
    try:
        return settings_from_environ(environ)
    except SettingsError as error:
        return error
