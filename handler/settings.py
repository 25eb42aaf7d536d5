"""Handler settings, read once per cold start from environment variables.

Every setting is an environment variable named ``T1CT_`` plus the field name in upper case, e.g.
``discount_mode`` is ``T1CT_DISCOUNT_MODE``. Structured settings (apps, routing) are JSON text.
Secret settings (``T1CT_APPS``, ``T1CT_AUTH_TOKENS``) may instead live in one AWS Secrets Manager
secret named by ``T1CT_SECRET_ARN``, whose JSON object uses the same variable names as keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from decimal import ROUND_HALF_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

ENV_PREFIX = "T1CT_"
SECRET_NAMES = ("T1CT_APPS", "T1CT_AUTH_TOKENS")

ROUNDING_MODES = {
    "half_even": ROUND_HALF_EVEN,
    "half_up": ROUND_HALF_UP,
    "half_down": ROUND_HALF_DOWN,
}

# The name under which `invoke --talon-response` replays a recorded answer without any app set up.
REPLAY_APP = "replay"


# The choices of the settings that take one of a few words; tests and tools type their own values
# with these.
RouteBy = Literal["currency", "store", "cart_field"]
DiscountMode = Literal["direct_discounts", "custom_line_items"]
OrderCloseOn = Literal["created", "paid"]
CartFailurePolicy = Literal["open", "closed"]

# commercetools' rule for resource keys.
_TYPE_KEY = r"^[A-Za-z0-9_-]{2,256}$"


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable and the expected form."""


class App(BaseModel):
    """One Talon.One Application: where its Integration API lives and the key that opens it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    api_key: str = Field(min_length=1, repr=False)
    # The Application's currency: it prefixes referral codes created there (the accelerator's
    # multi-currency format) and labels its loyalty balances.
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")

    @field_validator("base_url")
    @classmethod
    def _strip_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")


class Routing(BaseModel):
    """Which app evaluates a cart.

    ``by`` picks the cart property that selects the app: ``currency`` (the cart's currency code),
    ``store`` (the cart's store key) or ``cart_field`` (a cart custom field naming the app).
    ``apps`` maps that property's value to an app name; a ``cart_field`` value may also name an app
    directly. ``fallback`` is used when nothing matches; without it such carts are left unchanged.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: RouteBy = "currency"
    apps: dict[str, str] = Field(default_factory=dict)
    field: str = "talon_one_cart_app"
    fallback: str | None = None


class CustomerProfileMapping(BaseModel):
    """Which customer fields become Talon.One profile attributes, and for which customers."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    only_verified_profiles: bool = Field(default=False, alias="onlyVerifiedProfiles")
    # commercetools field (or flattened address / custom field name) -> Talon.One attribute;
    # an empty attribute name keeps the field's own name.
    mappings: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, value: Any) -> Any:
        # The accelerator wrapped the mapping in {"customerProfile": {...}}.
        if isinstance(value, dict) and set(value) == {"customerProfile"}:
            return value["customerProfile"]
        return value


class Settings(BaseModel):
    """All handler settings. Defaults are what a shop gets when it sets nothing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    apps: dict[str, App] = Field(
        default_factory=dict,
        description="Secret. JSON object naming each Talon.One Application: "
        '`{"eu": {"base_url": "https://acme.europe-west1.talon.one", "api_key": "..."}}`.',
    )
    routing: Routing = Field(
        default_factory=Routing,
        description='JSON: which app evaluates a cart. `{"by": "currency", "apps": {"EUR": "eu"}, '
        '"fallback": "eu"}`; `by` is `currency`, `store` (store key) or `cart_field` (`field` '
        "names a cart custom field holding the app name). A single app and no table: every cart.",
    )

    language: str = Field(
        default="en", min_length=2, description="Locale of line-item names sent to Talon.One."
    )
    fallback_languages: tuple[str, ...] = Field(
        default=(), description="Comma-separated locales tried next when a name lacks `language`."
    )
    sku_type: Literal["variant_sku", "product_id", "product_id_with_variant_id"] = Field(
        default="variant_sku",
        description="What a cart item's SKU is in Talon.One, and how a free item's SKU is read.",
    )
    sku_separator: str = Field(
        default="@",
        min_length=1,
        description="Separator of product id and variant id for `product_id_with_variant_id`.",
    )

    discount_mode: DiscountMode = Field(
        default="direct_discounts",
        description="`direct_discounts`: commercetools Direct Discounts. `custom_line_items`: the "
        "JavaScript accelerator's negative custom line items and external line totals.",
    )
    discount_tax_category_id: str | None = Field(
        default=None,
        description="Tax category of discount custom line items; required by `custom_line_items`.",
    )
    rounding: Literal["half_even", "half_up", "half_down"] = Field(
        default="half_even",
        description="How Talon.One amounts are rounded to the currency's minor unit.",
    )

    cart_type_key: str = Field(
        default="talon_one_cart_metadata",
        pattern=_TYPE_KEY,
        description="Key of the cart custom type the connector sets on carts without one.",
    )
    cart_type_id: str | None = Field(
        default=None,
        description="Id of that type (the Pulumi stack sets it), so the handler recognises carts "
        "using it; on any other type only fields already on the cart are written.",
    )
    line_item_type_key: str = Field(
        default="talon_one_line_item_metadata",
        pattern=_TYPE_KEY,
        description="Key of the custom type put on free items and discount custom line items.",
    )
    customer_type_key: str = Field(
        default="talon_one_customer_metadata",
        pattern=_TYPE_KEY,
        description="Key of the customer custom type.",
    )

    cart_attribute_mapping: str = Field(
        default="",
        description="Mapping spec (the accelerator's `CART_ATTRIBUTE_MAPPING` format) from the "
        "cart to session attributes.",
    )
    cart_item_attribute_mapping: str = Field(
        default="",
        description="Mapping spec from variant attributes (and `lineItem.*`, the whole line item) "
        "to cart item attributes.",
    )
    pay_with_points_attribute: str | None = Field(
        default=None,
        description="Session attribute set to whether the cart asks to pay with loyalty points.",
    )
    # Talon.One accepts only additional costs and attributes defined in its Campaign Manager;
    # these are set to "" when the Application does not define them.
    shipping_cost_name: str = Field(
        default="shipping",
        description='Additional cost carrying the shipping price; "" sends no shipping cost.',
    )
    original_price_attribute: str = Field(
        default="originalPrice",
        description="Cart item attribute holding the price before commercetools product "
        'discounts, sent when one applies; "" sends none.',
    )
    category_attribute: str | None = Field(
        default=None,
        description="Variant attribute sent as the item category (default: the product type key "
        "when the cart carries it).",
    )

    customer_profile: CustomerProfileMapping = Field(
        default_factory=lambda: CustomerProfileMapping(),
        description="JSON: customer fields sent as profile attributes, in the accelerator's "
        '`TALON_ONE_ATTRIBUTES_MAPPINGS` format: `{"customerProfile": {"onlyVerifiedProfiles": '
        'false, "mappings": {"email": "Email"}}}` (the inner object alone works too).',
    )
    customer_apps: tuple[str, ...] = Field(
        default=(),
        description="Comma-separated apps that receive customer profiles (default: every app).",
    )
    customer_type_id: str | None = Field(
        default=None,
        description="Id of the customer custom type (the Pulumi stack sets it).",
    )
    order_close_on: OrderCloseOn = Field(
        default="created",
        description="When an order closes its Talon.One session: at creation, or once its "
        "payment state is `Paid`.",
    )
    cart_failure_policy: CartFailurePolicy = Field(
        default="open",
        description="When Talon.One cannot evaluate a cart: `open` keeps the cart's promotions "
        "and sets the unavailable flag; `closed` rejects the cart update with a message.",
    )
    extension_timeout_ms: int = Field(
        default=2000,
        ge=200,
        le=10000,
        description="The API extension's `timeoutInMs`; the Talon.One call fits inside it.",
    )
    auth_tokens: tuple[str, ...] = Field(
        default=(),
        repr=False,
        description="Secret. Comma-separated `Authorization` header values the HTTP entry "
        "accepts (current and previous, to rotate); empty turns the check off.",
    )
    secret_arn: str | None = Field(
        default=None,
        description="AWS Secrets Manager secret holding the secret settings as a JSON object.",
    )

    @field_validator("fallback_languages", "auth_tokens", "customer_apps", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        named = {*self.routing.apps.values(), self.routing.fallback or ""} - {""}
        unknown = sorted(name for name in named if name not in self.apps)
        if self.apps and unknown:
            raise ValueError(f"T1CT_ROUTING names apps that T1CT_APPS does not define: {unknown}")
        routed = self.routing.apps or self.routing.fallback or self.routing.by == "cart_field"
        if len(self.apps) > 1 and not routed:
            raise ValueError(
                "T1CT_ROUTING must say which of the apps in T1CT_APPS evaluates a cart "
                '(an "apps" table, a "fallback", or "by": "cart_field")'
            )
        unknown = sorted(name for name in self.customer_apps if name not in self.apps)
        if self.apps and unknown:
            raise ValueError(f"T1CT_CUSTOMER_APPS names apps T1CT_APPS does not define: {unknown}")
        if self.discount_mode == "custom_line_items" and not self.discount_tax_category_id:
            raise ValueError(
                "discount_mode custom_line_items needs T1CT_DISCOUNT_TAX_CATEGORY_ID "
                "(the tax category of the discount custom line items)"
            )
        return self

    @property
    def rounding_mode(self) -> str:
        return ROUNDING_MODES[self.rounding]

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *self.fallback_languages)


_JSON_FIELDS = {"apps", "routing", "customer_profile"}
# Settings for which an empty text means "none" rather than "use the default".
_EMPTY_ALLOWED = {
    "shipping_cost_name",
    "original_price_attribute",
    "cart_attribute_mapping",
    "cart_item_attribute_mapping",
}


def settings_from_environ(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``T1CT_*`` variables; raise SettingsError naming the bad variable."""
    environ = os.environ if environ is None else environ
    raw: dict[str, Any] = {}

    unknown = sorted(
        name
        for name in environ
        if name.startswith(ENV_PREFIX)
        and name[len(ENV_PREFIX) :].lower() not in Settings.model_fields
    )
    if unknown:
        raise SettingsError(f"{', '.join(unknown)}: not a known setting (a typo?)")

    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        field = name[len(ENV_PREFIX) :].lower()
        # An empty variable means "not set", except where "" is itself a meaningful value.
        if value == "" and field not in _EMPTY_ALLOWED:
            continue
        if field == "auth_tokens" and not value.replace(",", "").strip():
            raise SettingsError(f"{name} holds no token; leave it unset to turn the check off")
        raw[field] = _decode_json(name, value) if field in _JSON_FIELDS else value

    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _decode_json(name: str, value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{name} must be JSON: {exc.msg} at position {exc.pos}") from None


def _describe(exc: ValidationError) -> str:
    """One line naming the first bad variable; never echoes the value (it may be a secret)."""
    error = exc.errors(include_input=False)[0]
    location = [str(part) for part in error["loc"]]
    if not location:
        # A rule across several settings: its message names the variables itself.
        return str(error["msg"]).removeprefix("Value error, ")
    variable = ENV_PREFIX + location[0].upper()
    detail = ".".join(location[1:])
    where = f"{variable} ({detail})" if detail else variable
    return f"{where}: {error['msg']}"
