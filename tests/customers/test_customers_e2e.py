"""Customers end to end: the shop emulator sends a signed customers webhook → sandbox Functions host (webhook
blueprint + the customers blueprint) → customers-import queue → core.sync.customers → BC emulator.

The host runs a small app of the webhook and customers blueprints; receive.FLOW_QUEUES gets "customers" here
until core/sync/receive.py maps it (a no-op once it does)."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from core.bc.client import CompanyApi
from core.state import SyncStatus, names
from core.sync import receive
from core.sync.context import get_context
from sandbox.stack import ROOT, LocalStack
from tests.customers.samples import shopify_address, shopify_b2b_buyer, shopify_customer, woo_customer

pytestmark = pytest.mark.timeout(120)

APP = '''import azure.functions as func

from functions import customers, webhooks

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
for blueprint in (webhooks.bp, customers.bp):
    app.register_functions(blueprint)
'''

HINT = 'template_hint = "rule WEB-PERSON: Customer Type = Person → template CUST-WEB"'


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from sandbox.host import LocalHost

    app_dir = tmp_path_factory.mktemp("customers-app")
    (app_dir / "function_app.py").write_text(APP)
    shutil.copy(ROOT / "host.json", app_dir / "host.json")
    with pytest.MonkeyPatch.context() as mp, LocalStack(host=False) as s:
        mp.setitem(receive.FLOW_QUEUES, "customers", names.CUSTOMERS_IMPORT)
        text = s.config_path.read_text()
        edited = (text.replace('flows = ["orders", "refunds", "stock", "shipments"]',
                               'flows = ["orders", "refunds", "stock", "shipments", "customers"]', 1)
                  .replace('flows = ["orders", "stock"]', 'flows = ["orders", "stock", "customers"]', 1)
                  .replace("[shops.locations]\n", f"[shops.customers]\n{HINT}\n\n[shops.locations]\n", 1))
        assert edited.count('"customers"]') == 2 and HINT in edited
        s.config_path.write_text(edited)
        s.reload_config_from_file()
        s.host = LocalHost(app_dir, settings=s.settings).start()
        yield s


def customers(stack, **filters) -> list[dict]:
    return stack.bc.records(stack.company_id("se"), "customers", **filters)


def contacts(stack, **filters) -> list[dict]:
    return stack.bc.records(stack.company_id("se"), "contacts", **filters)


def settled(stack, shop: str, external_id: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    record = None
    while time.monotonic() < deadline:
        record = stack.synclog.get("customers", shop, external_id)
        if record is not None and record.status is not SyncStatus.RECEIVED and not stack.queue_depth(
                names.CUSTOMERS_IMPORT):
            time.sleep(0.3)  # let a concurrent duplicate finish its log write
            return stack.synclog.get("customers", shop, external_id)
        time.sleep(0.1)
    raise TimeoutError(f"customers {external_id}: {record}")


def bc_user_edits(stack, customer_id: str, **changes) -> None:
    """What a BC user does on the customer card (a new version → a new ETag)."""
    with stack.bc.store.lock:
        company = stack.bc.store.company(stack.company_id("se"))
        record = dict(company.table("customers")[customer_id], **changes)
        stack.bc.store.put(company, "customers", record)


def test_customers_create_gives_one_person_customer_with_bc_sized_fields(stack):
    long_street = shopify_address(address1="Långa vägen " + "9" * 110, city="Stockholms kommun centralort ABC")
    payload = shopify_customer(7201, email=" Karin.Lindqvist@Example.com", address=long_street)
    assert stack.send_shopify("customers/create", payload).status == 200
    record = settled(stack, "shopify-demo", "7201")
    assert record.status is SyncStatus.SUCCESS, record.message
    [customer] = customers(stack, email="karin.lindqvist@example.com")
    assert (customer["type"], customer["displayName"], customer["city"], customer["postalCode"], customer["country"]) \
        == ("Person", "Karin Lindqvist", "Stockholms kommun centralort A", "111 51", "SE")
    assert len(customer["addressLine1"]) == 100 and customer["addressLine2"] == "lgh 1102"
    assert record.bc_document == f"customers {customer['number']}" and "Created BC customer" in record.message
    assert "CUST-WEB" in record.message  # the template hint tells the operator where posting groups come from
    binding = get_context().bindings.get("customer", "shopify-demo", "7201")
    assert binding.is_bound and binding.bc_id == customer["id"] and binding.bc_company == "se"


def test_the_same_customer_delivered_six_times_concurrently_gives_one_bc_customer(stack):
    payload = shopify_customer(7202, email="lars.ek@example.com", first="Lars", last="Ek")
    statuses = []

    def deliver(i: int):
        statuses.append(stack.send_shopify("customers/create" if i % 2 else "customers/update", payload,
                                           event_id="evt-7202" if i < 2 else None).status)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    record = settled(stack, "shopify-demo", "7202")
    time.sleep(1.0)
    assert len(customers(stack, email="lars.ek@example.com")) == 1
    assert stack.synclog.get("customers", "shopify-demo", "7202").status is SyncStatus.SUCCESS, record.message


def test_an_update_patches_the_address_with_the_etag_and_keeps_bc_owned_fields(stack, monkeypatch):
    created = shopify_customer(7203, email="maja.holm@example.com", first="Maja", last="Holm")
    assert stack.send_shopify("customers/create", created).status == 200
    assert settled(stack, "shopify-demo", "7203").status is SyncStatus.SUCCESS
    [before] = customers(stack, email="maja.holm@example.com")

    # a BC user sets a credit limit and blocks invoicing between our read and our write
    original_get, interfered = CompanyApi.get, []

    def get_then_bc_user_edits(self, entity_set, id, *args, **kwargs):  # noqa: A002
        record = original_get(self, entity_set, id, *args, **kwargs)
        if entity_set == "customers" and id == before["id"] and not interfered:
            interfered.append(True)
            bc_user_edits(stack, before["id"], creditLimit=5000, blocked="Invoice")
        return record

    monkeypatch.setattr(CompanyApi, "get", get_then_bc_user_edits)
    logged = len(stack.bc.requests)
    moved = shopify_customer(7203, email="maja.holm@example.com", first="Maja", last="Holm",
                             updated_at="2026-03-05T08:00:00+01:00",
                             address=shopify_address(address1="Sveavägen 44", city="Uppsala", zip="753 10"))
    assert stack.send_shopify("customers/update", moved).status == 200
    record = settled(stack, "shopify-demo", "7203")
    assert record.status is SyncStatus.SUCCESS, record.message
    patches = [r["status"] for r in stack.bc.requests[logged:]
               if r["method"] == "PATCH" and r["entity_set"] == "customers"]
    assert interfered and patches == [409, 200]  # stale ETag refused, re-read, re-applied
    [after] = customers(stack, email="maja.holm@example.com")
    assert (after["number"], after["addressLine1"], after["city"], after["postalCode"]) == (
        before["number"], "Sveavägen 44", "Uppsala", "753 10")
    assert (after["creditLimit"], after["blocked"]) == (5000, "Invoice")  # BC-owned: never overwritten
    assert record.message == f"Updated BC customer {before['number']}: addressLine1, city, postalCode."

    # Shopify retries carry the original payload: the older version arriving late changes nothing
    monkeypatch.setattr(CompanyApi, "get", original_get)
    assert stack.send_shopify("customers/update", created).status == 200
    time.sleep(0.5)
    settled(stack, "shopify-demo", "7203")
    [still] = customers(stack, email="maja.holm@example.com")
    assert still["addressLine1"] == "Sveavägen 44"


def test_a_b2b_buyer_gives_a_company_customer_and_a_person_contact_under_the_company(stack):
    buyer = shopify_b2b_buyer(7204, 55, "Nordic Tools AB", email="karin@nordictools.example")
    assert stack.send_shopify("customers/create", buyer).status == 200
    record = settled(stack, "shopify-demo", "7204")
    assert record.status is SyncStatus.SUCCESS, record.message
    [company_customer] = customers(stack, displayName="Nordic Tools AB")
    assert (company_customer["type"], company_customer["email"], company_customer["taxRegistrationNumber"]) == (
        "Company", "karin@nordictools.example", "SE556677889901")
    [company_contact] = contacts(stack, type="Company", displayName="Nordic Tools AB")
    [person] = contacts(stack, type="Person", email="karin@nordictools.example")
    assert (person["companyNumber"], person["companyName"], person["displayName"]) == (
        company_contact["number"], "Nordic Tools AB", "Karin Lindqvist")

    # a second buyer of the same shop company joins it: no second Company customer
    second = shopify_b2b_buyer(7205, 55, "Nordic Tools AB", email="per@nordictools.example", first="Per", last="Alm")
    assert stack.send_shopify("customers/create", second).status == 200
    assert settled(stack, "shopify-demo", "7205").status is SyncStatus.SUCCESS
    assert len(customers(stack, displayName="Nordic Tools AB")) == 1
    [per] = contacts(stack, type="Person", email="per@nordictools.example")
    assert per["companyNumber"] == company_contact["number"]
    assert get_context().bindings.get("customer", "shopify-demo", "7205").bc_number == company_customer["number"]


def test_a_customer_bc_already_has_is_linked_not_duplicated(stack):
    anna = shopify_customer(7206, email="Anna.Andersson@example.com", first="Anna", last="Andersson")
    assert stack.send_shopify("customers/create", anna).status == 200
    record = settled(stack, "shopify-demo", "7206")
    assert record.status is SyncStatus.SUCCESS and "Linked existing" in record.message
    assert [c["number"] for c in customers(stack, email="anna.andersson@example.com")] == ["20000"]


def test_woocommerce_customer_with_a_billing_company_is_a_person(stack):
    assert stack.send_woo("customer.created", woo_customer(31, company="Berg Bygg AB")).status == 200
    record = settled(stack, "woo-demo", "31")
    assert record.status is SyncStatus.SUCCESS, record.message
    [olle] = customers(stack, email="olle.berg@example.com")
    assert (olle["type"], olle["displayName"], olle["city"], olle["taxRegistrationNumber"]) == (
        "Person", "Olle Berg", "Uppsala", "SE556000111201")
