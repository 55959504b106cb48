"""Centra over real HTTP: the Integration API `orders` queries the bridge sends, and signed webhooks.

    emu = CentraEmulator(token="centra-test-token").start()
    emu.add_order(emu.make_order([("JACKET-M", 1, "675.00")], updated=...))
    emu.send_webhook(url, [{"type": "order", "action": "update", "id": 14}], secret="…")

`POST /graphql/integration` with `Authorization: Bearer <token>` (else 401 with a GraphQL `errors` body).
Just enough GraphQL for the bridge, no general engine: the root field must be `orders` with either
`where: {number: N}` or `where: {updatedAt: {from: "…", to: "…"}}, sort: [updatedAt_ASC], limit: L,
page: P` (both bounds inclusive, L ≤ 100, P ≥ 1), and the query must spread `...bridgeOrder`; anything else
answers `{"errors": [...]}` so an unexpected query fails loudly in tests. Selection sets are not
interpreted: each order answers the complete node the bridge selects (client.ORDER_FIELDS).

Orders are DTC orders in SEK with prices incl. 25 % VAT by default; `make_order` builds internally
consistent nodes (lineValue = quantity × unitPrice, grandTotal = lines + shipping, taxIncluded from the
lines and shipping). `fail_next(status, count, retry_after=)` answers the next authorised requests with an
error (429 carries Retry-After). Counters: requests, unauthorized, faults; `emu.queries` logs every query.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from urllib.parse import quote

import httpx

from sandbox.loopback import LoopbackServer

PATH = "/graphql/integration"
MAX_LIMIT = 100
CENT = Decimal("0.01")

_BY_NUMBER = re.compile(r"\borders\s*\(\s*where:\s*\{\s*number:\s*(\d+)\s*\}\s*(?:,\s*limit:\s*(\d+)\s*)?\)")
_UPDATED = re.compile(r'\borders\s*\(\s*where:\s*\{\s*updatedAt:\s*\{\s*from:\s*"([^"]+)"\s*,'
                      r'\s*to:\s*"([^"]+)"\s*\}\s*\}'
                      r"\s*,\s*sort:\s*\[\s*updatedAt_ASC\s*\]\s*,\s*limit:\s*(\d+)\s*,\s*page:\s*(\d+)\s*\)")


def _money(value: Decimal) -> float | int:
    """Centra answers amounts as JSON numbers."""
    value = value.quantize(CENT, ROUND_HALF_UP)
    return int(value) if value == value.to_integral() else float(value)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


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

    def __init__(self, token: str = "centra-test-token", *, currency: str = "SEK"):  # noqa: S107
        self.token = token
        self.currency = currency
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.queries: list[str] = []
        self.counters: Counter = Counter()
        self._numbers = itertools.count(14)
        self._line_ids = itertools.count(68)
        self._faults: list[tuple[int, float | None]] = []

    @property
    def graphql_url(self) -> str:
        return self.base_url + PATH


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
            return order

    def touch_order(self, number: int, updated: datetime, **changes) -> dict:
        with self.lock:
            order = {**self.orders[int(number)], **changes, "updatedAt": _time(updated)}
            self.orders[int(number)] = order
            return order

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
            extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return status, {"errors": [{"message": "Too many requests" if status == 429 else "Server error"}]}, extra
        try:
            query = json.loads(body or b"{}").get("query") or ""
        except ValueError:
            return 400, {"errors": [{"message": "Invalid JSON body"}]}, {}
        self.queries.append(query)
        if "...bridgeOrder" not in query or "fragment bridgeOrder on Order" not in query:
            return 200, {"errors": [{"message": "emulator: the query must select ...bridgeOrder"}]}, {}
        if match := _BY_NUMBER.search(query):
            with self.lock:
                order = self.orders.get(int(match.group(1)))
            return 200, {"data": {"orders": [order] if order else []}, "extensions": {"complexity": 229}}, {}
        if match := _UPDATED.search(query):
            since, until = _parse_time(match.group(1)), _parse_time(match.group(2))
            limit, page = int(match.group(3)), int(match.group(4))
            if not 1 <= limit <= MAX_LIMIT or page < 1:
                return 200, {"errors": [{"message": f"limit must be 1..{MAX_LIMIT} and page ≥ 1"}]}, {}
            with self.lock:
                found = sorted((o for o in self.orders.values() if since <= _parse_time(o["updatedAt"]) <= until),
                               key=lambda o: (_parse_time(o["updatedAt"]), o["number"]))
            chunk = found[(page - 1) * limit: page * limit]
            return 200, {"data": {"orders": chunk}, "extensions": {"complexity": 10 + 20 * len(chunk)}}, {}
        return 200, {"errors": [{"message": "emulator: unsupported query"}]}, {}


class _Handler(BaseHTTPRequestHandler):
    emulator: CentraEmulator

    def log_message(self, *args) -> None:  # quiet
        return

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
