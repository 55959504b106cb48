"""`python -m core …`: operator commands for terminals and scripts, one module per command group in this
package (orders, payouts, operations, stock, products; export holds what the push commands share).

Each command is a small function taking parsed arguments and returning an exit code. Commands
register themselves in COMMANDS (one explicit list, no discovery magic).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import EXAMPLE_CONFIG, check_config


def cmd_check_config(args: argparse.Namespace) -> int:
    import os

    from core.state.names import CONFIG_SETTING

    path = Path(args.config or os.environ.get(CONFIG_SETTING) or EXAMPLE_CONFIG)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    config, problems = check_config(text, str(path))
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"- {problem}")
        return 1
    if getattr(args, "bc", False) and config.bc.custom_pages:
        problems = _check_custom_pages_online(config)
        if problems:
            print(f"{path}: {len(problems)} problem(s) found in BC")
            for where, message, fix in problems:
                print(f"- {where}: {message}\n    Fix: {fix}")
            return 1
    print(f"{path}: OK — {len(config.companies)} companies, {len(config.shops)} shops, "
          f"{len(config.routing)} routing rules")
    return 0


def _check_custom_pages_online(config) -> list[tuple[str, str, str]]:
    """[[bc.custom_pages]] against BC's $metadata (read only): what cannot be checked offline."""
    from core.sync.context import bc_client_from_config
    from core.sync.custom_pages import check_pages

    rules: dict[str, list[str]] = {}
    for shop in config.shops:
        for rule in shop.field_rules:
            if rule.target.startswith("page."):
                rules.setdefault(rule.target.split(".")[1], []).append(rule.name)
        for export in shop.export_fields:  # export fields read pages too
            if export.source.startswith("page."):
                rules.setdefault(export.source.split(".")[1], []).append(export.name)
        if shop.trimit is not None:
            rules.setdefault(shop.trimit.page, []).append(f"[shops.trimit] of {shop.key}")
    client = bc_client_from_config(config)
    try:
        return check_pages(client, config.bc, rules)
    finally:
        client.close()


def _add_check_config(sub) -> None:
    p = sub.add_parser("check-config", help="validate the integration config and report every problem")
    p.add_argument("--config", help="config file (default: $BRIDGE_CONFIG, else config/example.toml)")
    p.add_argument("--bc", action="store_true",
                   help="also read BC's $metadata (read only) to check the fields of [[bc.custom_pages]]")
    p.set_defaults(func=cmd_check_config)


# Each entry adds one sub-command to the parser. Modules with bigger commands expose `add_parser(sub)`.
COMMANDS = [_add_check_config]


def _optional_commands():
    """Commands whose modules may import heavier dependencies: imported only when the CLI runs."""
    import importlib

    for module in ("core.preview", "core.cli.orders", "core.cli.payouts", "core.cli.operations", "core.cli.stock",
                   "core.cli.products"):
        try:
            yield importlib.import_module(module).add_parser
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core", description="BC Commerce Bridge operator commands")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in [*COMMANDS, *_optional_commands()]:
        add(sub)
    args = parser.parse_args(argv)
    return args.func(args)
