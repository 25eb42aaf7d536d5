"""The stack configuration: every key a ``Pulumi.<stack>.yaml`` may set, with its default and check.

All keys live in the project namespace ``t1ct:``. Sections (``function``, ``aws``, ...) are YAML
maps in the stack file. Keys marked secret are set with ``pulumi config set --secret`` so they are
stored encrypted and stay secret in every output and in state. ``loader.load_stack_config`` reads
the live Pulumi config into ``StackConfig``; ``python -m infra config-reference`` prints the table
of keys that README shows.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from handler.mapping import MappingError
from handler.session import Mappings
from handler.settings import App, Settings

PROJECT = "t1ct"

# Extension timeouts the handler accepts; commercetools allows up to 10 s for every destination.
MIN_TIMEOUT_MS = 200
MAX_TIMEOUT_MS = 10_000

# Values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827)

# 3 to 25 characters, so that derived names (GCP service account ids, 6 to 30) stay valid.
NAME_PATTERN = r"^[a-z][a-z0-9-]{1,23}[a-z0-9]$"
APP_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
KEY_PATTERN = r"^[A-Za-z0-9_-]{2,256}$"

SECRET: dict[str, Any] = {"secret": True}


class Section(BaseModel):
    """One map of the stack file; unknown keys are refused so that typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FunctionConfig(Section):
    python_version: Literal["3.12", "3.13"] = Field(
        "3.13",
        description="Python of the function runtime (python3.13 on Lambda, python313 on Cloud "
        "Functions); the archive's wheels are built for it. Quote it in YAML.",
    )
    memory_mb: int = Field(256, ge=128, le=10240, description="Memory of the function in MB.")
    timeout_s: int = Field(
        10,
        ge=1,
        le=60,
        description="Function timeout in seconds; commercetools gives up after "
        "`extension.timeout_ms` anyway.",
    )


class AwsConfig(Section):
    invocation: Literal["lambda", "function_url"] = Field(
        "lambda",
        description="How commercetools calls the function: `lambda` (AWSLambda destination, "
        "signed by a dedicated IAM user) or `function_url` (HTTP destination on a public function "
        "URL, checked with `auth_token`).",
    )
    architecture: Literal["arm64", "x86_64"] = Field(
        "arm64", description="Lambda architecture; the archive's wheels are built for it."
    )
    reserved_concurrency: int | None = Field(
        None, ge=1, description="Reserved concurrent executions; unset uses the account's pool."
    )
    log_retention_days: int = Field(
        30, description=f"Retention of the function's log group; one of {LOG_RETENTION_DAYS}."
    )
    secret_recovery_days: int = Field(
        7,
        ge=0,
        le=30,
        description="Days a deleted Secrets Manager secret can be restored (0 deletes at once, "
        "otherwise 7 to 30).",
    )

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, days: int) -> int:
        if days not in LOG_RETENTION_DAYS:
            raise ValueError(f"expected one of {LOG_RETENTION_DAYS}")
        return days

    @field_validator("secret_recovery_days")
    @classmethod
    def _known_recovery(cls, days: int) -> int:
        if 0 < days < 7:
            raise ValueError("expected 0 or a number from 7 to 30")
        return days


class GcpConfig(Section):
    min_instances: int = Field(
        0, ge=0, le=100, description="Instances kept warm; 1 or more avoids cold starts."
    )
    max_instances: int = Field(20, ge=1, le=1000, description="Upper bound on instances.")


class CommercetoolsConfig(Section):
    project_key: str = Field(pattern=r"^[a-z0-9-]{2,36}$", description="commercetools project key.")
    client_id: str = Field(
        min_length=1,
        description="Client id of an API client with the manage_types and manage_extensions "
        "scopes (its secret is `commercetools_client_secret`).",
    )
    region: Literal[
        "europe-west1.gcp",
        "eu-central-1.aws",
        "us-central1.gcp",
        "us-east-2.aws",
        "australia-southeast1.gcp",
    ] = Field("europe-west1.gcp", description="Region of the project; picks the default hosts.")
    api_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="API host; default `https://api.<region>.commercetools.com`.",
    )
    auth_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s/]+(/[^\s]*)?$",
        description="OAuth host (`/oauth/token` is appended); default "
        "`https://auth.<region>.commercetools.com`.",
    )
    scopes: tuple[str, ...] = Field(
        (),
        description="Scopes to request, e.g. `[manage_types:<key>, manage_extensions:<key>]`; "
        "empty requests every scope of the API client.",
    )

    @property
    def api_base(self) -> str:
        return (self.api_url or f"https://api.{self.region}.commercetools.com").rstrip("/")

    @property
    def token_url(self) -> str:
        base = (self.auth_url or f"https://auth.{self.region}.commercetools.com").rstrip("/")
        return f"{base}/oauth/token"


class TriggerConfig(Section):
    actions: tuple[Literal["Create", "Update"], ...] = Field(("Create", "Update"), min_length=1)
    condition: str = ""


ExtensionResource = Literal["cart", "customer", "order"]


def _default_triggers() -> dict[ExtensionResource, TriggerConfig]:
    return {"cart": TriggerConfig(), "customer": TriggerConfig(), "order": TriggerConfig()}


class ExtensionConfig(Section):
    key: str | None = Field(
        None, pattern=KEY_PATTERN, description="Key of the API extension in commercetools."
    )
    timeout_ms: int = Field(
        2000,
        ge=MIN_TIMEOUT_MS,
        le=MAX_TIMEOUT_MS,
        description="How long commercetools waits for the handler (`timeoutInMs`), "
        f"{MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}.",
    )
    triggers: dict[ExtensionResource, TriggerConfig] = Field(
        default_factory=_default_triggers,
        min_length=1,
        description="Map of cart, customer and order to `{actions: [Create, Update], "
        "condition: <predicate>}`; a resource left out is not sent to the handler; an empty "
        "condition is left out of the extension.",
    )


class AppConfig(Section):
    base_url: str = Field(
        pattern=r"^https://[^\s/]+(/[^\s]*)?$",
        description="Base URL of the Talon.One deployment, e.g. `https://acme.europe-west1.talon.one`.",
    )
    currency: str | None = Field(
        default=None,
        pattern=r"^[A-Z]{3}$",
        description="The Application's currency: prefixes the referral codes created there.",
    )


# Handler settings the program fills in itself; every other one is passed through `handler`.
MANAGED_SETTINGS = frozenset(
    {
        "apps",
        "auth_tokens",
        "secret_arn",
        "cart_type_id",
        "customer_type_id",
        "cart_type_key",
        "line_item_type_key",
        "customer_type_key",
        "extension_timeout_ms",
    }
)

HANDLER_DESCRIPTIONS = {
    "routing": "Which app evaluates a cart: `by` (currency, store or cart_field), `apps` (value "
    "to app name), `field` (the cart field read with cart_field) and `fallback` (app used when "
    "nothing matches).",
    "language": "Locale used to read product names and to name custom line items.",
    "fallback_languages": "Locales tried in turn when a name is missing in `language` "
    "(a YAML list).",
    "sku_type": "How a free item's SKU is looked up: variant_sku, product_id or "
    "product_id_with_variant_id.",
    "sku_separator": "Separator between product id and variant id (product_id_with_variant_id).",
    "discount_mode": "How discounts reach the cart: direct_discounts or custom_line_items.",
    "discount_tax_category_id": "Tax category id of the discount custom line items; required "
    "with custom_line_items.",
    "rounding": "Rounding of discount amounts: half_even, half_up or half_down.",
    "cart_attribute_mapping": "Mapping of cart fields to session attributes "
    "(T1CT_CART_ATTRIBUTE_MAPPING).",
    "cart_item_attribute_mapping": "Mapping of line-item fields to cart-item attributes "
    "(T1CT_CART_ITEM_ATTRIBUTE_MAPPING).",
    "pay_with_points_attribute": "Session attribute that receives the cart's pay-with-points "
    "flag; unset sends none.",
    "shipping_cost_name": "Additional cost the shipping price is sent as; empty sends none.",
    "original_price_attribute": "Cart-item attribute that receives the price before discounts; "
    "empty sends none.",
    "category_attribute": "Variant attribute sent as each cart item's category; unset sends the "
    "product type key when the cart carries it.",
}


def _handler_section() -> type[Section]:
    """The `handler` map: the handler's own settings, with their types and defaults."""
    fields: dict[str, Any] = {}
    for name, field in Settings.model_fields.items():
        if name in MANAGED_SETTINGS:
            continue
        # A setting added to the handler later is still passed through, documented by its name.
        description = (
            HANDLER_DESCRIPTIONS.get(name)
            or field.description
            or f"Handler setting T1CT_{name.upper()}."
        )
        if field.default_factory is not None:
            info = Field(default_factory=field.default_factory, description=description)
        else:
            info = Field(field.default, description=description)
        fields[name] = (field.annotation, info)
    return create_model("HandlerConfig", __base__=Section, **fields)


HandlerConfig = _handler_section()

ApiKey = Annotated[SecretStr, Field(min_length=1)]


class StackConfig(Section):
    """Everything one stack deploys. Field order is the order README lists the keys in."""

    cloud: Literal["aws", "gcp"] = Field("aws", description="Where the handler runs.")
    name: str = Field(
        pattern=NAME_PATTERN,
        description="Prefix of the cloud resource names, and the extension key unless "
        "`extension.key` is set: 3 to 25 lowercase letters, digits and dashes.",
    )
    function: FunctionConfig = Field(default_factory=FunctionConfig)
    aws: AwsConfig = Field(default_factory=AwsConfig)
    gcp: GcpConfig = Field(default_factory=GcpConfig)
    commercetools: CommercetoolsConfig
    commercetools_client_secret: SecretStr = Field(
        min_length=1,
        description="Client secret of the commercetools API client.",
        json_schema_extra=SECRET,
    )
    extension: ExtensionConfig = Field(default_factory=ExtensionConfig)
    apps: dict[Annotated[str, Field(pattern=APP_NAME_PATTERN)], AppConfig] = Field(
        min_length=1,
        description="Talon.One Applications by name, e.g. `{eu: {base_url: https://...}}`; "
        "`handler.routing` picks one per cart.",
    )
    talon_api_keys: dict[str, ApiKey] = Field(
        description="Integration API key of each app, by app name: "
        "`pulumi config set --secret --path 'talon_api_keys.<app>' <key>`.",
        json_schema_extra=SECRET,
    )
    auth_token: SecretStr | None = Field(
        None,
        description="Whole Authorization header value commercetools sends, e.g. "
        "`Bearer <random>`; required with `aws.invocation: function_url`.",
        json_schema_extra=SECRET,
    )
    previous_auth_token: SecretStr | None = Field(
        None,
        description="A token still accepted while `auth_token` is being rotated.",
        json_schema_extra=SECRET,
    )
    handler: HandlerConfig = Field(default_factory=HandlerConfig)  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _check_consistency(self) -> StackConfig:
        missing = sorted(set(self.apps) - set(self.talon_api_keys))
        if missing:
            raise ValueError(
                f"{PROJECT}:talon_api_keys: no API key for app {missing[0]!r}; set it with "
                f"pulumi config set --secret --path 'talon_api_keys.{missing[0]}' <key>"
            )
        extra = sorted(set(self.talon_api_keys) - set(self.apps))
        if extra:
            raise ValueError(f"{PROJECT}:talon_api_keys: {extra[0]!r} is not an app in apps")

        routing = self.handler.routing  # type: ignore[attr-defined]
        named = {*routing.apps.values(), routing.fallback} - {None}
        unknown = sorted(name for name in named if name not in self.apps)
        if unknown:
            raise ValueError(
                f"{PROJECT}:handler.routing: names app {unknown[0]!r}, which apps does not define"
            )

        if self.cloud == "gcp" and (self.auth_token or self.previous_auth_token):
            raise ValueError(
                f"{PROJECT}:auth_token: not used on gcp, where Google IAM authenticates "
                "commercetools (the handler would refuse its ID token); remove it"
            )
        if self.cloud == "aws" and self.aws.invocation == "function_url" and not self.auth_token:
            raise ValueError(
                f"{PROJECT}:auth_token: required with aws.invocation function_url; set it with "
                "pulumi config set --secret auth_token 'Bearer <random>'"
            )
        for token in (self.auth_token, self.previous_auth_token):
            _check_token(token)
        _check_handler_settings(self)
        return self

    @property
    def extension_key(self) -> str:
        return self.extension.key or self.name

    @property
    def auth_tokens(self) -> tuple[str, ...]:
        """Header values the handler accepts, the current one first."""
        tokens = (self.auth_token, self.previous_auth_token)
        return tuple(token.get_secret_value() for token in tokens if token is not None)


def _check_handler_settings(config: StackConfig) -> None:
    """Fail now on settings the handler would refuse at its cold start (and so answer every cart
    without promotions): rules across settings, and attribute mapping specs."""
    handler: Any = config.handler
    values = {name: getattr(handler, name) for name in handler.model_fields_set}
    apps = {
        name: App(base_url=app.base_url, api_key="checked", currency=app.currency)
        for name, app in config.apps.items()
    }
    try:
        settings = Settings(**values, apps=apps)
        Mappings.from_settings(settings)
    except ValidationError as exc:
        message = str(exc.errors(include_input=False)[0]["msg"]).removeprefix("Value error, ")
        raise ValueError(f"{PROJECT}:handler: {message}") from None
    except MappingError as exc:
        raise ValueError(f"{PROJECT}:handler: {exc}") from None


def _check_token(token: SecretStr | None) -> None:
    # The handler receives the accepted tokens as one comma-separated value.
    if token is None:
        return
    value = token.get_secret_value()
    if len(value) < 16 or "," in value or value != value.strip() or not value.isprintable():
        raise ValueError(
            f"{PROJECT}:auth_token: expected a header value of 16 or more printable characters "
            "without commas or surrounding spaces"
        )


def secret_keys() -> tuple[str, ...]:
    """Top-level keys that must be set with `pulumi config set --secret`."""
    return tuple(
        name
        for name, field in StackConfig.model_fields.items()
        if (field.json_schema_extra or {}).get("secret")  # type: ignore[union-attr]
    )
