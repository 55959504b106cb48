"""Any record in two clicks, in headless Chromium through the local host with Easy Auth simulated: a Reader goes
from a search result to the record page and sees everything but Retry; an Operator goes from the attention list
to the record page and retries there. With the master key (no sign-in) the record link carries no key."""

from __future__ import annotations

import json
from datetime import timedelta

from core.state import Envelope, SyncLog, SyncStatus, names
from tests.operations.conftest import received_order, take_message
from tests.operations.test_page import MASTER_KEY, ops_server  # noqa: F401 - fixture
from tests.operations.test_sign_in import signed_in_host  # noqa: F401 - fixture
from tests.operations.test_sign_in_browser import _signed_in_page

ORDER_ID = "gid://shopify/Order/9901043"
RAW = {"id": 9901043, "name": "#1043", "email": "anna.berg@example.com", "token": "order-status-secret",
       "note": "<script>window.__xss=1</script>"}


def _imported(ctx, shop):
    """An order imported as BC sales order 101043 (bound), then updated in the shop and in need of a person."""
    envelope = received_order(ctx, shop, ORDER_ID, json.dumps(RAW).encode())
    claim = ctx.bindings.claim("order", shop, ORDER_ID, owner="test", lease=timedelta(minutes=1))
    ctx.bindings.bind(claim, bc_company="se", bc_entity="salesOrders", bc_id="guid-1", bc_number="101043")
    synclog = SyncLog(ctx.storage)
    synclog.record("orders", shop, ORDER_ID, SyncStatus.SUCCESS, bc_document="salesOrders 101043",
                   message="Imported as sales order 101043.")
    synclog.record("orders", shop, ORDER_ID, SyncStatus.NEEDS_ATTENTION, message="The shop changed the order.",
                   resolution="Change sales order 101043 in BC, then retry.")
    return envelope


def _check_record_page(page, shop):
    page.locator("#record").wait_for()
    page.locator("#record-facts td", has_text="The shop changed the order.").wait_for()
    assert page.locator("#overview").is_hidden()
    assert page.locator("#record-title").inner_text() == f"orders · {shop} · {ORDER_ID}"
    assert [t.strip() for t in page.locator("#record-history tbody tr td:nth-child(2)").all_inner_texts()] == [
        "Waiting", "Done", "Needs attention"]
    link = page.locator("#record-bc-link")
    assert link.inner_text() == "salesOrders 101043 (company se)"
    href = link.get_attribute("href")
    assert href.startswith("https://businesscentral.dynamics.com/") and "page=42" in href and "101043" in href
    payload = page.locator("#record-payload").inner_text()
    assert json.loads(payload) == {**RAW, "token": "[redacted]"}
    assert page.evaluate("window.__xss") is None
    assert "What to do" in page.locator("#record-facts").inner_text()


def test_a_reader_opens_a_record_from_a_search_result_and_cannot_retry(ctx, shop, signed_in_host, browser,  # noqa: F811
                                                                        tmp_path):
    _imported(ctx, shop)
    context, page = _signed_in_page(browser, signed_in_host, "reader-session")
    try:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{signed_in_host}/api/cockpit/page")
        page.locator("#viewer", has_text="(Reader)").wait_for()
        page.fill("#search-text", "anna.berg@example.com")
        page.click("#search-go")  # click 1
        page.locator(f'#found tr[data-shop="{shop}"] a.open').click()  # click 2
        _check_record_page(page, shop)
        assert page.locator("#record-actions").get_by_role("button", name="Retry").count() == 0
        assert page.locator("#record-actions").inner_text() == "Operator role needed to retry"
        page.screenshot(path=str(tmp_path / "record-reader.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'record-reader.png'}")
        page.click("#record-back")
        page.locator("#overview").wait_for()
        assert errors == []
    finally:
        context.close()


def test_an_operator_opens_a_record_from_the_attention_list_and_retries_it(ctx, shop, signed_in_host,  # noqa: F811
                                                                           browser, tmp_path):
    envelope = _imported(ctx, shop)
    context, page = _signed_in_page(browser, signed_in_host, "operator-session")
    try:
        page.goto(f"{signed_in_host}/api/cockpit/page")
        page.locator(f'#attention tr[data-shop="{shop}"] a.open').click()  # click 1 of 1
        _check_record_page(page, shop)
        page.screenshot(path=str(tmp_path / "record-operator.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'record-operator.png'}")
        page.locator("#record-actions").get_by_role("button", name="Retry").click()
        page.locator("#record-actions").get_by_text("Queued again").wait_for()
        page.locator("#record-facts td", has_text="Queued again on orders-import").wait_for()  # reloaded
    finally:
        context.close()
    replayed = Envelope.loads(take_message(ctx.storage, names.ORDERS_IMPORT, shop)[1])
    assert (replayed.external_id, replayed.payload_ref) == (ORDER_ID, envelope.payload_ref)


def test_with_the_master_key_the_record_link_carries_no_key(ctx, shop, ops_server, browser):  # noqa: F811
    _imported(ctx, shop)
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page()
    try:
        page.set_default_timeout(15_000)
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}")
        link = page.locator(f'#attention tr[data-shop="{shop}"] a.open')
        href = link.get_attribute("href")
        assert href.startswith("#record?") and MASTER_KEY not in href
        link.click()
        _check_record_page(page, shop)
    finally:
        page.close()
    record_calls = [path for method, path, status in ops_server.requests if path.startswith("/api/ops/records/")]
    assert record_calls and all(MASTER_KEY not in path for path in record_calls)
