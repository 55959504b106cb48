"""`python -m core stock push --shop KEY [--full]`: push one shop's stock now, with progress on stderr.

Uses the same pipeline as the timer (core/sync/stock.py): without --full only the pairs that changed since
the shop was last told; with --full every pair, ignoring the snapshot. Exit codes: core/cli/export.py.
"""

from __future__ import annotations

import argparse

from core.cli.export import add_push_parser, run_push


def cmd_stock_push(args: argparse.Namespace) -> int:
    from core.sync import stock

    return run_push(args, "stock", stock.export_stock_levels, "SKUs read", lambda run: run.skus, lambda run: (
        f"{run.changes} changed, {run.applied} written ({run.writes} calls), {run.failed} failed"))


def add_parser(sub) -> None:
    add_push_parser(sub, "stock", help="stock BC → shops",
                    push_help="push a shop's stock now (only changes; --full for every pair)",
                    full_help="ignore the snapshot and write every SKU × location", func=cmd_stock_push)
