"""Magento customers → Customer / addresses for the customers flow, and the customer event's description.

The fixture is the REST customer entity (`GET /V1/customers/{id}`: CustomerInterface with AddressInterface
rows, region as an object, `default_billing`/`default_shipping` as address ids on the customer and as flags on
the addresses) and Adobe Commerce B2B's `extension_attributes.company_attributes`, written from Adobe's REST
reference; no public sample of the customer event is in the corpus, so it is the CloudEvent of the order
corpus file with the customer in `data.value`."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from core.errors import BridgeError, NeedsAttention
from core.models import CustomerKind
from core.platforms.magento import parse, webhooks
from tests.hostile.strategies import HOSTILE_STRINGS

CUSTOMER = {
    "id": 42, "group_id": 1, "default_billing": "11", "default_shipping": "12", "created_at": "2025-01-02 08:00:00",
    "updated_at": "2025-02-03 09:10:11", "email": "eva.lind@example.com", "firstname": "Eva", "lastname": "Lind",
    "taxvat": "", "store_id": 1, "website_id": 1,
    "addresses": [
        {"id": 12, "customer_id": 42, "region": {"region_code": "AB", "region": "Stockholm", "region_id": 0},
         "country_id": "SE", "street": ["Hamngatan 2"], "telephone": "+46 8 000 00 12", "postcode": "11147",
         "city": "Stockholm", "firstname": "Eva", "lastname": "Lind", "default_shipping": True},
        {"id": 11, "customer_id": 42, "region": {"region_code": None, "region": None, "region_id": 0},
         "country_id": "SE", "street": ["Kungsgatan 1", "3 tr"], "telephone": "+46 8 000 00 11",
         "postcode": "11143", "city": "Stockholm", "firstname": "Eva", "lastname": "Lind", "company": "Lind AB",
         "vat_id": "SE556677889901", "default_billing": True},
        {"id": 13, "customer_id": 42, "country_id": "SE", "street": ["Sommarstugan"], "city": "Visby",
         "postcode": "62155", "firstname": "Eva", "lastname": "Lind"}],
    "extension_attributes": {"is_subscribed": False},
}


def b2b() -> dict:
    customer = copy.deepcopy(CUSTOMER)
    customer["extension_attributes"]["company_attributes"] = {"customer_id": 42, "company_id": 7, "status": 1,
                                                              "job_title": "Buyer", "telephone": "+46 8 1"}
    return customer


def event(value: dict) -> dict:
    return {"specversion": "1.0", "id": "ev-1", "type": "com.adobe.commerce.observer.customer_save_commit_after",
            "data": {"key": "k", "value": value}}


def test_a_consumer_with_its_default_billing_and_shipping_addresses():
    customer = parse.parse_customer(CUSTOMER, "mg")
    assert (customer.external_id, customer.kind, customer.email) == ("42", CustomerKind.PERSON, "eva.lind@example.com")
    assert (customer.first_name, customer.last_name, customer.phone) == ("Eva", "Lind", "+46 8 000 00 11")
    assert customer.company_name == "" and customer.company_external_id == ""  # a company name alone is no B2B
    assert customer.vat_number == "SE556677889901"  # the billing address's vat_id when taxvat is empty
    billing, shipping = parse.parse_customer_addresses(CUSTOMER)
    assert (billing.line1, billing.line2, billing.company, billing.state) == ("Kungsgatan 1", "3 tr", "Lind AB", "")
    assert (shipping.line1, shipping.state, shipping.postal_code) == ("Hamngatan 2", "AB", "11147")
    assert parse.customer_updated_at(CUSTOMER) == datetime(2025, 2, 3, 9, 10, 11, tzinfo=UTC)


def test_defaults_named_only_by_id_on_the_customer_and_one_address_for_both():
    customer = copy.deepcopy(CUSTOMER)
    for address in customer["addresses"]:
        address.pop("default_billing", None), address.pop("default_shipping", None)
    customer["default_shipping"] = "11"
    [only] = parse.parse_customer_addresses(customer)
    assert only.line1 == "Kungsgatan 1"
    customer.pop("default_billing"), customer.pop("default_shipping")
    assert [a.line1 for a in parse.parse_customer_addresses(customer)] == ["Hamngatan 2"]  # the first one
    assert parse.parse_customer_addresses({"id": 1, "email": "x@example.com"}) == []


def test_an_adobe_commerce_b2b_company_user_is_a_company_customer():
    customer = parse.parse_customer(b2b(), "mg")
    assert customer.kind is CustomerKind.COMPANY
    assert (customer.company_external_id, customer.company_name) == ("7", "Lind AB")
    no_company = copy.deepcopy(b2b())
    no_company["extension_attributes"]["company_attributes"]["company_id"] = 0  # B2B module, no company
    assert parse.parse_customer(no_company, "mg").kind is CustomerKind.PERSON


def test_the_io_event_wrapper_is_read_and_described_as_the_customers_flow():
    wrapped = event(CUSTOMER)
    assert parse.parse_customer(wrapped, "mg") == parse.parse_customer(CUSTOMER, "mg")
    assert parse.parse_customer_addresses(wrapped) == parse.parse_customer_addresses(CUSTOMER)
    delivery = webhooks.describe(json.dumps(wrapped).encode(), {})
    assert (delivery.flow, delivery.resource_id, delivery.delivery_id) == ("customers", "42", "ev-1")


def test_a_customer_without_an_id_is_a_malformed_payload():
    try:
        parse.parse_customer({"email": "x@example.com"}, "mg")
    except NeedsAttention as exc:
        assert exc.code == "malformed_payload" and "missing id" in exc.message
    else:
        raise AssertionError("no error")


@given(field=st.sampled_from(["id", "email", "firstname", "default_billing", "addresses", "updated_at", "taxvat",
                              "extension_attributes"]),
       value=st.one_of(st.sampled_from(HOSTILE_STRINGS), st.none(), st.integers(), st.floats(allow_nan=True),
                       st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                   st.text(max_size=5), max_size=3)),
       wrap=st.booleans())
def test_a_hostile_customer_gives_a_result_or_our_error(field, value, wrap):
    customer = copy.deepcopy(b2b())
    customer[field] = value
    doc = event(customer) if wrap else customer
    for call in (lambda: parse.parse_customer(doc, "mg"), lambda: parse.parse_customer_addresses(doc),
                 lambda: parse.customer_updated_at(doc)):
        try:
            call()
        except BridgeError:
            pass
