"""Adobe Commerce B2B companies: the Magento emulator against Adobe's company-object.md and Magento_Company's save
validators (it refuses what Magento refuses, over real HTTP), the client's reading of those refusals, and the
mapping of a BC customer to a company's fields (a property: a result or our error, never a crash)."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import BridgeError, NeedsAttention
from core.platforms.magento.client import MagentoClient
from core.platforms.magento.flows import company_fields
from sandbox.magento_emulator import MagentoEmulator

TOKEN = "t0ken"  # noqa: S105


@pytest.fixture
def emu():
    e = MagentoEmulator(access_token=TOKEN).start()
    yield e
    e.stop()


def call(emu, method: str, path: str, body=None) -> httpx.Response:
    return httpx.request(method, f"{emu.base_url}/rest/V1/{path}", json=body,
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)


def company(admin_id: int, **fields) -> dict:
    # the create payload of company-object.md, with a Swedish address (SE lists no regions)
    return {"company_name": "Test company", "company_email": "newemail@example.com", "street": ["Storgatan 1"],
            "city": "Stockholm", "country_id": "SE", "postcode": "11122", "telephone": "4155551212",
            "super_user_id": admin_id, "customer_group_id": 1, **fields}


def test_the_documented_create_is_answered_with_the_company_and_its_admin_joins_it(emu):
    admin = call(emu, "POST", "customers", {"customer": {"email": "mshaw@example.com", "firstname": "Melanie",
                                                          "lastname": "Shaw"}}).json()
    assert admin["extension_attributes"]["company_attributes"]["company_id"] == 0  # company-users.md

    answer = call(emu, "POST", "company", {"company": company(admin["id"])})

    assert answer.status_code == 200
    created = answer.json()
    assert isinstance(created["id"], int) and created["super_user_id"] == admin["id"]
    assert call(emu, "GET", f"company/{created['id']}").json()["company_name"] == "Test company"
    assert emu.customers[admin["id"]]["extension_attributes"]["company_attributes"]["company_id"] == created["id"]


def test_required_fields_are_refused_all_at_once_as_magento_s_input_exception(emu):
    admin = emu.add_customer("a@example.com")
    answer = call(emu, "POST", "company", {"company": company(admin["id"], street=[], telephone="")})
    assert answer.status_code == 400
    body = answer.json()
    assert body["message"] == "One or more input exceptions have occurred."
    assert {e["parameters"]["fieldName"] for e in body["errors"]} == {"street", "telephone"}

    one = call(emu, "POST", "company", {"company": company(admin["id"], postcode="")}).json()
    assert (one["message"], one["parameters"]) == ('"%fieldName" is required. Enter and try again.',
                                                   {"fieldName": "postcode"})


def test_a_second_company_with_an_email_in_use_is_refused_whatever_its_case(emu):
    first, second = emu.add_customer("a@example.com"), emu.add_customer("b@example.com")
    assert call(emu, "POST", "company", {"company": company(first["id"])}).status_code == 200
    answer = call(emu, "POST", "company", {"company": company(second["id"], company_email="NewEmail@Example.com")})
    assert answer.status_code == 400 and answer.json()["message"].startswith("Company with this email address")


def test_the_admin_must_exist_be_active_and_belong_to_no_other_company(emu):
    missing = call(emu, "POST", "company", {"company": company(99)})
    assert missing.status_code == 404 and missing.json()["parameters"]["fieldName"] == "customerId"
    inactive = emu.add_customer("off@example.com", active=False)
    assert "inactive" in call(emu, "POST", "company", {"company": company(inactive["id"])}).json()["message"]
    taken = emu.add_customer("user@example.com", company_id=emu.add_company(company_name="Other")["id"])
    refused = call(emu, "POST", "company", {"company": company(taken["id"], company_email="x@example.com")})
    assert refused.status_code == 400 and "user of a different company" in refused.json()["message"]


def test_an_unknown_country_and_a_missing_region_where_the_country_lists_regions_are_refused(emu):
    admin = emu.add_customer("a@example.com")
    bad = call(emu, "POST", "company", {"company": company(admin["id"], country_id="UK")}).json()
    assert bad["parameters"] == {"fieldName": "country_id", "value": "UK"}
    us = call(emu, "POST", "company", {"company": company(admin["id"], country_id="US", region="Oregon")}).json()
    assert us["parameters"]["fieldName"] == "region_id"
    ok = call(emu, "POST", "company", {"company": company(admin["id"], country_id="US", region_id="12")}).json()
    assert ok["region"] == "California"  # company-object.md answers the region's name


def test_a_duplicate_customer_email_is_refused_with_magento_s_message(emu):
    emu.add_customer("a@example.com")
    answer = call(emu, "POST", "customers", {"customer": {"email": "A@example.com", "firstname": "A",
                                                          "lastname": "B"}})
    assert answer.status_code == 400
    assert answer.json()["message"] == ("A customer with the same email address already exists in an associated "
                                        "website.")


def test_the_client_names_every_refused_field_and_never_posts_a_company_twice(emu):
    client = MagentoClient(emu.base_url, TOKEN, sleep=lambda _: None)
    admin = emu.add_customer("a@example.com")
    with pytest.raises(NeedsAttention) as refused:
        client.create_company(company(admin["id"], city="", postcode=""))
    assert '"city" is required' in refused.value.message and '"postcode" is required' in refused.value.message
    assert refused.value.code == "shop_rejected"

    emu.fail_next(503, count=1, path="/company")
    with pytest.raises(BridgeError):
        client.create_company(company(admin["id"]))
    assert [r["method"] for r in emu.requests if r["path"].endswith("/company")] == ["POST", "POST"]  # no retry

    assert client.company_by_email("nobody@example.com") is None
    assert client.country("SE") == {"id": "SE", "two_letter_abbreviation": "SE", "full_name_english": "SE"}
    assert client.country("XX") is None


def test_a_bc_customer_missing_what_magento_requires_is_named_before_any_call():
    customer = {"number": "C1", "displayName": "A", "email": "a@example.com", "addressLine1": "Gatan 1",
                "city": "Lund", "postalCode": "", "phoneNumber": "", "country": "uk"}
    with pytest.raises(NeedsAttention) as missing:
        company_fields(customer)
    assert missing.value.code == "company_incomplete"
    assert "post code, phone number" in missing.value.message
    fields, blocked = company_fields({**customer, "postalCode": "22100", "phoneNumber": "046-10", "blocked": "Ship",
                                      "email": " A@Example.COM "})
    assert (fields["country_id"], fields["company_email"], fields["street"], blocked) == (
        "GB", "a@example.com", ["Gatan 1"], True)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["number", "displayName", "email", "addressLine1", "addressLine2", "city",
                                        "postalCode", "phoneNumber", "country", "state", "blocked"]),
                       st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3), st.dictionaries(st.text(max_size=5),
                                                                                            _SCALARS, max_size=3))))
def test_any_bc_customer_maps_to_company_fields_or_our_error(customer):
    try:
        fields, blocked = company_fields(customer)
    except NeedsAttention as exc:
        assert exc.resolution
        return
    assert all(isinstance(v, str) for k, v in fields.items() if k != "street")
    assert all(isinstance(line, str) and line for line in fields["street"])
    assert isinstance(blocked, bool)


def test_an_e_mail_look_up_finds_it_in_any_case_as_mysql_s_collation_does(emu):
    """Magento's tables compare text case-insensitively (utf8mb4_general_ci), so the bridge's `eq` look-ups find an
    address typed in another case; before, the emulator compared exactly and the companies export then tried to
    create a company Magento already has (refused as a duplicate e-mail)."""
    client = MagentoClient(emu.base_url, TOKEN, sleep=lambda _: None)
    admin = emu.add_customer("Buyer.Case@Example.com")
    made = emu.add_company(company_name="Case AB", company_email="Sales@Case.example", super_user_id=admin["id"])
    assert client.customer_by_email("buyer.case@example.com")["id"] == admin["id"]
    assert client.company_by_email("sales@case.example ")["id"] == made["id"]  # trailing spaces too (PAD SPACE)
    assert client.company_by_email("sales@case.example.org") is None
