"""Shopware 6: app webhooks (hex HMAC-SHA256), order parsing, Admin API client (OAuth client credentials),
and the stock, shipment and product writers (flows.py)."""

from core.platforms.shopware import client, flows, parse, webhooks

__all__ = ["client", "flows", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds": ("not offered: Shopware core has no refund document (a refund is a transaction state change; "
                "returns are the commercial Returns Management), so refunds are booked in BC by hand"),
    "refunds reconcile": "not offered: no refund document to list (see refunds)",
    "companies": "not offered: Shopware 6 core has no B2B companies (the B2B suite is commercial)",
}
