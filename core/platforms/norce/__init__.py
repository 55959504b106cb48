"""Norce webhooks (static secret header, id-only bodies) and their order id."""

from core.platforms.norce import parse, webhooks

__all__ = ["parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "orders": "not built: the order API client is not built yet",
    "orders reconcile": "not built: the order API client is not built yet",
    "refunds": "not built: the order API client is not built yet",
    "refunds reconcile": "not built: the order API client is not built yet",
    "stock": "not built: the order API client is not built yet",
    "shipments": "not built: the order API client is not built yet",
    "products": "not built: the order API client is not built yet",
    "customers": "not built: the order API client is not built yet",
    "companies": "not built: the order API client is not built yet",
}
