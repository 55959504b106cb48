"""Centra (Integration API flavour of the webhook plugin, GraphQL Integration API)."""

from core.platforms.centra import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS: dict[str, str] = {
    # checked: centra.dev/graphql/customerfilter.html (lists updatedAt), sandbox/centra_emulator/schema.py
    "customers reconcile": "not built: Centra's CustomerFilter names an updatedAt filter (centra.dev/graphql/"
                           "customerfilter.html) but the pages read do not give its input type (a from/to range "
                           "as on orders' createdAt?) nor its time zone, which orders' createdAt leaves to the "
                           "installation; a missed customer event waits for the customer's next change",
}
