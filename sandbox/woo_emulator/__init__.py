"""A local stand-in for a WooCommerce shop: REST v3 orders/products with Basic auth, webhooks and pings."""

from .emulator import BATCH_LIMIT, WebhookSent, WooEmulator, wp_json_encode, wp_specialchars_decode

__all__ = ["BATCH_LIMIT", "WebhookSent", "WooEmulator", "wp_json_encode", "wp_specialchars_decode"]
