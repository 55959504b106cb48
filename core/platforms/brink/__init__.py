"""Brink Commerce: orders from the Post Purchase API's events (the whole order, ordered by `version`) and from the
legacy id-only webhook (fetched); stock through the legacy product API, shipments as
deliveries and prices per store group (flows.py; the delivery and price paths are unverified, see client.py)."""

from core.platforms.brink import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "orders reconcile": "not built: the contract verifies no list of orders changed since a time (contract 2.1 [U]); "
                        "the OrderCreated/OrderUpdated events carry the whole order and are the record",
    "refunds": "not built: OrderRefunded events carry the refund id and lines, but the line amounts' shape is "
               "unverified (contract 2.5)",
    "refunds reconcile": "not built: no read API for refunds is verified (contract 2.5 [U])",
    "customers": "not built: Brink orders name no customer account in the verified fields",
    "companies": "not built: Brink B2B accounts are not in the contract",
}
