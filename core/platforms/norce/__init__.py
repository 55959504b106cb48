"""Norce Commerce: orders pushed by the Order Receiver or fetched after an event; stock, prices and B2B companies
by Connect import jobs."""

from core.platforms.norce import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]

# every flow this platform does not carry, and why (core/capabilities.py)
GAPS = {
    "refunds": "not offered: Norce documents no shop-side refund document or event; credits start in the ERP "
               "and go to Norce as Connect `Invoice` with `CreditedInvoiceNo`",
    "refunds reconcile": "not offered: Norce documents no shop-side refund document or event to list",
    # checked: docs.norce.io/api-reference/event/webhooks/openapi/customer (the event), …/services/
    # customerservice/openapi/customers/getcustomerbycode (reads by account id or code only), …/query/
    # querycustomers (entity sets and $expand names not documented; addresses carry a numeric CountryId)
    "customers": "not built: Norce's CustomerChangedNotification event names only a CustomerId, and no public "
                 "source verifies reading one customer by that id (CustomerService 1.1 documents reads by "
                 "account id or code; Query's customer entity paths and country ids are undocumented); buyers "
                 "reach BC with their orders (the order's Person/Company)",
    "customers reconcile": "not built: no customers flow (see customers)",
}
