"""The Shopify emulator's bulk query operations: lifecycle, one at a time, the JSONL format, the result URL, cost."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from core.platforms.shopify.client import (
    BULK_CANCEL,
    BULK_INVENTORY_QUERY,
    BULK_OPERATION_QUERY,
    BULK_RUN_QUERY,
    CURRENT_BULK_OPERATION,
)
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.shopify_emulator.schema import enum_values

TOKEN = {"X-Shopify-Access-Token": "shpat_test"}


def gql(emu: ShopifyEmulator, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(f"{emu.base_url}/admin/api/2026-04/graphql.json", headers=TOKEN,
                          json={"query": query, "variables": variables or {}})
    assert response.status_code == 200
    return response.json()


def run(emu: ShopifyEmulator, query: str = BULK_INVENTORY_QUERY) -> dict:
    return gql(emu, BULK_RUN_QUERY, {"query": query})["data"]["bulkOperationRunQuery"]


def poll(emu: ShopifyEmulator, operation_id: str, until=("COMPLETED", "FAILED", "CANCELED")) -> dict:
    for _ in range(200):
        operation = gql(emu, BULK_OPERATION_QUERY, {"id": operation_id})["data"]["bulkOperation"]
        if operation["status"] in until:
            return operation
        time.sleep(0.02)
    raise AssertionError(f"still {operation['status']}")


def test_a_bulk_query_runs_to_completed_and_its_jsonl_puts_nested_nodes_on_their_own_lines(shopify):
    a = shopify.add_variant("A", {shopify.main_location: 4, shopify.store_location: 1})
    b = shopify.add_variant("B", {shopify.main_location: 2})
    shopify.hold_bulk_operations()
    started = run(shopify)
    assert started["userErrors"] == [] and started["bulkOperation"]["status"] == "CREATED"
    assert poll(shopify, started["bulkOperation"]["id"], until=("RUNNING",))["url"] is None
    shopify.release_bulk_operations()
    done = poll(shopify, started["bulkOperation"]["id"])
    assert done["status"] == "COMPLETED" and done["objectCount"] == "5" and done["errorCode"] is None
    result = httpx.get(done["url"])  # a signed link: no access token needed (nor sent)
    lines = [json.loads(line) for line in result.text.splitlines()]
    assert lines == [
        {"id": a.id, "sku": "A", "inventoryItem": {"id": a.inventory_item_id}},
        {"location": {"id": shopify.main_location}, "quantities": [{"name": "available", "quantity": 4}],
         "__parentId": a.id},
        {"location": {"id": shopify.store_location}, "quantities": [{"name": "available", "quantity": 1}],
         "__parentId": a.id},
        {"id": b.id, "sku": "B", "inventoryItem": {"id": b.inventory_item_id}},
        {"location": {"id": shopify.main_location}, "quantities": [{"name": "available", "quantity": 2}],
         "__parentId": b.id},
    ]
    current = gql(shopify, CURRENT_BULK_OPERATION)["data"]["currentBulkOperation"]
    assert current["id"] == done["id"] and current["status"] == "COMPLETED"


def test_bulk_work_draws_nothing_from_the_cost_bucket_only_the_calls_do(shopify):
    for i in range(1200):  # more than one slice, and far above the 1,000-point single query cap per call
        shopify.add_variant(f"S{i}", {shopify.main_location: i})
    answer = gql(shopify, BULK_RUN_QUERY, {"query": BULK_INVENTORY_QUERY})
    assert answer["extensions"]["cost"]["actualQueryCost"] == 10
    done = poll(shopify, answer["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"])
    assert done["objectCount"] == "2400"
    polls = shopify.counters["bulkOperation"]
    assert shopify.counters["points_used"] == 10 + polls  # the run call, then 1 point per poll
    assert sum(1 for _ in httpx.get(done["url"]).text.splitlines()) == 2400


def test_one_bulk_query_at_a_time_per_shop(shopify):
    assert "OPERATION_IN_PROGRESS" in enum_values("BulkOperationUserErrorCode")
    shopify.add_variant("A", {shopify.main_location: 1})
    shopify.hold_bulk_operations()
    first = run(shopify)["bulkOperation"]
    second = run(shopify)
    assert second["bulkOperation"] is None
    assert [e["code"] for e in second["userErrors"]] == ["OPERATION_IN_PROGRESS"]
    assert first["id"] in second["userErrors"][0]["message"]
    shopify.release_bulk_operations()
    poll(shopify, first["id"])
    assert run(shopify)["userErrors"] == []  # finished: the next one may start


def test_cancel_a_running_operation_then_cancelling_a_finished_one_is_a_user_error(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    shopify.hold_bulk_operations()
    operation = run(shopify)["bulkOperation"]
    cancelling = gql(shopify, BULK_CANCEL, {"id": operation["id"]})["data"]["bulkOperationCancel"]
    assert cancelling["userErrors"] == [] and cancelling["bulkOperation"]["status"] == "CANCELING"
    shopify.release_bulk_operations()
    canceled = poll(shopify, operation["id"])
    assert canceled["status"] == "CANCELED" and canceled["url"] is None
    again = gql(shopify, BULK_CANCEL, {"id": operation["id"]})["data"]["bulkOperationCancel"]
    assert again["userErrors"][0]["message"].endswith("canceled")


def test_a_failed_operation_carries_its_error_code_and_partial_data(shopify):
    for i in range(600):
        shopify.add_variant(f"S{i}", {shopify.main_location: 1})
    shopify.fail_next_bulk_operation("TIMEOUT", after_objects=1)
    failed = poll(shopify, run(shopify)["bulkOperation"]["id"])
    assert (failed["status"], failed["errorCode"], failed["url"]) == ("FAILED", "TIMEOUT", None)
    partial = httpx.get(failed["partialDataUrl"]).text.splitlines()
    assert 0 < len(partial) < 1200
    with pytest.raises(ValueError):
        shopify.fail_next_bulk_operation("NOT_A_CODE")


def test_an_expired_result_is_gone(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    done = poll(shopify, run(shopify)["bulkOperation"]["id"])
    shopify.expire_bulk_operation(done["id"])
    expired = poll(shopify, done["id"], until=("EXPIRED",))
    assert expired["url"] is None
    assert httpx.get(done["url"]).status_code == 404


@pytest.mark.parametrize(("query", "says"), [
    ('{ node(id: "gid://shopify/Product/1") { id } }', "node"),
    ("{ shop { name } }", "at least one connection"),
    ("{ productVariants { edges { node { id skuu } } } }", "doesn't exist on type"),
    ("{ products { edges { node { id variants { edges { node { id inventoryItem { inventoryLevels { edges { node "
     "{ id } } } } } } } } } } }", "nesting depth"),
])
def test_a_bulk_query_shopify_would_refuse_is_a_user_error_invalid(shopify, query, says):
    answer = run(shopify, query)
    assert answer["bulkOperation"] is None
    assert answer["userErrors"][0]["code"] == "INVALID" and says in answer["userErrors"][0]["message"]
    assert shopify.counters["bulk_operations"] == 0
