"""Shopify: webhooks (HMAC-SHA256 base64) and order/refund parsing. The API client comes later."""

from core.platforms.shopify import parse, webhooks

__all__ = ["parse", "webhooks"]
