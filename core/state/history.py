"""History: how many records of each flow and shop ended in each outcome, per hour and per day.

Counted as outcomes are recorded (SyncLog.record calls `count`), so the status page's chart reads a few
hundred small rows instead of scanning the sync log. Why counters written on the way and not an aggregation
a timer computes from the sync log: a SyncLog row holds only a record's latest state, so a record that needed
attention and then succeeded between two timer runs would only ever count as a success, and finding what
changed since the last run means a full scan (UpdatedAt is not a key). A counter is one more small write per
outcome instead.

Layout (table History): PartitionKey = the UTC day (`2026-12-03`), RowKey = `<flow>|<shop>|<shard>`; each row
holds the day's total per outcome (`success`, …) and the hour's (`h07_success`, …). One write updates both, so
the hourly and daily views always agree. Within a process, counts for the same row family are written by
one thread at a time and coalesced (a group commit: a thread that finds its count already carried by the
write that just finished returns at once), so a process never races itself however many records finish at
the same moment. Between processes, increments are read-modify-write guarded by the row's ETag; on a
conflict the next try picks another of SHARDS rows after a short random pause that doubles with each conflict
(capped), so instances finishing records at the same moment spread out instead of colliding again in step. The
writer remembers each row it wrote as it left it (values and the ETag the write answered): the next increment of
that row is a single ETag-guarded MERGE without reading it first, and the row it knows is tried first. Anyone
else's write changes the ETag, so a stale memory only costs a refused MERGE (the row is then read again). A
count that still cannot be written is logged and dropped: the chart is for seeing trends, and a lost count
must never turn a processed order into a failure.

BC usage (the status page's Business Central chart) lives in the same table and day partitions, in rows
`_bc|<shard>` (property Kind = "bc", no Flow or Shop): per day and hour, the requests sent, the 429 answers
and the milliseconds spent waiting for the request budget (`bc_requests`, `h07_bc_requests`, …). The BC
client tallies its attempts in memory (BcUsage, through its on_attempt hook); SyncLog writes the tally with
the outcome count of the next record that finishes, so the cost is one more small write per finished record
that used BC, never a scan. Requests of a process that then finishes no record before it stops are lost.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
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
WRITE_TRIES = 12
BACKOFF_S = 0.004  # the first pause after a conflict is up to this long; it doubles per conflict
BACKOFF_CAP_S = 0.25  # no single pause is longer (all twelve tries: well under two seconds)
HOURLY_DAYS = 7  # the hourly view
RETENTION_DAYS = 90  # the daily view; older days are pruned (prune)


# What the BC chart counts, per hour and day: requests sent (every attempt, retries included), answers 429
# (BC's "too many requests"), and milliseconds spent waiting for the request budget before sending.
BC_MEASURES = ("bc_requests", "bc_throttled", "bc_waited_ms")
BC_KIND = "bc"
BC_ROW = "_bc"


class _Queue:
    """Counts of this process waiting for one History row family (a day's `<row prefix>|<shard>` rows).

    `writer` lets one thread write at a time; `deltas` collects what arrives meanwhile. Flushes are numbered:
    a count queued when `flushes` was n rides on flush n, whose outcome `outcomes` keeps (the last few).
    `known` (touched only by the writer): row key → (ETag, properties) of the rows this process wrote last."""

    def __init__(self) -> None:
        self.writer = threading.Lock()
        self.deltas: Counter = Counter()
        self.flushes = 0
        self.outcomes: dict[int, bool | str] = {}
        self.known: dict[str, tuple[str, dict[str, int]]] = {}


_QUEUES: dict[tuple[str, str, str, str], _Queue] = {}
_QUEUES_GUARD = threading.Lock()  # guards _QUEUES and every queue's deltas and flushes (held only briefly)
_OUTCOMES_KEPT = 1024


def hour_property(hour: int, outcome: str) -> str:
    return f"h{hour:02d}_{outcome}"


class BcUsage:
    """BC requests of this process not yet written to History, per UTC hour. Fed by the BC client's
    on_attempt hook (core/bc/client.py), emptied by History.add_bc_usage. Memory only: safe to drop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hours: dict[datetime, Counter] = {}

    def add(self, status: int | str, waited_s: float, at: datetime | None = None) -> None:
        """One attempt: its HTTP status (or "error:…") and the seconds it waited for the budget."""
        hour = (at or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        with self._lock:
            tally = self._hours.setdefault(hour, Counter())
            tally["bc_requests"] += 1
            tally["bc_throttled"] += 1 if status == 429 else 0
            tally["bc_waited_ms"] += max(0, round(waited_s * 1000))

    def take(self) -> dict[datetime, Counter]:
        with self._lock:
            taken, self._hours = self._hours, {}
        return taken

    def give_back(self, hours: dict[datetime, Counter]) -> None:
        with self._lock:
            for hour, tally in hours.items():
                self._hours.setdefault(hour, Counter()).update(tally)

    def pending(self) -> bool:
        with self._lock:
            return bool(self._hours)


@dataclass(frozen=True)
class BcDay:
    """BC usage on one UTC day: totals per measure (BC_MEASURES) and the per-hour split."""

    day: date
    totals: dict[str, int]
    hours: dict[int, dict[str, int]]


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
        added = self._add(at.date().isoformat(), f"{flow}|{shop}", {"Flow": flow, "Shop": shop},
                          {outcome: 1, hour_property(at.hour, outcome): 1})
        if added is not True:
            log.warning("history_count_lost flow=%s shop=%s outcome=%s error=%s", flow, shop, outcome, added)
        return added is True

    def add_bc_usage(self, usage: BcUsage) -> bool:
        """Write what `usage` tallied (and empty it). What cannot be written goes back to be tried with the
        next record; False then (logged)."""
        hours = usage.take()
        for hour in sorted(hours):
            tally = hours[hour]
            deltas = {m: int(tally[m]) for m in BC_MEASURES if tally[m]}
            deltas.update({hour_property(hour.hour, m): n for m, n in list(deltas.items())})
            added = self._add(hour.date().isoformat(), BC_ROW, {"Kind": BC_KIND}, deltas)
            if added is not True:
                usage.give_back({h: hours[h] for h in hours if h >= hour})
                log.warning("history_bc_usage_deferred hour=%s error=%s", hour.isoformat(), added)
                return False
        return True

    def _add(self, day: str, row_prefix: str, fixed: dict, deltas: dict[str, int]) -> bool | str:
        """Add `deltas` to the History row family `<row_prefix>|<shard>` of `day`; True, or why not.

        Group commit: the deltas join this process's queue for that family; whichever thread holds the
        family's writer lock writes everything queued in one increment."""
        key = (self.client.url, self.client.table_name, day, row_prefix)
        with _QUEUES_GUARD:
            queue = _QUEUES.get(key)
            if queue is None:
                _forget_idle_queues(day)
                queue = _QUEUES[key] = _Queue()
            queue.deltas.update(deltas)
            ticket = queue.flushes
        with queue.writer:
            with _QUEUES_GUARD:
                if queue.flushes > ticket:  # the write that held the lock before us carried our deltas
                    return queue.outcomes.get(ticket, "outcome forgotten")
                taken, queue.deltas = dict(queue.deltas), Counter()
                queue.flushes += 1
            outcome = self._write(day, row_prefix, fixed, taken, queue.known)
            with _QUEUES_GUARD:
                queue.outcomes[ticket] = outcome
                queue.outcomes.pop(ticket - _OUTCOMES_KEPT, None)
            return outcome

    def _write(self, day: str, row_prefix: str, fixed: dict, deltas: dict[str, int],
               known: dict[str, tuple[str, dict[str, int]]]) -> bool | str:
        """Add `deltas` to one of the SHARDS rows `<row_prefix>|<shard>` of `day`; True, or why not.
        A row this process wrote last (in `known`) is tried first: its increment needs no read."""
        rows = [table_key(f"{row_prefix}|{shard}") for shard in random.sample(range(SHARDS), SHARDS)]
        rows.sort(key=lambda row: row not in known)  # stable: the known row first, the others in random order
        try:
            for attempt in range(WRITE_TRIES):
                if self._increment(day, rows[attempt % SHARDS], fixed, deltas, known):
                    return True
                time.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_S * 2**attempt)))
        except AzureError as exc:  # storage trouble: the record itself was written, only the chart misses it
            return type(exc).__name__
        return "contention"

    def _increment(self, day: str, row: str, fixed: dict, deltas: dict[str, int],
                   known: dict[str, tuple[str, dict[str, int]]]) -> bool:
        """One ETag-guarded increment of one row; False on a conflict. `known` is updated with what was written."""
        remembered = known.pop(row, None)
        if remembered is not None:
            etag, counts = remembered
        else:
            try:
                entity = self.client.get_entity(day, row)
            except ResourceNotFoundError:
                try:
                    meta = self.client.create_entity({"PartitionKey": day, "RowKey": row, **fixed, **deltas})
                except ResourceExistsError:
                    return False
                known[row] = (meta["etag"], dict(deltas))
                return True
            etag, counts = entity.metadata["etag"], {name: v for name, v in entity.items() if isinstance(v, int)}
        counts = {**counts, **{name: counts.get(name, 0) + n for name, n in deltas.items()}}
        try:
            meta = self.client.update_entity({"PartitionKey": day, "RowKey": row, **{n: counts[n] for n in deltas}},
                                             mode=UpdateMode.MERGE, etag=etag,
                                             match_condition=MatchConditions.IfNotModified)
        except (ResourceModifiedError, ResourceNotFoundError):
            return False  # someone else wrote it (or pruned it): forgotten, read again when next tried
        known[row] = (meta["etag"], counts)
        return True

    def days(self, first: date, last: date, *, hourly: bool = True) -> list[DayCounts]:
        """The counts of every flow and shop for the UTC days first..last (inclusive), shards summed.
        `hourly=False` reads the day totals only (the 90-day view reads no hour properties)."""
        select = None if hourly else ["PartitionKey", "Kind", "Flow", "Shop", *OUTCOMES]
        entities = self.client.query_entities("PartitionKey ge @first and PartitionKey le @last",
                                              parameters={"first": first.isoformat(), "last": last.isoformat()},
                                              select=select)
        return list(_merge(e for e in entities if e.get("Kind") != BC_KIND))

    def bc_days(self, first: date, last: date, *, hourly: bool = True) -> list[BcDay]:
        """BC usage for the UTC days first..last (inclusive), shards summed; days without requests absent."""
        select = None if hourly else ["PartitionKey", *BC_MEASURES]
        entities = self.client.query_entities(
            "PartitionKey ge @first and PartitionKey le @last and Kind eq @kind",
            parameters={"first": first.isoformat(), "last": last.isoformat(), "kind": BC_KIND}, select=select)
        merged: dict[str, BcDay] = {}
        for entity in entities:
            day = merged.setdefault(entity["PartitionKey"], BcDay(date.fromisoformat(entity["PartitionKey"]),
                                                                  dict.fromkeys(BC_MEASURES, 0), {}))
            for measure in BC_MEASURES:
                day.totals[measure] += int(entity.get(measure) or 0)
            for name, value in entity.items():
                hour, measure = _hour_split(name)
                if measure in BC_MEASURES:
                    day.hours.setdefault(hour, dict.fromkeys(BC_MEASURES, 0))[measure] += int(value or 0)
        return [merged[key] for key in sorted(merged)]

    def prune(self, now: datetime | None = None, days: int = RETENTION_DAYS) -> int:
        """Delete the rows of days older than `days` days before `now`; returns how many rows went."""
        cutoff = ((now or datetime.now(UTC)).astimezone(UTC).date() - timedelta(days=days - 1)).isoformat()
        deleted = 0
        for entity in self.client.query_entities("PartitionKey lt @cutoff", parameters={"cutoff": cutoff},
                                                 select=["PartitionKey", "RowKey"]):
            self.client.delete_entity(entity["PartitionKey"], entity["RowKey"])
            deleted += 1
        return deleted


def _forget_idle_queues(today: str) -> None:
    """Drop the queues of earlier days that hold nothing and are not being written (caller holds the guard),
    so a long-running process keeps a day or two of queues, not every day it has seen."""
    for key in [k for k, q in _QUEUES.items() if k[2] < today and not q.deltas and not q.writer.locked()]:
        del _QUEUES[key]


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
            hour, outcome = _hour_split(name)
            if outcome in OUTCOMES:
                per_hour = found.hours.setdefault(hour, dict.fromkeys(OUTCOMES, 0))
                per_hour[outcome] += int(value or 0)
    yield from merged.values()


def _hour_split(name: str) -> tuple[int, str]:
    """`h07_success` → (7, "success"); anything else → (-1, "")."""
    if len(name) > 4 and name[0] == "h" and name[1:3].isdigit() and name[3] == "_":
        return int(name[1:3]), name[4:]
    return -1, ""
