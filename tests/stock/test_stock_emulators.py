"""Stock BC → shops against the emulators: BC emulator (ItemStockByLocation page, items), the Shopify
emulator (cost bucket, compare-and-swap) and the WooCommerce emulator, with state in Azurite.

Each test gets its own shop keys (unique suffix), so snapshots and target caches never mix."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from core.config import check_config
from core.errors import NeedsAttention, Retryable, Skip
from core.state import Envelope, Storage, SyncStatus, names
from core.state.snapshot import StockSnapshot, StockTargets
from core.sync import stock
from core.sync import stock_mapping as m
from core.sync.context import Context, bc_client_from_config
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
from sandbox.samples import dumps, shopify_order
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator

pytestmark = pytest.mark.timeout(120)

L1, L2 = "gid://shopify/Location/1001", "gid://shopify/Location/1002"


@pytest.fixture(scope="module")
def bc_emulator():
    bc = BcEmulator(seed="demo").start()
    yield bc
    bc.stop()


@pytest.fixture
def shops():
    shopify, woo = ShopifyEmulator().start(), WooEmulator().start()
    yield shopify, woo
    shopify.stop(), woo.stop()


@pytest.fixture
def env(bc_emulator, shops, storage_connection, unique_name, monkeypatch):
    bc, (shopify, woo) = bc_emulator, shops
    bc.reset()
    for name, value in {"BC_BASE_URL": bc.base_url, "BC_TENANT_ID": "t", "BC_CLIENT_ID": "bridge",
                        "BC_DEV_TOKEN": "tok", "SHOPIFY_TOKEN": shopify.access_token, "WOO_CREDS": "ck_test:cs_test",
                        "SECRET": "x"}.items():
        monkeypatch.setenv(name, value)
    unique_name = f"{unique_name[:8]}{uuid.uuid4().hex[:4]}"  # fresh shops even if Azurite outlives a session
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    return Env(bc, shopify, woo, storage, unique_name)


class Env:
    def __init__(self, bc, shopify, woo, storage, suffix):
        self.bc, self.shopify, self.woo, self.storage, self.suffix = bc, shopify, woo, storage, suffix
        self.shop_key = f"sh-{suffix}"
        self.woo_key = f"wc-{suffix}"

    def context(self, shopify_extra: str = "", woo_extra: str = "", page: str = "ItemStockByLocation") -> Context:
        text = f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[bc.pages]
stock_by_location = "{page}"
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
[[shops]]
key = "{self.shop_key}"
platform = "shopify"
url = "{self.shopify.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "SHOPIFY_TOKEN"
flows = ["orders", "stock"]
{shopify_extra}
[[shops]]
key = "{self.woo_key}"
platform = "woocommerce"
url = "{self.woo.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "WOO_CREDS"
flows = ["stock"]
{woo_extra}
[[routing]]
company = "se"
'''
        config, problems = check_config(text)
        assert not problems, problems
        return Context(config=config, storage=self.storage, bc_factory=bc_client_from_config)

    def adjust_bc(self, item: str, location: str, delta: int, variant: str = "") -> None:
        with self.bc.store.lock:
            company = self.bc.store.company(DEMO_COMPANY_SE_ID)
            (record,) = [r for r in company.table("items").values() if r["number"] == item]
            self.bc.api.bc.adjust_stock(company, record["id"], location, variant, Decimal(delta))

    def item(self, sku: str) -> str:
        return self.shopify.data.variant_by_sku(sku).inventory_item_id  # (digit SKUs read as item numbers)

    def inv(self, sku: str, location: str) -> int | None:
        return self.shopify.inventory(self.item(sku), location)

    def set_shop(self, sku: str, location: str, quantity: int) -> None:
        self.shopify.set_inventory(self.item(sku), location, quantity)

    def writes(self) -> int:
        return self.shopify.counters["inventorySetQuantities"]

    def lookups(self) -> int:
        return self.shopify.counters["productVariants"]


MAPPED = f'''
items = {{ "TEE-S-BLK" = "1000:S-BLK", "TEE-S-WHT" = "1000:S-WHT" }}
[shops.stock]
committed = "none"
[shops.locations]
"{L1}" = ["MAIN", "WEB"]
"{L2}" = ["STORE1"]
'''
SHOP_SKUS = ["2000", "IPOD2008PINK", "BEDB-20-BK-2", "TEE-S-BLK", "TEE-S-WHT"]


def stock_shop(env, skus=SHOP_SKUS, locations=(L1, L2), quantity=0):
    for sku in skus:
        if env.shopify.data.variant_by_sku(sku) is None:
            env.shopify.add_variant(sku, {loc: quantity for loc in locations})
        else:
            for loc in locations:
                env.set_shop(sku, loc, quantity)


def test_mapped_and_summed_locations_arrive_then_an_unchanged_run_writes_nothing(env):
    stock_shop(env)
    ctx = env.context(MAPPED)
    run = stock.export_stock_levels(ctx, env.shop_key)
    assert run.full and run.failed == 0 and run.source == "page ItemStockByLocation"
    inv = env.inv
    assert (inv("2000", L1), inv("2000", L2)) == (100, 12)  # MAIN; STORE1
    assert (inv("IPOD2008PINK", L1), inv("IPOD2008PINK", L2)) == (30, 0)  # MAIN 25 + WEB 5 summed
    assert (inv("BEDB-20-BK-2", L1), inv("BEDB-20-BK-2", L2)) == (6, 2)
    assert (inv("TEE-S-BLK", L1), inv("TEE-S-WHT", L2)) == (20, 4)  # variants through [shops.items]
    assert run.applied == 2 * len(SHOP_SKUS)
    assert run.writes == 1  # 10 pairs fit in one inventorySetQuantities
    assert run.no_sku > 0  # T-shirt/hoodie variants without a SKU mapping are counted, not pushed
    # SKUs BC has but the shop does not: skipped once, with a reason, and cached as unknown
    unknown = ctx.synclog.get("stock", env.shop_key, "sku:3000")
    assert unknown.status == SyncStatus.SKIPPED and unknown.code == "unknown_sku"
    assert StockTargets(env.storage).load(env.shop_key)["3000"] == {"unknown": True}

    writes, lookups = env.writes(), env.lookups()
    again = stock.export_stock_levels(ctx, env.shop_key)
    assert not again.full and again.changes == 0
    assert (env.writes(), env.lookups()) == (writes, lookups)  # zero shop calls of any kind


def test_a_changed_sku_is_pushed_once(env):
    stock_shop(env)
    ctx = env.context(MAPPED)
    stock.export_stock_levels(ctx, env.shop_key)
    env.adjust_bc("2000", "STORE1", -5)
    writes = env.writes()
    run = stock.export_stock_levels(ctx, env.shop_key)
    assert (run.changes, run.applied, run.writes) == (1, 1, 1)
    assert env.writes() == writes + 1
    assert env.inv("2000", L2) == 7 and env.inv("2000", L1) == 100
    assert StockSnapshot(env.storage).get(env.shop_key, m.snapshot_key("2000", L2)) == 7
    assert stock.export_stock_levels(ctx, env.shop_key).writes == 0


def test_total_mode_uses_the_items_api_on_the_default_or_only_location(env):
    stock_shop(env, ["2000", "3000"], locations=(L2,))
    ctx = env.context(f'[shops.stock]\ncommitted = "none"\ndefault_location = "{L2}"')
    run = stock.export_stock_levels(ctx, env.shop_key)
    assert run.source == "items" and run.failed == 0
    assert env.inv("2000", L2) == 112 and env.inv("3000", L2) == 40
    # no default location: a SKU stocked at exactly one Shopify location gets the total there
    stock_shop(env, ["IPOD2008RED"], locations=(L1,))
    ctx = env.context('[shops.stock]\ncommitted = "none"')
    stock.export_stock_levels(ctx, env.shop_key, full=True)
    assert env.inv("IPOD2008RED", L1) == 7


def test_buffer_and_committed_orders_are_taken_off(env):
    stock_shop(env, ["2000"])
    co = bc_client_from_config(env.context().config).company(DEMO_COMPANY_SE_ID)
    co.create("salesOrders", {"customerNumber": "10000", "salesOrderLines": [
        {"lineType": "Item", "lineObjectNumber": "2000", "quantity": 3}]})
    ctx = env.context(MAPPED.replace('committed = "none"', 'committed = "shop_pending_and_bc_open_orders"\nbuffer = 1'))
    payload = shopify_order(991, [("2000", 2, "89.00")])
    ref = ctx.inbox.store(env.shop_key, dumps(payload), {"content-type": "application/json"})
    ctx.synclog.record("orders", env.shop_key, str(payload["id"]), SyncStatus.RECEIVED, payload_ref=ref)
    run = stock.export_stock_levels(ctx, env.shop_key)
    assert run.committed_bc >= 1 and run.committed_shop == 1
    # MAIN 100 − 3 on the open BC order − 2 on the queued shop order − 1 buffer
    assert env.inv("2000", L1) == 94
    assert env.inv("2000", L2) == 11  # STORE1 12 − buffer


def test_throttled_answers_are_waited_out(env):
    stock_shop(env)
    ctx = env.context(MAPPED)
    env.shopify.drain_bucket(0)
    # a first run now discovers by one bulk operation (10 points), which a 100 points/s refill covers before
    # the BC reads are done: refill slowly so the empty bucket is still felt
    env.shopify.bucket.restore_rate = 5.0
    throttled = env.shopify.counters["throttled"]
    run = stock.export_stock_levels(ctx, env.shop_key)
    assert run.failed == 0 and run.applied == 2 * len(SHOP_SKUS)
    assert env.shopify.counters["throttled"] > throttled


def test_a_stale_change_from_quantity_is_re_read_and_resolved(env):
    stock_shop(env)
    ctx = env.context(MAPPED)
    stock.export_stock_levels(ctx, env.shop_key)
    env.set_shop("2000", L1, 98)  # two sold in the shop since we told it 100
    env.adjust_bc("2000", "MAIN", -10)  # and BC changed too
    run = stock.export_stock_levels(ctx, env.shop_key)
    assert run.stale_resolved == 1 and run.failed == 0
    assert env.inv("2000", L1) == 90  # BC is the master
    assert run.writes == 2  # the stale try, then the resolved one


def test_a_failed_batch_is_logged_the_rest_goes_on_and_the_next_run_retries_it(env, monkeypatch):
    stock_shop(env)
    ctx = env.context(MAPPED)
    stock.export_stock_levels(ctx, env.shop_key)  # targets cached, snapshot written
    for sku, location in (("2000", "MAIN"), ("IPOD2008PINK", "MAIN"), ("BEDB-20-BK-2", "MAIN"),
                          ("BEDB-20-BK-2", "STORE1"), ("2000", "STORE1")):
        env.adjust_bc(sku, location, -1)
    writer = stock.writer_for(ctx.config.shop(env.shop_key), "run-1")
    writer.batch_size = 4
    env.shopify.fail_next(503, count=10, retry_after=0)  # 5 client attempts × 2 tries of the first batch
    run = stock.export_stock_levels(ctx, env.shop_key, writer=writer, sleep=lambda s: None)
    assert (run.changes, run.failed, run.applied) == (5, 4, 1) and "503" in run.failures[0]
    told = StockSnapshot(env.storage).load(env.shop_key)
    assert told[m.snapshot_key("2000", L1)] == 100  # the failed pair keeps what the shop was last told
    writes = env.writes()
    again = stock.export_stock_levels(ctx, env.shop_key)
    assert (again.changes, again.applied, again.failed) == (4, 4, 0) and env.writes() == writes + 1
    assert env.inv("2000", L1) == 99 and env.inv("2000", L2) == 11
    with pytest.raises(Retryable):  # through the queue worker a run with failures retries soon
        env.adjust_bc("3000", "MAIN", 1)
        env.adjust_bc("2000", "MAIN", -1)
        env.shopify.fail_next(503, count=10, retry_after=0)
        monkeypatch.setattr(stock.time, "sleep", lambda s: None)
        stock.run_stock_item(ctx, Envelope(flow="stock", shop=env.shop_key, payload_ref=""))


def test_per_location_stock_without_a_page_needs_attention(env):
    ctx = env.context(MAPPED, page="")
    with pytest.raises(NeedsAttention) as exc:
        stock.export_stock_levels(ctx, env.shop_key)
    assert exc.value.code == "stock_by_location_unavailable" and "stock_by_location" in exc.value.resolution
    ctx = env.context(MAPPED, page="NoSuchPage")
    with pytest.raises(NeedsAttention) as exc:
        stock.export_stock_levels(ctx, env.shop_key)
    assert exc.value.code == "stock_by_location_unavailable" and "NoSuchPage" in exc.value.message


def test_runs_of_one_shop_never_overlap(env):
    ctx = env.context(MAPPED)
    ctx.bindings.claim("stock-run", env.shop_key, "run", "someone-else", stock.RUN_LEASE)
    with pytest.raises(Skip):
        stock.export_stock_levels(ctx, env.shop_key)


def test_woocommerce_total_stock_and_no_writes_when_unchanged(env):
    env.woo.add_product("2000", stock=0)
    env.woo.add_product("WOO-ALBUM", stock=0)
    ctx = env.context(woo_extra='[shops.stock]\ncommitted = "none"')
    run = stock.export_stock_levels(ctx, env.woo_key)
    assert run.failed == 0 and run.writes == 1
    assert env.woo.stock("2000") == 112 and env.woo.stock("WOO-ALBUM") == 50
    calls = env.woo.counters["batch_calls"]
    assert stock.export_stock_levels(ctx, env.woo_key).writes == 0
    assert env.woo.counters["batch_calls"] == calls


def test_woocommerce_with_stock_management_off_needs_attention_instead_of_a_green_push(env):
    # issue 19.2: the products controller skips manage_stock/stock_quantity and answers 200
    env.woo.add_product("2000", stock=0)
    env.woo.stock_management = False
    ctx = env.context(woo_extra='[shops.stock]\ncommitted = "none"')
    with pytest.raises(NeedsAttention) as off:
        stock.export_stock_levels(ctx, env.woo_key)
    assert off.value.code == "woo_stock_management_off" and "Enable stock management" in off.value.resolution
    assert env.woo.stock("2000") == 0


def test_woocommerce_product_that_cannot_manage_stock_is_a_needs_attention_record(env):
    env.woo.add_product("2000", stock=0)
    env.woo.add_product("WOO-ALBUM", stock=None, kind="external")  # external products never manage stock
    ctx = env.context(woo_extra='[shops.stock]\ncommitted = "none"')
    run = stock.export_stock_levels(ctx, env.woo_key)
    assert (run.applied, run.not_managed, run.failed) == (1, 1, 0)
    record = ctx.synclog.get("stock", env.woo_key, "sku:WOO-ALBUM")
    assert record.status == SyncStatus.NEEDS_ATTENTION and "Manage stock" in record.message
    assert env.woo.stock("WOO-ALBUM") is None and env.woo.stock("2000") == 112
    env.woo.product_by_sku("WOO-ALBUM")["type"] = "simple"  # the operator makes it a product that manages stock
    assert stock.export_stock_levels(ctx, env.woo_key).applied == 1
    assert ctx.synclog.get("stock", env.woo_key, "sku:WOO-ALBUM").status == SyncStatus.SUCCESS
    assert env.woo.stock("WOO-ALBUM") == 50


def test_the_timer_queues_one_run_per_stock_shop(env):
    ctx = env.context(MAPPED)
    assert stock.enqueue_stock_runs(ctx) == 2
    queue = env.storage.queue(names.STOCK_EXPORT)
    mine = [json.loads(msg.content) for msg in queue.receive_messages(messages_per_page=32, visibility_timeout=1)]
    assert {e["shop"] for e in mine if e["shop"].endswith(env.suffix)} == {env.shop_key, env.woo_key}


def test_a_cold_start_discovers_every_target_with_one_bulk_operation(env):
    stock_shop(env)
    ctx = env.context(MAPPED)
    assert StockTargets(env.storage).load(env.shop_key) == {}
    run = stock.export_stock_levels(ctx, env.shop_key, full=True)
    assert run.failed == 0 and run.applied == 2 * len(SHOP_SKUS)
    assert env.shopify.counters["bulkOperationRunQuery"] == 1 and env.lookups() == 0  # no per-SKU lookups
    targets = StockTargets(env.storage).load(env.shop_key)
    assert targets["2000"]["inventory_item_id"] == env.item("2000") and targets["2000"]["locations"] == [L1, L2]
    assert targets["3000"] == {"unknown": True}  # in BC, not in the catalog: unknown without a lookup
    assert ctx.synclog.get("stock", env.shop_key, "sku:3000").code == "unknown_sku"

    env.shopify.add_variant("3000", {L1: 0, L2: 0})  # created in the shop later: a handful stays per call
    again = stock.export_stock_levels(ctx, env.shop_key, full=True)
    assert again.failed == 0 and StockTargets(env.storage).load(env.shop_key)["3000"]["locations"] == [L1, L2]
    assert env.shopify.counters["bulkOperationRunQuery"] == 1 and env.lookups() >= 1


def test_a_failed_bulk_operation_falls_back_to_per_call_discovery(env):
    stock_shop(env)
    ctx = env.context(MAPPED)
    env.shopify.fail_next_bulk_operation("TIMEOUT")
    run = stock.export_stock_levels(ctx, env.shop_key, full=True)
    assert run.failed == 0 and run.applied == 2 * len(SHOP_SKUS)
    assert env.shopify.counters["bulkOperationRunQuery"] == 1 and env.lookups() >= 1
