"""B2B companies BC → Adobe Commerce end to end: BC emulator (customers) → core.sync.customer_export → the
Magento CompanyWriter (core/platforms/magento/flows.py) → the Magento emulator (customers, companies, directory),
with bindings, cursors and the sync log in Azurite (LocalStack without the Functions host). Every assertion reads
the Magento emulator, the bindings or the sync log."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync import customer_export
from core.sync.context import get_context
from sandbox.magento_emulator import MagentoEmulator
from sandbox.stack import LocalStack

pytestmark = pytest.mark.timeout(120)

SHOP = "magento-b2b"
TOKEN = "magento-b2b-token"  # noqa: S105 - the emulator's test token


def shop_config(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "magento"
url = "{url}"
webhook_secret_setting = "MAGENTO_B2B_IO_KEY"
api_token_setting = "MAGENTO_B2B_TOKEN"
flows = ["orders"]

[shops.customers]
export_to_shop = true

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def magento():
    emu = MagentoEmulator(access_token=TOKEN).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(magento):
    settings = {"MAGENTO_B2B_TOKEN": TOKEN, "MAGENTO_B2B_IO_KEY": "unused"}
    with pytest.MonkeyPatch.context() as mp, LocalStack(host=False, config_extra=shop_config(magento.base_url),
                                                        settings=settings) as s:
        for name, value in s.settings.items():  # the app settings the Functions host would set
            mp.setenv(name, value)
        yield s


def bc_company(stack):
    return get_context().bc.company(stack.company_id("se"))


def new_customer(stack, name: str, **fields) -> dict:
    body = {"displayName": name, "type": "Company", "addressLine1": "Industrivägen 3", "city": "Västerås",
            "postalCode": "72131", "country": "SE", "phoneNumber": "+46 21 100 200",
            "email": f"{name.split()[0].lower()}@example.com", **fields}
    return bc_company(stack).create("customers", body)


def bc_user_edits(stack, customer_id: str, **changes) -> None:
    """What a BC user does on the customer card (a new version, a new lastModifiedDateTime)."""
    with stack.bc.store.lock:
        company = stack.bc.store.company(stack.company_id("se"))
        record = dict(company.table("customers")[customer_id], **changes)
        stack.bc.store.put(company, "customers", record)


def companies(magento, email: str) -> list[dict]:
    return [c for c in magento.companies.values() if c.get("company_email") == email]


def record(stack, customer: dict):
    return stack.synclog.get(customer_export.FLOW, SHOP, customer["id"])


def saves(magento) -> int:
    return len(magento.company_saves)


def test_a_bc_company_customer_becomes_one_magento_company_with_its_admin_and_a_second_run_writes_nothing(
        stack, magento):
    customer = new_customer(stack, "Nordic Tools AB", addressLine2="Hus B")

    customer_export.export_customers(get_context())

    [company] = companies(magento, "nordic@example.com")
    assert company["company_name"] == "Nordic Tools AB"
    assert (company["street"], company["city"], company["postcode"], company["country_id"], company["telephone"]) \
        == (["Industrivägen 3", "Hus B"], "Västerås", "72131", "SE", "+46 21 100 200")
    assert (company["status"], company["customer_group_id"]) == (1, 1)  # approved, default shared catalog
    [admin] = [c for c in magento.customers.values() if c["email"] == "nordic@example.com"]
    assert company["super_user_id"] == admin["id"]
    assert admin["extension_attributes"]["company_attributes"]["company_id"] == company["id"]
    binding = get_context().bindings.get("company-export", SHOP, customer["id"])
    assert binding.is_bound and binding.data["company_id"] == str(company["id"])
    assert record(stack, customer).status == SyncStatus.SUCCESS

    before, requests = saves(magento), len(magento.requests)
    customer_export.export_customers(get_context())  # the overlap reads it again
    bc_user_edits(stack, customer["id"])  # touched in BC, nothing Magento holds changed
    customer_export.export_customers(get_context())
    assert saves(magento) == before
    assert len(magento.requests) == requests  # not even a read: the binding's state says nothing changed


def test_a_change_in_bc_is_put_over_what_magento_holds_and_blocking_blocks_the_company(stack, magento):
    customer = new_customer(stack, "Granit Bygg AB")
    customer_export.export_customers(get_context())
    [company] = companies(magento, "granit@example.com")
    with magento.lock:  # the merchant's own settings on the company
        magento.companies[company["id"]].update(sales_representative_id=7, customer_group_id=2,
                                                legal_name="Granit Bygg Aktiebolag")

    bc_user_edits(stack, customer["id"], city="Uppsala", postalCode="75320", blocked="All")
    customer_export.export_customers(get_context())

    method, body = magento.company_saves[-1]
    assert method == "PUT"
    saved = magento.companies[company["id"]]
    assert (saved["city"], saved["postcode"], saved["status"]) == ("Uppsala", "75320", 3)  # 3 = Blocked
    # what BC does not own stays the merchant's
    assert (saved["sales_representative_id"], saved["customer_group_id"], saved["legal_name"]) == (
        7, 2, "Granit Bygg Aktiebolag")
    assert "Updated Magento company" in record(stack, customer).message

    bc_user_edits(stack, customer["id"], blocked=" ")
    customer_export.export_customers(get_context())
    assert magento.companies[company["id"]]["status"] == 1  # approved again


def test_a_company_whose_create_answer_was_lost_is_linked_by_its_email_not_created_twice(stack, magento):
    customer = new_customer(stack, "Lost Answer AB")
    magento.add_customer("lost@example.com")  # its admin exists: the company's POST is the first write
    magento.lose_next_answer = 1

    customer_export.export_customers(get_context())  # Magento saves it, the answer never arrives
    assert len(companies(magento, "lost@example.com")) == 1
    claim = get_context().bindings.get("company-export", SHOP, customer["id"])
    assert claim is None or not claim.is_bound  # released for the next run
    assert record(stack, customer).status == SyncStatus.RECEIVED  # retried next run

    customer_export.export_customers(get_context())  # read again (the cursor waited): found, linked

    assert len(companies(magento, "lost@example.com")) == 1
    assert len([c for c in magento.customers.values() if c["email"] == "lost@example.com"]) == 1
    binding = get_context().bindings.get("company-export", SHOP, customer["id"])
    assert binding.is_bound
    assert binding.data["company_id"] == str(companies(magento, "lost@example.com")[0]["id"])


def test_an_admin_whose_create_answer_was_lost_is_found_by_email_and_not_created_twice(stack, magento):
    customer = new_customer(stack, "Tapad Admin AB")
    magento.lose_next_answer = 1  # the first write is the admin's POST /V1/customers

    customer_export.export_customers(get_context())
    assert [c["email"] for c in magento.customers.values()].count("tapad@example.com") == 1
    assert not companies(magento, "tapad@example.com")

    customer_export.export_customers(get_context())  # read again: the admin is found, the company created
    [admin] = [c for c in magento.customers.values() if c["email"] == "tapad@example.com"]
    [company] = companies(magento, "tapad@example.com")
    assert company["super_user_id"] == admin["id"]
    assert record(stack, customer).status == SyncStatus.SUCCESS


def test_what_magento_would_refuse_is_named_before_any_call_and_the_others_still_go(stack, magento):
    incomplete = new_customer(stack, "Halvfärdig AB", email="", postalCode="")
    us = new_customer(stack, "Pacific Supply Inc", country="US", state="Oregon", email="pacific@example.com")
    complete = new_customer(stack, "Fullständig AB")
    before = saves(magento)

    customer_export.export_customers(get_context())

    first = record(stack, incomplete)
    assert first.status == SyncStatus.NEEDS_ATTENTION and first.code == "company_incomplete"
    assert "e-mail" in first.message and "post code" in first.message
    second = record(stack, us)
    assert second.status == SyncStatus.NEEDS_ATTENTION and "'Oregon'" in second.message
    assert saves(magento) == before + 1  # only the complete one
    assert companies(magento, "fullständig@example.com")
    assert record(stack, complete).status == SyncStatus.SUCCESS

    bc_user_edits(stack, us["id"], state="CA")  # the operator's fix: a region Magento lists
    customer_export.export_customers(get_context())
    [company] = companies(magento, "pacific@example.com")
    assert (company["region_id"], company["region"]) == ("12", "California")
    assert record(stack, us).status == SyncStatus.SUCCESS


def test_an_email_that_is_a_user_of_another_company_is_not_made_its_admin(stack, magento):
    other = magento.add_company(company_name="Somebody Else AB", company_email="else@example.com")
    magento.add_customer("buyer@example.com", company_id=other["id"])
    customer = new_customer(stack, "Buyer Holding AB", email="buyer@example.com")

    customer_export.export_customers(get_context())

    entry = record(stack, customer)
    assert entry.status == SyncStatus.NEEDS_ATTENTION and entry.code == "company_admin_taken"
    assert not companies(magento, "buyer@example.com")


def test_a_company_imported_from_magento_is_linked_and_only_its_blocked_status_is_bc_s(stack, magento):
    shop_company = magento.add_company(company_name="Imported Oy", company_email="imported@example.com",
                                       street=["Mannerheimintie 1"], city="Helsinki", postcode="00100",
                                       country_id="FI", telephone="+358 9 123", customer_group_id=1,
                                       super_user_id=magento.add_customer("imported@example.com")["id"], status=0)
    # BC lacks a phone, which a company the bridge creates must have: a linked one is the shop's, so it links
    customer = new_customer(stack, "Imported Oy BC name", email="imported@example.com", city="Espoo", phoneNumber="")
    ctx = get_context()
    claim = ctx.bindings.claim("company", SHOP, str(shop_company["id"]), "test", customer_export.CLAIM_LEASE)
    ctx.bindings.bind(claim, bc_company="se", bc_entity="customers", bc_id=customer["id"],
                      bc_number=customer["number"])
    before = saves(magento)

    customer_export.export_customers(ctx)

    assert saves(magento) == before  # linked: the shop's company, pending approval, is left as it is
    assert magento.companies[shop_company["id"]]["status"] == 0
    assert "imported from the shop" in record(stack, customer).message

    bc_user_edits(stack, customer["id"], blocked="All", city="Vantaa")
    customer_export.export_customers(ctx)
    saved = magento.companies[shop_company["id"]]
    assert (saved["status"], saved["city"]) == (3, "Helsinki")  # blocked; the address stays the shop's


def test_a_shop_without_the_b2b_module_is_told_so(stack, magento):
    customer = new_customer(stack, "No Module AB")
    magento.fail_next(404, count=20, path="/rest/V1/company")  # every company call of the run (held-back ones too)

    customer_export.export_customers(get_context())

    entry = record(stack, customer)
    assert entry.status == SyncStatus.NEEDS_ATTENTION and entry.code == "magento_b2b_missing"
    with magento.lock:
        magento._faults.clear()
