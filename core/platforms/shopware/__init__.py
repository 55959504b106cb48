"""Shopware 6: app webhooks (hex HMAC-SHA256), order parsing, Admin API client (OAuth client credentials)."""

from core.platforms.shopware import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds reconcile": "not built: no listing of new refunds",
    "stock": "not built: `stock` on products (and warehouses where present)",
    "shipments": "not built: deliveries with tracking codes and the `ship` transition",
    "products": "not built: products and prices through the sync API",
    "customers": "not built: customer events are not parsed",
    "companies": "not offered: Shopware 6 core has no B2B companies (the B2B suite is commercial)",
}
