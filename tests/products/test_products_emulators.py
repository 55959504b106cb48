"""Products and prices BC → shops against the emulators: the BC emulator (items, itemVariants,
itemCategories, the published SalesPriceListLines page), the Shopify and WooCommerce emulators, state in
Azurite. Each test gets its own shop keys, so snapshots and target caches never mix."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from core.config import check_config
from core.errors import NeedsAttention
from core.state import Storage, SyncStatus
from core.state.product_snapshot import ProductSnapshot, ProductTargets
from core.sync import products
from core.sync.context import Context, bc_client_from_config
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator

pytestmark = pytest.mark.timeout(120)

ITEMS = "number in ('1000', '1100', '2000', '3000', 'IPOD2008PINK')"
TEE = '{ "TEE-S-BLK" = "1000:S-BLK", "TEE-M-BLK" = "1000:M-BLK", "HOOD-M" = "1100:M-GRY", "HOOD-L" = "1100:L-GRY" }'
MUTATIONS = ("productUpdate", "productVariantsBulkUpdate", "productSet")


@pytest.fixture(scope="module")
def bc_emulator():
    bc = BcEmulator(seed="demo").start()
    yield bc
    bc.stop()


@pytest.fixture
def env(bc_emulator, storage_connection, unique_name, monkeypatch):
    bc = bc_emulator
    bc.reset()
    shopify, woo = ShopifyEmulator(currency="SEK").start(), WooEmulator(currency="SEK").start()
    for name, value in {"BC_BASE_URL": bc.base_url, "BC_TENANT_ID": "t", "BC_DEV_TOKEN": "tok",
                        "SHOPIFY_TOKEN": shopify.access_token, "WOO_CREDS": "ck_test:cs_test", "SECRET": "x"}.items():
        monkeypatch.setenv(name, value)
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    yield Env(bc, shopify, woo, storage, f"{unique_name[:8]}{uuid.uuid4().hex[:4]}")
    shopify.stop(), woo.stop()


class Env:
    def __init__(self, bc, shopify, woo, storage, suffix):
        self.bc, self.shopify, self.woo, self.storage = bc, shopify, woo, storage
        self.shop_key, self.woo_key = f"sh-{suffix}", f"wc-{suffix}"

    def context(self, products_extra: str = "", item_filter: str = ITEMS) -> Context:
        text = f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
tax_codes = {{ "25" = "VAT25", "12" = "VAT12", "6" = "VAT6", "0" = "VAT0" }}
[[shops]]
key = "{self.shop_key}"
platform = "shopify"
url = "{self.shopify.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "SHOPIFY_TOKEN"
flows = ["products"]
items = {TEE}
[shops.products]
item_filter = "{item_filter}"
{products_extra}
[[shops]]
key = "{self.woo_key}"
platform = "woocommerce"
url = "{self.woo.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "WOO_CREDS"
flows = ["products"]
items = {TEE}
[shops.products]
item_filter = "{item_filter}"
{products_extra}
[[routing]]
company = "se"
'''
        config, problems = check_config(text)
        assert not problems, problems
        return Context(config=config, storage=self.storage, bc_factory=bc_client_from_config)

    def stock_shopify(self) -> None:
        """The shop has the mug, the cookbook and the T-shirt (two variants) with its own texts and prices."""
        self.shopify.add_product("Mug (shop title)", [("2000", "Default Title", "1.00")],
                                 description="<p>Our best mug</p>")
        self.shopify.add_product("Cookbook", [("3000", "Default Title", "1.00")])
        self.shopify.add_product("Tee", [("TEE-S-BLK", "S", "1.00"), ("TEE-M-BLK", "M", "1.00")], option="Size")

    def set_bc_item(self, number: str, **fields) -> None:
        co = bc_client_from_config(self.context().config).company(DEMO_COMPANY_SE_ID)
        record = co.first("items", filter=f"number eq '{number}'")
        co.update("items", record["id"], fields, etag=record["@odata.etag"])

    def mutations(self) -> dict[str, int]:
        return {name: self.shopify.counters[name] for name in MUTATIONS}

    def woo_writes(self) -> int:
        return self.woo.counters["batch_calls"] + self.woo.counters["variation_batch_calls"]


def test_prices_titles_and_categories_arrive_and_an_unchanged_run_writes_nothing(env):
    env.stock_shopify()
    ctx = env.context()
    run = products.export_products(ctx, env.shop_key)
    assert run.failed == 0 and run.source == "items.unitPrice" and run.items == 5
    mug = env.shopify.product_of("2000")
    assert (mug["title"], mug["status"], mug["productType"]) == ("Coffee mug", "ACTIVE", "Home")
    assert mug["variants"]["2000"]["price"] == "111.25"  # 89.00 excl. → incl. 25 % (shop shows incl.)
    assert mug["descriptionHtml"] == "<p>Our best mug</p>"  # the shop's text is the shop's
    assert env.shopify.product_of("3000")["variants"]["3000"]["price"] == "263.94"  # books: 6 %
    tee = env.shopify.product_of("TEE-S-BLK")
    assert tee["title"] == "T-shirt Classic" and tee["variants"]["TEE-M-BLK"]["price"] == "248.75"
    assert run.writes == 6  # productUpdate + productVariantsBulkUpdate for each of the three products
    # hoodie and iPod are published in BC but the shop has no such SKU: skipped once, with the reason
    skipped = ctx.synclog.get("products", env.shop_key, "sku:IPOD2008PINK")
    assert skipped.status == SyncStatus.SKIPPED and skipped.code == "unknown_sku"
    assert run.unknown == 3 and run.no_sku == 2  # T-shirt L-BLK and S-WHT have no shop SKU
    assert ProductTargets(env.storage).load(env.shop_key)["HOOD-M"] == {"unknown": True}

    before, lookups = env.mutations(), env.shopify.counters["productVariants"]
    again = products.export_products(ctx, env.shop_key)
    assert again.changes == 2 and again.writes == 0  # only the two unknown products, which cost nothing
    assert env.mutations() == before and env.shopify.counters["productVariants"] == lookups


def test_a_price_change_in_bc_is_pushed_once(env):
    env.stock_shopify()
    ctx = env.context()
    products.export_products(ctx, env.shop_key)
    env.set_bc_item("2000", unitPrice=99.0)
    before = env.mutations()
    run = products.export_products(ctx, env.shop_key)
    assert (run.updated, run.writes) == (1, 1)
    after = env.mutations()
    assert after["productVariantsBulkUpdate"] == before["productVariantsBulkUpdate"] + 1
    assert after["productUpdate"] == before["productUpdate"]  # title/status unchanged: not sent
    assert env.shopify.product_of("2000")["variants"]["2000"]["price"] == "123.75"
    snapshot = ProductSnapshot(env.storage).load(env.shop_key)
    assert snapshot.told_variant("2000") is not None and snapshot.items["2000"]["skus"] == ["2000"]
    assert products.export_products(ctx, env.shop_key).writes == 0


def test_a_price_list_page_overrides_unit_price(env):
    env.stock_shopify()
    se = DEMO_COMPANY_SE_ID
    env.bc.add_price_list_line(se, "WEB", "2000", 80)
    env.bc.add_price_list_line(se, "WEB", "1000", 170)
    env.bc.add_price_list_line(se, "WEB", "1000", 150, variant_code="S-BLK")
    env.bc.add_price_list_line(se, "WEB", "3000", 10, ending_date="2020-12-31")  # expired
    env.bc.add_price_list_line(se, "WEB", "3000", 20, currency_code="EUR")  # another currency
    env.bc.add_price_list_line(se, "WEB", "3000", 30, minimum_quantity=5)  # a quantity price
    env.bc.add_price_list_line(se, "B2B", "3000", 40)  # another price list
    ctx = env.context('price_list_page = "SalesPriceListLines"\nprice_list_code = "WEB"')
    run = products.export_products(ctx, env.shop_key, today=date(2026, 3, 15))
    assert run.failed == 0 and run.source == "price list WEB (page SalesPriceListLines)"
    price = lambda sku: env.shopify.product_of(sku)["variants"][sku]["price"]  # noqa: E731
    assert price("2000") == "100.00"  # 80 + 25 %
    assert (price("TEE-S-BLK"), price("TEE-M-BLK")) == ("187.50", "212.50")  # variant line, then item line
    assert price("3000") == "263.94"  # no valid line: items.unitPrice
    # the line ends: the next run falls back to unitPrice, once
    env.bc.set_price_list_line(se, "WEB", 10000, Ending_Date="2026-03-15")
    assert products.export_products(ctx, env.shop_key, today=date(2026, 3, 15)).writes == 0
    run = products.export_products(ctx, env.shop_key, today=date(2026, 3, 16))
    assert run.writes == 1 and price("2000") == "111.25"


def test_create_missing_creates_products_and_variants_once(env):
    env.stock_shopify()
    ctx = env.context("create_missing = true")
    run = products.export_products(ctx, env.shop_key)
    assert run.created == 2 and run.failed == 0 and env.shopify.counters["productSet"] == 2
    ipod = env.shopify.product_of("IPOD2008PINK")
    assert (ipod["title"], ipod["status"], ipod["productType"]) == ("IPod Nano - 8GB pink", "ACTIVE", "Electronics")
    assert ipod["variants"] == {"IPOD2008PINK": {"price": "2487.50", "title": "Default Title"}}
    hoodie = env.shopify.product_of("HOOD-M")
    assert hoodie["options"] == ["Variant"] and hoodie["variants"] == {
        "HOOD-L": {"price": "748.75", "title": "Large / Grey"}, "HOOD-M": {"price": "748.75", "title": "Medium / Grey"}}
    assert ProductTargets(env.storage).load(env.shop_key)["HOOD-L"]["product_id"].startswith("gid://shopify/Product/")
    before = env.mutations()
    again = products.export_products(ctx, env.shop_key)
    assert again.writes == 0 and again.created == 0 and env.mutations() == before


def test_an_item_that_leaves_the_published_set_becomes_a_draft_once(env):
    env.stock_shopify()
    ctx = env.context(item_filter=f"blocked eq false and {ITEMS}")
    products.export_products(ctx, env.shop_key)
    env.set_bc_item("3000", blocked=True)
    run = products.export_products(ctx, env.shop_key)
    assert run.unpublished == 1 and run.writes == 1
    cookbook = env.shopify.product_of("3000")
    assert cookbook["status"] == "DRAFT" and cookbook["title"] == "Cookbook"
    assert products.export_products(ctx, env.shop_key).writes == 0
    # read with a filter that keeps blocked items: blocked is a draft by mapping, and unblocking re-activates
    ctx = env.context()
    assert products.export_products(ctx, env.shop_key).writes == 1  # title/status/category told again
    env.set_bc_item("3000", blocked=False)
    products.export_products(ctx, env.shop_key)
    assert env.shopify.product_of("3000")["status"] == "ACTIVE"


def test_a_failed_product_is_logged_the_rest_goes_on_and_the_next_run_retries_it(env):
    env.stock_shopify()
    ctx = env.context()
    products.export_products(ctx, env.shop_key)  # targets cached
    env.set_bc_item("2000", unitPrice=99.0)
    env.set_bc_item("3000", unitPrice=299.0)
    env.shopify.fail_next(503, count=5, retry_after=0)  # every attempt of the first product's write
    run = products.export_products(ctx, env.shop_key)
    assert (run.changes, run.updated, run.failed) == (4, 1, 1) and "503" in run.failures[0]
    assert env.shopify.product_of("3000")["variants"]["3000"]["price"] == "316.94"
    assert env.shopify.product_of("2000")["variants"]["2000"]["price"] == "111.25"  # not yet
    again = products.export_products(ctx, env.shop_key)
    assert (again.updated, again.failed, again.writes) == (1, 0, 1)
    assert env.shopify.product_of("2000")["variants"]["2000"]["price"] == "123.75"


def test_woocommerce_prices_via_product_and_variation_batches_and_create_missing(env):
    woo = env.woo
    mug = woo.add_product("2000", stock=3)
    tee = woo.add_variable_product("tee", {"TEE-S-BLK": 1, "TEE-M-BLK": 1})
    ctx = env.context('prices_include_tax = false\ncreate_missing = true')
    run = products.export_products(ctx, env.woo_key)
    assert run.failed == 0 and run.updated == 2 and run.created == 3  # cookbook, hoodie, iPod created
    assert (woo.product_by_sku("2000")["regular_price"], woo.product_by_sku("2000")["name"]) == ("89.00", "Coffee mug")
    assert woo.product_by_sku("TEE-M-BLK")["regular_price"] == "199.00"  # excl. tax, as BC
    assert woo.products[tee["id"]]["name"] == "T-shirt Classic" and woo.products[mug["id"]]["stock_quantity"] == 3
    hoodie = woo.product_by_sku("HOOD-L")
    assert hoodie["type"] == "variation" and hoodie["regular_price"] == "599.00"
    assert woo.products[hoodie["parent_id"]]["type"] == "variable"
    assert woo.product_by_sku("3000")["status"] == "publish"
    assert all(b["size"] <= 100 for b in woo.batches)
    writes = env.woo_writes()
    assert products.export_products(ctx, env.woo_key).writes == 0 and env.woo_writes() == writes
    env.set_bc_item("1000", unitPrice=209.0)
    run = products.export_products(ctx, env.woo_key)
    assert run.writes == 1 and woo.batches[-1]["path"].endswith("variations/batch")
    assert woo.product_by_sku("TEE-S-BLK")["regular_price"] == "209.00"


def test_problems_need_attention_and_the_timer_runs_due_shops(env):
    env.stock_shopify()
    ctx = env.context(item_filter="number eq '2000'")
    ctx.config.companies[0].tax_codes.pop("25")  # the mug's tax group has no rate now
    run = products.export_products(ctx, env.shop_key)
    assert run.problems == 1 and run.writes == 0
    record = ctx.synclog.get("products", env.shop_key, "item:2000")
    assert record.status == SyncStatus.NEEDS_ATTENTION and "tax_codes" in record.resolution
    with pytest.raises(NeedsAttention) as info:  # a page that is not published says what to publish
        products.export_products(env.context('price_list_page = "NoSuchPage"\nprice_list_code = "WEB"'),
                                 env.shop_key)
    assert info.value.code == "products_price_page_missing"

    ctx = env.context(item_filter="number eq '2000'")
    now = datetime.now(UTC)
    first = products.export_due_products(ctx, now=now)
    assert "Delta" in first[env.shop_key] and "Delta" in first[env.woo_key]
    assert products.export_due_products(ctx, now=now + timedelta(minutes=5))[env.shop_key] == "not due"
    assert "Delta" in products.export_due_products(ctx, now=now + timedelta(minutes=61))[env.shop_key]


def test_the_cli_pushes_one_shop_and_full_ignores_the_snapshot(env, capsys):
    import argparse
    import json

    from core.cli import products as products_cli
    from core.sync.context import set_context

    env.stock_shopify()
    set_context(env.context())
    try:
        assert products_cli.cmd_products_push(argparse.Namespace(shop=env.shop_key, full=False, json=True)) == 0
        first = json.loads(capsys.readouterr().out)
        assert (first["updated"], first["writes"]) == (3, 6)
        assert products_cli.cmd_products_push(argparse.Namespace(shop=env.shop_key, full=False, json=True)) == 0
        assert json.loads(capsys.readouterr().out)["writes"] == 0
        assert products_cli.cmd_products_push(argparse.Namespace(shop=env.shop_key, full=True, json=True)) == 0
        full = json.loads(capsys.readouterr().out)
        assert full["full"] and full["writes"] == 6 and full["lookups"] == 3  # unknown SKUs looked up again
        assert products_cli.cmd_products_push(argparse.Namespace(shop="nope", full=False, json=False)) == 2
    finally:
        set_context(None)
