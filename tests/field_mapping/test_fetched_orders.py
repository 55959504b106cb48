"""Field rules on platforms whose orders are fetched by id (Centra, Shopware, Geins, Norce, Brink): the payload a
rule reads is the order the bridge fetched, not the id-only webhook that named it. Shopware is read over real
HTTP from its emulator (`order.written` names ids only); Centra through its load_order with the client it is
given; and end to end, a Shopware order from the reconcile run becomes a BC order carrying the rules' values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.config import FieldRule, Shop
from core.platforms import centra, shopware
from core.state import Envelope, SyncStatus, names
from core.sync import field_mapping, orders
from core.sync.context import get_context
from core.sync.runner import run_item
from sandbox.centra_emulator import CentraEmulator
from sandbox.shopware_emulator import ShopwareEmulator
from sandbox.stack import LocalStack
from tests.field_mapping.test_field_mapping import CONFIG

pytestmark = pytest.mark.timeout(180)

SETTINGS = {"SHOPWARE_CREDENTIALS": "SWIATESTCLIENT:test-secret"}
RULES = [
    FieldRule(name="comment", target="comment", source="customerComment", template="Customer: {value}"),
    FieldRule(name="delivery-date", target="header.requestedDeliveryDate", source="customFields.delivery_date",
              convert="date"),
    FieldRule(name="engraving", target="line.description2", source="payload.engraving", on_missing="skip"),
]


@pytest.fixture
def emu():
    server = ShopwareEmulator(client_id="SWIATESTCLIENT", client_secret="test-secret").start()
    yield server
    server.stop()


def written(order_id: str) -> bytes:
    return json.dumps({"data": {"event": "order.written", "payload": [
        {"entity": "order", "operation": "insert", "primaryKey": order_id, "updatedFields": ["stateId"]}]},
        "source": {"url": "https://shop", "shopId": "s1", "eventId": "ev-1"}, "timestamp": 1700000000}).encode()


def test_rules_read_the_shopware_order_fetched_for_an_id_only_webhook(emu):
    shop = Shop(key="shopware-de", platform="shopware", url=emu.base_url, webhook_secret_setting="SW_SECRET",
                api_token_setting="SHOPWARE_CREDENTIALS", flows=["orders"], field_rules=RULES)
    node = emu.make_order(datetime(2026, 3, 1, 12, tzinfo=UTC), sku="2000", unit_price="11.90")
    node["customerComment"] = "Please ring twice"
    node["customFields"] = {"delivery_date": "2026-12-24T10:00:00+01:00"}
    node["lineItems"][0]["payload"]["engraving"] = "For Anna"
    emu.add_order(node)

    order = shopware.parse.load_order(written(node["id"]), shop,
                                      client_factory=lambda s: shopware.client.client_for(s, SETTINGS))
    results = field_mapping.map_fields(order, shop, CONFIG.company("us"))
    assert results.problems == []
    assert results.comments == [{"lineType": "Comment", "description": "Customer: Please ring twice"}]
    assert results.header == {"requestedDeliveryDate": "2026-12-24"}
    assert results.lines == {0: {"description2": "For Anna"}}


class _CentraApi:
    """The Integration API's answer for one order (the client load_order is given)."""

    def __init__(self, node: dict):
        self.node = node

    def order(self, number: str) -> dict | None:
        return self.node if number == str(self.node["number"]) else None


def test_rules_read_the_centra_order_fetched_for_a_webhook_that_names_it():
    node = CentraEmulator().make_order([("JACKET-M", 1, "675.00")])
    # a field the bridge's Integration API read selects (client.ORDER_FIELDS) and the import does not use
    node.setdefault("billingAddress", {})["vatNumber"] = "SE556677889901"
    rule = FieldRule(name="vat-number", target="comment", source="billingAddress.vatNumber",
                     template="VAT no. {value}")
    shop = Shop(key="centra-se", platform="centra", url="https://centra.example.com", webhook_secret_setting="S",
                flows=["orders"], field_rules=[rule])
    body = json.dumps({"events": [{"type": "order", "id": node["number"]}]}).encode()
    order = centra.parse.load_order(body, shop, client_factory=lambda s: _CentraApi(node))
    results = field_mapping.map_fields(order, shop, CONFIG.company("us"))
    assert results.problems == []
    assert results.comments == [{"lineType": "Comment", "description": "VAT no. SE556677889901"}]
    assert "vatNumber" in centra.client.ORDER_FIELDS


# ---- end to end: Shopware reconcile → orders worker → BC ----

SHOP = "shopware-demo"
E2E_RULES = '''
[[shops.field_rules]]
name = "comment"
target = "comment"
source = "customerComment"
template = "Customer: {value}"

[[shops.field_rules]]
name = "delivery-date"
target = "header.requestedDeliveryDate"
source = "customFields.delivery_date"
convert = "date"
'''


@pytest.fixture(scope="module")
def stack():
    sw = ShopwareEmulator(client_id="SWIADEMOCLIENT", client_secret="demo-secret").start()  # noqa: S106
    config = f'''
[[shops]]
key = "{SHOP}"
platform = "shopware"
url = "{sw.base_url}"
webhook_secret_setting = "SHOPWARE_DEMO_WEBHOOK_SECRET"
api_token_setting = "SHOPWARE_DEMO_CREDENTIALS"
flows = ["orders"]

[shops.orders]
import_on = "paid"
customer_strategy = "default_customer"
prefix = "SW-"
{E2E_RULES}
[[routing]]
shop = "{SHOP}"
company = "de"
'''
    try:
        with pytest.MonkeyPatch.context() as mp, LocalStack(
                host=False, config_extra=config,
                settings={"SHOPWARE_DEMO_CREDENTIALS": "SWIADEMOCLIENT:demo-secret"}) as s:
            for name, value in s.settings.items():
                mp.setenv(name, value)
            s.shopware = sw
            yield s
    finally:
        sw.stop()


def test_a_fetched_shopware_order_reaches_bc_with_the_rules_values(stack):
    created = datetime.now(UTC) - timedelta(minutes=5)
    node = stack.shopware.make_order(created, sku="2000", unit_price="11.90")
    node["customerComment"] = "Leave at the back door"
    node["customFields"] = {"delivery_date": "2026-12-24"}
    stack.shopware.add_order(node)
    assert orders.enqueue_changed_orders(get_context(), stack.config.shop(SHOP), created - timedelta(minutes=1),
                                         datetime.now(UTC)) >= 1
    queue = stack.storage.queue(names.ORDERS_IMPORT)
    statuses = []
    for message in list(queue.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=30)):
        statuses.append(run_item(get_context(), names.ORDERS_IMPORT, Envelope.loads(message.content),
                                 orders.import_order))
        queue.delete_message(message)
    assert SyncStatus.SUCCESS in statuses
    binding = get_context().bindings.get("order", SHOP, node["id"])
    assert binding is not None and binding.is_bound
    [bc_order] = stack.bc.records(stack.company_id("de"), "salesOrders", number=binding.bc_number)
    assert bc_order["requestedDeliveryDate"] == "2026-12-24"
    lines = stack.bc.records(stack.company_id("de"), "salesOrderLines", documentId=bc_order["id"])
    assert [ln["description"] for ln in lines if ln["lineType"] == "Comment"] == ["Customer: Leave at the back door"]
