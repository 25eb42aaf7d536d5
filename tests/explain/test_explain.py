"""The support tool, end to end: a cart on the commercetools mock, Talon.One played by the stand-in.

Each test runs ``handler.explain.main`` as the command line would, with the settings in the
environment, and reads what it printed. The stand-in records every request, so the tests see the
dry run exactly as Talon.One would receive it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import requests

from handler import custom_types as ct
from handler.app import handle
from handler.explain import main
from handler.runtime import build_runtime
from tests.support.contract import validate_talon_request, validate_talon_response
from tools.ctmock import (
    Project,
    create_cart,
    create_product,
    create_tax_category,
    extension_input,
    seed_custom_types,
)
from tools.talon_standin import Fault, RecordedRequest, TalonStandIn

REPO_ROOT = Path(__file__).resolve().parents[2]
T1_API_KEY = "t1-key-never-printed-3f9a"
CT_CLIENT_SECRET = "ct-secret-never-printed-8c2e"
# What the customer told the shop about themselves; none of it may be printed.
PERSONAL = ("jane.doe@example.com", "Jane", "Doe")
REPORT_KEYS = {"app", "session", "effects", "rejections", "ruleFailures", "actions", "notes"}


@pytest.fixture
def t1() -> Iterator[TalonStandIn]:
    with TalonStandIn(api_key=T1_API_KEY) as stand_in:
        yield stand_in


@pytest.fixture
def shop(ct_project: Project) -> Project:
    seed_custom_types(ct_project)
    tax = create_tax_category(ct_project)
    create_product(ct_project, "SHIRT", {"EUR": 6000, "USD": 6500}, name="Shirt", tax_category=tax)
    create_product(ct_project, "FREE-SOCKS", {"EUR": 500}, name="Socks", tax_category=tax)
    return ct_project


@pytest.fixture
def settings_env(
    monkeypatch: pytest.MonkeyPatch, shop: Project, t1: TalonStandIn
) -> dict[str, str]:
    """The commercetools and handler settings, as a deployed handler would have them."""
    for name in list(os.environ):
        if name.startswith(("CTP_", "T1CT_")):
            monkeypatch.delenv(name)

    cart_type = shop.get_by_key("types", ct.CART_TYPE_KEY)
    apps = {"shop": {"base_url": t1.base_url, "api_key": T1_API_KEY}}
    values = {
        "CTP_PROJECT_KEY": shop.key,
        "CTP_CLIENT_ID": "support-tool",
        "CTP_CLIENT_SECRET": CT_CLIENT_SECRET,
        "CTP_AUTH_URL": shop.base_url,
        "CTP_API_URL": shop.base_url,
        "CTP_SCOPES": f"view_orders:{shop.key}",
        "T1CT_APPS": json.dumps(apps),
        "T1CT_CART_TYPE_ID": cart_type["id"],
        # The e-mail goes to Talon.One as an attribute, so the tool must hold it back.
        "T1CT_CART_ATTRIBUTE_MAPPING": "customerEmail:email; country:country",
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def new_cart(
    project: Project, quantity: int | None = 2, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    customer = project.create(
        "customers",
        {"email": PERSONAL[0], "firstName": PERSONAL[1], "lastName": PERSONAL[2], "password": "x"},
    )["customer"]
    draft: dict[str, Any] = {
        "currency": "EUR",
        "country": "DE",
        "customerId": customer["id"],
        "customerEmail": PERSONAL[0],
        "lineItems": [{"sku": "SHIRT", "quantity": quantity}] if quantity else [],
        "custom": {"type": {"typeId": "type", "key": ct.CART_TYPE_KEY}, "fields": fields or {}},
    }
    return create_cart(project, draft)


def coupon_cart(project: Project) -> dict[str, Any]:
    """Two shirts (120 EUR) with a coupon the stand-in knows and one it does not."""
    return new_cart(project, fields={ct.CART_COUPON_CODES: ["summer10", "NOSUCHCODE"]})


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def explain_json(capsys: pytest.CaptureFixture[str], cart_id: str) -> dict[str, Any]:
    status, out, err = run(capsys, "--cart-id", cart_id, "--json")
    assert (status, err) == (0, "")
    report: dict[str, Any] = json.loads(out)
    return report


def session_puts(t1: TalonStandIn) -> list[RecordedRequest]:
    return [r for r in t1.requests if r.method == "PUT" and "/customer_sessions/" in r.path]


def url_of(t1: TalonStandIn, request: RecordedRequest) -> str:
    query = urlencode({name: values[-1] for name, values in request.query.items()})
    return f"{t1.base_url}{request.path}" + (f"?{query}" if query else "")


# --- The dry run -------------------------------------------------------------------------------


def test_the_dry_run_follows_the_spec_and_asks_for_campaign_details(capsys, settings_env, shop, t1):
    cart = coupon_cart(shop)

    status, _, _ = run(capsys, "--cart-id", cart["id"])

    assert status == 0
    (request,) = session_puts(t1)
    assert request.query == {"dry": ["true"]}
    validate_talon_request("PUT", url_of(t1, request), request.headers, request.body)
    assert set(request.body["responseContent"]) >= {
        "loyalty",
        "triggeredCampaigns",
        "ruleFailureReasons",
        "coupons",
        "referral",
    }
    session = request.body["customerSession"]
    assert session["couponCodes"] == ["summer10", "NOSUCHCODE"]
    assert [(item["sku"], item["quantity"]) for item in session["cartItems"]] == [("SHIRT", 2)]


def test_the_stand_in_answers_the_extra_content_as_the_spec_describes(
    capsys, settings_env, shop, t1
):
    cart = coupon_cart(shop)
    run(capsys, "--cart-id", cart["id"])
    (request,) = session_puts(t1)
    t1.requests.clear()

    # The same request again, to read the answer the tool was given.
    url = url_of(t1, request)
    headers = {"Authorization": request.headers["authorization"]}
    answer = requests.put(url, json=request.body, headers=headers, timeout=10)

    validate_talon_response("PUT", url, answer.status_code, answer.content)
    data = answer.json()
    assert [c["name"] for c in data["triggeredCampaigns"]] == [
        "Order discounts",
        "Summer sale",
        "Free socks",
    ]
    assert [c["value"] for c in data["coupons"]] == ["SUMMER10"]
    assert [f["ruleName"] for f in data["ruleFailureReasons"]] == ["Free shipping above 200"]


def test_nothing_is_stored_and_the_handler_then_does_what_was_explained(
    capsys, settings_env, shop, t1
):
    cart = coupon_cart(shop)

    report = explain_json(capsys, cart["id"])

    assert cart["id"] not in t1.book.sessions

    # The handler's own first update of the session: Talon.One has seen nothing before it.
    runtime = build_runtime(dict(os.environ))
    accepted, response = handle(extension_input(cart), runtime)
    stored = t1.book.sessions[cart["id"]]
    assert accepted
    assert stored.update_count == 1
    assert [a["action"] for a in report["actions"]] == response["actions"]
    assert [e["type"] for e in report["effects"]] == [e["effectType"] for e in stored.effects]


# --- What it prints ----------------------------------------------------------------------------


def test_the_text_names_each_effect_with_its_campaign_rule_and_coupon(
    capsys, settings_env, shop, t1
):
    cart = coupon_cart(shop)

    status, out, err = run(capsys, "--cart-id", cart["id"])

    assert (status, err) == (0, "")
    expected = [
        "App: shop at http://127.0.0.1:",
        "because it is the only app",
        "0. SHIRT x2 at 60.00 EUR",
        "Coupon codes: summer10, NOSUCHCODE",
        "Effects (7):",
        "Campaign 'Order discounts' rule '10% off orders above 100' -> 12.00 EUR off the cart",
        "Campaign 'Summer sale' rule 'Summer coupon' -> accepts coupon SUMMER10",
        "Campaign 'Summer sale' rule 'Summer coupon' -> 6.00 EUR off cart item 0 "
        "(SKU SHIRT, unit 2) (coupon SUMMER10)",
        "Campaign 'Free socks' rule 'Free socks for two of a kind' -> adds free item FREE-SOCKS",
        "Campaign 'Free socks' rule 'Free socks for two of a kind' -> shows the shopper an Offer "
        "notification",
        "No campaign -> rejects coupon NOSUCHCODE: CouponNotFound",
        "Rejected codes (1):",
        "Coupon NOSUCHCODE rejected: CouponNotFound (no coupon with this code exists)",
        "Rules that did not apply (1):",
        "Campaign 'Order discounts' rule 'Free shipping above 200' did not apply",
        "Update actions the handler would return (",
        "add the free item FREE-SOCKS x1 at price 0",
        '12.00 EUR off the cart; 12.00 EUR off line items where sku = "SHIRT"',
        "Dry run: Talon.One evaluated the session but stored nothing.",
    ]
    missing = [text for text in expected if text not in out]
    assert missing == [], out


def test_json_carries_the_same_explanation(capsys, settings_env, shop, t1):
    cart = coupon_cart(shop)

    report = explain_json(capsys, cart["id"])
    _, text, _ = run(capsys, "--cart-id", cart["id"])

    assert set(report) == REPORT_KEYS
    assert report["app"]["name"] == "shop"
    assert report["session"]["customerSession"]["couponCodes"] == ["summer10", "NOSUCHCODE"]
    assert {e["campaign"] for e in report["effects"]} == {
        "Order discounts",
        "Summer sale",
        "Free socks",
        None,
    }
    (rejection,) = report["rejections"]
    assert (rejection["code"], rejection["reason"]) == ("NOSUCHCODE", "CouponNotFound")
    assert [f["rule"] for f in report["ruleFailures"]] == ["Free shipping above 200"]
    summaries = [
        entry["summary"]
        for part in ("effects", "rejections", "ruleFailures", "actions")
        for entry in report[part]
    ]
    assert [s for s in summaries if s not in text] == []
    assert f"Update actions the handler would return ({len(report['actions'])}):" in text


def test_custom_line_item_mode_actions_are_summarised(capsys, monkeypatch, settings_env, shop, t1):
    tax = shop.get_by_key("tax-categories", "standard-de")
    monkeypatch.setenv("T1CT_DISCOUNT_MODE", "custom_line_items")
    monkeypatch.setenv("T1CT_DISCOUNT_TAX_CATEGORY_ID", tax["id"])
    cart = coupon_cart(shop)
    line_id = cart["lineItems"][0]["id"]

    status, out, _ = run(capsys, "--cart-id", cart["id"])

    assert status == 0
    assert "add the custom line '10% off orders above 100' of -12.00 EUR" in out
    assert "add the custom line 'SUMMER10' of 0.00 EUR" in out
    assert f"set the total of line {line_id} to 108.00 EUR" in out


def test_campaigns_are_shown_by_id_when_talon_one_names_none(capsys, settings_env, shop, t1):
    cart = new_cart(shop, fields={ct.CART_REFERRAL_CODE: "FRIEND-1"})
    envelope = {"campaignId": 7, "rulesetId": 3, "ruleIndex": 0, "ruleName": "Welcome"}
    answer = {
        "effects": [
            {**envelope, "effectType": "setDiscount", "props": {"name": "Welcome", "value": 5}},
            {
                **envelope,
                "effectType": "rejectReferral",
                "props": {"value": "FRIEND-1", "rejectionReason": "ReferralNotFound"},
            },
            {**envelope, "effectType": "someFutureEffect", "props": {}},
        ],
        "createdCoupons": [],
        "createdReferrals": [],
    }
    validate_talon_response("PUT", f"{t1.base_url}/v2/customer_sessions/x", 200, answer)
    t1.set_response(cart["id"], answer)

    status, out, _ = run(capsys, "--cart-id", cart["id"])

    assert status == 0
    assert "Referral code: FRIEND-1" in out
    assert "Campaign 7 rule 'Welcome' -> 5.00 EUR off the cart ('Welcome')" in out
    assert (
        "Referral code FRIEND-1 rejected: ReferralNotFound (no referral code like this exists) "
        "[Campaign 7 rule 'Welcome']"
    ) in out
    assert "someFutureEffect (the handler does not act on this effect type)" in out
    assert "Talon.One named not every campaign; those are shown by id." in out


def test_a_coupon_rejected_by_its_campaign_names_the_campaign(capsys, settings_env, shop, t1):
    cart = new_cart(shop, quantity=None, fields={ct.CART_COUPON_CODES: ["SUMMER10"]})

    report = explain_json(capsys, cart["id"])

    (rejection,) = report["rejections"]
    assert rejection["summary"] == (
        "Coupon SUMMER10 rejected: CouponRejectedByCondition (the cart does not meet the "
        "coupon's conditions) [Campaign 'Summer sale' rule 'Summer coupon']"
    )
    failed = [f["summary"] for f in report["ruleFailures"]]
    assert "Campaign 'Summer sale' rule 'Summer coupon' did not apply to coupon SUMMER10: " in (
        "\n".join(failed)
    )


def test_a_cart_no_app_evaluates_is_explained_without_asking_talon_one(
    capsys, monkeypatch, settings_env, shop, t1
):
    monkeypatch.setenv("T1CT_ROUTING", json.dumps({"by": "currency", "apps": {"USD": "shop"}}))
    cart = coupon_cart(shop)

    report = explain_json(capsys, cart["id"])

    assert session_puts(t1) == []
    assert report["app"]["name"] is None
    assert "the cart's currency EUR" in report["app"]["reason"]
    assert report["session"]["sent"] is False
    assert report["actions"] == []


def test_the_routing_table_is_named_as_the_reason(capsys, monkeypatch, settings_env, shop, t1):
    monkeypatch.setenv("T1CT_ROUTING", json.dumps({"by": "currency", "apps": {"EUR": "shop"}}))
    cart = new_cart(shop)

    report = explain_json(capsys, cart["id"])

    assert report["app"]["reason"] == "T1CT_ROUTING maps the cart's currency EUR to it"


def test_a_cart_too_large_for_talon_one_is_explained_without_asking(capsys, settings_env, shop, t1):
    cart = new_cart(shop, quantity=10_001)

    report = explain_json(capsys, cart["id"])

    assert session_puts(t1) == []
    assert "too large for Talon.One" in report["notes"][0]
    fields = [a["action"].get("name") for a in report["actions"]]
    assert fields == [ct.CART_PROMOTIONS_UNAVAILABLE]


# --- Failures ----------------------------------------------------------------------------------


def test_an_unknown_cart_id_exits_2_with_one_line(capsys, settings_env, shop, t1):
    status, out, err = run(capsys, "--cart-id", "no-such-cart")

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert "cart 'no-such-cart' was not found in commercetools" in err
    assert session_puts(t1) == []


@pytest.mark.parametrize("name", ["CTP_PROJECT_KEY", "CTP_CLIENT_ID", "CTP_CLIENT_SECRET"])
def test_a_missing_commercetools_setting_exits_2_naming_it(capsys, monkeypatch, settings_env, name):
    monkeypatch.delenv(name)

    status, out, err = run(capsys, "--cart-id", "any")

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert f"commercetools settings are invalid: {name}" in err


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "T1CT_APPS sets up no Talon.One app"),
        ("{not json", "T1CT_APPS must be JSON"),
    ],
)
def test_invalid_handler_settings_exit_2_naming_the_variable(
    capsys, monkeypatch, settings_env, value, expected
):
    if value is None:
        monkeypatch.delenv("T1CT_APPS")
    else:
        monkeypatch.setenv("T1CT_APPS", value)

    status, out, err = run(capsys, "--cart-id", "any")

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert f"handler settings are invalid: {expected}" in err


def test_talon_one_refusing_the_dry_run_exits_2_with_the_status(capsys, settings_env, shop, t1):
    cart = new_cart(shop)
    t1.set_fault(Fault.error(401))

    status, out, err = run(capsys, "--cart-id", cart["id"])

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert f"Talon.One app 'shop' ({t1.base_url}) refused the dry run" in err
    assert "HTTP 401" in err


def test_an_unusable_talon_one_answer_exits_2_saying_so(capsys, settings_env, shop, t1):
    cart = new_cart(shop)
    t1.set_fault(Fault.wrong_content_type())

    status, out, err = run(capsys, "--cart-id", cart["id"])

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert "answered the dry run with something unusable: content type" in err


def test_talon_one_unreachable_exits_2_saying_why(capsys, monkeypatch, settings_env, shop):
    with TalonStandIn(api_key=T1_API_KEY) as gone:
        closed_url = gone.base_url
    apps = {"shop": {"base_url": closed_url, "api_key": T1_API_KEY}}
    monkeypatch.setenv("T1CT_APPS", json.dumps(apps))
    cart = new_cart(shop)

    status, out, err = run(capsys, "--cart-id", cart["id"])

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert f"Talon.One app 'shop' ({closed_url}) could not be reached" in err
    assert "(connection)" in err


def test_commercetools_unreachable_exits_2_saying_why(capsys, monkeypatch, settings_env):
    with TalonStandIn() as gone:
        closed_url = gone.base_url
    monkeypatch.setenv("CTP_AUTH_URL", closed_url)
    monkeypatch.setenv("CTP_API_URL", closed_url)

    status, out, err = run(capsys, "--cart-id", "any")

    assert (status, out) == (2, "")
    assert err.count("\n") == 1
    assert "could not be reached: ConnectionError" in err


# --- Secrets and personal data -----------------------------------------------------------------


def test_no_secret_or_personal_data_is_printed(capsys, settings_env, shop, t1):
    cart = coupon_cart(shop)

    outputs = [run(capsys, "--cart-id", cart["id"], *flag) for flag in ([], ["--json"])]
    t1.set_fault(Fault.error(401))
    outputs.append(run(capsys, "--cart-id", cart["id"]))

    printed = "".join(out + err for _, out, err in outputs)
    assert "<withheld: personal data>" in printed
    assert cart["customerId"] in printed
    leaked = [text for text in (T1_API_KEY, CT_CLIENT_SECRET, *PERSONAL) if text in printed]
    assert leaked == []


def test_the_module_runs_as_a_command_and_prints_only_its_own_lines(settings_env, shop, t1):
    cart = coupon_cart(shop)
    command = [sys.executable, "-m", "handler.explain", "--cart-id"]

    explained = subprocess.run(
        [*command, cart["id"], "--json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    failed = subprocess.run(
        [*command, cart["id"]],
        cwd=REPO_ROOT,
        env={**os.environ, "T1CT_APPS": "{not json"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert (explained.returncode, explained.stderr) == (0, "")
    assert set(json.loads(explained.stdout)) == REPORT_KEYS
    assert (failed.returncode, failed.stdout) == (2, "")
    assert failed.stderr.splitlines() == [
        "python -m handler explain: handler settings are invalid: T1CT_APPS must be JSON: "
        "Expecting property name enclosed in double quotes at position 1"
    ]
    printed = explained.stdout + failed.stderr
    assert [text for text in (T1_API_KEY, CT_CLIENT_SECRET, *PERSONAL) if text in printed] == []
