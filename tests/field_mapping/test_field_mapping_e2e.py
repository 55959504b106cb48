"""Field mapping rules end to end: signed Shopify webhook → local Functions host → queue → import worker → BC
emulator. The rules' values are read back from the emulator's documents, and the fee booked by a charge rule
makes the order's BC total equal the shop's total."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from decimal import Decimal

import pytest

from core.state import SyncStatus
from sandbox.samples import dumps, shopify_order
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(240)

RULES = '''
[[shops.field_rules]]
name = "cod-fee"
target = "charge"
source = "note_attributes[name=cod_fee].value"
convert = "decimal"
on_missing = "skip"
account = "3060"
description = "Cash on delivery fee"
tax_rate = 25
company = "se"  # company "de" has no 25 % tax code; check-config says so

[[shops.field_rules]]
name = "delivery-date"
target = "header.requestedDeliveryDate"
source = "note_attributes[name=delivery_date].value"
convert = "date"
on_missing = "skip"

[[shops.field_rules]]
name = "engraving"
target = "line.description2"
source = "properties[name=Engraving].value"
on_missing = "skip"
max_length = 50

'''


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as s:
        # the rules belong to shopify-demo: insert them before the next [[shops]] (woo-demo)
        text = s.config_path.read_text(encoding="utf-8")
        marker = '[[shops]]\nkey = "woo-demo"'
        assert marker in text
        s.config_path.write_text(text.replace(marker, RULES + marker, 1), encoding="utf-8")
        s.reload_config_from_file()
        assert [r.name for r in s.config.shop("shopify-demo").field_rules] == ["cod-fee", "delivery-date", "engraving"]
        yield s


def send(stack, payload: dict):
    body = dumps(payload)
    digest = hmac.new(stack.secret("shopify-demo").encode(), body, hashlib.sha256).digest()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/paid",
               "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
               "X-Shopify-Shop-Domain": "bridge-demo.myshopify.com", "X-Shopify-API-Version": "2026-04",
               "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": str(uuid.uuid4())}
    assert stack.post_webhook("shopify-demo", body, headers).status_code == 200
    stack.wait_until_settled()


def test_rules_write_header_line_and_fee_and_the_order_totals_to_the_cent(stack):
    payload = json.loads(dumps(shopify_order(7801, [("1000", 1, "199.00"), ("2000", 1, "89.00")])))
    payload["note_attributes"] = [{"name": "cod_fee", "value": "29.00"}, {"name": "delivery_date",
                                                                          "value": "2026-12-24"}]
    payload["line_items"][0]["properties"] = [{"name": "Engraving", "value": "For Anna"}]
    payload["total_price"] = f"{Decimal(payload['total_price']) + Decimal('29.00'):.2f}"
    send(stack, payload)
    record = stack.synclog.get("orders", "shopify-demo", "7801")
    assert record.status is SyncStatus.SUCCESS, (record.code, record.message)
    company = stack.company_id("se")
    [order] = [o for o in stack.bc.records(company, "salesOrders") if o["externalDocumentNumber"] == "SH-2801"]
    assert order["requestedDeliveryDate"] == "2026-12-24"
    assert f"{Decimal(str(order['totalAmountIncludingTax'])):.2f}" == payload["total_price"]  # 199 + 89 + 49 + 29
    lines = stack.bc.records(company, "salesOrderLines", documentId=order["id"])
    by_number = {line["lineObjectNumber"]: line for line in lines}
    assert by_number["1000"]["description2"] == "For Anna" and not by_number["2000"].get("description2")
    fee = by_number["3060"]
    assert fee["lineType"] == "Account" and fee["description"] == "Cash on delivery fee"
    assert Decimal(str(fee["unitPrice"])) == Decimal("29.00") and fee["taxCode"] == "VAT25"


def test_a_rule_value_that_does_not_convert_needs_attention_naming_the_rule(stack):
    payload = json.loads(dumps(shopify_order(7802, [("1000", 1, "199.00")])))
    payload["note_attributes"] = [{"name": "delivery_date", "value": "next Tuesday"}]
    send(stack, payload)
    record = stack.synclog.get("orders", "shopify-demo", "7802")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "field_rule_conversion"
    assert '"delivery-date"' in record.message and "note_attributes[name=delivery_date].value" in record.message
    assert [o for o in stack.bc.records(stack.company_id("se"), "salesOrders")
            if o["externalDocumentNumber"] == "SH-2802"] == []
