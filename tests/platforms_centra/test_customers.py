"""Centra customers (shop → BC): the `customer` webhook event, the Integration API read, the parser, the
emulator's contract and the way through the local stack into the BC emulator.

The contract (platforms-wave2.md §4) is silent on customers. Sources: centrahq/api-documentation @cdb82b5~1
pages/06.plugins/09.centra-webhook/docs.md (Integration API webhooks send `customer` events), pages/04.guides/
02.erp-gql-integration/docs.md (`customers(where: {email: {equals: …}}) { id lastName email }`),
centra.dev/graphql/customerfilter.html (`id: [Int!]`, `updatedAt`, StringMatch "exactly one input field") and
customerbillingaddressinput.html (the billing address field names). The node below has those fields; its
values are ours."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.config import Shop
from core.errors import BridgeError, NeedsAttention, Skip
from core.models import CustomerKind
from core.platforms.centra import parse, webhooks
from core.state import SyncStatus, names
from core.sync.context import get_context
from sandbox.centra_emulator import CentraEmulator
from sandbox.centra_emulator.emulator import webhook_body
from sandbox.stack import LocalStack
from tests.hostile.strategies import mutated, mutated_bytes

NODE = {"id": 27, "email": "symek+333@centra.com", "firstName": "Szymon", "lastName": "Sym",
        "createdAt": "2026-10-01T08:00:00+02:00", "updatedAt": "2026-11-20T09:30:00+01:00",
        "billingAddress": {"firstName": "Szymon", "lastName": "Sym", "address1": "Teststr. 1", "address2": "1b",
                           "city": "Stockholm", "zipCode": "12345", "stateOrProvince": "", "phoneNumber": "",
                           "cellPhoneNumber": "+46 70 000 00 00", "email": "symek+333@centra.com",
                           "vatNumber": "", "country": {"code": "se"}}}
ANSWER = {"data": {"customers": [NODE]}, "extensions": {"complexity": 180}}
SHOP_CONFIG = Shop(key="centra-se", platform="centra", url="http://x", webhook_secret_setting="S",
                   api_token_setting="T", flows=["customers"])


def event(customer_id=27, action="insert", kind="customer") -> dict:
    return {"type": kind, "action": action, "date": "2026-11-20 09:30:00.123456", "id": customer_id}


# ---------------------------------------------------------------------------------------------- parsing

def test_a_customer_node_is_a_person_with_its_billing_address():
    customer = parse.parse_customer(ANSWER, "centra-se")
    assert (customer.external_id, customer.kind, customer.email) == ("27", CustomerKind.PERSON,
                                                                     "symek+333@centra.com")
    assert (customer.first_name, customer.last_name, customer.phone) == ("Szymon", "Sym", "+46 70 000 00 00")
    [address] = parse.parse_customer_addresses(NODE)
    assert (address.line1, address.line2, address.postal_code, address.city, address.country) == (
        "Teststr. 1", "1b", "12345", "Stockholm", "SE")
    assert parse.customer_updated_at(NODE) == datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    assert parse.customer_updated_at({**NODE, "updatedAt": None}) == datetime(2026, 10, 1, 6, 0, tzinfo=UTC)


def test_a_customer_without_an_address_has_none_and_takes_its_names_from_the_billing_address():
    bare = {"id": 28, "email": "a@b.example", "billingAddress": {"firstName": "Ada", "lastName": "Berg"}}
    assert parse.parse_customer_addresses(bare) == []
    assert (parse.parse_customer(bare, "s").first_name, parse.parse_customer(bare, "s").last_name) == ("Ada", "Berg")


@pytest.mark.parametrize("payload", [{**NODE, "id": None}, {"data": {"customers": []}}, [NODE],
                                     {"events": [event()]}])
def test_what_is_no_customer_node_needs_attention(payload):
    with pytest.raises(NeedsAttention) as caught:
        parse.parse_customer(payload, "centra-se")
    assert caught.value.code == "malformed_payload"


@given(doc=mutated([NODE, ANSWER, {"events": [event()]}]))
def test_the_customer_parsers_answer_or_raise_ours(doc):
    for call in (lambda: parse.parse_customer(doc, "centra-se"), lambda: parse.parse_customer_addresses(doc),
                 lambda: parse.customer_updated_at(doc),
                 lambda: parse.load_customer(doc, SHOP_CONFIG, lambda shop: FakeApi(NODE), "27")):
        try:
            call()
        except BridgeError:
            pass


@given(raw=mutated_bytes([{"events": [event()]}, NODE]), form=st.booleans())
def test_the_stored_body_reader_answers_or_raises_ours(raw, form):
    if form:  # as the webhook plugin posts it
        raw = b"payload=" + quote(raw.decode("utf-8", "replace")).encode()
    try:
        parse.customer_body(raw)
    except BridgeError:
        pass


# ---------------------------------------------------------------------------------------------- webhooks

def test_a_customer_event_feeds_the_customers_flow_an_order_event_still_wins_and_accounts_feed_none():
    described = webhooks.describe(webhook_body([event()]), {})
    assert (described.flow, described.resource_id, described.topic) == ("customers", "27", "customer.insert")
    assert described.delivery_id == "customer:27:insert:2026-11-20 09:30:00.123456"
    assert webhooks.describe(webhook_body([event(kind="account")]), {}).flow is None
    mixed = webhooks.describe(webhook_body([event(), event(14, "update", "order")]), {})
    assert (mixed.flow, mixed.resource_id) == ("orders", "14")


def test_the_stored_form_body_is_read_for_the_customers_worker():
    raw = webhook_body([event()])
    assert raw.startswith(b"payload=")
    assert parse.customer_body(raw) == {"events": [event()]}
    assert parse.customer_body(json.dumps(NODE).encode()) == NODE  # a plain JSON body as well
    with pytest.raises(NeedsAttention):
        parse.customer_body(b"payload=" + quote("{not json").encode())


class FakeApi:
    def __init__(self, node):
        self.node, self.asked = node, []

    def customer(self, customer_id):
        self.asked.append(customer_id)
        return self.node


def test_load_customer_reads_the_customer_the_envelope_names():
    api = FakeApi(NODE)
    body = {"events": [event(5), event(27, "update")]}
    assert parse.load_customer(body, SHOP_CONFIG, lambda shop: api, "27") is NODE
    assert api.asked == ["27"]
    assert parse.load_customer(NODE, SHOP_CONFIG, lambda shop: FakeApi(None)) is NODE


def test_a_customer_centra_does_not_have_needs_attention_unless_the_event_deleted_it():
    with pytest.raises(NeedsAttention) as caught:
        parse.load_customer({"events": [event()]}, SHOP_CONFIG, lambda shop: FakeApi(None))
    assert caught.value.code == "customer_not_found"
    with pytest.raises(Skip):
        parse.load_customer({"events": [event(action="delete")]}, SHOP_CONFIG, lambda shop: FakeApi(None))


# ---------------------------------------------------------------------------------------------- client and emulator

def test_the_client_reads_a_customer_by_id_and_none_when_centra_has_none(centra, client):
    customer = centra.add_customer("lena@example.com", firstName="Lena")
    assert client.customer(customer["id"])["firstName"] == "Lena"
    assert client.customer(99999) is None
    assert "customers(where: {id: [" in centra.queries[-1] and "...bridgeCustomer" in centra.queries[-1]
    with pytest.raises(NeedsAttention):
        client.customer("27) { id } x: orders(where: {number: 1")


def test_the_emulator_refuses_what_the_customer_filter_refuses(centra, client):
    centra.add_customer("kim@example.com")
    with pytest.raises(NeedsAttention, match="CustomerFilter' not to include unknown field 'mail'"):
        client.graphql('query { customers(where: {mail: "kim@example.com"}) { id } }')
    with pytest.raises(NeedsAttention, match="exactly one field"):
        client.graphql('query { customers(where: {email: {}}) { id } }')
    assert [c["email"] for c in client.graphql(
        'query { customers(where: {email: {equals: "kim@example.com"}}) { id } }')["customers"]] == [
        "kim@example.com"]


# ---------------------------------------------------------------------------------------------- end to end

SHOP = "centra-kund"


def shop_toml(url: str) -> str:
    return f'''
[[shops]]
key = "{SHOP}"
platform = "centra"
url = "{url}"
webhook_secret_setting = "CENTRA_KUND_WEBHOOK_SECRET"
api_token_setting = "CENTRA_KUND_API_TOKEN"
flows = ["orders", "customers"]

[[routing]]
shop = "{SHOP}"
company = "se"
'''


@pytest.fixture(scope="module")
def stack():
    emu = CentraEmulator(token="centra-kund-token").start()  # noqa: S106
    try:
        with LocalStack(config_extra=shop_toml(emu.base_url), settings={"CENTRA_KUND_API_TOKEN": emu.token}) as s:
            s.centra = emu
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


def send(stack, customer_id: int, action: str = "insert", date: str = "2026-11-20 09:30:00") -> int:
    return stack.centra.send_webhook(stack.webhook_url(SHOP), [
        {"type": "customer", "action": action, "date": date, "id": customer_id}], secret=stack.secret(SHOP)).status_code


@pytest.mark.timeout(180)
def test_a_signed_customer_event_becomes_one_bc_customer_and_a_later_change_patches_it(stack):
    customer = stack.centra.add_customer("Freja.Nord@Example.com", firstName="Freja", lastName="Nord",
                                         billingAddress={"address1": "Sveavägen 3", "zipCode": "111 57"})
    assert send(stack, customer["id"]) == 200
    record = settled(stack, str(customer["id"]))
    assert record.status is SyncStatus.SUCCESS, record
    [created] = stack.bc.records(stack.company_id("se"), "customers", email="freja.nord@example.com")
    assert created["type"] == "Person" and created["displayName"] == "Freja Nord"
    assert (created["addressLine1"], created["postalCode"], created["city"]) == ("Sveavägen 3", "111 57",
                                                                                 "Stockholm")
    binding = get_context().bindings.get("customer", SHOP, str(customer["id"]))
    assert binding.is_bound and binding.bc_number == created["number"]

    stack.centra.touch_customer(customer["id"], datetime.now(UTC), address1="Birger Jarlsgatan 8")
    assert send(stack, customer["id"], "update", "2026-11-21 10:00:00") == 200
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        [now] = stack.bc.records(stack.company_id("se"), "customers", email="freja.nord@example.com")
        if now["addressLine1"] == "Birger Jarlsgatan 8":
            break
        time.sleep(0.3)
    assert now["addressLine1"] == "Birger Jarlsgatan 8" and now["number"] == created["number"]


@pytest.mark.timeout(180)
def test_a_customer_centra_does_not_have_needs_attention_with_the_webhook_kept(stack):
    assert send(stack, 99999) == 200
    record = settled(stack, "99999")
    assert record.status is SyncStatus.NEEDS_ATTENTION and record.code == "customer_not_found", record
    assert record.payload_ref  # the raw webhook is kept for a replay
