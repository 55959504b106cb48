"""Export fields end to end through the local stack (Azurite, the BC emulator, the Shopify and WooCommerce
emulators; the flows run in-process as the timers run them): a BC item field lands as a Shopify metafield and
a WooCommerce meta_data entry, a field of the tenant's own item page too, and a BC customer field as a
metafield of the Shopify B2B company. Every value is read back from the shop emulators."""

from __future__ import annotations

import pytest

from core.sync import customer_export, products
from core.sync.context import get_context
from sandbox.bc_emulator.custom_pages import CustomPage
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(180)

ITEM_PAGE = CustomPage(name="ItemWeb", table="items", key=("No",), entity="ItemWeb",
                       fields={"No": "number", "Country_of_Origin": ""})
PAGE = '''
[[bc.custom_pages]]
name = "itemweb"
odata = "ItemWeb"
key = { No = "{number}" }
fields = ["No", "Country_of_Origin"]
'''
SHOPIFY = '''
[shops.products]
company = "de"               # the shop sells in EUR (its routing): the EUR company's items
item_filter = "number eq '2000'"
create_missing = true

[shops.customers]
export_to_shop = true

[[shops.export_fields]]
name = "gtin"
source = "gtin"
namespace = "custom"
key = "gtin"

[[shops.export_fields]]
name = "origin"
source = "page.itemweb.Country_of_Origin"
namespace = "custom"
key = "country_of_origin"

[[shops.export_fields]]
name = "credit-limit"
entity = "customer"
source = "creditLimit"
namespace = "custom"
key = "credit_limit"
type = "number_decimal"

'''
WOO = '''
[shops.products]
item_filter = "number eq '2000'"

[[shops.export_fields]]
name = "gtin"
source = "gtin"
key = "_global_unique_id"

'''


@pytest.fixture(scope="module")
def stack():
    with pytest.MonkeyPatch.context() as mp, LocalStack(host=False) as s:
        for name, value in s.settings.items():  # the app settings the Functions host would set
            mp.setenv(name, value)
        s.bc.declare_page(ITEM_PAGE)
        text = s.config_path.read_text()
        shopify_flows = 'flows = ["orders", "refunds", "stock", "shipments"]\n'
        woo_flows = 'flows = ["orders", "stock"]\n'
        assert shopify_flows in text and woo_flows in text and "[[companies]]" in text
        text = (text.replace(shopify_flows, shopify_flows.replace('"shipments"]', '"shipments", "products"]')
                             + SHOPIFY, 1)
                .replace(woo_flows, woo_flows.replace('"stock"]', '"stock", "products"]') + WOO, 1)
                .replace("[[companies]]", PAGE + "\n[[companies]]", 1))
        s.config_path.write_text(text)
        s.reload_config_from_file()
        assert len(s.config.shop("shopify-demo").export_fields) == 3
        yield s


def items(stack, company: str = "se"):
    return get_context().bc.company(stack.company_id(company))


def test_a_bc_item_field_and_a_custom_page_field_land_as_shopify_metafields(stack):
    co = items(stack, "de")
    mug = co.first("items", filter="number eq '2000'")
    co.update("items", mug["id"], {"gtin": "7310000000017"}, etag=mug["@odata.etag"])
    stack.bc.set_extension_fields("CRONUS DE", "items", {"number": "2000"}, {"Country_of_Origin": "SE"})

    run = products.export_products(get_context(), "shopify-demo")
    assert run.failed == 0 and run.problems == 0

    product = stack.shopify.product_of("2000")
    assert product is not None
    assert stack.shopify.metafields(f"gid://shopify/Product/{product['number']}") == {
        "custom.gtin": {"type": "single_line_text_field", "value": "7310000000017"},
        "custom.country_of_origin": {"type": "single_line_text_field", "value": "SE"}}
    again = products.export_products(get_context(), "shopify-demo")
    assert again.writes == 0


def test_a_bc_item_field_lands_in_woocommerce_meta_data(stack):
    co = items(stack)
    mug = co.first("items", filter="number eq '2000'")
    co.update("items", mug["id"], {"gtin": "7310000000024"}, etag=mug["@odata.etag"])
    stack.woo.add_product("2000", stock=1)

    run = products.export_products(get_context(), "woo-demo")
    assert run.failed == 0 and run.updated == 1
    meta = {m["key"]: m["value"] for m in stack.woo.product_by_sku("2000")["meta_data"]}
    assert meta["_global_unique_id"] == "7310000000024"


def test_a_bc_customer_field_lands_as_a_metafield_of_the_shopify_company_and_is_sent_again_only_when_changed(stack):
    co = items(stack)
    [terms] = stack.bc.records(stack.company_id("se"), "paymentTerms", code="30 DAYS")
    customer = co.create("customers", {
        "displayName": "Metafield Verktyg AB", "type": "Company", "addressLine1": "Storgatan 1", "city": "Uppsala",
        "postalCode": "75320", "country": "SE", "phoneNumber": "+46 18 100 200", "email": "mf@example.com",
        "paymentTermsId": terms["id"], "creditLimit": 50000})
    customer_export.export_customers(get_context())
    [company] = [c for c in stack.shopify.companies() if c["externalId"] == customer["number"]]
    assert stack.shopify.metafields(company["id"]) == {
        "custom.credit_limit": {"type": "number_decimal", "value": "50000"}}

    calls, updates = stack.shopify.counters["metafieldsSet"], stack.shopify.counters["companyUpdate"]
    customer_export.export_customers(get_context())  # read again through the overlap: nothing to send
    assert stack.shopify.counters["metafieldsSet"] == calls

    with stack.bc.store.lock:  # what a BC user does on the customer card
        company_data = stack.bc.store.company(stack.company_id("se"))
        record = dict(company_data.table("customers")[customer["id"]], creditLimit=75000.5)
        stack.bc.store.put(company_data, "customers", record)
    customer_export.export_customers(get_context())
    assert stack.shopify.counters["metafieldsSet"] == calls + 1
    assert stack.shopify.metafields(company["id"])["custom.credit_limit"]["value"] == "75000.5"
    assert stack.shopify.counters["companyUpdate"] == updates  # the company's own fields did not change
