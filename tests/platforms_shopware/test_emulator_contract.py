"""The Shopware emulator refuses what Shopware refuses (contract §6 and the facts its docstring names), so
the writers' tests cannot pass on requests the real shop would reject."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

DEFAULT = "b7d2554b0ce847cd82f3ac9bd1c0dfca"


@pytest.fixture
def api(sw):
    token = httpx.post(f"{sw.base_url}/api/oauth/token", json={
        "grant_type": "client_credentials", "client_id": sw.client_id, "client_secret": sw.client_secret}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
    with httpx.Client(base_url=sw.base_url, headers=headers) as http:
        yield http


def _sync(api, payload, key="k"):
    return api.post("/api/_action/sync", json={key: {"entity": "product", "action": "upsert", "payload": payload}})


def test_new_routes_need_a_token(sw):
    for method, path in (("POST", "/api/_action/sync"), ("PATCH", "/api/order-delivery/x"),
                         ("POST", "/api/_action/order_delivery/x/state/ship"), ("POST", "/api/search/product")):
        answer = httpx.request(method, f"{sw.base_url}{path}", json={})
        assert answer.status_code == 401 and answer.json()["errors"][0]["code"] == "FRAMEWORK__UNAUTHORIZED"


def test_the_sync_is_one_transaction_and_points_at_each_refused_row(sw, api):
    good, other = sw.add_product("A", stock=1), sw.add_product("B", stock=1)
    answer = _sync(api, [{"id": good["id"], "stock": 5}, {"id": other["id"], "stock": "5"},
                         {"id": "f" * 32, "stock": 1}])
    assert answer.status_code == 400
    pointers = sorted(e["source"]["pointer"] for e in answer.json()["errors"])
    assert "/k/1/stock" in pointers  # stock must be an integer
    assert {"/k/2/productNumber", "/k/2/name", "/k/2/taxId", "/k/2/price"} <= set(pointers)  # an unknown id creates
    assert sw.product("A")["stock"] == 1  # nothing written
    ok = _sync(api, [{"id": good["id"], "stock": 5}])
    assert ok.status_code == 200 and ok.json()["data"] == {"product": [good["id"]]} and sw.product("A")["stock"] == 5


def test_a_price_needs_gross_net_linked_and_the_default_currency(sw, api):
    product = sw.add_product("A")
    refused = _sync(api, [{"id": product["id"], "price": [{"currencyId": DEFAULT, "gross": 1.0, "linked": True}]}])
    assert [e["source"]["pointer"] for e in refused.json()["errors"]] == ["/k/0/price/0/net"]
    chf_only = _sync(api, [{"id": product["id"], "price": [
        {"currencyId": "chf0000000000000000000000000000", "gross": 1.0, "net": 0.9, "linked": True}]}])
    assert chf_only.json()["errors"][0]["code"] == "CONTENT__PRODUCT_PRICE_MISSING_DEFAULT_CURRENCY"
    duplicate = _sync(api, [{"productNumber": "A", "name": "x", "taxId": "tax19", "stock": 0,
                             "price": [{"currencyId": DEFAULT, "gross": 1.0, "net": 0.84, "linked": True}]}])
    assert duplicate.json()["errors"][0]["code"] == "CONTENT__DUPLICATE_PRODUCT_NUMBER"


def test_only_product_upserts_are_taken(api):
    answer = api.post("/api/_action/sync", json={"k": {"entity": "product", "action": "delete", "payload": []}})
    assert answer.status_code == 400


def test_delivery_tracking_codes_must_be_a_list_and_transitions_follow_the_state_machine(sw, api):
    order = sw.add_order(sw.make_order(datetime(2026, 3, 1, tzinfo=UTC)))
    delivery = order["deliveries"][0]["id"]
    assert api.patch(f"/api/order-delivery/{delivery}", json={"trackingCodes": "JJD1"}).status_code == 400
    assert api.patch(f"/api/order-delivery/{delivery}", json={"trackingCodes": ["JJD1"]}).status_code == 204
    assert api.patch("/api/order-delivery/nope", json={"trackingCodes": ["JJD1"]}).status_code == 404
    assert api.post(f"/api/_action/order_delivery/{delivery}/state/ship").json()["technicalName"] == "shipped"
    again = api.post(f"/api/_action/order_delivery/{delivery}/state/ship")
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "SYSTEM__ILLEGAL_STATE_TRANSITION"
    assert api.post(f"/api/_action/order_delivery/{delivery}/state/reopen").status_code == 200
    assert api.post(f"/api/_action/order_delivery/{delivery}/state/fly").status_code == 400
