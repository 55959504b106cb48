"""The specific attacks of issue 12, each as it was sent: each of these crashed (or was accepted) before."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from decimal import Decimal

import pytest

from core.errors import NeedsAttention
from core.payments import adyen, klarna, stripe
from core.platforms import centra, shopify, shopware, woocommerce
from core.platforms.payload import loads, money
from tests.conftest import corpus_file

SECRET = "hostile-secret"
ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
DEEP = b"[" * 100_000 + b"]" * 100_000


def adyen_body(item: dict) -> bytes:
    return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]}).encode()


# ------------------------------------------------------------------------------ unsigned: verify only

@pytest.mark.parametrize("verify,name", [
    (lambda raw, headers: stripe.verify_notification(raw, headers, "whsec_x", now=time.time()), "Stripe-Signature"),
    (lambda raw, headers: centra.webhooks.verify(raw, headers, SECRET, now=time.time()), "X-Centra-Signature"),
])
def test_a_400_digit_signature_timestamp_is_refused_not_an_overflow(verify, name):
    assert verify(b"{}", {name: f"t={'9' * 400},v1={'0' * 64}"}) is False
    assert verify(b"{}", {name: f"t={'٣' * 10},v1={'0' * 64}"}) is False  # non-ASCII digits pass isdigit()


@pytest.mark.parametrize("body", [
    DEEP,
    b'{"notificationItems": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    adyen_body({"additionalData": "hmacSignature=x", "pspReference": "1"}),
    adyen_body({"additionalData": {"hmacSignature": "x"}, "amount": [1, "EUR"], "pspReference": "1"}),
    adyen_body({"additionalData": {"hmacSignature": ["x"]}, "amount": {"value": [1]}, "pspReference": "1"}),
    adyen_body({"additionalData": {"hmacSignature": "x"}, "amount": {"value": 1e309}, "pspReference": "1"}),
])
def test_hostile_adyen_notifications_are_refused_not_crashes(body):
    assert adyen.verify_notification(body, {}, ADYEN_KEY) is False
    assert isinstance(adyen.describe_notification(body, {}), list)


def test_an_adyen_field_that_is_no_scalar_cannot_match_a_signature():
    """str(["a"]) is text too: a list where Adyen sends a string must not be signed as its repr."""
    item = {"pspReference": ["1"], "amount": {"value": 1, "currency": "EUR"}, "eventCode": "X", "success": "true"}
    signing = "['1']::::1:EUR:X:true"
    item["additionalData"] = {"hmacSignature": base64.b64encode(
        hmac.new(bytes.fromhex(ADYEN_KEY), signing.encode(), hashlib.sha256).digest()).decode()}
    assert adyen.verify_notification(adyen_body(item), {}, ADYEN_KEY) is False


def test_a_stripe_event_whose_data_is_a_list_is_described_not_crashed():
    assert stripe.describe_notification(json.dumps({"id": "evt", "type": "payout.reconciliation_completed",
                                                    "data": [{"object": "payout"}]}).encode(), {})[0].payout_id == ""
    assert stripe.describe_notification(DEEP, {}) == []


# ------------------------------------------------------------------------------ signed but unusable

@pytest.mark.parametrize("module", [shopify, woocommerce, shopware, centra])
def test_describe_refuses_deeply_nested_json_with_our_error(module):
    with pytest.raises(NeedsAttention) as refused:
        module.webhooks.describe(b'{"id": ' + b"[" * 5000 + b"1" + b"]" * 5000 + b"}", {})
    assert refused.value.code == "malformed_payload" and "nests deeper" in refused.value.message


def test_a_signed_shopware_body_with_a_400_digit_timestamp_verifies_and_is_refused_by_describe():
    raw = b'{"data": {"event": "checkout.order.placed"}, "timestamp": ' + b"9" * 400 + b"}"
    signature = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert shopware.webhooks.verify(raw, {"shopware-shop-signature": signature}, SECRET) is True
    with pytest.raises(NeedsAttention):
        shopware.webhooks.describe(raw, {})
    far = b'{"timestamp": 99999999999999}'
    far_signature = hmac.new(SECRET.encode(), far, hashlib.sha256).hexdigest()
    assert shopware.webhooks.verify(far, {"shopware-shop-signature": far_signature}, SECRET) is True


# ------------------------------------------------------------------------------------------ numbers

@pytest.mark.parametrize("value", ["NaN", "sNaN", "-Infinity", "Infinity", "1E+999999999", "1e-999999999",
                                   float("nan"), float("inf"), "9" * 400, [1], {"amount": 1}])
def test_money_refuses_what_is_no_amount(value):
    with pytest.raises(ValueError):
        money(value)


def test_money_still_reads_real_amounts():
    assert [money(v) for v in ("12.50", 12, 12.5, "0.1", "-3.00", " 7 ")] == [
        Decimal("12.50"), Decimal(12), Decimal("12.5"), Decimal("0.1"), Decimal("-3.00"), Decimal(7)]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e309", b"1E+999999999",
                                     b"1" + b"0" * 60, b"0." + b"0" * 60 + b"1"])
def test_untrusted_json_refuses_hostile_numbers(literal):
    with pytest.raises(NeedsAttention) as refused:
        loads(b'{"price": ' + literal + b"}")
    assert refused.value.code == "malformed_payload"


def test_untrusted_json_keeps_large_ids_and_ordinary_numbers():
    assert loads(b'{"id": 18446744073709551615, "price": 19.99, "q": -2}') == {
        "id": 18446744073709551615, "price": 19.99, "q": -2}


def test_a_signed_order_priced_1e309_is_a_malformed_payload_not_an_unexpected_error():
    body = json.loads(corpus_file("shopify-order-6.json").read_bytes())["order"]
    body["line_items"][0]["price_set"]["shop_money"]["amount"] = "__PRICE__"
    hostile = json.dumps(body).replace('"__PRICE__"', "1e309").encode()
    with pytest.raises(NeedsAttention) as refused:
        shopify.parse.parse_order(loads(hostile), "shop")
    assert refused.value.code == "malformed_payload"
    body["line_items"][0]["price_set"]["shop_money"]["amount"] = float("inf")  # decoded by another JSON reader
    with pytest.raises(NeedsAttention) as refused:
        shopify.parse.parse_order(body, "shop")
    assert refused.value.code == "malformed_payload" and "inf" in refused.value.message


def test_negative_quantities_and_prices_in_an_order_need_attention():
    body = json.loads(corpus_file("shopify-order-6.json").read_bytes())["order"]
    assert shopify.parse.parse_order(body, "shop").lines  # the untouched order imports
    negative = json.loads(json.dumps(body))
    negative["line_items"][0]["quantity"] = -2
    with pytest.raises(NeedsAttention) as refused:
        shopify.parse.parse_order(negative, "shop")
    assert refused.value.code == "negative_amounts" and "quantity -2" in refused.value.message
    cheap = json.loads(json.dumps(body))
    cheap["line_items"][0]["price_set"]["shop_money"]["amount"] = "-10.00"
    with pytest.raises(NeedsAttention) as refused:
        shopify.parse.parse_order(cheap, "shop")
    assert refused.value.code == "negative_amounts"


def test_a_refund_document_may_carry_negative_amounts():
    """Refunds are where money goes back: their negative amounts are not an attack."""
    from core.models import Refund, RefundLine

    refund = Refund(platform="shopify", shop="s", external_id="r1", order_external_id="o1",
                    created_at="2026-01-01T00:00:00Z", currency="SEK", total=Decimal("-10"),
                    lines=[RefundLine(quantity=Decimal(-1), amount=Decimal("-10"))])
    assert refund.total == Decimal("-10")


@pytest.mark.parametrize("parse", [klarna.parse_settlement, adyen.parse_settlement])
def test_settlement_amounts_that_are_no_numbers_are_unreadable_files(parse):
    if parse is klarna.parse_settlement:
        raw = (b"type;amount;currency_code;merchant_reference1;payment_reference\n"
               b"SALE;Infinity;SEK;1;P1\n")
    else:
        raw = (b"Merchant Reference,Psp Reference,Type,Net Currency,Net Debit (NC),Net Credit (NC),Batch Number\n"
               b"1,2,Settled,EUR,,NaN,7\n")
    with pytest.raises(NeedsAttention) as refused:
        parse(raw)
    assert refused.value.code == "unreadable_settlement"


def test_an_adyen_report_url_is_followed_only_when_it_names_the_signed_report():
    """Adyen's HMAC covers pspReference (the report's file name) but not `reason` (its URL): a captured
    notification with another URL must not make us download another file with the report user's key."""
    item = {"eventCode": "REPORT_AVAILABLE", "pspReference": "settlement_detail_report_batch_380.csv",
            "success": "true", "reason": "https://ca-test.adyen.com/reports/download/MerchantAccount/M/"
                                         "settlement_detail_report_batch_381.csv"}
    [swapped] = adyen.describe_notification(adyen_body(item), {})
    assert (swapped.payout_id, swapped.location) == ("380", "")
    item["reason"] = item["reason"].replace("381", "380")
    assert adyen.describe_notification(adyen_body(item), {})[0].location == item["reason"]


def test_an_error_quoting_a_huge_hostile_value_stays_small():
    body = json.loads(corpus_file("shopify-order-6.json").read_bytes())["order"]
    body["created_at"] = "2" * 1_000_000
    with pytest.raises(NeedsAttention) as refused:
        shopify.parse.parse_order(body, "shop")
    assert len(refused.value.message) < 1000
    with pytest.raises(NeedsAttention) as unreadable:
        klarna.parse_settlement(b"type;amount;currency_code;merchant_reference1;payment_reference\n"
                                b"SALE;1.0;SEK;1;P1\n" + b"NOPE" * 100_000 + b";1;SEK;1;P1\n")
    assert len(unreadable.value.message) < 1000
