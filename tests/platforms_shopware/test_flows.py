"""The Shopware writers (core/platforms/shopware/flows.py) against the emulator over real HTTP: per-item sync
errors, a product gone since it was looked up, the delivery's tracking code and transition exactly once, a
lost answer recovered by reading the delivery, gross/net prices per currency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import NeedsAttention
from core.platforms.shopware import flows
from core.sync import product_mapping as pm
from core.sync.shipment_mapping import Tracking
from core.sync.stock_mapping import Change

DEFAULT = "b7d2554b0ce847cd82f3ac9bd1c0dfca"
CHF = "chf0000000000000000000000000000"


# ---- stock ----

def test_stock_is_written_absolute_by_product_number_in_one_sync_call(sw, client):
    sw.add_product("SW-1", stock=3)
    sw.add_product("SW-2", stock=0)
    writer = flows.StockWriter(client, run_id="r1")
    targets = writer.discover(["SW-1", "sw-2", "NOPE"])  # numbers match whatever their case
    assert set(targets) == {"SW-1", "sw-2"}
    result = writer.write([Change("SW-1", "", 12, None), Change("sw-2", "", 0, None)], targets)
    assert (len(result.applied), result.failed, result.calls) == (2, [], 1)
    assert sw.product("SW-1")["stock"] == 12 and sw.product("SW-2")["stock"] == 0
    [call] = [r for r in sw.requests if r["path"] == "/api/_action/sync"]
    assert call["body"] == {"bc-stock": {"entity": "product", "action": "upsert", "payload": [
        {"id": targets["SW-1"]["product_id"], "stock": 12}, {"id": targets["sw-2"]["product_id"], "stock": 0}]}}
    assert call["headers"]["indexing-behavior"] == "use-queue-indexing"


def test_a_product_deleted_since_discovery_fails_alone_as_gone_and_the_rest_is_written(sw, client):
    sw.add_product("SW-1", stock=3)
    gone = sw.add_product("SW-2", stock=3)
    writer = flows.StockWriter(client, run_id="r1")
    targets = writer.discover(["SW-1", "SW-2"])
    del sw.products[gone["id"]]  # deleted in the Shopware Administration
    result = writer.write([Change("SW-1", "", 7, None), Change("SW-2", "", 9, None)], targets)
    assert [c.sku for c in result.applied] == ["SW-1"] and sw.product("SW-1")["stock"] == 7
    [(change, code, message)] = result.failed
    assert change.sku == "SW-2" and code == "INVALID_INVENTORY_ITEM" and "no longer exists" in message
    assert result.calls == 2  # refused as one transaction, then the rest again
    assert sw.product("SW-2") is None  # the upsert did not create a half product


def test_a_sync_error_naming_no_row_fails_the_whole_batch(sw, client, monkeypatch):
    sw.add_product("SW-1", stock=3)
    writer = flows.StockWriter(client, run_id="r1")
    targets = writer.discover(["SW-1"])
    monkeypatch.setattr(client, "sync", lambda ops: (400, {"errors": [{"code": "X", "source": {"pointer": "/"}}]}))
    result = writer.write([Change("SW-1", "", 7, None)], targets)
    assert result.applied == [] and result.failed[0][1] == "REJECTED"


POINTER = st.one_of(st.text(), st.sampled_from(["/k/0/stock", "/k/2/name", "/k/9/stock", "/x/0", "/k/a", "/k/1"]))
ERROR = st.one_of(st.none(), st.text(), st.integers(),
                  st.fixed_dictionaries({"code": st.one_of(st.none(), st.text()),
                                         "source": st.one_of(st.none(), st.text(),
                                                             st.fixed_dictionaries({"pointer": POINTER}))}))


@given(st.one_of(st.none(), st.text(), st.integers(), st.lists(ERROR)))
def test_refused_rows_reads_any_answer_into_rows_or_none(answer):
    refused = flows.refused_rows(answer if isinstance(answer, dict) else {"errors": answer}, "k",
                                 lambda i: {"id", "stock"}, 3)
    assert refused is None or all(0 <= i < 3 and isinstance(code, str) for i, (code, _) in refused.items())


# ---- shipments ----

def _order(sw, state: str = "open") -> dict:
    order = sw.add_order(sw.make_order(datetime(2026, 3, 1, 12, tzinfo=UTC)))
    order["deliveries"][0]["stateMachineState"] = {"technicalName": state}
    return order


def _push(writer, order, number="102001", tracking=Tracking("DHL", "JJD1", ""), complete=True):
    return writer.push(None, order["id"], {"number": number}, tracking, lambda: complete)


def test_tracking_code_then_ship_and_a_second_push_changes_nothing(sw, client):
    order = _order(sw)
    delivery = order["deliveries"][0]
    writer = flows.ShipmentWriter(client)
    pushed = _push(writer, order)
    assert pushed.data == {"delivery": delivery["id"], "tracking": "JJD1", "state": "shipped", "complete": True}
    assert sw.delivery(delivery["id"])["trackingCodes"] == ["JJD1"]
    assert sw.delivery(delivery["id"])["stateMachineState"]["technicalName"] == "shipped"
    writes = [r for r in sw.requests if r["method"] == "PATCH" or "/_action/" in r["path"]]
    assert [r["path"].rsplit("/", 1)[-1] for r in writes] == [delivery["id"], "ship"]
    again = _push(writer, order)  # a retry after a crash before the binding
    assert again.data["recovered"] is True
    assert len([r for r in sw.requests if r["method"] == "PATCH" or "/_action/" in r["path"]]) == 2


def test_a_partial_shipment_ships_partially_then_the_rest_ships_with_both_codes(sw, client):
    order = _order(sw)
    writer = flows.ShipmentWriter(client)
    assert _push(writer, order, "S1", Tracking("DHL", "A1", ""), complete=False).data["state"] == "shipped_partially"
    assert _push(writer, order, "S2", Tracking("DHL", "B2", ""), complete=True).data["state"] == "shipped"
    delivery = sw.delivery(order["deliveries"][0]["id"])
    assert delivery["trackingCodes"] == ["A1", "B2"] and delivery["stateMachineState"]["technicalName"] == "shipped"


def test_a_lost_answer_to_the_transition_is_recovered_by_reading_the_delivery(sw, client):
    order = _order(sw)
    sw.lose_next_answers(1, path="/state/ship")
    pushed = _push(flows.ShipmentWriter(client), order)
    assert pushed.data["state"] == "shipped" and "earlier try" in pushed.message
    transitions = [r for r in sw.requests if "/state/" in r["path"]]
    assert len(transitions) == 2  # the lost one, and the retry Shopware refused (already shipped)
    assert sw.delivery(order["deliveries"][0]["id"])["trackingCodes"] == ["JJD1"]


def test_a_cancelled_delivery_or_order_needs_attention_and_nothing_is_written(sw, client):
    order = _order(sw, state="cancelled")
    with pytest.raises(NeedsAttention) as closed:
        _push(flows.ShipmentWriter(client), order)
    assert closed.value.code == "shipped_after_cancel"
    cancelled = _order(sw)
    cancelled["stateMachineState"] = {"technicalName": "cancelled"}
    with pytest.raises(NeedsAttention):
        _push(flows.ShipmentWriter(client), cancelled)
    assert not [r for r in sw.requests if r["method"] == "PATCH" or "/_action/" in r["path"]]


def test_a_missing_order_needs_attention(sw, client):
    with pytest.raises(NeedsAttention) as missing:
        flows.ShipmentWriter(client).push(None, "0" * 32, {"number": "1"}, Tracking(), lambda: True)
    assert missing.value.code == "shop_order_missing"


# ---- products ----

def _change(sku: str, price: str, title: str = "Coffee mug", status: str = pm.ACTIVE) -> pm.ProductChange:
    variant = pm.ShopVariant(sku=sku, variant="", option="", price=Decimal(price))
    product = pm.ShopProduct(item=sku, title=title, status=status, category="", variants=(variant,))
    return pm.ProductChange(product, product.fields(), (variant,))


def test_gross_and_net_in_the_flow_currency_other_currencies_kept_description_untouched(sw, client):
    sw.add_product("2000", prices=[{"currencyId": DEFAULT, "gross": 10.0, "net": 8.4, "linked": True},
                                   {"currencyId": CHF, "gross": 11.0, "net": 9.24, "linked": True}])
    client.shop = client.shop.model_copy(update={"products": client.shop.products.model_copy(
        update={"prices_include_tax": True})})
    writer = flows.ProductWriter(client)
    writer.use_currency("EUR")
    targets = writer.discover(["2000"])
    result = writer.update([_change("2000", "19.99", title="Coffee mug XL")], targets)
    assert result.failed == [] and result.calls == 1
    product = sw.product("2000")
    # the bulk-payloads docs' own example: 19.99 gross at 19 % is 16.80 net
    assert product["price"] == [{"currencyId": CHF, "gross": 11.0, "net": 9.24, "linked": True},
                                {"currencyId": DEFAULT, "gross": 19.99, "net": 16.8, "linked": True}]
    assert (product["name"], product["active"], product["description"]) == ("Coffee mug XL", True,
                                                                             "Written in Shopware")


def test_net_prices_and_a_draft_and_a_variant_writes_its_parent(sw, client):
    parent = sw.add_product("SHIRT")
    sw.add_product("SHIRT-S", parent_id=parent["id"])
    client.shop = client.shop.model_copy(update={"products": client.shop.products.model_copy(
        update={"prices_include_tax": False})})
    writer = flows.ProductWriter(client)
    targets = writer.discover(["SHIRT-S"])
    assert targets["SHIRT-S"]["tax_rate"] == "19.0" and targets["SHIRT-S"]["parent_id"] == parent["id"]
    result = writer.update([_change("SHIRT-S", "10.00", title="Shirt", status=pm.DRAFT)], targets)
    assert result.failed == []
    assert sw.product("SHIRT")["active"] is False and sw.product("SHIRT")["name"] == "Shirt"
    variant = sw.product("SHIRT-S")
    assert variant["price"] == [{"currencyId": DEFAULT, "gross": 11.9, "net": 10.0, "linked": True}]
    assert variant["name"] is None  # still inherited


def test_a_foreign_currency_price_on_a_product_without_the_default_one_is_refused_per_product(sw, client):
    sw.add_product("CH-ONLY", prices=[{"currencyId": CHF, "gross": 5.0, "net": 4.2, "linked": True}])
    sw.add_product("OK")
    writer = flows.ProductWriter(client)
    writer.use_currency("CHF")
    targets = writer.discover(["CH-ONLY", "OK"])
    sw.products[targets["CH-ONLY"]["product_id"]]["price"] = []  # the default price removed meanwhile
    targets["CH-ONLY"]["prices"] = []
    result = writer.update([_change("CH-ONLY", "6.00"), _change("OK", "6.00")], targets)
    assert [c.item for c in result.applied] == ["OK"]
    [(change, reason)] = result.failed
    assert change.item == "CH-ONLY" and "CONTENT__PRODUCT_PRICE_MISSING_DEFAULT_CURRENCY" in reason


def test_an_unknown_currency_needs_attention(sw, client):
    sw.add_product("OK")
    writer = flows.ProductWriter(client)
    writer.use_currency("SEK")
    with pytest.raises(NeedsAttention) as unknown:
        writer.update([_change("OK", "6.00")], writer.discover(["OK"]))
    assert unknown.value.code == "products_currency_unknown"


def _new(sku: str, price: str, rate: str | None = "19", options: bool = False) -> pm.ShopProduct:
    variant = pm.ShopVariant(sku=sku, variant="", option="", price=Decimal(price))
    return pm.ShopProduct(item=sku, title=f"New {sku}", status=pm.ACTIVE, category="", variants=(variant,),
                          has_options=options, tax_rate=None if rate is None else Decimal(rate))


def test_missing_simple_products_are_created_once_even_when_the_answer_is_lost(sw, client):
    writer = flows.ProductWriter(client)
    writer.use_currency("EUR")
    sw.lose_next_answers(1, path="/_action/sync")
    result = writer.create([_new("NEW-1", "11.90"), _new("NEW-7", "10.70", rate="7")])
    assert result.failed == [] and sorted(result.created) == ["NEW-1", "NEW-7"]
    created = sw.product("NEW-1")
    assert (created["name"], created["active"], created["stock"], created["taxId"]) == ("New NEW-1", True, 0, "tax19")
    assert created["price"] == [{"currencyId": DEFAULT, "gross": 11.9, "net": 10.0, "linked": True}]
    assert sw.product("NEW-7")["taxId"] == "tax7" and sw.product("NEW-7")["price"][0]["net"] == 10.0
    assert len([p for p in sw.products.values() if p["productNumber"] == "NEW-1"]) == 1  # the lost answer's
    assert result.created["NEW-1"]["product_id"] == created["id"]  # re-send was the same upsert
    again = writer.create([_new("NEW-1", "11.90")])  # a second create (say, a stale target cache)
    assert again.failed == [] and len([p for p in sw.products.values() if p["productNumber"] == "NEW-1"]) == 1


def test_products_that_cannot_be_created_say_why(sw, client):
    writer = flows.ProductWriter(client)
    sw.taxes["tax19b"] = {"id": "tax19b", "taxRate": 19.0, "name": "Another 19"}
    result = writer.create([_new("V", "1.00", options=True), _new("NO-RATE", "1.00", rate=None),
                            _new("TWO-TAXES", "1.00", rate="19"), _new("NO-TAX", "1.00", rate="25")])
    reasons = {change.item: reason for change, reason in result.failed}
    assert "variants" in reasons["V"] and "tax_codes" in reasons["NO-RATE"]
    assert "2 tax" in reasons["TWO-TAXES"] and "no tax" in reasons["NO-TAX"]
    assert result.applied == [] and not [p for p in sw.products.values() if p["productNumber"] in reasons]
    writer.use_currency("CHF")
    del sw.taxes["tax19b"]
    [(change, reason)] = writer.create([_new("CHF-ONLY", "1.00")]).failed
    assert "default currency" in reason


def test_a_shopware_shop_with_several_locations_is_refused_and_one_summing_location_is_fine(sw):
    from core.sync.stock_mapping import plan_for
    from tests.platforms_shopware.conftest import shopware_shop

    with pytest.raises(NeedsAttention) as several:
        plan_for(shopware_shop(sw.base_url, locations={"a": ["MAIN"], "b": ["WEB"]}))
    assert several.value.code == "stock_location_unsupported" and "Multi-Inventory" in several.value.message
    assert plan_for(shopware_shop(sw.base_url, locations={"default": ["MAIN", "WEB"]})).locations == {
        "default": ("MAIN", "WEB")}


def test_a_busy_shop_is_retried_and_a_revoked_token_renewed_on_the_sync_call(sw, client):
    sw.add_product("SW-1", stock=3)
    writer = flows.StockWriter(client, run_id="r1")
    targets = writer.discover(["SW-1"])
    sw.revoke_tokens()
    sw.fail_next(503, count=2, retry_after=0)
    result = writer.write([Change("SW-1", "", 4, None)], targets)
    assert len(result.applied) == 1 and sw.product("SW-1")["stock"] == 4
