"""`python -m core payouts import --source KEY FILE [--now]`: book a PSP settlement report in BC.

The file is stored in the inbox (kept for replay) and one item per payout in it is queued on
payouts-import, where the app's worker books it; `--now` books it right here instead (same pipeline,
same exactly-once binding), printing each payout's outcome.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def cmd_payouts_import(args: argparse.Namespace) -> int:
    from core.errors import NeedsAttention
    from core.state import names
    from core.sync import payouts
    from core.sync.context import get_context
    from core.sync.runner import run_item

    ctx = get_context()
    source = ctx.config.payout_source(args.source)
    if source is None:
        print(f"unknown payout source {args.source!r}; configured: {[p.key for p in ctx.config.payouts]}")
        return 2
    path = Path(args.file)
    try:
        envelopes = payouts.queue_settlement(ctx, source, path.read_bytes(), source_tag="cli", queue=not args.now)
    except NeedsAttention as exc:
        print(f"{path}: {exc.message}\n  Resolution: {exc.resolution}")
        return 1
    if not args.now:
        print(f"{source.key}: queued {len(envelopes)} payout(s) from {path.name}: "
              + ", ".join(e.external_id for e in envelopes))
        return 0
    worst = 0
    for envelope in envelopes:
        status = run_item(ctx, names.PAYOUTS_IMPORT, envelope, payouts.import_payout)
        record = ctx.synclog.get(payouts.FLOW, source.key, envelope.external_id)
        print(f"{envelope.external_id}: {status} — {record.message if record else ''}")
        if record is not None and record.resolution:
            print(f"  Resolution: {record.resolution}")
        worst = max(worst, 0 if str(status) in ("success", "skipped") else 1)
    return worst


def add_parser(sub) -> None:
    p = sub.add_parser("payouts", help="payment provider settlements → BC customer payments and fees")
    actions = p.add_subparsers(dest="payouts_command", required=True)
    imp = actions.add_parser("import", help="import a settlement report (Adyen/Stripe/Klarna) for a payout source")
    imp.add_argument("--source", required=True, help="payout source key from [[payouts]] in the config")
    imp.add_argument("--now", action="store_true", help="book it here and now instead of queuing it for the app")
    imp.add_argument("file", help="the settlement report file (CSV, or Stripe balance transactions JSON)")
    imp.set_defaults(func=cmd_payouts_import)
