"""History counters (core/state/history.py) and the chart's view of them (core/ops_history.py), on Azurite.

The History table is shared by the tests: each test counts under its own shop key, and reads its own series.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from core.ops_history import UnknownView, history_view, prune_history
from core.state import SyncLog, SyncStatus
from core.state.history import OUTCOMES, History
from functions import operations as fo
from tests.operations.conftest import http

NOW = datetime(2026, 3, 10, 14, 25, tzinfo=UTC)


def _series(view: dict, shop: str, flow: str = "orders") -> dict[str, list[int]]:
    found = [s for s in view["series"] if s["shop"] == shop and s["flow"] == flow]
    assert len(found) == 1, view["series"]
    return found[0]["counts"]


def _at(view: dict, when: datetime) -> int:
    return view["buckets"].index(when.isoformat())


def test_counts_land_in_the_hour_and_day_they_were_recorded_across_midnight(app_storage, shop):
    history = History(app_storage)
    before_midnight = datetime(2026, 3, 9, 23, 59, 59, 999000, tzinfo=UTC)
    midnight = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    history.count("orders", shop, "success", before_midnight)
    history.count("orders", shop, "success", before_midnight)
    history.count("orders", shop, "needs_attention", midnight)
    history.count("orders", shop, "success", NOW)
    history.count("refunds", shop, "failed", NOW)

    hours = history_view(app_storage, "hours", now=NOW)
    assert len(hours["buckets"]) == 7 * 24 and hours["buckets"][-1] == NOW.replace(minute=0).isoformat()
    counts = _series(hours, shop)
    assert counts["success"][_at(hours, before_midnight.replace(minute=0, second=0, microsecond=0))] == 2
    assert counts["needs_attention"][_at(hours, midnight)] == 1
    assert counts["success"][_at(hours, midnight)] == 0
    assert counts["success"][-1] == 1
    assert sum(counts["success"]) == 3 and sum(counts["failed"]) == 0
    assert _series(hours, shop, "refunds")["failed"][-1] == 1

    days = history_view(app_storage, "days", now=NOW)
    assert len(days["buckets"]) == 90 and days["buckets"][-1] == "2026-03-10T00:00:00+00:00"
    counts = _series(days, shop)
    assert (counts["success"][-2], counts["success"][-1], counts["needs_attention"][-1]) == (2, 1, 1)


def test_the_hourly_view_ends_168_hours_back_and_the_daily_one_90_days_back(app_storage, shop):
    history = History(app_storage)
    first_hour = NOW.replace(minute=0) - timedelta(hours=167)
    history.count("orders", shop, "skipped", first_hour)
    history.count("orders", shop, "skipped", first_hour - timedelta(minutes=1))  # same day, one hour too old
    history.count("orders", shop, "skipped", datetime(2025, 12, 11, 8, tzinfo=UTC))  # 90th day back
    history.count("orders", shop, "skipped", datetime(2025, 12, 10, 23, tzinfo=UTC))  # 91st

    hours = history_view(app_storage, "hours", now=NOW)
    assert hours["buckets"][0] == first_hour.isoformat()
    assert _series(hours, shop)["skipped"][0] == 1 and sum(_series(hours, shop)["skipped"]) == 1
    days = history_view(app_storage, "days", now=NOW)
    assert days["buckets"][0] == "2025-12-11T00:00:00+00:00"
    assert _series(days, shop)["skipped"][0] == 1 and sum(_series(days, shop)["skipped"]) == 3


def test_recording_an_outcome_counts_it_and_received_or_a_note_does_not(app_storage, shop):
    synclog = SyncLog(app_storage)
    started = datetime.now(UTC)
    synclog.record("orders", shop, "o-1", SyncStatus.RECEIVED)
    synclog.record("orders", shop, "o-1", SyncStatus.NEEDS_ATTENTION, message="m", resolution="r")
    synclog.record("orders", shop, "o-1", SyncStatus.RECEIVED, message="queued again")
    synclog.record("orders", shop, "o-1", SyncStatus.SUCCESS, bc_document="salesOrders 101")
    synclog.record("orders", shop, "o-1", SyncStatus.SKIPPED, unless_settled_since=started)  # a loser: a note
    synclog.note("orders", shop, "o-1", "duplicate delivery")

    view = history_view(app_storage, "hours")
    totals = next(s["totals"] for s in view["series"] if s["shop"] == shop)
    assert totals == {"success": 1, "skipped": 0, "needs_attention": 1, "failed": 0}


def test_workers_counting_at_the_same_moment_lose_no_count(app_storage, shop, monkeypatch):
    history = History(app_storage)
    results: list[bool] = []
    writes = []
    increment = History._increment

    def counted_increment(self, *args):
        writes.append(increment(self, *args))
        return writes[-1]

    monkeypatch.setattr(History, "_increment", counted_increment)

    def worker():
        for _ in range(10):
            results.append(history.count("stock", shop, "success", NOW))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 160 and all(results)
    assert _series(history_view(app_storage, "hours", now=NOW), shop, "stock")["success"][-1] == 160
    # one process never races itself: no write meets a conflict, and counts arriving while one is being
    # written ride on the next (group commit), so there are at most as many writes as counts
    assert all(writes) and len(writes) <= 160


def _count_in_another_process(connection_string: str, shop: str, n: int) -> list[bool]:
    from core.state import Storage

    history = History(Storage(connection_string=connection_string))
    return [history.count("stock", shop, "success", NOW) for _ in range(n)]


def test_processes_counting_at_the_same_moment_lose_no_count(azurite, app_storage, shop):
    """Processes share no lock: the ETag guard, the shards and the pauses after a conflict keep every count."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(4) as pool:
        outcomes = pool.starmap(_count_in_another_process, [(azurite.connection_string, shop, 25)] * 4)
    assert [len(o) for o in outcomes] == [25] * 4 and all(all(o) for o in outcomes)
    assert _series(history_view(app_storage, "hours", now=NOW), shop, "stock")["success"][-1] == 100


def test_a_count_that_cannot_be_stored_is_dropped_not_raised(azurite, shop, caplog):
    from core.state import Storage

    nowhere = Storage(connection_string=azurite.connection_string)
    assert History(nowhere, table="NoSuchHistoryTable").count("orders", shop, "success") is False
    assert "history_count_lost" in caplog.text
    assert History(nowhere).count("orders", shop, "received") is False  # not an outcome


def test_retention_keeps_90_days_of_counters(app_storage, shop):
    history = History(app_storage)
    today = datetime(2019, 6, 1, 12, tzinfo=UTC)
    kept, gone = today - timedelta(days=89), today - timedelta(days=90)
    for when in (today, kept, gone):
        history.count("orders", shop, "success", when)
    assert prune_history(app_storage, now=today) >= 1
    left = {d.day for d in history.days(gone.date(), today.date()) if d.shop == shop}
    assert left == {today.date(), kept.date()}


def test_the_admin_api_serves_the_history_and_refuses_an_unknown_view(ctx, shop):
    SyncLog(ctx.storage).record("payouts", shop, "po_1", SyncStatus.SUCCESS)
    status, body = http(fo.ops_history, params={"view": "days"})
    assert status == 200 and body["outcomes"] == list(OUTCOMES)
    assert _series(body, shop, "payouts")["success"][-1] == 1
    status, body = http(fo.ops_history, params={"view": "minutes"})
    assert status == 400 and "view must be one of" in body["error"]
    with pytest.raises(UnknownView):
        history_view(ctx.storage, "weeks")


def test_without_the_history_table_the_api_says_what_to_deploy(ctx, monkeypatch):
    monkeypatch.setattr("core.ops_history.History", lambda storage: History(storage, table="NoSuchHistoryTable"))
    status, body = http(fo.ops_history)
    assert status == 503 and "deploy the infra" in body["error"]
