"""The Shopware emulator held to its sources, rule by rule (RULES in sandbox/shopware_emulator/emulator.py):
the documented bodies of ../shared/contracts/platforms-wave2.md §6 are taken and refused when broken, the
answers have the shape and fields of the corpus orders and of Shopware's entity definitions, and the delivery
state machine is the one Shopware's migrations install. (The 6.6 null associations: test_associations.py.)"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from core.platforms.shopware.parse import parse_order
from sandbox.shopware_emulator.emulator import DEFAULT_CURRENCY_ID, DELIVERY_TRANSITIONS, RULES

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"

# shopware/shopware Migration1536233560BasicData (createOrderDeliveryStateMachine) plus the two reopen
# migrations (1573049297: cancelled → open; 1600349343: reopen from every state a transition leads to)
MIGRATIONS = {
    ("open", "ship"): "shipped", ("open", "ship_partially"): "shipped_partially", ("open", "cancel"): "cancelled",
    ("shipped", "retour"): "returned", ("shipped", "retour_partially"): "returned_partially",
    ("shipped", "cancel"): "cancelled", ("shipped_partially", "retour"): "returned",
    ("shipped_partially", "retour_partially"): "returned_partially", ("shipped_partially", "ship"): "shipped",
    ("shipped_partially", "cancel"): "cancelled", ("cancelled", "reopen"): "open", ("shipped", "reopen"): "open",
    ("shipped_partially", "reopen"): "open", ("returned", "reopen"): "open",
    ("returned_partially", "reopen"): "open",
}
NAMES = ("ship", "ship_partially", "cancel", "retour", "retour_partially", "reopen")  # §6 [V: S1]
STATES = ("open", "shipped", "shipped_partially", "returned", "returned_partially", "cancelled")


@pytest.fixture
def api(sw):
    token = httpx.post(f"{sw.base_url}/api/oauth/token", json={
        "grant_type": "client_credentials", "client_id": sw.client_id, "client_secret": sw.client_secret}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
    with httpx.Client(base_url=sw.base_url, headers=headers) as http:
        yield http


def _order(sw) -> dict:
    return sw.add_order(sw.make_order(datetime(2026, 3, 1, 12, tzinfo=UTC)))


def test_every_rule_names_its_source_or_says_it_is_assumed():
    assert len(RULES) >= 10
    for rule, source in RULES:
        assert rule and re.search(r"§6|platforms\.md|shopware/shopware|corpus|assumed", source), rule


def test_the_delivery_state_machine_is_the_one_shopwares_migrations_install():
    table = {(state, name): to for state, moves in DELIVERY_TRANSITIONS.items() for name, to in moves.items()}
    assert table == MIGRATIONS
    assert {name for _, name in table} == set(NAMES)


@pytest.mark.parametrize("state", STATES)
def test_each_state_takes_its_transitions_and_refuses_the_others_over_http(sw, api, state):
    for name in NAMES:
        delivery = _order(sw)["deliveries"][0]
        delivery["stateMachineState"] = {"technicalName": state}
        answer = api.post(f"/api/_action/order_delivery/{delivery['id']}/state/{name}", json={})
        if (state, name) in MIGRATIONS:
            assert answer.status_code == 200 and answer.json()["technicalName"] == MIGRATIONS[(state, name)]
        else:
            assert answer.status_code == 400, (state, name)
            assert answer.json()["errors"][0]["code"] == "SYSTEM__ILLEGAL_STATE_TRANSITION"
            assert delivery["stateMachineState"]["technicalName"] == state


def test_a_partly_returned_delivery_only_reopens(sw, api):
    # the emulator as it was let retour and cancel leave returned_partially; Shopware has neither
    delivery = _order(sw)["deliveries"][0]
    delivery["stateMachineState"] = {"technicalName": "returned_partially"}
    for name in ("retour", "cancel"):
        assert api.post(f"/api/_action/order_delivery/{delivery['id']}/state/{name}", json={}).status_code == 400
    assert api.post(f"/api/_action/order_delivery/{delivery['id']}/state/reopen", json={}).status_code == 200


def test_tracking_codes_are_a_list_of_strings_as_order_delivery_defines_them(sw, api):
    delivery = _order(sw)["deliveries"][0]
    path = f"/api/order-delivery/{delivery['id']}"
    assert api.patch(path, json={"trackingCodes": ["1Z999", ""]}).status_code == 204  # strings, any
    assert delivery["trackingCodes"] == ["1Z999", ""]
    for bad in ("1Z999", [1], [None]):
        assert api.patch(path, json={"trackingCodes": bad}).status_code == 400, bad
    assert api.patch("/api/order-delivery/" + "0" * 32, json={"trackingCodes": []}).status_code == 404


def test_the_documented_sync_body_is_taken_and_refused_with_stock_not_an_integer(sw, api):
    product = sw.add_product("SW10001", stock=1)
    row = {"id": product["id"], "stock": 42,
           "price": [{"currencyId": DEFAULT_CURRENCY_ID, "gross": 119.0, "net": 100.0, "linked": True}]}
    body = {"bc-stock": {"entity": "product", "action": "upsert", "payload": [row]}}  # §6 [V: S2]
    taken = api.post("/api/_action/sync", json=body)
    assert taken.status_code == 200 and sw.product("SW10001")["stock"] == 42
    # the answer as bulk-payloads.md shows it: written ids per entity
    assert taken.json() == {"extensions": [], "data": {"product": [product["id"]]}, "notFound": [], "deleted": []}
    refused = api.post("/api/_action/sync", json={"bc-stock": {**body["bc-stock"], "payload": [
        {**row, "stock": "7"}]}})
    assert refused.status_code == 400 and sw.product("SW10001")["stock"] == 42
    assert [e["source"]["pointer"] for e in refused.json()["errors"]] == ["/bc-stock/0/stock"]


def test_a_product_created_through_the_sync_needs_what_product_definition_requires(sw, api):
    row = {"id": "a" * 32, "productNumber": "NEW-1", "name": "New", "taxId": "tax19", "stock": 0,
           "price": [{"currencyId": DEFAULT_CURRENCY_ID, "gross": 11.9, "net": 10.0, "linked": True}]}
    for field in ("productNumber", "stock"):  # Required in ProductDefinition
        short = {k: v for k, v in row.items() if k != field}
        answer = api.post("/api/_action/sync", json={"k": {"entity": "product", "action": "upsert",
                                                          "payload": [short]}})
        assert answer.status_code == 400 and answer.json()["errors"][0]["source"]["pointer"] == f"/k/0/{field}"
    assert api.post("/api/_action/sync", json={"k": {"entity": "product", "action": "upsert",
                                                     "payload": [row]}}).status_code == 200


def test_the_search_answer_and_its_order_have_the_corpus_shape_and_parse_alike(sw, api):
    order = _order(sw)
    from core.platforms.shopware.client import ASSOCIATIONS

    answer = api.post("/api/search/order", json={"ids": [order["id"]], "associations": ASSOCIATIONS}).json()
    corpus = json.loads((CORPUS / "shopware-order_search-1.json").read_text())
    assert set(answer) == set(corpus) == {"total", "data", "aggregations"}
    ours, theirs = answer["data"][0], corpus["data"][0]
    single = json.loads((CORPUS / "shopware-order-1.json").read_text())
    # what the emulator adds beyond the corpus orders is OrderDefinition's (fields and associations)
    assert set(ours) - set(theirs) - set(single) <= {"deliveries", "orderCustomer", "transactions",
                                                      "positionPrice", "taxStatus"}
    line, corpus_lines = ours["lineItems"][0], theirs["lineItems"][0].keys() | single["lineItems"][0].keys()
    assert set(line) - corpus_lines <= {"payload", "productId", "type"}  # OrderLineItemDefinition fields
    assert ours["stateMachineState"]["technicalName"] and theirs["stateMachineState"]["technicalName"]
    mine, published = parse_order(answer, "sw-emu"), parse_order(corpus, "sw-corpus")
    assert mine.lines and published.lines and mine.currency == published.currency == "EUR"


def test_total_counts_the_page_unless_an_exact_count_is_asked_for(sw, api):
    for _ in range(3):
        _order(sw)
    page = {"limit": 2, "page": 1}
    assert api.post("/api/search/order", json=page).json()["total"] == 2  # NO_TOTAL_COUNT, the default
    assert api.post("/api/search/order", json={**page, "total-count-mode": 0}).json()["total"] == 2
    assert api.post("/api/search/order", json={**page, "total-count-mode": 1}).json()["total"] == 3
