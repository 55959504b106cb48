"""Geins Management API over real HTTP: the calls the bridge makes, and id-only webhooks with a secret header.

    emu = GeinsEmulator(api_key="geins-key", user="bridge", password="pw").start()
    order = emu.add_order(emu.make_order([("1000", 2, "199.00")], shipping="49.00"))
    emu.send_webhook(url, "Order", "create", order["Id"], secret="…")

Rules inventory (audited rule by rule). Sources: W = ../shared/contracts/platforms-wave2.md §3; P =
../shared/contracts/platforms.md §8; G1 = the Management API as generated from its OpenAPI spec in
github geins-io/sonora-agent-plugins, plugins/sonora/skills/mgmtapi/{SKILL.md, references/order.md @06e17fb,
shipping.md @ded327a, pricelist.md @06e17fb, product.md @abb3578, user.md @b51bab18}; C = ../shared/corpus.
"assumed: why" marks a rule no source states; docs/platforms.md (Geins, "What the emulator assumes") lists them.

Auth
- every call needs `X-ApiKey` and HTTP Basic of the API user, else 401 `{"Message":"Unauthorized"}` [W Auth;
  G1 SKILL.md "Credentials"].
- unknown route → 404 [assumed: the ASP.NET "No HTTP resource" answer]; a body that is not JSON → 400 [assumed].
- path ids (order, parcel group, user) are int32 [G1]: a number beyond int32 → 400 [assumed: the answer].
- a body field of the wrong JSON kind (an array or object where the model has a string, number or enum; a
  Stock/Query id that is no integer) → 400 "The request is invalid." [assumed: ASP.NET Web API's invalid model
  answer; G1 gives the types, not the answer]; in a price row it is listed under `Invalid`.
Orders [W 3.1; G1 order.md]
- `GET /API/Order/{id}/{include}`: include is required, a comma list of paymentdetails, shippingdetails,
  refunds [G1] (and rows, listed by the 2023 SDK [W 3.1, G2]); anything else → 400 [assumed: the answer];
  unknown order → 404 [assumed]. The answer is the bare `Order.Models.Order` (PascalCase; Rows always there,
  the collections not included are null [assumed]); VATRate 0.25 = 25 %, UnitPrice inc VAT after row discount,
  DiscountRate 10.0 = 10 % [G1 OrderRow].
- `POST /API/Order/Query/{page}`: the body is an `Order.Models.OrderQuery`; a field it does not have → 400
  [assumed: Web API would ignore it; refused here so a misspelt filter shows in tests]; a body that is no object
  → 500 "A database error occured." [W 3.1 pitfall; G1 SKILL.md]. Page 1 opens a batch; pages ≥ 2 need the
  page-1 `BatchId` (else 400) and send only it [W 3.1; G1 "a BatchId must be included", SKILL.md "must resend
  the BatchId … not the filter"; the 400 assumed]. Answer `PagedEnvelope{PageResult{BatchId, Page, RowCount,
  PageCount, PageSize, HasMoreRows}, Resource, Message, Details}` [G1]; page size 1000 [G1]. Each page re-runs
  the query (ordered by UpdatedAt, Id), modelling "items can be duplicated or skipped across pages if the
  underlying data changes" [G1]; `between_pages` lets a test change data between pages. UpdatedAfter /
  UpdatedBefore are strict [assumed: G1 says "after"/"before" only]. StatusList filters on Status [G1]; a status
  outside OrderQuery's documented list (cancelled on-hold inactive refunded partial backorder completed pending;
  not pending-payment) or a date field that is no date-time → 400 "The request is invalid." naming it [G1
  OrderQuery; the 400 assumed: G1's pitfall says some accounts answer 500 "A database error occured." to
  statuses they reject].
- `PATCH /API/Order/{id}` with an `OrderUpdate`: only ExternalId, ParcelNumber, ReturnParcelNumber,
  ExternalOrderStatus (0/10/20/30/40), GoodsLabel, CustomerOrderNumber [G1 OrderUpdate]; another field or an
  empty body → 400 [assumed: G1 says nothing of unknown fields; TrackingUrl is not in OrderUpdate, so a client
  writing it would lose it]; an ExternalId held by another order → 409, order untouched [G1]. ParcelNumber lands
  on the first ShippingDetails entry [assumed: where Geins shows it].
- `POST /API/Order/{id}/Comment` `{OrderId, Comment, System}` [G1 OrderComment] → BaseEnvelope; an empty
  Comment → 400 [assumed].
Shipping [W 3.3; G1 shipping.md]
- `POST /API/Shipping/ParcelGroup` with `ParcelGroupOptions`: `OrderIds` is required ("Required") and each
  must be a known order; `OrderRowIds` "limits which order rows are included for each order defined in
  OrderIds", so a row of an order not in OrderIds → 400 [G1; the 400 assumed]; an order without listed rows
  takes "all remaining undelivered order rows" [G1]; `SendDeliveryEmail` "requires that MarkAsDelivered is also
  set" → 400 otherwise [G1; the 400 assumed]; an order with no ungrouped row and no `Force` → 400 [G1 Force:
  "force creation … even when the listed orders have no ungrouped parcels"; the 400 assumed]. Answer
  `Envelope-Int{Resource: parcel group id}` [G1]; rows get that ParcelGroupId and status "shipped" when
  MarkAsDelivered [assumed: how Geins shows a delivered row].
Stock [W 3.2; G1 product.md, SKILL.md]
- `PUT /API/Product/Stock?productItemIdType=0|1`: a JSON array of `ProductItemStock{Id, Stock, StockType 0|1|2}`
  [G1]; absolute values [W 3.2]. A row with no Id, a Stock that is not a non-negative integer or a StockType
  outside 0..2 is listed in `Invalid` [G1 "failed validation"; negative refused assumed], an unknown item in
  `NotFound` [G1]; the rest is applied. Answer `{"Message":"Success.","Resource":{Message, Invalid, NotFound,
  UpdateCount}}` [W 3.2; G1 SKILL.md "the real counts sit under Resource"]; with any Invalid or NotFound row the
  same object comes back unwrapped, `{Message, Invalid, NotFound, UpdateCount}` [G1 SKILL.md "on an error the
  same object comes back unwrapped"; that a partial failure is such an error, its 200 and its Message
  assumed]. Types 2–4 (market-prefixed, ExternalId) are not modelled (400) [assumed: emulator scope].
- `POST /API/Product/Stock/Query` `[itemIds]` → `{Resource: [{ItemId, Stock, StockOversellable, StockStatic,
  StockSellable}]}` [W 3.2; G1 Envelope-List].
Prices [W 3.4; G1 pricelist.md]
- `GET /API/PriceList/List` → a bare array of price lists [G1]; the ordinary, sale and campaign lists of market
  1 have ids 1000000, 1000001, 1000002 [G1 "Market ID * 1000000 + type"], here in SEK inc VAT.
- `PUT /API/PriceList/Price?productIdType=1&pricesIncVat=`: a pricesIncVat that does not match a row's list
  (ExVat) → 400 [G1 "pricesIncVat = true requires ExVat = false"; the 400 assumed]; rows on campaign lists are
  ignored [G1]; an unknown list, no ProductId, a negative or non-number Price → `Invalid`; an unknown product
  → `NotFound` [G1 PriceListPriceResponse]; the answer is the bare `{Message, Invalid, NotFound,
  UpdateCount}` [G1 Returns: PriceList.Models.PriceListPriceResponse]. productIdType other than 1 → 400
  [assumed: emulator scope].
Customers [G4 = G1 user.md; W is silent]
- `GET /API/User/{userId}` and `GET /API/User/{email}` → `{Resource: SingleUserProfile, Message, Details}`
  (UserId, Email, FirstName, LastName, PhoneNr, MobilePhoneNr, Company, UserTypeId 1 Private | 2 Company,
  Address…, Country, CreatedOn, UpdatedOn, …); a key that is neither an int32 nor an e-mail → 400 [G4: userId
  int32]; an unknown user → 404 [assumed: undocumented].
- `POST /API/User/Query/{page}` (the customers reconcile; the block "customers reconcile" below): a
  `User.Models.UserProfileQuery` [G4: CreatedBefore, CreatedAfter, UpdatedAfter, IncludeInactive, BatchId,
  UserId, Email]; another field → 400, paging by BatchId and the answer's PagedEnvelope as for orders
  [assumed: G4 documents the same batch scheme]; rows are `User.Models.Read.UserProfile` (no AvailableMarkets);
  inactive users only with IncludeInactive [G4]; UpdatedAfter/CreatedAfter/CreatedBefore strict [assumed].
Webhooks [P §8; C geins-order_webhook-1.json]
- the body is the operator's template, here `{"entity", "action", "id"}` as in the corpus sample; the secret
  rides in a custom header (`X-Webhook-Secret`) because Geins signs nothing [P §8].
Data: orders are SEK with prices inc 25 % VAT; `make_order` builds internally consistent figures. Timestamps are
answered without an offset (UTC) [assumed: G1 says date-time, gives no example]. `fail_next(status, count,
retry_after=)` answers the next authorised requests with an error. Counters: requests, unauthorized, faults.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import json
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from sandbox.loopback import LoopbackServer

CENT = Decimal("0.01")
INCLUDES = {"paymentdetails", "shippingdetails", "refunds"}
ORDER_UPDATE_FIELDS = {"ExternalId", "ParcelNumber", "ReturnParcelNumber", "ExternalOrderStatus", "GoodsLabel",
                       "CustomerOrderNumber"}
EXTERNAL_ORDER_STATUSES = {0, 10, 20, 30, 40}
# Order.Models.OrderQuery [G1 order.md]
QUERY_FIELDS = {"Updated", "UpdatedAfter", "UpdatedBefore", "CreatedBefore", "CreatedAfter", "CompletedBefore",
                "CompletedAfter", "StatusList", "MarketId", "PaymentName", "ParcelGroupId", "CustomerId",
                "CustomerGroupId", "Email", "ExternalId", "Include", "ExternalOrderStatus",
                "CombineProductContainerRows", "PackingLocationId", "GroupOrderRows", "IncludeRowIds", "BatchId"}
# Shipping.Models.ParcelGroupOptions [G1 shipping.md]
PARCEL_GROUP_FIELDS = {"OrderIds", "OrderRowIds", "MarkAsDelivered", "SendDeliveryEmail", "SignalCapturesCreated",
                       "Force"}
INT32_MAX = 2**31 - 1


def _money(value: Decimal) -> float | int:
    """Geins answers amounts as JSON numbers (double)."""
    value = value.quantize(CENT, ROUND_HALF_UP)
    return int(value) if value == value.to_integral() else float(value)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()


# OrderQuery.StatusList: "Valid statuses are: cancelled on-hold inactive refunded partial backorder completed
# pending" [G1 order.md] (pending-payment is an order Status, not one StatusList takes)
QUERY_STATUSES = ("cancelled", "on-hold", "inactive", "refunded", "partial", "backorder", "completed", "pending")
QUERY_TIMES = ("Updated", "UpdatedAfter", "UpdatedBefore", "CreatedBefore", "CreatedAfter", "CompletedBefore",
               "CompletedAfter")


def _query_refusals(data: dict) -> list[str]:
    """What an OrderQuery breaks of its documented types and values [G1 order.md; the 400 answer assumed]."""
    refused = []
    status_list = data.get("StatusList")
    if status_list is not None:
        if not isinstance(status_list, str):
            refused.append("StatusList must be a comma separated string")
        else:
            refused += [f"StatusList: '{s}' is not a valid status" for s in (p.strip() for p in status_list.split(","))
                        if s and s not in QUERY_STATUSES]
    for field in QUERY_TIMES:
        value = data.get(field)
        if value is None:
            continue
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            _parse_time(value)
        except ValueError:
            refused.append(f"{field}: '{value}' is not a date-time")
    return refused


def _key(value):
    """`value` as a lookup key: an id is a number or a string; anything else (a list, an object) matches nothing."""
    return value if isinstance(value, int | str) and not isinstance(value, bool) else None


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# customers reconcile: User.Models.UserProfileQuery [G4 user.md]
USER_QUERY_FIELDS = {"CreatedBefore", "CreatedAfter", "UpdatedAfter", "IncludeInactive", "BatchId", "UserId", "Email"}


def _user_matches(user: dict, filters: dict) -> bool:
    bounds = (("UpdatedAfter", "UpdatedOn", 1), ("CreatedAfter", "CreatedOn", 1), ("CreatedBefore", "CreatedOn", -1))
    for name, field, sign in bounds:
        if filters.get(name):
            moment, bound = _parse_time(user[field]), _parse_time(filters[name])
            if (moment <= bound) if sign > 0 else (moment >= bound):
                return False
    if not filters.get("IncludeInactive") and not user.get("Active", True):
        return False
    if filters.get("UserId") and int(filters["UserId"]) != user["UserId"]:
        return False
    return not filters.get("Email") or str(filters["Email"]).lower() == user["Email"].lower()


def webhook_body(entity: str, action: str, resource_id) -> bytes:
    """What Geins posts for the body template `{"entity":"{{entity}}","action":"{{action}}","id":"{{id}}"}`."""
    return json.dumps({"entity": entity, "action": action, "id": str(resource_id)}).encode()


class GeinsEmulator(LoopbackServer):
    name = "geins-emulator"

    def __init__(self, api_key: str = "geins-test-key", user: str = "bridge", password: str = "geins-pw",  # noqa: S107
                 *, currency: str = "SEK", page_size: int = 1000):
        self.api_key, self.user, self.password = api_key, user, password
        self.currency = currency
        self.page_size = page_size
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.items: dict[str, dict] = {}  # article number → {ItemId, Stock, StockOversellable, StockStatic}
        self.comments: dict[int, list[str]] = {}
        self.parcel_groups: list[dict] = []
        self.stock_writes: list[list] = []
        self.products: dict[str, dict] = {}  # article number → {ProductId, ArticleNumber, Prices {list id: price}}
        self.price_lists: list[dict] = [
            {"Id": 1000000, "Name": "Ordinary", "MarketId": 1, "Currency": currency, "ExVat": False, "Active": True},
            {"Id": 1000001, "Name": "Sale", "MarketId": 1, "Currency": currency, "ExVat": False, "Active": True},
            {"Id": 1000002, "Name": "Campaign", "MarketId": 1, "Currency": currency, "ExVat": False, "Active": True}]
        self.price_writes: list[list] = []
        self.users: dict[int, dict] = {}  # UserId → User.Models.Read.SingleUserProfile
        self._user_ids = itertools.count(4001)
        self.batches: dict[str, dict] = {}
        self.between_pages: Callable[[int], None] | None = None  # called before answering page n ≥ 2
        self.counters: Counter = Counter()
        self._ids = itertools.count(100001)
        self._row_ids = itertools.count(500)
        self._item_ids = itertools.count(9001)
        self._parcel_ids = itertools.count(71)
        self._faults: list[tuple[int, float | None]] = []

    @property
    def api_url(self) -> str:
        return self.base_url + "/API"

    @property
    def credentials(self) -> str:
        """The app setting value the bridge reads: "<api key>:<user>:<password>"."""
        return f"{self.api_key}:{self.user}:{self.password}"

    def fail_next(self, status: int = 503, count: int = 1, *, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    # ---- data ----

    def make_order(self, rows: list[tuple[str, int, str]], updated: datetime | None = None, *, vat: str = "0.25",
                   shipping: str = "49.00", payment_fee: str = "0", row_discount_percent: int = 0,
                   order_discount: str = "0", from_balance: str = "0", status: str = "pending",
                   payed: bool = False) -> dict:
        """An order from (article number, quantity, unit price incl. VAT before discount) rows."""
        updated = (updated or datetime.now(UTC)).replace(microsecond=0)
        rate = Decimal(vat)
        order_rows, items_gross, row_discounts, vat_total = [], Decimal(0), Decimal(0), Decimal(0)
        for sku, quantity, price in rows:
            original = Decimal(price)
            unit = (original * (100 - row_discount_percent) / 100).quantize(CENT, ROUND_HALF_UP)
            total = unit * quantity
            discount = original * quantity - total
            row_vat = (total - total / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
            items_gross += original * quantity
            row_discounts += discount
            vat_total += row_vat
            item = self.items.get(sku) or self.add_item(sku)
            order_rows.append({
                "Id": next(self._row_ids), "ArticleNumber": sku, "ItemId": item["ItemId"],
                "ProductId": item["ItemId"] - 8000, "Name": f"Product {sku}", "ProductName": f"Product {sku}",
                "Variant": "", "Quantity": quantity, "UnitPrice": _money(unit), "Total": _money(total),
                "Discount": _money(discount), "DiscountRate": row_discount_percent,
                "VATRate": float(rate), "VATTotal": _money(row_vat), "ExpectedTotalPriceIncVat": _money(total),
                "Gtin": "", "Status": "ready", "ParcelGroupId": 0, "ExternalProductItemId": "",
            })
        ship, fee, extra = Decimal(shipping), Decimal(payment_fee), Decimal(order_discount)
        for gross in (ship, fee, -extra):
            vat_total += (gross - gross / (1 + rate)).quantize(CENT, ROUND_HALF_UP)
        value = items_gross - row_discounts - extra + ship + fee
        balance = Decimal(from_balance)
        address = {"Company": "", "CareOf": "", "FirstName": "Anna", "LastName": "Andersson",
                   "Email": "anna.andersson@example.com", "AddressLine1": "Storgatan 1", "AddressLine2": "",
                   "AddressLine3": "", "Zip": "11122", "City": "Stockholm", "State": "", "Country": "SE",
                   "Phone": "+46701234567", "Mobile": ""}
        order_id = next(self._ids)
        return {
            "Id": order_id, "PublicId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"geins-{order_id}")), "ExternalId": "",
            "Status": status, "CreatedAt": _time(updated), "UpdatedAt": _time(updated), "CompletedAt": None,
            "Currency": self.currency, "CurrencyRate": 1.0, "MarketId": 1, "MarketName": "SE", "Language": "sv",
            "CustomerId": 42, "CustomerEmail": "anna.andersson@example.com", "CustomerTypeId": 1,
            "OrderTotal": _money(value - balance), "ExpectedSum": _money(value - balance),
            "VATTotal": _money(vat_total), "OrderValueIncVat": _money(value),
            "OrderValueExVat": _money(value - vat_total), "ItemValueIncVat": _money(items_gross),
            "ItemValueExVat": _money(items_gross / (1 + rate)), "Discount": _money(row_discounts + extra),
            "DiscountExVat": _money((row_discounts + extra) / (1 + rate)), "FromBalance": _money(balance),
            "ShippingFee": _money(ship), "ShippingFeeExVat": _money(ship / (1 + rate)),
            "PaymentFee": _money(fee), "PaymentFeeExVat": _money(fee / (1 + rate)),
            "CampaignCode": "WELCOME" if extra else "", "Message": "",
            "PaymentDetails": [{"Id": 1, "PaymentId": 23, "Name": "klarna", "DisplayName": "Klarna",
                                "TransactionId": f"tx-{order_id}", "ReservationNumber": f"res-{order_id}",
                                "Total": _money(value - balance), "Payed": payed, "PaymentOption": "Invoice"}],
            "ShippingDetails": [{"Id": 1, "ShippingId": 3, "Name": "Standard", "ParcelNumber": "",
                                 "TrackingUrl": "", "ShippingDate": None, "PickupPoint": "", "ExternalCarrierId": ""}],
            "ShippingAddress": address, "BillingAddress": dict(address),
            "Rows": order_rows, "Refunds": [],
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[int(order["Id"])] = order
            return order

    def touch_order(self, order_id: int, updated: datetime, **changes) -> dict:
        with self.lock:
            order = {**self.orders[int(order_id)], **changes, "UpdatedAt": _time(updated)}
            self.orders[int(order_id)] = order
            return order

    def add_refund(self, order_id: int, rows: list[tuple[int | None, str]], *, return_id: int = 0,
                   created: datetime | None = None, reason: str = "Return") -> list[dict]:
        """Refund entries (Order.Refunds, §3.5) for (order row id or None, amount incl. VAT) made together; the
        order's UpdatedAt moves with them."""
        created = (created or datetime.now(UTC)).replace(microsecond=0)
        with self.lock:
            order = self.orders[int(order_id)]
            by_row = {r["Id"]: r for r in order["Rows"]}
            entries = []
            for row_id, amount in rows:
                row = by_row.get(row_id) or {}
                entries.append({"Id": next(self._row_ids), "OrderRowId": row_id or 0, "PaymentDetailId": 1,
                                "ReturnId": return_id, "ArticleNumber": row.get("ArticleNumber", ""),
                                "CreatedAt": _time(created), "Total": _money(Decimal(amount)), "ReasonCode": 1,
                                "Reason": reason, "ToBalance": False, "Vat": row.get("VATRate", 0.25),
                                "ItemId": row.get("ItemId", 0), "RefundType": "Refund"})
            order["Refunds"] = [*(order.get("Refunds") or []), *entries]
            order["UpdatedAt"] = _time(created)
            return entries

    def add_item(self, article_number: str, stock: int = 0) -> dict:
        with self.lock:
            item = {"ItemId": next(self._item_ids), "ArticleNumber": article_number, "Stock": stock,
                    "StockOversellable": 0, "StockStatic": 0}
            self.items[article_number] = item
            return item

    def add_product(self, article_number: str) -> dict:
        with self.lock:
            product = {"ProductId": next(self._item_ids), "ArticleNumber": article_number, "Prices": {}}
            self.products[article_number] = product
            return product

    # ---- customers (users) ----

    def add_user(self, email: str, *, company: str = "", updated: datetime | None = None, **fields) -> dict:
        """A user profile as GET /API/User/{id} answers it [G4]; `company` makes it a company user (UserTypeId 2)."""
        moment = _time(updated or datetime.now(UTC))
        with self.lock:
            user_id = next(self._user_ids)
            profile = {"AvailableMarkets": [], "UserId": user_id, "SiteId": 1, "Email": email, "FirstName": "Anna",
                       "LastName": "Berg", "PhoneNr": "+46 8 123 45", "MobilePhoneNr": "", "Company": company,
                       "Address": "Storgatan 1", "Address2": "", "Address3": "", "DoorCode": "", "PersonalId": "",
                       "Birthyear": "", "Zip": "111 22", "City": "Stockholm", "CareOf": "", "Country": "SE",
                       "State": "", "CustomerGroupId": 0, "CustomerGroupName": "", "MemberId": 0, "MemberType": "",
                       "CountryId": 1, "UserTypeId": 2 if company else 1, "GenderType": 0, "MemberDiscount": 0,
                       "Newsletter": False, "Blacklisted": False, "Active": True, "CreatedOn": moment,
                       "UpdatedOn": moment, "MetaData": "", "BlacklistedOn": None, "BlacklistReason": ""}
            profile.update(fields)
            self.users[user_id] = profile
            return profile

    def touch_user(self, user_id: int, updated: datetime, **changes) -> dict:
        with self.lock:
            self.users[user_id].update(changes, UpdatedOn=_time(updated))
            return self.users[user_id]

    def _get_user(self, key: str) -> tuple[int, object, dict]:
        key = unquote(key)
        if key.isdigit() and int(key) < 2**31:
            profile = self.users.get(int(key))
        elif "@" in key:
            profile = next((u for u in self.users.values() if u["Email"].lower() == key.lower()), None)
        else:
            return 400, {"Message": "The request is invalid.", "Details": [f"The value '{key}' is not valid."]}, {}
        if profile is None:
            return 404, {"Message": "User not found", "Details": []}, {}
        return 200, {"Resource": profile, "Message": "Success.", "Details": []}, {}

    # ---- webhooks ----

    def send_webhook(self, url: str, entity: str, action: str, resource_id, secret: str,
                     timeout: float = 10.0) -> httpx.Response:
        """POST the id-only body with the secret header the operator registered (platforms.md §8)."""
        return httpx.post(url, content=webhook_body(entity, action, resource_id), timeout=timeout,
                          headers={"Content-Type": "application/json", "X-Webhook-Secret": secret})

    # ---- HTTP ----

    def _authorised(self, headers) -> bool:
        key = (headers.get("X-ApiKey") or "").encode()
        basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        auth = (headers.get("Authorization") or "").encode()
        return hmac.compare_digest(key, self.api_key.encode()) and hmac.compare_digest(auth, f"Basic {basic}".encode())

    def handle(self, method: str, path: str, query: dict, headers, body: bytes) -> tuple[int, object, dict]:
        self.counters["requests"] += 1
        if not self._authorised(headers):
            self.counters["unauthorized"] += 1
            return 401, {"Message": "Unauthorized"}, {}
        with self.lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            self.counters["faults"] += 1
            status, retry_after = fault
            extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return status, {"Message": "A database error occured." if status >= 500 else "Too many requests"}, extra
        try:
            data = json.loads(body) if body else None
        except ValueError:
            return 400, {"Message": "The request is invalid.", "Details": ["Body is not JSON"]}, {}
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] != "API":
            return 404, {"Message": "Not found"}, {}
        parts = parts[1:]
        with self.lock:
            return self._route(method, parts, query, data)

    def _route(self, method: str, parts: list[str], query: dict, data) -> tuple[int, object, dict]:
        if parts[:1] == ["Order"] and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) > INT32_MAX:
            return 400, {"Message": "The request is invalid.", "Details": [f"The value '{parts[1]}' is not valid."]}, {}
        if parts[:1] == ["Order"]:
            if method == "POST" and len(parts) == 3 and parts[1] == "Query" and parts[2].isdigit():
                return self._query(int(parts[2]), data)
            if method == "GET" and len(parts) == 3 and parts[1].isdigit():
                return self._get_order(int(parts[1]), parts[2])
            if method == "PATCH" and len(parts) == 2 and parts[1].isdigit():
                return self._patch_order(int(parts[1]), data)
            if method == "POST" and len(parts) == 3 and parts[1].isdigit() and parts[2] == "Comment":
                return self._comment(int(parts[1]), data)
        if method == "GET" and len(parts) == 2 and parts[0] == "User":
            return self._get_user(parts[1])
        if method == "POST" and len(parts) == 3 and parts[:2] == ["User", "Query"] and parts[2].isdigit():
            return self._user_query(int(parts[2]), data)  # the customers reconcile block below
        if method == "POST" and parts == ["Shipping", "ParcelGroup"]:
            return self._parcel_group(data)
        if method == "PUT" and parts == ["Product", "Stock"]:
            return self._set_stock(query, data)
        if method == "POST" and parts == ["Product", "Stock", "Query"]:
            return self._stock_query(data)
        if method == "GET" and parts == ["PriceList", "List"]:
            return 200, self.price_lists, {}
        if method == "PUT" and parts == ["PriceList", "Price"]:
            return self._set_prices(query, data)
        return 404, {"Message": "No HTTP resource was found that matches the request URI."}, {}

    # ---- customers reconcile (customers-reconcile branch): POST /API/User/Query/{page} [G4] ----

    def _user_query(self, page: int, data) -> tuple[int, object, dict]:
        if not isinstance(data, dict):
            return 500, {"Message": "A database error occured."}, {}  # as the order query [G1 pitfall]
        unknown = set(data) - USER_QUERY_FIELDS
        if unknown:
            return 400, {"Message": "The request is invalid.", "Details": sorted(unknown)}, {}
        if page < 1:
            return 400, {"Message": "Page must be 1 or more"}, {}
        if page == 1:
            batch = str(uuid.uuid4())
            self.batches[batch] = {k: v for k, v in data.items() if k != "BatchId"}
        else:
            batch = str(data.get("BatchId") or "")
            if batch not in self.batches or set(data) != {"BatchId"}:
                return 400, {"Message": "A BatchId from page 1, and only it, is required for page 2 and later."}, {}
        filters = self.batches[batch]
        found = sorted((u for u in self.users.values() if _user_matches(u, filters)),
                       key=lambda u: (_parse_time(u["UpdatedOn"]), u["UserId"]))
        chunk = found[(page - 1) * self.page_size: page * self.page_size]
        page_count = max(1, -(-len(found) // self.page_size))
        rows = [{k: v for k, v in u.items() if k != "AvailableMarkets"} for u in chunk]  # UserProfile, not Single…
        return 200, {"PageResult": {"BatchId": batch, "Page": page, "RowCount": len(found), "PageCount": page_count,
                                    "PageSize": self.page_size, "HasMoreRows": page < page_count},
                     "Resource": rows, "Message": "Success.", "Details": []}, {}

    # ---- orders ----

    def _get_order(self, order_id: int, include: str) -> tuple[int, object, dict]:
        wanted = {p.strip().lower() for p in include.split(",") if p.strip()}
        if not wanted or wanted - INCLUDES - {"rows"}:
            return 400, {"Message": "Invalid include", "Details": [include]}, {}
        order = self.orders.get(order_id)
        if order is None:
            return 404, {"Message": "Order not found"}, {}
        return 200, self._shaped(order, wanted), {}

    @staticmethod
    def _shaped(order: dict, include: set[str]) -> dict:
        answer = dict(order)
        for field, name in (("PaymentDetails", "paymentdetails"), ("ShippingDetails", "shippingdetails"),
                            ("Refunds", "refunds")):
            if name not in include:
                answer[field] = None
        return answer

    def _matching(self, filters: dict) -> list[dict]:
        after = _parse_time(filters["UpdatedAfter"]) if filters.get("UpdatedAfter") else None
        before = _parse_time(filters["UpdatedBefore"]) if filters.get("UpdatedBefore") else None
        statuses = {s.strip() for s in str(filters.get("StatusList") or "").split(",") if s.strip()}
        found = []
        for order in self.orders.values():
            updated = _parse_time(order["UpdatedAt"])
            if (after and updated <= after) or (before and updated >= before):
                continue
            if statuses and order["Status"] not in statuses:
                continue
            found.append(order)
        return sorted(found, key=lambda o: (_parse_time(o["UpdatedAt"]), o["Id"]))

    def _query(self, page: int, data) -> tuple[int, object, dict]:
        if not isinstance(data, dict):
            return 500, {"Message": "A database error occured."}, {}  # G1 pitfall: a bad body answers 500
        unknown = set(data) - QUERY_FIELDS
        if unknown:
            return 400, {"Message": "The request is invalid.", "Details": sorted(unknown)}, {}
        refused = _query_refusals(data)
        if refused:
            return 400, {"Message": "The request is invalid.", "Details": refused}, {}
        if page < 1:
            return 400, {"Message": "Page must be 1 or more"}, {}
        if page == 1:
            batch = str(uuid.uuid4())
            self.batches[batch] = {k: v for k, v in data.items() if k != "BatchId"}
        else:
            batch = str(data.get("BatchId") or "")
            if batch not in self.batches:
                return 400, {"Message": "A BatchId from page 1 is required for page 2 and later."}, {}
            if set(data) != {"BatchId"}:  # §3.1: pages ≥ 2 send only the BatchId; the filters are reused
                return 400, {"Message": "Send only the BatchId for page 2 and later.", "Details": sorted(data)}, {}
            if self.between_pages is not None:
                self.between_pages(page)
        filters = self.batches[batch]
        found = self._matching(filters)
        include = {p.strip().lower() for p in str(filters.get("Include") or "").split(",") if p.strip()}
        chunk = found[(page - 1) * self.page_size: page * self.page_size]
        page_count = max(1, -(-len(found) // self.page_size))
        return 200, {"PageResult": {"BatchId": batch, "Page": page, "RowCount": len(found), "PageCount": page_count,
                                    "PageSize": self.page_size, "HasMoreRows": page < page_count},
                     "Resource": [self._shaped(o, include) for o in chunk], "Message": "Success.", "Details": []}, {}

    def _patch_order(self, order_id: int, data) -> tuple[int, object, dict]:
        order = self.orders.get(order_id)
        if order is None:
            return 404, {"Message": "Order not found"}, {}
        if not isinstance(data, dict) or not data:
            return 400, {"Message": "The request is invalid.", "Details": ["An OrderUpdate object is required"]}, {}
        unknown = set(data) - ORDER_UPDATE_FIELDS
        if unknown:
            details = [f"Unknown field {f}" for f in sorted(unknown)]
            return 400, {"Message": "The request is invalid.", "Details": details}, {}
        # Json.NET cannot bind an array or object to a string or enum property: the model is invalid
        wrong = sorted(f for f, v in data.items() if isinstance(v, list | dict))
        if wrong:
            return 400, {"Message": "The request is invalid.", "Details": wrong}, {}
        if "ExternalOrderStatus" in data and _key(data["ExternalOrderStatus"]) not in EXTERNAL_ORDER_STATUSES:
            return 400, {"Message": "The request is invalid.", "Details": ["ExternalOrderStatus"]}, {}
        external = data.get("ExternalId")
        if external and any(o["ExternalId"] == external and o["Id"] != order_id for o in self.orders.values()):
            return 409, {"Message": f"ExternalId {external} is already used by another order."}, {}
        for field, value in data.items():
            if field == "ParcelNumber":
                details = order.get("ShippingDetails") or [{"Id": 1, "Name": "", "TrackingUrl": ""}]
                details[0] = {**details[0], "ParcelNumber": value}
                order["ShippingDetails"] = details
            else:
                order[field] = value
        order["UpdatedAt"] = _time(datetime.now(UTC))
        return 200, {"Message": "Success.", "Details": []}, {}

    def _comment(self, order_id: int, data) -> tuple[int, object, dict]:
        if order_id not in self.orders:
            return 404, {"Message": "Order not found"}, {}
        if not isinstance(data, dict) or not str(data.get("Comment") or "").strip():
            return 400, {"Message": "The request is invalid.", "Details": ["Comment is required"]}, {}
        self.comments.setdefault(order_id, []).append(str(data["Comment"]))
        return 200, {"Message": "Success.", "Details": []}, {}

    def _parcel_group(self, data) -> tuple[int, object, dict]:
        def invalid(*details: str) -> tuple[int, object, dict]:
            return 400, {"Message": "The request is invalid.", "Details": list(details)}, {}

        if not isinstance(data, dict):
            return invalid("A ParcelGroupOptions object is required")
        unknown = set(data) - PARCEL_GROUP_FIELDS
        if unknown:
            return invalid(*[f"Unknown field {f}" for f in sorted(unknown)])
        ids, row_ids = data.get("OrderIds"), data.get("OrderRowIds") or []
        if not isinstance(ids, list) or not ids or not isinstance(row_ids, list) \
                or not all(type(i) is int for i in [*ids, *row_ids]):
            return invalid("OrderIds is required: the ids of the orders in the parcel group")  # G1 "Required."
        if data.get("SendDeliveryEmail") and not data.get("MarkAsDelivered"):
            return invalid("SendDeliveryEmail requires MarkAsDelivered")  # G1
        missing = [f"Order {i} not found" for i in ids if i not in self.orders]
        if missing:
            return invalid(*missing)
        listed = {r["Id"]: (self.orders[i], r) for i in ids for r in self.orders[i]["Rows"]}
        strays = [f"Order row {i} is not a row of the orders in OrderIds" for i in row_ids if i not in listed]
        if strays:  # OrderRowIds "limits which order rows are included for each order defined in OrderIds" [G1]
            return invalid(*strays)
        chosen = []
        for order_id in ids:
            order = self.orders[order_id]
            named = [r for r in order["Rows"] if r["Id"] in row_ids]
            # an order without listed rows: "all remaining undelivered order rows will be implied" [G1]
            rows = named or [r for r in order["Rows"] if not r["ParcelGroupId"]
                             and r["Status"] not in ("cancelled", "returned", "shipped")]
            if not rows and not data.get("Force"):
                return invalid(f"Order {order_id} has no ungrouped order rows")  # G1 Force
            chosen += [(order, r) for r in rows]
        group = next(self._parcel_ids)
        for order, row in chosen:
            row["ParcelGroupId"] = group
            if data.get("MarkAsDelivered") and row["Status"] not in ("cancelled", "returned"):
                row["Status"] = "shipped"
            order["UpdatedAt"] = _time(datetime.now(UTC))
        self.parcel_groups.append({"Id": group, **data})
        return 200, {"Resource": group, "Message": "Success.", "Details": []}, {}

    # ---- stock ----

    def _set_stock(self, query: dict, data) -> tuple[int, object, dict]:
        id_type = (query.get("productItemIdType") or ["0"])[0]
        if id_type not in ("0", "1"):
            return 400, {"Message": f"productItemIdType {id_type} is not modelled by the emulator"}, {}
        if not isinstance(data, list):
            return 400, {"Message": "The request is invalid.", "Details": ["A JSON array of stock rows"]}, {}
        self.stock_writes.append(data)
        invalid, not_found, count = [], [], 0
        by_id = {str(i["ItemId"]): i for i in self.items.values()}
        for row in data:
            if not isinstance(row, dict):
                invalid.append(row)
                continue
            stock, kind, key = row.get("Stock"), row.get("StockType", 0), str(row.get("Id") or "")
            if not key or isinstance(stock, bool) or not isinstance(stock, int) or stock < 0 or kind not in (0, 1, 2):
                invalid.append(row)
                continue
            item = self.items.get(key) if id_type == "1" else by_id.get(key)
            if item is None:
                not_found.append(row)
                continue
            item[("Stock", "StockOversellable", "StockStatic")[kind]] = stock
            count += 1
        if invalid or not_found:
            # G1 SKILL.md: the counts sit under Resource, "and on an error the same object comes back unwrapped"
            return 200, {"Message": "One or more rows were not updated.", "Invalid": invalid, "NotFound": not_found,
                         "UpdateCount": count}, {}
        return 200, {"Message": "Success.", "Resource": {"Message": "Success.", "Invalid": invalid,
                                                         "NotFound": not_found, "UpdateCount": count}}, {}

    def _stock_query(self, data) -> tuple[int, object, dict]:
        if not isinstance(data, list):
            return 400, {"Message": "The request is invalid.", "Details": ["A JSON array of item ids is required"]}, {}
        if any(type(key) is not int for key in data):  # the body binds to int[] [G1]
            return 400, {"Message": "The request is invalid.", "Details": ["A JSON array of item ids is required"]}, {}
        by_id = {i["ItemId"]: i for i in self.items.values()}
        rows = [{"ItemId": i["ItemId"], "Stock": i["Stock"], "StockOversellable": i["StockOversellable"],
                 "StockStatic": i["StockStatic"], "StockSellable": i["Stock"] + i["StockOversellable"]}
                for key in data if (i := by_id.get(key))]
        return 200, {"Resource": rows, "Message": "Success.", "Details": []}, {}


    # ---- prices ----

    def _set_prices(self, query: dict, data) -> tuple[int, object, dict]:
        if (query.get("productIdType") or ["0"])[0] != "1":
            return 400, {"Message": "productIdType other than 1 (ArticleNumber) is not modelled by the emulator"}, {}
        if not isinstance(data, list):
            return 400, {"Message": "The request is invalid.", "Details": ["A JSON array of prices"]}, {}
        inc_vat = (query.get("pricesIncVat") or ["false"])[0].lower() == "true"
        lists = {d["Id"]: d for d in self.price_lists}
        for row in data:
            known = lists.get(_key(row.get("PriceListId"))) if isinstance(row, dict) else None
            if known is not None and known["ExVat"] == inc_vat:
                return 400, {"Message": "pricesIncVat does not match the VAT basis of price list "
                                        f"{known['Id']} (pricesIncVat = true requires ExVat = false)."}, {}
        self.price_writes.append(data)
        invalid, not_found, count = [], [], 0
        for row in data:
            if not isinstance(row, dict):
                invalid.append(row)
                continue
            list_id, price, product_id = row.get("PriceListId"), row.get("Price"), str(row.get("ProductId") or "")
            if _key(list_id) not in lists or not product_id or isinstance(row.get("ProductId"), list | dict) \
                    or isinstance(price, bool) \
                    or not isinstance(price, int | float) or price < 0:
                invalid.append(row)
                continue
            if list_id % 1000000 == 2:
                continue  # campaign lists: "Any such entries will be ignored"
            product = self.products.get(product_id)
            if product is None:
                not_found.append(row)
                continue
            product["Prices"][list_id] = price
            count += 1
        return 200, {"Message": "Success.", "Invalid": invalid, "NotFound": not_found, "UpdateCount": count}, {}


class _Handler(BaseHTTPRequestHandler):
    emulator: GeinsEmulator

    def log_message(self, *args) -> None:  # quiet
        return

    def _serve(self) -> None:
        length_header = (self.headers.get("Content-Length") or "0").strip()
        url = urlsplit(self.path)
        if length_header.isdigit():
            body = self.rfile.read(int(length_header))
            status, answer, extra = self.emulator.handle(self.command, url.path, parse_qs(url.query), self.headers,
                                                         body)
        else:  # the web server refuses it before the API runs
            self.close_connection = True
            status, answer, extra = 400, {"Message": "Bad Request"}, {}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815


GeinsEmulator.handler = _Handler
