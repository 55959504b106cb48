"""WooCommerce: webhooks (HMAC-SHA256 base64, decoded secret, ping), order/refund parsing, REST v3 client."""

from core.platforms.woocommerce import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "companies": "not offered: WooCommerce core has no B2B companies (B2B plugins differ per shop)",
}
