"""A Magento 2 REST API over real HTTP: just what the orders client needs.

    emu = MagentoEmulator(access_token="integration-token").start()
    emu.add_order(emu.make_order(entity_id=1, updated=datetime(...)))
    emu.base_url                                # http://127.0.0.1:<port>

Auth: `Authorization: Bearer <access_token>`; anything else → 401 `{"message": "The consumer isn't
authorized to access %resources.", "parameters": {"resources": "Magento_Sales::actions_view"}}`.

Endpoints:
- `GET /rest/V1/orders` — searchCriteria: `filter_groups[g][filters][f][field|value|condition_type]`
  (filters of one group are ORed, groups ANDed; conditions eq, neq, gt, gteq, lt, lteq; fields compared as
  strings, which orders "Y-m-d H:i:s" correctly), `sortOrders[n][field|direction]`, `pageSize`,
  `currentPage`. Answer `{"items", "search_criteria", "total_count"}`. Like Magento, a `currentPage` beyond
  the last page answers the last page again.
- `GET /rest/V1/orders/{id}` — 404 `{"message": "The entity that was requested doesn't exist. Verify the
  entity and try again."}`.

`fail_next(status, count, retry_after=None)` answers the next authorised requests with an error;
`requests` logs every request (method, path, query), `unauthorized` counts refused ones.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, urlsplit

from sandbox.loopback import LoopbackServer

PREFIX = "/rest/V1/"
_CRITERIA = re.compile(r"^searchCriteria\[(\w+)\](.*)$")
_INDEX = re.compile(r"\[(\w+)\]")
_CONDITIONS = {"eq": lambda a, b: a == b, "neq": lambda a, b: a != b, "gt": lambda a, b: a > b,
               "gteq": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lteq": lambda a, b: a <= b}


def magento_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


class MagentoEmulator(LoopbackServer):
    name = "magento-emulator"

    def __init__(self, access_token: str = "integration-token"):  # noqa: S107
        self.access_token = access_token
        self.lock = threading.RLock()
        self.orders: dict[int, dict] = {}
        self.requests: list[dict] = []
        self.unauthorized = 0
        self._faults: list[tuple[int, float | None]] = []

    # ---- lifecycle ----

    def fail_next(self, status: int = 503, count: int = 1, retry_after: float | None = None) -> None:
        with self.lock:
            self._faults.extend([(status, retry_after)] * count)

    # ---- orders ----

    @staticmethod
    def make_order(entity_id: int, updated: datetime, *, sku: str = "MB-01", price: str = "40.00",
                   qty: int = 1, tax_percent: str = "25", shipping: str = "5.00") -> dict:
        """A REST order entity: one simple item (net price, tax on top), flat-rate shipping with tax."""
        rate = float(tax_percent) / 100
        row = round(float(price) * qty, 2)
        tax, ship_tax = round(row * rate, 2), round(float(shipping) * rate, 2)
        total = round(row + tax + float(shipping) + ship_tax, 2)
        stamp = magento_time(updated)
        money = {"subtotal": row, "tax_amount": round(tax + ship_tax, 2), "shipping_amount": float(shipping),
                 "shipping_tax_amount": ship_tax, "shipping_incl_tax": float(shipping) + ship_tax,
                 "discount_amount": 0, "grand_total": total}
        return {
            "entity_id": entity_id, "increment_id": f"{entity_id:09d}", "state": "processing",
            "status": "processing", "created_at": stamp, "updated_at": stamp,
            "base_currency_code": "EUR", "order_currency_code": "EUR", "store_id": 1,
            "customer_email": "customer@example.com", "customer_is_guest": 1,
            "customer_firstname": "Test", "customer_lastname": "Person",
            **money, **{f"base_{k}": v for k, v in money.items()},
            "shipping_description": "Flat Rate - Fixed",
            "items": [{"item_id": entity_id * 10, "order_id": entity_id, "sku": sku, "name": f"Product {sku}",
                       "product_type": "simple", "product_id": 1, "qty_ordered": qty, "price": float(price),
                       "base_price": float(price), "row_total": row, "base_row_total": row,
                       "tax_percent": float(tax_percent), "tax_amount": tax, "base_tax_amount": tax,
                       "discount_amount": 0, "base_discount_amount": 0}],
            "billing_address": {"firstname": "Test", "lastname": "Person", "street": ["Storgatan 1"],
                                "city": "Stockholm", "postcode": "11122", "country_id": "SE",
                                "email": "customer@example.com", "telephone": "+15555550100"},
            "payment": {"method": "checkmo"},
            "extension_attributes": {"shipping_assignments": [{"shipping": {"method": "flatrate_flatrate"}}]},
        }

    def add_order(self, order: dict) -> dict:
        with self.lock:
            self.orders[int(order["entity_id"])] = order
        return order

    def touch_order(self, entity_id: int, updated: datetime) -> None:
        with self.lock:
            self.orders[entity_id]["updated_at"] = magento_time(updated)

    def search(self, query: list[tuple[str, str]]) -> dict:
        groups: dict[str, dict[str, dict]] = {}
        sorts: dict[str, dict] = {}
        page_size, current = 20, 1
        for key, value in query:
            match = _CRITERIA.match(key)
            if not match:
                continue
            kind, rest = match.group(1), _INDEX.findall(match.group(2))
            if kind == "filter_groups" and len(rest) == 4:
                groups.setdefault(rest[0], {}).setdefault(rest[2], {})[rest[3]] = value
            elif kind == "sortOrders" and len(rest) == 2:
                sorts.setdefault(rest[0], {})[rest[1]] = value
            elif kind == "pageSize":
                page_size = int(value)
            elif kind == "currentPage":
                current = int(value)
        with self.lock:
            found = [o for o in self.orders.values() if all(
                any(_CONDITIONS[f.get("condition_type", "eq")](str(o.get(f["field"], "")), f.get("value", ""))
                    for f in group.values()) for group in groups.values())]
        for key in sorted(sorts, key=int, reverse=True):  # stable sorts, least significant first
            field, descending = sorts[key]["field"], sorts[key].get("direction", "ASC").upper() == "DESC"
            found.sort(key=lambda o, f=field: (str(o.get(f, "")).zfill(20) if f.endswith("_id")
                                               else str(o.get(f, ""))), reverse=descending)
        last_page = max(1, -(-len(found) // page_size))
        page = min(current, last_page)  # Magento answers a page beyond the end with the last page
        items = found[(page - 1) * page_size: page * page_size]
        return {"items": json.loads(json.dumps(items)), "search_criteria": {"current_page": current,
                                                                          "page_size": page_size},
                "total_count": len(found)}


class _Handler(BaseHTTPRequestHandler):
    emulator: MagentoEmulator

    def log_message(self, *args) -> None:  # quiet
        pass

    def _reply(self, status: int, body, headers: dict | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        emu = self.emulator
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        with emu.lock:
            emu.requests.append({"method": "GET", "path": url.path, "query": dict(query)})
        if self.headers.get("Authorization") != f"Bearer {emu.access_token}":
            with emu.lock:
                emu.unauthorized += 1
            self._reply(401, {"message": "The consumer isn't authorized to access %resources.",
                              "parameters": {"resources": "Magento_Sales::actions_view"}})
            return
        with emu.lock:
            fault = emu._faults.pop(0) if emu._faults else None
        if fault:
            status, retry_after = fault
            self._reply(status, {"message": "Service Unavailable"},
                        {"Retry-After": str(retry_after)} if retry_after is not None else None)
            return
        if not url.path.startswith(PREFIX):
            self._reply(404, {"message": "Request does not match any route."})
            return
        route = url.path[len(PREFIX):].strip("/")
        if route == "orders":
            self._reply(200, emu.search(query))
            return
        match = re.fullmatch(r"orders/(\d+)", route)
        if match:
            with emu.lock:
                order = emu.orders.get(int(match.group(1)))
            if order is None:
                self._reply(404, {"message": "The entity that was requested doesn't exist. Verify the entity and "
                                             "try again."})
            else:
                self._reply(200, order)
            return
        self._reply(404, {"message": "Request does not match any route."})


MagentoEmulator.handler = _Handler
