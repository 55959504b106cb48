"""B2B companies BC → Shopify end to end: BC emulator (customers, paymentTerms) → core.sync.customer_export →
Shopify emulator (companyCreate / companyUpdate / companyLocationUpdate / companyLocationAssignAddress), with
bindings, cursors and the sync log in Azurite (LocalStack without the Functions host). Every assertion reads
the shop emulator, the bindings or the sync log."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync import customer_export
from core.sync.context import get_context
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(120)

EXPORT = "[shops.customers]\nexport_to_shop = true\n\n"
MUTATIONS = ("companyCreate", "companyUpdate", "companyLocationUpdate", "companyLocationAssignAddress")
NET_30 = "gid://shopify/PaymentTermsTemplate/4"


@pytest.fixture(scope="module")
def stack():
    with pytest.MonkeyPatch.context() as mp, LocalStack(host=False) as s:
        for name, value in s.settings.items():  # the app settings the Functions host would set
            mp.setenv(name, value)
        text = s.config_path.read_text()
        edited = (text.replace("[shops.locations]\n", EXPORT + "[shops.locations]\n", 1)
                  .replace('flows = ["orders", "stock"]\n', 'flows = ["orders", "stock"]\n\n' + EXPORT, 1))
        assert edited.count("export_to_shop = true") == 2
        s.config_path.write_text(edited)
        s.reload_config_from_file()
        yield s


def bc_company(stack):
    return get_context().bc.company(stack.company_id("se"))


def terms_id(stack, code: str) -> str:
    [terms] = stack.bc.records(stack.company_id("se"), "paymentTerms", code=code)
    return terms["id"]


def new_customer(stack, name: str, kind: str = "Company", **fields) -> dict:
    body = {"displayName": name, "type": kind, "addressLine1": "Industrivägen 3", "city": "Västerås",
            "postalCode": "72131", "country": "SE", "phoneNumber": "+46 21 100 200",
            "email": f"{name.split()[0].lower()}@example.com", "paymentTermsId": terms_id(stack, "30 DAYS"), **fields}
    return bc_company(stack).create("customers", body)


def bc_user_edits(stack, customer_id: str, **changes) -> None:
    """What a BC user does on the customer card (a new version, a new lastModifiedDateTime)."""
    with stack.bc.store.lock:
        company = stack.bc.store.company(stack.company_id("se"))
        record = dict(company.table("customers")[customer_id], **changes)
        stack.bc.store.put(company, "customers", record)


def shop_companies(stack, external_id: str) -> list[dict]:
    return [c for c in stack.shopify.companies() if c["externalId"] == external_id]


def mutations(stack) -> dict[str, int]:
    return {name: stack.shopify.counters[name] for name in MUTATIONS}


def test_a_bc_company_customer_becomes_one_shopify_company_and_a_second_run_pushes_nothing(stack):
    customer = new_customer(stack, "Nordic Tools AB")

    pushed = customer_export.export_customers(get_context())
    assert pushed >= 1

    [company] = shop_companies(stack, customer["number"])
    assert company["name"] == "Nordic Tools AB"
    [location] = company["locations"]["nodes"]
    assert (location["name"], location["phone"]) == ("Nordic Tools AB", "+4621100200")
    address = {"address1": "Industrivägen 3", "address2": "", "city": "Västerås", "zip": "72131",
               "zoneCode": None, "countryCode": "SE", "phone": "+4621100200", "recipient": "Nordic Tools AB",
               "firstName": None, "lastName": None}
    assert location["billingAddress"] == address and location["shippingAddress"] == address
    buyer = location["buyerExperienceConfiguration"]
    assert buyer["paymentTermsTemplate"]["id"] == NET_30 and buyer["checkoutToDraft"] is False
    binding = get_context().bindings.get("company-export", "shopify-demo", customer["id"])
    assert binding.is_bound and binding.data["company_id"] == company["id"] and binding.bc_number == \
        customer["number"]
    record = stack.synclog.get("customers-export", "shopify-demo", customer["id"])
    assert record.status is SyncStatus.SUCCESS and "Created Shopify company Nordic Tools AB" in record.message

    before = mutations(stack)
    assert customer_export.export_customers(get_context()) == 0  # the overlap reads it again: nothing to send
    assert mutations(stack) == before
    assert len(shop_companies(stack, customer["number"])) == 1


def test_a_bc_address_change_is_pushed_once(stack):
    customer = new_customer(stack, "Verktyg Väst AB")
    customer_export.export_customers(get_context())
    before = mutations(stack)

    bc_user_edits(stack, customer["id"], addressLine1="Hamngatan 9", city="Göteborg", postalCode="41106")
    assert customer_export.export_customers(get_context()) == 1
    assert customer_export.export_customers(get_context()) == 0

    after = mutations(stack)
    assert after["companyLocationAssignAddress"] == before["companyLocationAssignAddress"] + 1
    assert after["companyCreate"] == before["companyCreate"]
    assert after["companyUpdate"] == before["companyUpdate"]
    [company] = shop_companies(stack, customer["number"])
    [location] = company["locations"]["nodes"]
    for kind in ("billingAddress", "shippingAddress"):
        assert (location[kind]["address1"], location[kind]["city"], location[kind]["zip"]) == \
            ("Hamngatan 9", "Göteborg", "41106")
    record = stack.synclog.get("customers-export", "shopify-demo", customer["id"])
    assert record.status is SyncStatus.SUCCESS and record.message.endswith(": address.")


def test_a_person_customer_is_not_exported(stack):
    person = new_customer(stack, "Karin Lindqvist", kind="Person")
    customer_export.export_customers(get_context())
    assert shop_companies(stack, person["number"]) == []
    assert get_context().bindings.get("company-export", "shopify-demo", person["id"]) is None
    assert stack.synclog.get("customers-export", "shopify-demo", person["id"]) is None


def test_the_default_web_customer_is_not_a_b2b_company(stack):
    customer_export.export_customers(get_context())
    assert shop_companies(stack, "WEB-SE") == []


def test_a_woocommerce_shop_is_skipped_with_the_reason(stack):
    customer_export.export_customers(get_context())
    record = stack.synclog.get("customers-export", "woo-demo", "companies")
    assert record.status is SyncStatus.SKIPPED
    assert "only available for Shopify" in record.message and "export_to_shop = false" in record.message


def test_blocking_in_bc_makes_the_location_check_out_to_draft_and_unblocking_undoes_it(stack):
    customer = new_customer(stack, "Blockerad Bygg AB")
    customer_export.export_customers(get_context())

    bc_user_edits(stack, customer["id"], blocked="All")
    assert customer_export.export_customers(get_context()) == 1
    [company] = shop_companies(stack, customer["number"])
    buyer = company["locations"]["nodes"][0]["buyerExperienceConfiguration"]
    assert buyer["checkoutToDraft"] is True and buyer["paymentTermsTemplate"]["id"] == NET_30

    bc_user_edits(stack, customer["id"], blocked=" ")
    assert customer_export.export_customers(get_context()) == 1
    [company] = shop_companies(stack, customer["number"])
    assert company["locations"]["nodes"][0]["buyerExperienceConfiguration"]["checkoutToDraft"] is False


def test_a_company_imported_from_the_shop_is_linked_and_keeps_its_shop_owned_fields(stack):
    shop_company = stack.shopify.add_company("Shopbolaget i Lund AB", locations=2)
    customer = new_customer(stack, "Shopbolaget AB (BC name)")
    ctx = get_context()
    # what the customers import left behind when this company's first buyer came from the shop
    claim = ctx.bindings.claim("company", "shopify-demo", shop_company["id"].rsplit("/", 1)[-1], "test",
                               customer_export.CLAIM_LEASE)
    ctx.bindings.bind(claim, bc_company="se", bc_entity="customers", bc_id=customer["id"],
                      bc_number=customer["number"])
    creates = stack.shopify.counters["companyCreate"]

    customer_export.export_customers(ctx)

    assert stack.shopify.counters["companyCreate"] == creates
    assert shop_companies(stack, customer["number"]) == []
    company = stack.shopify.company(shop_company["id"])
    assert company["name"] == "Shopbolaget i Lund AB" and company["externalId"] is None
    for location in company["locations"]["nodes"]:
        assert location["buyerExperienceConfiguration"]["paymentTermsTemplate"]["id"] == NET_30
        assert location["billingAddress"] is None  # the shop owns the addresses
    binding = ctx.bindings.get("company-export", "shopify-demo", customer["id"])
    assert binding.data["linked"] is True and binding.data["company_id"] == shop_company["id"]


def test_a_company_already_in_the_shop_with_the_bc_number_is_linked_not_duplicated(stack):
    # e.g. the create reached Shopify but its answer was lost before the binding was written
    customer = new_customer(stack, "Återfunnen AB")
    stack.shopify.add_company("Återfunnen AB", external_id=customer["number"])
    customer_export.export_customers(get_context())
    [company] = shop_companies(stack, customer["number"])
    assert company["locations"]["nodes"][0]["billingAddress"]["city"] == "Västerås"
    record = stack.synclog.get("customers-export", "shopify-demo", customer["id"])
    assert record.status is SyncStatus.SUCCESS and "Linked Shopify company" in record.message


def test_payment_terms_without_a_shopify_template_create_the_company_and_ask_a_person(stack):
    # the seeded Adatum AB (10000) has 14 DAYS: Shopify has no Net 14
    customer_export.export_customers(get_context())
    [company] = shop_companies(stack, "10000")
    assert company["locations"]["nodes"][0]["buyerExperienceConfiguration"]["paymentTermsTemplate"] is None
    [adatum] = stack.bc.records(stack.company_id("se"), "customers", number="10000")
    record = stack.synclog.get("customers-export", "shopify-demo", adatum["id"])
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "company_partly_exported"
    assert "14 DAYS (14 days)" in record.message and record.resolution


def test_the_shop_refuses_a_company_without_a_name_and_changes_nothing(stack):
    from core.platforms.shopify.client import ShopifyClient

    client = ShopifyClient(stack.shopify.base_url, "shpat_dev_token")
    count = len(stack.shopify.companies())
    company, errors = client.create_company({"company": {"name": " ", "externalId": "NO-NAME"},
                                             "companyLocation": {"name": "x"}})
    assert company is None
    assert [(e["field"], e["code"]) for e in errors] == [(["input", "company", "name"], "BLANK")]
    assert len(stack.shopify.companies()) == count
    [existing] = shop_companies(stack, "10000")
    assert [e["code"] for e in client.update_company(existing["id"], {"name": ""})] == ["BLANK"]
    assert stack.shopify.company(existing["id"])["name"] == "Adatum AB"


def test_the_client_sends_no_country_or_phone_shopify_would_refuse(stack):
    from core.errors import NeedsAttention
    from core.platforms.shopify.client import ShopifyClient

    client = ShopifyClient(stack.shopify.base_url, "shpat_dev_token")
    [existing] = shop_companies(stack, "10000")
    location = existing["locations"]["nodes"][0]["id"]
    sent = stack.shopify.counters["graphql"]
    with pytest.raises(NeedsAttention) as country:
        client.assign_company_address(location, {"address1": "x", "countryCode": "Sweden"})
    assert country.value.code == "shop_country_unknown" and "address.countryCode 'Sweden'" in country.value.message
    with pytest.raises(NeedsAttention) as phone:
        client.update_company_location(location, {"phone": "08-123 456"})
    assert phone.value.code == "shop_phone_invalid" and "input.phone" in phone.value.message
    assert stack.shopify.counters["graphql"] == sent  # refused before anything was sent
    assert client.assign_company_address(location, {"address1": "Kings Road 1", "countryCode": "uk",
                                                    "phone": "+44 (0)20 7946 0958"}) == []
    address = stack.shopify.company(existing["id"])["locations"]["nodes"][0]["billingAddress"]
    assert (address["countryCode"], address["phone"]) == ("GB", "+442079460958")


def test_bc_country_codes_uk_and_el_reach_shopify_as_gb_and_gr(stack):
    customer = new_customer(stack, "Brit Tools Ltd", country="UK", phoneNumber="0044 20 7946 0958")
    refused = stack.shopify.counters["refused"]
    customer_export.export_customers(get_context())
    [company] = shop_companies(stack, customer["number"])
    [location] = company["locations"]["nodes"]
    assert (location["billingAddress"]["countryCode"], location["phone"]) == ("GB", "+442079460958")
    assert stack.synclog.get("customers-export", "shopify-demo", customer["id"]).status is SyncStatus.SUCCESS

    bc_user_edits(stack, customer["id"], displayName="Hellas Tools AE", country="EL")
    assert customer_export.export_customers(get_context()) == 1
    [company] = shop_companies(stack, customer["number"])
    [location] = company["locations"]["nodes"]
    assert (company["name"], location["billingAddress"]["countryCode"]) == ("Hellas Tools AE", "GR")
    assert stack.shopify.counters["refused"] == refused  # Shopify never saw a code outside CountryCode


def test_a_country_shopify_does_not_know_is_named_and_the_rest_is_pushed(stack):
    customer = new_customer(stack, "Nowhere Trading", country="XX", phoneNumber="021-100 200")
    refused = stack.shopify.counters["refused"]
    customer_export.export_customers(get_context())
    [company] = shop_companies(stack, customer["number"])
    [location] = company["locations"]["nodes"]
    assert location["billingAddress"] is None and location["phone"] is None
    record = stack.synclog.get("customers-export", "shopify-demo", customer["id"])
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "company_partly_exported"
    assert 'field country ("XX")' in record.message and 'field phoneNumber ("021-100 200")' in record.message
    assert "country code" in record.resolution
    assert stack.shopify.counters["refused"] == refused

    bc_user_edits(stack, customer["id"], country="SE", phoneNumber="+46 21 100 200")
    assert customer_export.export_customers(get_context()) == 1
    [company] = shop_companies(stack, customer["number"])
    [location] = company["locations"]["nodes"]
    assert (location["billingAddress"]["countryCode"], location["phone"]) == ("SE", "+4621100200")
    assert stack.synclog.get("customers-export", "shopify-demo", customer["id"]).status is SyncStatus.SUCCESS
