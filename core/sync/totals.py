"""After BC created a document: its computed total against the shop's, to the cent.

BC recalculates tax and rounds its own way. A difference within the company's rounding tolerance gets
a rounding line on the G/L account `gl_accounts.rounding`; anything bigger is NeedsAttention — a
document is never left silently wrong. Shared by every flow that creates sales documents.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from core.config import Company
from core.errors import NeedsAttention


def settle_bc_total(co, company: Company, *, document: dict, lines_path: str, shop_total: Decimal,
                    rounding_tax_code: str | None, what: str, against: str, resolution: str,
                    before_write: Callable[[], object] | None = None) -> str:
    """Return a note for the sync log, after adding a rounding line if one was needed.

    `document` is BC's answer (with totalAmountIncludingTax); `lines_path` where its lines are created
    (e.g. "salesOrders(<id>)/salesOrderLines"); `what` names the document ("Sales order 1001"), `against`
    the shop amount ("the shop total"); `resolution` tells the operator what to check when it is too big.
    `before_write` runs just before the rounding line is written (the orders pipeline's fence check), so that
    totals that match cost no state write.
    """
    bc_total = Decimal(str(document.get("totalAmountIncludingTax", "0")))
    difference = shop_total - bc_total
    if difference == 0:
        return "Totals match."
    if abs(difference) <= company.rounding_tolerance and company.gl_accounts.rounding:
        if before_write is not None:
            before_write()
        co.create(lines_path, {
            "lineType": "Account", "lineObjectNumber": company.gl_accounts.rounding,
            "description": f"Rounding difference to {against}", "quantity": 1, "unitPrice": difference,
            **({"taxCode": rounding_tax_code} if rounding_tax_code else {}),
        })
        return f"Added a rounding line of {difference} to match {against} {shop_total}."
    raise NeedsAttention(
        f"{what} was created but its total {bc_total} differs from {against} {shop_total} by {difference} "
        f"(tolerance {company.rounding_tolerance}).",
        resolution=resolution, code="total_mismatch", details={"bc_company": company.key},
    )
