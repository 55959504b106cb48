"""The Shopify emulator behaves like the shop where the bridge depends on it: auth, cost, CAS, replay, webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import httpx

from sandbox.shopify_emulator import ShopifyEmulator
from tests.shop_emulators.conftest import Receiver

GRAPHQL = "/admin/api/2026-04/graphql.json"
TOKEN = {"X-Shopify-Access-Token": "shpat_test"}
ORDERS = ("query($first: Int!, $query: String) { orders(first: $first, query: $query) { nodes { id } "
          "pageInfo { hasNextPage endCursor } } }")
SET = ("mutation Set($input: InventorySetQuantitiesInput!, $key: String!) { inventorySetQuantities(input: $input) "
       "@idempotent(key: $key) { inventoryAdjustmentGroup { id } userErrors { field message code } } }")
SET_WITHOUT_KEY = ("mutation Set($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
                   "{ userErrors { code } } }")


def gql(emu: ShopifyEmulator, query: str, variables: dict | None = None, headers=TOKEN) -> httpx.Response:
    return httpx.post(emu.base_url + GRAPHQL, json={"query": query, "variables": variables or {}}, headers=headers)


def set_input(emu, rows, name="available"):
    return {"name": name, "reason": "correction", "referenceDocumentUri": "gid://bc-connector/SyncJob/1",
            "quantities": rows}


def test_token_is_required_for_graphql_and_rest(shopify):
    order = shopify.add_order(shopify.make_order([("A", 1, "10.00")]))
    assert gql(shopify, ORDERS, {"first": 1}, headers={}).status_code == 401
    assert gql(shopify, ORDERS, {"first": 1}, headers={"X-Shopify-Access-Token": "shpat_wrong"}).status_code == 401
    assert httpx.get(f"{shopify.base_url}/admin/api/2026-04/orders/{order['id']}.json").status_code == 401
    assert gql(shopify, ORDERS, {"first": 1}).status_code == 200
    rest = httpx.get(f"{shopify.base_url}/admin/api/2025-01/orders/{order['id']}.json", headers=TOKEN)
    assert rest.status_code == 200 and rest.json()["order"]["admin_graphql_api_id"] == order["admin_graphql_api_id"]
    assert httpx.get(f"{shopify.base_url}/admin/api/2026-04/orders/1.json", headers=TOKEN).status_code == 404
    assert shopify.counters["unauthorized"] == 3


def test_every_answer_carries_the_cost_and_an_empty_bucket_answers_throttled():
    emu = ShopifyEmulator(bucket_size=20, restore_rate=1).start()
    try:
        first = gql(emu, ORDERS, {"first": 10}).json()  # requested 12, actual 2 (no orders)
        cost = first["extensions"]["cost"]
        assert cost["requestedQueryCost"] == 12 and cost["actualQueryCost"] == 2
        assert cost["throttleStatus"]["maximumAvailable"] == 20
        assert cost["throttleStatus"]["currentlyAvailable"] == 18
        emu.drain_bucket(5)
        throttled = gql(emu, ORDERS, {"first": 10})
        assert throttled.status_code == 200
        body = throttled.json()
        assert body["errors"] == [{"message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}]
        assert body["extensions"]["cost"]["requestedQueryCost"] == 12
        assert body["extensions"]["cost"]["actualQueryCost"] is None
        assert "data" not in body
        assert emu.counters["throttled"] == 1
    finally:
        emu.stop()


def test_standard_plan_bucket_and_single_query_cap(shopify):
    status = gql(shopify, ORDERS, {"first": 1}).json()["extensions"]["cost"]["throttleStatus"]
    assert (status["maximumAvailable"], status["restoreRate"]) == (2000.0, 100.0)
    too_big = gql(shopify, "query { productVariants(first: 250, query: \"sku:A\") { nodes { id "
                           "inventoryItem { inventoryLevels(first: 50) { nodes { id } } } } } }").json()
    assert too_big["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_inventory_set_quantities_rules(shopify):
    variant = shopify.add_variant("A", {shopify.main_location: 5})
    row = {"inventoryItemId": variant.inventory_item_id, "locationId": shopify.main_location, "quantity": 9,
           "changeFromQuantity": 5}

    no_key = gql(shopify, SET_WITHOUT_KEY, {"input": set_input(shopify, [row])}).json()
    assert no_key["errors"][0]["message"] == "The @idempotent directive is required for this mutation."

    missing_compare = {k: v for k, v in row.items() if k != "changeFromQuantity"}
    answer = gql(shopify, SET, {"input": set_input(shopify, [missing_compare]), "key": "k0"}).json()
    assert "changeFromQuantity" in answer["errors"][0]["message"]

    too_many = gql(shopify, SET, {"input": set_input(shopify, [row] * 251), "key": "k1"}).json()
    assert too_many["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"

    stale = gql(shopify, SET, {"input": set_input(shopify, [{**row, "changeFromQuantity": 4}]), "key": "k2"}).json()
    errors = stale["data"]["inventorySetQuantities"]["userErrors"]
    assert [e["code"] for e in errors] == ["CHANGE_FROM_QUANTITY_STALE"]
    assert errors[0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert shopify.inventory(variant.inventory_item_id, shopify.main_location) == 5

    ok = gql(shopify, SET, {"input": set_input(shopify, [row]), "key": "k3"}).json()
    assert ok["data"]["inventorySetQuantities"]["userErrors"] == []
    assert ok["extensions"]["cost"]["actualQueryCost"] == 10
    assert shopify.inventory(variant.inventory_item_id, shopify.main_location) == 9
    assert shopify.inventory(variant.inventory_item_id, shopify.main_location, "on_hand") == 9

    not_stocked = gql(shopify, SET, {"input": set_input(shopify, [{**row, "locationId": shopify.store_location}]),
                                     "key": "k4"}).json()
    assert not_stocked["data"]["inventorySetQuantities"]["userErrors"][0]["code"] == "ITEM_NOT_STOCKED_AT_LOCATION"


def test_same_idempotency_key_replays_without_applying_again(shopify):
    variant = shopify.add_variant("A", {shopify.main_location: 5})
    variables = {"input": set_input(shopify, [{"inventoryItemId": variant.inventory_item_id,
                                               "locationId": shopify.main_location, "quantity": 9,
                                               "changeFromQuantity": 5}]), "key": "same-key"}
    first = gql(shopify, SET, variables).json()["data"]
    shopify.set_inventory("A", shopify.main_location, 2)  # a sale in the shop afterwards
    replay = gql(shopify, SET, variables).json()["data"]
    assert replay == first
    assert shopify.inventory("A", shopify.main_location) == 2
    assert shopify.counters["idempotent_replays"] == 1
    # 2026-04: the key's own errors are userErrors with codes of InventorySetQuantitiesUserErrorCode
    other_input = {**variables, "input": {**variables["input"], "reason": "received"}}
    mismatch = gql(shopify, SET, other_input).json()
    assert "errors" not in mismatch
    assert mismatch["data"]["inventorySetQuantities"] == {"inventoryAdjustmentGroup": None, "userErrors": [
        {"field": None, "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
         "message": "The same idempotency key cannot be used with different operation parameters."}]}
    assert shopify.inventory("A", shopify.main_location) == 2


def test_a_key_still_in_progress_answers_concurrent_request_and_applies_nothing(shopify):
    variant = shopify.add_variant("A", {shopify.main_location: 5})
    variables = {"input": set_input(shopify, [{"inventoryItemId": variant.inventory_item_id,
                                               "locationId": shopify.main_location, "quantity": 9,
                                               "changeFromQuantity": 5}]), "key": "busy-key"}
    shopify.concurrent_request()
    busy = gql(shopify, SET, variables).json()["data"]["inventorySetQuantities"]
    assert busy["inventoryAdjustmentGroup"] is None
    assert [e["code"] for e in busy["userErrors"]] == ["IDEMPOTENCY_CONCURRENT_REQUEST"]
    assert shopify.inventory("A", shopify.main_location) == 5
    done = gql(shopify, SET, variables).json()["data"]["inventorySetQuantities"]
    assert done["userErrors"] == [] and shopify.inventory("A", shopify.main_location) == 9


def test_a_misspelt_field_is_refused_with_shopifys_top_level_error_and_costs_nothing(shopify):
    shopify.add_order(shopify.make_order([("A", 1, "10.00")]))
    before = shopify.bucket.available()
    answer = gql(shopify, "query($first: Int!) { orders(first: $first) { nodes { id nmae } } }", {"first": 1})
    assert answer.status_code == 200
    assert answer.json() == {"errors": [{
        "message": "Field 'nmae' doesn't exist on type 'Order'", "locations": [{"line": 1, "column": 58}],
        "extensions": {"code": "undefinedField", "typeName": "Order", "fieldName": "nmae"}}]}
    assert shopify.counters["refused"] == 1 and shopify.counters["orders"] == 0
    assert shopify.bucket.available() >= before
    unknown_argument = gql(shopify, "query { orders(first: 1, since: 3) { nodes { id } } }").json()
    assert unknown_argument["errors"][0]["extensions"]["code"] == "argumentNotAccepted"
    real_but_unused = gql(shopify, "query { shop { name } }").json()  # valid for Shopify, not emulated
    assert real_but_unused["errors"][0]["extensions"]["code"] == "NOT_EMULATED"


def test_an_invalid_enum_value_refuses_the_whole_request_not_a_user_error(shopify):
    query = ("mutation($input: CompanyCreateInput!) { companyCreate(input: $input) { company { id } "
             "userErrors { field message code } } }")
    body = {"company": {"name": "Brit Tools Ltd"},
            "companyLocation": {"billingAddress": {"address1": "Kings Road 1", "countryCode": "UK"}}}
    answer = gql(shopify, query, {"input": body}).json()
    assert "data" not in answer
    [error] = answer["errors"]
    assert error["message"].startswith("Variable $input of type CompanyCreateInput! was provided invalid value for "
                                       'companyLocation.billingAddress.countryCode (Expected "UK" to be one of: AC,')
    assert error["extensions"]["value"] == body
    assert [p["path"] for p in error["extensions"]["problems"]] == [["companyLocation", "billingAddress",
                                                                      "countryCode"]]
    assert shopify.companies() == []
    status = gql(shopify, 'mutation { productUpdate(product: {id: "gid://shopify/Product/1", status: HIDDEN}) '
                          "{ userErrors { field message } } }").json()
    assert "data" not in status and status["errors"][0]["extensions"]["code"] == "argumentLiteralsIncompatible"
    wrong_type = gql(shopify, ORDERS, {"first": "ten"}).json()
    assert wrong_type["errors"][0]["message"].startswith("Variable $first of type Int! was provided invalid value")


def test_answers_hold_only_the_selected_fields_under_their_aliases(shopify):
    order = shopify.add_order(shopify.make_order([("A", 1, "10.00")]))
    page = gql(shopify, "query { recent: orders(first: 5) { nodes { gid: id name } } }").json()["data"]
    assert page == {"recent": {"nodes": [{"gid": order["admin_graphql_api_id"], "name": order["name"]}]}}
    shopify.add_variant("A", {shopify.main_location: 4})
    levels = gql(shopify, 'query { productVariants(first: 1) { nodes { inventoryItem { inventoryLevels(first: 5) '
                          '{ nodes { quantities(names: ["on_hand", "committed"]) { name quantity } } } } } } }').json()
    [level] = levels["data"]["productVariants"]["nodes"][0]["inventoryItem"]["inventoryLevels"]["nodes"]
    assert level == {"quantities": [{"name": "on_hand", "quantity": 4}, {"name": "committed", "quantity": 0}]}


def test_user_errors_have_a_code_only_where_the_schema_gives_them_one(shopify):
    no_code = gql(shopify, "mutation($p: ProductUpdateInput!) { productUpdate(product: $p) { userErrors "
                           "{ field message code } } }", {"p": {"id": "gid://shopify/Product/1"}}).json()
    assert no_code["errors"][0]["message"] == "Field 'code' doesn't exist on type 'UserError'"
    shopify.add_product("Tee", [("T-S", "S", "10.00")])
    product = f"gid://shopify/Product/{shopify.product_of('T-S')['number']}"
    variant = gql(shopify, "query { productVariants(first: 1) { nodes { id } } }").json()
    negative = gql(shopify, "mutation($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate("
                            "productId: $p, variants: $v) { userErrors { field code } } }",
                   {"p": product, "v": [{"id": variant["data"]["productVariants"]["nodes"][0]["id"],
                                         "price": "-1"}]}).json()
    assert negative["data"]["productVariantsBulkUpdate"]["userErrors"] == [
        {"field": ["variants", "0", "price"], "code": "GREATER_THAN_OR_EQUAL_TO"}]


def test_orders_search_by_updated_at_and_cursor_pages(shopify):
    t0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ids = [shopify.add_order(shopify.make_order([("A", 1, "10.00")], updated_at=t0 + timedelta(minutes=i)))["id"]
           for i in range(7)]
    query = f"updated_at:>='{(t0 + timedelta(minutes=1)).isoformat()}' updated_at:<'{t0 + timedelta(minutes=6)}'"
    seen, after = [], None
    while True:
        page = gql(shopify, "query($first: Int!, $after: String, $query: String) { orders(first: $first, "
                            "after: $after, query: $query, sortKey: UPDATED_AT) { nodes { id legacyResourceId } "
                            "pageInfo { hasNextPage endCursor } } }",
                   {"first": 2, "after": after, "query": query}).json()["data"]["orders"]
        seen += [int(n["legacyResourceId"]) for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids[1:6]


def test_webhook_signature_verifies_over_the_raw_bytes(shopify, receiver):
    order = shopify.make_order([("SKU-ÅÄÖ", 2, "19.90")])
    sent = shopify.send_webhook(receiver.url, "orders/create", order, secret="whsec-ünïcode",
                                event_id="evt-1", webhook_id="wh-1")
    assert sent.status == 200 and sent.elapsed_ms < 5000
    raw, headers = receiver.received[0]
    expected = base64.b64encode(hmac.new("whsec-ünïcode".encode(), raw, hashlib.sha256).digest()).decode()
    assert headers["X-Shopify-Hmac-Sha256"] == expected
    wrong = base64.b64encode(hmac.new(b"other", raw, hashlib.sha256).digest()).decode()
    assert headers["X-Shopify-Hmac-Sha256"] != wrong
    assert json.loads(raw) == order
    assert headers["X-Shopify-Topic"] == "orders/create"
    assert headers["X-Shopify-Shop-Domain"] == "bridge-demo.myshopify.com"
    assert headers["X-Shopify-API-Version"] == "2026-04"
    assert (headers["X-Shopify-Event-Id"], headers["X-Shopify-Webhook-Id"]) == ("evt-1", "wh-1")
    assert datetime.fromisoformat(headers["X-Shopify-Triggered-At"].replace("Z", "+00:00"))


def test_redelivery_keeps_the_event_id_and_the_bytes(shopify, receiver):
    sent = shopify.send_webhook(receiver.url, "orders/paid", shopify.make_order([("A", 1, "1.00")]), secret="s")
    again = shopify.redeliver(sent)
    (raw1, h1), (raw2, h2) = receiver.received
    assert raw1 == raw2
    assert h1["X-Shopify-Event-Id"] == h2["X-Shopify-Event-Id"] == sent.event_id
    assert h1["X-Shopify-Hmac-Sha256"] == h2["X-Shopify-Hmac-Sha256"]
    assert h1["X-Shopify-Webhook-Id"] != h2["X-Shopify-Webhook-Id"]
    assert again.status == 200


def test_a_slow_receiver_counts_as_a_failed_delivery(shopify):
    slow = Receiver(delay=10.0)  # far beyond the timeout, so a loaded machine cannot blur the two
    try:
        sent = shopify.send_webhook(slow.url, "orders/create", {"id": 1}, secret="s", timeout=0.3)
    finally:
        slow.stop()
    assert sent.status is None and "Timeout" in sent.error
    assert 250 < sent.elapsed_ms < 10_000  # gave up at its timeout, did not wait for the answer
