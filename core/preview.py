"""`python -m core preview`: map shop order payloads to the BC salesOrders body, offline.

No BC, no Azure: items are "resolved" by taking the SKU (or the [shops.items] mapping) as the BC item
number, the customer is the company's default customer, variants and locations are left out (they
need BC ids). What is printed is the body the orders flow would POST, with its problems, one JSON
object per payload and line:

    {"source", "shop", "company", "skip", "sales_order", "shop_total", "document_total", "problems"}

Exit 0 when every file was mapped (problems are data, not failures); 2 when a file cannot be read,
is not JSON, or is not an order of the platform.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path

from core.config import Config, Shop, load_config
from core.errors import NeedsAttention, Skip
from core.models import Order
from core.platforms import PLATFORMS, platform
from core.sync import order_mapping as mapping


def offline_resolution(order: Order, shop: Shop, company) -> mapping.Resolved:
    items = {
        line_id: mapping.ResolvedItem(item_id=None, item_number=number)
        for line_id, (number, _variant) in mapping.item_keys(order, shop).items()
    }
    defaults = company.default_customers
    customer = defaults.get(order.market) or defaults.get(order.country) or defaults.get("*")
    return mapping.Resolved(customer_number=customer, customer_id=None, items=items, locations={})


def preview_payload(payload: dict, source: str, config: Config, shop: Shop) -> dict:
    """One preview record. Raises NeedsAttention("malformed_payload") when the payload is not an order."""
    order = platform(shop.platform).parse.parse_order(payload, shop.key, shop.orders.currency_basis)
    record: dict = {"source": source, "shop": shop.key, "company": None, "skip": None, "sales_order": None,
                    "shop_total": order.totals.total, "document_total": None, "problems": []}
    try:
        mapping.should_import(order, shop)
    except Skip as exc:
        record["skip"] = exc.reason  # shown, and mapped anyway, so the operator sees what it would be
    try:
        company = mapping.route(order, config)
    except NeedsAttention as exc:
        record["problems"] = [{"code": exc.code, "message": exc.message, "resolution": exc.resolution}]
        return record
    mapped = mapping.build_sales_order(order, company, shop, offline_resolution(order, shop, company))
    record.update(
        company=company.key,
        sales_order=mapped.body,
        shop_total=mapped.shop_total,
        document_total=mapped.document_total,
        problems=[p.as_dict() for p in mapped.problems],
    )
    return record


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _choose_shop(config: Config, platform_name: str, key: str | None) -> Shop:
    if key:
        shop = config.shop(key)
        if shop is None:
            raise NeedsAttention(f'There is no shop "{key}" in the config.',
                                 f"use one of {[s.key for s in config.shops]}", code="unknown_shop")
        if shop.platform != platform_name:
            raise NeedsAttention(f'Shop "{key}" is a {shop.platform} shop, not {platform_name}.',
                                 f"pass --platform {shop.platform} or another --shop", code="unknown_shop")
        return shop
    shop = next((s for s in config.shops if s.platform == platform_name), None)
    if shop is None:
        raise NeedsAttention(f"The config has no {platform_name} shop.",
                             f'add a [[shops]] entry with platform = "{platform_name}" or pass --config',
                             code="unknown_shop")
    return shop


def cmd_preview(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        shop = _choose_shop(config, args.platform, args.shop)
    except NeedsAttention as exc:
        print(str(exc), file=sys.stderr)
        return 2
    status = 0
    for name in args.files:
        try:
            payload = json.loads(Path(name).read_bytes(), parse_float=Decimal)
            record = preview_payload(payload, name, config, shop)
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror}", file=sys.stderr)
            status = 2
            continue
        except ValueError as exc:
            print(f"{name}: not JSON: {exc}", file=sys.stderr)
            status = 2
            continue
        except NeedsAttention as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            status = 2
            continue
        print(json.dumps(record, default=_json_default, ensure_ascii=False))
    return status


def add_parser(sub) -> None:
    p = sub.add_parser("preview", help="map shop order payloads to the BC sales order body, offline (dry run)")
    p.add_argument("--platform", required=True, choices=sorted(PLATFORMS))
    p.add_argument("--config", help="config file (default: $BRIDGE_CONFIG, else config/example.toml)")
    p.add_argument("--shop", help="shop key (default: the first shop of the platform in the config)")
    p.add_argument("files", nargs="+", metavar="FILE", help="order payloads (JSON), as the shop sends them")
    p.set_defaults(func=cmd_preview)
