"""The record page's view of what the bridge made of a payload (canonical model, the BC body as `preview` builds
it), its cut of large payloads, and the download of the whole payload, redacted, as a file."""

from __future__ import annotations

import base64
import json

import azure.functions as func

from core.config import load_config
from core.ops_record import PAGE_PAYLOAD_CHARS, REDACTED, mapped_view
from core.state import SyncLog, SyncStatus
from functions import operations as fo
from tests.conftest import corpus_file
from tests.operations.conftest import call, http, received_order

ORDER = corpus_file("shopify-order-1.json").read_bytes()  # Shopify's example order 1234, `token` set


def _record(ctx, shop, external_id, raw: bytes, flow="orders", status=SyncStatus.NEEDS_ATTENTION):
    received_order(ctx, shop, external_id, raw, flow=flow)
    SyncLog(ctx.storage).record(flow, shop, external_id, status, message="m", resolution="r")


def _page(shop, external_id, flow="orders"):
    status, detail = http(fo.ops_record, route_params={"flow": flow, "shop": "shopify-demo" if shop is None else shop,
                                                       "external_id": external_id})
    assert status == 200, detail
    return detail


def _download(flow, shop, external_id) -> func.HttpResponse:
    req = func.HttpRequest("GET", "http://localhost/api/ops/payload", params={}, body=b"",
                           route_params={"flow": flow, "shop": shop, "external_id": external_id})
    return call(fo.ops_payload, req)


def test_an_order_shows_its_canonical_model_and_the_bc_body_preview_builds(ctx):
    shop, external_id = "shopify-demo", "gid://shopify/Order/mapped-1234"  # a configured shop: mapping needs it
    try:
        _record(ctx, shop, external_id, ORDER)
        mapped = _page(shop, external_id)["mapped"]
        assert mapped["canonical"]["number"] == "1234" and mapped["canonical"]["shop"] == shop
        assert mapped["company"] == "se"
        body = mapped["bc_body"]
        assert body["externalDocumentNumber"] == "SH-1234" and body["customerNumber"] == "WEB-SE"
        assert [line["lineObjectNumber"] for line in body["salesOrderLines"]] == [
            "IPOD2008PINK", "IPOD2008PINK", "3010"]
        assert any(p["code"] == "payment_method_unmapped" for p in mapped["problems"])
        assert mapped["note"].startswith("Preview:") and "would skip it: order 1234 is cancelled" in mapped["note"]
    finally:
        SyncLog(ctx.storage).delete(SyncLog(ctx.storage).get("orders", shop, external_id))


def test_a_shop_missing_from_the_config_or_a_payload_that_is_no_order_is_said_so(ctx, shop):
    _record(ctx, shop, "o-1", ORDER)
    assert _page(shop, "o-1")["mapped"] == {"canonical": None, "bc_body": None, "company": None, "problems": [],
                                            "note": f"Shop {shop!r} is not in the config (any more)."}
    try:
        _record(ctx, "shopify-demo", "not-an-order", b'{"id": "x", "line_items": 7}')
        mapped = _page("shopify-demo", "not-an-order")["mapped"]
        assert mapped["canonical"] is None and mapped["note"].startswith("The stored payload could not be mapped")
    finally:
        SyncLog(ctx.storage).delete(SyncLog(ctx.storage).get("orders", "shopify-demo", "not-an-order"))


def test_a_large_payload_is_cut_on_the_page_and_downloaded_whole_and_redacted(ctx, shop):
    lines = [{"sku": f"SKU-{n}", "title": "x" * 200, "api_key": f"key-{n}"} for n in range(2000)]
    raw = json.dumps({"id": 1, "token": "order-status-secret", "line_items": lines}).encode()
    assert len(raw) > PAGE_PAYLOAD_CHARS * 5
    _record(ctx, shop, "gid://shopify/Order/big", raw)

    payload = _page(shop, "gid://shopify/Order/big")["payload"]
    assert payload["truncated"] is True and payload["json"] is None
    assert len(payload["text"]) == PAGE_PAYLOAD_CHARS and payload["size"] == len(raw)
    assert "order-status-secret" not in payload["text"] and "key-0" not in payload["text"]

    response = _download("orders", shop, "gid://shopify/Order/big")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="orders-{shop}-big.json"'
    assert response.headers["Cache-Control"] == "no-store"
    whole = json.loads(response.get_body())
    assert whole["token"] == REDACTED and len(whole["line_items"]) == 2000
    assert whole["line_items"][-1] == {"sku": "SKU-1999", "title": "x" * 200, "api_key": REDACTED}
    assert ctx.inbox.load(payload["ref"])[0] == raw  # Retry still has the bytes as delivered


def test_a_text_payload_cut_inside_a_secret_shows_none_of_it(ctx, shop):
    head = '{"id": 1, "pad": "' + "p" * (PAGE_PAYLOAD_CHARS - 40) + '", "access_token": "'
    raw = (head + "s3cr3t" * 20 + '"').encode()  # not JSON (unterminated object): shown as text
    _record(ctx, shop, "text-1", raw)
    text = _page(shop, "text-1")["payload"]["text"]
    assert "s3cr3t" not in text and text.endswith(f'"access_token": "{REDACTED}')
    response = _download("orders", shop, "text-1")
    assert response.mimetype == "text/plain" and b"s3cr3t" not in response.get_body()
    assert response.headers["Content-Disposition"] == f'attachment; filename="orders-{shop}-text-1.txt"'


def test_no_download_for_an_unknown_record(ctx, shop):
    response = _download("orders", shop, "nope")
    assert response.status_code == 404 and "no stored payload" in json.loads(response.get_body())["error"]


def test_a_refund_shows_its_model_and_says_why_there_is_no_credit_memo_body():
    refund = json.loads(corpus_file("shopify-refund-1.json").read_text())
    mapped = mapped_view(load_config(), "refunds", "shopify-demo", refund)
    assert mapped["canonical"]["order_external_id"] == "820982911946154500"
    assert [line["sku"] for line in mapped["canonical"]["lines"]] == ["IPOD2008PINK", "IPOD2008PINK"]
    assert mapped["bc_body"] is None and "python -m core preview --document credit-memo" in mapped["note"]
    assert mapped_view(load_config(), "payouts", "shopify-demo", refund)["note"] == (
        "The page maps orders and refunds; payouts records show their payload only.")


def test_a_payload_that_is_not_utf8_hides_its_secrets_too_on_the_page_and_in_the_download(ctx, shop):
    # one Latin-1 byte (é as 0xE9) makes the body undecodable as UTF-8: the page shows base64, the download bytes
    raw = b'{"id": 1, "name": "Ren\xe9", "access_token": "s3cr3t-tok", "note": "\xff\xfe"}'
    _record(ctx, shop, "latin-1", raw)
    payload = _page(shop, "latin-1")["payload"]
    shown = base64.b64decode(payload["base64"])
    assert b"s3cr3t" not in shown
    assert shown == raw.replace(b'"s3cr3t-tok"', f'"{REDACTED}"'.encode())  # every other byte as delivered
    response = _download("orders", shop, "latin-1")
    assert response.mimetype == "application/octet-stream" and response.get_body() == shown
    assert ctx.inbox.load(payload["ref"])[0] == raw  # Retry still has the bytes as delivered
