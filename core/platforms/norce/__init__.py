"""Norce Commerce: orders pushed by the Order Receiver or fetched after an event, stock and prices by Connect
jobs."""

from core.platforms.norce import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds": "not offered: Norce documents no shop-side refund document or event; credits start in the ERP "
               "and go to Norce as Connect `Invoice` with `CreditedInvoiceNo`",
    "refunds reconcile": "not offered: Norce documents no shop-side refund document or event to list",
    "customers": "not built: customers are not read",
    "companies": "not built: Norce companies are not written",
}
