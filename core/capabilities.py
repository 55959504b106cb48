"""Which flow each platform carries, read from the code, and why the others are missing.

A flow is present when the code that carries it exists (a parser, a client method, a writer); nothing here is
a hand-kept list of ticks. A platform package names every flow it does not carry in `GAPS`, with a reason
that starts "not offered" (the platform's API has no way to do it) or "not built" (it could be, it is not
yet). `tests/platforms/test_capabilities.py` keeps the table in docs/platforms.md equal to `table()` and
fails when a flow is missing without a reason, or has a reason while present.

Flows beyond orders are optional parts of a platform: `core/platforms/<name>/flows.py` defines
`StockWriter`, `ShipmentWriter`, `ProductWriter` and `new_refunds` (the refunds reconcile) when the platform
offers them; the flows find them with `core.platforms.part` (Shopify's and WooCommerce's writers predate
this and live beside their flows).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType

from core.platforms import PLATFORMS, part

FLOWS = ("orders", "orders reconcile", "refunds", "refunds reconcile", "stock", "shipments", "products",
         "customers", "customers reconcile", "companies")
REASON_PREFIXES = ("not offered", "not built")


def _client_has(package: ModuleType, method: str) -> bool:
    client = getattr(package, "client", None)
    return client is not None and any(
        inspect.isclass(obj) and obj.__module__ == client.__name__ and hasattr(obj, method)
        for obj in vars(client).values())


def _orders(name: str, package: ModuleType) -> bool:
    parse = package.parse
    if not hasattr(parse, "load_order"):
        return hasattr(parse, "parse_order")  # the webhook carries the whole order
    return _client_has(package, "order")  # id-only webhooks: the order is fetched


def _writer(flow_module: str, attribute: str) -> Callable[[str, ModuleType], bool]:
    def present(name: str, package: ModuleType) -> bool:
        import importlib

        built_in = getattr(importlib.import_module(flow_module), "WRITERS", {})
        return name in built_in or part(name, attribute) is not None
    return present


def _new_refunds(name: str, package: ModuleType) -> bool:
    from core.sync import refunds

    return name in refunds.NEW_REFUNDS or part(name, "new_refunds") is not None


def _companies(name: str, package: ModuleType) -> bool:
    from core.sync import customer_export

    return name in customer_export.platforms()


DETECT: dict[str, Callable[[str, ModuleType], bool]] = {
    "orders": _orders,
    "orders reconcile": lambda name, package: _client_has(package, "orders_updated_between"),
    # a parse_refund marked not_offered exists only to answer "this platform has no refund document"
    "refunds": lambda name, package: hasattr(package.parse, "parse_refund")
    and not getattr(package.parse.parse_refund, "not_offered", False),
    "refunds reconcile": _new_refunds,
    "stock": _writer("core.sync.stock", "StockWriter"),
    "shipments": _writer("core.sync.shipments", "ShipmentWriter"),
    "products": _writer("core.sync.products", "ProductWriter"),
    "customers": lambda name, package: hasattr(package.parse, "parse_customer"),
    # the customers flow plus a client that lists customers by change time (core.sync.customers.reconcile_customers)
    "customers reconcile": lambda name, package: hasattr(package.parse, "parse_customer")
    and _client_has(package, "customers_updated_between"),
    "companies": _companies,
}


def present(name: str, flow: str) -> bool:
    return DETECT[flow](name, PLATFORMS[name])


def gaps(name: str) -> dict[str, str]:
    return dict(getattr(PLATFORMS[name], "GAPS", {}))


def cell(name: str, flow: str) -> str:
    if present(name, flow):
        return "✔"
    reason = gaps(name).get(flow, "")
    return next((prefix for prefix in REASON_PREFIXES if reason.startswith(prefix)), "**missing, no reason**")


def table() -> str:
    """The capability table as Markdown: one row per platform, one column per flow, then every gap's reason."""
    lines = ["| platform | " + " | ".join(FLOWS) + " |", "|---" * (len(FLOWS) + 1) + "|"]
    for name in PLATFORMS:
        lines.append(f"| {name} | " + " | ".join(cell(name, flow) for flow in FLOWS) + " |")
    lines.append("")
    for name in PLATFORMS:
        for flow in FLOWS:
            if not present(name, flow) and gaps(name).get(flow):
                lines.append(f"- **{name}, {flow}**: {gaps(name)[flow]}")
    return "\n".join(lines)


def problems() -> list[str]:
    """Every cell that is missing without a reason, has a reason while present, or a reason of another kind."""
    found = []
    for name in PLATFORMS:
        declared = gaps(name)
        for flow in declared:
            if flow not in FLOWS:
                found.append(f"{name}: GAPS names an unknown flow {flow!r}")
        for flow in FLOWS:
            reason = declared.get(flow)
            if present(name, flow) and reason:
                found.append(f"{name} carries {flow} but GAPS still says {reason!r}")
            elif not present(name, flow) and not reason:
                found.append(f"{name} does not carry {flow} and GAPS gives no reason")
            elif reason and not reason.startswith(REASON_PREFIXES):
                found.append(f"{name} {flow}: a reason starts with 'not offered' or 'not built': {reason!r}")
    return found


if __name__ == "__main__":  # python -m core.capabilities > the table for docs/platforms.md
    print(table())
