"""The status page's counts come from today's History counters, not from a scan of the sync log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableClient

from core.state import SyncLog, SyncStatus
from core.state.history import History
from functions import operations as fo
from tests.operations.conftest import http
from tests.operations.test_page import MASTER_KEY, ops_server  # noqa: F401 - fixture


@pytest.fixture
def no_table_scans(monkeypatch):
    def scan(self, *args, **kwargs):
        raise AssertionError(f"the status read every row of {self.table_name}")

    monkeypatch.setattr(TableClient, "list_entities", scan)


def test_status_counts_today_from_the_counters_without_scanning_the_sync_log(ctx, shop, no_table_scans):
    history = History(ctx.storage)
    now = datetime.now(UTC)
    for outcome in ("success", "success", "failed"):
        history.count("orders", shop, outcome, now)
    history.count("orders", shop, "success", now - timedelta(days=1))  # yesterday: not today's count
    # a sync-log row whose counter was never written (as for records finished before the counters existed)
    uncounted = SyncLog(ctx.storage)
    uncounted.counters.count = lambda *args: True
    uncounted.record("refunds", shop, "r-1", SyncStatus.SUCCESS, message="m")

    status, body = http(fo.ops_status)
    assert status == 200, body
    assert body["source"] == "history" and body["day"] == now.date().isoformat()
    assert body["by_shop"][shop] == {"success": 2, "failed": 1}
    assert [r for r in body["rows"] if r["shop"] == shop] == [
        {"flow": "orders", "shop": shop, "status": "success", "count": 2},
        {"flow": "orders", "shop": shop, "status": "failed", "count": 1}]
    assert set(body["by_status"]) == {"success", "skipped", "needs_attention", "failed"}  # outcomes, no "received"
    assert body["needs_attention"] == body["by_status"]["needs_attention"] + body["by_status"]["failed"]
    assert set(body["queues"]) >= {"orders-import"} and body["viewer"]["name"] == "master key"


def test_the_page_shows_today_per_flow_and_what_needs_attention_now(ctx, shop, unique_name, ops_server,  # noqa: F811
                                                                    browser, tmp_path):
    flow = f"flow-{unique_name}"  # a flow of its own: the other counts of today are other tests'
    history = History(ctx.storage)
    for outcome in ("success", "success", "success", "skipped", "failed"):
        history.count(flow, shop, outcome)
    SyncLog(ctx.storage).record("orders", shop, "needs-1", SyncStatus.NEEDS_ATTENTION, message="m", resolution="r")
    base = f"http://127.0.0.1:{ops_server.server_address[1]}"
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(15_000)
        page.goto(f"{base}/api/ops/page?code={MASTER_KEY}")
        row = page.locator("#counts tbody tr", has_text=flow)
        row.wait_for()
        assert row.locator("td").all_inner_texts() == [flow, "3", "1", "0", "1"]
        assert page.locator("#counts-day").inner_text() == datetime.now(UTC).date().isoformat()
        page.locator(f'#attention tr[data-shop="{shop}"]').wait_for()
        cards = dict(zip(page.locator("#summary .card div:nth-child(2)").all_inner_texts(),
                         page.locator("#summary .card .n").all_inner_texts(), strict=True))
        assert list(cards) == ["Needs attention now", "Done today", "Skipped today", "Failed today",
                               "Waiting in queues", "Stuck in poison queues"]
        assert int(cards["Needs attention now"]) == page.locator("#attention tbody tr").count() >= 1
        assert int(cards["Done today"]) >= 3 and int(cards["Failed today"]) >= 1
        page.screenshot(path=str(tmp_path / "today.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'today.png'}")
    finally:
        page.close()
