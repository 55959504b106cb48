"""The Magento emulator against the contract (../shared/contracts/platforms-wave2.md §5) and the Magento code it
cites: it answers in the documented shapes and refuses what Magento refuses, over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from sandbox.magento_emulator import MagentoEmulator

TOKEN = "t0ken"  # noqa: S105


@pytest.fixture
def emu():
    e = MagentoEmulator(access_token=TOKEN).start()
    e.add_product("MB-01")
    e.add_product("MB-02")
    e.add_source("central")
    yield e
    e.stop()


def call(emu, method: str, path: str, body=None, token: str = TOKEN) -> httpx.Response:
    return httpx.request(method, f"{emu.base_url}/rest/V1/{path}", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_source_items_are_absolute_per_source_and_answered_with_an_empty_list(emu):
    rows = [{"sku": "MB-01", "source_code": "central", "quantity": 1000, "status": 1},
            {"sku": "MB-01", "source_code": "default", "quantity": 5, "status": 1}]
    assert call(emu, "POST", "inventory/source-items", {"sourceItems": rows}).json() == []
    assert call(emu, "POST", "inventory/source-items", {"sourceItems": rows[:1]}).json() == []
    assert (emu.quantity("MB-01", "central"), emu.quantity("MB-01", "default")) == (1000, 5)  # set, not added


def test_one_unknown_sku_refuses_the_whole_list_and_names_the_sku(emu):
    rows = [{"sku": "MB-01", "source_code": "central", "quantity": 7, "status": 1},
            {"sku": "NOPE", "source_code": "central", "quantity": 1, "status": 1}]
    answer = call(emu, "POST", "inventory/source-items", {"sourceItems": rows})
    assert answer.status_code == 400
    body = answer.json()
    assert body["message"] == 'Validation Failed: Product with requested "sku": "NOPE" was was not found.'
    assert body["errors"] == [{"message": 'Product with requested "%field": "%value" was was not found.',
                               "parameters": {"field": "sku", "value": "NOPE"}}]
    assert emu.quantity("MB-01", "central") is None  # all or nothing: the valid row was not saved either


@pytest.mark.parametrize("row, message", [
    ({"sku": "MB-01", "source_code": "central", "quantity": "many", "status": 1}, '"quantity" should be numeric.'),
    ({"sku": "MB-01", "source_code": "central", "quantity": 1, "status": 2}, '"status" should a known status.'),
    ({"sku": "MB-01", "source_code": "", "quantity": 1, "status": 1}, '"source_code" can not be empty.'),
    ({"sku": "MB-01", "source_code": "cen tral", "quantity": 1, "status": 1}, "can not contain whitespaces"),
])
def test_invalid_fields_are_refused_by_validation(emu, row, message):
    answer = call(emu, "POST", "inventory/source-items", {"sourceItems": [row]})
    assert answer.status_code == 400 and message in answer.json()["message"]


def test_an_unknown_source_fails_on_save_without_naming_an_item_and_an_empty_list_is_refused(emu):
    answer = call(emu, "POST", "inventory/source-items",
                  {"sourceItems": [{"sku": "MB-01", "source_code": "east", "quantity": 1, "status": 1}]})
    assert (answer.status_code, answer.json()) == (400, {"message": "Could not save Source Item"})
    empty = call(emu, "POST", "inventory/source-items", {"sourceItems": []})
    assert (empty.status_code, empty.json()["message"]) == (400, "Input data is empty")


def test_a_configurable_product_keeps_no_source_items(emu):
    emu.add_product("HOODIE", type_id="configurable")
    answer = call(emu, "POST", "inventory/source-items",
                  {"sourceItems": [{"sku": "HOODIE", "source_code": "default", "quantity": 1, "status": 1}]})
    assert answer.status_code == 400 and answer.json()["errors"][0]["parameters"]["sku"] == "HOODIE"


def test_auth_is_enforced_on_every_method(emu):
    for method, path in (("GET", "inventory/sources"), ("POST", "inventory/source-items"),
                         ("POST", "order/1/ship"), ("PUT", "products/MB-01")):
        assert call(emu, method, path, {}, token="wrong").status_code == 401
    assert emu.unauthorized == 4


def test_ship_returns_the_shipment_id_completes_the_order_and_refuses_what_cannot_ship(emu):
    from datetime import UTC, datetime

    order = emu.add_order(emu.make_order(7, datetime.now(UTC), qty=3))
    over = call(emu, "POST", "order/7/ship", {"items": [{"order_item_id": 70, "qty": 4}]})
    assert over.status_code == 400 and over.json()["message"].startswith("Shipment Document Validation Error(s)")
    stranger = call(emu, "POST", "order/7/ship", {"items": [{"order_item_id": 99, "qty": 1}]})
    assert stranger.status_code == 400
    first = call(emu, "POST", "order/7/ship", {"items": [{"order_item_id": 70, "qty": 1}], "notify": False,
                                                "tracks": [{"track_number": "1Y", "title": "UPS",
                                                            "carrier_code": "ups"}]})
    assert first.status_code == 200 and first.json() == 1
    assert order["state"] == "processing"  # partly shipped
    assert call(emu, "POST", "order/7/ship", {"items": [{"order_item_id": 70, "qty": 2}]}).json() == 2
    assert order["state"] == "complete"  # a full shipment sets the order to Complete (contract §5)
    done = call(emu, "POST", "order/7/ship", {"items": [{"order_item_id": 70, "qty": 1}]})
    # magento2 Sales ShipOrder: every validator's message under one DocumentValidationException (CanShip first)
    assert done.status_code == 400 and done.json() == {"message": (
        "Shipment Document Validation Error(s):\nThe order does not allow a shipment to be created.\n"
        'The quantity to ship must not be greater than the unshipped quantity for product SKU "MB-01".\n'
        "You can't create a shipment without products.")}
    assert call(emu, "POST", "order/404/ship", {}).status_code == 404
    listed = call(emu, "GET", "shipments?searchCriteria[filter_groups][0][filters][0][field]=order_id"
                              "&searchCriteria[filter_groups][0][filters][0][value]=7").json()
    assert listed["total_count"] == 2 and listed["items"][0]["tracks"][0]["track_number"] == "1Y"


def test_base_prices_save_the_valid_rows_and_answer_per_item_errors_for_the_others(emu):
    answer = call(emu, "POST", "products/base-prices", {"prices": [
        {"sku": "MB-01", "price": 12.5, "store_id": 0}, {"sku": "GONE", "price": 3, "store_id": 0},
        {"sku": "MB-02", "price": -1, "store_id": 0}]})
    assert answer.status_code == 200
    errors = answer.json()
    # magento2 Catalog BasePriceStorage: an unknown SKU and a negative price are both "Invalid attribute"
    assert errors == [
        {"message": "Invalid attribute %fieldName = %fieldValue.", "parameters": {"fieldName": "SKU",
                                                                                  "fieldValue": "GONE"}},
        {"message": "Invalid attribute %fieldName = %fieldValue.", "parameters": {"fieldName": "Price",
                                                                                  "fieldValue": -1}}]
    assert emu.products["MB-01"]["price"] == 12.5 and emu.products["MB-02"]["price"] == 10.0


def test_a_product_put_for_an_unknown_sku_is_404(emu):
    assert call(emu, "PUT", "products/NOPE", {"product": {"sku": "NOPE", "name": "x"}}).status_code == 404
    assert call(emu, "PUT", "products/MB-01", {"product": {"sku": "MB-01", "status": 3}}).status_code == 400
