"""Geins customers (shop → BC): the Customer webhook, the user profile read, the parser, the emulator's
contract and the way through the local stack into the BC emulator.

The contract (platforms-wave2.md §3) is silent on customers. The shapes here are the Management API's own, from
G4 = github geins-io/sonora-agent-plugins @b51bab18 plugins/sonora/skills/mgmtapi/references/user.md
(`User.Models.Read.SingleUserProfile`, `GET /API/User/{userId}`) and references/webhook.md (Customer actions
create, update, delete, passwordreset, obfuscate), and G2 = geins-io/sdk-api-mgmt-javascript @5ba8d7f
docs/UserApi.md, docs/UserModelsReadUserProfile.md (the same fields, PascalCase on the wire in src/model)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given

from core.errors import BridgeError, NeedsAttention, Skip
from core.models import CustomerKind
from core.platforms.geins import parse, webhooks
from core.state import SyncStatus, names
from core.sync.context import get_context
from sandbox.geins_emulator import GeinsEmulator
from sandbox.geins_emulator.emulator import webhook_body
from sandbox.stack import LocalStack
from tests.hostile.strategies import mutated
from tests.platforms_geins.conftest import client_of, geins_shop

# A SingleUserProfile as GET /API/User/{id} answers it (G4 field list; the values are ours).
PROFILE = {"AvailableMarkets": [], "UserId": 4711, "SiteId": 1, "Email": "Inköp@Bygg.example", "FirstName": "Karin",
           "LastName": "Holm", "PhoneNr": "", "MobilePhoneNr": "+46 70 111 22 33", "Company": "Bygg & Co AB",
           "Address": "Industrivägen 4", "Address2": "Port 2", "Address3": "", "DoorCode": "1234",
           "PersonalId": "556677-8899", "Birthyear": "", "Zip": "415 05", "City": "Göteborg", "CareOf": "Lager",
           "Country": "se", "State": "", "CustomerGroupId": 3, "CustomerGroupName": "Bygg", "MemberId": 0,
           "MemberType": "", "CountryId": 1, "UserTypeId": 2, "GenderType": 0, "MemberDiscount": 0,
           "Newsletter": False, "Blacklisted": False, "Active": True, "CreatedOn": "2026-11-02T08:00:00",
           "UpdatedOn": "2026-11-20T09:30:00", "MetaData": "", "BlacklistedOn": None, "BlacklistReason": ""}
ENVELOPE = {"Resource": PROFILE, "Message": "Success.", "Details": []}


# ---------------------------------------------------------------------------------------------- parsing

def test_a_company_user_is_a_company_customer_named_by_its_company_and_read_through_the_envelope():
    customer = parse.parse_customer(ENVELOPE, "geins-se")
    assert customer.external_id == "4711" and customer.kind is CustomerKind.COMPANY
    assert customer.company_name == "Bygg & Co AB" and customer.display_name == "Bygg & Co AB"
    assert customer.email == "Inköp@Bygg.example" and (customer.first_name, customer.last_name) == ("Karin", "Holm")
    assert customer.phone == "+46 70 111 22 33"  # no PhoneNr: the mobile number
    assert customer.company_external_id == ""  # Geins has no company entity: the user is its own company
    assert customer.vat_number == ""  # PersonalId is not said to be a VAT number [U]: not mapped


def test_a_private_user_is_a_person_even_with_a_company_name():
    customer = parse.parse_customer({**PROFILE, "UserTypeId": 1}, "geins-se")
    assert customer.kind is CustomerKind.PERSON and customer.company_name == ""


def test_the_profile_address_with_care_of_and_a_country_code_only_when_it_is_one():
    [address] = parse.parse_customer_addresses(PROFILE)
    assert (address.line1, address.line2) == ("Industrivägen 4", "c/o Lager, Port 2")
    assert (address.postal_code, address.city, address.country) == ("415 05", "Göteborg", "SE")
    [named] = parse.parse_customer_addresses({**PROFILE, "Country": "Sweden"})
    assert named.country == ""  # a country name is not sent to BC as a code
    assert parse.parse_customer_addresses({**PROFILE, "Address": "", "Address2": "", "City": "", "Zip": ""}) == []


def test_changed_at_is_updated_on_else_created_on_naive_read_as_utc():
    assert parse.customer_updated_at(PROFILE) == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert parse.customer_updated_at({**PROFILE, "UpdatedOn": None}) == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("payload", [{**PROFILE, "UserId": None}, {**PROFILE, "UserId": 0}, [PROFILE], "x",
                                     {"entity": "Customer", "action": "create", "id": "4711"}])
def test_what_is_no_profile_needs_attention(payload):
    with pytest.raises(NeedsAttention) as caught:
        parse.parse_customer(payload, "geins-se")
    assert caught.value.code == "malformed_payload"


@given(doc=mutated([PROFILE, ENVELOPE, {**PROFILE, "UserTypeId": 1, "Country": "Sverige"}]))
def test_the_customer_parsers_answer_or_raise_ours(doc):
    for call in (lambda: parse.parse_customer(doc, "geins-se"), lambda: parse.parse_customer_addresses(doc),
                 lambda: parse.customer_updated_at(doc)):
        try:
            call()
        except BridgeError:
            pass


# ---------------------------------------------------------------------------------------------- webhooks

def describe(entity: str, action: str, resource_id="4711"):
    return webhooks.describe(webhook_body(entity, action, resource_id), {})


def test_customer_create_and_update_feed_the_customers_flow_and_only_create_is_once_only():
    created, updated = describe("Customer", "create"), describe("Customer", "update")
    assert (created.flow, created.resource_id, created.delivery_id) == ("customers", "4711", "customer:4711:create")
    assert (updated.flow, updated.delivery_id) == ("customers", "")  # updates repeat with the same body
    for action in ("delete", "passwordreset", "obfuscate"):
        assert describe("Customer", action).flow is None  # BC keeps its customer
    assert describe("Customer", "create", "").flow is None
    assert describe("Order", "create").flow == "orders"  # unchanged


class FakeApi:
    def __init__(self, profile):
        self.profile, self.asked, self.closed = profile, [], False

    def user(self, user_id):
        self.asked.append(user_id)
        return self.profile

    def close(self):
        self.closed = True


def test_load_customer_reads_the_profile_the_webhook_names_and_passes_a_profile_through():
    api = FakeApi(PROFILE)
    body = json.loads(webhook_body("Customer", "update", 4711))
    assert parse.load_customer(body, geins_shop("http://x"), lambda shop: api) == PROFILE
    assert api.asked == ["4711"] and api.closed
    assert parse.load_customer(PROFILE, geins_shop("http://x"), lambda shop: FakeApi(None)) is PROFILE


def test_a_user_geins_does_not_have_needs_attention_unless_the_webhook_said_it_was_deleted():
    body = json.loads(webhook_body("Customer", "create", 4711))
    with pytest.raises(NeedsAttention) as caught:
        parse.load_customer(body, geins_shop("http://x"), lambda shop: FakeApi(None))
    assert caught.value.code == "customer_not_found"
    with pytest.raises(Skip):
        parse.load_customer({**body, "action": "delete"}, geins_shop("http://x"), lambda shop: FakeApi(None))


# ---------------------------------------------------------------------------------------------- client and emulator

def test_the_client_reads_a_user_by_id_and_by_e_mail_and_none_when_geins_has_none(geins):
    user = geins.add_user("lena@example.com", company="Lena AB")
    with client_of(geins) as client:
        assert client.user(user["UserId"])["Company"] == "Lena AB"
        assert client.user("Lena@Example.com")["UserId"] == user["UserId"]
        assert client.user(99999) is None
        with pytest.raises(NeedsAttention):
            client.user("../Order/1")


def test_the_emulator_refuses_what_the_management_api_refuses(geins):
    user = geins.add_user("kim@example.com")
    url = f"{geins.base_url}/API/User/{user['UserId']}"
    assert httpx.get(url, headers={"X-ApiKey": geins.api_key}).status_code == 401  # no API user (Basic)
    assert httpx.get(url, auth=(geins.user, geins.password)).status_code == 401  # no X-ApiKey
    authed = {"headers": {"X-ApiKey": geins.api_key}, "auth": (geins.user, geins.password)}
    assert httpx.get(f"{geins.base_url}/API/User/{2**31}", **authed).status_code == 400  # userId is int32
    assert httpx.get(f"{geins.base_url}/API/User/not-an-id", **authed).status_code == 400
    answer = httpx.get(url, **authed)
    assert answer.status_code == 200 and answer.json()["Resource"]["UserTypeId"] == 1


# ---------------------------------------------------------------------------------------------- end to end

SHOP = "geins-kund"
SETTING = "GEINS_KUND_API_CREDENTIALS"


def shop_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "geins"
url = "{url}"
webhook_secret_setting = "GEINS_KUND_WEBHOOK_SECRET"
api_token_setting = "{SETTING}"
flows = ["orders", "customers"]

[shops.orders]
customer_strategy = "default_customer"

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def stack():
    emu = GeinsEmulator().start()
    try:
        with LocalStack(config_extra=shop_toml(emu.base_url), settings={SETTING: emu.credentials}) as s:
            s.geins = emu
            yield s
    finally:
        emu.stop()


def settled(stack, external_id: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = stack.synclog.get("customers", SHOP, external_id)
        if record is not None and record.status is not SyncStatus.RECEIVED and stack.queue_depth(
                names.CUSTOMERS_IMPORT) == 0:
            time.sleep(0.3)
            return stack.synclog.get("customers", SHOP, external_id)
        time.sleep(0.2)
    raise TimeoutError(f"customer {external_id} did not settle")


def send(stack, action: str, user_id) -> int:
    return stack.geins.send_webhook(stack.webhook_url(SHOP), "Customer", action, user_id,
                                    stack.secret(SHOP)).status_code


@pytest.mark.timeout(180)
def test_a_customer_webhook_becomes_one_bc_customer_and_an_update_patches_it(stack):
    user = stack.geins.add_user("Maja.Lind@Example.com", FirstName="Maja", LastName="Lind", Zip="753 20",
                                City="Uppsala", Address="Kungsgatan 9")
    assert send(stack, "create", user["UserId"]) == 200
    record = settled(stack, str(user["UserId"]))
    assert record.status is SyncStatus.SUCCESS, record
    [created] = stack.bc.records(stack.company_id("se"), "customers", email="maja.lind@example.com")
    assert created["type"] == "Person" and created["displayName"] == "Maja Lind"
    assert (created["addressLine1"], created["postalCode"], created["city"]) == ("Kungsgatan 9", "753 20", "Uppsala")
    binding = get_context().bindings.get("customer", SHOP, str(user["UserId"]))
    assert binding.is_bound and binding.bc_number == created["number"]

    # the same create again (Geins retries) and an update: still one customer, now with the new address
    assert send(stack, "create", user["UserId"]) == 200
    stack.geins.touch_user(user["UserId"], datetime.now(UTC), Address="Dragarbrunnsgatan 1")
    assert send(stack, "update", user["UserId"]) == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        [customer] = stack.bc.records(stack.company_id("se"), "customers", email="maja.lind@example.com")
        if customer["addressLine1"] == "Dragarbrunnsgatan 1":
            break
        time.sleep(0.3)
    assert customer["addressLine1"] == "Dragarbrunnsgatan 1" and customer["number"] == created["number"]


@pytest.mark.timeout(180)
def test_a_company_user_becomes_a_bc_company_customer_with_its_buyer_as_contact(stack):
    user = stack.geins.add_user("order@snickeri.example", company="Snickeri Norr AB", FirstName="Olle",
                                LastName="Ek")
    assert send(stack, "create", user["UserId"]) == 200
    record = settled(stack, str(user["UserId"]))
    assert record.status is SyncStatus.SUCCESS, record
    [created] = stack.bc.records(stack.company_id("se"), "customers", email="order@snickeri.example")
    assert created["type"] == "Company" and created["displayName"] == "Snickeri Norr AB"
    contacts = stack.bc.records(stack.company_id("se"), "contacts", email="order@snickeri.example")
    assert {c["type"] for c in contacts} == {"Company", "Person"}
    [person] = [c for c in contacts if c["type"] == "Person"]
    [company] = [c for c in contacts if c["type"] == "Company"]
    assert person["companyNumber"] == company["number"] and person["displayName"] == "Olle Ek"


@pytest.mark.timeout(180)
def test_a_user_geins_does_not_have_needs_attention_and_a_delete_webhook_changes_nothing(stack):
    assert send(stack, "create", 98765) == 200
    record = settled(stack, "98765")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "customer_not_found", record
    user = stack.geins.add_user("gone@example.com")
    before = len(stack.bc.records(stack.company_id("se"), "customers"))
    assert send(stack, "delete", user["UserId"]) == 200
    time.sleep(1)
    assert len(stack.bc.records(stack.company_id("se"), "customers")) == before
    assert stack.synclog.get("customers", SHOP, str(user["UserId"])) is None or stack.synclog.get(
        "customers", SHOP, str(user["UserId"])).status is SyncStatus.SKIPPED
