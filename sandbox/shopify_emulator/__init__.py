"""A local stand-in for a Shopify shop: Admin GraphQL with cost throttling, REST order reads, webhooks."""

from .emulator import PLANS, LeakyBucket, ShopifyEmulator, WebhookSent

__all__ = ["PLANS", "LeakyBucket", "ShopifyEmulator", "WebhookSent"]
