"""Filters of the record list and search: shop, flow, state and a time window (from / to), through the admin API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from azure.data.tables import UpdateMode
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core.state import SyncLog, SyncStatus
from core.state.storage import table_key
from functions import operations as fo
from tests.operations.conftest import http, received_order

RECORDS = {  # external id: (flow, status, last change)
    "A-1001": ("orders", SyncStatus.SUCCESS, datetime(2026, 11, 1, 10, 0, tzinfo=UTC)),
    "B-1002": ("orders", SyncStatus.NEEDS_ATTENTION, datetime(2026, 11, 5, 12, 0, tzinfo=UTC)),
    "C-1003": ("refunds", SyncStatus.SUCCESS, datetime(2026, 11, 5, 23, 59, tzinfo=UTC)),
    "D-1004": ("orders", SyncStatus.SUCCESS, datetime(2026, 11, 6, 0, 0, tzinfo=UTC)),
}


@pytest.fixture
def dated(ctx, shop):
    """Four records of one shop with the same e-mail, their last change set back to the times above."""
    synclog = SyncLog(ctx.storage)
    for external_id, (flow, status, at) in RECORDS.items():
        raw = json.dumps({"id": external_id, "email": "filter.me@example.com"}).encode()
        received_order(ctx, shop, external_id, raw, flow=flow)
        synclog.record(flow, shop, external_id, status, message="m")
        synclog.client.update_entity({"PartitionKey": table_key(flow), "RowKey": table_key(f"{shop}|{external_id}"),
                                      "UpdatedAt": at}, mode=UpdateMode.MERGE)
    return shop


def _ids(route, **params) -> list[str]:
    status, body = http(route, params={k.rstrip("_"): v for k, v in params.items()})
    assert status == 200, body
    return sorted(r["external_id"] for r in body["records"])


@pytest.mark.parametrize("route", [fo.ops_records, fo.ops_search], ids=["list", "search"])
def test_records_are_filtered_by_time_shop_flow_and_state(dated, route):
    q = {"q": "filter.me@example.com"} if route is fo.ops_search else {}
    shop = dated
    assert _ids(route, shop=shop, **q) == ["A-1001", "B-1002", "C-1003", "D-1004"]
    assert _ids(route, shop=shop, from_="2026-11-05", **q) == ["B-1002", "C-1003", "D-1004"]
    assert _ids(route, shop=shop, from_="2026-11-05", to="2026-11-05", **q) == ["B-1002", "C-1003"]  # the whole day
    assert _ids(route, shop=shop, to="2026-11-04", **q) == ["A-1001"]
    assert _ids(route, shop=shop, from_="2026-11-05T12:30", to="2026-11-06T00:00Z", **q) == ["C-1003"]
    assert _ids(route, shop=shop, from_="2026-11-05T13:30+01:00", **q) == ["C-1003", "D-1004"]  # 12:30 UTC
    assert _ids(route, shop=shop, flow="orders", from_="2026-11-05", **q) == ["B-1002", "D-1004"]
    assert _ids(route, shop=shop, status="success", from_="2026-11-05", **q) == ["C-1003", "D-1004"]
    assert _ids(route, shop=f"{shop}-other", from_="2026-11-05", **q) == []


@pytest.mark.parametrize(("params", "error"), [
    ({"from": "5 November"}, "from must be a date (2026-12-03) or a date and time"),
    ({"to": "2026-13-01"}, "to must be a date"),
    ({"from": "2026-11-06", "to": "2026-11-05"}, "from (2026-11-06) must be before to (2026-11-05)"),
])
def test_an_unreadable_time_window_is_refused_with_what_to_write(ctx, params, error):
    for route, extra in ((fo.ops_records, {}), (fo.ops_search, {"q": "x"})):
        status, body = http(route, params={**params, **extra})
        assert status == 400 and body["error"].startswith(error)


@settings(max_examples=400, deadline=None)
@example(None, "9999-12-31")
@example("0001-01-01T00:00+01:00", None)
@given(st.one_of(st.none(), st.text(max_size=45), st.dates().map(str),
                 st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())),
       st.one_of(st.none(), st.text(max_size=45), st.dates().map(str)))
def test_any_from_and_to_give_a_window_or_a_400(start, end):
    """Unreadable or out-of-range values (9999-12-31 as `to`, year 1 east of UTC) are a 400, never a 500."""
    from core.ops_search import time_window
    from core.sync.operations import OperationError

    try:
        since, until = time_window(start, end)
    except OperationError as exc:
        assert exc.status == 400
    else:
        assert since is None or since.tzinfo is not None
        assert until is None or until.tzinfo is not None
