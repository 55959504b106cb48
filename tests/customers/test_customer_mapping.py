"""Customers: pure mapping, the shop parsers and the topic → flow wiring (no I/O)."""

from __future__ import annotations

import json

import pytest

from core.models import Address, Customer, CustomerKind
from core.platforms import shopify, woocommerce
from core.sync import customer_mapping as mapping
from core.sync.customers import find_or_create_customer
from tests.customers.samples import shopify_address, shopify_b2b_buyer, shopify_customer, woo_customer

ADDRESS = Address(name="Karin Lindqvist", line1="Drottninggatan 12", line2="lgh 1102", city="Stockholm",
                  postal_code="111 51", country="SE", phone="+46 70 555 01 02")


def person(**kw) -> Customer:
    return Customer(**{"external_id": "1", "email": "karin@example.com", "first_name": "Karin",
                       "last_name": "Lindqvist", **kw})


def test_a_person_becomes_a_person_customer_with_the_shop_owned_fields_only():
    body = mapping.customer_body(person(), ADDRESS, is_company=False)
    assert body == {
        "displayName": "Karin Lindqvist", "type": "Person", "email": "karin@example.com",
        "phoneNumber": "+46 70 555 01 02", "addressLine1": "Drottninggatan 12", "addressLine2": "lgh 1102",
        "city": "Stockholm", "state": "", "postalCode": "111 51", "country": "SE",
    }
    assert not set(body) & set(mapping.BC_OWNED)


def test_a_b2b_buyer_becomes_a_company_customer_named_after_the_company_with_its_vat_number():
    buyer = person(kind=CustomerKind.COMPANY, company_name="Nordic Tools AB", vat_number="SE556677889901")
    body = mapping.customer_body(buyer, ADDRESS, is_company=True)
    assert (body["type"], body["displayName"], body["taxRegistrationNumber"]) == (
        "Company", "Nordic Tools AB", "SE556677889901")
    contact = mapping.person_contact_body(buyer, ADDRESS, "CT000007")
    assert contact == {"type": "Person", "displayName": "Karin Lindqvist", "companyNumber": "CT000007",
                       "email": "karin@example.com", "phoneNumber": "+46 70 555 01 02"}
    assert mapping.company_contact_body(buyer, ADDRESS)["type"] == "Company"


def test_addresses_are_cut_to_bc_field_lengths():
    long = Address(line1="A" * 120, line2="B" * 60, city="C" * 40, state="S" * 35, postal_code="1" * 25,
                   country="SE", phone="+46" + "7" * 40)
    body = mapping.customer_body(person(first_name="N" * 70, last_name="M" * 70), long, is_company=False)
    assert {k: len(body[k]) for k in ("displayName", "addressLine1", "addressLine2", "city", "state", "postalCode",
                                      "phoneNumber")} == {"displayName": 100, "addressLine1": 100, "addressLine2": 50,
                                                          "city": 30, "state": 30, "postalCode": 20, "phoneNumber": 30}
    assert len(mapping.customer_body(person(email="x" * 90 + "@example.com"), long, is_company=False)["email"]) == 80


@pytest.mark.parametrize("raw, expected", [
    ("  Karin.Lindqvist@Example.COM ", "karin.lindqvist@example.com"),
    ("karin@example.com", "karin@example.com"),
    ("", ""), ("not an e-mail", ""), ("no-at-sign.example.com", ""), (None, ""),
])
def test_email_normalisation(raw, expected):
    assert mapping.normalize_email(raw) == expected


def test_the_lookup_is_email_plus_type_with_quotes_escaped():
    assert mapping.customer_filter("o'brien@example.com", False) == (
        "email eq 'o''brien@example.com' and type eq 'Person'")
    assert mapping.customer_filter("a@b.se", True) == "email eq 'a@b.se' and type eq 'Company'"


def test_an_update_patches_only_shop_owned_fields_that_differ():
    current = {"displayName": "Karin Lindqvist", "email": "karin@example.com", "phoneNumber": "+46 70 555 01 02",
               "addressLine1": "Old street 1", "addressLine2": "", "city": "Stockholm", "state": "",
               "postalCode": "111 51", "country": "SE", "creditLimit": 5000, "blocked": "Invoice"}
    desired = {**mapping.customer_body(person(), ADDRESS, is_company=False), "country": "se",
               "creditLimit": 0, "blocked": " "}  # BC-owned fields in the input are ignored
    assert mapping.customer_changes(current, desired) == {"addressLine1": "Drottninggatan 12",
                                                          "addressLine2": "lgh 1102"}
    assert mapping.customer_changes(current, {"addressLine1": "", "city": ""}) == {}  # empty never blanks BC


def test_the_fingerprint_changes_with_the_address_not_with_marketing_noise():
    a = mapping.ShopCustomer(person(), ADDRESS)
    assert mapping.fingerprint(a) == mapping.fingerprint(mapping.ShopCustomer(person(), ADDRESS))
    moved = mapping.ShopCustomer(person(), ADDRESS.model_copy(update={"line1": "Sveavägen 1"}))
    assert mapping.fingerprint(a) != mapping.fingerprint(moved)


# ---- parsers ----

def test_shopify_customer_is_a_person_with_its_default_address_first():
    payload = shopify_customer(7101, addresses=[shopify_address(id=1, default=False, city="Lund"),
                                                shopify_address(id=8801)])
    customer = shopify.parse.parse_customer(payload, "s")
    assert (customer.external_id, customer.kind, customer.email, customer.display_name) == (
        "7101", CustomerKind.PERSON, "Karin.Lindqvist@Example.com", "Karin Lindqvist")
    addresses = shopify.parse.parse_customer_addresses(payload)
    assert [a.city for a in addresses] == ["Stockholm", "Lund"]
    assert (addresses[0].postal_code, addresses[0].country) == ("111 51", "SE")
    assert shopify.parse.customer_updated_at(payload).isoformat() == "2026-03-02T10:00:00+01:00"


def test_shopify_rest_wrapper_and_a_customer_without_address():
    payload = {"customer": {**shopify_customer(7102), "default_address": None, "addresses": []}}
    assert shopify.parse.parse_customer(payload, "s").external_id == "7102"
    assert shopify.parse.parse_customer_addresses(payload) == []


def test_shopify_company_name_on_the_address_alone_is_not_b2b():
    payload = shopify_customer(7103, address=shopify_address(company="Wyatt Inc."))
    customer = shopify.parse.parse_customer(payload, "s")
    assert customer.kind is CustomerKind.PERSON and customer.company_name == "Wyatt Inc."


@pytest.mark.parametrize("signal", [
    {"company_contact_profiles": [{"company": {"id": "gid://shopify/Company/55", "name": "Nordic Tools AB"}}]},
    {"companyContactProfiles": [{"company": {"id": "gid://shopify/Company/55", "name": "Nordic Tools AB"}}]},
    {"company": {"admin_graphql_api_id": "gid://shopify/Company/55", "name": "Nordic Tools AB"}},
])
def test_shopify_explicit_b2b_company_makes_a_company_customer(signal):
    customer = shopify.parse.parse_customer(shopify_customer(7104, **signal), "s")
    assert (customer.kind, customer.company_name, customer.company_external_id) == (
        CustomerKind.COMPANY, "Nordic Tools AB", "55")


def test_shopify_b2b_buyer_keeps_the_company_tax_id():
    customer = shopify.parse.parse_customer(shopify_b2b_buyer(7105, 55, "Nordic Tools AB"), "s")
    assert customer.vat_number == "SE556677889901"


def test_shopify_customer_without_id_needs_attention():
    from core.errors import NeedsAttention

    with pytest.raises(NeedsAttention) as exc:
        shopify.parse.parse_customer({"email": "x@example.com"}, "s")
    assert exc.value.code == "malformed_payload"


def test_woocommerce_customer_is_always_a_person_even_with_a_billing_company():
    payload = woo_customer(31, company="Berg Bygg AB")
    customer = woocommerce.parse.parse_customer(json.loads(json.dumps(payload)), "w")
    assert (customer.external_id, customer.kind, customer.company_name, customer.vat_number) == (
        "31", CustomerKind.PERSON, "Berg Bygg AB", "SE556000111201")
    [address] = woocommerce.parse.parse_customer_addresses(payload)  # shipping = billing: one address
    assert (address.line1, address.postal_code, address.phone) == ("Storgatan 3", "753 20", "018-12 34 56")
    assert woocommerce.parse.customer_updated_at(payload).isoformat() == "2026-03-02T09:00:00+00:00"


@pytest.mark.parametrize("topic, flow", [("customers/create", "customers"), ("customers/update", "customers"),
                                         ("customers/delete", None), ("orders/create", "orders")])
def test_shopify_customer_topics_feed_the_customers_flow(topic, flow):
    assert shopify.webhooks.describe(b'{"id": 7}', {"X-Shopify-Topic": topic}).flow == flow


@pytest.mark.parametrize("topic, flow", [("customer.created", "customers"), ("customer.updated", "customers"),
                                         ("customer.deleted", None)])
def test_woocommerce_customer_topics_feed_the_customers_flow(topic, flow):
    assert woocommerce.webhooks.describe(b'{"id": 7}', {"X-WC-Webhook-Topic": topic}).flow == flow


# ---- the function the orders flow shares ----

class FakeCompany:
    """Records create_once calls; `existing` answers the look-up."""

    company_id = "c1"
    base = "https://bc.example/api/v2.0/companies(c1)"

    def __init__(self, existing: dict | None = None):
        self.existing, self.calls = existing, []

    def create_once(self, entity_set, body, lookup_filter):
        from core.bc import CreateOnceResult

        self.calls.append((entity_set, body, lookup_filter))
        if self.existing is not None:
            return CreateOnceResult(self.existing, created=False, entity_set=entity_set)
        return CreateOnceResult({"id": "new-id", "number": "C00010", **body}, created=True, entity_set=entity_set)


def test_find_or_create_looks_up_by_email_and_type_and_fills_the_orders_cache():
    co, cache = FakeCompany(), {}
    ref = find_or_create_customer(co, person(email=" Karin@Example.com"), ADDRESS, as_company=False, cache=cache)
    assert (ref.id, ref.number, ref.created) == ("new-id", "C00010", True)
    [(entity_set, body, lookup)] = co.calls
    assert (entity_set, lookup, body["email"]) == ("customers", "email eq 'karin@example.com' and type eq 'Person'",
                                                   "karin@example.com")
    again = find_or_create_customer(co, person(email="karin@example.com"), ADDRESS, as_company=False, cache=cache)
    assert (again.number, again.created, len(co.calls)) == ("C00010", False, 1)  # from the cache, no BC call


def test_find_or_create_links_an_existing_company_customer():
    co = FakeCompany(existing={"id": "old", "number": "10000"})
    ref = find_or_create_customer(co, person(kind=CustomerKind.COMPANY, company_name="Adatum AB"), ADDRESS,
                                  as_company=True)
    assert (ref.number, ref.created) == ("10000", False)
    assert co.calls[0][2].endswith("type eq 'Company'")


def test_find_or_create_without_email_needs_attention():
    from core.errors import NeedsAttention

    with pytest.raises(NeedsAttention) as exc:
        find_or_create_customer(FakeCompany(), person(email=""), Address(), as_company=False)
    assert exc.value.code == "no_customer_email"
