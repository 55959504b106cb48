"""BC usage on the status page: the BC client's attempts are tallied in memory and written to the History
counters with the next record that finishes (no scan), then read per hour / day by the history view and API.

The History table is shared by the tests and BC usage has no shop: tests that read today's usage compare
before and after; the others use days no other test writes to.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
from azure.core.exceptions import ServiceRequestError

from core.config import load_config
from core.ops_history import history_view
from core.state import SyncStatus
from core.state.history import BcUsage, History
from core.sync.context import Context
from functions import operations as fo
from tests.bc.fakes import COMPANY, bc_error, mock_client
from tests.operations.conftest import http

NOW = datetime(2027, 5, 4, 9, 40, tzinfo=UTC)


def _today(storage) -> dict[str, int]:
    today = datetime.now(UTC).date()
    days = History(storage).bc_days(today, today)
    return days[0].totals if days else Counter()


def test_requests_429s_and_budget_waits_are_written_when_a_record_finishes(app_storage, shop):
    answers = iter([bc_error(429, "Application_TooManyRequests", "Too many requests", {"Retry-After": "0.3"}),
                    httpx.Response(200, json={"id": "c1", "number": "10000"}),
                    httpx.Response(200, json={"id": "c2", "number": "20000"})])
    client, _ = mock_client(lambda request: next(answers))
    context = Context(config=None, storage=app_storage, bc_factory=lambda config: client)
    before = _today(app_storage)

    customers = context.bc.company(COMPANY)
    assert customers.get("customers", "c1")["number"] == "10000"  # a 429 (principal paused 0.3 s), then 200
    assert customers.get("customers", "c2")["number"] == "20000"
    assert _today(app_storage) == before  # tallied in memory only: nothing is written per request

    context.synclog.record("customers", shop, "c1", SyncStatus.SUCCESS, message="Imported.")
    after = _today(app_storage)
    assert after["bc_requests"] - before["bc_requests"] == 3
    assert after["bc_throttled"] - before["bc_throttled"] == 1
    waited_ms = after["bc_waited_ms"] - before["bc_waited_ms"]
    assert 250 <= waited_ms < 3000  # the retry waited for the paused principal's slot
    assert not context.bc_usage.pending()

    context.synclog.record("customers", shop, "c2", SyncStatus.SUCCESS, message="Imported.")
    assert _today(app_storage) == after  # nothing new to write: no second count of the same requests


def test_usage_that_cannot_be_written_is_kept_for_the_next_record(app_storage, monkeypatch):
    usage = BcUsage()
    hour = datetime(2027, 1, 2, 7, tzinfo=UTC)  # before the other tests' 90 days
    for status in (200, 429, 200):
        usage.add(status, 0.25, hour + timedelta(minutes=5))
    history = History(app_storage)

    def storage_down(*args):
        raise ServiceRequestError("connection refused")

    monkeypatch.setattr(history, "_increment", storage_down)
    assert history.add_bc_usage(usage) is False
    assert usage.pending()
    monkeypatch.undo()
    assert history.add_bc_usage(usage) is True
    day = history.bc_days(hour.date(), hour.date())[0]
    assert day.totals == {"bc_requests": 3, "bc_throttled": 1, "bc_waited_ms": 750}
    assert day.hours == {hour.hour: {"bc_requests": 3, "bc_throttled": 1, "bc_waited_ms": 750}}


def test_the_history_view_puts_bc_usage_in_the_same_buckets_as_the_records(app_storage, shop):
    usage = BcUsage()
    two_hours_ago = NOW.replace(minute=0) - timedelta(hours=2)
    for _ in range(40):
        usage.add(200, 0.0, two_hours_ago + timedelta(minutes=1))
    usage.add(429, 1.5, two_hours_ago + timedelta(minutes=2))
    usage.add(200, 2.0, NOW - timedelta(days=3))
    usage.add(200, 0.0, NOW - timedelta(days=8))  # outside the hourly view, inside the daily one
    history = History(app_storage)
    assert history.add_bc_usage(usage)
    history.count("orders", shop, "success", NOW)

    hours = history_view(app_storage, "hours", now=NOW, config=load_config())
    bc = hours["bc"]
    at = hours["buckets"].index(two_hours_ago.isoformat())
    assert (bc["requests"][at], bc["throttled"][at], bc["waited_s"][at]) == (41, 1, 1.5)
    assert len(bc["requests"]) == len(hours["buckets"]) == 168
    assert bc["totals"] == {"requests": 42, "throttled": 1, "waited_s": 3.5}
    config = load_config()
    assert bc["allowed_per_hour"] == 72_000 * len(config.bc.credentials)  # 6,000 per 5 minutes per principal
    assert all(s["flow"] != "" for s in hours["series"])  # BC rows are no flow series

    days = history_view(app_storage, "days", now=NOW)
    assert days["bc"]["totals"] == {"requests": 43, "throttled": 1, "waited_s": 3.5}
    assert days["bc"]["requests"][-1] == 41 and days["bc"]["requests"][-9] == 1
    assert days["bc"]["allowed_per_hour"] is None  # no config: the budget is not known


def test_the_history_api_answers_with_the_bc_usage(ctx):
    status, body = http(fo.ops_history, params={"view": "days"})
    assert status == 200
    assert set(body["bc"]) == {"requests", "throttled", "waited_s", "totals", "allowed_per_hour"}
    assert len(body["bc"]["requests"]) == 90 and body["bc"]["allowed_per_hour"] > 0
