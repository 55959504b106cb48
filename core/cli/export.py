"""The shape every "push now" command shares (`stock push`, `products push`): run one shop's export with
progress on stderr (counts, rate, elapsed; none with --json) and a summary at the end.

Exit code 0 when everything was written or deliberately skipped, 1 when some parts failed (the next run
retries them), 2 when the run could not start (the message says what to fix).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from core.cli.progress import Progress
from core.errors import NeedsAttention, Retryable, Skip


def run_push(args: argparse.Namespace, name: str, export: Callable, unit: str, count: Callable[[object], int],
             progress_line: Callable[[object], str]) -> int:
    """`export(ctx, shop_key, full=…, progress=…)` returns a run with describe(), to_dict(), failed, failures.
    While it runs, `count(run)` `unit` so far and `progress_line(run)` go to stderr (core/cli/progress.py)."""
    from core.sync.context import get_context

    progress = Progress(unit, enabled=not args.json)
    try:
        ctx = get_context()
        if not args.json:
            print(f"{name} push {args.shop}{' (full)' if args.full else ''} …", file=sys.stderr, flush=True)
        run = export(ctx, args.shop, full=args.full,
                     progress=lambda run: progress.update(count(run), progress_line(run)))
    except NeedsAttention as exc:
        print(f"{exc.message}\nResolution: {exc.resolution}", file=sys.stderr)
        return 2
    except Skip as exc:
        print(f"Skipped: {exc.reason}", file=sys.stderr)
        return 2
    except Retryable as exc:
        print(f"Temporary problem, try again later: {exc.message}", file=sys.stderr)
        return 2
    progress.finish(count(run), progress_line(run))
    print(json.dumps(run.to_dict(), default=str) if args.json else run.describe())
    if run.failures:
        print("Failures: " + "; ".join(run.failures), file=sys.stderr)
    return 1 if run.failed else 0


def add_push_parser(sub, name: str, help: str, push_help: str, full_help: str,  # noqa: A002 - argparse's word
                    func: Callable[[argparse.Namespace], int]) -> None:
    command = sub.add_parser(name, help=help)
    actions = command.add_subparsers(dest=f"{name}_command", required=True)
    push = actions.add_parser("push", help=push_help)
    push.add_argument("--shop", required=True, help="the shop key from the config")
    push.add_argument("--full", action="store_true", help=full_help)
    push.add_argument("--json", action="store_true", help="print the summary as JSON")
    push.set_defaults(func=func)
