"""Shopware customers → the customers flow: the Admin API customer entity (fixtures from the emulator's
`make_customer`, built from Shopware's entity as the Admin API serialises it — the contract does not verify
it), `customer.written` read through the Admin API, and a hostile property over the new parsers."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import BridgeError, NeedsAttention, Skip
from core.models import CustomerKind
from core.platforms.shopware import parse, webhooks
from sandbox.shopware_emulator import ShopwareEmulator
from tests.platforms_shopware.conftest import SETTINGS, shopware_shop

emulator = ShopwareEmulator()


def written(customer_id: str, operation: str = "update") -> dict:
    """A `customer.written` app webhook: ids only (platforms.md §4: *.written payloads)."""
    return {"data": {"event": "customer.written", "payload": [
        {"entity": "customer", "operation": operation, "primaryKey": customer_id, "updatedFields": ["email"]}]},
        "source": {"url": "https://shop.example", "shopId": "s1", "eventId": "e1"}, "timestamp": 1764700000}


def test_a_private_customer_and_its_one_address():
    node = emulator.make_customer()
    customer = parse.parse_customer(node, "shopware-de")
    assert (customer.external_id, customer.kind, customer.email, customer.first_name, customer.last_name) == (
        node["id"], CustomerKind.PERSON, "erika@example.com", "Erika", "Muster")
    assert customer.phone == "+49 30 1234567" and customer.company_external_id == ""
    [address] = parse.parse_customer_addresses(node)  # billing = shipping: once
    assert (address.line1, address.postal_code, address.city, address.country) == ("Hauptstraße 5", "10115",
                                                                                   "Berlin", "DE")


def test_a_business_customer_is_a_company_with_its_number_and_vat_id_and_two_addresses():
    node = emulator.make_customer(business=True, shipping_differs=True)
    customer = parse.parse_customer({"data": node}, "shopware-de")  # GET /api/customer/{id}
    assert customer.kind is CustomerKind.COMPANY and customer.company_name == "Muster GmbH"
    assert customer.company_external_id == node["customerNumber"] and customer.vat_number == "DE123456789"
    assert [a.city for a in parse.parse_customer_addresses(node)] == ["Berlin", "Hamburg"]  # billing first


def test_a_company_name_alone_is_not_b2b_and_default_addresses_by_id_come_from_addresses():
    node = emulator.make_customer(shipping_differs=True)
    node["company"] = "Sole trader"
    node["defaultBillingAddress"] = node["defaultShippingAddress"] = None  # associations not loaded
    assert parse.parse_customer(node, "s").kind is CustomerKind.PERSON
    node["addresses"].reverse()
    assert [a.city for a in parse.parse_customer_addresses(node)] == ["Berlin", "Hamburg"]


def test_updated_at_falls_back_to_created_at_and_the_business_event_body_is_read():
    node = emulator.make_customer()
    assert parse.customer_updated_at(node) is not None
    node["updatedAt"] = "2026-03-02T10:00:00.000+00:00"
    event = {"data": {"event": "checkout.customer.register", "payload": {"customer": node}}}
    assert parse.customer_updated_at(event).isoformat() == "2026-03-02T10:00:00+00:00"
    assert parse.parse_customer(event, "s").external_id == node["id"]
    delivery = webhooks.describe(json.dumps({**event, "source": {"eventId": "x"}}).encode(), {})
    assert (delivery.flow, delivery.resource_id) == ("customers", node["id"])


def test_customer_written_feeds_the_customers_flow_and_is_read_through_the_admin_api(sw):
    node = sw.add_customer(sw.make_customer(business=True))
    body = written(node["id"])
    delivery = webhooks.describe(json.dumps(body).encode(), {})
    assert (delivery.flow, delivery.resource_id) == ("customers", node["id"])
    with pytest.raises(NeedsAttention) as bare:
        parse.parse_customer(body, "s")  # ids only: never parsed as a customer
    assert bare.value.code == "malformed_payload"
    shop = shopware_shop(sw.base_url)
    from core.platforms.shopware.client import client_for

    loaded = parse.load_customer(body, shop, client_factory=lambda s: client_for(s, SETTINGS))
    customer = parse.parse_customer(loaded, "s")
    assert customer.kind is CustomerKind.COMPANY and parse.parse_customer_addresses(loaded)[0].city == "Berlin"
    [search] = [r for r in sw.requests if r["path"] == "/api/search/customer"]
    assert set(search["body"]["associations"]) == {"defaultBillingAddress", "defaultShippingAddress", "addresses"}


def test_a_deleted_customer_is_skipped_and_a_missing_one_needs_attention(sw):
    from core.platforms.shopware.client import client_for

    shop = shopware_shop(sw.base_url)
    factory = lambda s: client_for(s, SETTINGS)  # noqa: E731
    with pytest.raises(Skip):
        parse.load_customer(written("a" * 32, "delete"), shop, client_factory=factory)
    with pytest.raises(NeedsAttention) as missing:
        parse.load_customer(written("a" * 32), shop, client_factory=factory)
    assert missing.value.code == "customer_not_found"


SEED = emulator.make_customer(business=True, shipping_differs=True)
leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.lists(st.text(max_size=4)))


@st.composite
def mutated_customers(draw):
    node = copy.deepcopy(SEED)
    for _ in range(draw(st.integers(1, 6))):
        target = node
        path = draw(st.sampled_from([["id"], ["email"], ["accountType"], ["vatIds"], ["addresses"],
                                     ["defaultBillingAddress"], ["defaultBillingAddress", "country"],
                                     ["defaultShippingAddress", "zipcode"], ["updatedAt"], ["createdAt"],
                                     ["firstName"], ["defaultBillingAddressId"]]))
        for key in path[:-1]:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[path[-1]] = draw(leaves)
    return draw(st.sampled_from([node, {"data": node}, {"data": {"payload": {"customer": node}}}, [node]]))


@given(mutated_customers())
def test_customer_parsers_answer_or_raise_ours(doc):
    for call in (lambda: parse.parse_customer(doc, "s"), lambda: parse.parse_customer_addresses(doc),
                 lambda: parse.customer_updated_at(doc), lambda: parse.written_customers(doc)):
        try:
            call()
        except BridgeError:
            pass
