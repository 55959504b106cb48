"""The Geins Management API ("Sonora"): orders for id-only webhooks and the reconcile, stock, shipments.

    client = client_for(shop)                   # credentials from the app setting named by shop.api_token_setting
    order = client.order(12345)                 # the order (PascalCase, what parse.parse_order reads) or None
    for order in client.orders_updated_between(since, until):
        ...

Endpoint: `shop.url` is the Management API host (`https://mgmtapi.geins.io`); `/API` is appended unless the
URL already ends with it. Auth [contract 3, G1/G3]: every request sends `X-ApiKey: <key>` and HTTP Basic
`<user>:<password>` of an API user made in Merchant Center. The app setting holds all three as
`<api key>:<user>:<password>` (the password is everything after the second colon, so it may contain colons).
A 401 `{"Message":"Unauthorized"}` → NeedsAttention("shop_auth_failed"). No rate limit is documented
[contract 3: U]; 429 and 5xx are retried by the shared `send` (Retry-After honoured), then Retryable.

Orders [contract 3.1]: `GET /API/Order/{id}/paymentdetails,shippingdetails,refunds` (404 → None).
The reconcile uses the paged listing `POST /API/Order/Query/{page}`: page 1 carries the filters
(`UpdatedAfter`, `UpdatedBefore`, `Include`) and opens a batch; pages ≥ 2 send only `{"BatchId": …}`. The
contract warns that rows "may be duplicated or skipped if data changes between pages", so a walk is only
trusted when it is clean: every page reports the same `RowCount` as page 1 and the distinct orders read
equal that count. An order that leaves the result while we page (it changed, so its UpdatedAt moved past
the window) shrinks the count and makes the walk unclean; the window is then walked again as a new batch
and only orders not yet yielded are yielded. After WALK_ATTEMPTS unclean walks the call raises Retryable,
so the reconcile cursor does not advance past a window that may have lost an order.

Window mapping [U]: the documentation says "orders updated after the provided date" and "before" without
saying whether the bounds are inclusive or in which time zone naive timestamps are. We send whole seconds,
`UpdatedAfter = since − 1 s` (rounded down) and `UpdatedBefore = until` (rounded up), in UTC with a `Z`, and do
NOT filter the answer
again on our side (a Geins timestamp without an offset could be local time; refiltering on a wrong reading
would drop orders for good). Effect: [since, until) is covered, an order at a bound may come twice (the
orders flow drops unchanged duplicates by fingerprint), and the reconcile overlap covers clock skew.

Stock [3.2], shipments [3.3], prices [3.4]: `set_stock`, `update_order`, `create_parcel_group`, `add_comment`,
`price_lists`, `set_prices`.

Customers (the contract is silent; source G4 = github geins-io/sonora-agent-plugins @b51bab18
plugins/sonora/skills/mgmtapi/references/user.md, generated from the Management API spec, and G2 docs/UserApi.md):
`user(id)` reads `GET /API/User/{userId}` (or `GET /API/User/{email}`), answered as an envelope
`{Resource: User.Models.Read.SingleUserProfile, Message, Details}`; 404 → None [U: the 404 for a user that does
not exist is not documented; read as for orders]. The customers reconcile lists profiles changed since a time
with `POST /API/User/Query/{page}` (`UserProfileQuery`: UpdatedAfter, no UpdatedBefore; batches as for orders).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from core.config import Shop
from core.errors import NeedsAttention, Retryable
from core.platforms import http as http_retry
from core.platforms.credentials import api_token
from core.platforms.payload import text

API_PATH = "/API"
ORDER_INCLUDE = "paymentdetails,shippingdetails,refunds"
WALK_ATTEMPTS = 3
MAX_PAGES = 10_000  # of 1000 orders: a listing that never ends is not followed for ever
STOCK_BATCH = 1000  # [U] no limit is documented for PUT Product/Stock; sibling batch calls allow 10,000
HOW_TO_GET = ('"<api key>:<user>:<password>": the API key of the Geins account and an API user made in '
              "Merchant Center (Settings → API users)")


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.lower().endswith(API_PATH.lower()) else url + API_PATH


def credentials(value: str) -> tuple[str, str, str] | None:
    """(api key, user, password) from "<key>:<user>:<password>"; None when a part is missing."""
    key, _, rest = value.partition(":")
    user, _, password = rest.partition(":")
    if not key.strip() or not user.strip() or not password:
        return None
    return key.strip(), user.strip(), password


def client_for(shop: Shop, settings: Mapping[str, str] | None = None, **options) -> GeinsClient:
    """A client for `shop`; `shop.api_token_setting` names the setting with "<api key>:<user>:<password>"."""
    name, value = api_token(shop, settings, what="the Geins API key and API user", how_to_get=HOW_TO_GET)
    parts = credentials(value)
    if parts is None:
        raise NeedsAttention(f'The app setting {name} is not "<api key>:<user>:<password>".',
                             resolution=f"set {name} to {HOW_TO_GET}, in the Function App's settings (a Key Vault "
                                        "reference) or in local.settings.json for local runs",
                             code="missing_setting")
    listed = shop.products.shop_price_list.strip()
    if listed and not listed.isdigit():
        raise NeedsAttention(f'shop_price_list "{listed}" of shop "{shop.key}" is no Geins price list id.',
                             resolution=f'set shop_price_list in [shops.products] of shop "{shop.key}" to the number '
                                        "of the Geins price list (the ordinary list of market 1 is 1000000)",
                             code="geins_price_list_missing")
    return GeinsClient(shop.url, *parts, credentials_setting=name, price_list=int(listed) if listed else None,
                       prices_include_tax=shop.products.prices_include_tax, **options)


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("orders_updated_between needs timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GeinsClient:
    def __init__(self, url: str, api_key: str, user: str, password: str, *,
                 credentials_setting: str = "the Geins credentials setting", timeout: float = 30.0,
                 max_attempts: int = 5, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, price_list: int | None = None,
                 prices_include_tax: bool = True):
        self._setting = credentials_setting
        self.price_list = price_list  # [shops.products] shop_price_list: where prices are written
        self.prices_include_tax = prices_include_tax
        self._max_attempts = max_attempts
        self._sleep = sleep
        self._http = httpx.Client(base_url=endpoint(url), transport=transport, auth=(user, password),
                                  timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                                  headers={"X-ApiKey": api_key, "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GeinsClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- transport ----

    def call(self, method: str, path: str, *, what: str, missing_ok: bool = False, **kwargs):
        """The decoded JSON answer; 404 → None when `missing_ok`; 401/403 and other 4xx → NeedsAttention."""
        response = http_retry.send(self._http, method, path, shop_name="Geins", max_attempts=self._max_attempts,
                                   sleep=self._sleep, **kwargs)
        if response.status_code in (401, 403):
            raise NeedsAttention(
                f"Geins refused the API credentials ({response.status_code}) for {what}.",
                resolution=f"check that {self._setting} holds {HOW_TO_GET}, for this Geins account, and that the "
                           "API user may use the Management API",
                code="shop_auth_failed")
        if response.status_code == 404 and missing_ok:
            return None
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = ""
            if isinstance(body, dict):
                details = body.get("Details") if isinstance(body.get("Details"), list) else []
                detail = "; ".join([text(body.get("Message"))] + [text(d) for d in details if text(d)])
            raise NeedsAttention(
                f"Geins answered {response.status_code} to {what}: {detail or response.text[:300]}",
                resolution="check the shop URL (the Management API host, https://mgmtapi.geins.io) and the data "
                           "the message names; if it persists, report it with this message",
                code="shop_api_error")
        return body

    # ---- orders ----

    def order(self, order_id: int | str) -> dict | None:
        """The order with this id (rows, payment and shipping details, refunds), None when Geins has none."""
        value = text(order_id)
        if not value.isdigit():
            raise NeedsAttention(f"{value!r} is not a Geins order id.",
                                 resolution="check the stored webhook body; Geins names orders by their numeric id",
                                 code="malformed_payload")
        body = self.call("GET", f"/Order/{int(value)}/{ORDER_INCLUDE}", what=f"order {value}", missing_ok=True)
        if isinstance(body, dict) and isinstance(body.get("Resource"), dict) and "Id" not in body:
            body = body["Resource"]  # tolerate an envelope around the order
        return body if isinstance(body, dict) else None

    def _query_page(self, page: int, body: dict, entity: str = "Order") -> tuple[list[dict], dict]:
        kind = entity.lower()
        answer = self.call("POST", f"/{entity}/Query/{page}", json=body, what=f"the {kind} query (page {page})")
        if not isinstance(answer, dict) or not isinstance(answer.get("PageResult"), dict):
            raise NeedsAttention(
                f"Geins answered the paged {kind} query (page {page}) without a PageResult.",
                resolution="check the shop URL (the Management API host); if it persists, report it",
                code="shop_api_error")
        rows = answer.get("Resource") if isinstance(answer.get("Resource"), list) else []
        return [r for r in rows if isinstance(r, dict)], answer["PageResult"]

    def _walk(self, filters: dict, entity: str = "Order", id_key: str = "Id") -> tuple[list[dict], bool]:
        """One batch walk of `POST /API/{entity}/Query/{page}`: (rows in the order read, clean?)."""
        orders, page, batch, first_count, clean, ids = [], 1, None, None, True, set()
        while True:
            rows, result = self._query_page(page, filters if page == 1 else {"BatchId": batch}, entity)
            if page == 1:
                batch, first_count = text(result.get("BatchId")), result.get("RowCount")
                last_page = result.get("PageCount") if isinstance(result.get("PageCount"), int) else MAX_PAGES
            elif result.get("RowCount") != first_count:
                clean = False  # the result set changed while we paged
            for row in rows:
                key = text(row.get(id_key))
                if key in ids:
                    clean = False  # a duplicate means rows shifted between pages
                    continue
                ids.add(key)
                orders.append(row)
            page_count = result.get("PageCount")
            more = result.get("HasMoreRows")
            if not rows or not (more if more is not None else isinstance(page_count, int) and page < page_count):
                break
            if page >= min(last_page, MAX_PAGES):  # more pages than page 1 announced: the set grew, walk again
                clean = False
                break
            if not batch:
                raise NeedsAttention(f"Geins answered page 1 of the paged {entity.lower()} query without a BatchId.",
                                     resolution="report it with this message; the reconcile cannot page safely",
                                     code="shop_api_error")
            page += 1
        if not isinstance(first_count, int) or len(ids) != first_count:
            clean = False
        return orders, clean

    def orders_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every order Geins lists as updated in [since, until) (see the module docstring for the bounds),
        each once, in the order read; re-walks the batch until one walk was clean."""
        # whole seconds on the wire: the lower bound rounds down, the upper one up, so [since, until) is inside
        upper = until if until.microsecond == 0 else until + timedelta(seconds=1)
        filters = {"UpdatedAfter": _utc(since - timedelta(seconds=1)), "UpdatedBefore": _utc(upper),
                   "Include": ORDER_INCLUDE}
        yield from self._walk_until_clean(filters, "Order", "Id", "order")

    def customers_updated_between(self, since: datetime, until: datetime) -> Iterator[dict]:
        """Every user profile Geins lists as updated after `since` (`POST /API/User/Query/{page}` with
        `UpdatedAfter` [G4 user.md, UserProfileQuery]), each once, walked and re-walked like the orders. The
        query has no UpdatedBefore, so profiles changed after `until` come too (the customers flow drops
        unchanged ones by fingerprint); inactive users are left out (the query's default)."""
        filters = {"UpdatedAfter": _utc(since - timedelta(seconds=1))}
        yield from self._walk_until_clean(filters, "User", "UserId", "user")

    def _walk_until_clean(self, filters: dict, entity: str, id_field: str, what: str) -> Iterator[dict]:
        """Each row of a paged query once: walked again while the listing changed under the walk (its batch moved),
        up to WALK_ATTEMPTS times; then Retryable, so the reconcile reads the window again next run."""
        yielded: set[str] = set()
        for _attempt in range(WALK_ATTEMPTS):
            rows, clean = self._walk(filters, entity, id_field)
            for row in rows:
                key = text(row.get(id_field))
                if key not in yielded:
                    yielded.add(key)
                    yield row
            if clean:
                return
        raise Retryable(f"The Geins {what} listing changed while it was read, {WALK_ATTEMPTS} times in a row; the "
                        "reconcile window is read again next run.", retry_after=60)

    def update_order(self, order_id: int | str, fields: dict) -> None:
        """PATCH /API/Order/{id}: only the fields sent change (ParcelNumber, ExternalId, …) [contract 3.3]."""
        self.call("PATCH", f"/Order/{int(text(order_id))}", json=fields, what=f"the update of order {order_id}")

    def add_comment(self, order_id: int | str, comment: str) -> None:
        self.call("POST", f"/Order/{int(text(order_id))}/Comment",
                  json={"OrderId": int(text(order_id)), "Comment": comment, "System": False},
                  what=f"a comment on order {order_id}")

    def create_parcel_group(self, order_ids: list[int], *, row_ids: list[int] | None = None, mark_delivered: bool,
                            send_email: bool) -> str:
        """POST /API/Shipping/ParcelGroup for the orders in `OrderIds` (required), limited to some of their rows
        by `OrderRowIds` ("partial"; none: every row not yet delivered); the new parcel group's id [contract 3.3;
        G1 shipping.md ParcelGroupOptions]."""
        if not order_ids:
            raise ValueError("a Geins parcel group needs the order ids (OrderIds is required)")
        answer = self.call("POST", "/Shipping/ParcelGroup",
                           what=f"the parcel group of order(s) {order_ids or ''} row(s) {row_ids or ''}",
                           json={"OrderIds": order_ids, "OrderRowIds": row_ids or [], "MarkAsDelivered": mark_delivered,
                                 "SendDeliveryEmail": send_email, "SignalCapturesCreated": False, "Force": False})
        return text((answer or {}).get("Resource")) if isinstance(answer, dict) else ""

    # ---- customers ----

    def user(self, user_id: int | str) -> dict | None:
        """The user profile (PascalCase, what parse.parse_customer reads) by numeric id, or by e-mail address
        when the webhook named one [G4: both routes exist]; None when Geins has none."""
        value = text(user_id)
        if value.isdigit():
            path = f"/User/{int(value)}"
        elif "@" in value and "/" not in value:
            path = f"/User/{quote(value, safe='@')}"
        else:
            raise NeedsAttention(f"{value!r} is neither a Geins user id nor an e-mail address.",
                                 resolution="check the stored webhook body; Geins names customers by their numeric "
                                            "user id (the {{id}} placeholder of a Customer webhook)",
                                 code="malformed_payload")
        body = self.call("GET", path, what=f"user {value}", missing_ok=True)
        if isinstance(body, dict) and isinstance(body.get("Resource"), dict):
            body = body["Resource"]  # Envelope-User.Models.Read.SingleUserProfile [G4]
        elif isinstance(body, dict) and "UserId" not in body:
            body = None  # an envelope without a profile: Geins has no such user
        return body if isinstance(body, dict) else None

    # ---- stock ----

    def set_stock(self, rows: list[dict]) -> dict:
        """PUT /API/Product/Stock?productItemIdType=1 (article numbers), absolute values [contract 3.2].
        The StockEnvelope `{Message, Invalid[], NotFound[], UpdateCount}` (unwrapped from `Resource`)."""
        answer = self.call("PUT", "/Product/Stock", params={"productItemIdType": 1}, json=rows,
                           what=f"the stock update of {len(rows)} item(s)")
        if isinstance(answer, dict) and isinstance(answer.get("Resource"), dict):
            answer = answer["Resource"]
        if not isinstance(answer, dict):
            raise NeedsAttention("Geins answered the stock update without a result.",
                                 resolution="check the item stock in Merchant Center; the next run writes again",
                                 code="shop_api_error")
        return answer

    def stock(self, item_ids: list[int]) -> list[dict]:
        """POST /API/Product/Stock/Query [itemIds] → [{ItemId, Stock, StockOversellable, StockStatic, …}]."""
        answer = self.call("POST", "/Product/Stock/Query", json=item_ids, what="the stock query")
        if isinstance(answer, dict):
            answer = answer.get("Resource")
        return [r for r in answer or [] if isinstance(r, dict)]

    # ---- prices ----

    def price_lists(self) -> list[dict]:
        """GET /API/PriceList/List: every price list definition {Id, Currency, ExVat, Active, …} [G1 pricelist]."""
        answer = self.call("GET", "/PriceList/List", what="the price list definitions")
        if isinstance(answer, dict):
            answer = answer.get("Resource")
        return [r for r in answer or [] if isinstance(r, dict)]

    def set_prices(self, rows: list[dict], *, include_vat: bool) -> dict:
        """PUT /API/PriceList/Price?productIdType=1&pricesIncVat=… [contract 3.4]: `{Message, Invalid[],
        NotFound[], UpdateCount}` (unwrapped from `Resource` if Geins wraps it)."""
        answer = self.call("PUT", "/PriceList/Price", json=rows,
                           params={"productIdType": 1, "pricesIncVat": "true" if include_vat else "false"},
                           what=f"the price update of {len(rows)} product(s)")
        if isinstance(answer, dict) and isinstance(answer.get("Resource"), dict):
            answer = answer["Resource"]
        if not isinstance(answer, dict):
            raise NeedsAttention("Geins answered the price update without a result.",
                                 resolution="check the prices in Merchant Center; the next run writes again",
                                 code="shop_api_error")
        return answer
