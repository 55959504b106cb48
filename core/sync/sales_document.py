"""What BC needs after a sales document's deep insert: the parts it refuses to take inside it.

    created = co.create("salesOrders", mapped.body)
    created = complete_sales_order(co, created, mapped.discount, mapped.dimensions)

    memo = co.create("salesCreditMemos", mapped.header)       # no lines yet
    memo = add_lines(co, "salesCreditMemos", memo, "salesCreditMemoLines", lines_for(memo["pricesIncludeTax"]))

Why not in the deep insert (reference/bc-apiv2):
- Invoice discount: APIV2SalesOrders.Page.al applies a header `discountAmount` in OnInsertRecord, before
  any line exists; "Sales - Calc Discount By Type" then errors on a zero discount base. So the document
  is created first and the discount PATCHed with If-Match, as BC's own UI would.
- Dimensions: a new document already carries the customer's default dimensions, and
  APIV2DimensionSetLines.Page.al refuses to insert a code the document has ("The dimension set line
  already exists…"). Sales orders try them inside the deep insert first (core/sync/orders.py); where BC
  refuses that, and for the other documents, the lines are read: an existing code is PATCHed, a missing
  one POSTed.

- Credit memo tax basis: `pricesIncludeTax` is read-only on APIV2SalesCreditMemos.Page.al; BC gives a
  new memo its customer's "Prices Including VAT", which no API page shows. So the header is created
  first, and its lines are priced in the basis BC answered and added in one all-or-nothing $batch.

A new document that cannot be completed is deleted again, so that a retry starts clean (the orders
pipeline looks BC up by externalDocumentNumber before creating, and would otherwise link a document
without its discount or dimensions).
"""

from __future__ import annotations

import logging
from decimal import Decimal

from core.bc import BatchOp, BcError
from core.bc.client import MAX_BATCH
from core.errors import NeedsAttention

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


def header_may_change(document: dict, discount: Decimal, dimensions: list[dict]) -> bool:
    """Would apply_header write anything? (Callers fence BC writes; nothing to write needs no fence.)"""
    return bool(dimensions) or bool(discount) or bool(Decimal(str(document.get("discountAmount", 0) or 0)))


def apply_header(co, entity_set: str, document: dict, discount: Decimal, dimensions: list[dict]) -> dict:
    """Dimensions, then the invoice discount, on an existing document; returns the document as BC has it
    now (dimension changes modify the header, so its ETag and totals are read again)."""
    if not header_may_change(document, discount, dimensions):
        return document
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


def add_lines(co, entity_set: str, document: dict, lines_part: str, lines: list[dict]) -> dict:
    """Add `lines` to a new document in one all-or-nothing $batch (Isolation: snapshot); on any refusal
    delete the document again and raise the first error. Returns the document re-read, with its totals."""
    path = f"{entity_set}({document['id']})/{lines_part}"
    if len(lines) > MAX_BATCH:
        discard(co, entity_set, document)
        raise NeedsAttention(
            f"The document has {len(lines)} lines; BC takes at most {MAX_BATCH} in one all-or-nothing request.",
            resolution="create this document in BC by hand, then mark the record done",
            code="too_many_lines")
    try:
        results = co.batch([BatchOp("POST", path, line) for line in lines], isolation_snapshot=True)
        errors = [result.error for result in results if not result.ok]
        if errors:  # the refused line's own error, not the 424 "failed dependency" of the others
            raise next((e for e in errors if getattr(e, "status", None) != 424), errors[0])
        return co.get(entity_set, document["id"])
    except BcError:
        discard(co, entity_set, document)
        raise
