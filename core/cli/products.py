"""`python -m core products push --shop KEY [--full]`: push one shop's products and prices now.

Uses the same pipeline as the timer (core/sync/products.py): without --full only products whose title,
status, category or price changed since the shop was last told; with --full every product, ignoring the
snapshot (and SKUs cached as unknown to the shop are looked up again). Exit codes: core/cli/export.py.
"""

from __future__ import annotations

import argparse

from core.cli.export import add_push_parser, run_push


def cmd_products_push(args: argparse.Namespace) -> int:
    from core.sync import products

    return run_push(args, "products", products.export_products, "items read", lambda run: run.items, lambda run: (
        f"{run.changes} changed, {run.updated} updated, {run.created} created ({run.writes} calls), "
        f"{run.failed} failed"))


def add_parser(sub) -> None:
    add_push_parser(sub, "products", help="products and prices BC → shops",
                    push_help="push a shop's products and prices now (only changes; --full for all)",
                    full_help="ignore the snapshot and write every product and price", func=cmd_products_push)
