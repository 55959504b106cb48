"""Centra (Integration API flavour of the webhook plugin, GraphQL Integration API)."""

from core.platforms.centra import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "companies": "not built: createAccount/updateAccount/createBuyer are documented (api-documentation "
                 "graphql-integration-api/05.examples/02.b2b), but the input shapes of accountAddress, "
                 "paymentTerms and creditLimit, and any look-up of an account by an external key (needed to "
                 "create each BC company once), are not; an account also needs a market, a pricelist and a "
                 "buyer before it can order",
}
