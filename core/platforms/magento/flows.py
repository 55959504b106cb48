"""Magento 2 / Adobe Commerce parts of the flows beyond orders (found by core.platforms.part):

- `StockWriter` — MSI source items, absolute per SKU and source (`POST /V1/inventory/source-items`).
  A shop location in `[shops.locations]` is a Magento source code; without locations the total goes to the
  `default` source (single-source shops), or to `stock.default_location` when set. Magento validates the
  whole list and saves all or nothing, so a refusal is read back per item: its `errors` name the refused
  SKUs (those pairs fail, the rest is sent again); a refusal naming nothing ("Could not save Source Item")
  is split in halves until the refused pair is alone. Source codes are checked against the shop's sources
  first: a pair for a source Magento does not have is "not stocked there" (skipped until the next full
  reconcile), never a failed batch.
- `ShipmentWriter` — `POST /V1/order/{id}/ship` with items, tracks and a comment naming the BC shipment,
  exactly once: the order's shipments are read before posting, and after an answer that was lost, so a
  shipment whose comment (or tracking number) is already there is linked, not created again.
- `ProductWriter` — prices by `POST /V1/products/base-prices` (store 0, per-item errors read back), name and
  status by `PUT /V1/products/{sku}` with only those fields. Never descriptions, images, categories.
- `new_refunds` — credit memos created in a window (`GET /V1/creditmemos`, searchCriteria on created_at),
  the safety net for missed I/O Events.
- `CompanyWriter` — BC Company customers → Adobe Commerce B2B companies (`POST/PUT /V1/company`), for
  core/sync/customer_export.py; the company e-mail is the key, the admin is the customer with that e-mail.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from decimal import Decimal

from core.config import Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms.magento.client import SourceItemsRefused
from core.platforms.magento.parse import priced_items
from core.platforms.payload import money, text

log = logging.getLogger("core.platforms.magento.flows")

DEFAULT_SOURCE = "default"  # every Magento store has it; single-source shops keep all stock there
# product types that keep source items (magento/inventory: source item management allowed per type)
STOCKED_TYPES = ("simple", "virtual", "downloadable", "giftcard")
REFUSAL_ROUNDS = 3
# Magento's Web Api Limits cap a synchronous list input at 20 entities when on (off by default, on in 2.4.3 and
# 2.3.7-p1: developer.adobe.com/commerce/webapi/get-started/api-security; contract platforms.md §3): 20 a call
# works either way
INPUT_LIMIT = 20
PRICE_BATCH = INPUT_LIMIT
GLOBAL_STORE = 0  # base prices at the default (global) scope
ENABLED, DISABLED = 1, 2  # Magento product status
# Magento's built-in carrier codes; any other carrier is "custom" with its name as the title
CARRIER_CODES = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl"}
CLOSED_STATES = ("canceled", "closed")


# ---------------------------------------------------------------------------------------------- stock

class StockWriter:
    """MSI source items, up to `batch_size` pairs a call: 20, what Magento takes when its Web Api Limits are on."""

    batch_size = INPUT_LIMIT

    def __init__(self, client, run_id: str):
        self.client = client
        self.run_id = run_id
        self._sources: dict[str, bool] | None = None
        self._missing: set[str] = set()

    def discover(self, skus: list[str]) -> dict[str, dict]:
        """SKUs Magento keeps stock for. Configurable, bundle and grouped products have no source items of
        their own (their simple children do), so they count as not in the shop for stock."""
        found = self.client.products_by_sku(skus)
        return {sku: {"product_id": product.get("id")} for sku, product in found.items()
                if text(product.get("type_id")) in STOCKED_TYPES}

    def source(self, change) -> str:
        return change.location or DEFAULT_SOURCE

    def write(self, changes: list, targets: dict[str, dict]):
        from core.sync.stock import WriteResult

        result = WriteResult()
        if self._sources is None:  # once per run: a source added in Magento is seen by the next run
            self._sources = self.client.source_codes()
        rows = []
        for change in changes:
            code = self.source(change)
            if code not in self._sources:
                if code not in self._missing:
                    self._missing.add(code)
                    log.warning("stock: Magento has no inventory source %r; its pairs are skipped until the next "
                                "full reconcile (add the source or correct [shops.locations])", code)
                result.failed.append((change, "INVALID_LOCATION",
                                      f"Magento has no inventory source {code!r} (Stores > Inventory > Sources)"))
                continue
            rows.append(change)
        self._send(rows, result, REFUSAL_ROUNDS)
        return result

    def _body(self, change) -> dict:
        # status follows the quantity: in stock (1) with something to sell, out of stock (0) at zero
        return {"sku": change.sku, "source_code": self.source(change), "quantity": change.quantity,
                "status": 1 if change.quantity > 0 else 0}

    def _send(self, rows: list, result, rounds: int) -> None:
        if not rows:
            return
        try:
            self.client.save_source_items([self._body(c) for c in rows])
            result.calls += 1
            result.applied.extend(rows)
            return
        except SourceItemsRefused as refused:
            result.calls += 1
            named = _refused_skus(refused.errors, {c.sku for c in rows})
            message = refused.message
        if named and rounds > 0:
            keep = []
            for change in rows:
                if change.sku in named:
                    code = "INVALID_INVENTORY_ITEM" if "not found" in named[change.sku] else "REJECTED"
                    result.failed.append((change, code, f"Magento refused SKU {change.sku}: {named[change.sku]}"))
                else:
                    keep.append(change)
            self._send(keep, result, rounds - 1)
            return
        if len(rows) == 1:
            result.failed.append((rows[0], "REJECTED", f"Magento refused SKU {rows[0].sku} at source "
                                                       f"{self.source(rows[0])!r}: {message}"))
            return
        half = len(rows) // 2  # the refusal names no item: find it by halves (all or nothing per call)
        self._send(rows[:half], result, rounds)
        self._send(rows[half:], result, rounds)


def _refused_skus(errors: list[dict], skus: set[str]) -> dict[str, str]:
    """SKU → Magento's message, for the errors whose parameters name one of the SKUs sent."""
    named: dict[str, str] = {}
    for error in errors:
        parameters = error.get("parameters")
        # named (%sku) or positional (%1) placeholders
        pairs = list(parameters.items()) if isinstance(parameters, dict) else list(
            enumerate(parameters, 1)) if isinstance(parameters, list) else []
        message = text(error.get("message"))
        for key, value in pairs:
            message = message.replace(f"%{key}", text(value))
        for _, value in pairs:
            if text(value) in skus:
                named.setdefault(text(value), message)
    return named


def _unknown_price_skus(errors: list[dict]) -> set[str]:
    """The SKUs base-prices refused as such: BasePriceStorage answers "Invalid attribute %fieldName =
    %fieldValue." with fieldName "SKU" for a SKU it does not find or whose type takes no base price (magento2
    Catalog Model/Product/Price/BasePriceStorage.php); no message says "doesn't exist"."""
    return {text(e["parameters"].get("fieldValue")) for e in errors
            if isinstance(e, dict) and isinstance(e.get("parameters"), dict)
            and text(e["parameters"].get("fieldName")) == "SKU"}


# ---------------------------------------------------------------------------------------------- shipments

class ShipmentWriter:
    """`POST /V1/order/{id}/ship`, once per BC shipment; the comment "BC shipment <no>" is the marker."""

    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking, fully_shipped: Callable[[], bool]):
        from core.sync import shipment_mapping as mapping
        from core.sync.shipments import Pushed

        number = text(shipment.get("number"))
        marker = mapping.note_marker(number)
        order = self.client.order(order_id)
        if order is None:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Magento order {order_id}, which no longer exists in the shop.",
                resolution="Nothing to send; check the order in BC. Retry this record if the order comes back.",
                code="shop_order_missing")
        name = text(order.get("increment_id")) or order_id
        found = self._already_shipped(order_id, marker, tracking)
        if found:
            return Pushed(f"Magento order {name} already has shipment {found} for {marker}; linked.",
                          {"shipment": found, "tracking": tracking.number, "recovered": True})
        if text(order.get("state")) in CLOSED_STATES:
            raise NeedsAttention(
                f"BC shipment {number} belongs to Magento order {name}, which is {order.get('state')} in the shop.",
                resolution="Check why a cancelled/closed order was shipped in BC; inform the customer by hand.",
                code="shipped_after_cancel")
        shipped = mapping.shipped_quantities(shipment.get("salesShipmentLines") or [])
        if not shipped:
            raise Skip(f"BC shipment {number} has no item lines to ship.")
        open_lines = open_order_lines(shop, order)
        if not open_lines:
            raise Skip(f"Magento order {name} has nothing left to ship (shipped there already).")
        allocation = mapping.allocate(shipped, open_lines)
        if allocation.empty:
            raise NeedsAttention(
                f"BC shipment {number} matches no open item of Magento order {name}: "
                + "; ".join(allocation.problems) + ".",
                resolution=f'map the shop SKUs to these BC items in [shops.items] of shop "{shop.key}" and retry, '
                           "or ship the order in Magento by hand",
                code="shipment_unmatched")
        body = ship_body(allocation, tracking, marker, notify=shop.shipments.notify_customer,
                         source=shipment_source(shop))
        try:
            shipment_id = self.client.ship(order_id, body)
        except Retryable:
            # the answer may be lost after Magento created it: look before the next run posts again
            found = self._already_shipped(order_id, marker, tracking)
            if not found:
                raise
            shipment_id = found
        text_ = f"Shipped {allocation.quantity} item(s) of Magento order {name} (shipment {shipment_id})"
        text_ += f" with {tracking.company} tracking {tracking.number}." if tracking.known else " without tracking."
        data = {"shipment": shipment_id, "tracking": tracking.number}
        if allocation.problems:
            return Pushed(text_, data, attention="Not placed: " + "; ".join(allocation.problems) + ".")
        return Pushed(text_, data)

    def _already_shipped(self, order_id: str, marker: str, tracking) -> str:
        """The id of a shipment of the order that is this BC shipment's (its comment, else its tracking
        number), "" when there is none."""
        for existing in self.client.shipments_of(order_id):
            comments = [text(c.get("comment")) for c in existing.get("comments") or [] if isinstance(c, dict)]
            numbers = [text(t.get("track_number")) for t in existing.get("tracks") or [] if isinstance(t, dict)]
            if any(marker in c for c in comments) or (tracking.known and tracking.number in numbers):
                return text(existing.get("entity_id"))
        return ""


def open_order_lines(shop: Shop, order: dict) -> list:
    """The order's items that still have something to ship, as the allocation's open lines. The row Magento
    ships is the one that carries the amounts (a configurable's parent); the child names the variant."""
    from core.sync import shipment_mapping as mapping

    lines = []
    for row, child in priced_items(order.get("items") or []):
        if text(row.get("is_virtual")).lower() in ("1", "true") or text(row.get("product_type")) == "virtual":
            continue
        remaining = money(row.get("qty_ordered")) - sum(
            (money(row.get(f)) for f in ("qty_shipped", "qty_canceled", "qty_refunded")), Decimal(0))
        if remaining <= 0:
            continue
        variant = child or {}
        lines.append(mapping.OpenLine(
            fulfillment_order_id=text(order.get("entity_id")), line_item_id=text(row.get("item_id")),
            item_number=mapping.item_number_for(shop, variant_id=text(variant.get("product_id")),
                                                sku=text(variant.get("sku")) or text(row.get("sku")),
                                                product_id=text(row.get("product_id"))),
            remaining=int(remaining)))
    return lines


def carrier_code(carrier: str) -> str:
    """Magento's carrier code for a carrier name: a built-in carrier when the name is one, else "custom"."""
    return CARRIER_CODES.get(carrier.strip().lower(), "custom")


def shipment_source(shop: Shop) -> str:
    """The MSI source a shipment deducts from: the shop's only mapped source (or stock.default_location);
    "" with several, where BC's shipment does not say which source it left from, and Magento decides."""
    if len(shop.locations) == 1:
        return next(iter(shop.locations))
    return shop.stock.default_location if not shop.locations else ""


def ship_body(allocation, tracking, marker: str, *, notify: bool, source: str = "") -> dict:
    items = [{"order_item_id": int(item_id), "qty": quantity}
             for lines in allocation.by_fulfillment_order.values() for item_id, quantity in lines]
    body: dict = {"items": items, "notify": notify, "appendComment": False,
                  "comment": {"comment": f"{marker}.", "is_visible_on_front": 0}}
    if source:  # MSI: the source the goods left from (devdocs rest/tutorials/inventory/create-shipment)
        body["arguments"] = {"extension_attributes": {"source_code": source}}
    if tracking.known:
        body["tracks"] = [{"track_number": tracking.number, "title": tracking.company or "Carrier",
                           "carrier_code": carrier_code(tracking.company)}]
    return body


# ---------------------------------------------------------------------------------------------- products

class ProductWriter:
    """Base prices (per-item errors read back) and name/status per SKU; creating products is not built."""

    def __init__(self, client):
        self.client = client

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"product_id": p.get("id"), "type": text(p.get("type_id"))}
                for sku, p in self.client.products_by_sku(skus).items()}

    def update(self, changes: list, targets: dict[str, dict]):
        from core.sync.products import WriteResult, stops_the_run

        result = WriteResult()
        failed: dict[int, str] = {}
        owners: dict[str, object] = {}
        prices = []
        for change in changes:
            for variant in change.variants:
                if variant.sku in targets:
                    owners[variant.sku] = change
                    prices.append({"sku": variant.sku, "price": float(variant.price), "store_id": GLOBAL_STORE})
        for start in range(0, len(prices), PRICE_BATCH):
            chunk = prices[start:start + PRICE_BATCH]
            try:
                errors = self.client.update_base_prices(chunk)
                result.calls += 1
            except (Retryable, NeedsAttention) as exc:
                if isinstance(exc, NeedsAttention) and stops_the_run(exc):
                    raise
                for row in chunk:
                    failed[id(owners[row["sku"]])] = exc.message
                continue
            gone = _unknown_price_skus(errors)
            for sku, message in _refused_skus(errors, {row["sku"] for row in chunk}).items():
                if sku in gone:
                    message += " (Magento has no product with this SKU whose type takes a base price)"
                    result.gone.append(sku)
                failed[id(owners[sku])] = f"Magento refused the price of {sku}: {message}"
        for change in changes:
            if not change.fields or id(change) in failed:
                continue
            fields = product_fields(change)
            if not fields:
                continue
            for sku in (s for s in change.product.skus if s in targets):
                try:
                    saved = self.client.update_product(sku, fields)
                    result.calls += 1
                except (Retryable, NeedsAttention) as exc:
                    if isinstance(exc, NeedsAttention) and stops_the_run(exc):
                        raise
                    failed[id(change)] = exc.message
                    break
                if saved is None:
                    failed[id(change)] = f"Magento has no product {sku} any more"
                    result.gone.append(sku)
                    break
        for change in changes:
            if id(change) in failed:
                result.failed.append((change, failed[id(change)]))
            else:
                result.applied.append(change)
        return result

    def create(self, products: list):
        from core.sync import product_mapping as mapping
        from core.sync.products import WriteResult

        result = WriteResult()
        for product in products:
            result.failed.append((mapping.ProductChange(product, product.fields(), product.variants),
                                  f"Item {product.item} is not in Magento and creating Magento products is not built "
                                  "(attribute set, website and visibility are the shop's decisions): create it in "
                                  "Magento with its SKU, or set create_missing = false"))
        return result


def product_fields(change) -> dict:
    """Only what BC owns: the name (a product of one SKU; variants keep their own names in Magento) and the
    status. Never description, images, categories or URL keys."""
    from core.sync import product_mapping as mapping

    fields: dict = {}
    if change.fields.get("title") and not change.product.has_options:
        fields["name"] = change.fields["title"]
    if "status" in change.fields:
        fields["status"] = ENABLED if change.fields["status"] == mapping.ACTIVE else DISABLED
    return fields


# ---------------------------------------------------------------------------------------------- refunds

def new_refunds(client, shop: Shop, since, until) -> Iterator:
    """Credit memos created in [since, until): each one the delivery its I/O Event would have been."""
    from core.sync.refunds import RefundDelivery

    for memo in client.creditmemos_created_between(since, until):
        memo_id = text(memo.get("entity_id"))
        if memo_id:
            yield RefundDelivery(memo_id, memo, (memo_id,), "observer.sales_order_creditmemo_save_commit_after")


# ---------------------------------------------------------------------------------------------- B2B companies

# Adobe Commerce B2B company statuses (AdobeDocs commerce-webapi rest/b2b/company-object.md, `status`)
APPROVED, BLOCKED = 1, 3
DEFAULT_CUSTOMER_GROUP = 1  # "A value of 1 assigns the default shared catalog" (company-object.md)
# what Magento_Company's RequiredFields save validator checks (empty → '"%fieldName" is required'), read from
# Magento\Company\Model\SaveValidator\RequiredFields; super_user_id and customer_group_id are ours to add
REQUIRED = ("company_name", "company_email", "street", "city", "postcode", "telephone", "country_id")
# BC codes that are not the ISO code Magento's directory uses for the same country (BC follows EU VAT prefixes)
BC_COUNTRY_CODES = {"UK": "GB", "EL": "GR", "XI": "GB"}
OWNED = (*REQUIRED, "region")  # the fields BC owns on a company the bridge created (or found by its e-mail)


class CompanyWriter:
    """BC Company customers → Adobe Commerce B2B companies (core/sync/customer_export.py runs the pipeline:
    claim, binding, cursor, log; this part maps, finds and writes).

    - The stable key is the e-mail: Magento refuses a second company with a company_email in use
      (SaveValidator\\CompanyEmail), so before creating, `GET /V1/company` with company_email eq the BC
      customer's e-mail finds a company whose create answer was lost, or one made by hand: it is linked.
    - A company needs a company admin (`super_user_id`, an existing customer that is no user of another
      company: SaveValidator\\CompanyAdmin). The admin is the Magento customer with the BC customer's e-mail,
      created (named after the company) when there is none.
    - Later changes: the binding keeps the last pushed values (`state`); only a difference costs a call, and
      that call is a PUT of the whole company as Magento has it with BC's fields laid over it, because Adobe
      lists the address, e-mail, admin and customer group as required to update too.
    - A company the customers import brought from Magento ("company" binding) is the shop's: BC sends only
      its blocked status (Blocked ↔ Approved) when that changes.
    """

    def __init__(self, client):
        self.client = client

    def create_or_link(self, shop: Shop, customer: dict, imported: str | None):
        from core.sync.customer_export import Pushed
        from core.sync.customer_export_mapping import is_blocked

        if imported:  # the shop's company: only its blocked status is BC's, so nothing else is checked
            found = self.client.company(imported)
            if found is None:
                raise NeedsAttention(
                    f"BC customer {customer.get('number')} was imported from Magento company {imported}, which no "
                    "longer exists.",
                    resolution="If the company was deleted in Magento on purpose, delete the customers import's "
                               f'"company" binding of {imported} (python -m core records …) and this customer is '
                               "created again next run; otherwise restore the company in Magento.",
                    code="shop_company_missing")
            return self._push(found, {}, {}, is_blocked(customer), linked=True,
                              verb=f"Linked Magento company {found.get('company_name')} (imported from the shop)")
        fields, blocked = self._fields(customer)
        found = self.client.company_by_email(fields["company_email"])
        if found is not None:  # a create whose answer was lost, or a company made by hand with this e-mail
            return self._push(found, _current(found), fields, blocked, linked=False,
                              verb=f"Linked Magento company {found.get('company_name')} "
                                   f"(company e-mail {fields['company_email']})")
        admin = self._admin(fields)
        body = {**fields, "status": BLOCKED if blocked else APPROVED, "customer_group_id": DEFAULT_CUSTOMER_GROUP,
                "super_user_id": int(admin["id"])}
        created = self.client.create_company(body)
        state = {**fields, "blocked": blocked}
        note = " (blocked in BC: Blocked in Magento)" if blocked else ""
        return Pushed(f"Created Magento company {fields['company_name']} (id {created.get('id')}) with company admin "
                      f"{fields['company_email']}{note}.",
                      {"company_id": str(created.get("id")), "linked": False, "state": state})

    def update(self, shop: Shop, customer: dict, data: dict):
        """None when nothing BC owns changed since the last push (no call at all)."""
        from core.sync.customer_export_mapping import is_blocked

        previous = data.get("state") or {}
        linked = bool(data.get("linked"))
        if linked:  # the shop's company: only the blocked status counts
            fields, blocked = {}, is_blocked(customer)
            if previous.get("blocked") == blocked:
                return None
        else:
            fields, blocked = company_fields(customer)
            if previous.get("blocked") == blocked and all(previous.get(k) == v for k, v in fields.items()):
                return None
            fields, blocked = self._fields(customer)
        found = self.client.company(data["company_id"])
        if found is None:
            raise NeedsAttention(
                f"Magento company {data['company_id']} of BC customer {customer.get('number')} no longer exists.",
                resolution="If it was deleted in Magento on purpose, delete this customer's company-export binding "
                           "(python -m core records …) and it is created again next run; otherwise restore it.",
                code="shop_company_missing")
        return self._push(found, previous, fields, blocked, linked=linked,
                          verb=f"Updated Magento company {found.get('company_name')}")

    def _push(self, found: dict, previous: dict, fields: dict, blocked: bool, *, linked: bool, verb: str):
        """PUT `found` with what differs from `previous` (none: no call)."""
        from core.sync.customer_export import Pushed

        changed = {} if linked else {k: v for k, v in fields.items() if previous.get(k) != v}
        was = previous.get("blocked")
        if was is None:  # first link of an imported company: BC may block it, never approve what the shop holds
            if blocked:
                changed["status"] = BLOCKED
        elif was != blocked:
            changed["status"] = BLOCKED if blocked else APPROVED
        state = {**({} if linked else fields), "blocked": blocked}
        data = {"company_id": str(found.get("id")), "linked": linked, "state": state}
        if changed:
            self.client.update_company(found["id"], {**_writable(found), **changed})
        what = ", ".join(sorted(changed)) or "nothing to change"
        return Pushed(f"{verb}: {what}.", data)

    def _fields(self, customer: dict) -> tuple[dict, bool]:
        """company_fields, with the country checked against Magento's directory and, where the country has
        regions, BC's state turned into Magento's region_id (CompanyAddress refuses a region-less address
        there). The region's id is not part of what is compared: BC's state is."""
        fields, blocked = company_fields(customer)
        country = self.client.country(fields["country_id"])
        if country is None:
            raise NeedsAttention(
                f"Magento does not offer country {fields['country_id']!r} of BC customer {customer.get('number')}.",
                resolution="Give the BC customer an ISO two-letter country code (UK and EL are sent as GB and GR), "
                           "or allow the country in Magento (Stores > Configuration > General > Country Options).",
                code="company_incomplete")
        regions = [r for r in country.get("available_regions") or [] if isinstance(r, dict)]
        if regions:
            state = fields["region"].lower()
            region = next((r for r in regions if state and state in (text(r.get("code")).lower(),
                                                                      text(r.get("name")).lower())), None)
            if region is None:
                raise NeedsAttention(
                    f"BC customer {customer.get('number')} has state {fields['region']!r}, which is no region of "
                    f"{fields['country_id']} in Magento; Magento requires one there.",
                    resolution="Set the BC customer's state/county to the region's code or name as Magento lists "
                               "it (e.g. CA or California).", code="company_incomplete")
            fields = {**fields, "region_id": str(region.get("id"))}
        return fields, blocked

    def _admin(self, fields: dict) -> dict:
        email = fields["company_email"]
        admin = self.client.customer_by_email(email)
        if admin is None:
            # BC knows no contact person of a Company customer: the admin is named after the company
            return self.client.create_customer({"email": email, "firstname": fields["company_name"][:255],
                                                "lastname": "Admin"})
        company_id = text(((admin.get("extension_attributes") or {}).get("company_attributes") or {})
                          .get("company_id"))
        if company_id not in ("", "0"):
            raise NeedsAttention(
                f"The Magento customer {email} is already a user of Magento company {company_id}, so it cannot be "
                f"the admin of a new company {fields['company_name']} (Magento refuses it).",
                resolution="Give the BC customer the e-mail of that company (its company e-mail) to link them, or "
                           "another e-mail for a new company; the customer is read again next run.",
                code="company_admin_taken")
        return admin


def company_fields(customer: dict) -> tuple[dict, bool]:
    """The Magento company fields BC owns for a BC Company customer, and whether it is blocked. A field
    Magento requires that BC lacks → NeedsAttention before any call."""
    from core.sync.customer_export_mapping import is_blocked

    country = text(customer.get("country")).strip().upper()
    country = BC_COUNTRY_CODES.get(country, country)
    street = [line for line in (text(customer.get("addressLine1")).strip(), text(customer.get("addressLine2")).strip())
              if line]
    fields = {
        "company_name": text(customer.get("displayName")).strip()[:255],
        "company_email": text(customer.get("email")).strip().lower(),  # Magento compares e-mails without case
        "street": street,
        "city": text(customer.get("city")).strip(),
        "postcode": text(customer.get("postalCode")).strip(),
        "telephone": text(customer.get("phoneNumber")).strip(),
        "country_id": country,
        "region": text(customer.get("state")).strip(),
    }
    missing = [name for name in REQUIRED if not fields[name]]
    if missing:
        names = {"company_name": "name", "company_email": "e-mail", "street": "address", "city": "city",
                 "postcode": "post code", "telephone": "phone number", "country_id": "country/region code"}
        raise NeedsAttention(
            f"BC customer {customer.get('number')} has no {', '.join(names[m] for m in missing)}, which Magento "
            "requires of a company.",
            resolution="Fill them in on the BC customer card; the customer is exported at its next change.",
            code="company_incomplete")
    return fields, is_blocked(customer)


def _current(company: dict) -> dict:
    """A Magento company's values of the fields BC owns (what a found company is compared with)."""
    return {name: (list(company.get(name) or []) if name == "street" else text(company.get(name)))
            for name in (*OWNED, "region_id")} | {"blocked": company.get("status") == BLOCKED}


def _writable(company: dict) -> dict:
    """The company as Magento answered it, without what a PUT does not take back (id goes in by the client;
    extension attributes and the rejection stamp are Magento's)."""
    return {k: v for k, v in company.items() if k not in ("id", "extension_attributes", "rejected_at")}
