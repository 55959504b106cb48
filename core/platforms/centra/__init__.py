"""Centra (Integration API flavour of the webhook plugin, GraphQL Integration API)."""

from core.platforms.centra import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS: dict[str, str] = {
    "customers reconcile": "not built yet: no listing of customers by change time is written",
}
