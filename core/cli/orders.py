"""`python -m core backfill`: re-read a past period of a shop's orders and queue what BC lacks.

Runs where the app's settings are (AzureWebJobsStorage, the shop's API token): the orders are queued on
orders-import exactly as the reconcile timer queues them, and the app's workers import them. While it reads,
the counts so far and the rate go to stderr (none with --json).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

from core.cli.progress import Progress


def _when(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def cmd_backfill(args: argparse.Namespace) -> int:
    from core.sync.context import get_context
    from core.sync.orders import enqueue_changed_orders

    ctx = get_context()
    shop = ctx.config.shop(args.shop)
    if shop is None:
        print(f"unknown shop {args.shop!r}; configured: {[s.key for s in ctx.config.shops]}", file=sys.stderr)
        return 2
    since, until = _when(args.since), _when(args.until) if args.until else datetime.now(UTC)
    progress = Progress("orders read", enabled=not args.json)
    counts = {"read": 0, "queued": 0}

    def report(read: int, queued: int) -> None:
        counts.update(read=read, queued=queued)
        progress.update(read, f"{queued:,} queued")

    queued = enqueue_changed_orders(ctx, shop, since, until, source="backfill", progress=report)
    if args.json:
        print(json.dumps({"shop": shop.key, "since": since.isoformat(), "until": until.isoformat(),
                          "read": counts["read"], "queued": queued}))
        return 0
    progress.finish(counts["read"], f"{queued:,} queued")
    print(f"{shop.key}: queued {queued} order(s) updated between {args.since} and {until.isoformat()} "
          "that BC does not have in their current form")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("backfill", help="queue a shop's orders of a past period that BC does not have yet")
    p.add_argument("--shop", required=True, help="shop key from the config")
    p.add_argument("--since", required=True, help="ISO date or date-time (UTC unless an offset is given)")
    p.add_argument("--until", help="ISO date or date-time; default now")
    p.add_argument("--json", action="store_true", help="print the counts as JSON (and no progress)")
    p.set_defaults(func=cmd_backfill)
