"""Shopware 6: app webhooks (hex HMAC-SHA256), order parsing, Admin API client (OAuth client credentials)."""

from core.platforms.shopware import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]
