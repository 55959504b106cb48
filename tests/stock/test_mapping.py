"""The pure part of stock BC → shop: location plans, quantities, SKUs, delta."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from core.config import Shop
from core.errors import NeedsAttention
from core.sync import stock_mapping as m


def shop(**kw) -> Shop:
    base = {"key": "s", "platform": "shopify", "url": "https://s.example", "webhook_secret_setting": "X",
            "flows": ["stock"]}
    return Shop.model_validate({**base, **kw})


def test_mapped_and_summed_locations():
    plan = m.plan_for(shop(locations={"gid://shopify/Location/1": ["MAIN", "web"], "gid://shopify/Location/2":
                                      ["STORE1"]}))
    assert plan.mode == m.LOCATIONS
    levels = m.shop_levels({"MAIN": D(10), "WEB": D(5), "STORE1": D(3), "OTHER": D(99)}, plan)
    assert levels == {"gid://shopify/Location/1": 15, "gid://shopify/Location/2": 3}


def test_total_mode_sums_everything_on_the_default_location():
    plan = m.plan_for(shop(stock={"default_location": "gid://shopify/Location/9"}))
    assert plan.mode == m.TOTAL
    assert m.shop_levels({"": D(12)}, plan) == {"gid://shopify/Location/9": 12}
    assert m.shop_levels({"A": D(2), "B": D("3.5")}, m.plan_for(shop())) == {"": 5}


def test_never_negative_clamped_per_bc_location_before_summing():
    plan = m.plan_for(shop(locations={"L": ["A", "B"]}))
    # -4 at A is a booking error there: B's 6 are still sellable
    assert m.shop_levels({"A": D(-4), "B": D(6)}, plan) == {"L": 6}
    assert m.shop_levels({"A": D(-4)}, plan) == {"L": 0}


def test_buffer_and_committed_quantities():
    plan = m.plan_for(shop(locations={"L1": ["MAIN"], "L2": ["STORE"]}, stock={"buffer": 2}))
    levels = m.shop_levels({"MAIN": D(10), "STORE": D(3)}, plan,
                           bc_committed={"MAIN": D(3), "STORE": D(5)}, shop_committed={"L1": D(1)})
    # L1: 10 − 3 open BC order − 1 pending shop order − 2 buffer; L2: max(0, 3 − 5) − 2 → 0
    assert levels == {"L1": 4, "L2": 0}


def test_fractions_round_down_to_whole_units():
    assert m.whole_units(D("2.9")) == 2
    assert m.whole_units(D("-0.5")) == 0


def test_configuration_problems_need_attention():
    with pytest.raises(NeedsAttention) as exc:
        m.plan_for(shop(locations={"L1": []}))
    assert exc.value.code == "stock_location_unmapped"
    with pytest.raises(NeedsAttention) as exc:
        m.plan_for(shop(platform="woocommerce", locations={"a": ["MAIN"], "b": ["WEB"]}))
    assert exc.value.code == "stock_location_unsupported"


def test_skus_follow_the_orders_convention():
    index = m.sku_index(shop(items={"TEE-S": "1000:s-blk", "12345": "1000:M-BLK", "MUG": "2000"}))
    assert index == {("1000", "S-BLK"): "TEE-S", ("2000", ""): "MUG"}  # variant ids are not SKUs
    assert m.sku_for("1000", "S-BLK", index) == "TEE-S"
    assert m.sku_for("2000", "", index) == "MUG"
    assert m.sku_for("3000", "", index) == "3000"
    assert m.sku_for("1000", "M-BLK", index) is None


def test_delta_pushes_only_what_changed_and_full_overwrites():
    told = {m.snapshot_key("A/1", "L1"): 5, m.snapshot_key("A/1", "L2"): 3}
    levels = {"L1": 5, "L2": 4, "L3": 0}
    changes = m.delta("A/1", levels, told.get, full=False)
    assert changes == [m.Change("A/1", "L2", 4, 3), m.Change("A/1", "L3", 0, None)]
    assert m.delta("A/1", {"L1": 5}, told.get, full=False) == []
    assert m.delta("A/1", {"L1": 5}, told.get, full=True) == [m.Change("A/1", "L1", 5, None)]


def test_snapshot_keys_are_table_safe():
    key = m.snapshot_key("A/B#1?", "gid://shopify/Location/1")
    assert not any(ch in key for ch in "/\\#?")
    assert m.snapshot_key("A|B", "") != m.snapshot_key("A", "B")


def test_pending_order_lines_land_on_their_location_or_the_first():
    plan = m.plan_for(shop(locations={"gid://shopify/Location/1": ["MAIN"], "gid://shopify/Location/2": ["S"]}))
    assert m.shop_location_of("2", plan) == "gid://shopify/Location/2"
    assert m.shop_location_of("", plan) == "gid://shopify/Location/1"
    assert m.shop_location_of("", m.plan_for(shop())) == ""


def test_group_rows_streams_consecutive_groups():
    rows = [{"k": 1}, {"k": 1}, {"k": 2}]
    assert [(k, len(g)) for k, g in m.group_rows(rows, lambda r: r["k"])] == [(1, 2), (2, 1)]
