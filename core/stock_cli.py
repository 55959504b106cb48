"""`python -m core stock push --shop KEY [--full]`: push one shop's stock now, with progress on stderr.

Uses the same pipeline as the timer (core/sync/stock.py): without --full only the pairs that changed since
the shop was last told; with --full every pair, ignoring the snapshot. Exit code 0 when every pair was
written or deliberately skipped, 1 when some failed (they are retried on the next run), 2 when the run could
not start (the message says what to fix).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from core.errors import NeedsAttention, Retryable, Skip


def cmd_stock_push(args: argparse.Namespace) -> int:
    from core.sync import stock
    from core.sync.context import get_context

    last = [0.0]

    def progress(run: stock.StockRun) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            print(f"  {run.skus} SKUs read, {run.changes} changed, {run.applied} written "
                  f"({run.writes} calls), {run.failed} failed", file=sys.stderr, flush=True)

    try:
        ctx = get_context()
        print(f"stock push {args.shop}{' (full)' if args.full else ''} …", file=sys.stderr, flush=True)
        run = stock.export_stock_levels(ctx, args.shop, full=args.full, progress=progress)
    except NeedsAttention as exc:
        print(f"{exc.message}\nResolution: {exc.resolution}", file=sys.stderr)
        return 2
    except Skip as exc:
        print(f"Skipped: {exc.reason}", file=sys.stderr)
        return 2
    except Retryable as exc:
        print(f"Temporary problem, try again later: {exc.message}", file=sys.stderr)
        return 2
    print(json.dumps(run.to_dict(), default=str) if args.json else run.describe())
    if run.failures:
        print("Failures: " + "; ".join(run.failures), file=sys.stderr)
    return 1 if run.failed else 0


def add_parser(sub) -> None:
    stock = sub.add_parser("stock", help="stock BC → shops")
    actions = stock.add_subparsers(dest="stock_command", required=True)
    push = actions.add_parser("push", help="push a shop's stock now (only changes; --full for every pair)")
    push.add_argument("--shop", required=True, help="the shop key from the config")
    push.add_argument("--full", action="store_true", help="ignore the snapshot and write every SKU × location")
    push.add_argument("--json", action="store_true", help="print the summary as JSON")
    push.set_defaults(func=cmd_stock_push)
