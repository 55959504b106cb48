"""The record page in headless Chromium shows what the bridge read and what goes to BC, and downloads the whole
payload, redacted: signed in as a Reader (a plain link, the session cookie goes along) and with the master key
(fetched with the key as a header, never in a URL)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from core.ops_record import REDACTED
from core.state import SyncLog, SyncStatus
from tests.conftest import corpus_file
from tests.operations.conftest import received_order
from tests.operations.test_page import MASTER_KEY, ops_server  # noqa: F401 - fixture
from tests.operations.test_sign_in import signed_in_host  # noqa: F401 - fixture
from tests.operations.test_sign_in_browser import _signed_in_page

SHOP = "shopify-demo"  # a configured shop: the page maps the payload with the config


def _order(ctx, external_id: str) -> dict:
    """Shopify's example order 1234 with 600 more lines (a payload larger than the page shows)."""
    raw = json.loads(corpus_file("shopify-order-1.json").read_text())
    raw["note_attributes"] = [{"name": f"n{n}", "value": "v" * 100, "secret": f"hidden-{n}"} for n in range(600)]
    received_order(ctx, SHOP, external_id, json.dumps(raw).encode())
    SyncLog(ctx.storage).record("orders", SHOP, external_id, SyncStatus.NEEDS_ATTENTION,
                                message="Payment gateway not mapped.", resolution="Map it, then retry.")
    return raw


def _check(page, external_id: str, raw: dict, tmp_path, name: str) -> None:
    page.locator("#record-bc-body").wait_for()
    assert json.loads(page.locator("#record-canonical").inner_text())["number"] == "1234"
    body = json.loads(page.locator("#record-bc-body").inner_text())
    assert body["externalDocumentNumber"] == "SH-1234" and len(body["salesOrderLines"]) == 3
    assert page.locator("#record-mapped-note").inner_text().startswith("Company se. Preview:")
    assert page.locator("#record-problems li").first.inner_text().startswith('The payment gateway "visa"')
    assert "showing the first part only" in page.locator("#record-payload-note").inner_text()
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    print(f"screenshot: {tmp_path / f'{name}.png'}")
    with page.expect_download() as download:
        page.click("#record-download")
    saved = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert download.value.suggested_filename == f"orders-{SHOP}-{external_id.rsplit('/', 1)[-1]}.json"
    assert saved["token"] == REDACTED and len(saved["note_attributes"]) == 600
    assert saved["note_attributes"][-1] == {**raw["note_attributes"][-1], "secret": REDACTED}
    assert {k: v for k, v in saved.items() if k not in ("token", "note_attributes")} == {
        k: v for k, v in raw.items() if k not in ("token", "note_attributes")}


def test_a_reader_sees_the_bc_body_and_downloads_the_whole_payload(ctx, signed_in_host, browser,  # noqa: F811
                                                                     tmp_path):
    external_id = "gid://shopify/Order/dl-reader-1234"
    raw = _order(ctx, external_id)
    context, page = _signed_in_page(browser, signed_in_host, "reader-session")
    try:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{signed_in_host}/api/cockpit/page#record?"
                  + urlencode({"flow": "orders", "shop": SHOP, "id": external_id}))
        _check(page, external_id, raw, tmp_path, "record-mapped-reader")
        assert page.locator("#record-download").get_attribute("href").startswith("payload/orders/")
        assert errors == []
    finally:
        context.close()
        SyncLog(ctx.storage).delete(SyncLog(ctx.storage).get("orders", SHOP, external_id))


def test_with_the_master_key_the_download_carries_the_key_as_a_header_only(ctx, ops_server, browser,  # noqa: F811
                                                                             tmp_path):
    external_id = "gid://shopify/Order/dl-key-1234"
    raw = _order(ctx, external_id)
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page()
    try:
        page.set_default_timeout(15_000)
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}#record?"
                  + urlencode({"flow": "orders", "shop": SHOP, "id": external_id}))
        _check(page, external_id, raw, tmp_path, "record-mapped-key")
        assert MASTER_KEY not in page.locator("#record-download").get_attribute("href")
    finally:
        page.close()
        SyncLog(ctx.storage).delete(SyncLog(ctx.storage).get("orders", SHOP, external_id))
    downloads = [(path, status) for method, path, status in ops_server.requests if path.startswith("/api/ops/payload/")]
    assert downloads and all(status == 200 and MASTER_KEY not in path for path, status in downloads)
