"""BC's per-principal limits shared by every instance of the app, kept in Azure Table storage.

BC counts requests per principal, not per process: two instances each holding to 5 concurrent and
6,000 per 5 minutes together send 10 and 12,000, and BC answers 429. This module keeps one budget per
principal in the storage account all instances already share, so N instances together stay inside BC's
limits. It is opt-in (setting `BC_SHARED_BUDGET=true`, see docs/scale-out.md): a single instance needs
no storage round-trips for its BC budget, and every existing install and test keeps the purely local
limiter unless it asks for this.

Table `BcBudget`, partition = principal name, rows:

- `window`: the sliding window as a list of chunks `[chunk id, tokens, until]`. An instance takes tokens
  in chunks (ETag compare-and-swap on this row), then spends them locally without a round-trip. A chunk's
  tokens may be used until `until`; it counts against the window until `until + window + margin`, so it
  expires only after BC's own window has let go of every request sent with it. When the instance takes
  its next chunk it rewrites its previous one in the same write: one closed entry per 1/60 of the window
  in which it sent some of the chunk, `tokens` = how many it sent then, `until` = the end of that 1/60
  (no earlier than they were sent; entries of the same 1/60 merge, so the row stays small). So unused
  tokens go back at once, and a used token counts for the window plus at most 1/60 of it plus the margin,
  not from the moment its chunk closed. A dead instance's chunk simply expires.
- `slot-0` .. `slot-{concurrency-1}`: concurrency slots as expiring leases (`owner`, `lease_until`, ETag
  compare-and-swap). An instance holds a slot for up to `hold_s` while it has work, renews its lease while
  a request on it runs, and gives it back when idle. `lease_s` is the promise: a dead instance's slots are
  in use again within `lease_s` of its death. Every stamp it wrote ends at most `lease_s - takeover_s` after
  that write, and an instance waiting for a slot wakes at the exact end of the earliest foreign stamp it
  read (not at its next poll), so `takeover_s` is left for that wake-up and the two storage calls that take
  the slot. A live instance renews every heartbeat (`lease_s / 4`) while it has a request running, so it
  keeps its slot through a stall of up to `lease_s - takeover_s - lease_s / 4`.

Times are wall-clock seconds (instances compare each other's stamps); `margin_s` covers clock skew
between instances and the moment between admission and BC receiving the request.
"""

from __future__ import annotations

import json
import logging
import math
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from core.state import names
from core.state.storage import table_key

log = logging.getLogger(__name__)

TABLE = names.BC_BUDGET
SETTING = "BC_SHARED_BUDGET"  # "true": BC's limits are shared through storage (docs/scale-out.md)
WINDOW_ROW = "window"

_CONFLICT = (ResourceModifiedError, ResourceExistsError, ResourceNotFoundError)


def enabled(settings) -> bool:
    return str(settings.get(SETTING, "")).strip().lower() in ("1", "true", "yes")


@dataclass
class _Slot:
    row: str
    etag: str
    taken_at: float
    lease_until: float
    renewing: bool = False  # a renewal is in flight (outside the lock): not given back meanwhile


@dataclass
class _Chunk:
    id: str
    granted: int
    until: float
    used: int = 0
    sent: dict[float, int] = field(default_factory=dict)  # tokens used per 1/60 of the window (its end)


@dataclass
class SharedPrincipalBudget:
    """One principal's share of BC's limits in this process. Thread-safe (its own lock).

    `wait_time` / `admit` / `release` mirror `PrincipalLimiter`, which the pool asks first; this one adds
    what the other instances use.
    """

    table: TableClient
    principal: str
    rate_limit: int
    rate_window_s: float
    concurrency: int
    chunk: int | None = None  # tokens per storage round-trip; default: 1/30 of the window, at most 50
    chunk_lifetime_s: float = 5.0  # tokens of a chunk must be used within this, else they go back
    lease_s: float = 15.0  # a dead instance's slots are in use again within this (see the module docstring)
    takeover_s: float | None = None  # part of lease_s left for the take-over; default min(1 s, lease_s / 5)
    hold_s: float = 5.0  # an instance gives a slot back after this, so others get their turn
    margin_s: float = 1.0
    poll_s: float = 0.2  # how often to look again for a slot or tokens another instance holds
    clock: Callable[[], float] = time.time
    owner: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def __post_init__(self):
        if self.chunk is None:
            # small enough that instances share the window fairly and a dead instance's unused chunk (counted
            # for a whole window) costs little; large enough that storage sees one call per many requests
            self.chunk = max(1, min(50, self.rate_limit // 30))
        if self.takeover_s is None:
            self.takeover_s = min(1.0, self.lease_s / 5)
        # how far ahead a stamp reaches: a dead instance's slots are free this long after its last write
        self.stamp_s = self.lease_s - self.takeover_s
        if self.stamp_s <= self.lease_s / 4:
            raise ValueError("takeover_s must leave a lease stamp longer than the heartbeat (lease_s / 4)")
        self._lock = threading.RLock()
        self._slots: list[_Slot] = []
        self._busy = 0
        self._current: _Chunk | None = None
        self._next_try = 0.0  # no storage attempt before this (after a failed one)
        self._seq = 0
        self.storage_calls = 0
        self.conflicts = 0

    # -- what the pool calls (under its own lock) ------------------------------------------------------------

    def wait_time(self, cost: int = 1) -> float:
        """0 if a request of `cost` may start now (a slot and tokens are held locally); else seconds to wait
        before asking again. Takes a slot and/or a chunk from storage when needed."""
        cost = min(cost, self.rate_limit)  # a $batch larger than the window waits for an empty one
        with self._lock:
            now = self.clock()
            if self._has_slot() and self._tokens_left(now) >= cost:
                return 0.0
            if now < self._next_try:
                return self._next_try - now
            next_expiry = math.inf  # when the earliest slot another instance holds runs out
            try:
                if not self._has_slot():
                    next_expiry = self._take_slot(now)
                if self._has_slot() and self._tokens_left(now) < cost:
                    self._take_chunk(now, cost)
            except AzureError as exc:
                # storage trouble (refused, unreachable): wait and ask again rather than exceed BC's limits
                log.warning("bc_shared_budget storage error for %s: %s", self.principal, exc.message)
            if self._has_slot() and self._tokens_left(self.clock()) >= cost:
                return 0.0
            if self._next_try - self.clock() > self.hold_s:
                # the window is full for longer than a turn: our idle slots are of no use to us until it frees
                # up, but may be to an instance that still holds tokens (shorter waits are not worth the
                # storage calls of giving the slots back and taking them again)
                self._return_idle_slots(self.clock(), all_idle=True)
            # Polled (a slot given back by a live instance notifies nobody), jittered so instances polling for
            # the same slot do not ask in lock-step; but no later than the moment a lease we saw runs out, so
            # a dead instance's slot is taken at its stamp's end, not up to a poll later.
            now = self.clock()
            again = min(now + self.poll_s * random.uniform(0.5, 1.5), next_expiry + 0.001)
            self._next_try = max(self._next_try, again, now + 0.001)  # > 0: a 0 would admit without a slot
            return self._next_try - now

    def admit(self, cost: int = 1) -> None:
        with self._lock:
            self._busy += 1
            cost = min(cost, self.rate_limit)
            self._current.used += cost
            bucket = self._bucket_end(self.clock())
            self._current.sent[bucket] = self._current.sent.get(bucket, 0) + cost

    def release(self) -> None:
        with self._lock:
            self._busy = max(0, self._busy - 1)  # (a slot lost to an expired lease already lowered it)
            self._return_idle_slots(self.clock(), all_idle=False)

    # -- housekeeping (the heartbeat thread) -----------------------------------------------------------------

    def heartbeat(self) -> None:
        """Renew slots with requests running on them; give back idle ones held past `hold_s`.

        Called every `lease_s / 4`. Renewing at every beat (not only when a stamp is about to run out) lets a
        live instance survive a stall of most of a stamp; the stamp's length, not how often it is renewed,
        bounds what a dead instance leaves behind."""
        with self._lock:
            now = self.clock()
            self._return_idle_slots(now, all_idle=False)
            due = list(self._slots) if self._busy else []  # the slots left are in use (or recently taken)
            for slot in due:
                slot.renewing = True
        # The storage calls run outside the lock: the pool asks this budget under its own lock, and a
        # release waiting here would keep a slot idle for the renewals' round-trips.
        for slot in due:
            self._renew(slot, now)

    def close(self) -> None:
        """Give every idle slot back (an orderly shutdown; unused tokens expire with their chunk)."""
        with self._lock:
            self._return_idle_slots(self.clock(), all_idle=True)

    def snapshot(self) -> dict:
        with self._lock:
            return {"slots_held": len(self._slots), "busy": self._busy, "storage_calls": self.storage_calls,
                    "conflicts": self.conflicts,
                    "tokens_left": self._tokens_left(self.clock())}

    # -- slots -------------------------------------------------------------------------------------------------

    def _has_slot(self) -> bool:
        return self._busy < len(self._slots)

    def _take_slot(self, now: float) -> float:
        """Take one free slot if there is one. Returns when the earliest lease of a slot held by another
        instance runs out (inf if none), so a caller that got nothing knows when to look again."""
        self.storage_calls += 1
        rows = {e["RowKey"]: e for e in self.table.query_entities(
            "PartitionKey eq @p", parameters={"p": self.principal})}
        mine = {s.row for s in self._slots}
        leases = {f"slot-{i}": float(rows[f"slot-{i}"].get("lease_until", 0)) if f"slot-{i}" in rows else 0.0
                  for i in range(self.concurrency) if f"slot-{i}" not in mine}
        free = [row for row, until in leases.items() if until <= now]
        next_expiry = min((until for until in leases.values() if until > now), default=math.inf)
        random.shuffle(free)  # instances racing for the same free slot would all but one lose the swap
        for row in free:
            entity = {"PartitionKey": self.principal, "RowKey": row, "owner": self.owner,
                      "lease_until": now + self.stamp_s}
            self.storage_calls += 1
            try:
                if row in rows:
                    meta = self.table.update_entity(entity, mode=UpdateMode.REPLACE, etag=rows[row].metadata["etag"],
                                                    match_condition=MatchConditions.IfNotModified)
                else:
                    meta = self.table.create_entity(entity)
            except _CONFLICT:
                self.conflicts += 1
                continue
            self._slots.append(_Slot(row, meta["etag"], now, now + self.stamp_s))
            break
        return next_expiry

    def _renew(self, slot: _Slot, now: float) -> None:
        """Called without the lock, on a slot marked `renewing` (so no release gives it back meanwhile)."""
        entity = {"PartitionKey": self.principal, "RowKey": slot.row, "owner": self.owner,
                  "lease_until": now + self.stamp_s}
        try:
            meta = self.table.update_entity(entity, mode=UpdateMode.REPLACE, etag=slot.etag,
                                            match_condition=MatchConditions.IfNotModified)
        except _CONFLICT:
            # the lease ran out before we renewed (this process stalled) and another instance took it
            log.warning("bc_shared_budget lost slot %s of %s: its lease ran out", slot.row, self.principal)
            with self._lock:
                self.storage_calls += 1
                slot.renewing = False
                if slot in self._slots:
                    self._slots.remove(slot)
                    self._busy = min(self._busy, len(self._slots))
            return
        except HttpResponseError as exc:
            log.warning("bc_shared_budget could not renew %s of %s: %s", slot.row, self.principal, exc.message)
            meta = None
        with self._lock:
            self.storage_calls += 1
            slot.renewing = False
            if meta is not None:
                slot.etag, slot.lease_until = meta["etag"], now + self.stamp_s

    def _return_idle_slots(self, now: float, *, all_idle: bool) -> None:
        # Slots are interchangeable: the busy ones are "the first _busy", so the idle ones returned are the
        # oldest beyond that count.
        idle = len(self._slots) - self._busy
        for slot in sorted(self._slots, key=lambda s: s.taken_at):
            if idle <= 0:
                break
            if slot.renewing:
                continue  # given back at the next release or heartbeat, with the etag the renewal returns
            if all_idle or now - slot.taken_at >= self.hold_s or slot.lease_until - now < self.stamp_s / 2:
                self._give_back(slot)
                idle -= 1

    def _give_back(self, slot: _Slot) -> None:
        self._slots.remove(slot)
        entity = {"PartitionKey": self.principal, "RowKey": slot.row, "owner": "", "lease_until": 0.0}
        self.storage_calls += 1
        try:
            self.table.update_entity(entity, mode=UpdateMode.REPLACE, etag=slot.etag,
                                     match_condition=MatchConditions.IfNotModified)
        except (*_CONFLICT, HttpResponseError):
            pass  # lost already, or storage is down: the lease ends by itself

    # -- the window ------------------------------------------------------------------------------------------

    def _tokens_left(self, now: float) -> int:
        c = self._current
        if c is None or now >= c.until:
            return 0
        return c.granted - c.used

    def _bucket_end(self, t: float) -> float:
        bucket = self.rate_window_s / 60
        return math.ceil(t / bucket) * bucket

    @staticmethod
    def _compact(chunks: list) -> list:
        """Merge closed chunks ending in the same bucket (`_bucket_end`: up to 1/60 of the window later, the
        safe side), so the row stays small (a Table string property holds 64 KiB) however many instances
        close chunks: at most ~60 closed entries per window plus one open chunk per instance."""
        merged: dict[float, list] = {}
        result = []
        for c in chunks:
            if c[0]:
                result.append(c)
            elif c[2] in merged:
                merged[c[2]][1] += c[1]
            else:
                merged[c[2]] = c
                result.append(c)
        return result

    def _take_chunk(self, now: float, cost: int) -> None:
        want = max(self.chunk, cost)
        for _ in range(5):  # compare-and-swap; a few instances racing settle within a few rounds
            self.storage_calls += 1
            try:
                entity = self.table.get_entity(self.principal, WINDOW_ROW)
                chunks, etag = json.loads(entity["chunks"]), entity.metadata["etag"]
            except ResourceNotFoundError:
                chunks, etag = [], None
            horizon = now - self.rate_window_s - self.margin_s
            chunks = [c for c in chunks if c[2] > horizon]
            previous = self._current
            if previous is not None and any(c[0] == previous.id for c in chunks):
                # the previous chunk becomes what was really sent with it, stamped when; the rest goes back
                chunks = [c for c in chunks if c[0] != previous.id]
                chunks += [["", n, bucket] for bucket, n in sorted(previous.sent.items())]
                chunks = self._compact([c for c in chunks if c[1] > 0])
            used = sum(c[1] for c in chunks)
            grant = min(want, self.rate_limit - used)
            if grant < cost:
                grant = 0
            self._seq += 1
            chunk = _Chunk(f"{self.owner}.{self._seq}", grant, now + self.chunk_lifetime_s)
            if grant:
                chunks.append([chunk.id, grant, chunk.until])
            row = {"PartitionKey": self.principal, "RowKey": WINDOW_ROW, "chunks": json.dumps(chunks)}
            self.storage_calls += 1
            try:
                if etag is None:
                    self.table.create_entity(row)
                else:
                    self.table.update_entity(row, mode=UpdateMode.REPLACE, etag=etag,
                                             match_condition=MatchConditions.IfNotModified)
            except _CONFLICT:
                self.conflicts += 1
                time.sleep(random.uniform(0, 0.02))
                continue
            self._current = chunk if grant else None
            if not grant:
                # the window is full: ask again when its oldest chunk expires
                oldest = min((c[2] for c in chunks), default=now)
                self._next_try = max(self._next_try, oldest + self.rate_window_s + self.margin_s)
            return


class SharedBudget:
    """The shared budgets of one process, one per principal, and the heartbeat that keeps their leases.

    Built once per process (the pool is built once per process, see core/sync/context.py).
    """

    def __init__(self, table: TableClient, **options):
        self.table = table
        self.options = options
        self.budgets: dict[str, SharedPrincipalBudget] = {}
        self._created = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def for_principal(self, principal: str, rate_limit: int, rate_window_s: float,
                      concurrency: int) -> SharedPrincipalBudget:
        if not self._created:
            try:
                self.table.create_table()
            except ResourceExistsError:
                pass
            self._created = True
        # the pool's name for the principal (e.g. "BC_CLIENT_ID#1": the same in every instance), made key-safe
        budget = SharedPrincipalBudget(self.table, table_key(principal), rate_limit, rate_window_s, concurrency,
                                       **self.options)
        self.budgets[principal] = budget  # by the pool's name
        if self._thread is None:
            self._thread = threading.Thread(target=self._beat, name="bc-shared-budget", daemon=True)
            self._thread.start()
        return budget

    def _beat(self) -> None:
        while not self._stop.wait(min(b.lease_s / 4 for b in self.budgets.values())):
            for budget in list(self.budgets.values()):
                try:
                    budget.heartbeat()
                except Exception:  # the heartbeat must outlive a storage hiccup; leases end by themselves
                    log.exception("bc_shared_budget heartbeat failed for %s", budget.principal)

    def close(self) -> None:
        self._stop.set()
        for budget in self.budgets.values():
            budget.close()


def shared_budget_from_settings(settings) -> SharedBudget | None:
    """The process's shared budget when `BC_SHARED_BUDGET` is on, in the app's storage account; else None."""
    if not enabled(settings):
        return None
    from core.state.storage import Storage

    return SharedBudget(Storage.from_settings(env=dict(settings)).table(TABLE))
