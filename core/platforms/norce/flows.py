"""What Norce offers the export flows (core.platforms.part): stock by Connect `ImportOnhands` jobs, prices by
`ImportSkuPriceLists` jobs and B2B companies by `ImportCompanies` jobs (CompanyWriter), each read back through
its job log; shipments as delivery notes followed by the order status, and Invoiced once BC has invoiced the
order (invoice_posted).

Stock (core/sync/stock.py drives it) [V: N6–N9]:
- a shop location is `WAREHOUSE/LOCATION` (Norce sets on-hand per warehouse **and** location), mapped to BC
  locations in [shops.locations], e.g. `"WH1/MAIN" = ["MAIN"]`; `stock.default_location` names the pair that
  shows BC's total when no locations are mapped;
- one `Product/ImportOnhands` per batch, `FullFile: false` (never deactivating what is not sent),
  `SkuOnhandFieldsThatAreSet: ["OnhandValue"]`, the absolute quantity per (PartNo, warehouse, location);
- the import is a job: the writer polls `Job/Get` until `IsFinished` (StatusId 2 Succeeded, 3 Failed,
  4 Validation failed), then reads `Job/GetLog`. A log entry of severity 2 (warning) or 3 (error) that names a
  part number of the batch (in `ImportedRow`, else in `Message`) fails that row; the others are applied. A
  part number Norce does not have is ignored by Norce [N6]: reported as "not stocked" and skipped until the
  next full reconcile;
- there is no cheap part-number look-up in Connect, so every SKU is a target and the job log is the answer;
- batch size: none is documented [U]; 1000 rows per job: each job is awaited (up to about three minutes),
  so fewer, larger jobs keep a large catalog's run short while each log stays readable.
- [U] Whether Norce ignores `OnhandValue: 0` the way it ignores 0 prices [N11]; if it does, a sold-out item
  would keep its last quantity. The emulator stores 0; docs/platforms.md asks the operator to check once.

Prices (core/sync/products.py drives it) [V: N11]:
- one `Product/ImportSkuPriceLists` job per batch of up to 1000 rows, header `FullFile: false`,
  `SkuPriceListFieldsThatAreSet: ["PriceSale"]`, `IgnoreSkuPriceListFieldsWhenEmpty: ["PriceSale"]`; a row per
  BC SKU: `{PartNo, PriceListCode, PriceSale, CurrencyCode}`, the code from `[shops.products] shop_price_list`,
  the currency the products flow names (it must be the price list's: Norce user portal, "Importing price
  lists", docs.norce.io/user-portal/pricing/importing-price-lists);
- prices excluding VAT: the same page says price imports do not take prices including VAT, so a shop set to
  `prices_include_tax = true` is refused (needs attention) rather than sent gross prices;
- Norce ignores a price of 0 ("values that are null or 0 will be ignored", skupricelistheader [N11]), so a
  product with a 0 price fails with that reason and nothing of it is sent;
- the job is followed and its log read as for stock: a warning or error naming a part number fails its
  product (retried next run), the others are applied. A part number Norce does not have is such a warning
  [U: the log text for prices]; creating products (`ImportProducts`) is not built.

Shipments (core/sync/shipments.py drives it) [V: N10]:
- the order is read again (`GetOrderByBasket`) for Norce's `OrderNo` and row numbers; BC's shipped item numbers
  are matched to its rows by the orders convention ([shops.items] or the SKU);
- `Order/CreateDeliveryNote` with `NoteNo` = the BC shipment number, `DeliveryMode` = the carrier, one
  `DeliveryNotePackages[].ParcelNumber` = the tracking number (Norce has no carrier-name or tracking-URL field
  there [U]); then `Order/SendOrderStatus` Delivered (BC shipped everything) or PartlyDelivered.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from decimal import Decimal

from core.config import Shop
from core.errors import NeedsAttention, Retryable, Skip
from core.platforms.payload import text
from core.sync import shipment_mapping
from core.sync import stock_mapping as mapping
from core.sync.shipments import Pushed
from core.sync.stock import WriteResult

JOB_SUCCEEDED, JOB_FAILED, JOB_VALIDATION_FAILED = 2, 3, 4
NOT_STOCKED = "ITEM_NOT_STOCKED_AT_LOCATION"  # core.sync.stock: skipped until the next full reconcile


def split_location(location: str) -> tuple[str, str] | None:
    """`WAREHOUSE/LOCATION` → (warehouse, location); None when it is not that form."""
    warehouse, slash, place = location.partition("/")
    return (warehouse.strip(), place.strip()) if slash and warehouse.strip() and place.strip() else None


class StockWriter:
    batch_size = 1000
    poll_seconds = 2.0
    max_polls = 90  # about three minutes: a job still running then is retried (the values are absolute)

    def __init__(self, client, run_id: str, sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.run_id = run_id
        self.sleep = sleep

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"part_no": sku} for sku in skus}  # Norce ignores unknown part numbers; the job log says so

    def write(self, changes: list[mapping.Change], targets: dict[str, dict]) -> WriteResult:
        result = WriteResult()
        rows, sent = [], []
        for change in changes:
            pair = split_location(change.location)
            if pair is None:
                result.failed.append((change, "NO_LOCATION", f"shop location {change.location!r} is not "
                                      '"WAREHOUSE/LOCATION": map [shops.locations] or set stock.default_location '
                                      'to Norce warehouse and location codes, e.g. "WH1/MAIN"'))
                continue
            rows.append({"PartNo": targets.get(change.sku, {}).get("part_no", change.sku), "WarehouseCode": pair[0],
                         "LocationCode": pair[1], "OnhandValue": change.quantity})
            sent.append(change)
        if not rows:
            return result
        answer = self.client.import_onhands(rows)
        result.calls += 1
        job_id, messages = _started(answer)
        refused = _named({c.sku for c in sent}, messages)
        if job_id is None or text(answer.get("StatusCode")).casefold() not in ("", "ok"):
            raise NeedsAttention(f"Norce did not start the on-hand import: {text(answer.get('Description'))}",
                                 resolution="check account_id in [shops.norce] and the warehouse/location codes",
                                 code="shop_api_error")
        job = self._finished(job_id)
        log = self.client.job_log(job_id)
        result.calls += 2
        status = job.get("StatusId")
        if status in (JOB_FAILED, JOB_VALIDATION_FAILED):
            reason = "; ".join(text(e.get("Message")) for e in log if _severity(e) >= 3) or f"job status {status}"
            result.failed.extend((change, "JOB_FAILED", f"Norce import job {job_id}: {reason}") for change in sent)
            return result
        problems = _named({c.sku for c in sent}, [e for e in log if _severity(e) >= 2])
        for change in sent:
            if change.sku in refused:
                result.failed.append((change, "VALIDATION", refused[change.sku]))
            elif change.sku in problems:
                message = problems[change.sku]
                code = NOT_STOCKED if "not found" in message.casefold() else "JOB_LOG"
                result.failed.append((change, code, f"Norce import job {job_id}: {message}"))
            else:
                result.applied.append(change)
        return result

    def _finished(self, job_id) -> dict:
        return finished_job(self.client, job_id, self.sleep, self.poll_seconds, self.max_polls)


def finished_job(client, job_id, sleep: Callable[[float], None], poll_seconds: float, max_polls: int) -> dict:
    """`Job/Get` until `IsFinished`; Retryable when the job is still running after `max_polls` (what was sent
    is absolute, so sending it again is safe)."""
    for _ in range(max_polls):
        job = client.job(job_id)
        if job.get("IsFinished") is True:
            return job
        sleep(poll_seconds)
    raise Retryable(f"Norce import job {job_id} was still running after {max_polls} polls.", retry_after=60)


def _started(answer: dict) -> tuple[int | str | None, list[str]]:
    """(JobId, validation messages) of an import's answer; the id None unless it is a number or digits (anything
    else cannot be polled), the messages those of `ValidationSummary.Messages` that are text."""
    job_id = answer.get("JobId")
    if not (type(job_id) is int and job_id > 0 or isinstance(job_id, str) and job_id.isdigit()):
        job_id = None
    summary = answer.get("ValidationSummary")
    messages = summary.get("Messages") if isinstance(summary, dict) else None
    return job_id, [text(m) for m in messages] if isinstance(messages, list) else []


def _severity(entry: dict) -> int:
    try:
        return int(entry.get("SeverityId") or 0)
    except (TypeError, ValueError, OverflowError):
        return 0


def _named(skus: set[str], entries: list) -> dict[str, str]:
    """Part number → message for log entries (or plain messages) that name one of the batch's part numbers:
    the `ImportedRow`'s PartNo when it is readable (it may be truncated [N8]), else the message text."""
    found: dict[str, str] = {}
    for entry in entries:
        message = text(entry.get("Message")) if isinstance(entry, dict) else text(entry)
        named = ""
        if isinstance(entry, dict) and isinstance(entry.get("ImportedRow"), str):
            try:
                row = json.loads(entry["ImportedRow"])
                named = text(row.get("PartNo")) if isinstance(row, dict) else ""
            except (ValueError, RecursionError):
                named = ""
        if named not in skus:
            named = next((sku for sku in sorted(skus, key=len, reverse=True) if sku and sku in message), "")
        if named:
            found.setdefault(named, message)
    return found


class ShipmentWriter:
    def __init__(self, client):
        self.client = client

    def push(self, shop: Shop, order_id: str, shipment: dict, tracking: shipment_mapping.Tracking,
             fully_shipped: Callable[[], bool]) -> Pushed:
        number = text(shipment.get("number"))
        reference = status_reference(order_id)  # before anything is written: the status must be sendable too
        order = self.client.order(order_id)
        if order is None:
            raise NeedsAttention(f"BC shipment {number} belongs to Norce basket {order_id}, which the order service "
                                 "does not find.", resolution="check the order in Norce Admin; create the delivery "
                                 "note there by hand", code="order_not_found")
        if text(order.get("Status")).casefold() in ("cancelled", "canceled"):
            raise NeedsAttention(f"BC shipment {number} belongs to Norce order {order_id}, which is cancelled in "
                                 "Norce.", resolution="check why a cancelled order was shipped in BC; inform the "
                                 "customer by hand", code="shipped_after_cancel")
        shipped = shipment_mapping.shipped_quantities(shipment.get("salesShipmentLines") or [])
        items, left = [], dict(shipped)
        for row in order.get("Items") or []:
            part = text((row or {}).get("PartNo"))
            item = shipment_mapping.item_number_for(shop, sku=part)
            take = min(left.get(item, Decimal(0)), Decimal(str((row or {}).get("QtyOrdered") or 0)))
            if take > 0:
                left[item] -= take
                items.append({"ItemNo": part, "Qty": int(take), "RowNumber": row.get("RowNumber"),
                              "Description": text(row.get("Name"))})
        if not items:
            raise NeedsAttention(f"No line of BC shipment {number} matches a row of Norce order {order_id}.",
                                 resolution="map the BC items to Norce part numbers in [shops.items]; then retry",
                                 code="shipment_lines_unmatched")
        note = {"DeliveryDate": text(shipment.get("shipmentDate") or shipment.get("postingDate")), "NoteNo": number,
                "OrderNo": text(order.get("OrderNo")) or order_id, "DeliveryMode": tracking.company,
                "DeliverynoteItems": items,
                "DeliveryNotePackages": [{"ParcelNumber": tracking.number}] if tracking.known else []}
        self.client.create_delivery_note(note)
        complete = fully_shipped()
        status = "Delivered" if complete else "PartlyDelivered"
        self.client.send_order_status({"ClientOrderRef": reference, "OrderStatus": status,
                                       "AccountId": getattr(self.client, "account_id", 0)})
        unmatched = {item: qty for item, qty in left.items() if qty > 0}
        message = (f"Delivery note {number} created for Norce order {note['OrderNo']} "
                   + (f"with {tracking.company or 'carrier'} tracking {tracking.number}" if tracking.known
                      else "without tracking") + f"; order status {status}.")
        attention = ("BC shipped items no Norce row takes: " + ", ".join(f"{k} × {v}" for k, v in unmatched.items())
                     if unmatched else "")
        return Pushed(message, {"tracking": tracking.number, "note": number, "status": status}, attention=attention)


class ProductWriter:
    """Prices BC → one Norce price list by `Product/ImportSkuPriceLists` jobs [V: N11]; see the module docstring.

    Norce is the product catalogue (names, status, categories, new SKUs are made there, `ImportProducts`), so
    a change of title, status or category in BC is nothing to send and counts as done; `create_missing` is
    refused per product. Every BC SKU (item, or item variant through [shops.items]) is one Norce part number
    with its own price, so variants need no common price.
    """

    chunk = 1000  # products handed to update() at once: each call waits for its jobs, so fewer, larger calls
    batch = 1000  # rows per job [U: no limit is documented]; a product's rows never straddle two jobs
    poll_seconds = 2.0
    max_polls = 90

    def __init__(self, client, sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.sleep = sleep
        self.currency = ""

    def discover(self, skus: list[str]) -> dict[str, dict]:
        return {sku: {"part_no": sku} for sku in skus}  # no cheap look-up; the job log names unknown parts

    def use_currency(self, currency: str) -> None:
        """The shop's currency (core/sync/products.py): sent as each row's `CurrencyCode`, which must be the
        price list's currency (Norce, "Importing price lists")."""
        self.currency = currency.upper()

    def _price_list(self) -> str:
        key = getattr(self.client, "shop_key", "the shop")
        code = text(getattr(self.client, "price_list", ""))
        if not code:
            raise NeedsAttention(f"Shop {key}: Norce keeps prices per price list, and no price list code is "
                                 "configured.", resolution=f'set shop_price_list in [shops.products] of shop "{key}" '
                                 "to the code of the Norce price list BC prices go to (Norce Admin → Pricing → "
                                 "Price lists)", code="missing_setting")
        if getattr(self.client, "prices_include_tax", False):
            raise NeedsAttention(f"Shop {key}: Norce price imports take prices excluding VAT, but the shop is set "
                                 "to send prices including VAT.", resolution=f"set prices_include_tax = false in "
                                 f'[shops.products] of shop "{key}" (Norce adds VAT by the product\'s VAT rate)',
                                 code="norce_price_basis_mismatch")
        return code

    def update(self, changes, targets: dict[str, dict]):
        from core.sync.products import WriteResult as ProductResult

        result = ProductResult()
        code = self._price_list() if any(c.variants for c in changes) else ""
        batches: list[list[tuple[object, list[dict]]]] = [[]]
        for change in changes:
            if not change.variants:  # titles/status only: Norce keeps its own
                result.applied.append(change)
                continue
            zero = [v.sku for v in change.variants if not v.price]
            if zero:
                # Norce ignores a price of 0 ("values that are null or 0 will be ignored" [N11]): sending it
                # would leave the old price on sale while the bridge believed it changed
                result.failed.append((change, f"BC item {change.item} has price 0 for {', '.join(zero)}; Norce "
                                              "ignores a price of 0 and would keep selling at the old price: set "
                                              "a price in BC, or block the item or take it out of item_filter"))
                continue
            rows = [{"PartNo": targets.get(v.sku, {}).get("part_no", v.sku), "PriceListCode": code,
                     "PriceSale": float(v.price), **({"CurrencyCode": self.currency} if self.currency else {})}
                    for v in change.variants]
            if batches[-1] and sum(len(r) for _, r in batches[-1]) + len(rows) > self.batch:
                batches.append([])
            batches[-1].append((change, rows))
        for batch in batches:
            if batch:
                self._send(batch, code, result)
        return result

    def _send(self, batch: list[tuple[object, list[dict]]], code: str, result) -> None:
        rows = [row for _, owned in batch for row in owned]
        answer = self.client.import_sku_prices(rows)
        result.calls += 1
        job_id, messages = _started(answer)
        if job_id is None or text(answer.get("StatusCode")).casefold() not in ("", "ok"):
            raise NeedsAttention(f"Norce did not start the price import: {text(answer.get('Description'))}",
                                 resolution="check account_id in [shops.norce] and shop_price_list in "
                                            "[shops.products]", code="shop_api_error")
        parts = {row["PartNo"] for row in rows}
        refused = _named(parts, messages)
        job = finished_job(self.client, job_id, self.sleep, self.poll_seconds, self.max_polls)
        log = self.client.job_log(job_id)
        result.calls += 2
        if job.get("StatusId") in (JOB_FAILED, JOB_VALIDATION_FAILED):
            reason = ("; ".join(text(e.get("Message")) for e in log if _severity(e) >= 3)
                      or f"job status {job.get('StatusId')}")
            result.failed.extend((change, f"Norce price import job {job_id} (price list {code}): {reason}")
                                 for change, _ in batch)
            return
        problems = {**_named(parts, [e for e in log if _severity(e) >= 2]), **refused}
        for change, owned in batch:
            named = [f"{row['PartNo']}: {problems[row['PartNo']]}" for row in owned if row["PartNo"] in problems]
            if named:  # retried next run; what Norce applied of it is absolute and harmless to resend
                result.failed.append((change, f"Norce price import job {job_id} (price list {code}): "
                                              + "; ".join(named)))
            else:
                result.applied.append(change)

    def create(self, products):
        from core.sync.products import WriteResult as ProductResult

        return ProductResult(failed=[(p, "creating products in Norce is not built: create the SKU in Norce (PIM or "
                                         "ImportProducts) with the BC item number as part number")
                                     for p in products])


class CompanyWriter:
    """BC Company customers → Norce companies by Connect `Customer/ImportCompanies` (core/sync/customer_export.py
    drives it; sources: docs.norce.io …/connect/customerservice/openapi/customers/importcompanies, …/x-stormconnect-
    header, …/developer-portal/system-integration/customer-integration-examples).

    - One company per import, matched by `Code` = the BC customer number (an upsert, so a retry or a company
      made by hand with that code is updated, never duplicated); `ApplicationKey` from [shops.norce]
      application_key (required on every company).
    - Sent: Name, IsActive (false when blocked in BC), EmailAddress, PhoneNumber, the invoice address
      (CountryCode ISO 3166-1 alpha-2, BC's UK/EL read as GB/GR), and BC's VAT registration number as
      OrganizationNo and VatNo (Norce needs OrganizationNo to create a company: "VAT number for the company" in
      the integration examples). Only the fields that have a value are named in CompanyFieldsThatAreSet, so an
      empty BC field never blanks Norce's.
    - The import is a job: followed to its end and its log read; a warning or error fails the customer with
      Norce's message (read again next run). Customers (people) of the company and price lists are Norce's.
    """

    poll_seconds = 2.0
    max_polls = 90

    def __init__(self, client, sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.sleep = sleep

    @staticmethod
    def check_shop(shop: Shop) -> None:
        """Before any customer is read: a shop setting every company needs. Raised once for the shop (the
        companies export records it on the shop, not on each BC company), so the fix is one thing to do."""
        _require_application_key(shop.key, shop.norce.application_key)

    def state(self, customer: dict) -> dict:
        """The company row to send for this BC customer (compared with the last one sent)."""
        from core.platforms.shopify.address import country_code
        from core.sync.customer_export_mapping import is_blocked

        key = text(getattr(self.client, "application_key", ""))
        _require_application_key(getattr(self.client, "shop_key", "the shop"), key)
        number = text(customer.get("number"))
        row: dict = {"ApplicationKey": key, "Code": number, "Name": text(customer.get("displayName"))[:100] or number,
                     "IsActive": not is_blocked(customer)}
        for field, value in (("EmailAddress", customer.get("email")), ("PhoneNumber", customer.get("phoneNumber")),
                             ("OrganizationNo", customer.get("taxRegistrationNumber")),
                             ("VatNo", customer.get("taxRegistrationNumber"))):
            if text(value):
                row[field] = text(value)
        country = text(customer.get("country"))
        if country or text(customer.get("addressLine1")):
            iso = country_code(country) if country else None
            if country and iso is None:
                raise NeedsAttention(f"BC customer {number} has country/region {country!r}, which is no ISO 3166 "
                                     "two-letter code; Norce takes only those.", resolution="give the BC customer an "
                                     "ISO two-letter country/region code (UK and EL are read as GB and GR)",
                                     code="company_country_unknown")
            address = {"AddressLine1": customer.get("addressLine1"), "AddressLine2": customer.get("addressLine2"),
                       "City": customer.get("city"), "ZipCode": customer.get("postalCode"),
                       "Region": customer.get("state"), "CountryCode": iso}
            row["InvoiceAddress"] = {k: text(v) for k, v in address.items() if text(v)}
        return row

    def push(self, customer: dict):
        from core.sync.customer_export import Pushed as CompanyPushed

        row = self.state(customer)
        answer = self.client.import_companies([row], tuple(row))
        job_id, messages = _started(answer)
        refused = [m for m in messages if m]
        resolution = ("correct what Norce names on the BC customer (name, VAT registration no., address) or in "
                      "Norce Admin; the customer is read again next run")
        if refused or job_id is None or text(answer.get("StatusCode")).casefold() not in ("", "ok"):
            raise NeedsAttention(f"Norce refused company {row['Code']}: "
                                 + ("; ".join(refused) or text(answer.get("Description")) or "no job started"),
                                 resolution=resolution, code="shop_rejected")
        job = finished_job(self.client, job_id, self.sleep, self.poll_seconds, self.max_polls)
        problems = [text(e.get("Message")) for e in self.client.job_log(job_id) if _severity(e) >= 2]
        if job.get("StatusId") in (JOB_FAILED, JOB_VALIDATION_FAILED) or problems:
            raise NeedsAttention(f"Norce import job {job_id} for company {row['Code']}: "
                                 + ("; ".join(problems) or f"job status {job.get('StatusId')}"),
                                 resolution=resolution, code="shop_rejected")
        state = "active" if row["IsActive"] else "inactive (blocked in BC)"
        return CompanyPushed(f"Norce company {row['Code']} ({row['Name']}) imported, {state} (job {job_id}).",
                             {"job": job_id, "state": row})

    # The companies export's CompanyWriter interface (core/sync/customer_export.py keeps claim, binding, log).
    def create_or_link(self, shop: Shop, customer: dict, imported: str | None):
        """A customer not yet bound: ImportCompanies upserts by Code, so creating and linking are one call."""
        return self.push(customer)

    def update(self, shop: Shop, customer: dict, data: dict):
        """A bound customer: None (no call) when the row to send equals the one sent last."""
        if data.get("state") == self.state(customer):
            return None
        return self.push(customer)


def status_reference(basket: str) -> int:
    """The basket id as `SendOrderStatusRequest.ClientOrderRef`, which is an integer (int32) [N10; docs.norce.io
    …/connect/orderservice/openapi/schemas/sendorderstatusrequest]. An external order's reference may be any
    text ("for orders from external source this is their number", OrderRequest.ClientOrderRef); Norce cannot
    take a status for it by basket, so it needs a person instead of a call Norce refuses."""
    value = text(basket)
    if not (value.isascii() and value.isdigit() and int(value) <= 2**31 - 1):
        raise NeedsAttention(f"Norce order {value!r} has no numeric basket id, and Norce's order status call takes "
                             "the basket id as a number.", resolution="set the order's status in Norce Admin by "
                             "hand (an external order is named by its own system's number, not a Norce basket)",
                             code="norce_reference_not_numeric")
    return int(value)


def _require_application_key(shop: str, key: str) -> None:
    if not text(key):
        raise NeedsAttention(f"Shop {shop}: Norce needs the application's ApplicationKey on every company, and none "
                             "is configured, so no BC company is exported to it.",
                             resolution=f'set application_key in [shops.norce] of shop "{shop}" to the GUID of the '
                                        "application (Norce Admin → Applications), or set export_to_shop = false in "
                                        "[shops.customers]; the companies are exported on the next run",
                             code="missing_setting")


def invoice_posted(shop: Shop, order_id: str, invoice: dict, fully_invoiced: Callable[[], bool]) -> Pushed:
    """BC posted an invoice of the order (core/sync/shipments.py calls this once per invoice, after the
    order's delivery notes): Norce's order status becomes Invoiced [V: N10, SendOrderStatusRequest enum] once
    the BC order is invoiced in full. Connect `Order/CreateInvoice` is deliberately not sent: it captures
    the payment at the PSP unless `SuppressPspCall` (docs.norce.io …/connect/orderservice/openapi/invoice/
    createinvoice), and when money is captured is the shop's own PSP setup, not the bridge's to change."""
    from core.platforms.norce.client import client_for

    number = text(invoice.get("number"))
    if not fully_invoiced():
        raise Skip(f"BC invoice {number} invoices part of Norce order {order_id}; Norce has no partly invoiced "
                   "status, so it hears Invoiced with the invoice that completes the order.")
    with client_for(shop) as client:
        client.send_order_status({"ClientOrderRef": status_reference(order_id),
                                  "OrderStatus": "Invoiced", "AccountId": client.account_id})
    return Pushed(f"Norce order {order_id} status set to Invoiced (BC invoice {number}).", {"status": "Invoiced"})


def order_imported(shop: Shop, order, bc_number: str) -> str:
    """BC has the order: Norce's order status becomes Confirmed (`Order/SendOrderStatus` by ClientOrderRef,
    since the Order Receiver answer gave no ERP number) [V: N10]. Called by core/sync/orders.py after binding."""
    from core.platforms.norce.client import client_for

    basket = order.external_id
    with client_for(shop) as client:
        client.send_order_status({"ClientOrderRef": status_reference(basket),
                                  "OrderStatus": "Confirmed", "AccountId": client.account_id})
    return f"Norce order status set to Confirmed (BC {bc_number})."
