"""The Brink Commerce API the bridge calls: the legacy v1 services with an API key.

    client = client_for(shop)                  # API key from the app setting named by shop.api_token_setting
    order = client.order("f3a1…")              # a Brink Order (the shape parse.parse_order reads), None if none
    found = client.products(["SKU-1", …])      # {id: product} of the ids Brink knows
    client.set_stock("SKU-1", 12)              # absolute stock of one product

Endpoint: `shop.url` is the API host, `https://api.<env>.brinkcommerce.com` (contract 2 [V: B5, B6a]).
Auth: header `x-api-key` [V: B5, B6a]; the key is never logged. Rate limits are per merchant (Merchant Portal →
Settings → Usage plan); a 429 or 5xx is retried by the shared `send` (Retry-After honoured), then Retryable.

What is verified and what is our reading (docs/platforms.md, Brink, says the same to the operator):
- stock: `PUT /productv1/stocks {"productId", "stock"}`, one product per call [V: B6a]. Absolute quantities
  [V: B4]. Which status an unknown product gets is not documented: 404 is read as "no such product".
- products: `GET /productv1/products?ids=a,b` (docs.brinkcommerce.com/models/, B5); the answer is read as
  `{"products": [...]}`, the wrapper the product service answers its writes with [V: B6a
  BrinkProductResponseWrapper], or a bare list [U: the GET's shape]; each product has `id`. Used to find which
  SKUs Brink has before writing stock.
- orders: the GET path of an order is **unverified** (contract 2.1: "Ask Brink for the Order Management
  OpenAPI"). This client reads `GET /orderv1/orders/{orderId}` under the documented v1 service `orderv1` and
  expects the Order object of the newer events (a 404 = no such order). Only the legacy id-only webhook needs
  it: the newer OrderCreated/OrderUpdated events carry the whole order and are imported without a call.
- deliveries (shipments): the endpoint that creates a delivery and its tracking fields are **unverified**
  (contract 2.3). This client reads `GET` / `POST /orderv1/orders/{orderId}/deliveries`, with a body modelled on
  the verified OrderDelivered event (`orderLines`, `shippingFees`, `shippingProvider`), plus our `reference` (the
  BC shipment number, so a delivery is never created twice). A 404/405 on that path ends as NeedsAttention
  naming it as unverified.
- prices: the per-variant body `{storeGroupId, productVariantId, productVariantPrices: [{basePriceAmount,
  salePriceAmount, countryCode}]}` in minor units is verified [V: B6b]; its HTTP path and auth are not (contract
  2.4). This client sends it with `PUT /price/product-variant-prices` and the same API key; a 404/405 names the
  path as unverified.
- no list of orders changed since a time is documented, so there is no reconcile of Brink orders.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote

import httpx

from core.config import Shop
from core.errors import NeedsAttention
from core.platforms import http as http_retry
from core.platforms.credentials import api_token

ORDER_PATH = "/orderv1/orders/{order_id}"  # [U] contract 2.1
PRODUCTS_PATH = "/productv1/products"  # B5 /models/
STOCK_PATH = "/productv1/stocks"  # [V: B6a]
DELIVERIES_PATH = "/orderv1/orders/{order_id}/deliveries"  # [U] contract 2.3
PRICES_PATH = "/price/product-variant-prices"  # [U] contract 2.4 (the body is verified, the path is not)
IDS_PER_LOOKUP = 50  # ids per GET ?ids= (keeps the URL short; Brink documents no limit)


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> BrinkClient:
    """A client for `shop`; `shop.api_token_setting` names the setting holding the Brink API key."""
    name, key = api_token(shop, settings, what="a Brink API key",
                          how_to_get="Brink Merchant Portal, by a user admin; the key needs the order and product "
                                     "services")
    api = BrinkClient(shop.url, key, key_setting=name, **options)
    api.store_group_id, api.countries = shop.products.store_group_id, [c.upper() for c in shop.products.countries]
    return api


class BrinkClient:
    def __init__(self, url: str, api_key: str, *, key_setting: str = "the API key setting", timeout: float = 30.0,
                 max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self._setting = key_setting
        self.store_group_id, self.countries = "", []  # where prices go ([shops.products]); set by client_for
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._http = httpx.Client(base_url=url.rstrip("/"), transport=transport,
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"x-api-key": api_key, "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> BrinkClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = http_retry.send(self._http, method, path, shop_name="Brink", max_attempts=self._max_attempts,
                                   sleep=self._sleep, **kwargs)
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Brink refused the API key ({response.status_code} on {method} {path.split('?')[0]}).",
                resolution=f"check that {self._setting} holds a valid Brink API key for this environment with "
                           "access to the order and product services (Merchant Portal, user admins only)",
                code="shop_auth_failed")
        return response

    @staticmethod
    def _refused(response: httpx.Response, what: str) -> NeedsAttention:
        return NeedsAttention(
            f"Brink answered {response.status_code} to {what}: {response.text[:300]}",
            resolution="check the shop URL (https://api.<env>.brinkcommerce.com) and what the message names; if "
                       "it persists, report it with this message",
            code="shop_api_error")

    def _json(self, response: httpx.Response, what: str):
        try:
            return response.json()
        except ValueError:
            raise self._refused(response, what) from None

    def order(self, order_id: str) -> dict | None:
        """The Brink Order with this id, None when Brink has none (see the module docstring: path [U])."""
        response = self._send("GET", ORDER_PATH.format(order_id=quote(str(order_id), safe="")))
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise self._refused(response, f"the order look-up of {order_id}")
        body = self._json(response, f"the order look-up of {order_id}")
        if not isinstance(body, dict):
            raise self._refused(response, f"the order look-up of {order_id} (not an order object)")
        return body

    def products(self, ids: Iterable[str]) -> dict[str, dict]:
        """{id: product} for the ids Brink knows (several ids per call)."""
        wanted = list(dict.fromkeys(str(i) for i in ids if str(i)))
        found: dict[str, dict] = {}
        for start in range(0, len(wanted), IDS_PER_LOOKUP):
            chunk = wanted[start:start + IDS_PER_LOOKUP]
            response = self._send("GET", PRODUCTS_PATH, params={"ids": ",".join(chunk)})
            if response.status_code == 404:
                continue  # none of them
            if response.status_code >= 400:
                raise self._refused(response, "the product look-up")
            body = self._json(response, "the product look-up")
            # the product service answers its lists as {"products": [...]} [V: B6a, for its writes]; a bare list
            # is read too, as the GET's shape is not documented
            rows = body.get("products") if isinstance(body, dict) else body
            rows = rows if isinstance(rows, list) else []
            found.update({str(row["id"]): row for row in rows
                          if isinstance(row, dict) and str(row.get("id")) in chunk})
        return found

    def set_stock(self, product_id: str, quantity: int) -> httpx.Response:
        """PUT the absolute stock of one product. Returns the answer; auth failures raise, other statuses are the
        caller's to read (the stock writer tells an unknown product from a refused value)."""
        return self._send("PUT", STOCK_PATH, json={"productId": product_id, "stock": quantity})

    def _unverified(self, response: httpx.Response, what: str, path: str) -> NeedsAttention:
        return NeedsAttention(
            f"Brink answered {response.status_code} to {what} ({path.split('?')[0]}, a path this version could not "
            f"verify in Brink's documentation): {response.text[:300]}",
            resolution="ask Brink for the Order Management API's delivery endpoint and compare it with "
                       "docs/platforms.md (Brink); until then remove \"shipments\" from this shop's flows and "
                       "create deliveries in the Merchant Portal",
            code="shop_api_unverified")

    def deliveries(self, order_id: str) -> list[dict]:
        """The deliveries of an order (path [U], see the module docstring)."""
        path = DELIVERIES_PATH.format(order_id=quote(str(order_id), safe=""))
        response = self._send("GET", path)
        if response.status_code in (404, 405):
            raise self._unverified(response, f"the delivery list of order {order_id}", path)
        if response.status_code >= 400:
            raise self._refused(response, f"the delivery list of order {order_id}")
        body = self._json(response, f"the delivery list of order {order_id}")
        return [row for row in body if isinstance(row, dict)] if isinstance(body, list) else []

    def create_delivery(self, order_id: str, body: dict) -> dict:
        """Create one delivery of an order (path and body [U], see the module docstring)."""
        path = DELIVERIES_PATH.format(order_id=quote(str(order_id), safe=""))
        response = self._send("POST", path, json=body)
        if response.status_code in (404, 405):
            raise self._unverified(response, f"the delivery of order {order_id}", path)
        if response.status_code >= 400:
            raise NeedsAttention(
                f"Brink refused the delivery of order {order_id} ({response.status_code}): {response.text[:300]}",
                resolution="check the order in Brink (cancelled, or delivered by hand?); deliver it there by hand "
                           "or retry this record",
                code="shop_rejected")
        answer = self._json(response, f"the delivery of order {order_id}")
        return answer if isinstance(answer, dict) else {}

    def set_prices(self, body: dict) -> httpx.Response:
        """PUT one variant's prices (body [V: B6b], path [U]). Returns the answer for the writer to read per
        variant; a 404/405 (the unverified path itself is wrong) raises, as every call would fail alike."""
        response = self._send("PUT", PRICES_PATH, json=body)
        if response.status_code in (404, 405):  # discover() found the variant: a 404 here is the path
            raise self._unverified(response, "the price update", PRICES_PATH)
        return response
