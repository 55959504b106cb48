"""Centra over real HTTP: the Integration API (GraphQL) the bridge uses, the Order API's returns, and signed
webhooks. A schema derived from Centra's published definition (schema.py) plus the behaviours we model, each
rule with its source. Sources: contract = ../shared/contracts/platforms-wave2.md §4 (and platforms.md §5);
C1 = centrahq/api-documentation @cdb82b5~1 pages/04.guides/02.erp-gql-integration/docs.md; C2 = …/05.examples/
01.dtc; C3 = …/03.api-rate-limits; C5 = …/06.order-api/02.api-reference/202.get-returns; events = …/08.events-
system; ref = centra.dev/graphql/<type>.html; corpus = ../shared/corpus. [U] = assumed, listed in docs/platforms.md.

    emu = CentraEmulator(token="centra-test-token").start()
    emu.add_order(emu.make_order([("JACKET-M", 1, "675.00")], updated=...))
    emu.add_variant(2001, {"M": "JACKET-M"})          # the catalog: variant → {size name: SKU}
    emu.send_webhook(url, [{"type": "order", "action": "update", "id": 14}], secret="…")

RULES (GraphQL, `POST /graphql/integration`; a refused call answers 200 `{"errors": [{message}]}` [U: the status]):
- auth: `Authorization: Bearer <token>` [V: contract 4 "Auth", C3]; else 401 `{"errors"}` [U: status and body].
- 429 with `Retry-After` via fail_next, the header a unix timestamp to resume at [V: C3 "points at a timestamp"];
  `extensions.complexity` on every answer [V: C3].
- arguments: validated against schema.SDL (unknown field, missing required field, wrong scalar, unknown enum
  value, @oneOf "exactly one input field") [V: ref pages cited per type in schema.py].
- orders: `where: {number}` [V: C1], `where: {createdAt: {from, to}}` + limit/page [V: C2, contract 4.1], bounds
  only in "Y-m-d H:i:s" [U], limit 1..100 [U]; no updatedAt filter (not in OrderFilter as documented) [V:
  contract 4.1]; the query must spread the bridge's `...bridgeOrder` (whole nodes are answered) [emulator].
- order node fields: contract 4.1's list [V]; `shipments` and `ShipmentLine.orderLine` [U: contract 4.1].
- events: `eventListeners`, `events(where, limit)` oldest unconfirmed first, `object` the order now, `confirmEvents
  (input: {eventsIds})` [V: events]; limit 1..1000 [U].
- setStock: warehouse, description, stockQuantityType PHYSICAL required [V: ref stocksetinput, C1]; unknown
  warehouse/variant/size and a negative quantity are userErrors with their path [V: "must be greater or equal
  to 0" ref productsizestocksetinput; U: that it is a userError, the wording]; all-or-nothing [U].
- productVariants(limit, page), pricelists: the catalog reads [U: root fields, contract 4.2/4.4].
- setPrices: per-variant `individualVariantPrices` [V: C1, contract 4.4]; unknown pricelist/product/variant, a
  foreign variant, a currency other than the pricelist's, a negative price → userErrors [U].
- createShipment: lines of the order, no more than is left, none → userErrors [U: wording]; `capture` records a
  CAPTURE and marks paid, `isPaid` marks paid [V: ref shipmentcreateinput]; a cancelled order → userError [U].
  The answer carries the fields of the documented answer [V: corpus docs-examples/centra-shipment_create_unpaid-1].
- completeShipment: good-to-go and paid only [V: C1]; shippedAt not in the future, "now" by default [V: C1, ref
  shipmentcompleteinput]; relative PHP dates other than "now" not modelled; completing twice → userError [U];
  shipment info lands as in the documented answer [V: corpus centra-shipment-1.json]; the order is SHIPPED when
  everything is shipped [V: contract 4.1 "SHIPPED (= Completed)"; when exactly U].
- customers(where: {id | email: {equals}}) [V: ref customerfilter, C1]; the node's fields beyond id/email/names
  [U]. createAccount/updateAccount [V: ref account*input]; unknown market/pricelist/account, a duplicate
  externalId → userErrors [U]; accounts(where: {externalId}) [U: AccountFilter unpublished].
Order API (`GET <base>/returns`, 4.5): `API-Authorization` key [V: platforms.md §5], else 401 [U]; limit, page,
return, newer_than in "YYYY-mm-dd" or "YYYY-mm-dd HH:MM:SS" only, newest first [V: C5]; `{"status": "ok",
"returns": [...]}` with the documented return fields [V: C5, docs-examples/centra-orderapi-get_returns-1.json].
Webhooks: form body `payload=<urlencoded JSON>`, `X-Centra-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
"<t>.<body>")>` [V: platforms.md §5]; `{"events": [{type, action, date, id}]}` [V: corpus centra-webhook-1].

Orders are DTC orders in SEK with prices incl. 25 % VAT by default; `make_order` builds internally
consistent nodes (lineValue = quantity × unitPrice, grandTotal = lines + shipping, taxIncluded from the
lines and shipping). `fail_next(status, count, retry_after=)` answers the next authorised requests with an
error (429 carries Retry-After). Counters: requests, unauthorized, faults and one per GraphQL root field;
`emu.queries` logs every query.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote

import httpx
from graphql import GraphQLError, parse
from graphql.utilities import value_from_ast_untyped

from sandbox.centra_emulator.schema import refusals
from sandbox.loopback import LoopbackServer

PATH = "/graphql/integration"
ORDER_API_PATH = "/api/order"  # the Order API plugin's <base> (its URL is the plugin's, set per installation)
_REST_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")
MAX_LIMIT = 100  # [assumed: no page limit for orders is published; other lists document 1..200]
CENT = Decimal("0.01")

# the documented createdAt bounds "Y-m-d H:i:s" (C2), read in the installation's zone (UTC here). Whether Centra
# takes other forms is not said [assumed: only this one, so the bridge keeps to the documented form]
_BOUND = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def _money(value: Decimal) -> float | int:
    """Centra answers amounts as JSON numbers."""
    value = value.quantize(CENT, ROUND_HALF_UP)
    return int(value) if value == value.to_integral() else float(value)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _parse_shipped_at(value) -> datetime | None:
    """completeShipment's shippedAt: an ISO date/time (PHP would also take relative dates; "now" is handled
    by the caller), None when unreadable."""
    try:
        return _parse_time(str(value).replace(" ", "T", 1) if len(str(value)) > 10 else f"{value}T00:00:00")
    except ValueError:
        return None


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def webhook_body(events: list[dict]) -> bytes:
    """The plugin's wire format: `payload=<urlencoded JSON>`."""
    return ("payload=" + quote(json.dumps({"events": events}, separators=(",", ":")), safe="")).encode("ascii")


def sign_webhook(body: bytes, secret: str, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class CentraEmulator(LoopbackServer):
    name = "centra-emulator"

    def __init__(self, token: str = "centra-test-token", *, currency: str = "SEK",  # noqa: S107
                 order_api_key: str = "centra-order-api-key"):  # noqa: S107
        self.token = token
        self.order_api_key = order_api_key
        self.returns: dict[int, dict] = {}
        self.listeners: set[str] = set()  # object types the integration listens to (setEventListeners)
        self.events: list[dict] = []
        self._event_ids = itertools.count(1)
        self._return_ids = itertools.count(385)
        self.currency = currency
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.queries: list[str] = []
        self.counters: Counter = Counter()
        self._numbers = itertools.count(14)
        self._line_ids = itertools.count(68)
        self._faults: list[tuple[int, float | None]] = []
        # catalog and stock (contract 4.2): variant id → {size name: SKU}; (warehouse, variant, size) → quantity
        self.warehouses: dict[int, str] = {1: "Default warehouse"}
        self.variants: dict[int, dict[str, str]] = {}
        self.product_of: dict[int, int] = {}  # variant id → product id
        self.pricelists: dict[int, str] = {1: currency}  # pricelist id → currency code
        self.prices: dict[tuple[int, int], Decimal] = {}  # (pricelist, variant) → price
        self.stock: dict[tuple[int, int, str], int] = {}
        self.shipments: dict[int, dict] = {}
        self._shipment_ids = itertools.count(345)
        self.now = lambda: datetime.now(UTC)
        self.customers: dict[int, dict] = {}
        self.markets: set[int] = {1}
        self.accounts: dict[int, dict] = {}
        self._account_ids = itertools.count(5)
        self._customer_ids = itertools.count(27)

    @property
    def graphql_url(self) -> str:
        return self.base_url + PATH

    @property
    def order_api_url(self) -> str:
        return self.base_url + ORDER_API_PATH


    def fail_next(self, status: int = 503, count: int = 1, *, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    # ---- orders ----

    def make_order(self, lines: list[tuple[str, int, str]], updated: datetime | None = None, *,
                   tax_percent: int = 25, shipping: str = "49.00", status: str = "CONFIRMED",
                   line_discount_percent: int = 0, voucher: str = "0") -> dict:
        """An order node from (sku, quantity, unit price incl. tax) lines. `line_discount_percent` lowers each
        unitPrice below unitOriginalPrice; `voucher` is an order-level discount off the grand total."""
        updated = (updated or datetime.now(UTC)).replace(microsecond=0)
        rate = Decimal(tax_percent) / 100
        currency = {"id": 3, "code": self.currency}
        nodes, goods, tax = [], Decimal(0), Decimal(0)
        line_discounts = Decimal(0)
        for sku, quantity, price in lines:
            original = Decimal(price)
            unit = (original * (100 - line_discount_percent) / 100).quantize(CENT, ROUND_HALF_UP)
            value = unit * quantity
            goods += value
            line_discounts += original * quantity - value
            nodes.append({
                "id": next(self._line_ids), "taxPercent": tax_percent, "quantity": quantity,
                "product": {"id": 1000 + len(nodes), "name": f"Product {sku}"},
                "productVariant": {"id": 2000 + len(nodes), "name": "Black"},
                "productSize": {"SKU": sku, "GTIN": "", "description": sku.rsplit("-", 1)[-1]},
                "unitOriginalPrice": {"value": _money(original)},
                "unitPrice": {"value": _money(unit), "currency": currency},
                "lineValue": {"value": _money(value)},
            })
        voucher_amount = Decimal(voucher)
        ship = Decimal(shipping)
        total = goods + ship - voucher_amount
        for base in [Decimal(n["lineValue"]["value"]) for n in nodes] + [ship, -voucher_amount]:
            tax += base - base / (1 + rate)
        discounts = []
        if line_discounts:
            discounts.append({"value": {"value": _money(line_discounts)},
                              "discount": {"name": "Sale", "code": ""}})
        if voucher_amount:
            discounts.append({"value": {"value": _money(voucher_amount)},
                              "discount": {"name": "Voucher", "code": "WELCOME"}})
        address = {"firstName": "Test", "lastName": "Person", "companyName": None, "address1": "Teststr. 1",
                   "address2": "1b", "city": "Stockholm", "zipCode": "12345", "stateOrProvince": None,
                   "phoneNumber": "+15555550100", "cellPhoneNumber": None, "email": "customer@example.com",
                   "vatNumber": None, "country": {"code": "SE", "name": "Sweden"}, "state": None}
        number = next(self._numbers)
        return {
            "id": hashlib.md5(str(number).encode()).hexdigest(),  # noqa: S324 - an id, not security
            "number": number, "status": status, "createdAt": _time(updated), "updatedAt": _time(updated),
            "grandTotal": {"value": _money(total), "currency": currency, "conversionRate": 1},
            "totals": {"shipping": {"value": _money(ship)}, "handling": {"value": 0}, "taxAdded": {"value": 0},
                       "taxDeducted": {"value": 0}, "taxIncluded": {"value": _money(tax)}},
            "discountsApplied": discounts,
            "paymentMethod": {"uri": "adyen", "plugin": "adyen-drop-in"},
            "paymentHistory": [{"entryType": "AUTHORIZATION", "status": "SUCCESS"}],
            "shippingPriceGroup": {"shippingOption": {"id": 1, "name": "Standard", "uri": "standard"}},
            "market": {"id": 1, "name": "SE"},
            "lines": nodes,
            "shippingAddress": address, "billingAddress": dict(address),
            "customer": {"id": 4, "email": "customer@example.com", "firstName": "Test", "lastName": "Person"},
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[int(order["number"])] = order
            self._event("CREATED", order["number"])
            return order

    def touch_order(self, number: int, updated: datetime, **changes) -> dict:
        with self.lock:
            order = {**self.orders[int(number)], **changes, "updatedAt": _time(updated)}
            self.orders[int(number)] = order
            self._event("UPDATED", number)
            return order

    # ---- customers ----

    def add_customer(self, email: str, *, updated: datetime | None = None, **fields) -> dict:
        moment = _time(updated or self.now())
        with self.lock:
            customer = {"id": next(self._customer_ids), "email": email, "firstName": "Jon", "lastName": "Snow",
                        "createdAt": moment, "updatedAt": moment,
                        "billingAddress": {"firstName": "Jon", "lastName": "Snow", "address1": "Teststr. 1",
                                           "address2": "1b", "city": "Stockholm", "zipCode": "12345",
                                           "stateOrProvince": "", "phoneNumber": "", "cellPhoneNumber": "",
                                           "email": email, "vatNumber": "", "country": {"code": "SE"}}}
            billing = fields.pop("billingAddress", {})
            customer.update(fields)
            customer["billingAddress"].update(billing)
            self.customers[customer["id"]] = customer
            return customer

    def touch_customer(self, customer_id: int, updated: datetime, **billing) -> dict:
        with self.lock:
            customer = self.customers[customer_id]
            customer["billingAddress"].update(billing)
            customer["updatedAt"] = _time(updated)
            return customer

    def _gql_customers(self, arguments: dict) -> list[dict]:
        """CustomerFilter's id and email (the schema refuses other shapes); other filter fields are accepted and
        not applied [U: their types]."""
        where = _value(arguments, "where") or {}
        found = list(self.customers.values())
        if "id" in where:
            ids = where["id"] if isinstance(where["id"], list) else [where["id"]]
            found = [c for c in found if c["id"] in ids]
        if "email" in where:
            found = [c for c in found if c["email"] == where["email"]["equals"]]
        return found

    # ---- wholesale accounts ----

    @staticmethod
    def _account_input(arguments: dict) -> dict:
        """The input as values (its fields, required ones, market/pricelist as "exactly one" inputs, the status
        enum and the address fields are the schema's: schema.AccountCreateInput / AccountUpdateInput)."""
        return _value(arguments, "input")

    def _account_errors(self, data: dict, account_id: int | None) -> list[dict]:
        errors = []
        if "market" in data and (data["market"] or {}).get("id") not in self.markets:
            errors.append(_user_error("Market not found", "input", "market"))
        if "pricelist" in data and (data["pricelist"] or {}).get("id") not in self.pricelists:
            errors.append(_user_error("Pricelist not found", "input", "pricelist"))
        external = data.get("externalId")
        if external and any(a["externalId"] == external and a["id"] != account_id for a in self.accounts.values()):
            errors.append(_user_error("externalId is already used by another account", "input", "externalId"))
        return errors

    def _store_account(self, account: dict, data: dict) -> dict:
        for key, value in data.items():
            if key == "accountAddress":
                account["accountAddress"] = {**account.get("accountAddress", {}), **value}
            elif key in ("market", "pricelist"):
                account[key] = {"id": value["id"]}
            else:
                account[key] = value
        return account

    def _gql_createAccount(self, arguments: dict) -> dict:  # noqa: N802
        data = self._account_input(arguments)
        errors = self._account_errors(data, None)
        if errors:
            return {"account": None, "userErrors": errors}
        account = self._store_account({"id": next(self._account_ids), "externalId": None}, data)
        self.accounts[account["id"]] = account
        self.counters["account_writes"] += 1
        return {"account": account, "userErrors": []}

    def _gql_updateAccount(self, arguments: dict) -> dict:  # noqa: N802
        account_id = _value(arguments, "id")
        data = self._account_input(arguments)
        if account_id not in self.accounts:
            return {"account": None, "userErrors": [_user_error(f"Account {account_id} not found", "id")]}
        errors = self._account_errors(data, account_id)
        if errors:
            return {"account": None, "userErrors": errors}
        self.counters["account_writes"] += 1
        return {"account": self._store_account(self.accounts[account_id], data), "userErrors": []}

    def _gql_accounts(self, arguments: dict) -> list[dict]:
        where = _value(arguments, "where") or {}
        wanted = where.get("externalId")
        found = list(self.accounts.values())
        if wanted is not None:
            wanted = wanted if isinstance(wanted, list) else [wanted]
            found = [a for a in found if a["externalId"] in wanted]
        return found

    # ---- the Events system (events-system docs): listeners, oldest unconfirmed first, confirmEvents ----

    def _event(self, change: str, number: int) -> None:
        if "Order" in self.listeners:
            self.events.append({"id": next(self._event_ids), "objectType": "Order", "changeType": change,
                                "number": int(number), "confirmed": False})

    def _gql_eventListeners(self, arguments: dict) -> list[dict]:  # noqa: N802
        return [{"objectType": kind, "changeTypes": ["CREATED", "UPDATED", "DELETED", "COMPLETED"]}
                for kind in sorted(self.listeners)]

    def _gql_events(self, arguments: dict) -> list[dict]:
        where = _value(arguments, "where") or {}
        limit = _value(arguments, "limit") or 100
        if not 1 <= limit <= 1000:  # [assumed: the docs' example asks for 200; no bound is published]
            raise _Refused("limit must be 1..1000")
        kinds = where.get("objectType")
        rows = [e for e in self.events if not e["confirmed"] and (not kinds or e["objectType"] in kinds)]
        return [{"id": e["id"], "objectType": e["objectType"], "changeType": e["changeType"],
                 "object": self.orders.get(e["number"])} for e in rows[:limit]]

    def _gql_confirmEvents(self, arguments: dict) -> dict:  # noqa: N802
        ids = _value(arguments, "input")["eventsIds"]
        ids = ids if isinstance(ids, list) else [ids]
        for event in self.events:
            if event["id"] in ids:
                event["confirmed"] = True
        return {"userErrors": [], "userWarnings": []}

    def add_variant(self, variant_id: int, sizes: dict[str, str], product: int | None = None) -> None:
        """A product variant with its sizes: {size name: SKU}; its product (default: its own id + 5000)."""
        with self.lock:
            self.variants[int(variant_id)] = dict(sizes)
            self.product_of[int(variant_id)] = int(product if product is not None else variant_id + 5000)

    def stock_of(self, sku: str, warehouse: int = 1) -> int | None:
        with self.lock:
            for variant, sizes in self.variants.items():
                for size, size_sku in sizes.items():
                    if size_sku == sku:
                        return self.stock.get((warehouse, variant, size))
        return None

    # ---- returns (contract 4.5: Order API REST) ----

    def add_return(self, number: int, lines: list[tuple[int, int]], *, completed: bool = True,
                   shipping: str = "0", return_cost: str = "0", created: datetime | None = None,
                   return_to_stock: bool = True) -> dict:
        """A return of order `number` in the documented `GET returns` shape: [(order line id, quantity)];
        price = the line's unitPrice (tax included), taxValue = the VAT inside products and shipping."""
        with self.lock:
            order = self.orders[int(number)]
            by_id = {line["id"]: line for line in order["lines"]}
            products, tax = [], Decimal(0)
            for line_id, quantity in lines:
                line = by_id[line_id]
                price = Decimal(str(line["unitPrice"]["value"]))
                rate = Decimal(line["taxPercent"]) / 100
                tax += price * quantity - price * quantity / (1 + rate)
                products.append({"returnLineId": next(self._line_ids), "shipmentLineId": next(self._line_ids),
                                 "orderLineId": line_id, "productId": line["product"]["id"],
                                 "variantId": line["productVariant"]["id"], "productName": line["product"]["name"],
                                 "productBrand": "", "variantName": line["productVariant"]["name"],
                                 "size": line["productSize"]["description"], "sku": line["productSize"]["SKU"],
                                 "variantSku": "", "sizeSku": "", "ean": "", "upc": "", "quantity": quantity,
                                 "price": _money(price)})
            ship = Decimal(shipping)
            rate = Decimal(order["lines"][0]["taxPercent"]) / 100
            tax += ship - ship / (1 + rate)
            ident = next(self._return_ids)
            row = {"returnId": ident, "completed": completed, "shipment": f"{number}-1", "shipmentId": 8000 + ident,
                   "orderId": int(number), "selectionId": order["id"], "customerId": 4,
                   "date": (created or self.now()).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), "marketId": 1,
                   "pricelistId": 1, "returnCost": _money(Decimal(return_cost)), "shippingCost": _money(ship),
                   "handlingCost": 0, "voucherValue": 0, "taxValue": _money(tax), "taxDeduction": 0,
                   "currency": order["grandTotal"]["currency"]["code"], "baseCurrency": self.currency,
                   "baseCurrencyRate": 1, "returnToStock": return_to_stock, "comment": None,
                   "createdFrom": "Order API", "products": products}
            self.returns[ident] = row
            return row

    def rest(self, method: str, path: str, headers, query: dict[str, list[str]]) -> tuple[int, dict]:
        """The Order API: `GET <base>/returns?limit&page&newer_than&return`, newest first; the plugin's
        key in API-Authorization; the documented envelope `{"status": "ok"|"no", ...}`."""
        self.counters["rest"] += 1
        key = headers.get("API-Authorization") or ""
        if not hmac.compare_digest(key.encode(), self.order_api_key.encode()):
            self.counters["unauthorized"] += 1
            return 401, {"status": "no", "msg": "Unauthorized"}
        with self.lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            self.counters["faults"] += 1
            return fault[0], {"status": "no", "msg": "Server error"}
        if method != "GET" or path != "/returns":
            return 404, {"status": "no", "msg": "Not found"}
        try:
            limit = int((query.get("limit") or ["100"])[0])
            page = int((query.get("page") or ["1"])[0])
        except ValueError:
            return 400, {"status": "no", "msg": "limit and page are integers"}
        newer_than = (query.get("newer_than") or [""])[0]
        if newer_than and not _REST_DATE.match(newer_than):  # "YYYY-mm-dd" or "YYYY-mm-dd HH:MM:SS" only
            return 400, {"status": "no", "msg": "newer_than: allowed formats YYYY-mm-dd and YYYY-mm-dd HH:MM:SS"}
        with self.lock:
            rows = sorted(self.returns.values(), key=lambda r: (r["date"], r["returnId"]), reverse=True)
        if newer_than:
            rows = [r for r in rows if r["date"] >= (newer_than if " " in newer_than else newer_than + " 00:00:00")]
        if query.get("return"):
            rows = [r for r in rows if str(r["returnId"]) == query["return"][0]]
        return 200, {"status": "ok", "returns": rows[(page - 1) * limit: page * limit]}

    # ---- webhooks ----

    def send_webhook(self, url: str, events: list[dict], secret: str, *, timestamp: int | None = None,
                     timeout: float = 5.0) -> httpx.Response:
        """POST the plugin's form body with `X-Centra-Signature` (t = now unless given)."""
        body = webhook_body(events)
        signature = sign_webhook(body, secret, int(time.time()) if timestamp is None else timestamp)
        return httpx.post(url, content=body, timeout=timeout, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Centra-Signature": signature})

    # ---- GraphQL ----

    def handle(self, headers, body: bytes) -> tuple[int, dict, dict]:
        self.counters["requests"] += 1
        auth = headers.get("Authorization") or ""
        if not hmac.compare_digest(auth.encode(), f"Bearer {self.token}".encode()):
            self.counters["unauthorized"] += 1
            return 401, {"errors": [{"message": "Unauthorized: invalid or expired token"}]}, {}
        with self.lock:
            fault = self._faults.pop(0) if self._faults else None
        if fault is not None:
            self.counters["faults"] += 1
            status, retry_after = fault
            # "a Retry-After header that points at a timestamp at which it is possible to try again" (C3)
            extra = {"Retry-After": str(math.ceil(time.time() + retry_after))} if retry_after is not None else {}
            return status, {"errors": [{"message": "Too many requests" if status == 429 else "Server error"}]}, extra
        try:
            query = json.loads(body or b"{}").get("query") or ""
        except ValueError:
            return 400, {"errors": [{"message": "Invalid JSON body"}]}, {}
        self.queries.append(query)
        try:
            document = parse(query)
        except GraphQLError as exc:
            return 200, {"errors": [{"message": f"Syntax Error: {exc.message}"}]}, {}
        problems = refusals(document)  # what Centra's schema refuses in the arguments (schema.py)
        if problems:
            return 200, {"errors": [{"message": m} for m in problems]}, {}
        operation = next(d for d in document.definitions if hasattr(d, "operation"))
        root = operation.selection_set.selections[0]
        name = root.name.value
        arguments = {a.name.value: a.value for a in root.arguments or []}
        handler = getattr(self, f"_gql_{name}", None)
        if name == "orders":
            if "...bridgeOrder" not in query and "shipments {" in query:
                handler = self._shipping_orders  # the order as a shipment needs it (client.SHIPPING_ORDER_QUERY)
            elif "...bridgeOrder" not in query or "fragment bridgeOrder on Order" not in query:
                # the emulator answers whole nodes; the bridge's fragment is what they are built for
                return 200, {"errors": [{"message": "emulator: the query must select ...bridgeOrder"}]}, {}
        if handler is None:
            return 200, {"errors": [{"message": f"emulator: {name} is not modelled"}]}, {}
        self.counters[name] += 1
        try:
            with self.lock:
                data = handler(arguments)
        except _Refused as exc:
            return 200, {"errors": [{"message": str(exc)}]}, {}
        return 200, {"data": {name: data}, "extensions": {"complexity": 111}}, {}

    def _gql_orders(self, arguments: dict) -> list[dict]:
        """`where: {number}` (the look-up after a webhook, C1) or `where: {createdAt: {from, to}}` with limit
        and page (the documented listing, C2); no sort argument: listed by number, as an id order would."""
        where = _value(arguments, "where") or {}
        if "number" in where:
            return [self.orders[n] for n in _as_list(where["number"]) if n in self.orders]
        bounds = where.get("createdAt") or {}
        if set(where) != {"createdAt"} or not all(_BOUND.match(str(bounds.get(k) or "")) for k in ("from", "to")):
            raise _Refused('emulator: orders by number, or by createdAt {from, to} in "Y-m-d H:i:s" form')
        since, until = _parse_time(bounds["from"]), _parse_time(bounds["to"])
        limit, page = _value(arguments, "limit") or MAX_LIMIT, _value(arguments, "page") or 1
        if not 1 <= limit <= MAX_LIMIT or page < 1:
            raise _Refused(f"limit must be 1..{MAX_LIMIT} and page ≥ 1")
        found = sorted((o for o in self.orders.values() if since <= _parse_time(o["createdAt"]) <= until),
                       key=lambda o: o["number"])
        return found[(page - 1) * limit: page * limit]

    # ---- stock (contract 4.2) ----

    def _gql_productVariants(self, arguments: dict) -> list[dict]:  # noqa: N802 - the GraphQL field name
        limit, page = _value(arguments, "limit") or MAX_LIMIT, _value(arguments, "page") or 1
        if not 1 <= int(limit) <= MAX_LIMIT or int(page) < 1:
            raise _Refused(f"limit must be 1..{MAX_LIMIT} and page ≥ 1")
        rows = [{"id": variant, "product": {"id": self.product_of[variant]},
                 "productSizes": [{"SKU": sku, "size": {"name": size}} for size, sku in sizes.items()]}
                for variant, sizes in sorted(self.variants.items())]
        return rows[(int(page) - 1) * int(limit): int(page) * int(limit)]

    def _gql_setStock(self, arguments: dict) -> dict:  # noqa: N802
        """Absolute stock per warehouse (schema.StockSetInput: warehouse, description, stockQuantityType required;
        quantities Int). Unknown warehouse, variant or size are userErrors with their path [U: Centra's wording];
        a negative quantity too ("Stock value must be greater or equal to 0", productsizestocksetinput.html;
        that it is a userError is U). Any userError: nothing is applied [U: Centra does not document partial
        application, and the bridge does not rely on either]. Sizes by `name` only (the bridge's and C1's way)."""
        data = _value(arguments, "input")
        if data.get("productSizes"):
            raise _Refused("emulator: setStock by productSizes is not modelled (the bridge sends productVariants)")
        errors, updates = [], {}
        warehouse = data["warehouse"].get("id")
        if warehouse not in self.warehouses:
            errors.append(_user_error(f"Warehouse {warehouse} not found", "input", "warehouse"))
        for i, row in enumerate(_as_list(data.get("productVariants"))):
            variant, levels = row["productVariant"].get("id"), _as_list(row["sizeStockLevels"])
            if variant not in self.variants:
                errors.append(_user_error(f"Product variant {variant} not found", "input", "productVariants", i,
                                          "productVariant"))
                continue
            for j, level in enumerate(levels):
                size, quantity = level["size"].get("name"), level["quantity"]
                if size not in self.variants[variant]:
                    errors.append(_user_error(f"Size {size!r} is not active for variant {variant}", "input",
                                              "productVariants", i, "sizeStockLevels", j, "size"))
                elif quantity < 0:
                    errors.append(_user_error("Quantity cannot be negative", "input", "productVariants", i,
                                              "sizeStockLevels", j, "quantity"))
                else:
                    updates[(warehouse, variant, size)] = quantity
        if errors:  # stockChanges is `[StockChange!]!` (stocksetpayload.html): empty, never null
            return {"stockChanges": [], "userErrors": errors}
        self.stock.update(updates)
        return {"stockChanges": [{"id": 4000 + len(self.stock)}], "userErrors": []}

    # ---- prices (contract 4.4; the input shape as the ERP guide shows setPrices) ----

    def _gql_pricelists(self, arguments: dict) -> list[dict]:
        return [{"id": ident, "currency": {"code": code}} for ident, code in sorted(self.pricelists.items())]

    def _gql_setPrices(self, arguments: dict) -> dict:  # noqa: N802
        """Prices per variant on a pricelist (schema.ProductPricesSetInput). An unknown pricelist, product or
        variant (or a variant of another product), or a currency other than the pricelist's, are userErrors
        [U: how Centra answers each]; any userError: nothing applied. Only `individualVariantPrices` are
        modelled (what the bridge sends, C1 case c); a product-level `price` is accepted and not stored."""
        data = _value(arguments, "input")
        pricelist = data["pricelist"].get("id")
        errors, updates = [], {}
        if pricelist not in self.pricelists:
            errors.append(_user_error(f"Pricelist {pricelist} not found", "input", "pricelist"))
        for i, row in enumerate(_as_list(data["productPrices"])):
            product = row["product"].get("id")
            if product not in self.product_of.values():
                errors.append(_user_error(f"Product {product} not found", "input", "productPrices", i, "product"))
                continue
            for j, entry in enumerate(_as_list(row.get("individualVariantPrices"))):
                variant, price = entry["productVariant"].get("id"), entry.get("price")
                if price is None:
                    continue  # a variant named without a price changes nothing [U]
                if self.product_of.get(variant) != product:
                    errors.append(_user_error(f"Variant {variant} is not a variant of product {product}", "input",
                                              "productPrices", i, "individualVariantPrices", j, "productVariant"))
                elif price["currencyIsoCode"] != self.pricelists.get(pricelist):
                    errors.append(_user_error(f"Currency {price['currencyIsoCode']} is not the pricelist's", "input",
                                              "productPrices", i, "individualVariantPrices", j, "price"))
                elif price["value"] < 0:
                    errors.append(_user_error("Price cannot be negative", "input", "productPrices", i,
                                              "individualVariantPrices", j, "price"))
                else:
                    updates[(pricelist, variant)] = Decimal(str(price["value"]))
        if errors:
            return {"pricelist": None, "userErrors": errors}
        self.prices.update(updates)
        return {"pricelist": {"id": pricelist}, "userErrors": []}

    # ---- shipments (contract 4.3) ----

    def _shipped(self, order: dict) -> dict[int, int]:
        shipped: dict[int, int] = {}
        for shipment in self.shipments.values():
            if shipment["order"] == order["number"]:
                for line in shipment["lines"]:
                    shipped[line["orderLine"]] = shipped.get(line["orderLine"], 0) + line["quantity"]
        return shipped

    def _shipment_node(self, shipment: dict) -> dict:
        return {k: v for k, v in shipment.items() if k not in ("order", "lines", "shipmentInfo")} | {
            "lines": [{"id": line["id"], "quantity": line["quantity"], "orderLine": {"id": line["orderLine"]}}
                      for line in shipment["lines"]]}

    def _shipping_orders(self, arguments: dict) -> list[dict]:
        number = (_value(arguments, "where") or {}).get("number")
        order = self.orders.get(int(number)) if isinstance(number, int) else None
        if order is None:
            return []
        return [{**order, "shipments": [self._shipment_node(s) for s in self.shipments.values()
                                        if s["order"] == order["number"]]}]

    def _gql_createShipment(self, arguments: dict) -> dict:  # noqa: N802
        """schema.ShipmentCreateInput; the order by number or hash id (externalId is not modelled: not found).
        Lines of the order, no more than is left to ship, else userErrors [U: Centra's wording]; `capture`
        captures the lines' value, `isPaid` marks it paid (shipmentcreateinput.html: capture wins)."""
        data = _value(arguments, "input")
        ref = data["order"]
        order = next((o for o in self.orders.values()
                      if ref.get("number") == o["number"] or (ref.get("id") and ref.get("id") == o["id"])), None)
        if order is None:
            return {"shipment": None, "userErrors": [_user_error("Order not found", "input", "order")]}
        if order["status"] == "CANCELLED":
            return {"shipment": None, "userErrors": [_user_error("Order is cancelled", "input", "order")]}
        lines = {line["id"]: line for line in order["lines"]}
        shipped = self._shipped(order)
        errors, taken = [], []
        for i, row in enumerate(_as_list(data.get("lines"))):
            line_id, quantity = row["orderLine"].get("id"), row["quantity"]
            if line_id not in lines:
                errors.append(_user_error(f"Order line {line_id} is not in order {order['number']}", "input",
                                          "lines", i, "orderLine"))
            elif not 1 <= quantity <= lines[line_id]["quantity"] - shipped.get(line_id, 0):
                errors.append(_user_error(f"Quantity {quantity} exceeds what is left to ship of line {line_id}",
                                          "input", "lines", i, "quantity"))
            else:
                taken.append({"id": next(self._line_ids) + 10000, "orderLine": line_id, "quantity": quantity})
        if errors or not taken:
            return {"shipment": None, "userErrors": errors or [_user_error("No lines", "input", "lines")]}
        value = sum((Decimal(str(lines[t["orderLine"]]["unitPrice"]["value"])) * t["quantity"] for t in taken),
                    Decimal(0))
        captured = bool(data.get("capture"))
        if captured:
            history = list(order.get("paymentHistory") or [])
            order["paymentHistory"] = [*history, {"entryType": "CAPTURE", "status": "SUCCESS",
                                                  "value": {"value": _money(value)}}]
        ident = next(self._shipment_ids)
        number = f"{order['number']}-{sum(1 for s in self.shipments.values() if s['order'] == order['number']) + 1}"
        paid = captured or bool(data.get("isPaid"))
        now = _time(self.now())
        first = not any(s["order"] == order["number"] for s in self.shipments.values())
        if first:  # the documented answer's grandTotal (900) is its lines (700) and the order's shipping [U]
            value += Decimal(str(order["totals"]["shipping"]["value"]))
        # the fields of the documented createShipment answer (docs-examples/centra-shipment_create_unpaid-1.json)
        self.shipments[ident] = {
            "id": ident, "number": number, "order": order["number"], "lines": taken,
            "createdAt": now, "updatedAt": now,
            "isGoodToGo": bool(data.get("isGoodToGo")), "isShipped": False, "isPaid": paid,
            "paidAt": now if paid else None, "additionalMessage": data.get("additionalMessage"),
            "shippedAt": None, "numberOfPackages": 0, "trackingNumber": None, "returnTrackingNumber": None,
            "internalShippingCost": {"value": 0}, "grandTotal": {"value": _money(value)},
            "carrierInformation": None, "sendEmail": data.get("sendEmail"), "shipmentInfo": None}
        return {"shipment": self._shipment_node(self.shipments[ident]), "userErrors": []}

    def _gql_completeShipment(self, arguments: dict) -> dict:  # noqa: N802
        """schema.ShipmentCompleteInput. Only a good-to-go, paid shipment is completed [V: C1 "Once the shipment
        is Good-to-go and paid for, you can ship it out"]; shippedAt not in the future [V: C1], "now" when
        left out [V: shipmentcompleteinput.html]; PHP relative dates other than "now" are not modelled.
        The shipment info lands where the documented completeShipment answer shows it (corpus
        centra-shipment-1.json: numberOfPackages, trackingNumber, returnTrackingNumber, carrierInformation
        {carrierName, serviceName}, internalShippingCost)."""
        ident, data = _value(arguments, "id"), _value(arguments, "input") or {}
        shipment = self.shipments.get(ident)
        if shipment is None:
            return {"shipment": None, "userErrors": [_user_error(f"Shipment {ident} not found", "id")]}
        if shipment["isShipped"]:
            return {"shipment": None, "userErrors": [_user_error("Shipment is already completed", "id")]}
        # "Once the shipment is Good-to-go and paid for, you can ship it out" (erp-gql-integration guide)
        if not (shipment["isGoodToGo"] and shipment["isPaid"]):
            return {"shipment": None, "userErrors": [_user_error("Shipment must be good to go and paid before it "
                                                                 "is completed", "id")]}
        shipped_at = data.get("shippedAt")
        moment = self.now() if shipped_at in (None, "now") else _parse_shipped_at(shipped_at)
        if moment is None:
            return {"shipment": None, "userErrors": [_user_error("Invalid date", "input", "shippedAt")]}
        if moment > self.now() + timedelta(seconds=1):
            return {"shipment": None, "userErrors": [_user_error("shippedAt cannot be in the future", "input",
                                                                 "shippedAt")]}
        info = data.get("shipmentInfo") or {}
        carrier = {"carrierName": info.get("carrier"), "serviceName": info.get("service")}
        shipment.update(isShipped=True, shippedAt=_time(moment), updatedAt=_time(self.now()),
                        trackingNumber=info.get("trackingNumber"),
                        returnTrackingNumber=info.get("returnTrackingNumber"),
                        numberOfPackages=info.get("packagesNumber") or shipment["numberOfPackages"],
                        carrierInformation=carrier if any(carrier.values()) else None,
                        shipmentInfo=info, sendEmail=data.get("sendEmail"))
        if info.get("internalShippingCost"):
            shipment["internalShippingCost"] = {"value": info["internalShippingCost"]["value"]}
        order = self.orders[shipment["order"]]
        shipped = self._shipped(order)
        if all(shipped.get(line["id"], 0) >= line["quantity"] for line in order["lines"]) and all(
                s["isShipped"] for s in self.shipments.values() if s["order"] == order["number"]):
            order["status"] = "SHIPPED"
        return {"shipment": self._shipment_node(shipment), "userErrors": []}


class _Refused(Exception):
    """A GraphQL error (the whole call refused, `errors`), as opposed to userErrors in the payload."""


def _value(arguments: dict, name: str):
    node = arguments.get(name)
    return None if node is None else value_from_ast_untyped(node)


def _as_list(value) -> list:
    """GraphQL input coercion: a single value where a list goes is a list of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _user_error(message: str, *path) -> dict:
    return {"message": message, "path": list(path)}


class _Handler(BaseHTTPRequestHandler):
    emulator: CentraEmulator

    def log_message(self, *args) -> None:  # quiet
        return

    def do_GET(self) -> None:  # noqa: N802
        path, _, query = self.path.partition("?")
        if path.startswith(ORDER_API_PATH + "/"):
            status, answer = self.emulator.rest("GET", path[len(ORDER_API_PATH):], self.headers, parse_qs(query))
        else:
            status, answer = 404, {"status": "no", "msg": "Not found"}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path.split("?", 1)[0] != PATH:
            status, answer, extra = 404, {"errors": [{"message": "Not found"}]}, {}
        else:
            status, answer, extra = self.emulator.handle(self.headers, body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


CentraEmulator.handler = _Handler
