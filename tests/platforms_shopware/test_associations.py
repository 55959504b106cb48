"""Shopware 6.6 answers null for associations a criteria does not name (contract §6, shopware#3717): the
emulator does the same, and the client names every association the parser and the shipment writer read."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from core.platforms.shopware import client as sw_client
from core.platforms.shopware.parse import parse_order

OLD_ASSOCIATIONS = {  # what the client asked for before 6.6 was taken into account
    "currency": {}, "lineItems": {},
    "deliveries": {"associations": {"shippingMethod": {}, "shippingOrderAddress": {"associations": {"country": {}}}}},
    "transactions": {"associations": {"paymentMethod": {}, "stateMachineState": {}}},
    "orderCustomer": {"associations": {"customer": {}}}, "billingAddress": {"associations": {"country": {}}},
    "stateMachineState": {},
}


def _order(sw) -> dict:
    return sw.add_order(sw.make_order(datetime(2026, 3, 1, 12, tzinfo=UTC)))


def test_the_emulator_answers_null_for_associations_not_asked_for(sw, client):
    order = _order(sw)
    bare = client.search("order", {"ids": [order["id"]]})["data"][0]
    assert bare["deliveries"] is None and bare["transactions"] is None and bare["currency"] is None
    shallow = client.search("order", {"ids": [order["id"]], "associations": {"deliveries": {}}})["data"][0]
    [delivery] = shallow["deliveries"]
    assert delivery["stateMachineState"] is None and delivery["shippingOrderAddress"] is None
    assert delivery["trackingCodes"] == []  # a field, not an association: always there


def test_the_old_association_list_loses_the_delivery_state_and_the_client_asks_for_it(sw, client, monkeypatch):
    order = _order(sw)
    monkeypatch.setattr(sw_client, "ASSOCIATIONS", OLD_ASSOCIATIONS)
    [old] = client.order(order["id"])["deliveries"]
    assert old["stateMachineState"] is None  # what 6.6 did to every connector that relied on it
    monkeypatch.undo()
    fetched = client.order(order["id"])
    [delivery] = fetched["deliveries"]
    assert delivery["stateMachineState"]["technicalName"] == "open"
    assert delivery["shippingOrderAddress"]["country"]["iso"] == "DE"
    assert fetched["transactions"][0]["stateMachineState"]["technicalName"] == "paid"
    parsed = parse_order(fetched, "shopware-de")
    assert parsed.paid and parsed.shipping_address.country == "DE" and parsed.shipping_address.city == "Berlin"


def test_every_association_the_client_names_is_one_shopware_has(sw):
    """The client's list stays inside the emulator's (and so the contract's) association tree: a misspelt
    name would be silently ignored by Shopware and answer null."""
    from sandbox.shopware_emulator.emulator import ORDER_ASSOCIATIONS

    def walk(asked: dict, known: dict, path: str = "") -> list[str]:
        wrong = []
        for name, inner in asked.items():
            if name not in known:
                wrong.append(path + name)
            else:
                wrong += walk((inner or {}).get("associations") or {}, known[name], f"{path}{name}.")
        return wrong

    assert walk(sw_client.ASSOCIATIONS, ORDER_ASSOCIATIONS) == []


def test_json_api_is_the_answer_without_accept_json(sw):
    _order(sw)
    token = httpx.post(f"{sw.base_url}/api/oauth/token", json={
        "grant_type": "client_credentials", "client_id": sw.client_id, "client_secret": sw.client_secret}).json()
    answer = httpx.post(f"{sw.base_url}/api/search/order", json={},
                        headers={"Authorization": f"Bearer {token['access_token']}"})
    assert answer.headers["content-type"] == "application/vnd.api+json"
    assert answer.json()["data"][0]["type"] == "order"


def test_the_shipment_writer_needs_the_delivery_state_and_says_so_when_shopware_leaves_it_out(sw, client,
                                                                                               monkeypatch):
    from core.errors import NeedsAttention
    from core.platforms.shopware.flows import ShipmentWriter
    from core.sync.shipment_mapping import Tracking

    order = _order(sw)
    monkeypatch.setattr(sw_client, "ASSOCIATIONS", OLD_ASSOCIATIONS)
    try:
        ShipmentWriter(client).push(None, order["id"], {"number": "1"}, Tracking("DHL", "J1", ""), lambda: True)
    except NeedsAttention as exc:
        assert exc.code == "shop_api_error" and "6.6" in exc.resolution
    else:
        raise AssertionError("pushed without knowing the delivery's state")
    assert sw.delivery(order["deliveries"][0]["id"])["trackingCodes"] == []  # nothing written blind
