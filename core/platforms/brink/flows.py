"""What Brink offers the flows beyond orders (core.platforms.part): stock, shipments and prices.

Stock (contract 2.2): absolute quantities [V: B4], written with the legacy `PUT /productv1/stocks
{"productId", "stock"}`, one product per call [V: B6a]. That call knows no inventory (warehouse), so a Brink
shop takes one quantity per SKU: the shop's total (no [shops.locations] mapping, or one that sums BC locations
into ""). The Management API's per-inventory update (`BrinkVariantInventory(quantity, productId, inventoryId)`)
has no verified HTTP path, so it is not used.

Shipments (contract 2.3): a BC shipment becomes one Brink delivery of the order's lines it shipped, with the
carrier and tracking as its shipping provider. The delivery endpoint and its fields are unverified [U]; the
body is modelled on the verified OrderDelivered event and the client names the path when Brink refuses it
(client.py). The BC shipment number is the delivery's `reference`: a delivery already carrying it is linked,
never created twice. The order's shipping fees go with the delivery that completes the BC order.

Prices (contract 2.4): one verified body per variant, `{storeGroupId, productVariantId, productVariantPrices:
[{basePriceAmount, salePriceAmount, countryCode}]}` in minor units [V: B6b], for the store group and countries
named in [shops.products] (store_group_id, countries). The path is unverified (client.py). BC's price is both
the base and the sale price (BC has no "was" price). Titles, status and categories are Brink's own (its PIM):
they are not written, and products are not created in Brink.

Refunds (parse.py, OrderRefunded): a Brink refund id is a 36-character UUID (as its order ids), too long for a BC
credit memo's external document no. (35) after "<order no.>-R": `refund_reference` gives the memo its first 16 hex
digits (64 bits: no two refunds of one order share them in practice), still found in Brink by that prefix.
"""

from __future__ import annotations

from collections.abc import Callable

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.platforms.payload import text
from core.sync import product_mapping, shipment_mapping
from core.sync.products import WriteResult as ProductResult
from core.sync.shipments import Pushed
from core.sync.stock import WriteResult
from core.sync.stock_mapping import Change

UNKNOWN_PRODUCT = "INVALID_INVENTORY_ITEM"  # core.sync.stock GONE: the cached target is dropped, looked up again
NO_INVENTORY = "INVALID_LOCATION"  # core.sync.stock NOT_STOCKED: remembered, not retried until a full run


class StockWriter:
    """One PUT per SKU (Brink documents no batch call); `batch_size` only sets how many go per round."""

    batch_size = 50

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id

    def discover(self, skus: list[str]) -> dict[str, dict]:
        """The SKUs Brink knows, by product id (Brink's product ids are the merchant's own ids)."""
        return {sku: {"product_id": sku} for sku in self.client.products(skus)}

    def write(self, changes: list[Change], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        for change in changes:
            if change.location:
                result.failed.append((change, NO_INVENTORY, (
                    f"Brink's stock call takes one quantity per product, not per location ({change.location!r}); "
                    "remove [shops.locations] for this shop, or map every BC location to \"\"")))
                continue
            response = self.client.set_stock(targets[change.sku]["product_id"], change.quantity)
            result.calls += 1
            if response.status_code < 300:
                result.applied.append(change)
            elif response.status_code == 404:
                result.failed.append((change, UNKNOWN_PRODUCT,
                                      f"Brink has no product {change.sku!r} any more (404)"))
            else:
                result.failed.append((change, f"HTTP_{response.status_code}",
                                      f"Brink refused the stock of {change.sku}: {response.text[:200]}"))
        return result


class ShipmentWriter:
    """One Brink delivery per BC shipment (path [U], see client.py)."""

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking: shipment_mapping.Tracking,
             fully_shipped: Callable[[], bool]) -> Pushed:
        number = text(shipment.get("number"))
        deliveries = self.client.deliveries(order_id)
        done = next((d for d in deliveries if text(d.get("reference")) == number), None)
        if done is not None:
            return Pushed(f"Brink order {order_id} already has the delivery for BC shipment {number}; linked.",
                          {"delivery": text(done.get("id")), "tracking": tracking.number, "recovered": True})
        order = self.client.order(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Brink order {order_id}, which the order API does not find.",
                resolution="Nothing to send; check the order in Brink. Retry this record if it comes back.",
                code="shop_order_missing")
        shipped = shipment_mapping.shipped_quantities(shipment.get("salesShipmentLines") or [])
        if not shipped:
            raise Skip(f"BC shipment {number} has no item lines to deliver.")
        delivered: dict[str, int] = {}  # order line id → quantity in earlier deliveries (BC's partial shipments)
        for delivery in deliveries:
            for row in delivery.get("orderLines") or []:
                if isinstance(row, dict):
                    key = text(row.get("orderLineId"))
                    delivered[key] = delivered.get(key, 0) + int(row.get("quantity") or 0)
        open_lines = [shipment_mapping.OpenLine(
            fulfillment_order_id=order_id, line_item_id=text(row.get("id")),
            item_number=shipment_mapping.item_number_for(shop, variant_id=text(row.get("productVariantId")),
                                                         sku=text(row.get("productVariantId"))),
            remaining=int(row.get("quantity") or 0) - delivered.get(text(row.get("id")), 0))
            for row in order.get("orderLines") or [] if isinstance(row, dict)]
        open_lines = [line for line in open_lines if line.remaining > 0]
        allocation = shipment_mapping.allocate(shipped, open_lines)
        if allocation.empty:
            raise NeedsAttention(
                f"BC shipment {number} matches no line of Brink order {order_id}: "
                + "; ".join(allocation.problems) + ".",
                resolution=f'map the Brink variant ids to these BC items in [shops.items] of shop "{shop.key}" and '
                           "retry, or create the delivery in Brink by hand",
                code="shipment_unmatched")
        complete = fully_shipped()
        body = {
            "reference": number,
            "orderLines": [{"orderLineId": line, "quantity": quantity}
                           for lines in allocation.by_fulfillment_order.values() for line, quantity in lines],
            "shippingFees": [{"shippingFeeId": text(fee.get("id"))} for fee in order.get("shippingFees") or []
                             if isinstance(fee, dict) and complete],
            "shippingProvider": {"providerName": tracking.company, "trackingNumber": tracking.number,
                                 "trackingUrl": tracking.url},
        }
        created = self.client.create_delivery(order_id, body)
        message = (f"Delivered {allocation.quantity} item(s) of Brink order {order_id}"
                   + (f" with {tracking.company} tracking {tracking.number}." if tracking.known
                      else " without tracking."))
        data = {"delivery": text(created.get("id")), "tracking": tracking.number, "completed": complete}
        if allocation.problems:
            return Pushed(message, data, attention="Not placed: " + "; ".join(allocation.problems) + ".")
        return Pushed(message, data)


def _minor(amount) -> int:
    return int((amount * 100).to_integral_value())  # BC prices are in the shop's currency, cents → minor units


class ProductWriter:
    """Prices of existing Brink variants, one PUT per variant (path [U], see client.py)."""

    def __init__(self, client):
        self.client = client
        self.store_group = getattr(client, "store_group_id", "")
        self.countries = list(getattr(client, "countries", []))

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"product_id": sku} for sku in self.client.products(skus)}

    def update(self, changes: list[product_mapping.ProductChange], targets: dict[str, dict]) -> ProductResult:
        if not self.store_group or not self.countries:
            raise NeedsAttention(
                "Brink prices are set per store group and country, and this shop names none.",
                resolution='set store_group_id = "<Brink store group id>" and countries = ["SE", …] in '
                           "[shops.products] of this shop",
                code="missing_setting")
        result = ProductResult()
        for change in changes:
            refused = []
            for variant in change.variants:
                if variant.sku not in targets or targets[variant.sku].get("unknown"):
                    continue
                amount = _minor(variant.price)
                response = self.client.set_prices({
                    "storeGroupId": self.store_group, "productVariantId": targets[variant.sku]["product_id"],
                    "productVariantPrices": [{"basePriceAmount": amount, "salePriceAmount": amount,
                                              "countryCode": country} for country in self.countries]})
                result.calls += 1
                if response.status_code >= 300:
                    refused.append(f"{variant.sku}: {response.status_code} {response.text[:150]}")
            if refused:
                result.failed.append((change, "Brink refused the price of " + "; ".join(refused)))
            else:
                result.applied.append(change)  # fields (title, status) are Brink's own: nothing to send
        return result

    def create(self, new_products: list[product_mapping.ShopProduct]) -> ProductResult:
        result = ProductResult()
        for product in new_products:
            change = product_mapping.ProductChange(product, product.fields(), product.variants)
            result.failed.append((change, f"item {product.item}: Brink products are created in Brink (its PIM), "
                                          "not by the bridge; create it there and its price follows"))
        return result


REFUND_REFERENCE_DIGITS = 16


def refund_reference(refund_id: str) -> str:
    """The part of a Brink refund id a credit memo number carries (core/sync/refund_mapping.credit_memo_number):
    a UUID's first 16 hex digits, uppercase; a short id as it is."""
    compact = refund_id.replace("-", "")
    return compact[:REFUND_REFERENCE_DIGITS].upper() if len(refund_id) > REFUND_REFERENCE_DIGITS else refund_id
