"""Centra stock: the StockWriter (setStock per warehouse, per-item errors) against the emulator, and the
emulator held to contract 4.2 (it refuses what the documented input shape does not allow)."""

from __future__ import annotations

import pytest

from core.errors import NeedsAttention
from core.platforms import part
from core.platforms.centra.client import Enum, literal
from core.platforms.centra.flows import StockWriter
from core.sync.stock import GONE
from core.sync.stock_mapping import Change


def writer(client) -> StockWriter:
    return StockWriter(client, run_id="r1")


def test_the_flows_find_the_centra_stock_writer():
    assert part("centra", "StockWriter") is StockWriter


def test_discovery_reads_the_catalog_once_and_knows_only_its_skus(client, centra):
    w = writer(client)
    assert w.discover(["TEE-S", "NOPE"]) == {"TEE-S": {"variant": 2001, "size": "S", "product": 7001}}
    assert w.discover(["CAP-1"]) == {"CAP-1": {"variant": 2002, "size": "One Size", "product": 7002}}
    assert centra.counters["productVariants"] == 1


def test_discovery_pages_through_a_catalog_larger_than_a_page(centra):
    from core.platforms.centra.client import CentraClient

    for n in range(5):
        centra.add_variant(3000 + n, {"S": f"X{n}"})
    with CentraClient(centra.base_url, "centra-test-token", page_size=2) as api:
        assert {f"X{n}" for n in range(5)} <= set(api.size_targets())
    assert centra.counters["productVariants"] == 4  # 7 variants, 2 a page: the 4th page is short


def test_stock_per_warehouse_in_one_call_each(client, centra):
    w = writer(client)
    targets = w.discover(["TEE-S", "TEE-M", "CAP-1"])
    result = w.write([Change("TEE-S", "1", 5, None), Change("TEE-M", "1", 0, 3), Change("CAP-1", "2", 7, None)],
                     targets)
    assert result.calls == 2 and not result.failed and len(result.applied) == 3
    assert centra.stock_of("TEE-S", 1) == 5 and centra.stock_of("TEE-M", 1) == 0 and centra.stock_of("CAP-1", 2) == 7


def test_a_size_centra_does_not_have_fails_alone_and_the_rest_is_sent_again_without_it(client, centra):
    w = writer(client)
    targets = {**w.discover(["TEE-S", "CAP-1"]), "TEE-XL": {"variant": 2001, "size": "XL"}}  # a stale cache entry
    result = w.write([Change("TEE-S", "1", 4, None), Change("TEE-XL", "1", 2, None), Change("CAP-1", "1", 9, None)],
                     targets)
    assert [(c.sku, code) for c, code, _ in result.failed] == [("TEE-XL", GONE[0])]
    assert "XL" in result.failed[0][2]
    assert sorted(c.sku for c in result.applied) == ["CAP-1", "TEE-S"]
    assert result.calls == 2  # the first call answered errors: nothing of it was counted as applied
    assert centra.stock_of("TEE-S", 1) == 4 and centra.stock_of("CAP-1", 1) == 9


def test_an_error_naming_no_row_fails_every_row_and_applies_none(client, centra, monkeypatch):
    monkeypatch.setattr(client, "set_stock", lambda *a, **k: [{"message": "Internal problem", "path": None}])
    w = writer(client)
    targets = {"TEE-S": {"variant": 2001, "size": "S", "product": 7001}}
    result = w.write([Change("TEE-S", "1", 4, None)], targets)
    assert not result.applied and result.failed[0][1:] == ("REJECTED", "Internal problem")


def test_an_unknown_warehouse_or_a_location_that_is_no_warehouse_id_needs_attention(client, centra):
    w = writer(client)
    targets = w.discover(["TEE-S"])
    with pytest.raises(NeedsAttention) as unknown:
        w.write([Change("TEE-S", "9", 1, None)], targets)
    assert unknown.value.code == "stock_location_unknown" and "9" in unknown.value.message
    with pytest.raises(NeedsAttention) as named:
        w.write([Change("TEE-S", "", 1, None)], targets)
    assert "[shops.locations]" in named.value.resolution
    assert centra.stock == {}


# ---- the emulator against contract 4.2 ----

def test_the_emulator_refuses_a_string_where_the_enum_goes_and_a_missing_warehouse(client, centra):
    body = {"warehouse": {"id": 1}, "description": "x", "stockQuantityType": "PHYSICAL",
            "productVariants": [{"productVariant": {"id": 2001}, "sizeStockLevels": [{"size": {"name": "S"},
                                                                                      "quantity": 1}]}]}
    with pytest.raises(NeedsAttention, match="Enum 'StockQuantityType' cannot represent non-enum value"):
        client.mutate("setStock", f"input: {literal(body)}", "stockChanges { id }")
    body["stockQuantityType"] = Enum("PHYSICAL")
    del body["warehouse"]
    with pytest.raises(NeedsAttention, match="required field 'warehouse'"):
        client.mutate("setStock", f"input: {literal(body)}", "stockChanges { id }")
    assert centra.stock == {}


def test_the_emulator_refuses_a_negative_or_fractional_quantity(client, centra):
    assert client.set_stock(1, [(2001, [("S", -1)])], "test")[0]["path"][-1] == "quantity"
    with pytest.raises(NeedsAttention, match="Int cannot represent non-integer value: 1.5"):
        client.mutate("setStock", 'input: {warehouse: {id: 1}, description: "x", stockQuantityType: PHYSICAL, '
                      'productVariants: '
                      '[{productVariant: {id: 2001}, sizeStockLevels: [{size: {name: "S"}, quantity: 1.5}]}]}',
                      "stockChanges { id }")
    assert centra.stock == {}


def test_the_emulator_wants_the_bearer_token(centra):
    from core.platforms.centra.client import CentraClient

    with CentraClient(centra.base_url, "wrong", sleep=lambda s: None) as api, pytest.raises(NeedsAttention) as exc:
        api.set_stock(1, [(2001, [("S", 1)])], "test")
    assert exc.value.code == "shop_auth_failed" and centra.stock == {}
