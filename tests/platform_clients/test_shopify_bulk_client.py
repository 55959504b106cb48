"""The Shopify client's bulk discovery against the emulator: catalog read, streaming, failure states, fallback."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from core.errors import Retryable
from core.platforms.shopify.client import (
    BULK_DISCOVERY_MIN_SKUS,
    BULK_INVENTORY_QUERY,
    ShopifyBulkOperationError,
    ShopifyClient,
)


def client(emu, **options) -> ShopifyClient:
    return ShopifyClient(emu.base_url, emu.access_token, bulk_poll_seconds=0.02, **options)


def test_the_catalog_is_read_with_one_bulk_operation(shopify):
    for i in range(3000):
        shopify.add_variant(f"S{i}", {shopify.main_location: i % 7, shopify.store_location: 1})
    shopify.add_variant("TWICE", {shopify.main_location: 1})
    shopify.add_variant("TWICE", {shopify.main_location: 2})
    with client(shopify) as shop:
        catalog = shop.inventory_catalog()
    assert len(catalog) == 3000 and "TWICE" not in catalog  # on two variants: no single target
    target = catalog["S12"]
    assert target.inventory_item_id == shopify.data.item_id("S12")
    assert target.available == {shopify.main_location: 5, shopify.store_location: 1}
    assert shopify.counters["bulkOperationRunQuery"] == 1 and shopify.counters["productVariants"] == 0


def test_many_skus_go_by_bulk_a_handful_per_call(shopify):
    skus = [f"S{i}" for i in range(BULK_DISCOVERY_MIN_SKUS)]
    for sku in skus:
        shopify.add_variant(sku, {shopify.main_location: 3})
    with client(shopify) as shop:
        assert shop.inventory_targets(skus[:5]).keys() == set(skus[:5])
        assert (shopify.counters["bulkOperationRunQuery"], shopify.counters["productVariants"]) == (0, 1)
        found = shop.inventory_targets([*skus, "NOT-IN-SHOP"])
    assert found.keys() == set(skus)
    assert (shopify.counters["bulkOperationRunQuery"], shopify.counters["productVariants"]) == (1, 1)


class LazyLines(httpx.SyncByteStream):
    """A JSONL body produced chunk by chunk, counting how much has been produced."""

    def __init__(self, lines: int):
        self.lines, self.produced = lines, 0

    def __iter__(self):
        for i in range(self.lines):
            self.produced += 1
            yield b'{"id":"gid://shopify/ProductVariant/%d","sku":"S%d"}\n' % (i, i)


def test_the_result_is_streamed_line_by_line_without_the_access_token():
    body, seen = LazyLines(200_000), []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=body)

    with ShopifyClient("https://shop.example", "shpat_secret", transport=httpx.MockTransport(handler)) as shop:
        lines = shop.bulk_result_lines("https://storage.example/result.jsonl")
        assert next(lines)["sku"] == "S0"
        assert body.produced < 100  # the first object arrives long before the 200,000th line is produced
        assert sum(1 for _ in lines) == 199_999
    assert "X-Shopify-Access-Token" not in seen[0].headers  # never sent to the storage host


def test_a_failed_operation_is_a_typed_retryable_error_and_discovery_falls_back_per_call(shopify):
    skus = [f"S{i}" for i in range(BULK_DISCOVERY_MIN_SKUS)]
    for sku in skus:
        shopify.add_variant(sku, {shopify.main_location: 3})
    with client(shopify) as shop:
        shopify.fail_next_bulk_operation("TIMEOUT")
        with pytest.raises(ShopifyBulkOperationError) as failed:
            shop.inventory_catalog()
        assert isinstance(failed.value, Retryable)
        assert (failed.value.status, failed.value.error_code) == ("FAILED", "TIMEOUT")
        shopify.fail_next_bulk_operation("INTERNAL_SERVER_ERROR")
        found = shop.inventory_targets(skus)
    assert found.keys() == set(skus)
    assert shopify.counters["bulkOperationRunQuery"] == 2 and shopify.counters["productVariants"] >= 8


def test_a_cancelled_operation_is_reported_as_canceled(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    shopify.hold_bulk_operations()
    with client(shopify) as shop:
        operation = shop.run_bulk_query(BULK_INVENTORY_QUERY)
        assert shop.cancel_bulk_operation(operation) == []
        shopify.release_bulk_operations()
        with pytest.raises(ShopifyBulkOperationError) as canceled:
            shop.wait_for_bulk_operation(operation)
    assert canceled.value.status == "CANCELED"


def test_an_expired_result_is_reported_as_expired(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    with client(shopify) as shop:
        assert shop.inventory_catalog().keys() == {"A"}
        done = shop.current_bulk_operation()
        shopify.expire_bulk_operation(done["id"])
        with pytest.raises(ShopifyBulkOperationError) as expired:
            shop.wait_for_bulk_operation(done["id"])
        assert expired.value.status == "EXPIRED"
        with pytest.raises(ShopifyBulkOperationError) as gone:
            list(shop.bulk_result_lines(done["url"], done["id"]))
        assert gone.value.status == "EXPIRED"


def test_a_bulk_query_already_running_is_waited_for_then_ours_runs(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    shopify.hold_bulk_operations()
    with client(shopify) as shop:
        shop.run_bulk_query(BULK_INVENTORY_QUERY)  # e.g. left running by a worker that crashed
        threading.Timer(0.3, shopify.release_bulk_operations).start()
        assert shop.inventory_catalog().keys() == {"A"}
    assert shopify.counters["bulkOperationRunQuery"] == 3  # the first, the refused one, ours again


def test_an_operation_past_the_timeout_is_cancelled(shopify):
    shopify.add_variant("A", {shopify.main_location: 1})
    shopify.hold_bulk_operations()
    with client(shopify, bulk_timeout_seconds=0.2) as shop:
        with pytest.raises(ShopifyBulkOperationError, match="did not finish"):
            shop.inventory_catalog()
        shopify.release_bulk_operations()
        time.sleep(0.2)
        assert shop.current_bulk_operation()["status"] == "CANCELED"
