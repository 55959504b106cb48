"""The input contract, as properties: whatever a shop, a PSP or an attacker sends, every parser, describe/verify,
PSP parser and preview answers with a result or one of our error types (BridgeError) — never another exception,
never a hang (the profile's per-example deadline). Inputs are corpus payloads with hostile values planted in them.

CI budget: HYPOTHESIS_PROFILE=ci (default, conftest.py). Long run: `make fuzz`.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import load_config
from core.errors import BridgeError
from core.payments import PSPS
from core.platforms import PLATFORMS
from core.platforms.delivery import Delivery
from core.platforms.payload import loads
from core.preview import preview_payload
from tests.hostile.strategies import HOSTILE_STRINGS, corpus, mutated, mutated_bytes

PAYOUT_FIXTURES = Path(__file__).parent.parent / "payouts" / "fixtures"
PREVIEW_CONFIG = Path(__file__).parent.parent / "sync" / "fixtures" / "corpus.toml"

# Every parse entry point that takes a decoded payload, with how it is called.
PARSE_CALLS = {
    "parse_order": lambda fn, doc: fn(doc, "shop", "shop"),
    "parse_refund": lambda fn, doc: fn(doc, "shop"),
    "parse_customer": lambda fn, doc: fn(doc, "shop"),
    "parse_customer_addresses": lambda fn, doc: fn(doc),
    "customer_updated_at": lambda fn, doc: fn(doc),
    "needs_fetch": lambda fn, doc: fn(doc),
    "unwrap": lambda fn, doc: fn(doc),
    "written_orders": lambda fn, doc: fn(doc),
    "written_customers": lambda fn, doc: fn(doc),
    "order_numbers": lambda fn, doc: fn(doc),
}
HEADER_NAMES = ["X-Shopify-Topic", "X-Shopify-Hmac-Sha256", "X-Shopify-Event-Id", "X-WC-Webhook-Signature",
                "X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID", "X-Centra-Signature", "shopware-shop-signature",
                "x-adobe-digital-signature-1", "x-adobe-commerce-webhook-signature", "X-Webhook-Secret",
                "X-Norce-Event", "Stripe-Signature"]
header_values = st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=40),
                          st.integers(min_value=0, max_value=600).map(lambda n: f"t={'9' * n},v1=ab,v1={'1' * n}"))
headers = st.dictionaries(st.sampled_from(HEADER_NAMES), header_values, max_size=4)


def seeds(platform_name: str) -> list:
    documents = corpus(platform_name)
    assert documents, f"no {platform_name} documents in the corpus"
    return documents


def answered(call):
    """Run `call`; our own errors are a deliberate answer, anything else fails the property."""
    try:
        return call()
    except BridgeError as exc:
        return exc


@pytest.mark.parametrize("platform_name", sorted(PLATFORMS))
@given(data=st.data())
def test_platform_parsers_answer_or_raise_ours(platform_name, data):
    doc = data.draw(mutated(seeds(platform_name)))
    parse = PLATFORMS[platform_name].parse
    for name, call in PARSE_CALLS.items():
        if hasattr(parse, name):
            answered(lambda: call(getattr(parse, name), doc))  # noqa: B023 - called at once


@pytest.mark.parametrize("platform_name", sorted(PLATFORMS))
@given(data=st.data())
def test_describe_and_verify_answer_or_raise_ours(platform_name, data):
    raw = data.draw(mutated_bytes(seeds(platform_name)))
    if platform_name == "centra" and data.draw(st.booleans()):
        raw = b"payload=" + quote(raw.decode("utf-8", "replace")).encode()
    given_headers = data.draw(headers)
    webhooks = PLATFORMS[platform_name].webhooks
    assert answered(lambda: webhooks.verify(raw, given_headers, "secret")) in (True, False)
    described = answered(lambda: webhooks.describe(raw, given_headers))
    assert isinstance(described, Delivery | BridgeError)


@given(raw=mutated_bytes(corpus("shopify") + corpus("magento") + corpus("shopware")))
def test_untrusted_json_loader_answers_or_raises_ours(raw):
    answered(lambda: loads(raw))


# ---------------------------------------------------------------------------------------- payment providers

ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
ADYEN_NOTIFICATION = {"live": "false", "notificationItems": [{"NotificationRequestItem": {
    "additionalData": {"hmacSignature": "x"}, "amount": {"currency": "EUR", "value": 0}, "eventCode":
    "REPORT_AVAILABLE", "eventDate": "2026-11-27T10:00:00+01:00", "merchantAccountCode": "ShopAB",
    "merchantReference": "", "pspReference": "settlement_detail_report_batch_380.csv", "reason":
    "https://ca-test.adyen.com/reports/download/MerchantAccount/ShopAB/settlement_detail_report_batch_380.csv",
    "success": "true"}}]}
STRIPE_EVENT = {"id": "evt_1", "object": "event", "type": "payout.reconciliation_completed",
                "data": {"object": {"id": "po_1", "object": "payout", "amount": 1000, "currency": "sek"}}}


def _csv_cells_replaced(draw, raw: bytes, delimiter: str) -> bytes:
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=delimiter))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        row = draw(st.integers(min_value=0, max_value=len(rows) - 1))
        if rows[row]:
            cell = draw(st.integers(min_value=0, max_value=len(rows[row]) - 1))
            rows[row][cell] = draw(st.one_of(st.sampled_from(HOSTILE_STRINGS), st.text(max_size=20)))
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


SETTLEMENTS = {
    "adyen": (Path(__file__).parent.parent.parent.parent / "shared" / "corpus" / "payments"
              / "adyen-settlement-details-batch-380.csv", ","),
    "klarna": (PAYOUT_FIXTURES / "klarna-settlement-XISA93DJ.csv", ";"),
    "stripe": (PAYOUT_FIXTURES / "stripe-payout-reconciliation-itemized-2026-11.csv", ","),
}


@pytest.mark.parametrize("psp_name", sorted(SETTLEMENTS))
@given(data=st.data())
def test_settlement_reports_answer_or_raise_ours(psp_name, data):
    path, delimiter = SETTLEMENTS[psp_name]
    raw = _csv_cells_replaced(data.draw, path.read_bytes(), delimiter)
    answered(lambda: PSPS[psp_name].parse_settlement(raw))


@given(raw=mutated_bytes([json.loads((PAYOUT_FIXTURES / "stripe-balance-transactions-po_1TestPayoutSE.json")
                                     .read_bytes())]))
def test_stripe_balance_transactions_answer_or_raise_ours(raw):
    answered(lambda: PSPS["stripe"].parse_settlement(raw))


@pytest.mark.parametrize("psp_name", ["adyen", "stripe", "klarna"])
@given(data=st.data())
def test_psp_notifications_answer_or_raise_ours(psp_name, data):
    raw = data.draw(mutated_bytes([ADYEN_NOTIFICATION, STRIPE_EVENT]))
    given_headers = data.draw(headers)
    module = PSPS[psp_name]
    secret = ADYEN_KEY if psp_name == "adyen" else "whsec_test"
    assert answered(lambda: module.verify_notification(raw, given_headers, secret)) in (True, False)
    described = answered(lambda: module.describe_notification(raw, given_headers))
    assert isinstance(described, list | BridgeError)


def test_adyen_seed_is_accepted_when_signed():
    """The property above would prove little if the seed itself never got past verification."""
    from core.payments import adyen

    item = json.loads(json.dumps(ADYEN_NOTIFICATION))["notificationItems"][0]["NotificationRequestItem"]
    item["additionalData"]["hmacSignature"] = adyen.item_signature(item, ADYEN_KEY)
    raw = json.dumps({"notificationItems": [{"NotificationRequestItem": item}]}).encode()
    assert adyen.verify_notification(raw, {}, ADYEN_KEY)
    assert adyen.describe_notification(raw, {})[0].payout_id == "380"
    expected = base64.b64encode(hmac.new(bytes.fromhex(ADYEN_KEY), adyen.signing_string(item).encode(),
                                         hashlib.sha256).digest()).decode()
    assert item["additionalData"]["hmacSignature"] == expected


# ---------------------------------------------------------------------------------------------------- preview

@pytest.mark.parametrize("platform_name", ["shopify", "woocommerce"])
@given(data=st.data())
def test_preview_answers_or_raises_ours(platform_name, data):
    config = _preview_config()
    shop = next(s for s in config.shops if s.platform == platform_name)
    doc = data.draw(mutated(seeds(f"{platform_name}-order")))
    answered(lambda: preview_payload(doc, "fuzz.json", config, shop))


_CONFIG = []


def _preview_config():
    if not _CONFIG:
        _CONFIG.append(load_config(PREVIEW_CONFIG))
    return _CONFIG[0]
