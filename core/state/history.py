"""History: how many records of each flow and shop ended in each outcome, per hour and per day.

Counted as outcomes are recorded (SyncLog.record calls `count`), so the status page's chart reads a few
hundred small rows instead of scanning the sync log. Why counters written on the way and not an aggregation
a timer computes from the sync log: a SyncLog row holds only a record's latest state, so a record that needed
attention and then succeeded between two timer runs would only ever count as a success, and finding what
changed since the last run means a full scan (UpdatedAt is not a key). A counter is one more small write per
outcome instead.

Layout (table History): PartitionKey = the UTC day (`2026-12-03`), RowKey = `<flow>|<shop>|<shard>`; each row
holds the day's total per outcome (`success`, …) and the hour's (`h07_success`, …). One write updates both, so
the hourly and daily views always agree. Increments are read-modify-write guarded by the row's ETag; on a
conflict the next try picks another of SHARDS rows, so workers finishing records at the same moment rarely
collide twice. A count that still cannot be written is logged and dropped: the chart is for seeing trends,
and a lost count must never turn a processed order into a failure.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from azure.core import MatchConditions
from azure.core.exceptions import AzureError, ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from core.state import names
from core.state.storage import Storage, table_key

log = logging.getLogger("core.state.history")

# What the chart counts: how records ended. `received` (stored and queued) is not an outcome.
OUTCOMES = ("success", "skipped", "needs_attention", "failed")
SHARDS = 4
WRITE_TRIES = 8
HOURLY_DAYS = 7  # the hourly view
RETENTION_DAYS = 90  # the daily view; older days are pruned (prune)


def hour_property(hour: int, outcome: str) -> str:
    return f"h{hour:02d}_{outcome}"


@dataclass(frozen=True)
class DayCounts:
    """One flow and shop on one UTC day: totals per outcome and the per-hour split."""

    day: date
    flow: str
    shop: str
    totals: dict[str, int]
    hours: dict[int, dict[str, int]]  # hour (0-23) → outcome → count; hours without records are absent


class History:
    def __init__(self, storage: Storage, table: str = names.HISTORY):
        self.client: TableClient = storage.table(table)

    def count(self, flow: str, shop: str, outcome: str, at: datetime | None = None) -> bool:
        """Add one `outcome` at `at` (UTC; default now). False when the count was dropped (logged)."""
        if outcome not in OUTCOMES:
            return False
        at = (at or datetime.now(UTC)).astimezone(UTC)
        day, hour_key = at.date().isoformat(), hour_property(at.hour, outcome)
        shards = random.sample(range(SHARDS), SHARDS)
        try:
            for attempt in range(WRITE_TRIES):
                row = table_key(f"{flow}|{shop}|{shards[attempt % SHARDS]}")
                if self._increment(day, row, flow, shop, outcome, hour_key):
                    return True
        except AzureError as exc:  # storage trouble: the record itself was written, only the chart misses it
            log.warning("history_count_lost flow=%s shop=%s outcome=%s error=%s", flow, shop, outcome,
                        type(exc).__name__)
            return False
        log.warning("history_count_lost flow=%s shop=%s outcome=%s error=contention", flow, shop, outcome)
        return False

    def _increment(self, day: str, row: str, flow: str, shop: str, outcome: str, hour_key: str) -> bool:
        try:
            entity = self.client.get_entity(day, row)
        except ResourceNotFoundError:
            try:
                self.client.create_entity({"PartitionKey": day, "RowKey": row, "Flow": flow, "Shop": shop,
                                           outcome: 1, hour_key: 1})
                return True
            except ResourceExistsError:
                return False
        change = {"PartitionKey": day, "RowKey": row, outcome: int(entity.get(outcome) or 0) + 1,
                  hour_key: int(entity.get(hour_key) or 0) + 1}
        try:
            self.client.update_entity(change, mode=UpdateMode.MERGE, etag=entity.metadata["etag"],
                                      match_condition=MatchConditions.IfNotModified)
        except (ResourceModifiedError, ResourceNotFoundError):
            return False
        return True

    def days(self, first: date, last: date, *, hourly: bool = True) -> list[DayCounts]:
        """The counts of every flow and shop for the UTC days first..last (inclusive), shards summed.
        `hourly=False` reads the day totals only (the 90-day view reads no hour properties)."""
        select = None if hourly else ["PartitionKey", "Flow", "Shop", *OUTCOMES]
        entities = self.client.query_entities("PartitionKey ge @first and PartitionKey le @last",
                                              parameters={"first": first.isoformat(), "last": last.isoformat()},
                                              select=select)
        return list(_merge(entities))

    def prune(self, now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
        """Delete the rows of days older than `days` days before `now`; returns how many rows went."""
        cutoff = ((now or datetime.now(UTC)).astimezone(UTC).date() - timedelta(days=days - 1)).isoformat()
        deleted = 0
        for entity in self.client.query_entities("PartitionKey lt @cutoff", parameters={"cutoff": cutoff},
                                                 select=["PartitionKey", "RowKey"]):
            self.client.delete_entity(entity["PartitionKey"], entity["RowKey"])
            deleted += 1
        return deleted


def _merge(entities: Iterable) -> Iterator[DayCounts]:
    merged: dict[tuple[str, str, str], DayCounts] = {}
    for entity in entities:
        key = (entity["PartitionKey"], entity.get("Flow", ""), entity.get("Shop", ""))
        found = merged.get(key)
        if found is None:
            found = merged[key] = DayCounts(date.fromisoformat(key[0]), key[1], key[2], dict.fromkeys(OUTCOMES, 0),
                                            {})
        for outcome in OUTCOMES:
            found.totals[outcome] += int(entity.get(outcome) or 0)
        for name, value in entity.items():
            if len(name) > 4 and name[0] == "h" and name[1:3].isdigit() and name[3] == "_" and name[4:] in OUTCOMES:
                per_hour = found.hours.setdefault(int(name[1:3]), dict.fromkeys(OUTCOMES, 0))
                per_hour[name[4:]] += int(value or 0)
    yield from merged.values()
