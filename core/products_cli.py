"""`python -m core products push --shop KEY [--full]`: push one shop's products and prices now.

Uses the same pipeline as the timer (core/sync/products.py): without --full only products whose title,
status, category or price changed since the shop was last told; with --full every product, ignoring the
snapshot (and SKUs cached as unknown to the shop are looked up again). Exit code 0 when everything was
written or deliberately skipped, 1 when some products failed (they are retried on the next run), 2 when
the run could not start (the message says what to fix).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from core.errors import NeedsAttention, Retryable, Skip


def cmd_products_push(args: argparse.Namespace) -> int:
    from core.sync import products
    from core.sync.context import get_context

    last = [0.0]

    def progress(run: products.ProductRun) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            print(f"  {run.items} items read, {run.changes} changed, {run.updated} updated, {run.created} created "
                  f"({run.writes} calls), {run.failed} failed", file=sys.stderr, flush=True)

    try:
        ctx = get_context()
        print(f"products push {args.shop}{' (full)' if args.full else ''} …", file=sys.stderr, flush=True)
        run = products.export_products(ctx, args.shop, full=args.full, progress=progress)
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
    products = sub.add_parser("products", help="products and prices BC → shops")
    actions = products.add_subparsers(dest="products_command", required=True)
    push = actions.add_parser("push", help="push a shop's products and prices now (only changes; --full for all)")
    push.add_argument("--shop", required=True, help="the shop key from the config")
    push.add_argument("--full", action="store_true", help="ignore the snapshot and write every product and price")
    push.add_argument("--json", action="store_true", help="print the summary as JSON")
    push.set_defaults(func=cmd_products_push)
