"""TRIMIT's size/colour matrix: SKU items grouped by master into one shop product with options named by the
configured slots, and shop SKUs resolved to the SKU items on orders. The matrix fields are read from a page
declared here in the BC emulator (a published page over the Item table with the fields a TRIMIT tenant's page
shows: master number, item type, VarDim slots, a web SKU), since no AL source of a tenant's page exists."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import pytest

from core.config import check_config
from core.errors import NeedsAttention
from core.state import Envelope, Storage
from core.sync import orders, products, stock, trimit
from core.sync import product_mapping as mapping
from core.sync.context import Context, bc_client_from_config
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
from sandbox.bc_emulator.custom_pages import CustomPage
from sandbox.samples import dumps, shopify_order
from sandbox.shopify_emulator import ShopifyEmulator

pytestmark = pytest.mark.timeout(120)

ITEM_PAGE = CustomPage(name="TrimitItems", table="items", key=("No",), entity="TrimitItem",
                       fields={"No": "number", "Description": "displayName", "trm_Master_No": "",
                               "trm_Item_Type": "", "VarDim_1": "", "VarDim_2": "", "Web_SKU": ""})
L1, L2 = "gid://shopify/Location/1001", "gid://shopify/Location/1002"

MATRIX = '''
[shops.trimit]
page = "items"
master_field = "trm_Master_No"
item_type_field = "trm_Item_Type"
sku_field = "Web_SKU"
options = [
  { slot = 1, name = "Colour", field = "VarDim_1" },
  { slot = 2, name = "Size", field = "VarDim_2", order = ["S", "M", "L", "XL"] },
]
'''


def config_text(shop_url: str, matrix: str = MATRIX, page_fields: str = "", key: str = "tm") -> str:
    fields = page_fields or '["No", "trm_Master_No", "trm_Item_Type", "VarDim_1", "VarDim_2", "Web_SKU"]'
    return f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[bc.pages]
stock_by_location = "ItemStockByLocation"
[[bc.custom_pages]]
name = "items"
odata = "TrimitItems"
key = {{ No = "{{number}}" }}
fields = {fields}
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
default_customers = {{ "*" = "WEB-SE" }}
tax_codes = {{ "25" = "VAT25", "0" = "VAT0" }}
payment_methods = {{ "shopify_payments" = "CARD" }}
[companies.gl_accounts]
shipping_account = "3010"
rounding = "8999"
[[shops]]
key = "{key}"
platform = "shopify"
url = "{shop_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "SHOPIFY_TOKEN"
flows = ["orders", "products", "stock"]
[shops.orders]
import_test_orders = true
customer_strategy = "default_customer"
prefix = "TM-"
[shops.products]
item_filter = "startswith(number, 'TSH') or startswith(number, 'JKT') or number eq '2000'"
create_missing = true
[shops.stock]
committed = "none"
[shops.locations]
"{L1}" = ["MAIN"]
"{L2}" = ["STORE1"]
{matrix}
[[routing]]
company = "se"
'''


# masters × colours × sizes; the size slot is deliberately given out of order
CATALOG = {
    "TSH100": ("T-shirt Classic", [("RED", "M"), ("RED", "S"), ("BLUE", "L"), ("BLUE", "S")]),
    "JKT200": ("Rain jacket", [("YELLOW", "XL"), ("YELLOW", "M")]),
}


@pytest.fixture(scope="module")
def bc():
    emulator = BcEmulator(seed="demo").start()
    emulator.declare_page(ITEM_PAGE)
    yield emulator
    emulator.stop()


@pytest.fixture
def env(bc, storage_connection, monkeypatch):
    bc.reset()
    shopify = ShopifyEmulator(currency="SEK").start()
    for name, value in {"BC_BASE_URL": bc.base_url, "BC_TENANT_ID": "t", "BC_DEV_TOKEN": "tok", "SECRET": "x",
                        "SHOPIFY_TOKEN": shopify.access_token}.items():
        monkeypatch.setenv(name, value)
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    key = f"tm-{uuid.uuid4().hex[:8]}"  # snapshots in Azurite are per shop: a fresh shop per test
    config, problems = check_config(config_text(shopify.base_url, key=key))
    assert not problems, problems
    ctx = Context(config=config, storage=storage, bc_factory=bc_client_from_config)
    co = bc_client_from_config(config).company(DEMO_COMPANY_SE_ID)
    for master, (title, combinations) in CATALOG.items():
        # the master is an Item too (TRIMIT item type "Master Item"); it is not sold
        co.create("items", {"number": master, "displayName": title, "type": "Inventory", "unitPrice": 100,
                            "taxGroupCode": "VAT25"})
        bc.set_extension_fields("CRONUS SE", "items", {"number": master}, {"trm_Item_Type": "Master Item"})
        for n, (colour, size) in enumerate(combinations):
            number = f"{master}{colour[:3]}{size}"
            created = co.create("items", {"number": number, "displayName": f"{title} {colour} {size}",
                                          "type": "Inventory", "unitPrice": 200 + n, "taxGroupCode": "VAT25"})
            bc.set_extension_fields("CRONUS SE", "items", {"number": number}, {
                "trm_Master_No": master, "trm_Item_Type": "Item", "VarDim_1": colour, "VarDim_2": size,
                "Web_SKU": f"{master}-{colour}-{size}"})
            with bc.store.lock:
                company = bc.store.company(DEMO_COMPANY_SE_ID)
                bc.api.bc.adjust_stock(company, created["id"], "MAIN", "", Decimal(3 + n))
                bc.api.bc.adjust_stock(company, created["id"], "STORE1", "", Decimal(1))
    yield ctx, shopify, key
    shopify.stop()


def test_a_catalog_of_masters_colours_and_sizes_becomes_products_with_options_and_per_location_stock(env, bc):
    ctx, shopify, key = env
    run = products.export_products(ctx, key)
    assert run.failed == 0 and run.problems == 0
    tee = shopify.product_of("TSH100-RED-M")
    assert tee["title"] == "T-shirt Classic"  # the master item's name
    # one product per master, one variant per SKU item, options from slot 1 (Colour) and slot 2 (Size),
    # sizes in the configured order within each colour
    assert list(tee["variants"]) == ["TSH100-BLUE-S", "TSH100-BLUE-L", "TSH100-RED-S", "TSH100-RED-M"]
    assert tee["variants"]["TSH100-RED-M"]["title"] == "RED / M"
    assert tee["variants"]["TSH100-RED-M"]["price"] == "250.00"  # item 200.00 excl. 25 % → shop incl.
    jacket = shopify.product_of("JKT200-YELLOW-M")
    assert list(jacket["variants"]) == ["JKT200-YELLOW-M", "JKT200-YELLOW-XL"] and jacket["number"] != tee["number"]
    assert shopify.product_of("TSH100") is None  # the master item is no SKU of its own
    assert shopify.product_of("2000")["title"] == "Coffee mug"  # an item outside the matrix: as before

    # stock per SKU item and location, through the standard stock flow (a SKU is a plain BC item)
    for sku in ("TSH100-RED-M", "JKT200-YELLOW-XL"):
        shopify.set_inventory(shopify.data.variant_by_sku(sku).inventory_item_id, L1, 0)
        shopify.set_inventory(shopify.data.variant_by_sku(sku).inventory_item_id, L2, 0)
    ctx.config.shop(key).items.update({"TSH100-RED-M": "TSH100REDM", "JKT200-YELLOW-XL": "JKT200YELXL"})
    stock.export_stock_levels(ctx, key)
    item = shopify.data.variant_by_sku("TSH100-RED-M").inventory_item_id
    assert (shopify.inventory(item, L1), shopify.inventory(item, L2)) == (3, 1)


def test_the_product_create_body_names_each_option(env, monkeypatch):
    ctx, shopify, key = env
    bodies = []
    writer = products.writer_for(ctx.config.shop(key))
    create = writer.client.create_product
    monkeypatch.setattr(writer.client, "create_product", lambda body: bodies.append(body) or create(body))
    products.export_products(ctx, key, writer=writer)
    [tee] = [b for b in bodies if b["title"] == "T-shirt Classic"]
    assert tee["productOptions"] == [{"name": "Colour", "values": [{"name": "BLUE"}, {"name": "RED"}]},
                                     {"name": "Size", "values": [{"name": "S"}, {"name": "L"}, {"name": "M"}]}]
    assert tee["variants"][0]["optionValues"] == [{"optionName": "Colour", "name": "BLUE"},
                                                  {"optionName": "Size", "name": "S"}]


def test_an_order_for_a_web_sku_lands_on_the_sku_item_without_a_variant(env, bc):
    ctx, _, key = env
    body = json.loads(dumps(shopify_order(9600 + uuid.uuid4().int % 300, [("TSH100-BLUE-L", 2, "250.00")])))
    ref = ctx.inbox.store(key, dumps(body))
    outcome = orders.import_order(ctx, Envelope(flow="orders", shop=key, external_id=str(body["id"]),
                                                payload_ref=ref))
    [order] = bc.records("CRONUS SE", "salesOrders", number=outcome.bc_document.split()[-1])
    [line] = [r for r in bc.records("CRONUS SE", "salesOrderLines", documentId=order["id"])
              if r["lineType"] == "Item"]
    assert line["lineObjectNumber"] == "TSH100BLUL" and line["quantity"] == 2
    assert line["itemVariantId"] == "00000000-0000-0000-0000-000000000000"


def options(**kw) -> mapping.MapOptions:
    return mapping.MapOptions(shop_includes_tax=False, sku_index={}, **kw)


def test_an_item_with_an_empty_slot_or_a_repeated_combination_is_a_problem_of_its_own():
    matrix = check_config(config_text("https://x.myshopify.com"))[0].shop("tm").trimit
    rows = trimit.matrix_rows([
        {"No": "M1", "trm_Item_Type": "Master Item"},
        {"No": "M1RS", "trm_Master_No": "M1", "VarDim_1": "RED", "VarDim_2": "S"},
        {"No": "M1R", "trm_Master_No": "M1", "VarDim_1": "RED", "VarDim_2": ""},
        {"No": "M1RS2", "trm_Master_No": "M1", "VarDim_1": "RED", "VarDim_2": "S"},
    ], matrix)
    items = [{"number": n, "displayName": n, "unitPrice": 10} for n in ("M1", "M1RS", "M1R", "M1RS2")]
    [(key, product, problems, _)] = list(trimit.group_products(items, rows, matrix, options()))
    assert key == "M1" and [v.sku for v in product.variants] == ["M1RS"]
    assert [p.code for p in problems] == ["trimit_slot_empty", "trimit_duplicate_combination"]
    assert "Size (slot 2, field VarDim_2)" in problems[0].message and "M1RS and M1RS2" in problems[1].message


def test_woocommerce_style_single_option_joins_the_named_options():
    product = mapping.ShopProduct(item="M", title="T", status="active", category="", has_options=True,
                                  option_names=("Colour", "Size"),
                                  variants=(mapping.ShopVariant("A", "", "RED / S", Decimal(1), ("RED", "S")),))
    assert mapping.option_values(product) == ("Colour / Size", ["RED / S"])


@pytest.mark.parametrize("matrix, fields, where, says", [
    (MATRIX.replace('page = "items"', 'page = "trimit"'), "", "shops[\"tm\"].trimit.page",
     'page "trimit" is not declared'),
    (MATRIX, '["No", "trm_Master_No", "VarDim_1", "VarDim_2"]', 'shops["tm"].trimit',
     "does not declare ['trm_Item_Type', 'Web_SKU']"),
    (MATRIX.replace("slot = 2", "slot = 1"), "", 'shops["tm"].trimit.options', "option slot 1 is used twice"),
    (MATRIX.replace("slot = 2", "slot = 6"), "", 'shops["tm"].trimit.options["Size"].slot', "less than or equal to 5"),
])
def test_check_config_names_what_is_wrong_with_the_matrix(matrix, fields, where, says):
    config, problems = check_config(config_text("https://x.myshopify.com", matrix, fields))
    assert config is None and [p.where for p in problems] == [where]
    assert says in problems[0].message


def test_a_page_without_a_configured_field_stops_the_run_with_what_to_correct(env):
    ctx, _, key = env
    text = config_text("https://x.myshopify.com", MATRIX.replace('field = "VarDim_2"', 'field = "Size_Code"'),
                       '["No", "trm_Master_No", "trm_Item_Type", "VarDim_1", "Size_Code", "Web_SKU"]', key=key)
    config, problems = check_config(text)
    assert not problems  # offline the declared names are all check-config knows
    broken = Context(config=config, storage=ctx.storage, bc_factory=bc_client_from_config)
    with pytest.raises(NeedsAttention) as caught:
        products.export_products(broken, key)
    assert caught.value.code == "trimit_page_unavailable" and "Size_Code" in caught.value.message
