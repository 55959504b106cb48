"""Headless Chromium signs in as each role (a session cookie, as App Service Authentication sets it) against the
local host, uses the page, and leaves a screenshot per role in the test's temporary directory."""

from __future__ import annotations

import json

from core.state import SyncLog, SyncStatus, names
from tests.operations.conftest import received_order, take_message
from tests.operations.test_sign_in import SESSION_COOKIE, signed_in_host  # noqa: F401 - fixture

ORDER_ID = "gid://shopify/Order/7001043"


def _signed_in_page(browser, base_url: str, session: str):
    context = browser.new_context()
    context.add_cookies([{"name": SESSION_COOKIE, "value": session, "url": base_url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _order_needing_attention(ctx, shop):
    raw = json.dumps({"id": 7001043, "name": "#1043", "email": "anna.berg@example.com"}).encode()
    envelope = received_order(ctx, shop, ORDER_ID, raw)
    SyncLog(ctx.storage).record("orders", shop, ORDER_ID, SyncStatus.NEEDS_ATTENTION, message="SKU X is not a BC item.",
                                resolution="Map SKU X, then retry.")
    return envelope


def test_a_reader_sees_and_searches_but_has_no_retry_button(ctx, shop, signed_in_host, browser, tmp_path):  # noqa: F811 - the imported fixture
    _order_needing_attention(ctx, shop)
    context, page = _signed_in_page(browser, signed_in_host, "reader-session")
    try:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{signed_in_host}/api/cockpit/page")
        row = page.locator(f'#attention tr[data-shop="{shop}"]')
        row.wait_for()
        assert page.locator("#viewer").inner_text() == "rita.reader@example.com (Reader)"
        assert row.get_by_role("button", name="Retry").count() == 0
        assert "Operator role needed to retry" in row.inner_text()
        page.fill("#search-text", "#1043")
        page.click("#search-go")
        found = page.locator(f'#found tr[data-shop="{shop}"]')
        found.wait_for()
        assert found.locator("td").nth(3).inner_text().startswith(ORDER_ID)
        page.screenshot(path=str(tmp_path / "reader.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'reader.png'}")
        assert errors == []
    finally:
        context.close()


def test_an_operator_retries_from_the_page(ctx, shop, signed_in_host, browser, tmp_path):  # noqa: F811 - the imported fixture
    envelope = _order_needing_attention(ctx, shop)
    context, page = _signed_in_page(browser, signed_in_host, "operator-session")
    try:
        page.goto(f"{signed_in_host}/api/cockpit/page")
        row = page.locator(f'#attention tr[data-shop="{shop}"]')
        row.wait_for()
        assert page.locator("#viewer").inner_text() == "otto.operator@example.com (Operator)"
        row.get_by_role("button", name="Retry").click()
        row.get_by_text("Queued again").wait_for()
        page.screenshot(path=str(tmp_path / "operator.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'operator.png'}")
        assert "code=" not in page.url
    finally:
        context.close()
    _, content = take_message(ctx.storage, names.ORDERS_IMPORT, shop)
    assert envelope.payload_ref in content


def test_nobody_signed_in_is_sent_to_the_sign_in_page(signed_in_host, browser):  # noqa: F811 - the imported fixture
    page = browser.new_page()
    try:
        response = page.request.get(f"{signed_in_host}/api/cockpit/page", max_redirects=0)
        assert response.status == 302
        assert response.headers["location"].startswith("/.auth/login/aad?")
    finally:
        page.close()
