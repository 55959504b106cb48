"""A Shopware 6 Admin API over real HTTP: just what the orders client needs.

    emu = ShopwareEmulator(client_id="SWIA…", client_secret="…", token_lifetime=600).start()
    emu.add_order(emu.make_order(updated=datetime(...)))     # updated=None: never changed (updatedAt null)

Auth: `POST /api/oauth/token {"grant_type": "client_credentials", "client_id", "client_secret"}` →
`{"token_type": "Bearer", "expires_in", "access_token"}`; wrong credentials → 401
`{"errors": [{"code": "FRAMEWORK__INVALID_CLIENT"…}]}`. Other calls need `Authorization: Bearer <token>`
of an unexpired token (expiry on the emulator's `clock`), else 401 `FRAMEWORK__UNAUTHORIZED`.
`revoke_tokens()` invalidates every token (as a shop restart with new keys would).

`POST /api/search/order` — criteria: `ids`, `filter` (types equals, range with gt/gte/lt/lte, multi with
operator and/or and `queries`), `sort` [{field, order}], `page`, `limit`; answers `{"total", "data",
"aggregations": []}`. Timestamps compare as instants; null sorts first (as MySQL). Associations are
accepted and ignored (stored orders already carry theirs). Without `Accept: application/json` the answer
is JSON:API (`application/vnd.api+json`, `{"data": [{"type", "id", "attributes"}]}`), like Shopware.

`fail_next(status, count, retry_after=None)`; `requests` logs every call, `tokens_issued` counts tokens.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from sandbox.loopback import LoopbackServer


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _instant(value):
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _matches(order: dict, node: dict) -> bool:
    kind = node.get("type")
    if kind == "multi":
        results = [_matches(order, q) for q in node.get("queries") or []]
        return any(results) if str(node.get("operator", "and")).lower() == "or" else all(results)
    value = _instant(order.get(node.get("field")))
    if kind == "equals":
        return value == _instant(node.get("value"))
    if kind == "range":
        if value is None:
            return False
        checks = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b,
                  "lte": lambda a, b: a <= b}
        return all(checks[op](value, _instant(bound)) for op, bound in (node.get("parameters") or {}).items())
    raise ValueError(f"filter type {kind!r} is not supported by the emulator")


class ShopwareEmulator(LoopbackServer):
    name = "shopware-emulator"

    def __init__(self, client_id: str = "SWIATESTCLIENT", client_secret: str = "test-secret",  # noqa: S107
                 *, token_lifetime: float = 600, clock: Callable[[], float] = time.monotonic):
        self.client_id, self.client_secret = client_id, client_secret
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.lock = threading.RLock()
        self.orders: dict[str, dict] = {}
        self.tokens: dict[str, float] = {}  # token → expiry on clock
        self.tokens_issued = 0
        self.requests: list[dict] = []
        self._faults: list[tuple[int, float | None]] = []
        self._numbers = itertools.count(10000)


    def fail_next(self, status: int = 503, count: int = 1, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    def revoke_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # ---- orders ----

    def make_order(self, created: datetime, updated: datetime | None = None, *, sku: str = "SW-1",
                   unit_price: str = "119.00", quantity: int = 1, tax_rate: str = "19") -> dict:
        """An Admin API order (gross prices, one product line, free shipping) with its associations."""
        number = next(self._numbers)
        order_id = uuid.uuid4().hex
        gross = round(float(unit_price) * quantity, 2)
        tax = round(gross - gross / (1 + float(tax_rate) / 100), 2)
        taxes = [{"tax": tax, "taxRate": float(tax_rate), "price": gross}]
        return {
            "id": order_id, "orderNumber": str(number), "createdAt": iso(created), "updatedAt": iso(updated),
            "orderDateTime": iso(created), "currencyId": "b7d2554b0ce847cd82f3ac9bd1c0dfca", "currencyFactor": 1,
            "currency": {"isoCode": "EUR", "id": "b7d2554b0ce847cd82f3ac9bd1c0dfca"},
            "amountTotal": gross, "amountNet": round(gross - tax, 2), "positionPrice": gross, "shippingTotal": 0,
            "taxStatus": "gross",
            "price": {"totalPrice": gross, "netPrice": round(gross - tax, 2), "positionPrice": gross,
                      "calculatedTaxes": taxes, "taxStatus": "gross"},
            "lineItems": [{"id": uuid.uuid4().hex, "type": "product", "label": f"Product {sku}",
                           "quantity": quantity, "unitPrice": float(unit_price), "totalPrice": gross,
                           "good": True, "position": 1, "productId": uuid.uuid4().hex,
                           "payload": {"productNumber": sku},
                           "price": {"unitPrice": float(unit_price), "quantity": quantity, "totalPrice": gross,
                                     "calculatedTaxes": taxes}}],
            "deliveries": [],
            "orderCustomer": {"email": "customer@example.com", "firstName": "Test", "lastName": "Person"},
            "stateMachineState": {"technicalName": "open"},
            "transactions": [{"stateMachineState": {"technicalName": "paid"},
                              "paymentMethod": {"technicalName": "payment_invoice"}}],
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[order["id"]] = order
        return order

    def touch_order(self, order_id: str, updated: datetime) -> None:
        with self.lock:
            self.orders[order_id]["updatedAt"] = iso(updated)

    def search(self, criteria: dict) -> dict:
        with self.lock:
            found = list(self.orders.values())
        ids = criteria.get("ids")
        if ids:
            found = [o for o in found if o["id"] in ids]
        for node in criteria.get("filter") or []:
            found = [o for o in found if _matches(o, node)]
        for sort in reversed(criteria.get("sort") or []):
            field, descending = sort["field"], str(sort.get("order", "ASC")).upper() == "DESC"
            found.sort(key=lambda o, f=field: (o.get(f) is not None, _instant(o.get(f)) or ""), reverse=descending)
        limit = int(criteria.get("limit") or 500)
        page = int(criteria.get("page") or 1)
        items = found[(page - 1) * limit: page * limit]
        return {"total": len(found), "data": json.loads(json.dumps(items)), "aggregations": []}


class _Handler(BaseHTTPRequestHandler):
    emulator: ShopwareEmulator

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, body, content_type: str = "application/json",
               headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, code: str, detail: str) -> None:
        self._reply(status, {"errors": [{"status": str(status), "code": code, "title": detail, "detail": detail}]})

    def do_POST(self) -> None:  # noqa: N802
        emu = self.emulator
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            self._error(400, "FRAMEWORK__INVALID_JSON", "The body is not JSON.")
            return
        with emu.lock:
            emu.requests.append({"method": "POST", "path": path, "body": body})
            fault = emu._faults.pop(0) if emu._faults else None
        if fault:
            status, retry_after = fault
            self._reply(status, {"errors": [{"status": str(status)}]},
                        headers={"Retry-After": str(retry_after)} if retry_after is not None else None)
            return
        if path == "/api/oauth/token":
            if (body.get("grant_type") != "client_credentials" or body.get("client_id") != emu.client_id
                    or body.get("client_secret") != emu.client_secret):
                self._error(401, "FRAMEWORK__INVALID_CLIENT", "The client credentials are invalid.")
                return
            token = uuid.uuid4().hex
            with emu.lock:
                emu.tokens[token] = emu.clock() + emu.token_lifetime
                emu.tokens_issued += 1
            self._reply(200, {"token_type": "Bearer", "expires_in": int(emu.token_lifetime), "access_token": token})
            return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        with emu.lock:
            expiry = emu.tokens.get(token)
        if expiry is None or emu.clock() >= expiry:
            self._error(401, "FRAMEWORK__UNAUTHORIZED", "The resource owner or authorization server denied the "
                                                        "request.")
            return
        if path == "/api/search/order":
            try:
                answer = emu.search(body)
            except (ValueError, KeyError, TypeError) as exc:
                self._error(400, "FRAMEWORK__INVALID_CRITERIA", str(exc))
                return
            if "application/json" in (self.headers.get("Accept") or ""):
                self._reply(200, answer)
            else:
                self._reply(200, {"data": [{"type": "order", "id": o["id"], "attributes": o}
                                           for o in answer["data"]], "meta": {"total": answer["total"]}},
                            content_type="application/vnd.api+json")
            return
        self._error(404, "FRAMEWORK__ROUTE_NOT_FOUND", f"No route found for {path}.")


ShopwareEmulator.handler = _Handler
