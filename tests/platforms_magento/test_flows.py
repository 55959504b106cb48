"""The Magento flow parts (core/platforms/magento/flows.py) against the Magento emulator over real HTTP: how a
refusal is read back per item, where stock goes without locations, how a shipment is placed and never sent
twice, what a product write may touch, and the credit memo window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.config import Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms import part
from core.platforms.magento.client import MagentoClient
from core.platforms.magento.flows import ProductWriter, ShipmentWriter, StockWriter, carrier_code
from core.sync import product_mapping as pm
from core.sync.shipment_mapping import Tracking
from core.sync.stock_mapping import Change
from sandbox.magento_emulator import MagentoEmulator

TOKEN = "t0ken"  # noqa: S105


@pytest.fixture
def emu():
    e = MagentoEmulator(access_token=TOKEN).start()
    yield e
    e.stop()


@pytest.fixture
def client(emu):
    c = MagentoClient(emu.base_url, TOKEN, max_attempts=2, sleep=lambda s: None, page_size=2)
    yield c
    c.close()


def posts(emu, suffix: str) -> int:
    return len([r for r in emu.requests if r["method"] == "POST" and r["path"].endswith(suffix)])


# ---------------------------------------------------------------------------------------------- stock

def test_the_flows_find_magentos_parts():
    assert part("magento", "StockWriter") is StockWriter and part("magento", "ShipmentWriter") is ShipmentWriter
    assert part("magento", "ProductWriter") is ProductWriter and part("magento", "new_refunds") is not None


def test_without_locations_stock_goes_to_the_default_source(emu, client):
    emu.add_product("MB-01")
    result = StockWriter(client, "run").write([Change("MB-01", "", 12, None)], {"MB-01": {}})
    assert [c.sku for c in result.applied] == ["MB-01"] and not result.failed
    assert emu.source_items[("MB-01", "default")] == {"sku": "MB-01", "source_code": "default", "quantity": 12,
                                                      "status": 1}


def test_a_refused_sku_is_read_back_from_the_errors_and_the_rest_is_saved(emu, client):
    for sku in ("A", "B", "C"):
        emu.add_product(sku)
    emu.add_source("east")
    writer = StockWriter(client, "run")
    targets = {"A": {}, "B": {}, "C": {}}
    del emu.products["B"]  # deleted in Magento after discovery
    result = writer.write([Change("A", "east", 5, None), Change("B", "east", 6, None),
                           Change("C", "default", 0, 3)], targets)
    assert sorted(c.sku for c in result.applied) == ["A", "C"]
    [(change, code, message)] = result.failed
    assert (change.sku, code) == ("B", "INVALID_INVENTORY_ITEM")  # the stock flow forgets the cached target
    assert 'Product with requested "sku": "B" was was not found.' in message
    assert emu.quantity("A", "east") == 5 and emu.source_items[("C", "default")]["status"] == 0
    assert posts(emu, "/source-items") == 2  # refused once, then the rest in one call


def test_a_source_magento_does_not_have_is_not_stocked_there_and_never_posted(emu, client):
    emu.add_product("A")
    result = StockWriter(client, "run").write([Change("A", "west", 5, None)], {"A": {}})
    assert [(c.sku, code) for c, code, _ in result.failed] == [("A", "INVALID_LOCATION")]
    assert "Magento has no inventory source 'west'" in result.failed[0][2]
    assert posts(emu, "/source-items") == 0


def test_a_refusal_naming_no_item_is_split_until_the_refused_pair_is_alone(emu, client):
    for sku in ("A", "B", "C", "D"):
        emu.add_product(sku)
    emu.add_source("east")
    writer = StockWriter(client, "run")
    writer._sources = {"default": True, "east": True, "gone": True}  # read before "gone" was deleted
    changes = [Change("A", "east", 1, None), Change("B", "gone", 2, None), Change("C", "east", 3, None),
               Change("D", "default", 4, None)]
    result = writer.write(changes, {s: {} for s in "ABCD"})
    assert sorted(c.sku for c in result.applied) == ["A", "C", "D"]
    assert [(c.sku, code) for c, code, _ in result.failed] == [("B", "REJECTED")]
    assert "Could not save Source Item" in result.failed[0][2]
    assert (emu.quantity("A", "east"), emu.quantity("C", "east"), emu.quantity("D")) == (1, 3, 4)


def test_discovery_leaves_out_products_that_keep_no_stock_and_pages_through_sources(emu, client):
    emu.add_product("S-1")
    emu.add_product("CONF", type_id="configurable")
    emu.add_product("a,b")  # a comma cannot go in an `in` filter
    for code in ("b1", "b2", "b3"):
        emu.add_source(code)
    writer = StockWriter(client, "run")
    assert set(writer.discover(["S-1", "CONF", "a,b", "NOPE"])) == {"S-1", "a,b"}
    assert set(client.source_codes()) == {"default", "b1", "b2", "b3"}  # page size 2: two pages


def test_a_5xx_on_the_write_is_retried_then_retryable(emu, client):
    emu.add_product("A")
    emu.fail_next(503, count=3)
    writer = StockWriter(client, "run")
    writer._sources = {"default": True}
    with pytest.raises(Retryable):
        writer.write([Change("A", "", 1, None)], {"A": {}})


# ---------------------------------------------------------------------------------------------- shipments

def shop(**items) -> Shop:
    return Shop(key="mg", platform="magento", url="http://x", webhook_secret_setting="S", flows=["shipments"],
                items=items)


def configurable_order(emu, entity_id: int = 8) -> dict:
    """A configurable tee (parent row 80 carries the amounts, child row 81 names the variant) and a mug."""
    order = emu.make_order(entity_id, datetime.now(UTC), sku="MUG", qty=2)
    order["items"] = [
        {"item_id": 80, "order_id": entity_id, "sku": "TEE-S-BLK", "product_type": "configurable", "product_id": 5,
         "qty_ordered": 2, "price": 100.0, "row_total": 200.0, "tax_amount": 50.0},
        {"item_id": 81, "order_id": entity_id, "sku": "TEE-S-BLK", "product_type": "simple", "product_id": 6,
         "parent_item_id": 80, "qty_ordered": 2, "price": 0, "row_total": 0},
        {"item_id": 82, "order_id": entity_id, "sku": "MUG", "product_type": "simple", "product_id": 7,
         "qty_ordered": 1, "price": 10.0, "row_total": 10.0, "tax_amount": 2.5},
        {"item_id": 83, "order_id": entity_id, "sku": "EGIFT", "product_type": "virtual", "is_virtual": 1,
         "product_id": 8, "qty_ordered": 1, "price": 10.0, "row_total": 10.0}]
    return emu.add_order(order)


def bc_shipment(number: str, *lines: tuple[str, int]) -> dict:
    return {"number": number, "salesShipmentLines": [
        {"lineType": "Item", "lineObjectNumber": item, "quantity": qty, "sequence": n} for n, (item, qty)
        in enumerate(lines)]}


def test_a_partial_shipment_ships_the_configurable_parent_row_and_a_later_one_the_rest(emu, client):
    configurable_order(emu)
    writer, mg = ShipmentWriter(client), shop(**{"TEE-S-BLK": "1000:S-BLK"})
    first = writer.push(mg, "8", bc_shipment("S-1", ("1000", 1)), Tracking(), lambda: False)
    assert first.data["shipment"] == "1" and "without tracking" in first.message
    assert emu.shipments[1]["items"] == [{"order_item_id": 80, "qty": 1.0, "sku": "TEE-S-BLK"}]
    assert emu.shipments[1]["tracks"] == [] and emu.shipments[1]["email_sent"] == 1
    second = writer.push(mg, "8", bc_shipment("S-2", ("1000", 1), ("MUG", 1)),
                         Tracking("Budbee", "BB123"), lambda: True)
    assert second.data["shipment"] == "2"
    assert sorted(i["order_item_id"] for i in emu.shipments[2]["items"]) == [80, 82]
    assert emu.shipments[2]["tracks"][0]["carrier_code"] == "custom"
    assert emu.orders[8]["state"] == "complete"  # the virtual gift card needs no shipment


def test_a_shipment_without_tracking_is_recognised_by_its_comment(emu, client):
    configurable_order(emu)
    writer, mg = ShipmentWriter(client), shop(**{"TEE-S-BLK": "1000:S-BLK"})
    writer.push(mg, "8", bc_shipment("S-9", ("MUG", 1)), Tracking(), lambda: False)
    again = writer.push(mg, "8", bc_shipment("S-9", ("MUG", 1)), Tracking(), lambda: False)
    assert again.data == {"shipment": "1", "tracking": "", "recovered": True}
    assert len(emu.shipments) == 1 and posts(emu, "/ship") == 1


def test_a_5xx_on_ship_is_not_resent_blind(emu, client):
    configurable_order(emu)
    emu.fail_next(503, path="/order/8/ship")
    with pytest.raises(Retryable):
        ShipmentWriter(client).push(shop(), "8", bc_shipment("S-3", ("MUG", 1)), Tracking(), lambda: False)
    assert posts(emu, "/ship") == 1 and emu.shipments == {}


def test_what_cannot_be_shipped_is_a_deliberate_answer(emu, client):
    order = configurable_order(emu)
    writer = ShipmentWriter(client)
    with pytest.raises(NeedsAttention) as unmatched:
        writer.push(shop(), "8", bc_shipment("S-4", ("9999", 1)), Tracking(), lambda: False)
    assert unmatched.value.code == "shipment_unmatched"
    with pytest.raises(Skip):
        writer.push(shop(), "8", bc_shipment("S-5"), Tracking(), lambda: False)
    order["state"] = order["status"] = "holded"
    with pytest.raises(NeedsAttention) as held:
        writer.push(shop(), "8", bc_shipment("S-6", ("MUG", 1)), Tracking(), lambda: False)
    assert held.value.code == "shop_rejected" and "holded" in held.value.message
    order["state"] = "canceled"
    with pytest.raises(NeedsAttention) as cancelled:
        writer.push(shop(), "8", bc_shipment("S-7", ("MUG", 1)), Tracking(), lambda: False)
    assert cancelled.value.code == "shipped_after_cancel"
    with pytest.raises(NeedsAttention) as missing:
        writer.push(shop(), "404", bc_shipment("S-8", ("MUG", 1)), Tracking(), lambda: False)
    assert missing.value.code == "shop_order_missing"


def test_carrier_codes():
    assert [carrier_code(c) for c in ("UPS", "DHL", " fedex ", "PostNord", "")] == [
        "ups", "dhl", "fedex", "custom", "custom"]


# ---------------------------------------------------------------------------------------------- products

def product(item: str, *variants: tuple[str, str], title: str = "Mug", has_options: bool = False,
            status: str = pm.ACTIVE) -> pm.ShopProduct:
    return pm.ShopProduct(item=item, title=title, status=status, category="HOME", has_options=has_options,
                          variants=tuple(pm.ShopVariant(sku, "", sku, Decimal(price)) for sku, price in variants))


def test_prices_are_read_back_per_item_and_a_gone_sku_is_forgotten(emu, client):
    for sku in ("MUG", "CUP"):
        emu.add_product(sku)
    writer = ProductWriter(client)
    targets = writer.discover(["MUG", "CUP", "NOPE"])
    assert set(targets) == {"MUG", "CUP"}
    del emu.products["CUP"]
    mug, cup = product("2000", ("MUG", "89.00")), product("2100", ("CUP", "49.50"), title="Cup")
    result = writer.update([pm.ProductChange(mug, {}, mug.variants), pm.ProductChange(cup, {}, cup.variants)],
                           targets)
    assert [c.item for c in result.applied] == ["2000"] and emu.products["MUG"]["price"] == 89.0
    [(change, reason)] = result.failed
    # Magento names an unknown SKU "Invalid attribute SKU = CUP." (BasePriceStorage): still known as gone
    assert change.item == "2100" and "Invalid attribute SKU = CUP" in reason and result.gone == ["CUP"]
    assert emu.base_price_calls[-1] == [{"sku": "MUG", "price": 89.0, "store_id": 0},
                                        {"sku": "CUP", "price": 49.5, "store_id": 0}]


def test_variants_keep_their_names_and_a_blocked_item_is_disabled(emu, client):
    for sku in ("TEE-S", "TEE-M"):
        emu.add_product(sku, name=f"Tee {sku[-1]}")
    tee = product("1000", ("TEE-S", "199"), ("TEE-M", "199"), title="T-shirt", has_options=True, status=pm.DRAFT)
    writer = ProductWriter(client)
    result = writer.update([pm.ProductChange(tee, tee.fields(), ())], writer.discover(["TEE-S", "TEE-M"]))
    assert len(result.applied) == 1
    assert emu.product_puts == [{"sku": "TEE-S", "status": 2}, {"sku": "TEE-M", "status": 2}]
    assert emu.products["TEE-S"]["name"] == "Tee S" and emu.products["TEE-S"]["status"] == 2


def test_creating_products_is_refused_with_a_reason(emu, client):
    result = ProductWriter(client).create([product("2000", ("MUG", "89"))])
    assert not result.applied and "not built" in result.failed[0][1] and emu.requests == []


# ---------------------------------------------------------------------------------------------- refunds

def test_credit_memos_are_listed_by_created_at_within_the_window_across_pages(emu, client):
    start = datetime(2025, 5, 1, 10, 0, 0, tzinfo=UTC)
    for n, seconds in enumerate((-1, 0, 1, 2, 59, 60)):
        emu.add_creditmemo({"entity_id": 100 + n, "order_id": 1, "grand_total": 1,
                            "created_at": (start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")})
    found = list(part("magento", "new_refunds")(client, None, start, start + timedelta(seconds=60)))
    assert [d.external_id for d in found] == ["101", "102", "103", "104"]  # since ≤ created_at < until
    assert found[0].payload["entity_id"] == 101 and found[0].refund_ids == ("101",)
    assert found[0].topic == "observer.sales_order_creditmemo_save_commit_after"


def test_a_shop_with_one_mapped_source_ships_from_it_and_with_several_magento_decides(emu, client):
    configurable_order(emu)
    emu.add_source("store1")
    one = Shop(key="mg", platform="magento", url="http://x", webhook_secret_setting="S", flows=["shipments"],
               locations={"store1": ["STORE1"]}, items={"TEE-S-BLK": "1000:S-BLK"})
    ShipmentWriter(client).push(one, "8", bc_shipment("S-10", ("MUG", 1)), Tracking(), lambda: False)
    assert emu.shipments[1]["source_code"] == "store1"
    several = one.model_copy(update={"locations": {"store1": ["STORE1"], "default": ["MAIN"]}})
    ShipmentWriter(client).push(several, "8", bc_shipment("S-11", ("1000", 1)), Tracking(), lambda: False)
    assert emu.shipments[2]["source_code"] == "default"
    gone = one.model_copy(update={"locations": {"west": ["MAIN"]}})
    with pytest.raises(NeedsAttention) as refused:
        ShipmentWriter(client).push(gone, "8", bc_shipment("S-12", ("1000", 1)), Tracking(), lambda: False)
    assert 'Source with code "west" does not exist' in refused.value.message


def test_refused_skus_are_found_in_named_or_positional_parameters():
    from core.platforms.magento.flows import _refused_skus

    errors = [{"message": "Requested product doesn't exist: %1", "parameters": ["B"]},
              {"message": 'Product with requested "%field": "%value" was was not found.',
               "parameters": {"field": "sku", "value": "C"}},
              {"message": "Something else", "parameters": None}, {"message": "x", "parameters": ["sku"]}]
    assert _refused_skus(errors, {"A", "B", "C"}) == {
        "B": "Requested product doesn't exist: B", "C": 'Product with requested "sku": "C" was was not found.'}


# ---------------------------------------------------------------------------------------------- Web Api Limits

def test_a_full_stock_batch_and_the_price_batches_fit_magentos_web_api_limits():
    """With Stores > Configuration > Services > Web Api Limits on (as 2.4.3 and 2.3.7-p1 shipped), Magento
    refuses a list input of more than 20 entities; the writers' batches stay within it (they were 100)."""
    emu = MagentoEmulator(access_token=TOKEN, input_limit=20).start()
    try:
        with MagentoClient(emu.base_url, TOKEN, max_attempts=1, sleep=lambda s: None) as client:
            skus = [f"S{n:03d}" for n in range(45)]
            for sku in skus:
                emu.add_product(sku)
            writer = StockWriter(client, "run")
            batch = skus[:writer.batch_size]
            result = writer.write([Change(sku, "", 3, None) for sku in batch], {s: {} for s in batch})
            assert len(result.applied) == len(batch) and not result.failed and result.calls == 1
            prices = ProductWriter(client).update(
                [pm.ProductChange(product(str(n), (sku, "9.90")), {}, product(str(n), (sku, "9.90")).variants)
                 for n, sku in enumerate(skus)], {s: {} for s in skus})
            assert len(prices.applied) == 45 and not prices.failed and prices.calls == 3
            assert all(emu.products[s]["price"] == 9.9 for s in skus)
    finally:
        emu.stop()
