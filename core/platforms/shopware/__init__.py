"""Shopware 6: app webhooks (hex HMAC-SHA256), order parsing, Admin API client (OAuth client credentials),
and the stock, shipment and product writers (flows.py)."""

from core.platforms.shopware import client, flows, parse, webhooks

__all__ = ["client", "flows", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds reconcile": ("not built: only payment extensions write `order_transaction_capture_refund` "
                          "(core writes none); no listing of them yet"),
    "companies": "not offered: Shopware 6 core has no B2B companies (the B2B suite is commercial)",
}
