"""The Norce CompanyWriter's answers to what it cannot send, and the emulator's ImportCompanies held to the
Connect customer service contract (header, ApplicationKey, identifiers)."""

from __future__ import annotations

import json

import httpx
import pytest

from core.errors import NeedsAttention
from core.platforms.norce import flows
from core.platforms.norce.client import NorceClient
from tests.platforms_norce.conftest import CLIENT_ID, CLIENT_SECRET

KEY = "6f1c2b4e-5d3a-4c21-9e8f-0a1b2c3d4e5f"
CUSTOMER = {"id": "c1", "number": "20000", "displayName": "Adatum AB", "type": "Company", "blocked": "_x0020_",
            "country": "SE", "addressLine1": "Vägen 1", "taxRegistrationNumber": "SE556000000001"}


def client(norce, **options) -> NorceClient:
    return NorceClient(norce.base_url, CLIENT_ID, CLIENT_SECRET, application_id="1234", account_id=7, scope="stage",
                       **{"application_key": KEY, "shop_key": "norce-se", **options})


def test_no_application_key_or_a_country_norce_cannot_take_needs_attention_before_anything_is_sent(norce):
    with pytest.raises(NeedsAttention) as missing:
        flows.CompanyWriter(client(norce, application_key="")).push(CUSTOMER)
    assert missing.value.code == "missing_setting" and "application_key" in missing.value.resolution
    with pytest.raises(NeedsAttention) as country:
        flows.CompanyWriter(client(norce)).push({**CUSTOMER, "country": "SWEDEN"})
    assert country.value.code == "company_country_unknown"
    assert norce.company_imports == []


def test_uk_is_sent_as_gb_and_empty_bc_fields_are_not_named_so_norce_keeps_its_own(norce):
    writer = flows.CompanyWriter(client(norce), sleep=lambda s: None)
    writer.push({**CUSTOMER, "country": "uk", "email": ""})
    header, [row] = norce.company_imports[-1]
    assert row["InvoiceAddress"]["CountryCode"] == "GB"
    assert "EmailAddress" not in row and "EmailAddress" not in header["CompanyFieldsThatAreSet"]
    assert norce.companies["20000"]["IsActive"] is True


def post(norce, rows, header: dict | None) -> httpx.Response:
    api = client(norce)
    headers = {"X-StormConnect-Header": json.dumps(header)} if header is not None else {}
    try:
        return api.request("POST", "/commerce/connect/4.0/Customer/ImportCompanies", json=rows, headers=headers)
    finally:
        api.close()


@pytest.mark.parametrize("header", [None, {"AccountId": 7}, {"AccountId": 8, "CompanyFieldsThatAreSet": ["Name"]},
                                    {"AccountId": 7, "CompanyFieldsThatAreSet": ["Nom"]}])
def test_the_emulator_refuses_a_header_the_contract_does_not_allow(norce, header):
    assert post(norce, [{"ApplicationKey": KEY, "Code": "1", "Name": "A"}], header).status_code == 400


def test_the_emulator_counts_companies_without_application_key_or_identifier(norce):
    answer = post(norce, [{"Code": "1", "Name": "A", "OrganizationNo": "1"}, {"ApplicationKey": KEY, "Name": "B"},
                          {"ApplicationKey": KEY, "Code": "3", "Name": "C", "OrganizationNo": "3"}],
                  {"AccountId": 7, "CompanyFieldsThatAreSet": [0, 2, 3, 4]}).json()
    assert answer["ValidationSummary"]["NrOfValidationFailures"] == 2
    assert list(norce.companies) == ["3"]
