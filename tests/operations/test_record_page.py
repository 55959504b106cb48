"""The record page's data (core/ops_record.py through the admin API): the BC document from the binding with its
web-client link, and the raw payload with secrets hidden while the stored bytes stay whole for Retry."""

from __future__ import annotations

import json
from datetime import timedelta

from core.config import load_config
from core.ops_record import REDACTED, bc_web_link, redact
from core.state import SyncLog, SyncStatus
from core.sync.operations import storage_only_context
from functions import operations as fo
from tests.operations.conftest import http, received_order

ORDER_ID = "gid://shopify/Order/5551043"
RAW = json.dumps({"id": 5551043, "name": "#1043", "token": "a1b2c3", "cart_token": "", "email": "a@example.com",
                  "customer": {"email": "a@example.com", "password": "hunter2"},
                  "line_items": [{"sku": "TSHIRT-M", "api_key": "k-1"}]}).encode()


def _bound_order(ctx, shop: str, entity: str = "salesOrders", company: str = "se") -> None:
    received_order(ctx, shop, ORDER_ID, RAW)
    claim = ctx.bindings.claim("order", shop, ORDER_ID, owner="test", lease=timedelta(minutes=1))
    ctx.bindings.bind(claim, bc_company=company, bc_entity=entity, bc_id="0f0e-guid", bc_number="101043")
    SyncLog(ctx.storage).record("orders", shop, ORDER_ID, SyncStatus.SUCCESS, bc_company=company,
                                bc_document=f"{entity} 101043", message="Imported.")


def test_the_record_shows_the_bc_document_from_its_binding_with_a_web_client_link(ctx, shop, monkeypatch):
    monkeypatch.setenv("BC_TENANT_ID", "contoso.onmicrosoft.com")
    _bound_order(ctx, shop)
    status, detail = http(fo.ops_record, route_params={"flow": "orders", "shop": shop, "external_id": ORDER_ID})
    assert status == 200
    assert detail["binding"] == {
        "state": "bound", "bc_company": "se", "bc_entity": "salesOrders", "bc_id": "0f0e-guid", "bc_number": "101043",
        "web_link": "https://businesscentral.dynamics.com/contoso.onmicrosoft.com/production/"
                    "?company=CRONUS%20SE&page=42&filter=%27No.%27%20IS%20%27101043%27"}
    assert [h["status"] for h in detail["history"]] == ["received", "success"]


def test_the_payload_is_shown_with_secrets_hidden_and_stored_unchanged(ctx, shop):
    _bound_order(ctx, shop)
    detail = http(fo.ops_record, route_params={"flow": "orders", "shop": shop, "external_id": ORDER_ID})[1]
    shown = detail["payload"]["json"]
    assert shown["token"] == REDACTED and shown["customer"]["password"] == REDACTED
    assert shown["line_items"][0] == {"sku": "TSHIRT-M", "api_key": REDACTED}
    assert shown["cart_token"] == ""  # nothing to hide
    assert (shown["name"], shown["email"], shown["customer"]["email"]) == ("#1043", "a@example.com", "a@example.com")
    raw, _ = ctx.inbox.load(detail["payload"]["ref"])
    assert raw == RAW  # Retry replays these bytes: redaction is for the page only


def test_no_link_where_it_could_point_to_the_wrong_place():
    config = load_config()
    env = {"BC_TENANT_ID": "t"}
    bound = {"bc_company": "se", "bc_entity": "salesInvoices", "bc_number": "PSI-9"}
    assert "page=132" in bc_web_link(config, bound, env)  # posted sales invoice
    assert bc_web_link(config, {**bound, "bc_entity": "customerPayments"}, env) is None  # journal lines
    assert bc_web_link(config, {**bound, "bc_company": "no-such-company"}, env) is None
    assert bc_web_link(config, {**bound, "bc_number": ""}, env) is None
    assert bc_web_link(None, bound, env) is None  # running without the config
    nameless = config.model_copy(update={"companies": [c.model_copy(update={"name": ""}) for c in config.companies]})
    assert bc_web_link(nameless, bound, env) is None  # without the name BC would open the user's last company
    assert bc_web_link(config, bound, {}).startswith("https://businesscentral.dynamics.com/production/?company=")


def test_the_record_page_works_without_the_config(ctx, shop, monkeypatch):
    """Operators still see a record while the config is broken: no link then, the number stays."""
    _bound_order(ctx, shop)
    monkeypatch.setattr("core.sync.operations.operations_state", lambda: storage_only_context(ctx.storage))
    detail = http(fo.ops_record, route_params={"flow": "orders", "shop": shop, "external_id": ORDER_ID})[1]
    assert detail["binding"]["bc_number"] == "101043" and detail["binding"]["web_link"] is None


def test_redaction_leaves_lists_and_plain_values_alone():
    assert redact([{"Authorization": "Bearer x"}, 1, "token"]) == [{"Authorization": REDACTED}, 1, "token"]
    assert redact({"access_token": None}) == {"access_token": None}


def test_a_large_payload_is_shown_cut_with_its_secrets_still_hidden(ctx, shop):
    big = json.dumps({"token": "t-secret", "Cart_Token": 'c"x', "name": "#7", "note": "x" * 300_000}).encode()
    received_order(ctx, shop, "big-1", big)
    payload = http(fo.ops_record, route_params={"flow": "orders", "shop": shop, "external_id": "big-1"})[1]["payload"]
    assert payload["truncated"] is True and payload["size"] == len(big) and len(payload["text"]) < 256 * 1024 + 20
    assert payload["text"].startswith('{"token": "[redacted]", "Cart_Token": "[redacted]", "name": "#7", "note": "xx')
    assert "t-secret" not in payload["text"]
