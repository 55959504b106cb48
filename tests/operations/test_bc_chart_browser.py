"""The Business Central chart in headless Chromium: a week of generated BC usage, drawn next to the records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.state.history import BcUsage, History
from tests.operations.test_page import MASTER_KEY, ops_server  # noqa: F401 - fixture


def _a_week_of_bc_usage(storage, now: datetime) -> tuple[datetime, datetime]:
    """Three days ago a busy hour (5,000 requests, 40 of them refused with 429, 90 s waited); two days ago a
    quiet one (1,000 requests). Other tests only write BC usage in the current hour, never these."""
    busy = (now - timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    quiet = busy + timedelta(days=1)
    usage = BcUsage()
    for n in range(5000):
        usage.add(429 if n < 40 else 200, 0.018, busy + timedelta(minutes=10))
    for _ in range(1000):
        usage.add(200, 0.0, quiet + timedelta(minutes=10))
    assert History(storage).add_bc_usage(usage)
    return busy, quiet


def test_the_bc_chart_shows_requests_refusals_and_waits_per_hour(ctx, ops_server, browser, tmp_path):  # noqa: F811
    busy, quiet = _a_week_of_bc_usage(ctx.storage, datetime.now(UTC))
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page(viewport={"width": 1280, "height": 1100})
    try:
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}")
        chart = page.locator("#bc-chart")
        busy_bar = chart.locator(f"rect.bc-requests[data-bucket='{busy.isoformat()}']")
        busy_bar.wait_for()
        assert busy_bar.get_attribute("data-count") == "5000"
        quiet_bar = chart.locator(f"rect.bc-requests[data-bucket='{quiet.isoformat()}']")
        assert abs(float(busy_bar.get_attribute("height")) - 5 * float(quiet_bar.get_attribute("height"))) < 0.05
        refused = chart.locator(f"rect.bc-throttled[data-bucket='{busy.isoformat()}']")
        assert refused.get_attribute("data-count") == "40"
        assert chart.locator(f"rect.bc-throttled[data-bucket='{quiet.isoformat()}']").count() == 0
        assert busy_bar.locator("title").text_content() == (
            f"{busy:%Y-%m-%d %H}:00 UTC · 5,000 requests, 40 refused (429), waited 90 s for the budget")
        line = chart.locator("polyline.bc-waited")
        assert len(line.get_attribute("points").split()) == 168  # one point per hour of the week
        assert page.locator("#bc-totals").inner_text().startswith("In this period: ")
        assert "requests per hour with its configured credentials" in page.locator("#bc-allowed").inner_text()

        page.select_option("#history-view", value="days")
        day = busy.replace(hour=0)
        chart.locator(f"rect.bc-requests[data-bucket='{day.isoformat()}']").wait_for()
        assert chart.locator(f"rect.bc-requests[data-bucket='{day.isoformat()}']").get_attribute(
            "data-count") == "5000"
        assert "requests per day" in page.locator("#bc-allowed").inner_text()
        page.select_option("#history-view", value="hours")
        busy_bar.wait_for()
        page.locator("#bc-chart").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "bc-chart.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'bc-chart.png'}")
        assert errors == []
    finally:
        page.close()
