"""Every GraphQL document the Shopify client sends is valid against Shopify's real Admin API 2026-04 schema.

A recording transport sits under the client while it runs every one of its calls against the emulator; each
recorded document and its variables are then validated with graphql-core against Shopify's own introspection
file (independently of the emulator, which checks them too). Every document constant in client.py must be
among the recorded ones, so a new query without a call here fails this test. And a misspelt field in any of
them makes the calls fail: the emulator refuses it as Shopify would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from graphql import FieldNode, OperationDefinitionNode, Visitor, parse, validate, visit
from graphql.execution.values import get_variable_values

from core.errors import NeedsAttention
from core.platforms.shopify import client as shopify_client
from core.platforms.shopify.client import ShopifyClient, StockChange
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.shopify_emulator.schema import admin_schema

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DOCUMENTS = {name: value for name, value in vars(shopify_client).items()
             if isinstance(value, str) and value.lstrip().startswith(("query ", "mutation "))}


class RecordingTransport(httpx.BaseTransport):
    """Sends for real and keeps the JSON body of every GraphQL request (what the client put on the wire)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.sent: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/graphql.json"):
            self.sent.append(json.loads(request.read()))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def every_client_call(emu: ShopifyEmulator, shop: ShopifyClient) -> None:
    """Each public call of the client once, each expected to succeed."""
    emu.add_variant("A", {emu.main_location: 5})
    emu.add_product("Tee", [("T-S", "S", "10.00"), ("T-M", "M", "10.00")])
    order = emu.add_order(emu.make_order([("A", 1, "10.00")], updated_at=T0))

    assert [o["id"] for o in shop.orders_updated_between(T0 - timedelta(hours=1), T0 + timedelta(hours=1))] == \
        [order["id"]]
    customer = emu.add_customer({"email": "c@example.com", "updated_at": T0.isoformat()})
    assert [c["id"] for c in shop.customers_updated_between(T0, T0 + timedelta(hours=1))] == [customer["id"]]
    fulfillment = shop.order_fulfillment(order["id"])
    fulfillment_order = fulfillment["fulfillmentOrders"]["nodes"][0]["id"]
    created = shop.create_fulfillment([{"fulfillmentOrderId": fulfillment_order}], notify_customer=True,
                                      tracking={"company": "PostNord", "number": "X1", "url": "https://t.example/X1"})
    assert created["userErrors"] == [] and created["fulfillment"]["trackingInfo"][0]["number"] == "X1"

    assert shop.inventory_targets(["A"])["A"].available == {emu.main_location: 5}
    assert shop.inventory_catalog()["A"].available == {emu.main_location: 5}  # one bulk operation
    finished = shop.current_bulk_operation()
    assert finished["status"] == "COMPLETED"
    assert shop.cancel_bulk_operation(finished["id"])[0]["message"].endswith("completed")
    assert shop.current_bulk_operation("MUTATION") is None
    stock = shop.set_stock([StockChange("A", emu.main_location, 7, previous=5)], run_id="documents")
    assert stock.failed == [] and emu.inventory("A", emu.main_location) == 7

    targets = shop.product_targets(["T-S", "T-M"])
    product = targets["T-S"].product_id
    assert shop.update_product(product, {"title": "Tee 2", "status": "DRAFT", "productType": "Shirts"}) == []
    assert shop.update_variant_prices(product, {targets["T-S"].variant_id: "12.00"}) == []
    assert shop.bulk_update_variant_prices({product: {targets["T-M"].variant_id: "11.00"}}) == {}  # bulk mutation
    new, errors = shop.create_product({
        "title": "Hoodie", "status": "ACTIVE", "productType": "Apparel",
        "productOptions": [{"name": "Size", "values": [{"name": "M"}]}],
        "variants": [{"optionValues": [{"optionName": "Size", "name": "M"}], "price": "59.90",
                      "inventoryItem": {"sku": "H-M"}}]})
    assert errors == [] and new["variants"]["nodes"][0]["sku"] == "H-M"
    assert shop.set_metafields([{"ownerId": new["variants"]["nodes"][0]["id"], "namespace": "custom", "key": "gtin",
                                 "type": "single_line_text_field", "value": "7310000000017"}]) == ([], 1)

    templates = shop.payment_terms_templates()
    net_30 = next(t["id"] for t in templates if t["dueInDays"] == 30)
    address = {"address1": "Kings Road 1", "city": "London", "zip": "SW3 4RP", "countryCode": "UK",
               "recipient": "Adatum Ltd", "phone": "+44 20 7946 0958"}
    company, errors = shop.create_company({
        "company": {"name": "Adatum Ltd", "externalId": "10000"},
        "companyLocation": {"name": "Adatum Ltd", "phone": "+44 20 7946 0958", "billingAddress": address,
                            "shippingAddress": address,
                            "buyerExperienceConfiguration": {"paymentTermsTemplateId": net_30,
                                                             "checkoutToDraft": False}}})
    assert errors == [] and company["locations"]["nodes"][0]["buyerExperienceConfiguration"][
        "paymentTermsTemplate"]["id"] == net_30
    assert shop.company(company["id"])["name"] == "Adatum Ltd"
    assert shop.company_by_external_id("10000")["id"] == company["id"]
    assert shop.update_company(company["id"], {"name": "Adatum Group Ltd"}) == []
    location = company["locations"]["nodes"][0]["id"]
    assert shop.update_company_location(location, {"phone": "+44 20 7946 0000",
                                                   "buyerExperienceConfiguration": {"checkoutToDraft": True}}) == []
    assert shop.assign_company_address(location, {**address, "address1": "Kings Road 2"}) == []


def run_every_call() -> RecordingTransport:
    recorder = RecordingTransport()
    emu = ShopifyEmulator().start()
    try:
        with ShopifyClient(emu.base_url, emu.access_token, transport=recorder, sleep=lambda s: None) as shop:
            every_client_call(emu, shop)
    finally:
        emu.stop()
    return recorder


def sent_documents(sent: list[dict]) -> list[dict]:
    """The bodies sent, plus each bulk query (the `query` variable of bulkOperationRunQuery) as a document, and
    each bulk mutation's document with the variables of one line as the client writes them."""
    line = {"productId": "gid://shopify/Product/1", "variants": [{"id": "gid://shopify/ProductVariant/2",
                                                                  "price": "1.00"}]}
    return [*sent, *({"query": b["variables"]["query"]} for b in sent if "bulkOperationRunQuery" in b["query"]),
            *({"query": b["variables"]["mutation"], "variables": line} for b in sent
              if "bulkOperationRunMutation" in b["query"])]


def test_every_document_and_its_variables_the_client_sends_is_valid_against_the_schema():
    sent = sent_documents(run_every_call().sent)
    schema = admin_schema()
    problems = []
    for body in sent:
        document = parse(body["query"])
        problems += [f"{e.message} in {body['query'][:60]!r}" for e in validate(schema, document)]
        [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        values = get_variable_values(schema, operation.variable_definitions or (), body.get("variables") or {})
        if isinstance(values, list):
            problems += [f"{e.message} in {body['query'][:60]!r}" for e in values]
    assert problems == []
    assert len(DOCUMENTS) == 26  # a new document: add its call to every_client_call
    assert set(DOCUMENTS.values()) <= {body["query"] for body in sent}, \
        f"not exercised: {sorted(n for n, d in DOCUMENTS.items() if d not in {b['query'] for b in sent})}"


def misspelt(document: str) -> str:
    """The document with its last selected leaf field misspelt ("id" → "iD")."""
    leaves: list[FieldNode] = []

    class Leaves(Visitor):
        def enter_field(self, node, *_):
            if node.selection_set is None:
                leaves.append(node)

    visit(parse(document), Leaves())
    name = leaves[-1].name
    return document[:name.loc.start] + name.value[:-1] + name.value[-1].swapcase() + document[name.loc.end:]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_misspelt_field_in_any_client_document_fails(name, monkeypatch):
    monkeypatch.setattr(shopify_client, name, misspelt(DOCUMENTS[name]))
    with pytest.raises(NeedsAttention, match="doesn't exist on type"):  # the bulk query's own: a userError
        run_every_call()
