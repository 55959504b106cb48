"""Geins (Management API, "Sonora"): id-only webhooks with a static secret header, orders fetched by API."""

from core.platforms.geins import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "customers": "not built: customers are not read",
    "companies": "not built: Geins B2B customers are not written",
}
