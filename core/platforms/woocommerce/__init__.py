"""WooCommerce: webhooks (HMAC-SHA256 base64, decoded secret, ping), order/refund parsing, REST v3 client."""

from core.platforms.woocommerce import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]
