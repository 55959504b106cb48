"""Field rules into the tenant's own pages: a custom API page (keyed on the order's SystemId) and a page
published as an ODataV4 web service (keyed on Document_Type and No), written after the order is created,
with If-Match, once. The pages are declared here, since no AL source exists for a tenant's page; the BC
emulator refuses unknown fields and stale ETags on them as it does on the standard pages. Orders run through
the real import pipeline (orders.import_order) with state in Azurite."""

from __future__ import annotations

import json
import uuid

import pytest

from core.bc import BcConflictError
from core.config import check_config
from core.errors import NeedsAttention
from core.state import Envelope, Storage
from core.sync import custom_pages, orders
from core.sync.context import Context, bc_client_from_config
from sandbox.bc_emulator import DEMO_COMPANY_SE_ID, BcEmulator
from sandbox.bc_emulator.custom_pages import CustomPage
from sandbox.samples import dumps, shopify_order

pytestmark = pytest.mark.timeout(120)

ROUTE = "contoso/shop/v1.0"
EXTRAS = CustomPage(name="salesOrderExtras", table="salesOrders", route=ROUTE, entity="salesOrderExtra",
                    fields={"number": "number", "deliveryNote": "", "giftWrap": ""},
                    extension_defaults={"giftWrap": False})
CARD = CustomPage(name="SalesOrderExt", table="salesOrders", key=("Document_Type", "No"),
                  fields={"Document_Type": "=Order", "No": "number", "Web_Channel": ""})

PAGES = f'''
[[bc.custom_pages]]
name = "extras"
api = "{ROUTE}"
entity_set = "salesOrderExtras"
fields = ["deliveryNote", "giftWrap"]

[[bc.custom_pages]]
name = "card"
odata = "SalesOrderExt"
key = {{ Document_Type = "Order", No = "{{number}}" }}
fields = ["Web_Channel"]
'''

RULES = '''
[[shops.field_rules]]
name = "delivery-note"
target = "page.extras.deliveryNote"
source = "note_attributes[name=delivery_note].value"
on_missing = "skip"

[[shops.field_rules]]
name = "gift-wrap"
target = "page.extras.giftWrap"
source = "note_attributes[name=gift_wrap].value"
convert = "bool"
default = "no"

[[shops.field_rules]]
name = "channel"
target = "page.card.Web_Channel"
source = "source_name"
lookup = { web = "WEBSHOP", pos = "STORE" }

[[shops.field_rules]]
name = "note"
target = "comment"
source = "note"
on_missing = "skip"
'''


def config_text(pages: str = PAGES, rules: str = RULES) -> str:
    return f'''
[bc]
base_url_setting = "BC_BASE_URL"
tenant_id_setting = "BC_TENANT_ID"
[[bc.credentials]]
auth = "static_token"
token_setting = "BC_DEV_TOKEN"
{pages}
[[companies]]
key = "se"
name = "CRONUS SE"
bc_company_id = "{DEMO_COMPANY_SE_ID}"
currency = "SEK"
default_customers = {{ "*" = "WEB-SE" }}
tax_codes = {{ "25" = "VAT25", "0" = "VAT0" }}
payment_methods = {{ "shopify_payments" = "CARD" }}
[companies.gl_accounts]
shipping_account = "3010"
rounding = "8999"
[[shops]]
key = "sh"
platform = "shopify"
url = "https://fields.myshopify.com"
webhook_secret_setting = "SECRET"
[shops.orders]
import_test_orders = true
customer_strategy = "default_customer"
prefix = "CP-"
{rules}
[[routing]]
company = "se"
'''


@pytest.fixture(scope="module")
def bc():
    emulator = BcEmulator(seed="demo").start()
    emulator.declare_page(EXTRAS)
    emulator.declare_page(CARD)
    yield emulator
    emulator.stop()


@pytest.fixture
def ctx(bc, storage_connection, monkeypatch):
    for name, value in {"BC_BASE_URL": bc.base_url, "BC_TENANT_ID": "t", "BC_DEV_TOKEN": "tok",
                        "SECRET": "x"}.items():
        monkeypatch.setenv(name, value)
    storage = Storage(connection_string=storage_connection)
    storage.ensure_resources()
    config, problems = check_config(config_text())
    assert not problems, problems
    return Context(config=config, storage=storage, bc_factory=bc_client_from_config)


def payload(order_id: int, **attributes) -> dict:
    body = json.loads(dumps(shopify_order(order_id, [("1000", 1, "199.00")])))
    body["note_attributes"] = [{"name": k, "value": v} for k, v in attributes.items()]
    body["source_name"] = "web"
    body["note"] = "Leave at the back door"
    return body


def import_payload(ctx: Context, body: dict):
    ref = ctx.inbox.store("sh", dumps(body))
    return orders.import_order(ctx, Envelope(flow="orders", shop="sh", external_id=str(body["id"]),
                                             payload_ref=ref))


def page_row(bc: BcEmulator, set_name: str, order_number: str) -> dict:
    client = bc_client_from_config(check_config(config_text())[0])
    if set_name == "extras":
        [order] = bc.records("CRONUS SE", "salesOrders", number=order_number)
        url = f"{client.api_root.replace('/api/v2.0', '/api/' + ROUTE)}/companies({DEMO_COMPANY_SE_ID})/" \
              f"salesOrderExtras({order['id']})"
    else:
        url = f"{client.odata_root}/Company('CRONUS%20SE')/SalesOrderExt(Document_Type='Order',No='{order_number}')"
    return client.send("GET", url).json()


def patches(bc: BcEmulator) -> list[str]:
    return [r["path"] for r in bc.requests if r["method"] == "PATCH" and ("Extras" in r["path"] or "Ext(" in r["path"])]


def test_fields_are_written_to_both_pages_after_creation_and_read_back(bc, ctx):
    outcome = import_payload(ctx, payload(9101 + uuid.uuid4().int % 1000, delivery_note="Ring twice",
                                          gift_wrap="yes"))
    number = outcome.bc_document.split()[-1]
    extras = page_row(bc, "extras", number)
    assert (extras["deliveryNote"], extras["giftWrap"], extras["number"]) == ("Ring twice", True, number)
    assert page_row(bc, "card", number)["Web_Channel"] == "WEBSHOP"
    [order] = bc.records("CRONUS SE", "salesOrders", number=number)
    lines = bc.records("CRONUS SE", "salesOrderLines", documentId=order["id"])
    assert [line["description"] for line in lines if line["lineType"] == "Comment"] == ["Leave at the back door"]


def test_a_replay_writes_nothing_twice_and_a_changed_value_only_that_field(bc, ctx):
    body = payload(9201 + uuid.uuid4().int % 1000, delivery_note="Ring twice")
    number = import_payload(ctx, body).bc_document.split()[-1]
    [order] = bc.records("CRONUS SE", "salesOrders", number=number)
    config = ctx.config
    co = bc_client_from_config(config).company(DEMO_COMPANY_SE_ID)
    document = co.get("salesOrders", order["id"])
    wanted = {"extras": {"deliveryNote": "Ring twice", "giftWrap": False}, "card": {"Web_Channel": "WEBSHOP"}}
    bc.reset_log()
    assert custom_pages.write_page_fields(co, config.bc, config.company("se"), document, wanted) == 0
    assert patches(bc) == []  # every value is there: a retry after a crash writes nothing
    wanted["extras"]["deliveryNote"] = "Call first"
    assert custom_pages.write_page_fields(co, config.bc, config.company("se"), document, wanted) == 1
    [request] = [r for r in bc.requests if r["method"] == "PATCH"]
    assert "salesOrderExtras" in request["path"] and page_row(bc, "extras", number)["deliveryNote"] == "Call first"


def test_a_stale_etag_is_refused_by_the_emulator_and_the_writer_reads_again(bc, ctx):
    number = import_payload(ctx, payload(9301 + uuid.uuid4().int % 1000)).bc_document.split()[-1]
    client = bc_client_from_config(ctx.config)
    row = page_row(bc, "extras", number)
    [order] = bc.records("CRONUS SE", "salesOrders", number=number)
    url = f"{client.api_root.replace('/api/v2.0', '/api/' + ROUTE)}/companies({DEMO_COMPANY_SE_ID})/" \
          f"salesOrderExtras({order['id']})"
    client.send("PATCH", url, body={"deliveryNote": "a user typed this"}, headers={"If-Match": row["@odata.etag"]})
    with pytest.raises(BcConflictError):  # the ETag read before the user's change is stale now
        client.send("PATCH", url, body={"deliveryNote": "x"}, headers={"If-Match": row["@odata.etag"]})
    co = client.company(DEMO_COMPANY_SE_ID)
    document = co.get("salesOrders", order["id"])
    sent = custom_pages.write_page_fields(co, ctx.config.bc, ctx.config.company("se"), document,
                                          {"extras": {"deliveryNote": "from the shop"}})
    assert sent == 1 and page_row(bc, "extras", number)["deliveryNote"] == "from the shop"


def test_a_field_the_page_does_not_have_stops_the_order_naming_the_rule_and_leaves_nothing(bc, storage_connection,
                                                                                         monkeypatch, ctx):
    # declared in the config (check-config cannot know better), but the page in BC has no such field
    pages = PAGES.replace('fields = ["Web_Channel"]', 'fields = ["Web_Channel", "Sales_Channel"]')
    rules = RULES.replace('target = "page.card.Web_Channel"', 'target = "page.card.Sales_Channel"')
    config, problems = check_config(config_text(pages, rules))
    assert not problems
    broken = Context(config=config, storage=ctx.storage, bc_factory=bc_client_from_config)
    body = payload(9401 + uuid.uuid4().int % 1000)
    before = len(bc.records("CRONUS SE", "salesOrders"))
    with pytest.raises(NeedsAttention) as caught:
        import_payload(broken, body)
    assert caught.value.code == "custom_page_refused"
    assert "Sales_Channel" in caught.value.message and '"channel"' in caught.value.resolution
    assert len(bc.records("CRONUS SE", "salesOrders")) == before  # the order was deleted again: a retry starts clean
    # the operator corrects the rule; the retry creates the order with every field
    outcome = import_payload(ctx, body)
    assert page_row(bc, "card", outcome.bc_document.split()[-1])["Web_Channel"] == "WEBSHOP"


@pytest.mark.parametrize("target, says", [
    ("page.missing.deliveryNote", 'writes to page "missing", which is not declared'),
    ("page.extras.colour", 'page "extras" has no declared field "colour"'),
])
def test_check_config_names_a_rule_whose_page_or_field_is_not_declared(target, says):
    rules = RULES.replace('target = "page.extras.deliveryNote"', f'target = "{target}"')
    config, problems = check_config(config_text(rules=rules))
    assert config is None
    assert [p.where for p in problems] == ['shops["sh"].field_rules["delivery-note"].target']
    assert says in problems[0].message and problems[0].fix


@pytest.mark.parametrize("page, says", [
    ('name = "x"\napi = "contoso/shop"\nentity_set = "a"\nfields = ["f"]', "is not a custom API route"),
    ('name = "x"\napi = "contoso/shop/v1.0"\nfields = ["f"]', "keyed on the SystemId"),
    ('name = "x"\nodata = "Page"\nfields = ["f"]', "addressed by its key fields"),
    ('name = "x"\napi = "a/b/v1.0"\nodata = "P"\nentity_set = "a"\nfields = ["f"]', "either a custom API page"),
    ('name = "x"\nodata = "P"\nkey = { No = "{number}" }\nfields = ["no such"]', "are not page field names"),
])
def test_check_config_refuses_a_page_it_cannot_address(page, says):
    config, problems = check_config(config_text(pages=f"[[bc.custom_pages]]\n{page}\n", rules=""))
    assert config is None and len(problems) == 1
    assert problems[0].where.startswith("bc.custom_pages") and says in problems[0].message


def test_preview_shows_the_page_fields_as_written_after_creation_and_the_comment_line():
    from core.preview import preview_payload

    config, _ = check_config(config_text())
    record = preview_payload(payload(9501, delivery_note="Ring twice"), "p.json", config, config.shop("sh"))
    assert record["problems"] == []
    assert record["after_create"]["customPages"] == {"extras": {"deliveryNote": "Ring twice", "giftWrap": False},
                                                     "card": {"Web_Channel": "WEBSHOP"}}
    assert record["sales_order"]["salesOrderLines"][-1] == {"lineType": "Comment",
                                                            "description": "Leave at the back door"}
    assert "deliveryNote" not in json.dumps(record["sales_order"], default=str)  # never in the standard page


class RacingClient:
    """A page row that a user changes between the bridge's read and its first write (BC answers 409)."""

    api_root = "https://bc.example/v2.0/t/production/api/v2.0"

    def __init__(self):
        self.row = {"@odata.etag": 'W/"1"', "deliveryNote": ""}
        self.calls: list[tuple] = []

    def send(self, method, url, *, entity=None, body=None, headers=None):
        self.calls.append((method, url, body, (headers or {}).get("If-Match")))
        if method == "GET":
            return type("R", (), {"json": lambda _self, row=dict(self.row): row})()
        if len(self.calls) == 2:  # the user saved in between: the ETag we read is stale
            self.row = {"@odata.etag": 'W/"2"', "deliveryNote": "typed by a user"}
            raise BcConflictError(409, "Request_EntityChanged", "Another user has already changed the record.")
        assert headers["If-Match"] == self.row["@odata.etag"]
        self.row = {**self.row, **body, "@odata.etag": 'W/"3"'}
        return None


def test_a_409_reads_the_row_again_and_writes_with_its_new_etag():
    config, _ = check_config(config_text())
    client = RacingClient()
    co = type("Co", (), {"client": client})()
    sent = custom_pages.write_page_fields(co, config.bc, config.company("se"), {"id": str(uuid.uuid4()), "number": "1"},
                                          {"extras": {"deliveryNote": "from the shop"}})
    assert sent == 1 and [c[0] for c in client.calls] == ["GET", "PATCH", "GET", "PATCH"]
    assert [c[3] for c in client.calls if c[0] == "PATCH"] == ['W/"1"', 'W/"2"']
    assert "/api/contoso/shop/v1.0/companies(" in client.calls[0][1] and client.row["deliveryNote"] == "from the shop"


def test_check_config_bc_reads_metadata_and_names_a_declared_field_the_page_lacks(bc, ctx, tmp_path, capsys):
    import argparse

    from core.cli import cmd_check_config

    client = bc_client_from_config(ctx.config)
    assert custom_pages.check_pages(client, ctx.config.bc, {}) == []  # both pages have what is declared
    pages = PAGES.replace('fields = ["Web_Channel"]', 'fields = ["Web_Channel", "Sales_Channel"]').replace(
        'entity_set = "salesOrderExtras"', 'entity_set = "orderExtras"')
    rules = RULES.replace('target = "page.card.Web_Channel"', 'target = "page.card.Sales_Channel"')
    path = tmp_path / "bridge.toml"
    path.write_text(config_text(pages, rules), encoding="utf-8")
    assert cmd_check_config(argparse.Namespace(config=str(path), bc=False)) == 0  # offline it cannot know
    assert cmd_check_config(argparse.Namespace(config=str(path), bc=True)) == 1
    out = capsys.readouterr().out
    assert 'bc.custom_pages["extras"]: BC has no entity set "orderExtras"' in out
    assert "bc.custom_pages[\"card\"].fields: the page in BC has no field(s) ['Sales_Channel'] (rules: \"channel\")" \
        in out


def test_a_linked_order_checks_its_claim_before_it_completes_the_page_fields(bc, ctx, monkeypatch):
    """An order BC already has (its creator's answer lost, or the creator died) is linked and its page fields
    completed. Those are BC writes: the claim's fence is checked first, even when the header needs nothing."""
    from core.state import Fence
    from core.state.storage import table_key

    body = payload(9401 + uuid.uuid4().int % 1000, delivery_note="Ring twice")
    import_payload(ctx, body)
    ctx.bindings.client.delete_entity(table_key("order|sh"), table_key(str(body["id"])))  # BC has it; no binding
    events = []
    real_check, real_write = Fence.check, custom_pages.write_page_fields
    monkeypatch.setattr(Fence, "check", lambda self: events.append("fence") or real_check(self))
    monkeypatch.setattr(custom_pages, "write_page_fields",
                        lambda *args, **kwargs: events.append("pages") or real_write(*args, **kwargs))

    outcome = import_payload(ctx, body)

    assert "linked" in outcome.message
    assert events == ["fence", "pages"]
