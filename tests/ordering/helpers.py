"""Shared by the ordering scenarios: the update policy switch, BC lookups, raw signed posts."""

from __future__ import annotations

from contextlib import contextmanager

from core.sync.context import Context, bc_client_from_config


def bc_orders(stack, ext_no: str, company: str = "se") -> list[dict]:
    return stack.bc.records(stack.company_id(company), "salesOrders", externalDocumentNumber=ext_no)


def bc_total(stack, ext_no: str) -> float | None:
    found = bc_orders(stack, ext_no)
    return float(found[0]["totalAmountIncludingTax"]) if found else None


@contextmanager
def update_policy(stack, policy: str):
    """Run with on_update = <policy> for the Shopify demo shop (the example config flags by default)."""
    original = stack.config_path.read_text()
    stack.config_path.write_text(original.replace('shipping_as = "account"',
                                                  f'shipping_as = "account"\non_update = "{policy}"', 1))
    stack.reload_config_from_file()
    try:
        yield
    finally:
        stack.config_path.write_text(original)
        stack.reload_config_from_file()


def direct_context(stack) -> Context:
    """A worker's context without the host: for scenarios that interleave two workers by hand."""
    return Context(config=stack.config, storage=stack.storage,
                   bc_factory=lambda cfg: bc_client_from_config(cfg, stack.settings))
