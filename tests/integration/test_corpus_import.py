"""Every Shopify and WooCommerce order of ../shared/corpus, delivered as a signed webhook through the
sandbox stack into the BC emulator: each ends in the state its content calls for, and every imported
document carries the shop's total to the cent."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.state import SyncStatus
from sandbox.stack import LocalStack
from tests.conftest import corpus_file

pytestmark = pytest.mark.timeout(240)

# What the operator of this test shop configured: corpus tax rates, orders imported on creation, and
# the lines without SKU mapped by shop variant / product id to BC items.
CONFIG_EDITS = [
    ('tax_codes = { "25" = "VAT25", "12" = "VAT12", "6" = "VAT6", "0" = "VAT0" }',
     'tax_codes = { "25" = "VAT25", "12" = "VAT12", "6" = "VAT6", "0" = "VAT0", "18" = "VAT18", "20" = "VAT20" }'),
    ('import_on = "paid"', 'import_on = "created"'),
    ('[shops.locations]\n"gid://shopify/Location/1" = ["MAIN"]',
     '[shops.locations]\n"gid://shopify/Location/1" = ["MAIN"]\n\n[shops.items]\n'
     '"50398373085484" = "1000:M-BLK"\n"50451770802476" = "GIFTWRAP"\n"13917612359" = "2000"\n"13917612423" = "3000"'),
    ('[[shops.dimensions]]\ncode = "SALESCHANNEL"\nvalue = "WOO"',
     '[shops.items]\n"14" = "3000"\n\n[[shops.dimensions]]\ncode = "SALESCHANNEL"\nvalue = "WOO"'),
]

EXPECTED = {
    # file: (platform, shop, status, code or None)
    "shopify-order-1.json": ("shopify-demo", SyncStatus.SKIPPED, None),  # cancelled before import
    "shopify-order-2.json": ("shopify-demo", SyncStatus.NEEDS_ATTENTION, "inconsistent_payload"),
    "shopify-order-4.json": ("shopify-demo", SyncStatus.SUCCESS, None),
    "shopify-order-5.json": ("shopify-demo", SyncStatus.SUCCESS, None),
    "shopify-order-6.json": ("shopify-demo", SyncStatus.SUCCESS, None),
    "woocommerce-order-1.json": ("woo-demo", SyncStatus.SUCCESS, None),
    "woocommerce-order-3.json": ("woo-demo", SyncStatus.SUCCESS, None),
}


@pytest.fixture(scope="module")
def stack():
    with LocalStack() as s:
        text = s.config_path.read_text()
        for old, new in CONFIG_EDITS:
            assert old in text, old
            text = text.replace(old, new)
        s.config_path.write_text(text)
        s.reload_config_from_file()
        for company in ("se",):
            s.bc.bulk_insert(s.company_id(company), "taxGroups", [
                {"code": "VAT18", "displayName": "VAT 18%", "taxType": "VAT", "_rate": 18},
                {"code": "VAT20", "displayName": "VAT 20%", "taxType": "VAT", "_rate": 20},
            ])
        yield s


def test_every_corpus_order_reaches_the_state_its_content_calls_for(stack):
    for name in EXPECTED:
        payload = json.loads(corpus_file(name).read_text())
        if name.startswith("shopify"):
            sent = stack.send_shopify("orders/create", payload)
        else:
            sent = stack.send_woo("order.created", payload)
        assert sent.status == 200, (name, sent.status)
    stack.wait_until_settled(timeout=120)

    for name, (shop, status, code) in EXPECTED.items():
        payload = json.loads(corpus_file(name).read_text())
        order = payload.get("order", payload)
        external_id = str(order.get("admin_graphql_api_id", "")).rsplit("/", 1)[-1] or str(order["id"])
        record = stack.synclog.get("orders", shop, external_id)
        assert record is not None, name
        assert (record.status, record.code or None) == (status, code), (name, record.message)
        if status is SyncStatus.SUCCESS:
            number = record.bc_document.split()[-1]
            [document] = [o for o in stack.bc.records(stack.company_id("se"), "salesOrders") if o["number"] == number]
            shop_total = Decimal(str(order.get("total_price") or order.get("total")))
            assert Decimal(str(document["totalAmountIncludingTax"])).quantize(Decimal("0.01")) == shop_total, name
