"""Magento 2 / Adobe Commerce: webhooks (Adobe I/O Events RSA signatures, Commerce webhooks), order and
credit memo parsing, REST client (integration token)."""

from core.platforms.magento import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds reconcile": "not built: credit memos arrive by Adobe I/O event only; no listing of new credit memos yet",
    "stock": "not built: MSI source items (`/V1/inventory/source-items`) per source",
    "shipments": "not built: `/V1/order/{id}/ship` with tracks",
    "products": "not built: products and prices by REST",
    "customers": "not built: customer events are not parsed",
    "companies": "not built: Adobe Commerce B2B companies (`/V1/company`) are not written",
}
