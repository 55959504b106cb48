"""Magento 2 / Adobe Commerce: webhooks (Adobe I/O Events RSA signatures, Commerce webhooks), order and
credit memo parsing, REST client (integration token)."""

from core.platforms.magento import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]
