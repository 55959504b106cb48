"""Centra's parts of the flows beyond orders (found by core.platforms.part): stock, shipments, refunds, prices.

Stock (contract 4.2): absolute `setStock` per warehouse, PHYSICAL quantities, per variant and size.
- A shop location is a Centra warehouse id: `[shops.locations] "1" = ["MAIN"]` shows BC location MAIN in
  warehouse 1; without mapped locations `[shops.stock] default_location` names the warehouse of BC's total.
- A SKU is a product size; its variant id and size name come from reading the catalog once per run
  (client.size_targets, unverified query) and are cached like every platform's targets.
- Per-item answers: Centra reports problems in `userErrors{message path}`. Whether a setStock with some
  bad rows applied the good ones is not documented, so nothing is taken as applied from a call that
  answered errors: the rows the errors name are failed, and the rest is sent again without them (an
  absolute quantity can be sent twice). Only a call without errors counts its rows as applied.

Shipments (contract 4.3): `createShipment` on the order's lines, then `completeShipment` with tracking.
Refunds (contract 4.5): completed returns of the Order API (REST), see `new_refunds`.
Prices (contract 4.4): `setPrices` per variant on one pricelist, see `ProductWriter`.
docs/platforms.md ("Centra") says all of this in the operator's words, with what is not verified.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.platforms.payload import money, text
from core.sync import shipment_mapping as ship_mapping
from core.sync import stock_mapping
from core.sync.shipments import Pushed
from core.sync.stock import GONE, WriteResult


def __getattr__(name: str):
    """`CompanyWriter` (the companies export's part) is accounts.AccountWriter, imported when asked for: accounts
    imports the export pipeline, which the other flows need not load."""
    if name == "CompanyWriter":
        from core.platforms.centra.accounts import AccountWriter

        return AccountWriter
    raise AttributeError(name)


STOCK_ROUNDS = 3  # a call with errors is sent again without the rows named, at most this many times
INVALID_ITEM = GONE[0]  # the cached variant/size is wrong: look the SKU up again next run
REJECTED = "REJECTED"


def _index(path, key: str) -> int | None:
    """The list index after `key` in a userError path (["input", "productVariants", 2, …] → 2)."""
    if not isinstance(path, list):
        return None
    for position, part in enumerate(path[:-1]):
        if part == key:
            try:
                return int(path[position + 1])
            except (TypeError, ValueError):
                return None
    return None


class StockWriter:
    """setStock per warehouse; one call per warehouse of a batch. The batch limit is not documented
    [unverified]: 100 size levels per call keeps a call small under the mutation bucket."""

    batch_size = 100

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id
        self._catalog: dict[str, dict] | None = None

    def discover(self, skus: list[str]) -> dict[str, dict]:
        if self._catalog is None:  # one catalog read per run, however many SKUs are new
            self._catalog = self.client.size_targets()
        return {sku: self._catalog[sku] for sku in skus if sku in self._catalog}

    def write(self, changes: list[stock_mapping.Change], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        by_warehouse: dict[int, list[stock_mapping.Change]] = {}
        for change in changes:
            location = change.location.strip()
            if not location.isdigit():
                raise NeedsAttention(
                    f"Centra stock goes to a warehouse by its id, but the shop location is {location!r}.",
                    resolution="name Centra warehouse ids (AMS → Setup → Warehouses) as the keys of [shops.locations],"
                               ' e.g. "1" = ["MAIN"], or as [shops.stock] default_location',
                    code="stock_location_unknown")
            by_warehouse.setdefault(int(location), []).append(change)
        for warehouse, rows in by_warehouse.items():
            self._write_warehouse(warehouse, rows, targets, result)
        return result

    def _write_warehouse(self, warehouse: int, rows: list[stock_mapping.Change], targets: dict[str, dict],
                         result: WriteResult) -> None:
        for _ in range(STOCK_ROUNDS):
            if not rows:
                return
            variants: dict[int, list[stock_mapping.Change]] = {}
            for change in rows:
                variants.setdefault(targets[change.sku]["variant"], []).append(change)
            groups = list(variants.items())
            levels = [(variant, [(targets[c.sku]["size"], c.quantity) for c in group]) for variant, group in groups]
            errors = self.client.set_stock(warehouse, levels, description=f"BC stock (bridge run {self.run_id})")
            result.calls += 1
            if not errors:
                result.applied.extend(rows)
                return
            named: dict[int, tuple[str, str]] = {}  # id(change) → (code, message)
            for error in errors:
                message = text(error.get("message")) or "refused"
                path = error.get("path")
                if isinstance(path, list) and "warehouse" in path:
                    raise NeedsAttention(f"Centra refused warehouse {warehouse}: {message}",
                                         resolution="check the warehouse ids in [shops.locations] / [shops.stock] "
                                                    "default_location against AMS → Setup → Warehouses",
                                         code="stock_location_unknown")
                variant_at = _index(path, "productVariants")
                if variant_at is None or variant_at >= len(groups):
                    continue  # not about one row: nothing of this call is taken as applied
                group = groups[variant_at][1]
                size_at = _index(path, "sizeStockLevels")
                hit = [group[size_at]] if size_at is not None and size_at < len(group) else group
                about_target = isinstance(path, list) and path[-1] in ("productVariant", "size", "name")
                for change in hit:
                    named[id(change)] = (INVALID_ITEM if about_target else REJECTED, message)
            if not named:  # errors about the call as a whole: every row failed, none applied
                reason = "; ".join(text(e.get("message")) for e in errors)
                result.failed.extend((change, REJECTED, reason) for change in rows)
                return
            for change in rows:
                if id(change) in named:
                    code, message = named[id(change)]
                    result.failed.append((change, code, message))
            rows = [change for change in rows if id(change) not in named]
        result.failed.extend((change, REJECTED, "Centra kept answering errors for this call") for change in rows)


# ---------------------------------------------------------------------------------------------- shipments

def _captured(order: dict) -> bool:
    """Has the whole order been captured already (captureOrder, e.g. pre-orders)? Then a shipment is paid."""
    total = money(((order.get("grandTotal") or {}).get("value")), None)
    captured = sum((money(((entry.get("value") or {}).get("value"))) for entry in order.get("paymentHistory") or []
                    if isinstance(entry, dict) and text(entry.get("entryType")).upper() == "CAPTURE"
                    and text(entry.get("status")).upper() == "SUCCESS"), Decimal(0))
    return total is not None and total > 0 and captured >= total


def _shipped_at(shipment: dict) -> str:
    """completeShipment's shippedAt: BC's shipment date when it is before today (PHP reads "YYYY-MM-DD"),
    else "now" — Centra refuses a shippedAt in the future [V: C1], and a date of today at midnight would
    say nothing more."""
    value = text(shipment.get("shipmentDate") or shipment.get("postingDate"))[:10]
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return "now"
    return value if day < datetime.now(UTC).date() else "now"


class ShipmentWriter:
    """createShipment on the order's lines (BC's shipped quantities placed on the Centra order lines by the
    orders convention), then completeShipment with carrier and tracking number.

    - Payment: Centra completes a shipment only once it is good-to-go and paid [V: C1, the unpaid-shipment
      example answers `isPaid: false`]. A shipment of an order not captured in full is created with
      `capture: true` (Centra captures what ships, its documented way); of an order captured in full
      (captureOrder) with `isPaid: true`. A shipment Centra created but could not capture stays unpaid:
      that is a needs-attention record, and a retry after it was captured in AMS completes it.
    - Exactly once: `additionalMessage` carries "BC shipment <number>"; a retry finds that shipment on the
      order and completes it (or links it, when it is already shipped) instead of creating a second one.
    """

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking: ship_mapping.Tracking,
             fully_shipped: Callable[[], bool]) -> Pushed:
        number = text(shipment.get("number"))
        marker = ship_mapping.note_marker(number)
        order = self.client.shipping_order(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Centra order {order_id}, which the Integration API does not find.",
                resolution="check the order in Centra AMS (and that the token may read it); retry this record when "
                           "it is there, or mark it done",
                code="shop_order_missing")
        ours = next((s for s in order.get("shipments") or []
                     if isinstance(s, dict) and text(s.get("additionalMessage")).strip() == marker), None)
        if ours is not None and ours.get("isShipped"):
            return Pushed(f"Centra shipment {ours.get('number')} of order {order_id} is already completed for "
                          f"{marker}; linked.", {"shipment": ours.get("id"), "recovered": True,
                                                 "tracking": tracking.number})
        if text(order.get("status")).upper() == "CANCELLED":
            raise NeedsAttention(f"BC shipment {number} belongs to Centra order {order_id}, which is cancelled.",
                                 resolution="check why a cancelled order was shipped in BC; inform the customer by "
                                            "hand",
                                 code="shipped_after_cancel")
        recovered, problems = ours is not None, []
        if ours is None:
            ours, problems = self._create(shop, order, order_id, shipment, marker)
        if not ours.get("isPaid"):
            raise NeedsAttention(
                f"Centra shipment {ours.get('number')} (order {order_id}, {marker}) is created but not paid: Centra "
                "could not capture the payment, and it completes only paid shipments.",
                resolution="capture the shipment (or mark it paid) in Centra AMS, then retry this record to complete "
                           "it with the tracking number",
                code="shipment_unpaid")
        info = {key: value for key, value in (("carrier", tracking.company), ("trackingNumber", tracking.number))
                if value}
        data: dict = {"shippedAt": _shipped_at(shipment), "sendEmail": shop.shipments.notify_customer}
        if info:
            data["shipmentInfo"] = info
        completed, errors = self.client.complete_shipment(int(ours["id"]), data)
        if errors or completed is None:
            raise NeedsAttention(
                f"Centra created shipment {ours.get('number')} for {marker} but refused to complete it: "
                + "; ".join(text(e.get("message")) for e in errors),
                resolution="complete the shipment in Centra AMS with the tracking number, or fix what Centra names "
                           "and retry this record",
                code="shop_rejected")
        text_ = (f"Centra shipment {completed.get('number')} of order {order_id} completed"
                 + (f" with {tracking.company} tracking {tracking.number}." if tracking.known
                    else " without tracking.") + (" (created by an earlier attempt)" if recovered else ""))
        data = {"shipment": completed.get("id"), "tracking": tracking.number}
        if problems:  # BC shipped more (or other items) than the order has open: shipped, and said
            return Pushed(text_, data, attention="Not placed: " + "; ".join(problems) + ".")
        return Pushed(text_, data)

    def _create(self, shop: Shop, order: dict, order_id: str, shipment: dict, marker: str) -> tuple[dict, list[str]]:
        number = text(shipment.get("number"))
        shipped = ship_mapping.shipped_quantities(shipment.get("salesShipmentLines") or [])
        if not shipped:
            raise Skip(f"BC shipment {number} has no item lines to ship.")
        already: dict[str, int] = {}
        for earlier in order.get("shipments") or []:
            for line in (earlier or {}).get("lines") or []:
                key = text(((line or {}).get("orderLine") or {}).get("id"))
                already[key] = already.get(key, 0) + int(money(line.get("quantity")))
        open_lines = []
        for line in order.get("lines") or []:
            remaining = int(money(line.get("quantity"))) - already.get(text(line.get("id")), 0)
            if remaining > 0:
                open_lines.append(ship_mapping.OpenLine(
                    fulfillment_order_id="order", line_item_id=text(line.get("id")), remaining=remaining,
                    item_number=ship_mapping.item_number_for(
                        shop, variant_id=text((line.get("productVariant") or {}).get("id")),
                        sku=text((line.get("productSize") or {}).get("SKU")))))
        if not open_lines:
            raise Skip(f"Centra order {order_id} has nothing left to ship (shipped there already).")
        allocation = ship_mapping.allocate(shipped, open_lines)
        if allocation.empty:
            raise NeedsAttention(
                f"BC shipment {number} matches no open line of Centra order {order_id}: "
                + "; ".join(allocation.problems) + ".",
                resolution=f'map the Centra SKUs to these BC items in [shops.items] of shop "{shop.key}" and retry, '
                           "or ship the order in Centra AMS by hand",
                code="shipment_unmatched")
        data: dict = {"order": {"number": int(order_id)},
                      "lines": [{"orderLine": {"id": int(line_id)}, "quantity": quantity}
                                for line_id, quantity in allocation.by_fulfillment_order["order"]],
                      "isGoodToGo": True, "sendEmail": False, "additionalMessage": marker}
        if _captured(order):
            data["isPaid"] = True
        else:
            data["capture"] = True
        created, errors = self.client.create_shipment(data)
        if errors or created is None:
            raise NeedsAttention(
                f"Centra refused the shipment of order {order_id} for BC shipment {number}: "
                + "; ".join(text(e.get("message")) for e in errors),
                resolution="check the order in Centra AMS (edited, shipped or cancelled by hand?); ship it there by "
                           "hand or retry this record",
                code="shop_rejected")
        return created, allocation.problems


# ---------------------------------------------------------------------------------------------- refunds

RETURN_LOOKBACK = timedelta(days=30)  # a return completed this long after it was created is still found


def new_refunds(client, shop: Shop, since: datetime, until: datetime) -> Iterator:
    """Completed returns of the Order API (the only place Centra keeps a return's money, contract 4.5),
    each its own delivery: the return object as `GET returns` answers it.

    The Order API filters returns by creation (`newer_than`), but a return becomes a refund when it is
    completed, often days later; so the listing reaches back RETURN_LOOKBACK before the window and every
    completed return found is offered. The reconcile queues only those BC does not have (a bound refund
    binding) and that are not queued already, so reading one twice costs a look-up, not a second memo.
    `client` (the Integration API client the reconcile opens) is not used."""
    from core.platforms.centra.order_api import order_api_for
    from core.sync.refunds import RefundDelivery

    with order_api_for(shop) as api:
        seen: set[str] = set()
        for row in api.returns(newer_than=since - RETURN_LOOKBACK):
            ident = text(row.get("returnId"))
            if not ident or ident in seen or row.get("completed") is not True:
                continue
            seen.add(ident)
            yield RefundDelivery(ident, row, (ident,), "return.completed")


# ---------------------------------------------------------------------------------------------- prices

class ProductWriter:
    """Prices BC → Centra: `setPrices` on the pricelist `[shops.products] shop_price_list`, each variant's own
    price (the guide's `individualVariantPrices`; Centra prices are per variant, not per size [V: C1]).

    Centra is the product catalogue (its PIM): names, status, categories and new products are made there,
    so the bridge sends prices only. A change of title, status or category in BC is therefore nothing to
    send and counts as done; `create_missing` is refused per product. Sizes of one variant that BC prices
    differently cannot be told apart in Centra: that product fails with the reason, nothing of it is sent.
    """

    def __init__(self, client):
        self.client = client
        self._catalog: dict[str, dict] | None = None
        self._pricelist: tuple[int, str] | None = None

    def discover(self, skus: list[str]) -> dict[str, dict]:
        if self._catalog is None:
            self._catalog = self.client.size_targets()
        return {sku: self._catalog[sku] for sku in skus if sku in self._catalog
                and self._catalog[sku].get("product") is not None}

    def _target_pricelist(self) -> tuple[int, str]:
        if self._pricelist is None:
            shop = getattr(self.client, "shop", None)
            value = text(shop.products.shop_price_list if shop is not None else "")
            key = shop.key if shop is not None else "the shop"
            if not value.isdigit():
                raise NeedsAttention(
                    f"Shop {key}: Centra keeps prices per pricelist, and no pricelist id is configured "
                    f"({value!r}).",
                    resolution=f'set shop_price_list in [shops.products] of shop "{key}" to the Centra pricelist id '
                               "(AMS → Setup → Pricelists)", code="missing_setting")
            currency = self.client.pricelist_currency(int(value))
            if not currency:
                raise NeedsAttention(f"Shop {key}: Centra has no pricelist {value}.",
                                     resolution=f'correct shop_price_list in [shops.products] of shop "{key}"',
                                     code="missing_setting")
            self._pricelist = (int(value), currency)
        return self._pricelist

    def update(self, changes: list, targets: dict[str, dict]):
        from core.sync.products import WriteResult as ProductResult

        result = ProductResult()
        pricelist, currency = self._target_pricelist() if any(c.variants for c in changes) else (0, "")
        for change in changes:
            by_product: dict[int, dict[int, Decimal]] = {}
            conflict = ""
            for variant in change.variants:
                target = targets[variant.sku]
                prices = by_product.setdefault(target["product"], {})
                if target["variant"] in prices and prices[target["variant"]] != variant.price:
                    conflict = (f"Centra prices are per variant, not per size: BC prices the sizes of variant "
                                f"{target['variant']} differently ({prices[target['variant']]} and {variant.price}, "
                                f"SKU {variant.sku}); give them one price in BC")
                prices[target["variant"]] = variant.price
            if conflict:
                result.failed.append((change, conflict))
                continue
            refused = []
            for product, prices in by_product.items():
                errors = self.client.set_prices(pricelist, currency, product, prices)
                result.calls += 1
                if errors:
                    refused.append("; ".join(text(e.get("message")) for e in errors))
                    if any(isinstance(e.get("path"), list) and e["path"][-1] in ("product", "productVariant")
                           for e in errors):
                        result.gone += change.product.skus  # the cached ids are stale: look them up again
            if refused:
                result.failed.append((change, f"Centra refused the prices of {change.item}: {'; '.join(refused)}"))
            else:
                result.applied.append(change)  # names, status, categories are Centra's: nothing else to send
        return result

    def create(self, products: list):
        from core.sync import product_mapping
        from core.sync.products import WriteResult as ProductResult

        result = ProductResult()
        for product in products:
            change = product_mapping.ProductChange(product, product.fields(), product.variants)
            result.failed.append((change, f"{product.item} is not in Centra: products are created in Centra (its "
                                          "PIM), the bridge writes prices only; switch off create_missing"))
        return result
