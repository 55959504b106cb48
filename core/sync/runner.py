"""Running one queued item of any flow: the same outcome rules for every flow.

- success / Skip / NeedsAttention → logged, message completed (a person or nothing must act next).
- Retryable (BC 429/5xx, shop throttling) → the envelope is re-queued with a delay (Retry-After
  honoured, else exponential back-off), so throttling never burns through maxDequeueCount into the
  poison queue; after MAX_RETRIES it becomes NeedsAttention.
- ClaimLost (another worker took this item's claim over) → stop, note why, re-queue with a delay: the
  retry compares shop versions and drops what the other worker already did.
- Time: the sum of in-process retry waits is bounded by WAIT_BUDGET_S (below the claim lease and
  functionTimeout); a longer wait comes back as Retryable and is re-queued with that delay.
- The outcome write never overwrites an outcome another worker recorded after this attempt started.
- anything else is a bug or an outage we did not classify: re-raised, so the host retries it
  (visibilityTimeout) and finally moves it to the poison queue, where the poison handler logs it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.bc.limiter import wait_budget
from core.errors import NeedsAttention, Retryable, Skip
from core.state import ClaimLost, Envelope, SyncStatus, enqueue
from core.sync.context import Context

log = logging.getLogger("core.sync")

MAX_RETRIES = 12
MAX_DELAY_S = 600
# Seconds one invocation may sleep on BC Retry-After / back-off in all. Well below the orders claim
# lease (10 min) and host.json functionTimeout (10 min) together with the calls themselves
# (tests/ordering checks both).
WAIT_BUDGET_S = 90


class Superseded(Skip):
    """An event older than the state BC already holds: it changes nothing and is noted, not recorded as
    the record's outcome."""


@dataclass(frozen=True)
class Outcome:
    message: str
    bc_company: str = ""
    bc_document: str = ""
    external_id: str = ""  # when only known after parsing


def retry_delay(retries: int, retry_after: float | None) -> int:
    """Seconds before a re-queued item becomes visible: exponential from BRIDGE_RETRY_BASE_SECONDS (default 5),
    never less than the server's Retry-After, at most 10 minutes."""
    base = float(os.environ.get("BRIDGE_RETRY_BASE_SECONDS", "5"))
    backoff = min(MAX_DELAY_S, base * 2**retries)
    return max(1, int(min(MAX_DELAY_S, max(backoff, retry_after or 0))))


def run_item(ctx: Context, queue: str, envelope: Envelope, handler: Callable[[Context, Envelope], Outcome],
             *, dequeue_count: int = 1, max_dequeue_count: int = 5) -> SyncStatus:
    flow, shop = envelope.flow, envelope.shop
    external_id = envelope.external_id or envelope.event_id or envelope.payload_ref
    started = datetime.now(UTC)
    common = {"payload_ref": envelope.payload_ref, "event_id": envelope.event_id or None, "attempt": True,
              "unless_settled_since": started}
    try:
        with wait_budget(WAIT_BUDGET_S):
            outcome = handler(ctx, envelope)
    except ClaimLost as exc:
        delay = retry_delay(envelope.retries, None)
        log.warning("claim_lost flow=%s shop=%s id=%s delay=%s: %s", flow, shop, external_id, delay, exc)
        ctx.synclog.note(flow, shop, external_id, f"This attempt stopped before writing: {exc}. Re-queued.")
        enqueue(ctx.storage, queue, envelope.model_copy(update={"retries": envelope.retries + 1}),
                visibility_timeout=delay)
        return SyncStatus.RECEIVED
    except Skip as exc:
        if exc.duplicate:
            current = ctx.synclog.get(flow, shop, external_id)
            if current is not None and current.status is not SyncStatus.RECEIVED:
                ctx.synclog.note(flow, shop, external_id, f"Duplicate delivery ignored: {exc.reason}")
                return SyncStatus.SKIPPED
            # a receipt raced past the import that already succeeded: the record's truth is "done"
            ctx.synclog.record(flow, shop, external_id, SyncStatus.SUCCESS, message=exc.reason, **common)
            return SyncStatus.SUCCESS
        if isinstance(exc, Superseded):
            # the record's status is the outcome of the newer state; this older event only leaves a note
            current = ctx.synclog.get(flow, shop, external_id)
            log.info("sync_status=superseded flow=%s shop=%s id=%s reason=%s", flow, shop, external_id, exc.reason)
            if current is not None and current.status is not SyncStatus.RECEIVED:
                ctx.synclog.note(flow, shop, external_id, f"Superseded: {exc.reason}")
                return SyncStatus.SKIPPED
        ctx.synclog.record(flow, shop, external_id, SyncStatus.SKIPPED, message=exc.reason, **common)
        log.info("sync_status=skipped flow=%s shop=%s id=%s reason=%s", flow, shop, external_id, exc.reason)
        return SyncStatus.SKIPPED
    except NeedsAttention as exc:
        ctx.synclog.record(flow, shop, exc.details.get("external_id", external_id), SyncStatus.NEEDS_ATTENTION,
                           message=exc.message, resolution=exc.resolution, code=exc.code,
                           bc_company=exc.details.get("bc_company"), **common)
        log.warning("sync_status=needs_attention flow=%s shop=%s id=%s code=%s", flow, shop, external_id, exc.code)
        return SyncStatus.NEEDS_ATTENTION
    except Retryable as exc:
        if envelope.retries >= MAX_RETRIES:
            ctx.synclog.record(
                flow, shop, external_id, SyncStatus.NEEDS_ATTENTION, code="gave_up_retrying",
                message=f"Still failing after {envelope.retries} delayed retries: {exc.message}",
                resolution="Check that Business Central and the shop are reachable, then retry this record.",
                **common,
            )
            return SyncStatus.NEEDS_ATTENTION
        delay = retry_delay(envelope.retries, exc.retry_after)
        enqueue(ctx.storage, queue, envelope.model_copy(update={"retries": envelope.retries + 1}),
                visibility_timeout=delay)
        if exc.duplicate:
            log.info("sync_retry duplicate flow=%s shop=%s id=%s delay=%s", flow, shop, external_id, delay)
            return SyncStatus.RECEIVED
        ctx.synclog.record(flow, shop, external_id, SyncStatus.RECEIVED,
                           message=f"Temporary problem, retrying in {delay}s: {exc.message}", **common)
        log.info("sync_retry flow=%s shop=%s id=%s delay=%s reason=%s", flow, shop, external_id, delay, exc.message)
        return SyncStatus.RECEIVED
    except Exception as exc:
        final = dequeue_count >= max_dequeue_count
        ctx.synclog.record(
            flow, shop, external_id, SyncStatus.FAILED if final else SyncStatus.RECEIVED,
            message=f"Attempt {dequeue_count} failed unexpectedly: {type(exc).__name__}: {exc}",
            resolution="The message goes to the poison queue; fix the cause and use retry." if final else "",
            code="unexpected_error", **common,
        )
        log.exception("sync_failed flow=%s shop=%s id=%s attempt=%s", flow, shop, external_id, dequeue_count)
        raise
    ctx.synclog.record(flow, shop, outcome.external_id or external_id, SyncStatus.SUCCESS, message=outcome.message,
                       bc_company=outcome.bc_company, bc_document=outcome.bc_document, **common)
    log.info("sync_status=success flow=%s shop=%s id=%s bc_document=%s", flow, shop, external_id, outcome.bc_document)
    return SyncStatus.SUCCESS


def reconcile_shops(ctx, event: str, flow: str, shops, enqueue: Callable, now: datetime | None = None) -> int:
    """The reconcile timers' loop: for each shop, the window since its `flow` cursor (a day back the first time,
    minus the shop's overlap), `enqueue(ctx, shop, since, until)` → how many were queued, then the cursor moves
    to the window's end. A shop that fails keeps its cursor (the next run reads the same window again) and is
    logged as `<event>_reconcile_failed`; the other shops go on."""
    queued = 0
    for shop in shops:
        window = ctx.cursors.window(flow, shop.key, start=(now or datetime.now(UTC)) - timedelta(days=1),
                                    now=now, overlap=timedelta(minutes=shop.orders.reconcile_overlap_minutes))
        try:
            queued += enqueue(ctx, shop, window.since, window.until)
        except Exception:
            log.exception("%s_reconcile_failed shop=%s since=%s", event, shop.key, window.since.isoformat())
            continue
        ctx.cursors.advance(flow, shop.key, window)
    return queued

