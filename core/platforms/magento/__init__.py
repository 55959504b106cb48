"""Magento 2 / Adobe Commerce: webhooks (Adobe I/O Events RSA signatures, Commerce webhooks), order, credit
memo and customer parsing, REST client (integration token), and the flows beyond orders in flows.py (MSI
source items, shipments, base prices and product fields, the credit memo reconcile, Adobe Commerce B2B
companies)."""

from core.platforms.magento import client, flows, parse, webhooks

__all__ = ["client", "flows", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS: dict[str, str] = {}
