"""Norce Commerce: orders pushed by the Order Receiver or fetched after an event, stock by Connect jobs."""

from core.platforms.norce import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds": "not offered: Norce has no shop-originated refund document or event (credit invoices go ERP → "
               "Norce through Connect `Invoice`)",
    "refunds reconcile": "not offered: Norce has no shop-originated refund document or event",
    "products": "not built: `Product/ImportSkuPriceLists` / `ImportProducts` jobs",
    "customers": "not built: customers are not read",
    "companies": "not built: Norce companies are not written",
}
