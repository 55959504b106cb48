"""Brink Commerce: orders from the Post Purchase API's events (the whole order, ordered by `version`) and from the
legacy id-only webhook (fetched); refunds from the OrderRefunded event, priced from the order as imported
(parse.REFUND_FIELDS: the refund rows' fields are unverified); stock through the legacy product API, shipments as
deliveries and prices per store group (flows.py; the delivery and price paths are unverified, see client.py)."""

from core.platforms.brink import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
# Each reason names what was checked (2026-12): Brink's public docs (docs.brinkcommerce.com: authentication, Post
# Purchase API, webhooks, models), its event catalogue (docs.eu-west-1.demo.brinkcommerce.io/domains/Order/events/)
# and the unofficial Java SDK (github yet-another-consulting-company/brink-commerce-java-sdk: discount, price,
# product, stock and store clients only). docs/platforms.md ("Brink Commerce", "Not built") says the same.
GAPS = {
    "orders reconcile": "not built: no call listing orders changed since a time is published (contract 2.1 [U]): the "
                        "Post Purchase API page says orders can be fetched but names no path, the event catalogue "
                        "documents events only, the unofficial Java SDK has no order client; the OrderCreated/"
                        "OrderUpdated events carry the whole order and are the record",
    "refunds reconcile": "not built: no refund read or list API is published (Post Purchase API page, event "
                         "catalogue and unofficial Java SDK checked; contract 2.5 [U])",
    "customers": "not built: the verified Order fields (contract 2.1 [V: B3]) name no customer account, only billing "
                 "and shipping addresses, and no Brink customer API or customer event is published",
    "customers reconcile": "not built: no customers flow to reconcile (see customers): no Brink customer API or "
                           "customer event is published (Post Purchase API page, event catalogue and unofficial "
                           "Java SDK checked)",
    "companies": "not built: no Brink B2B account or company API is published (Brink's docs, event catalogue and "
                 "the unofficial Java SDK checked)",
}
