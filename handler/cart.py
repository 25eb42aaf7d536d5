"""The parts of a commercetools cart the connector reads, parsed tolerantly.

commercetools adds fields and enum values over time, and carts arrive half-built on Create. So
every field is optional, unknown fields are ignored and enums are plain strings: a new value never
fails a cart.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field

from handler import custom_types as ct
from handler.money import fraction_digits, minor_to_decimal, minor_to_json_number


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class Money(_Model):
    currency: str = Field(default="", alias="currencyCode")
    cent_amount: int = Field(default=0, alias="centAmount")
    fraction_digits: int | None = Field(default=None, alias="fractionDigits")
    precise_amount: int | None = Field(default=None, alias="preciseAmount")

    @property
    def digits(self) -> int:
        return (
            fraction_digits(self.currency) if self.fraction_digits is None else self.fraction_digits
        )

    @property
    def amount(self) -> Decimal:
        """The exact amount in major units; high-precision money keeps its extra digits."""
        if self.precise_amount is not None:
            return minor_to_decimal(self.precise_amount, self.digits)
        return minor_to_decimal(self.cent_amount, self.digits)

    @property
    def json_amount(self) -> int | float:
        """The exact amount as the JSON number Talon.One reads (``money.json_number``)."""
        minor = self.cent_amount if self.precise_amount is None else self.precise_amount
        return minor_to_json_number(minor, self.digits)


class Reference(_Model):
    type_id: str | None = Field(default=None, alias="typeId")
    id: str | None = None
    key: str | None = None
    obj: dict[str, Any] | None = None

    @property
    def resolved_key(self) -> str | None:
        """The key, given directly or through reference expansion."""
        if self.key is not None:
            return self.key
        return self.obj.get("key") if self.obj else None


class CustomFields(_Model):
    type: Reference | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class LineItem(_Model):
    """A line item. Its variant, price and product type are read straight into the line, not as
    models of their own: carts are parsed on every update, and each nested model costs time."""

    id: str = ""
    key: str | None = None
    product_id: str | None = Field(default=None, alias="productId")
    product_key: str | None = Field(default=None, alias="productKey")
    name: dict[str, str] = Field(default_factory=dict)
    variant_id: int | None = Field(default=None, validation_alias=AliasPath("variant", "id"))
    sku: str | None = Field(default=None, validation_alias=AliasPath("variant", "sku"))
    # Kept raw: only an item attribute mapping reads them, and parsing them costs most of the time.
    variant_attributes: Any = Field(default=(), validation_alias=AliasPath("variant", "attributes"))
    list_price: Money | None = Field(default=None, validation_alias=AliasPath("price", "value"))
    discounted_price: Money | None = Field(
        default=None, validation_alias=AliasPath("price", "discounted", "value")
    )
    quantity: int = 0
    price_mode: str | None = Field(default=None, alias="priceMode")
    line_item_mode: str | None = Field(default=None, alias="lineItemMode")
    total_cent_amount: int | None = Field(
        default=None, validation_alias=AliasPath("totalPrice", "centAmount")
    )
    # The connector's tag on its own lines; any JSON value may be stored there, only text counts.
    effect_tag: object = Field(
        default=None, validation_alias=AliasPath("custom", "fields", ct.LINE_ITEM_EFFECT)
    )
    # The product type's key is there only when the reference is expanded (or carries it).
    product_type_key: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            AliasPath("productType", "key"), AliasPath("productType", "obj", "key")
        ),
    )

    @property
    def unit_price(self) -> Money | None:
        """The unit price after commercetools product discounts, if any."""
        return self.discounted_price if self.discounted_price is not None else self.list_price

    @property
    def effect(self) -> str | None:
        """The connector effect this line was added for, or None for a shopper's line."""
        return _text(self.effect_tag)

    @property
    def is_free_item(self) -> bool:
        return self.effect_tag == ct.EFFECT_FREE_ITEM


class CustomLineItem(_Model):
    id: str = ""
    key: str | None = None
    slug: str = ""
    name: dict[str, str] = Field(default_factory=dict)
    money: Money | None = None
    quantity: int = 1
    # The connector's tags on its own custom line items, read straight from the custom fields.
    effect_tag: object = Field(
        default=None, validation_alias=AliasPath("custom", "fields", ct.LINE_ITEM_EFFECT)
    )
    coupon_tag: object = Field(
        default=None, validation_alias=AliasPath("custom", "fields", ct.LINE_ITEM_COUPON_CODE)
    )

    @property
    def effect(self) -> str | None:
        return _text(self.effect_tag)

    @property
    def coupon_code(self) -> str | None:
        return _text(self.coupon_tag) or None


class ShippingInfo(_Model):
    price: Money | None = None
    shipping_method_name: str | None = Field(default=None, alias="shippingMethodName")


class Cart(_Model):
    id: str = ""
    version: int | None = None
    key: str | None = None
    customer_id: str | None = Field(default=None, alias="customerId")
    anonymous_id: str | None = Field(default=None, alias="anonymousId")
    customer_email: str | None = Field(default=None, alias="customerEmail")
    store: Reference | None = None
    cart_state: str | None = Field(default=None, alias="cartState")
    total_price: Money | None = Field(default=None, alias="totalPrice")
    line_items: tuple[LineItem, ...] = Field(default=(), alias="lineItems")
    custom_line_items: tuple[CustomLineItem, ...] = Field(default=(), alias="customLineItems")
    shipping_info: ShippingInfo | None = Field(default=None, alias="shippingInfo")
    direct_discounts: tuple[dict[str, Any], ...] = Field(default=(), alias="directDiscounts")
    custom: CustomFields | None = None
    country: str | None = None
    locale: str | None = None

    @property
    def currency(self) -> str:
        if self.total_price is not None and self.total_price.currency:
            return self.total_price.currency
        for line in self.line_items:
            money = line.list_price
            if money is not None and money.currency:
                return money.currency
        return ""

    @property
    def fields(self) -> dict[str, Any]:
        return self.custom.fields if self.custom else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
