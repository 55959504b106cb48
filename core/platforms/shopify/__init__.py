"""Shopify: webhooks (HMAC-SHA256 base64), order/refund parsing, and the Admin API client."""

from core.platforms.shopify import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]
