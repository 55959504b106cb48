"""Export fields ([[shops.export_fields]]): BC item and customer fields out to Shopify metafields and WooCommerce
meta_data. Pure serialisation, check-config, and the products flow against the BC, Shopify and WooCommerce
emulators (values read back from the shops; an unchanged catalog costs no shop call)."""

from __future__ import annotations

import gzip
import json
import uuid
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core import bc_api_fields, metafield_types
from core.config import check_config
from core.state import Storage
from core.sync import export_fields, products
from core.sync.context import Context, bc_client_from_config
from core.sync.export_fields import NotWritable, serialise
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
from sandbox.bc_emulator.custom_pages import CustomPage
from sandbox.bc_emulator.derive_schema import REFERENCE, parse_page
from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.shopify_emulator.schema import SCHEMA_PATH
from sandbox.woo_emulator import WooEmulator

pytestmark = pytest.mark.timeout(120)

ITEM_PAGE = CustomPage(name="ItemWeb", table="items", key=("No",), entity="ItemWeb",
                       fields={"No": "number", "Country_of_Origin": "", "Care_Text": ""})


# ------------------------------------------------------------------------------------------ pure

@pytest.mark.parametrize("type_name, value, sent", [
    ("single_line_text_field", "Made in\nSweden", "Made in Sweden"),
    ("multi_line_text_field", "a\nb", "a\nb"),
    ("number_integer", 12.0, "12"),
    ("number_integer", "007", "7"),
    ("number_decimal", Decimal("12.50"), "12.5"),
    ("number_decimal", 89, "89"),
    ("boolean", True, "true"),
    ("boolean", "No", "false"),
    ("date", "2026-12-24", "2026-12-24"),
    ("date", "0001-01-01", None),  # BC's blank date: nothing to send
    ("date_time", "2026-03-01T10:00:00.123+01:00", "2026-03-01T09:00:00"),
    ("url", "https://example.com/care", "https://example.com/care"),
    ("color", "#a1b2c3", "#A1B2C3"),
    ("json", {"a": 1}, '{"a":1}'),
    ("single_line_text_field", "", None),
])
def test_a_bc_value_is_written_in_the_form_shopify_wants_for_its_type(type_name, value, sent):
    assert export_fields.serialise(type_name, value) == sent


@pytest.mark.parametrize("type_name, value, says", [
    ("number_integer", 12.5, "not a whole number"),
    ("number_decimal", "abc", "not a number"),
    ("boolean", "maybe", "not a yes/no"),
    ("url", "example.com", "not a URL"),
    ("color", "red", "not a colour code"),
    ("date", "24.12.2026", "not a date"),
])
def test_a_value_that_does_not_fit_its_type_is_refused_with_the_reason(type_name, value, says):
    with pytest.raises(export_fields.NotWritable, match=says):
        export_fields.serialise(type_name, value)


def test_the_readable_bc_fields_match_the_page_definitions():
    for entity_set, page_file in (("items", "APIV2Items.Page.al"), ("customers", "APIV2Customers.Page.al")):
        declared = {f["name"] for f in parse_page(REFERENCE / page_file)["fields"]}
        assert bc_api_fields.READABLE[entity_set] == declared


def test_shopifys_schema_names_no_metafield_types_so_the_list_is_ours_and_its_limits_are_the_schemas():
    schema = json.loads(gzip.decompress(SCHEMA_PATH.read_bytes()))["data"]["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    fields = {f["name"]: f for f in types["MetafieldsSetInput"]["inputFields"]}
    assert fields["type"]["type"] == {"kind": "SCALAR", "name": "String", "ofType": None}
    assert "supported types" in fields["type"]["description"]
    assert "3-255 characters" in fields["namespace"]["description"]
    assert "2-64 characters" in fields["key"]["description"]
    assert metafield_types.NAMESPACE_LENGTH == (3, 255) and metafield_types.KEY_LENGTH == (2, 64)
    assert "metafields" in {f["name"] for f in types["ProductUpdateInput"]["inputFields"]}
    assert "metafields" in {f["name"] for f in types["ProductVariantSetInput"]["inputFields"]}


# ------------------------------------------------------------------------------------------ check-config

BASE = '''
[bc]
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
client_id_setting = "BC_CLIENT_ID"
client_secret_setting = "BC_CLIENT_SECRET"
[[bc.custom_pages]]
name = "itemweb"
odata = "ItemWeb"
key = { No = "{number}" }
fields = ["No", "Country_of_Origin"]
[[companies]]
key = "se"
bc_company_id = "00000000-0000-4000-8000-0000000000a1"
currency = "SEK"
[[shops]]
key = "sh"
platform = "shopify"
url = "https://sh.myshopify.com"
webhook_secret_setting = "SECRET"
flows = ["products"]
[[shops.export_fields]]
name = "origin"
RULE
[[shops]]
key = "wc"
platform = "woocommerce"
url = "https://wc.example.com"
webhook_secret_setting = "SECRET"
flows = ["products"]
[[shops.export_fields]]
name = "origin"
WOO
[[routing]]
company = "se"
'''
GOOD = 'source = "page.itemweb.Country_of_Origin"\nnamespace = "custom"\nkey = "origin"'
GOOD_WOO = 'source = "gtin"\nkey = "_gtin"'


def checked(rule: str = GOOD, woo: str = GOOD_WOO):
    return check_config(BASE.replace("RULE", rule).replace("WOO", woo))


def test_good_export_rules_pass():
    config, problems = checked()
    assert problems == [] and config.shop("sh").export_fields[0].type == "single_line_text_field"


@pytest.mark.parametrize("rule, where, says", [
    ('source = "countryOfOrigin"\nnamespace = "custom"\nkey = "origin"', ".source",
     'items page has no field "countryOfOrigin"'),
    ('entity = "customer"\nsource = "gtin"\nnamespace = "custom"\nkey = "origin"', ".source",
     'customers page has no field "gtin"'),
    ('source = "gtin"\nnamespace = "custom"\nkey = "origin"\ntype = "single_line_text"', ".type",
     '"single_line_text" is not a Shopify metafield type'),
    ('source = "gtin"\nnamespace = "custom"\nkey = "origin"\ntype = "money"', ".type", "needs more than one BC value"),
    ('source = "gtin"\nnamespace = "custom"\nkey = "o"', ".key", 'key "o" is not a metafield key'),
    ('source = "gtin"\nkey = "origin"', ".namespace", "a Shopify metafield needs a namespace"),
    ('source = "page.nopage.X"\nnamespace = "custom"\nkey = "origin"', ".source", 'page "nopage" is not declared'),
    ('source = "page.itemweb.Care"\nnamespace = "custom"\nkey = "origin"', ".source", 'no declared field "Care"'),
    ('entity = "customer"\nsource = "email"\nnamespace = "custom"\nkey = "origin"', ".entity",
     "export_to_shop = true"),
])
def test_check_config_names_a_bad_export_rule_and_what_to_change(rule, where, says):
    config, problems = checked(rule)
    assert config is None
    [problem] = problems
    assert problem.where == f'shops["sh"].export_fields["origin"]{where}' and says in problem.message and problem.fix


def test_check_config_refuses_two_rules_writing_one_field():
    twice = GOOD + '\n[[shops.export_fields]]\nname = "origin-2"\nsource = "gtin"\nnamespace = "custom"\nkey = "origin"'
    _, problems = checked(twice)
    assert {p.where for p in problems} == {'shops["sh"].export_fields["origin"].key',
                                           'shops["sh"].export_fields["origin-2"].key'}
    assert 'writes product field "custom.origin" too' in problems[0].message


def test_check_config_refuses_what_woocommerce_cannot_take():
    _, problems = checked(woo='source = "gtin"\nkey = "_gtin"\nnamespace = "custom"')
    assert [p.where for p in problems] == ['shops["wc"].export_fields["origin"].namespace']
    _, problems = checked(woo='entity = "customer"\nsource = "email"\nkey = "_email"')
    assert [p.where for p in problems] == ['shops["wc"].export_fields["origin"].entity']


# ------------------------------------------------------------------------------------------ emulators

RULES = '''
[[shops.export_fields]]
name = "gtin"
source = "gtin"
namespace = "custom"
key = "gtin"
type = "single_line_text_field"
[[shops.export_fields]]
name = "cost"
entity = "variant"
source = "unitCost"
namespace = "custom"
key = "unit_cost"
type = "number_decimal"
[[shops.export_fields]]
name = "origin"
source = "page.itemweb.Country_of_Origin"
namespace = "custom"
key = "origin"
lookup = { SE = "Sweden", DE = "Germany" }
'''
WOO_RULES = '''
[[shops.export_fields]]
name = "gtin"
source = "gtin"
key = "_global_unique_id"
[[shops.export_fields]]
name = "cost"
entity = "variant"
source = "unitCost"
key = "_bc_unit_cost"
type = "number_decimal"
[[shops.export_fields]]
name = "origin"
source = "page.itemweb.Country_of_Origin"
key = "origin"
'''


@pytest.fixture(scope="module")
def bc_emulator():
    bc = BcEmulator(seed="demo").start()
    bc.declare_page(ITEM_PAGE)
    yield bc
    bc.stop()


@pytest.fixture
def env(bc_emulator, storage_connection, monkeypatch):
    bc_emulator.reset()
    shopify, woo = ShopifyEmulator(currency="SEK").start(), WooEmulator(currency="SEK").start()
    for name, value in {"BC_BASE_URL": bc_emulator.base_url, "BC_TENANT_ID": "t", "BC_DEV_TOKEN": "tok",
                        "SHOPIFY_TOKEN": shopify.access_token, "WOO_CREDS": "ck_test:cs_test", "SECRET": "x"}.items():
        monkeypatch.setenv(name, value)
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    suffix = uuid.uuid4().hex[:8]
    text = f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[[bc.custom_pages]]
name = "itemweb"
odata = "ItemWeb"
key = {{ No = "{{number}}" }}
fields = ["No", "Country_of_Origin"]
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
tax_codes = {{ "25" = "VAT25", "12" = "VAT12", "6" = "VAT6", "0" = "VAT0" }}
[[shops]]
key = "sh-{suffix}"
platform = "shopify"
url = "{shopify.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "SHOPIFY_TOKEN"
flows = ["products"]
[shops.products]
item_filter = "number eq '2000' or number eq '3000'"
create_missing = true
{RULES}
[[shops]]
key = "wc-{suffix}"
platform = "woocommerce"
url = "{woo.base_url}"
webhook_secret_setting = "SECRET"
api_token_setting = "WOO_CREDS"
flows = ["products"]
items = {{ "TEE-S-BLK" = "1000:S-BLK", "TEE-M-BLK" = "1000:M-BLK" }}
[shops.products]
item_filter = "number eq '2000' or number eq '1000'"
{WOO_RULES}
[[routing]]
company = "se"
'''
    config, problems = check_config(text)
    assert not problems, problems
    ctx = Context(config=config, storage=storage, bc_factory=bc_client_from_config)
    co = bc_client_from_config(config).company(DEMO_COMPANY_SE_ID)

    def set_item(number: str, **fields):
        record = co.first("items", filter=f"number eq '{number}'")
        co.update("items", record["id"], fields, etag=record["@odata.etag"])

    set_item("2000", gtin="7310000000017", unitCost=31.5)
    bc_emulator.set_extension_fields("CRONUS SE", "items", {"number": "2000"}, {"Country_of_Origin": "SE"})
    yield ctx, shopify, woo, f"sh-{suffix}", f"wc-{suffix}", set_item
    shopify.stop(), woo.stop()


def product_gid(shopify, sku: str) -> str:
    return f"gid://shopify/Product/{shopify.product_of(sku)['number']}"


def test_bc_item_fields_land_as_shopify_metafields_and_an_unchanged_run_calls_nothing(env, bc_emulator):
    ctx, shopify, _, key, _, set_item = env
    shopify.add_product("Mug", [("2000", "Default Title", "1.00")])
    run = products.export_products(ctx, key)  # the mug is updated, the cookbook (3000) created
    assert run.failed == 0 and run.problems == 0 and run.created == 1
    mug = product_gid(shopify, "2000")
    assert shopify.metafields(mug) == {"custom.gtin": {"type": "single_line_text_field", "value": "7310000000017"},
                                       "custom.origin": {"type": "single_line_text_field", "value": "Sweden"}}
    assert shopify.metafields(shopify.data.variant_by_sku("2000").id) == {
        "custom.unit_cost": {"type": "number_decimal", "value": "31.5"}}
    # the created product got its values in productSet; the cookbook has no GTIN and no page value: only cost
    book = product_gid(shopify, "3000")
    assert shopify.metafields(book) == {}
    assert "custom.unit_cost" in shopify.metafields(shopify.data.variant_by_sku("3000").id)

    calls = dict(shopify.counters)
    again = products.export_products(ctx, key)
    assert again.writes == 0 and again.changes == 0
    assert all(shopify.counters[n] == calls.get(n, 0) for n in ("productUpdate", "metafieldsSet", "productSet"))

    # a changed BC field on the custom page goes out in one productUpdate; the prices are not sent again
    bc_emulator.set_extension_fields("CRONUS SE", "items", {"number": "2000"}, {"Country_of_Origin": "DE"})
    third = products.export_products(ctx, key)
    assert third.writes == 1 and shopify.counters["productUpdate"] == calls.get("productUpdate", 0) + 1
    assert shopify.metafields(mug)["custom.origin"]["value"] == "Germany"
    assert shopify.counters["productVariantsBulkUpdate"] == calls.get("productVariantsBulkUpdate", 0)


def test_a_value_missing_from_the_lookup_is_the_items_problem_and_its_other_fields_still_go_out(env, bc_emulator):
    ctx, shopify, _, key, _, _ = env
    shopify.add_product("Mug", [("2000", "Default Title", "1.00")])
    bc_emulator.set_extension_fields("CRONUS SE", "items", {"number": "2000"}, {"Country_of_Origin": "XX"})
    run = products.export_products(ctx, key)
    assert run.problems == 1
    problem = ctx.synclog.get("products", key, "item:2000")
    assert problem.code == "export_field_value" and '"origin"' in problem.message and "lookup" in problem.message
    assert shopify.metafields(product_gid(shopify, "2000"))["custom.gtin"]["value"] == "7310000000017"


def test_bc_item_fields_land_in_woocommerce_meta_data_beside_the_shops_own(env, bc_emulator):
    ctx, _, woo, _, key, set_item = env
    product = woo.add_product("2000", stock=3)
    product["meta_data"] = [{"id": 1, "key": "shop_note", "value": "kept"}]
    run = products.export_products(ctx, key)
    assert run.failed == 0 and run.problems == 0
    meta = {m["key"]: m["value"] for m in woo.product_by_sku("2000")["meta_data"]}
    # a simple product is its own only variant: the variant rule's value is the product's too
    assert meta == {"shop_note": "kept", "_global_unique_id": "7310000000017", "origin": "SE",
                    "_bc_unit_cost": "31.5"}
    writes = woo.counters["batch_calls"]
    assert products.export_products(ctx, key).writes == 0 and woo.counters["batch_calls"] == writes
    set_item("2000", gtin="7310000000024")
    products.export_products(ctx, key)
    meta = {m["key"]: m["value"] for m in woo.product_by_sku("2000")["meta_data"]}
    assert meta["_global_unique_id"] == "7310000000024" and len(meta) == 4


def test_variant_fields_land_in_the_meta_data_of_woocommerce_variations(env):
    ctx, _, woo, _, key, set_item = env
    set_item("1000", unitCost=20.25)
    woo.add_variable_product("tee", {"TEE-S-BLK": 1, "TEE-M-BLK": 1})
    run = products.export_products(ctx, key)
    assert run.failed == 0
    for sku in ("TEE-S-BLK", "TEE-M-BLK"):
        meta = {m["key"]: m["value"] for m in woo.product_by_sku(sku)["meta_data"]}
        assert meta == {"_bc_unit_cost": "20.25"}


def test_preview_shows_what_the_export_fields_give_for_a_bc_item(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    config = tmp_path / "bridge.toml"
    config.write_text(BASE.replace("RULE", GOOD + '\n[[shops.export_fields]]\nname = "gtin"\nsource = "gtin"\n'
                                   'namespace = "custom"\nkey = "gtin"\ntype = "number_integer"')
                      .replace("WOO", GOOD_WOO))
    item = tmp_path / "item.json"
    item.write_text(json.dumps({"value": [{"number": "2000", "type": "Inventory", "gtin": "7310000000017"},
                                          {"number": "3000", "type": "Inventory", "gtin": "73-1"}]}))
    result = subprocess.run([sys.executable, "-m", "core", "preview", "--document", "shop-fields", "--shop", "sh",
                             "--config", str(config), str(item)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    mug, book = [json.loads(line) for line in result.stdout.splitlines()]
    assert mug["record"] == "item 2000" and mug["problems"] == [] and mug["read_at_run_time"] == ["origin"]
    assert mug["fields"] == [{"rule": "gtin", "entity": "product", "namespace": "custom", "key": "gtin",
                              "type": "number_integer", "value": "7310000000017"}]
    assert book["fields"] == [] and book["problems"][0]["code"] == "export_field_value"


def test_check_config_bc_names_an_export_rule_reading_a_field_the_page_lacks_in_bc(env, tmp_path, capsys):
    import argparse

    from core.cli import cmd_check_config

    ctx = env[0]
    source = ctx.config.model_dump()
    text = f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
[[bc.custom_pages]]
name = "itemweb"
odata = "ItemWeb"
key = {{ No = "{{number}}" }}
fields = ["No", "Made_In"]
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
[[shops]]
key = "sh"
platform = "shopify"
url = "{source["shops"][0]["url"]}"
webhook_secret_setting = "SECRET"
flows = ["products"]
[[shops.export_fields]]
name = "made-in"
source = "page.itemweb.Made_In"
namespace = "custom"
key = "made_in"
[[routing]]
company = "se"
'''
    path = tmp_path / "bridge.toml"
    path.write_text(text, encoding="utf-8")
    assert cmd_check_config(argparse.Namespace(config=str(path), bc=False)) == 0  # offline it cannot know
    assert cmd_check_config(argparse.Namespace(config=str(path), bc=True)) == 1
    assert "the page in BC has no field(s) ['Made_In'] (rules: \"made-in\")" in capsys.readouterr().out


def test_variant_fields_of_several_products_go_in_one_metafields_set_call(env):
    ctx, shopify, _, key, _, set_item = env
    shopify.add_product("Mug", [("2000", "Default Title", "1.00")])
    shopify.add_product("Cookbook", [("3000", "Default Title", "1.00")])
    set_item("3000", unitCost=12)
    run = products.export_products(ctx, key)
    assert run.failed == 0 and run.updated == 2
    assert shopify.counters["metafieldsSet"] == 1
    assert shopify.metafields(shopify.data.variant_by_sku("3000").id)["custom.unit_cost"]["value"] == "12"
    assert shopify.metafields(shopify.data.variant_by_sku("2000").id)["custom.unit_cost"]["value"] == "31.5"


def test_the_commented_export_field_in_example_toml_is_a_valid_rule():
    """config/example.toml shows an export field commented out; uncommented (and with the products flow, as its
    comment says), it passes check-config."""
    from core.config import EXAMPLE_CONFIG

    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    start = text.index("# [[shops.export_fields]]")
    end = text.index("\n\n", start)
    block = "\n".join(line.removeprefix("# ").split("  #")[0].rstrip() for line in text[start:end].splitlines()
                      if line.startswith("# [[") or (line.startswith("# ") and " = " in line))
    text = text[:start] + block + "\n" + text[end:]
    text = text.replace('flows = ["orders", "refunds", "stock", "shipments"]',
                        'flows = ["orders", "refunds", "stock", "shipments", "products"]', 1)
    config, problems = check_config(text)
    assert problems == []
    assert [r.source for r in config.shop("shopify-demo").export_fields] == ["gtin"]


@settings(max_examples=600, deadline=None)
@example("date_time", "9999-12-31001-2300")
@example("number_integer", "1e999999999")
@example("number_decimal", "1E+5000")
@example("json", float("nan"))
@given(st.sampled_from(["single_line_text_field", "multi_line_text_field", "number_integer", "number_decimal",
                        "boolean", "date", "date_time", "url", "color", "json"]),
       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(), st.decimals(),
                 st.lists(st.integers(), max_size=3)))
def test_any_bc_value_is_serialised_or_refused_with_a_reason(type_name, value):
    """What a BC (or custom page) field holds either becomes the metafield's string or a NotWritable the
    record can name; never an OverflowError, a ValueError or a 10^9-digit integer."""
    try:
        text = serialise(type_name, value)
    except NotWritable:
        return
    assert text is None or len(text) < 10_000
