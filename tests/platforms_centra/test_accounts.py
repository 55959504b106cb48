"""BC Company customers → Centra wholesale accounts (the companies export): the mapping, the emulator's
contract, and end to end from the BC emulator through core.sync.customer_export into the Centra emulator
(LocalStack without the Functions host, as tests/customers_export does for Shopify).

Sources: centra.dev/graphql/accountcreateinput.html, accountupdateinput.html, accountmainaddressinput.html and
centrahq/api-documentation @cdb82b5~1 graphql-integration-api/05.examples/02.b2b (createAccount/updateAccount
with market {id}, pricelist {id}, status ACTIVE|INACTIVE; `{userErrors, account {id}}`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import NeedsAttention
from core.platforms.centra import accounts
from core.platforms.centra.client import CentraClient
from core.state import SyncStatus
from core.sync import customer_export
from core.sync.context import get_context
from sandbox.centra_emulator import CentraEmulator
from sandbox.stack import LocalStack
from tests.hostile.strategies import HOSTILE_STRINGS

BC_CUSTOMER = {"id": "c-1", "number": "C00010", "displayName": "Sportlagret AB", "type": "Company",
               "addressLine1": "Hamngatan 2", "addressLine2": "", "city": "Luleå", "state": "", "country": "SE",
               "postalCode": "972 31", "phoneNumber": "+46 920 100 00", "email": "inkop@sportlagret.example",
               "blocked": " "}


# ---------------------------------------------------------------------------------------------- mapping

def test_a_bc_company_customer_maps_to_an_account_keyed_by_its_number():
    state, problems = accounts.account_state(BC_CUSTOMER)
    assert problems == []
    assert (state["name"], state["externalId"], state["status"]) == ("Sportlagret AB", "C00010", "ACTIVE")
    assert state["accountAddress"] == {"companyName": "Sportlagret AB", "address1": "Hamngatan 2", "address2": "",
                                       "city": "Luleå", "zipCode": "972 31", "stateOrProvince": "",
                                       "phoneNumber": "+46 920 100 00", "email": "inkop@sportlagret.example",
                                       "country": "SE"}
    sent = accounts.account_input(state)
    assert str(sent["status"]) == "ACTIVE" and sent["accountAddress"]["country"] == {"code": "SE"}


def test_a_blocked_customer_is_an_inactive_account_and_a_country_that_is_no_code_is_left_out_and_named():
    state, problems = accounts.account_state({**BC_CUSTOMER, "blocked": "All", "country": "Sverige"})
    assert state["status"] == "INACTIVE" and state["accountAddress"]["country"] == ""
    assert problems and "Sverige" in problems[0]
    assert accounts.account_input(state)["accountAddress"]["country"] is None


@given(values=st.dictionaries(st.sampled_from(sorted(BC_CUSTOMER)), st.one_of(
    st.none(), st.integers(), st.sampled_from(HOSTILE_STRINGS), st.text(max_size=300)), max_size=8))
def test_any_bc_customer_maps_to_an_account_centra_can_take_or_names_what_it_left_out(values):
    state, problems = accounts.account_state({**BC_CUSTOMER, **values})
    country = state["accountAddress"]["country"]
    assert country == "" or (len(country) == 2 and country.isalpha() and country.isupper())
    assert state["status"] in ("ACTIVE", "INACTIVE")
    assert all(len(v) <= accounts.NAME_LIMIT for v in state["accountAddress"].values())
    given_country = str(values.get("country", "SE") or "").strip()
    assert bool(problems) == (bool(given_country) and country == "")
    accounts.account_input(state)


# ---------------------------------------------------------------------------------------------- emulator

def test_the_emulator_refuses_what_the_account_inputs_refuse(centra, client):
    def create(arguments: str) -> dict:
        return client.graphql(f"mutation {{ createAccount(input: {{{arguments}}}) {{ account {{ id }} "
                              "userErrors { message path } } }")["createAccount"]

    with pytest.raises(NeedsAttention, match="required field 'market'"):  # market is non-null
        create('name: "A", status: ACTIVE, pricelist: {id: 1}')
    with pytest.raises(NeedsAttention, match="Enum 'AccountStatus' cannot represent"):  # a string, not the enum
        create('name: "A", status: "ACTIVE", market: {id: 1}, pricelist: {id: 1}')
    with pytest.raises(NeedsAttention, match="AccountMainAddressInput' not to include unknown field 'street'"):
        create('name: "A", status: ACTIVE, market: {id: 1}, pricelist: {id: 1}, accountAddress: {street: "x"}')
    with pytest.raises(NeedsAttention, match="exactly one field"):
        create('name: "A", status: ACTIVE, market: {id: 1}, pricelist: {id: 1}, '
               'accountAddress: {country: {id: 1, code: "SE"}}')
    refused = create('name: "A", status: ACTIVE, market: {id: 1}, pricelist: {id: 99}')
    assert refused["account"] is None and refused["userErrors"][0]["path"] == ["input", "pricelist"]
    assert centra.accounts == {}


# ---------------------------------------------------------------------------------------------- end to end

SHOP = "centra-b2b"


def shop_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "centra"
url = "{url}"
webhook_secret_setting = "CENTRA_B2B_WEBHOOK_SECRET"
api_token_setting = "CENTRA_B2B_API_TOKEN"
flows = ["orders", "customers"]

[shops.customers]
export_to_shop = true
account_market = 1
account_pricelist = 1

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def stack():
    emu = CentraEmulator(token="centra-b2b-token").start()  # noqa: S106
    try:
        with pytest.MonkeyPatch.context() as mp, LocalStack(
                host=False, config_extra=shop_toml(emu.base_url),
                settings={"CENTRA_B2B_API_TOKEN": emu.token}) as s:
            for name, value in s.settings.items():  # the app settings the Functions host would set
                mp.setenv(name, value)
            s.centra = emu
            yield s
    finally:
        emu.stop()


def new_customer(stack, name: str, **fields) -> dict:
    body = {"displayName": name, "type": "Company", "addressLine1": "Industrivägen 3", "city": "Västerås",
            "postalCode": "72131", "country": "SE", "phoneNumber": "+46 21 100 200",
            "email": f"{name.split()[0].lower()}@example.com", **fields}
    return get_context().bc.company(stack.company_id("se")).create("customers", body)


def bc_user_edits(stack, customer_id: str, **changes) -> None:
    with stack.bc.store.lock:
        company = stack.bc.store.company(stack.company_id("se"))
        record = dict(company.table("customers")[customer_id], **changes)
        stack.bc.store.put(company, "customers", record)


def centra_accounts(stack, number: str) -> list[dict]:
    return [a for a in stack.centra.accounts.values() if a["externalId"] == number]


def record(stack, customer: dict):
    return stack.synclog.get(customer_export.FLOW, SHOP, customer["id"])


@pytest.mark.timeout(120)
def test_a_bc_company_customer_becomes_one_centra_account_and_only_changes_go_again(stack):
    customer = new_customer(stack, "Fjällsport AB")
    customer_export.export_customers(get_context())
    [account] = centra_accounts(stack, customer["number"])
    assert (account["name"], account["status"], account["market"], account["pricelist"]) == (
        "Fjällsport AB", "ACTIVE", {"id": 1}, {"id": 1})
    assert account["accountAddress"]["address1"] == "Industrivägen 3" and account["accountAddress"]["country"] == {
        "code": "SE"}
    assert record(stack, customer).status is SyncStatus.SUCCESS

    writes = stack.centra.counters["account_writes"]
    customer_export.export_customers(get_context())  # the overlap reads it again: nothing to send
    assert stack.centra.counters["account_writes"] == writes

    bc_user_edits(stack, customer["id"], city="Uppsala", blocked="All")
    customer_export.export_customers(get_context())
    [account] = centra_accounts(stack, customer["number"])
    assert account["accountAddress"]["city"] == "Uppsala" and account["status"] == "INACTIVE"
    assert stack.centra.counters["account_writes"] == writes + 1
    assert "accountAddress" in stack.centra.queries[-1] and "market" not in stack.centra.queries[-1]


@pytest.mark.timeout(120)
def test_an_account_already_in_centra_with_the_bc_number_is_linked_not_duplicated(stack):
    customer = new_customer(stack, "Kustbutiken AB")
    with CentraClient(stack.centra.base_url, stack.centra.token) as api:  # a create whose answer was lost
        api.create_account({"name": "Kustbutiken", "status": accounts.Enum("ACTIVE"), "market": {"id": 1},
                            "pricelist": {"id": 1}, "externalId": customer["number"]})
    customer_export.export_customers(get_context())
    [account] = centra_accounts(stack, customer["number"])
    assert account["name"] == "Kustbutiken AB"  # BC's name, sent to the account it found
    assert record(stack, customer).status is SyncStatus.SUCCESS and "Linked" in record(stack, customer).message


@pytest.mark.timeout(120)
def test_a_person_customer_is_not_an_account_and_missing_settings_need_attention(stack):
    person = new_customer(stack, "Per Persson", type="Person")
    customer_export.export_customers(get_context())
    assert centra_accounts(stack, person["number"]) == []

    text = stack.config_path.read_text()
    try:
        stack.config_path.write_text(text.replace("account_market = 1\n", ""))
        stack.reload_config_from_file()
        customer = new_customer(stack, "Nordvik AB")
        customer_export.export_customers(get_context())
        assert centra_accounts(stack, customer["number"]) == []
        assert record(stack, customer).code == "centra_account_settings_missing"
    finally:
        stack.config_path.write_text(text)
        stack.reload_config_from_file()
    customer_export.export_customers(get_context())  # the cursor held the failed customer back: it goes now
    assert len(centra_accounts(stack, customer["number"])) == 1
