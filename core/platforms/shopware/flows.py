"""What Shopware 6 offers the flows beyond orders: stock, shipments and products (core.platforms.part).

Facts from ../shared/contracts/platforms-wave2.md §6 (cited "§6"); where it is silent the reading chosen is
named here and in docs/platforms.md's Shopware section.

- Stock (StockWriter): `stock` is one absolute number per product, variants being products of their own;
  a BC SKU is a Shopware `productNumber`. Written through the sync API, `{"entity": "product", "action":
  "upsert", "payload": [{"id", "stock"}]}` (§6 [V: S2]), up to `batch_size` rows a call. Per-warehouse
  stock exists only in the commercial Multi-Inventory (§6, prior research): not written; a shop mapping
  several locations is refused by the stock plan.
- Shipments (ShipmentWriter): the order's delivery gets the BC tracking number appended to
  `trackingCodes` (`PATCH /api/order-delivery/{id}`, §6 [V: S4]), then the `ship` transition
  (`ship_partially` while BC has not shipped the whole order; §6 [V: S1, S3]).
- Products (ProductWriter): name, active and the price in one currency (gross and net, as Shopware stores
  them, §6 [V: S2]) through the same sync upsert; missing simple products are created with the docs'
  create example. Descriptions, images, categories and visibilities are the shop's and never sent.

Sync errors (the contract is silent on their shape): the request is one transaction; a 400 answers
`errors[]` whose `source.pointer` is "/<operation key>/<row>/<field>". The rows named are the refused
ones; the rest is sent again once. A pointer at a field we did not send (productNumber, name, taxId…)
means Shopware tried to *create* the row: the product id no longer exists.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms.shopware.client import rate_key
from core.platforms.shopware.parse import DEFAULT_CURRENCY_ID

log = logging.getLogger("core.platforms.shopware.flows")

STOCK_KEY = "bc-stock"
PRODUCTS_KEY = "bc-products"
SYNC_ROUNDS = 2  # the whole batch, then once more without the rows Shopware refused
SYNC_BATCH = 250  # rows per sync call: Shopware documents no limit [U]; a refused row's re-send stays cheap
CENT = Decimal("0.01")
GONE_CODE = "INVALID_INVENTORY_ITEM"  # core.sync.stock.GONE: the cached target is looked up again


# ---------------------------------------------------------------------------------------------- sync errors

def refused_rows(answer: dict, key: str, fields_sent: Callable[[int], set[str]],
                 rows: int) -> dict[int, tuple[str, str]] | None:
    """{row index: (code, message)} of a refused sync request; None when an error names no row of ours
    (the whole request is wrong: every row fails). Code GONE_CODE when Shopware complained about a field
    we did not send: it tried to create the row, so the product is gone."""
    refused: dict[int, tuple[str, str]] = {}
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if not isinstance(errors, list) or not errors:
        return None
    for error in errors:
        if not isinstance(error, dict):
            return None
        pointer = str((error.get("source") or {}).get("pointer") or "") if isinstance(
            error.get("source"), dict) else ""
        parts = pointer.strip("/").split("/")
        if len(parts) < 2 or parts[0] != key or not parts[1].isdigit() or int(parts[1]) >= rows:
            return None
        index = int(parts[1])
        field = parts[2] if len(parts) > 2 else ""
        message = f"{error.get('code') or ''}: {error.get('detail') or error.get('title') or ''} ({pointer})"
        if field and field not in fields_sent(index):
            refused[index] = (GONE_CODE, f"the product no longer exists in Shopware ({message})")
        elif index not in refused:
            refused[index] = (str(error.get("code") or "REJECTED"), message)
    return refused


def _describe(answer: dict) -> str:
    errors = answer.get("errors") if isinstance(answer, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return f"{first.get('code') or 'error'}: {first.get('detail') or first.get('title') or answer}"[:300]


def _send_rows(client, key: str, rows: list[tuple[object, dict]]) -> tuple[list[tuple], int]:
    """Sync `rows` [(owner, payload row)] as one product upsert, SYNC_ROUNDS at most. Returns the outcome
    per owner — ("applied", owner, "", "") or ("failed", owner, code, message) — and the calls made."""
    calls = 0
    outcomes: list[tuple] = []
    for _ in range(SYNC_ROUNDS):
        if not rows:
            break
        status, answer = client.sync({key: {"entity": "product", "action": "upsert",
                                            "payload": [row for _, row in rows]}})
        calls += 1
        if status < 400:
            outcomes += [("applied", owner, "", "") for owner, _ in rows]
            return outcomes, calls
        refused = refused_rows(answer, key, lambda i, rows=rows: set(rows[i][1]), len(rows))
        if refused is None:
            reason = f"Shopware refused the sync request: {_describe(answer)}"
            outcomes += [("failed", owner, "REJECTED", reason) for owner, _ in rows]
            return outcomes, calls
        outcomes += [("failed", rows[i][0], code, message) for i, (code, message) in sorted(refused.items())]
        rows = [row for i, row in enumerate(rows) if i not in refused]
    outcomes += [("failed", owner, "REJECTED", "Shopware refused the batch again") for owner, _ in rows]
    return outcomes, calls


# ---------------------------------------------------------------------------------------------- stock

class StockWriter:
    """`stock` per product number through the sync API (same interface as core.sync.stock's writers)."""

    batch_size = SYNC_BATCH

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"product_id": str(product["id"])}
                for sku, product in self.client.products_by_number(skus).items()}

    def write(self, changes, targets: dict[str, dict]):
        from core.sync.stock import WriteResult

        result = WriteResult()
        rows = [(change, {"id": targets[change.sku]["product_id"], "stock": int(change.quantity)})
                for change in changes]
        outcomes, result.calls = _send_rows(self.client, STOCK_KEY, rows)
        for kind, change, code, message in outcomes:
            if kind == "applied":
                result.applied.append(change)
            else:
                result.failed.append((change, code, message))
        return result


# ---------------------------------------------------------------------------------------------- shipments

SHIPPED, PARTLY = "shipped", "shipped_partially"
CLOSED_DELIVERY_STATES = ("cancelled", "returned", "returned_partially")


def _state(node) -> str:
    return str(node.get("technicalName") or "") if isinstance(node, dict) else ""


def _delivery(order: dict) -> dict | None:
    """The delivery a BC shipment ships: Shopware makes one per order at checkout; with several (edited
    orders) the first still open or partly shipped, else the first."""
    deliveries = [d for d in order.get("deliveries") or [] if isinstance(d, dict) and d.get("id")]
    for delivery in deliveries:
        if _state(delivery.get("stateMachineState")) in ("open", PARTLY):
            return delivery
    return deliveries[0] if deliveries else None


class ShipmentWriter:
    """Tracking code on the order's delivery, then the `ship` (or `ship_partially`) transition."""

    def __init__(self, client):
        self.client = client

    def _read(self, order_id: str, number: str) -> tuple[dict, dict]:
        order = self.client.order(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Shopware order {order_id}, which no longer exists in the shop.",
                resolution="Nothing to send; check the order in BC. Retry this record if the order comes back.",
                code="shop_order_missing")
        delivery = _delivery(order)
        if delivery is None:
            raise NeedsAttention(
                f"Shopware order {order.get('orderNumber') or order_id} has no delivery to ship for BC shipment "
                f"{number}.", resolution="Add a delivery to the order in the Shopware Administration (or mark it "
                "shipped there by hand), then retry this record.", code="shipment_no_delivery")
        if not isinstance(delivery.get("stateMachineState"), dict):
            raise NeedsAttention(
                f"Shopware answered the delivery of order {order.get('orderNumber') or order_id} without its state.",
                resolution="Shopware 6.6 leaves out associations not asked for; this version asks for "
                "deliveries.stateMachineState. If it persists, report it with the Shopware version.",
                code="shop_api_error")
        return order, delivery

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking, fully_shipped: Callable[[], bool]):
        from core.sync.shipments import Pushed

        number = str(shipment.get("number") or "")
        order, delivery = self._read(order_id, number)
        name = str(order.get("orderNumber") or order_id)
        if _state(order.get("stateMachineState")) == "cancelled":
            raise NeedsAttention(
                f"BC shipment {number} belongs to Shopware order {name}, which is cancelled in the shop.",
                resolution="Check why a cancelled order was shipped in BC; inform the customer by hand.",
                code="shipped_after_cancel")
        delivery_id, state = str(delivery["id"]), _state(delivery["stateMachineState"])
        codes = [str(c) for c in delivery.get("trackingCodes") or []]
        data = {"delivery": delivery_id, "tracking": tracking.number}
        has_code = not tracking.known or tracking.number in codes
        complete = fully_shipped()
        target = SHIPPED if complete else PARTLY
        if has_code and state in (target, SHIPPED):  # a retry after a crash between the push and the binding
            return Pushed(f"Shopware order {name} is already {state}"
                          + (f" with tracking {tracking.number}" if tracking.known else "") + "; linked.",
                          {**data, "state": state, "recovered": True})
        if state in CLOSED_DELIVERY_STATES:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Shopware order {name}, whose delivery is {state}.",
                resolution="Check the order in Shopware; set the delivery to open (reopen) there and retry this "
                "record, or inform the customer by hand.", code="shipped_after_cancel")
        if not has_code and not self.client.update_delivery(delivery_id, {"trackingCodes": [*codes,
                                                                                             tracking.number]}):
            raise NeedsAttention(f"The delivery of Shopware order {name} disappeared while BC shipment {number} "
                                 "was sent.", resolution="Retry this record.", code="shop_order_missing")
        transition = None if state in (target, SHIPPED) else ("ship" if complete else "ship_partially")
        recovered = False
        if transition is not None:
            status, answer = self.client.transition_delivery(delivery_id, transition)
            if status >= 400:
                # an earlier try whose answer was lost may have made it: read the delivery again
                _, again = self._read(order_id, number)
                now = _state(again["stateMachineState"])
                if str(again["id"]) != delivery_id or now not in (target, SHIPPED):
                    raise NeedsAttention(
                        f"Shopware refused the {transition} transition of the delivery of order {name} (state "
                        f"{now}) for BC shipment {number}: {_describe(answer)}",
                        resolution="Set the delivery state in the Shopware Administration by hand (the tracking "
                        "code is on it), then retry this record.", code="shop_rejected")
                recovered = True
            state = target
        text = (f"Shopware order {name}: delivery {state.replace('_', ' ')}"
                + (f", tracking {tracking.number} added." if tracking.known else " (no tracking).")
                + (" The transition had been made by an earlier try." if recovered else ""))
        return Pushed(text, {**data, "state": state, "complete": complete})


# ---------------------------------------------------------------------------------------------- products

class ProductWriter:
    """Name, active and the price in the flow's currency, by product number, through the sync API.

    Gross and net: Shopware keeps both per currency. The BC price is the shop's gross price when
    `[shops.products] prices_include_tax` is on, else its net price; the other is computed with the
    product's tax rate in Shopware, to the cent (the docs' example: 19.99 gross at 19 % is 16.80 net), and
    `linked` stays true. The prices of other currencies on the product are kept as they are.

    Creating (`create_missing`): simple products only, see create(); products with BC variants are created
    in Shopware by hand (variants need property groups), and the next run fills in name, price and status.
    """

    def __init__(self, client):
        self.client = client
        self.currency = ""  # the ISO code the flow's prices are in (use_currency), else the default currency
        self._currency_id = ""

    def use_currency(self, iso: str) -> None:
        self.currency = iso.upper()

    def _currency(self) -> str:
        if self._currency_id:
            return self._currency_id
        if not self.currency:
            self._currency_id = DEFAULT_CURRENCY_ID
            return self._currency_id
        ids = self.client.currency_ids()
        if self.currency not in ids:
            raise NeedsAttention(
                f"The BC prices are in {self.currency}, a currency the Shopware shop does not have.",
                resolution=f"add {self.currency} in Shopware (Settings > Shop > Currencies), or route the shop "
                "to a BC company / price list in a currency the shop has", code="products_currency_unknown")
        self._currency_id = ids[self.currency]
        return self._currency_id

    def discover(self, skus: list[str]) -> dict[str, dict]:
        found = {}
        for sku, product in self.client.products_by_number(skus).items():
            tax = product.get("tax") if isinstance(product.get("tax"), dict) else {}
            found[sku] = {"product_id": str(product["id"]), "parent_id": product.get("parentId"),
                          "tax_rate": str(tax.get("taxRate")) if tax.get("taxRate") is not None else None,
                          "prices": product.get("price") if isinstance(product.get("price"), list) else []}
        return found

    def _price(self, target: dict, amount: Decimal, includes_tax: bool) -> list[dict]:
        if target.get("tax_rate") is None:
            raise ValueError("the product has no tax rate in Shopware")
        factor = 1 + Decimal(target["tax_rate"]) / 100
        amount = Decimal(amount).quantize(CENT, ROUND_HALF_UP)
        gross = amount if includes_tax else (amount * factor).quantize(CENT, ROUND_HALF_UP)
        net = (amount / factor).quantize(CENT, ROUND_HALF_UP) if includes_tax else amount
        currency = self._currency()
        mine = {"currencyId": currency, "gross": float(gross), "net": float(net), "linked": True}
        kept = [p for p in target.get("prices") or [] if isinstance(p, dict) and p.get("currencyId") != currency]
        return [*kept, mine]

    def _includes_tax(self) -> bool:
        shop = getattr(self.client, "shop", None)
        return shop.products.prices_include_tax if shop is not None else True  # the option's default

    def update(self, changes, targets: dict[str, dict]):
        from core.sync import product_mapping as mapping
        from core.sync.products import WriteResult

        includes_tax = self._includes_tax()
        result = WriteResult()
        rows: dict[str, dict] = {}  # product id → row
        owners: dict[str, list] = {}  # product id → the changes it carries
        failed: dict[int, str] = {}
        for change in changes:
            for sku in change.product.skus:
                target = targets.get(sku)
                if target is None or target.get("unknown"):
                    continue
                if change.fields:
                    # a variant inherits name and status from its parent, which has no BC SKU: write the parent
                    holder = str(target.get("parent_id") or target["product_id"])
                    row = rows.setdefault(holder, {"id": holder})
                    if "title" in change.fields:
                        row["name"] = change.fields["title"]
                    if "status" in change.fields:
                        row["active"] = change.fields["status"] == mapping.ACTIVE
                    owners.setdefault(holder, []).append(change)
                variant = next((v for v in change.variants if v.sku == sku), None)
                if variant is None:
                    continue
                try:
                    price = self._price(target, variant.price, includes_tax)
                except ValueError as exc:
                    failed[id(change)] = f"{sku}: {exc}"
                    continue
                rows.setdefault(target["product_id"], {"id": target["product_id"]})["price"] = price
                owners.setdefault(target["product_id"], []).append(change)
        pending = list(rows.values())
        for start in range(0, len(pending), SYNC_BATCH):
            chunk = [(row["id"], row) for row in pending[start:start + SYNC_BATCH]]
            outcomes, calls = _send_rows(self.client, PRODUCTS_KEY, chunk)
            result.calls += calls
            for kind, product_id, code, message in outcomes:
                if kind == "failed":
                    for change in owners.get(product_id, []):
                        failed[id(change)] = f"Shopware refused {product_id}: {message}"
                        if code == GONE_CODE:
                            result.gone += change.product.skus
        for change in changes:
            if id(change) in failed:
                result.failed.append((change, failed[id(change)]))
            else:
                result.applied.append(change)
        return result

    def create(self, products):
        """Simple products (no BC variants) with their product number, name, active, price, tax and stock
        0 — the bulk-payloads docs' own create example (§6 [V: S2]). The id is derived from the shop and the
        item, so a create whose answer was lost is the same upsert when sent again, never a second product.
        No sales-channel visibility or category is set: the shop assigns them (until then the product is
        not sold)."""
        from core.sync import product_mapping as mapping
        from core.sync.products import WriteResult

        result = WriteResult()
        rows: list[tuple[object, dict]] = []
        built: dict[str, tuple] = {}  # product id → (change, sku, target)
        taxes = None
        for product in products:
            change = mapping.ProductChange(product, product.fields(), product.variants)
            if product.has_options:
                result.failed.append((change, f"{product.item}: creating products with variants in Shopware is "
                                      "not built (variants need property groups and options): create it in "
                                      "Shopware with the variants' SKUs as product numbers"))
                continue
            if taxes is None:
                taxes = self.client.tax_ids()
            if product.tax_rate is None:
                result.failed.append((change, f"{product.item}: the BC item's tax group has no rate in the "
                                      "company's tax_codes, so the product's tax in Shopware is unknown"))
                continue
            ids = taxes.get(rate_key(product.tax_rate))
            if not ids or len(ids) > 1:
                what = "no" if not ids else f"{len(ids)}"
                result.failed.append((change, f"{product.item}: Shopware has {what} tax with the item's rate "
                                      f"({product.tax_rate} %); create the product in Shopware, or keep one tax "
                                      "per rate there"))
                continue
            variant = product.variants[0]
            product_id = uuid.uuid5(uuid.NAMESPACE_URL, f"bc-bridge:{self.client.base_url}:{product.item}").hex
            target = {"product_id": product_id, "parent_id": None, "tax_rate": rate_key(product.tax_rate),
                      "prices": []}
            price = self._price(target, variant.price, self._includes_tax())
            if not any(p["currencyId"] == DEFAULT_CURRENCY_ID for p in price):
                result.failed.append((change, f"{product.item}: a new Shopware product needs a price in the shop's "
                                      f"default currency, and the BC prices are in {self.currency}"))
                continue
            target["prices"] = price
            rows.append((product_id, {"id": product_id, "productNumber": variant.sku, "name": product.title,
                                      "active": product.status == mapping.ACTIVE, "taxId": ids[0], "stock": 0,
                                      "price": price}))
            built[product_id] = (change, variant.sku, target)
        for start in range(0, len(rows), SYNC_BATCH):
            outcomes, calls = _send_rows(self.client, PRODUCTS_KEY, rows[start:start + SYNC_BATCH])
            result.calls += calls
            for kind, product_id, _code, message in outcomes:
                change, sku, target = built[product_id]
                if kind == "applied":
                    result.created[sku] = target
                    result.applied.append(change)
                else:
                    result.failed.append((change, f"Shopware did not create {change.item}: {message}"))
        return result
