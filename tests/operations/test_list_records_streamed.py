"""The records list reads the sync log as a stream and keeps only the newest `limit` (core/sync/operations.py):
an operator's list of successes must not hold a busy shop's whole sync log in memory."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from core.state.synclog import SyncRecord, SyncStatus
from core.sync import operations as ops

START = datetime(2026, 12, 1, tzinfo=UTC)


class StreamedLog:
    """A sync log of `n` successes, one history entry each, produced as the Table SDK pages them."""

    def __init__(self, n: int):
        self.n, self.queries = n, []

    def query(self, **filters):
        self.queries.append(filters)
        for i in range(self.n):
            yield SyncRecord("orders", "shop-a", f"gid://shopify/Order/{i}", SyncStatus.SUCCESS,
                             message="Imported as sales order " + str(100000 + i), updated_at=START + timedelta(
                                 seconds=(i * 7919) % self.n),  # not in time order, like Table key order
                             history=[{"at": START.isoformat(), "status": "success", "message": "x" * 200}])


def test_the_newest_records_come_first_and_only_they_are_held():
    log = StreamedLog(60_000)
    tracemalloc.start()
    try:
        newest = ops.list_records(SimpleNamespace(synclog=log), status="success", limit=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.updated_at for r in newest] == [START + timedelta(seconds=60_000 - 1 - k) for k in range(50)]
    assert log.queries == [{"flow": None, "shop": None, "status": "success", "updated_from": None,
                            "updated_to": None}]
    # 60,000 records of ~1 KB held at once would be ~60 MB; streamed, a few hundred KB
    assert peak < 5 * 1024 * 1024, peak
