"""What BC needs after a sales document's deep insert: the parts it refuses to take inside it.

    created = co.create("salesOrders", mapped.body)
    created = complete_sales_order(co, created, mapped.discount, mapped.dimensions)

Why not in the deep insert (reference/bc-apiv2):
- Invoice discount: APIV2SalesOrders.Page.al applies a header `discountAmount` in OnInsertRecord, before
  any line exists; "Sales - Calc Discount By Type" then errors on a zero discount base. So the document
  is created first and the discount PATCHed with If-Match, as BC's own UI would.
- Dimensions: a new document already carries the customer's default dimensions, and
  APIV2DimensionSetLines.Page.al refuses to insert a code the document has ("The dimension set line
  already exists…"). So the document's lines are read: an existing code is PATCHed, a missing one POSTed.

A new document that cannot be completed is deleted again, so that a retry starts clean (the orders
pipeline looks BC up by externalDocumentNumber before creating, and would otherwise link a document
without its discount or dimensions).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from core.bc import BcError

log = logging.getLogger("core.sync.sales_document")

ZERO = Decimal(0)


def apply_dimensions(co, parent: str, dimensions: list[dict]) -> None:
    """Make the document at `parent` (e.g. "salesOrders(<id>)") carry `dimensions` ([{"code", "valueCode"}]):
    PATCH a code it already has (a customer default) when the value differs, POST a code it lacks."""
    if not dimensions:
        return
    path = f"{parent}/dimensionSetLines"
    existing = {str(row.get("code", "")).upper(): row for row in co.list(path)}
    for wanted in dimensions:
        code, value = wanted["code"].upper(), wanted["valueCode"].upper()
        row = existing.get(code)
        if row is None:
            co.create(path, {"code": code, "valueCode": value})
        elif str(row.get("valueCode", "")).upper() != value:
            co.update(path, row["id"], {"valueCode": value}, etag=row.get("@odata.etag", "*"))


def apply_discount(co, entity_set: str, document_id: str, discount: Decimal) -> dict:
    """PATCH the invoice discount with the document's current ETag (re-read on a 409); returns the
    document as BC answers it, with its recalculated totals."""
    return co.update_with_retry(entity_set, document_id, lambda current: (
        None if Decimal(str(current.get("discountAmount", 0))) == discount else {"discountAmount": discount}))


def apply_header(co, entity_set: str, document: dict, discount: Decimal, dimensions: list[dict]) -> dict:
    """Dimensions, then the invoice discount, on an existing document; returns the document as BC has it
    now (dimension changes modify the header, so its ETag and totals are read again)."""
    apply_dimensions(co, f"{entity_set}({document['id']})", dimensions)
    if discount or Decimal(str(document.get("discountAmount", 0) or 0)):
        return apply_discount(co, entity_set, document["id"], discount)
    if dimensions:
        return co.get(entity_set, document["id"])
    return document


def complete_sales_order(co, created: dict, discount: Decimal, dimensions: list[dict]) -> dict:
    """After the deep insert of a new sales order: set dimensions and invoice discount; on a BC error delete
    the new order again (best effort) and re-raise, so that nothing half-made is left to be linked."""
    return _complete(co, "salesOrders", created, discount, dimensions)


def _complete(co, entity_set: str, created: dict, discount: Decimal, dimensions: list[dict]) -> dict:
    try:
        return apply_header(co, entity_set, created, discount, dimensions)
    except BcError:
        discard(co, entity_set, created)
        raise


def discard(co, entity_set: str, created: dict) -> None:
    """Delete a document this run created but could not complete. If even that fails, the document stays
    for the read-back checks and the operator (logged with its number)."""
    try:
        current = co.get(entity_set, created["id"])
        co.delete(entity_set, created["id"], etag=current.get("@odata.etag", "*"))
    except BcError:
        log.exception("could not delete incomplete %s %s", entity_set, created.get("number"))
