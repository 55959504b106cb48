"""The Shopify client's bulk price push against the emulator: staged upload, per-product failures, waiting for
a running mutation, an operation that ends without a result, the upload sent without the access token."""

from __future__ import annotations

import threading

import httpx
import pytest

from core.platforms.shopify.client import BULK_VARIANT_PRICES, ShopifyBulkOperationError, ShopifyClient


def client(emu, **options) -> ShopifyClient:
    return ShopifyClient(emu.base_url, emu.access_token, bulk_poll_seconds=0.02, **options)


def ids(emu, sku: str) -> tuple[str, str]:
    variant = next(v for v in emu.data.variants if v.sku == sku)
    return f"gid://shopify/Product/{variant.product_number}", variant.id


def test_many_products_in_one_operation_and_each_refusal_is_its_own_products(shopify):
    prices = {}
    for i in range(40):
        shopify.add_product(f"P{i}", [(f"S{i}-a", "A", "1.00"), (f"S{i}-b", "B", "1.00")])
        product, a = ids(shopify, f"S{i}-a")
        prices[product] = {a: "9.50", ids(shopify, f"S{i}-b")[1]: "-2" if i == 7 else "9.75"}
    prices["gid://shopify/Product/424242"] = {ids(shopify, "S0-a")[1]: "1.00"}  # gone from the shop
    with client(shopify) as shop:
        failed = shop.bulk_update_variant_prices(prices)
    bad = ids(shopify, "S7-a")[0]
    assert set(failed) == {bad, "gid://shopify/Product/424242"}
    assert failed[bad][0]["code"] == "GREATER_THAN_OR_EQUAL_TO"
    assert failed["gid://shopify/Product/424242"][0]["code"] == "PRODUCT_DOES_NOT_EXIST"
    assert shopify.product_of("S3-b")["variants"]["S3-b"]["price"] == "9.75"
    assert shopify.product_of("S7-a")["variants"]["S7-a"]["price"] == "1.00"  # all-or-nothing per product
    assert shopify.counters["bulkOperationRunMutation"] == 1 and shopify.counters["productVariantsBulkUpdate"] == 0


def test_a_product_with_more_than_250_variants_takes_several_lines(shopify):
    shopify.add_product("Big", [(f"B{i}", f"V{i}", "1.00") for i in range(260)])
    product = ids(shopify, "B0")[0]
    with client(shopify) as shop:
        assert shop.bulk_update_variant_prices({product: {ids(shopify, f"B{i}")[1]: "3.00" for i in range(260)}}) \
            == {}
    assert shopify.product_of("B259")["variants"]["B259"]["price"] == "3.00"
    assert shopify.counters["bulk_objects"] == 2


def test_an_operation_that_ends_failed_is_a_bulk_error_for_the_caller_to_fall_back(shopify):
    shopify.add_product("A", [("A1", "One", "1.00")])
    shopify.add_product("B", [("B1", "One", "1.00")])
    shopify.fail_next_bulk_operation("INTERNAL_SERVER_ERROR", after_objects=1)
    with client(shopify) as shop, pytest.raises(ShopifyBulkOperationError) as raised:
        shop.bulk_update_variant_prices(dict([(ids(shopify, "A1")[0], {ids(shopify, "A1")[1]: "2.00"}),
                                              (ids(shopify, "B1")[0], {ids(shopify, "B1")[1]: "2.00"})]))
    assert raised.value.status == "FAILED" and raised.value.error_code == "INTERNAL_SERVER_ERROR"


def test_missing_lines_in_a_completed_result_are_failures(shopify, monkeypatch):
    shopify.add_product("A", [("A1", "One", "1.00")])
    shopify.add_product("B", [("B1", "One", "1.00")])
    with client(shopify) as shop:
        real = shop.bulk_mutation
        monkeypatch.setattr(shop, "bulk_mutation", lambda m, lines: (x for x in list(real(m, lines))[:1]))
        failed = shop.bulk_update_variant_prices({ids(shopify, "A1")[0]: {ids(shopify, "A1")[1]: "2.00"},
                                                  ids(shopify, "B1")[0]: {ids(shopify, "B1")[1]: "2.00"}})
    assert list(failed) == [ids(shopify, "B1")[0]] and "no line" in failed[ids(shopify, "B1")[0]][0]["message"]


def test_a_running_bulk_mutation_is_waited_for_then_ours_runs(shopify):
    shopify.add_product("A", [("A1", "One", "1.00")])
    product, variant = ids(shopify, "A1")
    shopify.hold_bulk_operations()
    with client(shopify) as first:
        first_id = first.run_bulk_mutation(BULK_VARIANT_PRICES, first.stage_bulk_variables(
            [{"productId": product, "variants": [{"id": variant, "price": "4.00"}]}]))
    threading.Timer(0.3, shopify.release_bulk_operations).start()
    with client(shopify) as shop:
        assert shop.bulk_update_variant_prices({product: {variant: "5.00"}}) == {}
    operation = shopify.bulk.operations[int(first_id.rsplit("/", 1)[1])]
    assert operation["status"] == "COMPLETED"
    assert shopify.product_of("A1")["variants"]["A1"]["price"] == "5.00"  # ours ran after the first one


def test_the_upload_goes_without_the_access_token_and_a_refused_upload_is_a_bulk_error(shopify):
    seen: list[httpx.Request] = []
    inner = httpx.HTTPTransport()

    class Spy(httpx.BaseTransport):
        def handle_request(self, request):
            seen.append(request)
            if "/staged-uploads/" in request.url.path and refuse:
                return httpx.Response(403, text="<Error><Code>AccessDenied</Code></Error>")
            return inner.handle_request(request)

    shopify.add_product("A", [("A1", "One", "1.00")])
    product, variant = ids(shopify, "A1")
    refuse = False
    with client(shopify, transport=Spy()) as shop:
        assert shop.bulk_update_variant_prices({product: {variant: "2.00"}}) == {}
        upload = next(r for r in seen if "/staged-uploads/" in r.url.path)
        assert "X-Shopify-Access-Token" not in upload.headers
        refuse = True
        with pytest.raises(ShopifyBulkOperationError) as raised:
            shop.bulk_update_variant_prices({product: {variant: "3.00"}})
    assert raised.value.status == "UPLOAD_FAILED"
