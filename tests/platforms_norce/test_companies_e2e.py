"""B2B companies BC → Norce end to end: BC emulator (customers) → core.sync.customer_export → the Norce emulator's
Connect `Customer/ImportCompanies` jobs, with bindings, cursors and the sync log in Azurite (LocalStack without
the Functions host). Every assertion reads the Norce emulator, the bindings or the sync log."""

from __future__ import annotations

import pytest

from core.state import SyncStatus
from core.sync import customer_export
from core.sync.context import get_context
from sandbox.norce_emulator import NorceEmulator
from sandbox.stack import LocalStack
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.timeout(180)

SHOP = "norce-b2b"
SETTING = "NORCE_B2B_API_CLIENT"
KEY = "6f1c2b4e-5d3a-4c21-9e8f-0a1b2c3d4e5f"


def shop_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "norce"
url = "{url}"
webhook_secret_setting = "NORCE_B2B_WEBHOOK_SECRET"
api_token_setting = "{SETTING}"
flows = ["orders"]

[shops.customers]
export_to_shop = true

[shops.norce]
application_id = "1234"
account_id = 7
scope = "stage"
application_key = "{KEY}"

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def norce():
    emu = NorceEmulator(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, application_id="1234", account_id=7,
                        application_key=KEY).start()
    yield emu
    emu.stop()


@pytest.fixture(scope="module")
def stack(norce):
    from core.platforms.norce import flows

    with pytest.MonkeyPatch.context() as mp, LocalStack(
            host=False, config_extra=shop_toml(norce.base_url),
            settings={SETTING: f"{CLIENT_ID}:{CLIENT_SECRET}"}) as s:
        for name, value in s.settings.items():  # the app settings the Functions host would set
            mp.setenv(name, value)
        mp.setattr(flows.CompanyWriter, "poll_seconds", 0.01)
        yield s


def new_customer(stack, name: str, **fields) -> dict:
    body = {"displayName": name, "type": "Company", "addressLine1": "Industrivägen 3", "city": "Västerås",
            "postalCode": "72131", "country": "SE", "phoneNumber": "+46 21 100 200",
            "email": f"{name.split()[0].lower()}@example.com", **fields}
    return get_context().bc.company(stack.company_id("se")).create("customers", body)


def bc_user_edits(stack, customer_id: str, **changes) -> None:
    """What a BC user does on the customer card (a new version, a new lastModifiedDateTime)."""
    with stack.bc.store.lock:
        company = stack.bc.store.company(stack.company_id("se"))
        record = dict(company.table("customers")[customer_id], **changes)
        stack.bc.store.put(company, "customers", record)


def test_a_bc_company_becomes_one_norce_company_and_an_unchanged_one_is_not_sent_again(stack, norce):
    customer = new_customer(stack, "Verktyg Norr AB", taxRegistrationNumber="SE556677889901")
    customer_export.export_customers(get_context())
    company = norce.companies[customer["number"]]
    assert company == {
        "Code": customer["number"], "ApplicationKey": KEY, "Name": "Verktyg Norr AB", "IsActive": True,
        "EmailAddress": "verktyg@example.com", "PhoneNumber": "+46 21 100 200", "OrganizationNo": "SE556677889901",
        "VatNo": "SE556677889901", "InvoiceAddress": {"AddressLine1": "Industrivägen 3", "City": "Västerås",
                                                      "ZipCode": "72131", "CountryCode": "SE"}}
    header, _ = norce.company_imports[-1]
    assert header["AccountId"] == 7 and "InvoiceAddress" in header["CompanyFieldsThatAreSet"]
    record = stack.synclog.get("customers-export", SHOP, customer["id"])
    assert record.status is SyncStatus.SUCCESS and "imported" in record.message
    imports = len(norce.company_imports)
    customer_export.export_customers(get_context())  # the overlap reads it again: nothing to send
    assert not [rows for _, rows in norce.company_imports[imports:] if rows[0]["Code"] == customer["number"]]

    bc_user_edits(stack, customer["id"], addressLine1="Hamngatan 9", city="Göteborg", blocked="Invoice")
    customer_export.export_customers(get_context())
    company = norce.companies[customer["number"]]
    assert company["InvoiceAddress"]["AddressLine1"] == "Hamngatan 9" and company["IsActive"] is False
    assert len([1 for _, rows in norce.company_imports if rows[0]["Code"] == customer["number"]]) == 2


def test_norce_refusing_a_new_company_without_vat_number_needs_attention_until_bc_has_one(stack, norce):
    customer = new_customer(stack, "Snickeri Syd AB")
    customer_export.export_customers(get_context())
    assert customer["number"] not in norce.companies
    record = stack.synclog.get("customers-export", SHOP, customer["id"])
    assert record.status is SyncStatus.NEEDS_ATTENTION and "OrganizationNo" in record.message
    assert "VAT registration" in record.resolution
    bc_user_edits(stack, customer["id"], taxRegistrationNumber="SE559988776601")
    customer_export.export_customers(get_context())  # the cursor held: read again, now accepted
    assert norce.companies[customer["number"]]["OrganizationNo"] == "SE559988776601"
    assert stack.synclog.get("customers-export", SHOP, customer["id"]).status is SyncStatus.SUCCESS
