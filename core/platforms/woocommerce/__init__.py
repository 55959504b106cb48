"""WooCommerce: webhooks (HMAC-SHA256 base64, decoded secret, ping), order/refund parsing, REST v3 client."""

from core.platforms.woocommerce import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "companies": "not offered: WooCommerce core has no B2B companies (B2B plugins differ per shop)",
    # checked: developer.woocommerce.com wc-cli "wc customer list" (its parameters are the REST route's),
    # github.com/woocommerce/woocommerce issue 41371 (adding modified_after to customers, open)
    "customers reconcile": "not offered: GET /wp-json/wc/v3/customers has no modified_after/modified_before "
                           "filter (only search, email, role, include/exclude and orderby id, name or "
                           "registered_date), so a changed customer cannot be listed without reading every "
                           "customer; a missed customer.updated waits for the next change, and a new customer "
                           "reaches BC with their first order",
}
