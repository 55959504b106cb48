"""B2B companies BC → Shopify: the pure mapping (customer_export_mapping), on BC customers as the API answers."""

from __future__ import annotations

import pytest

from core.sync import customer_export_mapping as mapping
from sandbox.shopify_emulator.companies import PAYMENT_TERMS_TEMPLATES

TEMPLATES = [{k: t[k] for k in ("id", "name", "paymentTermsType", "dueInDays")} for t in PAYMENT_TERMS_TEMPLATES]
NET_30 = "gid://shopify/PaymentTermsTemplate/4"
RECEIPT = "gid://shopify/PaymentTermsTemplate/1"

# GET customers({id}) as BC answers (trimmed to the selected fields)
ADATUM = {
    "@odata.etag": 'W/"JzQ0OzE="', "id": "5d115c9c-44e3-ea11-bb43-000d3a2feca1", "number": "10000",
    "displayName": "Adatum AB", "type": "Company", "addressLine1": "Kungsgatan 12", "addressLine2": "",
    "city": "Stockholm", "state": "", "country": "SE", "postalCode": "11350", "phoneNumber": "+46 8 123 456",
    "email": "inköp@adatum.example", "paymentTermsId": "b2a5738a-44e3-ea11-bb43-000d3a2feca1", "blocked": " ",
    "lastModifiedDateTime": "2026-03-01T09:12:44.293Z",
}
TERMS_30 = {"id": "b2a5738a-44e3-ea11-bb43-000d3a2feca1", "code": "30 DAYS", "dueDateCalculation": "30D"}


@pytest.mark.parametrize(("formula", "days"), [("30D", 30), ("0D", 0), ("14 d", 14), ("2W", 14), ("CM", None),
                                               ("1M", None), ("CM+30D", None), ("", None)])
def test_due_days_reads_only_fixed_day_counts_from_bc_date_formulas(formula, days):
    assert mapping.due_days(formula) == days


def test_payment_terms_map_to_the_template_with_the_same_due_days():
    assert mapping.terms_template(TERMS_30, TEMPLATES) == (NET_30, "")
    assert mapping.terms_template({"code": "COD", "dueDateCalculation": "0D"}, TEMPLATES) == (RECEIPT, "")
    assert mapping.terms_template({"code": "1 WEEK", "dueDateCalculation": "1W"}, TEMPLATES) == \
        ("gid://shopify/PaymentTermsTemplate/2", "")  # Net 7
    assert mapping.terms_template(None, TEMPLATES) == (None, "")


def test_payment_terms_without_a_template_are_left_out_and_named():
    template, problem = mapping.terms_template({"code": "14 DAYS", "dueDateCalculation": "14D"}, TEMPLATES)
    assert template is None
    assert "14 DAYS (14 days)" in problem and "net 7, 15, 30, 45, 60, 90" in problem
    template, problem = mapping.terms_template({"code": "CM", "dueDateCalculation": "CM"}, TEMPLATES)
    assert template is None and "not a fixed number of days" in problem


def test_a_company_customer_becomes_a_company_with_one_location_and_its_address():
    plan = mapping.company_plan(ADATUM, TERMS_30, TEMPLATES)
    address = {"address1": "Kungsgatan 12", "address2": "", "city": "Stockholm", "zip": "11350",
               "countryCode": "SE", "recipient": "Adatum AB", "phone": "+468123456"}  # E.164, as Shopify keeps it
    assert mapping.create_input(plan) == {
        "company": {"name": "Adatum AB", "externalId": "10000"},
        "companyLocation": {"name": "Adatum AB", "phone": "+468123456",
                            "buyerExperienceConfiguration": {"paymentTermsTemplateId": NET_30,
                                                             "checkoutToDraft": False},
                            "billingAddress": address, "shippingAddress": address}}
    assert plan.problems == ()


def test_blocked_customers_check_out_to_draft():
    for blocked, expected in ((" ", False), ("", False), ("Ship", True), ("Invoice", True), ("All", True)):
        plan = mapping.company_plan({**ADATUM, "blocked": blocked}, TERMS_30, TEMPLATES)
        assert plan.blocked is expected
        assert mapping.create_input(plan)["companyLocation"]["buyerExperienceConfiguration"]["checkoutToDraft"] \
            is expected


def test_no_two_letter_country_means_no_address_and_a_problem():
    plan = mapping.company_plan({**ADATUM, "country": ""}, TERMS_30, TEMPLATES)
    assert plan.address is None
    assert "billingAddress" not in mapping.create_input(plan)["companyLocation"]
    assert any("country code" in p for p in plan.problems)


@pytest.mark.parametrize(("bc", "shopify"), [("UK", "GB"), ("EL", "GR"), ("XI", "GB"), (" se", "SE"), ("DE", "DE")])
def test_bc_country_codes_become_shopify_country_codes(bc, shopify):
    plan = mapping.company_plan({**ADATUM, "country": bc}, TERMS_30, TEMPLATES)
    assert plan.address["countryCode"] == shopify and plan.problems == ()


@pytest.mark.parametrize("bc", ["Sweden", "XX", "PR"])
def test_a_country_shopify_does_not_know_is_left_out_and_named(bc):
    plan = mapping.company_plan({**ADATUM, "country": bc}, TERMS_30, TEMPLATES)
    assert plan.address is None and "billingAddress" not in mapping.create_input(plan)["companyLocation"]
    assert [p for p in plan.problems if "field country" in p and f'"{bc}"' in p]


@pytest.mark.parametrize(("bc", "shopify"), [("+46 8 123 456", "+468123456"), ("0046-8-123 456", "+468123456"),
                                             ("+44 (0)20 7946 0958", "+442079460958"), ("08-123 456", None),
                                             ("call reception", None), ("", None)])
def test_phones_are_sent_in_e164_or_not_at_all(bc, shopify):
    plan = mapping.company_plan({**ADATUM, "phoneNumber": bc}, TERMS_30, TEMPLATES)
    assert plan.address.get("phone") == shopify
    assert mapping.create_input(plan)["companyLocation"].get("phone") == shopify
    named = [p for p in plan.problems if "field phoneNumber" in p]
    assert bool(named) == (bc != "" and shopify is None)


def test_an_unchanged_customer_has_no_changes_and_a_changed_address_only_an_address():
    plan = mapping.company_plan(ADATUM, TERMS_30, TEMPLATES)
    assert mapping.changes(plan.state(), plan, linked=False).empty
    moved = mapping.company_plan({**ADATUM, "addressLine1": "Drottninggatan 5", "lastModifiedDateTime": "x"},
                                 TERMS_30, TEMPLATES)
    changes = mapping.changes(plan.state(), moved, linked=False)
    assert changes.company == {} and changes.location == {}
    assert changes.address["address1"] == "Drottninggatan 5" and changes.names() == ["address"]


def test_a_renamed_customer_updates_company_and_location_names():
    plan = mapping.company_plan(ADATUM, TERMS_30, TEMPLATES)
    renamed = mapping.company_plan({**ADATUM, "displayName": "Adatum Nordic AB"}, TERMS_30, TEMPLATES)
    changes = mapping.changes(plan.state(), renamed, linked=False)
    assert changes.company == {"name": "Adatum Nordic AB"}
    # the address recipient is the name too
    assert changes.location == {"name": "Adatum Nordic AB"} and changes.address["recipient"] == "Adatum Nordic AB"


def test_terms_and_blocking_changes_send_the_buyer_configuration():
    plan = mapping.company_plan(ADATUM, TERMS_30, TEMPLATES)
    cod = mapping.company_plan(ADATUM, {"code": "COD", "dueDateCalculation": "0D"}, TEMPLATES)
    assert mapping.changes(plan.state(), cod, linked=False).location == {
        "buyerExperienceConfiguration": {"paymentTermsTemplateId": RECEIPT}}
    blocked = mapping.company_plan({**ADATUM, "blocked": "All"}, TERMS_30, TEMPLATES)
    assert mapping.changes(plan.state(), blocked, linked=False).location == {
        "buyerExperienceConfiguration": {"paymentTermsTemplateId": NET_30, "checkoutToDraft": True}}
    assert mapping.changes(blocked.state(), plan, linked=False).location == {
        "buyerExperienceConfiguration": {"paymentTermsTemplateId": NET_30, "checkoutToDraft": False}}


def test_a_linked_shop_company_gets_only_terms_and_blocking_from_bc():
    plan = mapping.company_plan({**ADATUM, "displayName": "Other name", "blocked": "Ship"}, TERMS_30, TEMPLATES)
    changes = mapping.changes({}, plan, linked=True)
    assert changes.company == {} and changes.address is None
    assert changes.location == {"buyerExperienceConfiguration": {"paymentTermsTemplateId": NET_30,
                                                                 "checkoutToDraft": True}}
    # nothing BC owns changed → nothing to send, even when BC's name and address differ from the shop's
    renamed = mapping.company_plan({**ADATUM, "displayName": "x", "city": "Lund", "blocked": "Ship"}, TERMS_30,
                                   TEMPLATES)
    assert mapping.changes(plan.state(), renamed, linked=True).empty


def test_person_customers_are_not_companies():
    assert mapping.is_company(ADATUM)
    assert not mapping.is_company({**ADATUM, "type": "Person"})
