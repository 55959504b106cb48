"""WooCommerce: webhooks (HMAC-SHA256 base64, decoded secret, ping) and order/refund parsing."""

from core.platforms.woocommerce import parse, webhooks

__all__ = ["parse", "webhooks"]
