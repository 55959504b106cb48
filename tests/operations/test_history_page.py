"""The history chart in headless Chromium, on a week of generated counts, with the page's CSP as it was."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from core.state.history import History
from tests.operations.test_page import MASTER_KEY, ops_server  # noqa: F401 - fixture

CSP = ("default-src 'none'; script-src 'nonce-{n}'; style-src 'nonce-{n}'; connect-src 'self'; "
       "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _a_week_of_orders(storage, shop: str, now: datetime) -> dict[str, int]:
    """Every hour of the last week: (hour of day % 3) successes; one needs-attention 5 hours ago."""
    history = History(storage)
    totals = {"success": 0, "needs_attention": 1}
    for back in range(7 * 24):
        at = now - timedelta(hours=back)
        for _ in range(at.hour % 3):
            history.count("orders", shop, "success", at)
            totals["success"] += 1
    history.count("orders", shop, "needs_attention", now - timedelta(hours=5))
    return totals


def test_the_chart_draws_a_week_of_history_for_the_chosen_flow_and_shop(ctx, shop, ops_server, browser,  # noqa: F811
                                                                         tmp_path):
    now = datetime.now(UTC)
    totals = _a_week_of_orders(ctx.storage, shop, now)
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}")
        option = page.locator("#history-series option", has_text=f"orders · {shop}")
        option.wait_for(state="attached")
        page.select_option("#history-series", value=option.get_attribute("value"))

        chart = page.locator("#history-chart")
        bars = chart.locator("rect.bar.success")
        assert bars.count() == sum(1 for back in range(168) if (now - timedelta(hours=back)).hour % 3)
        attention = chart.locator("rect.bar.needs_attention")
        assert attention.count() == 1 and attention.get_attribute("data-count") == "1"
        hour = (now - timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
        assert attention.get_attribute("data-bucket") == hour.isoformat()
        assert attention.locator("title").text_content() == (
            f"{hour:%Y-%m-%d %H}:00 UTC · Needs attention: 1")
        two = chart.locator("rect.bar.success[data-count='2']").first
        one = chart.locator("rect.bar.success[data-count='1']").first
        assert abs(float(two.get_attribute("height")) - 2 * float(one.get_attribute("height"))) < 0.05
        assert page.locator("#history-totals").inner_text() == (
            f"In this period: Done {totals['success']}, Skipped 0, Needs attention 1, Failed 0")

        page.select_option("#history-view", value="days")
        page.locator("#history-chart rect.bar.success[data-bucket$='T00:00:00+00:00']").first.wait_for()
        assert page.locator("#history-totals").inner_text().startswith(f"In this period: Done {totals['success']}")
        page.screenshot(path=str(tmp_path / "history.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'history.png'}")
        assert errors == []
    finally:
        page.close()
    assert ("GET", "/api/ops/history?view=days", 200) in ops_server.requests


def test_the_page_policy_is_unchanged_by_the_chart(ctx, ops_server):  # noqa: F811
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    response = httpx.get(f"{base}/api/ops/page", params={"code": MASTER_KEY})
    csp = response.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)[1]
    assert csp == CSP.format(n=nonce)
    assert re.search(r"\son[a-z]+\s*=", response.text) is None  # no inline event handlers
    assert "<svg" in response.text and "http://" not in response.text and "https://" not in response.text
