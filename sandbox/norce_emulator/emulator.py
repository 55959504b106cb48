"""Norce Commerce over real HTTP: the token endpoint, the order service, Query's order listing and the Connect
calls the bridge makes; and the two ways Norce reaches the bridge (an event, an Order Receiver push).

    emu = NorceEmulator(client_id="bridge", client_secret="s3cret", application_id="1234").start()
    order = emu.add_order(emu.make_order([("JACKET-M", 1, "540.00")], freight="39.20"))
    emu.push_order(receiver_url, order["basket"], user="norce", password="pw")     # the Order Receiver
    emu.send_event(webhook_url, order["basket"], secret="…")                         # OrderConfirmedEvent

Rules inventory (audited rule by rule). Sources: W = ../shared/contracts/platforms-wave2.md §1 with its source
keys N1–N11; P = ../shared/contracts/platforms.md §6; D = docs.norce.io pages (paths below, read through the
`pages` search corpus); C = ../shared/corpus files. "assumed: why" marks a rule no source states; those are
listed in docs/platforms.md (Norce, "What the emulator assumes").

Auth
- `POST /identity/1.0/connect/token`, form grant_type=client_credentials, client_id, client_secret, scope in
  playground|stage|prod → {access_token, expires_in 3600, token_type} [W Auth, N1]. Wrong client → 400
  invalid_client, other form → 400 invalid_request [assumed: RFC 6749 §5.2 answers; N1 shows none].
- more than `token_limit` token requests a minute → 429 [W Auth, N1: 3/min per IP plus a burst of 20].
- every other route: `Authorization: Bearer <issued token>` else 401 [W Auth, N1]; the 401 body
  `{"Message": …}` [assumed: Norce's error body is not shown].
- order service and Query also need `ApplicationId` (or `application-id`) equal to the application's → else
  401 [W Auth, N2 for Query; assumed for the order service, which documents the same header].
Order service 1.1 [W 1.1(b), N4, N4s]
- `GET /commerce/order/1.1/GetOrderByBasket?basketId=` [N4]; `GET …/GetOrder?id=` [assumed: W marks it U].
  Unknown basket/id → 404 [assumed]; an external order (basket not a number) has QuotationId null [assumed].
  Answer: the order-service Order (Id, QuotationId, OrderNo, OrderDate,
  Status, Currency, SellTo/BillTo/ShipTo CustomerData, OrderTotalIncVat/ExVat, Items[RowNumber, PartNo,
  QtyOrdered, UnitPrice, UnitDiscount, RowAmount, VatRate as a multiplier 1.25, Type, UnitPriceIncVat]) [N4].
Query 3.0 [W 1.1(c), N2, N3]
- `GET /commerce/query/3.0/Orders/Orders`: camelCase rows (id, orderNo, orderDate), `page_size` a page and
  `@odata.nextLink` while more remain [N2: the example pages by 500]; the link keeps the request's query
  options ($filter, $select, $orderby) with `$skip` moved on, as OData's server-driven paging does [OData v4
  Protocol §11.2.6.7: the client follows the link as given; which options Norce keeps assumed from ASP.NET
  OData's GetNextPageLink]. `$select` and `$orderby` apply to the rows; a property the Order lacks or a
  non-integer `$skip` → 400 with OData's error body [assumed: the messages].
- any `$filter` but `orderDate ge X and orderDate lt Y` → 400 [assumed: Query takes any OData filter; the
  emulator knows only the reconcile's, so a changed filter shows up in tests].
Connect 4.0 imports (jobs) [W 1.2, 1.4; D connect/productservice/x-stormconnect-header-skuonhand,
  …-skuprices; D connect/customerservice/x-stormconnect-header]
- `X-StormConnect-Header` a JSON object; `AccountId` an integer equal to the account's → else 400 [D header
  specs: "Required"; the 400 and its text assumed].
- ImportOnhands: `FullFile` a boolean and `SkuOnhandFieldsThatAreSet` a non-empty list of the documented field
  names or their integer codes (3 OnhandValue, 4 IncomingValue, 5 NextDeliveryDate, 6 LeadTimeDayCount,
  8 MinimumValue, 9 MaximumValue, 10 IsActive, 11 Infos) → else 400 [D skuonhand header: all "Required",
  "either string or integer for application/json"].
- every on-hand row needs PartNo, WarehouseCode, LocationCode [W 1.2 "*"]; a row without is a validation
  failure in the 200 answer's `ValidationSummary` [W 1.2: the answer's shape; which rows count assumed].
- OnhandValue is absolute per (PartNo, WarehouseCode, LocationCode) [W 1.2]; SKUs Norce does not have are
  ignored [W 1.2, N6], logged as a warning naming the part number [assumed: the log text].
- `FullFile: true` deactivates every on-hand record of the imported warehouse/location pairs that the file does
  not name [W 1.2] (`emu.inactive_onhand`).
- ImportSkuPriceLists: `FullFile` boolean and `SkuPriceListFieldsThatAreSet` a non-empty list of names or codes
  → else 400 [D skuprices header: "Required"]. `IgnoreSkuPriceListFieldsWhenEmpty` is marked Required too, but
  the page's own example leaves it out, so it may be absent; what it names must be one of its codes (3–8, 10)
  and "must be in SkuPriceListFieldsThatAreSet" → else 400 [D skupricelistheader]. Rows need PartNo and
  PriceListCode [W 1.4 "*"; D importskupricelists]; a price list Norce does not have is ignored ("will also be
  ignored", D importskupricelists) and logged as a warning naming the row [log assumed]; a CurrencyCode other
  than the list's, or a price with more than 4 decimals, is an error in the job log [Norce user portal,
  importing-price-lists; log text assumed]; an unknown part number is ignored ("Prices on products not yet
  created in Norce will be ignored", D) with a warning [log assumed]; PriceSale null or 0 is ignored
  [W 1.4, N11]; a row whose field in IgnoreSkuPriceListFieldsWhenEmpty is empty is ignored whole [N11];
  `FullFile: true` deactivates the prices of the imported lists the file does not name [N11].
- ImportCompanies [D connect/customerservice/openapi/customers/importcompanies, x-stormconnect-header,
  developer-portal/system-integration/customer-integration-examples]: `CompanyFieldsThatAreSet` names or codes
  → else 400; `CustomerFieldsThatAreSet` only with Customers (14) among the company fields ("if used there,
  'Customers' must be set") → else 400; each company needs `ApplicationKey` (the application's) and one of
  Id, Code, OrganizationNo → validation failures; a company matched by Code (else OrganizationNo) is updated
  in the named fields; a new one needs Code, Name and OrganizationNo → an error in the log [log text
  assumed]; an InvoiceAddress
  CountryCode that is not ISO 3166-1 alpha-2 is an error [D connect order schemas: Address.Country].
- the 200 answer `JobResponse{StatusCode, Description, JobId (a string of digits: "string <int32>"),
  ValidationSummary{NrOfItemsInTotal, NrOfValidationFailures, Messages}}` [W 1.2; D schemas/connectjob].
  `Job/Get?id=` → `JobDto{JobId (integer), StatusId, IsFinished, Totals, Fail, Insert, Updates, Start, Stop}`,
  StatusId 1 Initialized for `job_polls_before_done` polls, then 2 Succeeded or 4 Validation failed [W 1.2, N8;
  D schemas/connectjob]; `Job/GetLog?id=` → [{SeverityId, Message, TimeStamp, ImportedRow}] [W 1.2; C docs-examples/
  norce-connect-job_log-1.json]. The paths under /commerce/connect/4.0/Job/ [assumed: W marks them U, Storm
  documents connect.lab.storm.io/4.0/api/Job/Get]. Unknown job → 404 [assumed].
Connect 4.0 order service [W 1.3, N10; D connect/orderservice/openapi/schemas/{sendorderstatusrequest,
  deliverynote}, nc-latest/operation/SendOrderStatus]
- `Order/CreateDeliveryNote`: NoteNo, OrderNo of a known order, DeliverynoteItems each with ItemNo and Qty > 0
  → else 400 [W 1.3 names the fields; which are refused and the 400 assumed]; `DeliveryNotePackages[]`
  ParcelNumber a string (the tracking number) and StatusId, when sent, one of 4, 6, 11, 12, 20 [D
  DeliveryNotePackage] → else 400; a NoteNo already used → 400 [assumed: Norce's answer is not documented].
- `Order/SendOrderStatus`: ClientOrderRef an integer (int32) or ErpOrderNo a string, one of them [D
  sendorderstatusrequest: "Either ClientOrderRef or ErpOrderNo must be provided", ClientOrderRef integer];
  OrderStatus from the enum (the schema page's list together with the nc-latest operation's) → else 400
  [D; the 400 is the documented "Bad Request"].
Norce → bridge
- Order Receiver: POST of the Connect OrderRequest as JSON with Basic auth [W 1.1(a), N5]; items carry the
  OrderItem required fields (LineNo, PartNo, Quantity, Quantity2, Type, TypeGroup, UnitPrice,
  UnitPriceOriginal, UnitVat, VatRate in percent, Discount) [D connect/orderservice/openapi/schemas/orderitem];
  `Header.ApplicationKey` [D schemas/fee (Header)].
- events: the NorceEvent body [C norce-order_confirmed_event-schema-1.json] with the operator's static custom
  headers [P §6]; Norce signs nothing [P §6].
Test hooks: `fail_next(status, count, retry_after=)` answers the next authorised API calls with an error;
`revoke_tokens()` expires every token.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import json
import re
import secrets
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import httpx

from sandbox.loopback import LoopbackServer

CENT = Decimal("0.01")
# SendOrderStatusRequest.OrderStatus: the schema page's enum (Created … Acknowledged) and the nc-latest
# operation's, which drops Created and adds the pickup/hold statuses [N10; D sendorderstatusrequest]
ORDER_STATUSES = ("Created", "Allocation", "Confirmed", "BackOrder", "Delivered", "Invoiced", "Cancelled",
                  "CreditControl", "PartlyDelivered", "Acknowledged", "ErpConfirmed", "ReadyForPickup", "PickedUp",
                  "NotPickedUp", "OnHold", "WaitingForCancel", "WaitingForOnHoldRemoved", "CancelError",
                  "AcknowledgementError", "ReadyForReservation", "Reserved")
PARCEL_STATUSES = (4, 6, 11, 12, 20)  # DeliveryNotePackage.StatusId: Delivered, Canceled, Ready for pickup, …
# SkuOnhandFieldsThatAreSet codes (D x-stormconnect-header-skuonhand; 7 is not documented)
SKU_ONHAND_FIELDS = {3: "OnhandValue", 4: "IncomingValue", 5: "NextDeliveryDate", 6: "LeadTimeDayCount",
                     8: "MinimumValue", 9: "MaximumValue", 10: "IsActive", 11: "Infos"}
INT32_MAX = 2**31 - 1
# SkuPriceListFieldsThatAreSet codes, by integer and by name (x-stormconnect-header-skuprices [N11])
SKU_PRICE_FIELDS = {3: "PriceSale", 4: "CostPurchase", 5: "CostUnit", 6: "PriceRecommended", 7: "PricePrevious",
                    8: "PriceCatalog", 9: "IsPriceDiscountable", 10: "IsActive", 11: "IsPriceDiscountableCreateOnly",
                    12: "PriceRule", 13: "FullfileResetInheritance"}
# IgnoreSkuPriceListFieldsWhenEmpty codes: "must be in SkuPriceListFieldsThatAreSet" (skupricelistheader [N11])
IGNORE_WHEN_EMPTY_FIELDS = {c: SKU_PRICE_FIELDS[c] for c in (3, 4, 5, 6, 7, 8, 10)}
# CompanyFieldsThatAreSet codes (Connect customer service x-stormconnect-header)
COMPANY_FIELDS = {0: "ApplicationKey", 1: "Id", 2: "Code", 3: "OrganizationNo", 4: "Name", 5: "EmailAddress",
                  6: "PhoneNumber", 7: "LogoImage", 8: "ParentCompanyCode", 9: "IsActive", 10: "InvoiceAddress",
                  11: "DeliveryAddresses", 12: "AdditionalInfo", 13: "Contacts", 14: "Customers",
                  15: "DeliveryMethods", 16: "Discounts", 17: "Flags", 18: "PaymentMethods", 19: "PriceLists",
                  20: "SearchOnlyByCode", 21: "VatNo", 22: "PreserveFlags"}
QUERY_ORDER_FIELDS = ("id", "orderNo", "orderDate")  # the Order columns the emulator answers (N3 lists more)


def _odata_error(message: str) -> dict:
    """OData v4's error body (OData JSON Format §21), as Query answers a refused query option [N2: OData v4]."""
    return {"error": {"code": "", "message": message}}


_FILTER = re.compile(r"^orderDate ge (\S+) and orderDate lt (\S+)$")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def _num(value: Decimal) -> float | int:
    """Norce answers amounts as JSON numbers."""
    return int(value) if value == value.to_integral() else float(value)


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class NorceEmulator(LoopbackServer):
    name = "norce-emulator"

    def __init__(self, client_id: str = "bridge", client_secret: str = "norce-test-secret",  # noqa: S107
                 *, application_id: str = "1234", account_id: int = 7, currency: str = "SEK",
                 token_limit: int = 23, page_size: int = 500, job_polls_before_done: int = 1,
                 application_key: str = "6f1c2b4e-5d3a-4c21-9e8f-0a1b2c3d4e5f"):
        self.client_id, self.client_secret = client_id, client_secret
        self.application_id, self.account_id, self.currency = application_id, account_id, currency
        self.token_limit, self.page_size, self.job_polls_before_done = token_limit, page_size, job_polls_before_done
        self.application_key = application_key
        self.lock = threading.RLock()
        self.companies: dict[str, dict] = {}  # Code → company as imported
        self.company_imports: list[tuple[dict, list]] = []  # (header, rows) of every ImportCompanies call
        self.tokens: set[str] = set()
        self.token_times: list[float] = []
        self.orders: dict[str, dict] = {}  # basket id → order spec (make_order)
        self.skus: set[str] = set()  # part numbers Norce has; ImportOnhands ignores others
        self.onhand: dict[tuple[str, str, str], int] = {}
        self.inactive_onhand: set[tuple[str, str, str]] = set()  # deactivated by a FullFile import
        self.jobs: dict[int, dict] = {}
        self.delivery_notes: list[dict] = []
        self.order_statuses: list[dict] = []
        self.imports: list[tuple[dict, list]] = []  # (header, rows) of every ImportOnhands call
        self.price_lists: dict[str, str] = {"SE-B2C": currency}  # price list code → its currency
        self.prices: dict[tuple[str, str], dict] = {}  # (PartNo, PriceListCode) → {"PriceSale", "IsActive"}
        self.price_imports: list[tuple[dict, list]] = []  # (header, rows) of every ImportSkuPriceLists call
        self.requests: list[tuple[str, str]] = []
        self.counters: Counter = Counter()
        self._baskets = itertools.count(1043)
        self._order_ids = itertools.count(4711)
        self._job_ids = itertools.count(900)
        self._faults: list[tuple[int, float | None]] = []

    def fail_next(self, status: int = 503, count: int = 1, *, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    # ---- orders ----

    def make_order(self, lines: list[tuple], *, freight: str = "39.20", vat_percent: int = 25,
                   created: datetime | None = None, freight_as: str = "item") -> dict:
        """An order spec from (sku, quantity, unit price ex VAT[, discount per unit ex VAT]) lines, VAT at
        `vat_percent` on every row, freight ex VAT as an order item (`freight_as="item"`, Type Freight,
        TypeGroup Fee) or as an order-level fee (`"fee"`: Fees[] Type 0)."""
        rate = Decimal(vat_percent) / 100
        rows = []
        for number, line in enumerate(lines, start=1):
            sku, quantity, price, *rest = line
            discount = Decimal(rest[0]) if rest else Decimal(0)
            rows.append({"row": number, "sku": sku, "name": f"Product {sku}", "qty": int(quantity),
                         "price": Decimal(price), "discount": discount, "type": "ErpStandard", "group": "Physical"})
            self.skus.add(sku)
        if Decimal(freight) and freight_as == "item":
            rows.append({"row": len(rows) + 1, "sku": "FREIGHT", "name": "Freight", "qty": 1,
                         "price": Decimal(freight), "discount": Decimal(0), "type": "Freight", "group": "Fee"})
        fees = [Decimal(freight)] if Decimal(freight) and freight_as == "fee" else []
        net = sum((_cents(r["qty"] * (r["price"] - r["discount"])) for r in rows), Decimal(0)) + sum(fees, Decimal(0))
        vat = sum((_cents(_cents(r["qty"] * (r["price"] - r["discount"])) * rate) for r in rows), Decimal(0))
        vat += sum((_cents(f * rate) for f in fees), Decimal(0))
        basket = str(next(self._baskets))
        return {"basket": basket, "order_id": next(self._order_ids), "order_no": basket, "rows": rows, "fees": fees,
                "rate": rate, "net": net, "vat": vat, "total": net + vat, "status": "Confirmed",
                "created": (created or datetime.now(UTC)).replace(microsecond=0)}

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[order["basket"]] = order
            return order

    @staticmethod
    def _people(kind: str) -> dict:
        person = {"FirstName": "Test", "LastName": "Person", "Email": "customer@example.com",
                  "CellPhone": "+46701234567", "CustomerCode": "",
                  "Address": {"Line1": "Testgatan 1", "Line2": "", "CareOf": "", "ZipCode": "11122",
                              "City": "Stockholm", "Region": "", "Country": "SE", "Box": ""}}
        if kind == "request":  # Connect ClientCustomer {Company, Person} [N5]
            return {"Company": None, "Person": person}
        return {"Company": None,  # order-service CustomerData {Company, Customer, Address} [N4]
                "Customer": {"Id": 11, "No": "", "FirstName": "Test", "LastName": "Person", "SSN": "",
                             "Email": "customer@example.com", "Phone": "", "CellPhone": "+46701234567"},
                "Address": {"Line1": "Testgatan 1", "Line2": "", "CareOf": "", "City": "Stockholm",
                            "ZipCode": "11122", "Country": "Sweden", "CountryCode": "SE", "Region": "",
                            "ShippingPhoneNumber": ""}}

    def order_request(self, basket: str) -> dict:
        """The Connect OrderRequest the Order Receiver POSTs [§1.1(a), N5]: prices ex VAT, VatRate a percent."""
        order = self.orders[basket]
        rate = order["rate"]
        items = [{
            "LineNo": r["row"], "PartNo": r["sku"], "ErpPartNo": r["sku"], "Description": r["name"],
            "Quantity": r["qty"], "Quantity2": r["qty"], "Type": r["type"], "TypeGroup": r["group"],
            "UnitPrice": _num(r["price"] - r["discount"]), "UnitPriceOriginal": _num(r["price"]),
            "UnitVat": _num(_cents((r["price"] - r["discount"]) * rate)),
            "UnitPriceOriginalVat": _num(_cents(r["price"] * rate)), "VatRate": _num(rate * 100),
            "Discount": _num(r["discount"]), "Promotions": [], "ParentLineNo": None,
        } for r in order["rows"]]
        return {
            "Header": {"ApplicationKey": "15d62d1f-3a4e-4111-845a-4db40bf08e87"},
            "ClientOrderRef": basket, "CurrencyCode": self.currency, "ErpOrderNo": "", "OrderType": 1,
            "CustomerOrderRef": "", "CustomerOrderComment": "", "DoHold": False,
            "SellTo": self._people("request"), "BillTo": self._people("request"), "ShipTo": self._people("request"),
            "Items": items, "Discounts": [],
            "Fees": [{"Amount": _num(f), "Description": "Shipping", "Type": 0, "VatRate": _num(rate * 100)}
                     for f in order["fees"]],
            "Payments": [{"PaymentCode": 1, "PaymentMethodCode": "KLARNA", "PaymentRef": f"pay-{basket}",
                          "Amount": _num(order["total"]), "CurrencyCode": self.currency, "PaymentName": "Klarna"}],
            "ShippingAdvice": {"DeliveryMethodCode": "Standard", "PickupStore": None, "TmsReference": ""},
        }

    def service_order(self, basket: str) -> dict:
        """The order-service Order [§1.1(b), N4, N4s]: prices ex VAT, VatRate a multiplier (1.25)."""
        order = self.orders[basket]
        multiplier = 1 + order["rate"]
        items = [{
            "RowNumber": r["row"], "PartNo": r["sku"], "Name": r["name"], "QtyOrdered": r["qty"],
            "UnitPrice": _num(r["price"]), "UnitDiscount": _num(r["discount"]),
            "RowAmount": _num(_cents(r["qty"] * (r["price"] - r["discount"]))), "VatRate": _num(multiplier),
            "Type": 3 if r["type"] == "Freight" else 1, "Status": "Confirmed",
            "UnitPriceIncVat": _num(_cents(r["price"] * multiplier)), "ParentRowNumber": None,
        } for r in order["rows"]]
        if order["fees"]:
            raise ValueError("the order service shows freight as an item; make the order with freight_as='item'")
        return {
            "Id": order["order_id"], "QuotationId": int(basket) if basket.isdigit() else None,  # external: none [U]
            "OrderNo": order["order_no"],
            "OrderDate": order["created"].isoformat(), "Status": order["status"], "Source": "WEB",
            "Currency": self.currency, "SellTo": self._people("service"), "BillTo": self._people("service"),
            "ShipTo": self._people("service"), "OrderTotalIncVat": _num(order["total"]),
            "OrderTotalExVat": _num(order["net"]), "PaymentMethod": "KLARNA", "DeliveryMethod": "Standard",
            "TypeId": 1, "Items": items, "Info": [],
        }

    # ---- Norce → bridge ----

    def push_order(self, url: str, basket: str, *, user: str, password: str, body: bytes | None = None,
                   timeout: float = 10.0) -> httpx.Response:
        """The Order Receiver call: POST the OrderRequest as JSON with Basic auth [§1.1(a), N5]."""
        raw = body if body is not None else json.dumps(self.order_request(basket)).encode()
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        return httpx.post(url, content=raw, timeout=timeout,
                          headers={"Content-Type": "application/json", "Authorization": f"Basic {token}"})

    def send_event(self, url: str, basket: str, *, secret: str, event: str = "OrderConfirmedEvent",
                   timeout: float = 10.0) -> httpx.Response:
        """A NorceEvent with the static custom headers the operator configured [platforms.md §6]."""
        return httpx.post(url, json=self.event_body(basket), timeout=timeout,
                          headers={"X-Webhook-Secret": secret, "X-Norce-Event": event})

    def event_body(self, basket: str) -> dict:
        """The OrderConfirmedEvent body (fields and types of C norce-order_confirmed_event-schema-1.json)."""
        order = self.orders[basket]
        return {"ClientId": 1, "ApplicationId": int(self.application_id), "OrderId": order["order_id"],
                "OrderNo": order["order_no"], "ClientOrderRef": basket, "CellPhone": "+46701234567",
                "FirstName": "Test", "LastName": "Person", "Source": "WEB"}

    # ---- HTTP ----

    def _issue_token(self, form: dict[str, list[str]]) -> tuple[int, object, dict]:
        now = time.monotonic()
        with self.lock:
            self.token_times = [t for t in self.token_times if now - t < 60]
            if len(self.token_times) >= self.token_limit:
                self.counters["token_throttled"] += 1
                return 429, {"error": "too_many_requests"}, {"Retry-After": "1"}
            self.token_times.append(now)
        def one(name: str) -> str:
            return (form.get(name) or [""])[0]
        if one("grant_type") != "client_credentials" or one("scope") not in ("playground", "stage", "prod"):
            return 400, {"error": "invalid_request"}, {}
        if one("client_id") != self.client_id or not hmac.compare_digest(one("client_secret").encode(),
                                                                         self.client_secret.encode()):
            self.counters["bad_client"] += 1
            return 400, {"error": "invalid_client"}, {}
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
            self.counters["tokens"] += 1
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer", "scope": one("scope")}, {}

    def revoke_tokens(self) -> None:
        """Every issued token stops working (an expiry): the next call answers 401."""
        with self.lock:
            self.tokens.clear()

    def handle(self, method: str, raw_path: str, headers, body: bytes) -> tuple[int, object, dict]:
        parts = urlsplit(raw_path)
        path, query = parts.path, parse_qs(parts.query)
        with self.lock:
            self.requests.append((method, raw_path))
        if method == "POST" and path == "/identity/1.0/connect/token":
            return self._issue_token(parse_qs(body.decode("utf-8", "replace")))
        auth = headers.get("Authorization") or ""
        with self.lock:
            authorised = auth.startswith("Bearer ") and auth[7:] in self.tokens
        if not authorised:
            self.counters["unauthorized"] += 1
            return 401, {"Message": "Authorization has been denied for this request."}, {}
        if (path.startswith(("/commerce/order/", "/commerce/query/"))
                and (headers.get("ApplicationId") or headers.get("application-id") or "") != self.application_id):
            self.counters["unauthorized"] += 1
            return 401, {"Message": "Missing or unknown ApplicationId."}, {}
        with self.lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            self.counters["faults"] += 1
            status, retry_after = fault
            return status, {"Message": "fault"}, ({"Retry-After": str(retry_after)} if retry_after is not None else {})
        route = (method, path)
        if route == ("GET", "/commerce/order/1.1/GetOrderByBasket"):
            basket = (query.get("basketId") or [""])[0]
            with self.lock:
                known = basket in self.orders
            return (200, self.service_order(basket), {}) if known else (404, {"Message": "Order not found"}, {})
        if route == ("GET", "/commerce/order/1.1/GetOrder"):
            wanted = (query.get("id") or [""])[0]
            with self.lock:
                basket = next((b for b, o in self.orders.items() if str(o["order_id"]) == wanted), None)
            return (200, self.service_order(basket), {}) if basket else (404, {"Message": "Order not found"}, {})
        if route == ("GET", "/commerce/query/3.0/Orders/Orders"):
            return self._query_orders(query)
        if method == "POST" and path.startswith("/commerce/connect/4.0/"):
            try:
                payload = json.loads(body or b"null")
            except ValueError:
                return 400, {"Message": "The request body is not JSON."}, {}
            return self._connect(path.removeprefix("/commerce/connect/4.0/"), headers, payload)
        if route == ("GET", "/commerce/connect/4.0/Job/Get"):
            return self._job(query, log=False)
        if route == ("GET", "/commerce/connect/4.0/Job/GetLog"):
            return self._job(query, log=True)
        return 404, {"Message": f"No resource {path}"}, {}

    def _query_orders(self, query: dict) -> tuple[int, object, dict]:
        match = _FILTER.match((query.get("$filter") or [""])[0])
        if not match:
            return 400, _odata_error("emulator: only the reconcile's orderDate filter"), {}
        since, until = _parse_time(match.group(1)), _parse_time(match.group(2))
        skip_text = (query.get("$skip") or ["0"])[0]
        if not skip_text.isdigit():  # OData: $skip is a non-negative integer
            return 400, _odata_error(f"Invalid value '{skip_text}' for $skip query option found. The $skip query "
                                     "option requires a non-negative integer value."), {}
        skip = int(skip_text)
        select = [p.strip() for p in (query.get("$select") or [""])[0].split(",") if p.strip()]
        orderby = [p.strip() for p in (query.get("$orderby") or [""])[0].split(",") if p.strip()]
        for name in select + [o.split()[0] for o in orderby]:
            if name not in QUERY_ORDER_FIELDS:  # OData refuses a property the entity type lacks
                return 400, _odata_error(f"Could not find a property named '{name}' on type "
                                         "'Norce.Query.Orders.Order'."), {}
        if any(len(o.split()) > 2 or (len(o.split()) == 2 and o.split()[1] not in ("asc", "desc"))
               for o in orderby):
            return 400, _odata_error(f"Syntax error in $orderby '{', '.join(orderby)}'."), {}
        with self.lock:
            rows = [{"id": o["order_id"], "orderNo": o["order_no"],
                     "orderDate": o["created"].strftime("%Y-%m-%dT%H:%M:%SZ"), "_created": o["created"]}
                    for o in self.orders.values() if since <= o["created"] < until]
        rows.sort(key=lambda r: (r["_created"], r["id"]))  # no $orderby: the emulator's stable order
        for clause in reversed(orderby):  # stable sorts, least significant last clause first
            name, *direction = clause.split()
            rows.sort(key=lambda r, n=name: r["_created"] if n == "orderDate" else r[n],
                      reverse=direction == ["desc"])
        page = rows[skip: skip + self.page_size]
        answer: dict = {"@odata.context": "$metadata#Orders",
                        "value": [{k: v for k, v in r.items() if k != "_created" and (not select or k in select)}
                                  for r in page]}
        if skip + self.page_size < len(rows):
            # server-driven paging (ASP.NET OData's GetNextPageLink): the request's own query options, $skip moved
            # on; the client follows the link as given
            kept = [(k, v) for k, values in query.items() if k != "$skip" for v in values]
            answer["@odata.nextLink"] = (f"{self.base_url}/commerce/query/3.0/Orders/Orders?"
                                         + urlencode([*kept, ("$skip", str(skip + self.page_size))],
                                                     quote_via=quote, safe="$,:"))
        return 200, answer, {}

    def _connect(self, operation: str, headers, payload) -> tuple[int, object, dict]:
        if operation == "Product/ImportOnhands":
            return self._import_onhands(headers, payload)
        if operation == "Product/ImportSkuPriceLists":
            return self._import_sku_prices(headers, payload)
        if operation == "Customer/ImportCompanies":
            return self._import_companies(headers, payload)
        if operation == "Order/CreateDeliveryNote":
            return self._delivery_note(payload)
        if operation == "Order/SendOrderStatus":
            if not isinstance(payload, dict) or not (payload.get("ClientOrderRef") or payload.get("ErpOrderNo")):
                return 400, {"Message": "Either ClientOrderRef or ErpOrderNo must be provided."}, {}
            reference = payload.get("ClientOrderRef")
            if reference is not None and not (type(reference) is int and 0 <= reference <= INT32_MAX):
                return 400, {"Message": "ClientOrderRef must be an integer (the basket id)."}, {}
            if payload.get("ErpOrderNo") is not None and not isinstance(payload["ErpOrderNo"], str):
                return 400, {"Message": "ErpOrderNo must be a string."}, {}
            if payload.get("OrderStatus") not in ORDER_STATUSES:
                return 400, {"Message": f"OrderStatus must be one of {', '.join(ORDER_STATUSES)}."}, {}
            with self.lock:
                self.order_statuses.append(payload)
            return 200, {"StatusCode": "OK"}, {}
        return 404, {"Message": f"No operation {operation}"}, {}

    def _import_onhands(self, headers, rows) -> tuple[int, object, dict]:
        try:
            header = json.loads(headers.get("X-StormConnect-Header") or "")
        except ValueError:
            header = None
        if not isinstance(header, dict) or type(header.get("AccountId")) is not int:
            return 400, {"Message": "X-StormConnect-Header must be a JSON object with an integer AccountId."}, {}
        if header["AccountId"] != self.account_id:
            return 400, {"Message": f"Unknown AccountId {header['AccountId']}."}, {}
        if not isinstance(header.get("FullFile"), bool):
            return 400, {"Message": "FullFile is required (true or false)."}, {}
        fields = _field_names(header.get("SkuOnhandFieldsThatAreSet"), SKU_ONHAND_FIELDS)
        if not fields:
            return 400, {"Message": "SkuOnhandFieldsThatAreSet is required: a list of SKU on-hand fields "
                                    f"({', '.join(SKU_ONHAND_FIELDS.values())}) or their codes."}, {}
        if not isinstance(rows, list):
            return 400, {"Message": "The body must be a list of SkuOnhand."}, {}
        failures, valid = [], []
        for index, row in enumerate(rows):
            missing = [f for f in ("PartNo", "WarehouseCode", "LocationCode")
                       if not isinstance(row, dict) or not row.get(f)]
            if missing:
                failures.append(f"Row {index}: {', '.join(missing)} is required.")
            else:
                valid.append(row)
        job_id = next(self._job_ids)
        log = [{"SeverityId": 1, "Message": "Starting import.", "TimeStamp": _now(), "ImportedRow": None}]
        updates = 0
        with self.lock:
            self.imports.append((header, rows))
            for row in valid:
                if row["PartNo"] not in self.skus:  # ignored by Norce [N6]; logged by the emulator [U]
                    log.append({"SeverityId": 2, "Message": f"Sku {row['PartNo']} not found, row ignored.",
                                "TimeStamp": _now(), "ImportedRow": json.dumps(row)[:200]})
                    continue
                key = (row["PartNo"], row["WarehouseCode"], row["LocationCode"])
                if "OnhandValue" in fields and row.get("OnhandValue") is not None:
                    self.onhand[key] = int(row["OnhandValue"])
                    self.inactive_onhand.discard(key)
                    updates += 1
            if header["FullFile"]:  # every other record of the imported warehouse/location pairs [W 1.2]
                sent = {(r["PartNo"], r["WarehouseCode"], r["LocationCode"]) for r in valid}
                places = {(w, loc) for _, w, loc in sent}
                self.inactive_onhand |= {k for k in self.onhand if k[1:] in places and k not in sent}
            log.append({"SeverityId": 1, "Message": "Import finished.", "TimeStamp": _now(), "ImportedRow": None})
            self.jobs[job_id] = {"polls": 0, "log": log, "updates": updates, "total": len(rows),
                                 "status": 4 if failures and not valid else 2}
        return 200, {"StatusCode": "OK", "Description": "", "JobId": str(job_id),  # JobResponse: string <int32>
                     "ValidationSummary": {"NrOfItemsInTotal": len(rows), "NrOfValidationFailures": len(failures),
                                           "Messages": failures}}, {}

    def _import_sku_prices(self, headers, rows) -> tuple[int, object, dict]:
        try:
            header = json.loads(headers.get("X-StormConnect-Header") or "")
        except ValueError:
            header = None
        if not isinstance(header, dict) or type(header.get("AccountId")) is not int:
            return 400, {"Message": "X-StormConnect-Header must be a JSON object with an integer AccountId."}, {}
        if header["AccountId"] != self.account_id:
            return 400, {"Message": f"Unknown AccountId {header['AccountId']}."}, {}
        if not isinstance(header.get("FullFile"), bool):
            return 400, {"Message": "FullFile is required (true or false)."}, {}
        fields: dict[str, set[str]] = {}
        set_fields = _field_names(header.get("SkuPriceListFieldsThatAreSet"), SKU_PRICE_FIELDS)
        if not set_fields:
            return 400, {"Message": "SkuPriceListFieldsThatAreSet is required: a list of SKU price list fields "
                                    f"({', '.join(SKU_PRICE_FIELDS.values())}) or their codes."}, {}
        # marked Required, yet the header page's own example omits it: absent reads as none [D skuprices header]
        ignore = header.get("IgnoreSkuPriceListFieldsWhenEmpty", [])
        ignore_fields = _field_names(ignore, IGNORE_WHEN_EMPTY_FIELDS) if ignore != [] else set()
        if ignore_fields is None or not ignore_fields <= set_fields:  # "must be in SkuPriceListFieldsThatAreSet"
            return 400, {"Message": "IgnoreSkuPriceListFieldsWhenEmpty takes only fields of "
                                    f"{', '.join(IGNORE_WHEN_EMPTY_FIELDS.values())} that are also in "
                                    "SkuPriceListFieldsThatAreSet."}, {}
        fields["SkuPriceListFieldsThatAreSet"], fields["IgnoreSkuPriceListFieldsWhenEmpty"] = set_fields, ignore_fields
        if not isinstance(rows, list):
            return 400, {"Message": "The body must be a list of SkuPriceList."}, {}
        failures, valid = [], []
        for index, row in enumerate(rows):
            missing = [f for f in ("PartNo", "PriceListCode") if not isinstance(row, dict) or not row.get(f)]
            if missing:
                failures.append(f"Row {index}: {', '.join(missing)} is required.")
            else:
                valid.append(row)
        log = [{"SeverityId": 1, "Message": "Starting import.", "TimeStamp": _now(), "ImportedRow": None}]
        updates, named = 0, set()

        def entry(severity: int, message: str, row: dict) -> None:
            log.append({"SeverityId": severity, "Message": message, "TimeStamp": _now(),
                        "ImportedRow": json.dumps(row)[:200]})

        with self.lock:
            self.price_imports.append((header, rows))
            for row in valid:
                part, code = str(row["PartNo"]), str(row["PriceListCode"])
                named.add(code)
                if code not in self.price_lists:  # "will also be ignored" [D importskupricelists]; logged [U]
                    entry(2, f"Price list {code} not found, row for {part} ignored.", row)
                    continue
                currency = row.get("CurrencyCode")
                if currency and currency != self.price_lists[code]:
                    entry(3, f"Currency {currency} of {part} is not the currency {self.price_lists[code]} of price "
                             f"list {code}.", row)
                    continue
                if part not in self.skus:  # ignored, as on-hand imports ignore unknown SKUs [N6; U for prices]
                    entry(2, f"Sku {part} not found, row ignored.", row)
                    continue
                if any(not row.get(f) for f in fields["IgnoreSkuPriceListFieldsWhenEmpty"]):
                    continue  # the whole price entity is ignored [N11]
                price = row.get("PriceSale")
                if "PriceSale" in fields["SkuPriceListFieldsThatAreSet"] and price:  # null or 0: ignored [N11]
                    if not isinstance(price, int | float) or Decimal(str(price)).as_tuple().exponent < -4:
                        entry(3, f"PriceSale {price!r} of {part} is not a number with at most 4 decimals.", row)
                        continue
                    self.prices[(part, code)] = {"PriceSale": Decimal(str(price)), "IsActive": True}
                    updates += 1
            if header["FullFile"]:  # every other price of the imported lists is deactivated [N11]
                sent = {(str(r["PartNo"]), str(r["PriceListCode"])) for r in valid}
                for key, price in self.prices.items():
                    if key[1] in named and key not in sent:
                        price["IsActive"] = False
            log.append({"SeverityId": 1, "Message": "Import finished.", "TimeStamp": _now(), "ImportedRow": None})
            job_id = self._new_job(log, updates, len(rows), 4 if failures and not valid else 2)
        return 200, {"StatusCode": "OK", "Description": "", "JobId": str(job_id),  # JobResponse: string <int32>
                     "ValidationSummary": {"NrOfItemsInTotal": len(rows), "NrOfValidationFailures": len(failures),
                                           "Messages": failures}}, {}

    def _import_companies(self, headers, rows) -> tuple[int, object, dict]:
        try:
            header = json.loads(headers.get("X-StormConnect-Header") or "")
        except ValueError:
            header = None
        if not isinstance(header, dict) or type(header.get("AccountId")) is not int:
            return 400, {"Message": "X-StormConnect-Header must be a JSON object with an integer AccountId."}, {}
        if header["AccountId"] != self.account_id:
            return 400, {"Message": f"Unknown AccountId {header['AccountId']}."}, {}
        fields = _field_names(header.get("CompanyFieldsThatAreSet"), COMPANY_FIELDS)
        if not fields:
            return 400, {"Message": "CompanyFieldsThatAreSet is required: a list of company fields."}, {}
        if header.get("CustomerFieldsThatAreSet") and "Customers" not in fields:
            # "if used there, 'Customers' must be set in CompanyFieldsThatAreSet" (customerservice header)
            return 400, {"Message": "CustomerFieldsThatAreSet needs Customers in CompanyFieldsThatAreSet."}, {}
        if not isinstance(rows, list):
            return 400, {"Message": "The body must be a list of Company."}, {}
        failures, valid = [], []
        for index, row in enumerate(rows):
            if not isinstance(row, dict) or row.get("ApplicationKey") != self.application_key:
                failures.append(f"Row {index}: ApplicationKey is required and must be the application's.")
            elif not any(row.get(f) for f in ("Id", "Code", "OrganizationNo")):
                failures.append(f"Row {index}: Id, Code or OrganizationNo is required to match the company.")
            else:
                valid.append(row)
        log = [{"SeverityId": 1, "Message": "Starting import.", "TimeStamp": _now(), "ImportedRow": None}]
        updates = 0
        with self.lock:
            self.company_imports.append((header, rows))
            for row in valid:
                imported = json.dumps(row)[:200]
                code = str(row.get("Code") or "")
                found = self.companies.get(code) or next(
                    (c for c in self.companies.values() if row.get("OrganizationNo")
                     and c.get("OrganizationNo") == row["OrganizationNo"]), None)
                country = (row.get("InvoiceAddress") or {}).get("CountryCode") if isinstance(
                    row.get("InvoiceAddress"), dict) else None
                if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
                    log.append({"SeverityId": 3, "Message": f"Company {code}: CountryCode {country!r} is not an "
                                "ISO 3166-1 alpha-2 code.", "TimeStamp": _now(), "ImportedRow": imported})
                    continue
                if found is None:
                    missing = [f for f in ("Code", "Name", "OrganizationNo") if not row.get(f)]
                    if missing:
                        log.append({"SeverityId": 3, "Message": f"Company {code}: {', '.join(missing)} required to "
                                    "create a company.", "TimeStamp": _now(), "ImportedRow": imported})
                        continue
                    found = self.companies[code] = {"Code": code}
                for field in fields & set(row):
                    found[field] = row[field]
                updates += 1
            log.append({"SeverityId": 1, "Message": "Import finished.", "TimeStamp": _now(), "ImportedRow": None})
            job_id = self._new_job(log, updates, len(rows), 4 if failures and not valid else 2)
        return 200, {"StatusCode": "OK", "Description": "", "JobId": str(job_id),  # JobResponse: string <int32>
                     "ValidationSummary": {"NrOfItemsInTotal": len(rows), "NrOfValidationFailures": len(failures),
                                           "Messages": failures}}, {}

    def _new_job(self, log: list[dict], updates: int, total: int, status: int) -> int:
        with self.lock:
            job_id = next(self._job_ids)
            self.jobs[job_id] = {"polls": 0, "log": log, "updates": updates, "total": total, "status": status}
            return job_id

    def price_of(self, part_no: str, price_list: str = "SE-B2C") -> Decimal | None:
        """The active sale price of a part number on a price list, None when it has none."""
        with self.lock:
            price = self.prices.get((part_no, price_list))
            return price["PriceSale"] if price and price["IsActive"] else None

    def _job(self, query: dict, *, log: bool) -> tuple[int, object, dict]:
        try:
            job_id = int((query.get("id") or [""])[0])
        except ValueError:
            return 400, {"Message": "id must be an integer."}, {}
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None:
                return 404, {"Message": f"No job {job_id}"}, {}
            if log:
                return 200, job["log"], {}
            job["polls"] += 1
            done = job["polls"] > self.job_polls_before_done
            # JobDto [D schemas/connectjob]: JobId an integer, StatusId 1 Initialized while it runs
            return 200, {"JobId": job_id, "StatusId": job["status"] if done else 1, "IsFinished": done,
                         "Totals": job["total"], "Fail": 0, "Insert": 0, "Updates": job["updates"] if done else 0,
                         "Start": _now(), "Stop": _now() if done else None}, {}

    def _delivery_note(self, note) -> tuple[int, object, dict]:
        if not isinstance(note, dict) or not note.get("NoteNo") or not note.get("OrderNo"):
            return 400, {"Message": "NoteNo and OrderNo are required."}, {}
        with self.lock:
            if not any(o["order_no"] == str(note["OrderNo"]) for o in self.orders.values()):
                return 400, {"Message": f"Order {note['OrderNo']} not found."}, {}
            if any(n["NoteNo"] == note["NoteNo"] for n in self.delivery_notes):
                return 400, {"Message": f"Delivery note {note['NoteNo']} already exists."}, {}
        items = note.get("DeliverynoteItems")
        if not isinstance(items, list) or not items or not all(
                isinstance(i, dict) and i.get("ItemNo") and isinstance(i.get("Qty"), int | float) and i["Qty"] > 0
                for i in items):
            return 400, {"Message": "DeliverynoteItems need ItemNo and Qty > 0."}, {}
        packages = note.get("DeliveryNotePackages") or []
        if not isinstance(packages, list) or not all(
                isinstance(p, dict) and isinstance(p.get("ParcelNumber", ""), str | None)
                and p.get("StatusId") in (None, *PARCEL_STATUSES) for p in packages):
            return 400, {"Message": "DeliveryNotePackages need a ParcelNumber string and a StatusId of "
                                    f"{', '.join(map(str, PARCEL_STATUSES))} when one is given."}, {}
        with self.lock:
            self.delivery_notes.append(note)
        return 200, {"StatusCode": "OK"}, {}

    def onhand_of(self, part_no: str) -> dict[tuple[str, str], int]:
        """(warehouse, location) → on hand, for one part number."""
        found: dict[tuple[str, str], int] = defaultdict(int)
        with self.lock:
            for (part, warehouse, location), value in self.onhand.items():
                if part == part_no:
                    found[(warehouse, location)] = value
        return dict(found)


def _field_names(codes, known: dict[int, str]) -> set[str] | None:
    """The field names of a header list of names or integer codes; None when it is no such non-empty list or
    names a field the header does not have ("either string or integer for application/json": D header specs)."""
    if not isinstance(codes, list) or not codes or not all(type(c) in (int, str) for c in codes):
        return None
    names = {known.get(c) if type(c) is int else c for c in codes}
    return names if names <= set(known.values()) else None


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]


class _Handler(BaseHTTPRequestHandler):
    emulator: NorceEmulator

    def log_message(self, *args) -> None:  # quiet
        return

    def _serve(self, method: str) -> None:
        length_header = (self.headers.get("Content-Length") or "0").strip()
        if not length_header.isdigit():  # IIS refuses it before the API runs
            self.close_connection = True
            self._send(400, {"Message": "Bad Request"}, {})
            return
        length = int(length_header)
        body = self.rfile.read(length) if length else b""
        self._send(*self.emulator.handle(method, self.path, self.headers, body))

    def _send(self, status: int, answer: object, extra: dict) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")


NorceEmulator.handler = _Handler
