"""Operator commands: `python -m core status | records | retry | replay-poison | prune`.

They talk to the app's storage directly (the AzureWebJobsStorage setting: a connection string, or the
identity-based settings with `az login`), so they work without the Functions host and without the
integration config. Readable tables by default, `--json` for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys

from core.logging_setup import install_logging
from core.state import Storage
from core.sync import operations as ops

STATUS_COLUMNS = ("received", "success", "skipped", "needs_attention", "failed")


def _state() -> ops.State:
    install_logging(None)
    return ops.storage_only_context(Storage.from_settings())


def _print_json(data) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def table(headers: list[str], rows: list[list], max_width: int = 60) -> str:
    """A plain text table; long cells are cut with … so a row stays on one line."""
    def cell(value) -> str:
        text = "" if value is None else str(value).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    status = ops.status_counts(_state())
    if args.json:
        _print_json(status)
        return 0
    rows = [[flow] + [counts.get(s, 0) for s in STATUS_COLUMNS] for flow, counts in status["by_flow"].items()]
    print(table(["flow", *STATUS_COLUMNS], rows) if rows else "The sync log is empty.")
    print()
    print(table(["queue", "waiting", "poison"],
                [[q, d["waiting"], d["poison"]] for q, d in status["queues"].items()]))
    print(f"\n{status['needs_attention']} record(s) need attention.")
    return 1 if args.fail_on_attention and status["needs_attention"] else 0


def cmd_records(args: argparse.Namespace) -> int:
    try:
        records = ops.list_records(_state(), status=args.status, flow=args.flow, shop=args.shop, limit=args.limit)
    except ops.OperationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if args.json:
        _print_json([r.to_dict() for r in records])
        return 0
    if not records:
        print("No matching records.")
        return 0
    print(table(["updated", "flow", "shop", "external id", "status", "message", "resolution"], [
        [r.updated_at.strftime("%Y-%m-%d %H:%M") if r.updated_at else "", r.flow, r.shop, r.external_id,
         r.status, r.message, r.resolution] for r in records
    ], max_width=50))
    return 0


def cmd_retry(args: argparse.Namespace) -> int:
    state = _state()
    try:
        if args.status:
            if args.target:
                raise ops.OperationError("give either FLOW SHOP EXTERNAL_ID or --status, not both", 400)
            result = ops.retry_matching(state, status=args.status, flow=args.flow, shop=args.shop).to_dict()
        elif len(args.target) == 3:
            result = {"requeued": [ops.retry_one(state, *args.target).to_dict()], "count": 1, "errors": []}
        else:
            raise ops.OperationError("give FLOW SHOP EXTERNAL_ID, or --status (with optional --flow/--shop)", 400)
    except ops.OperationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return _report_requeued(result, args.json)


def cmd_replay_poison(args: argparse.Namespace) -> int:
    try:
        result = ops.replay_poison(_state(), args.queue).to_dict()
    except ops.OperationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if not args.json:
        print(f"{result['moved_from_poison']} message(s) moved back from poison queues.")
    return _report_requeued(result, args.json)


def _report_requeued(result: dict, as_json: bool) -> int:
    if as_json:
        _print_json(result)
    else:
        if result["requeued"]:
            print(table(["flow", "shop", "external id", "queue", "payload"], [
                [r["flow"], r["shop"], r["external_id"], r["queue"], r["payload_ref"]] for r in result["requeued"]
            ]))
        print(f"{result['count']} record(s) queued again.")
        for error in result["errors"]:
            print(f"not retried: {error['flow']} {error['shop']} {error['external_id']}: {error['error']}",
                  file=sys.stderr)
    return 1 if result["errors"] else 0


def cmd_prune(args: argparse.Namespace) -> int:
    result = ops.prune_synclog(_state(), args.days).to_dict()
    if args.json:
        _print_json(result)
    else:
        print(f"Pruned {result['records']} success/skipped record(s) and {result['payloads']} payload(s).")
    return 0


def add_parser(sub) -> None:
    def common(p):
        p.add_argument("--json", action="store_true", help="print JSON instead of a table")
        return p

    p = common(sub.add_parser("status", help="counts per flow and state, queue and poison-queue depths"))
    p.add_argument("--fail-on-attention", action="store_true", help="exit 1 when any record needs attention")
    p.set_defaults(func=cmd_status)

    p = common(sub.add_parser("records", help="list sync-log records (default: those needing attention)"))
    p.add_argument("--status", default="attention",
                   help="needs_attention, failed, skipped, success, received, attention (= the first two), recent")
    p.add_argument("--flow")
    p.add_argument("--shop")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_records)

    p = common(sub.add_parser("retry", help="re-enqueue stored payloads exactly as delivered",
                              description="retry FLOW SHOP EXTERNAL_ID, or retry --status S [--flow F] [--shop S]"))
    p.add_argument("target", nargs="*", metavar="FLOW SHOP EXTERNAL_ID")
    p.add_argument("--status", help="retry every record with this status (needs_attention, failed, skipped, "
                                    "attention)")
    p.add_argument("--flow")
    p.add_argument("--shop")
    p.set_defaults(func=cmd_retry)

    p = common(sub.add_parser("replay-poison", help="move poison-queue messages back and re-enqueue failed records"))
    p.add_argument("--queue", help="one queue, e.g. orders-import (default: all)")
    p.set_defaults(func=cmd_replay_poison)

    p = common(sub.add_parser("prune", help="delete success/skipped records older than the retention"))
    p.add_argument("--days", type=int, help=f"default: ${ops.RETENTION_SETTING} or {ops.DEFAULT_RETENTION_DAYS}")
    p.set_defaults(func=cmd_prune)

