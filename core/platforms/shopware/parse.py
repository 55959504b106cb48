"""Shopware 6 orders (Admin API entity, Store API order, or the `order` of a business-event webhook) →
canonical Order.

Accepted shapes: the order entity; `{"data": {…}}` (GET /api/order/{id}); a search result with exactly one
order (`{"total", "data": [order]}`); an app webhook whose `data.payload.order` is the order. The orders
worker calls `load_order`, which also takes the id-only `order.written` webhook: it reads the order named
there with the Admin API (client.order) and parses that; every other body is parsed as it is.

What to know:
- Every amount is in the order's currency (`currency.isoCode`; Shopware keeps no copy in the default
  currency, `currencyFactor` is only the rate used at checkout), so the order is imported in that currency
  whatever `currency_basis` says; BC converts foreign-currency documents with its own exchange rates.
  `shop_currency` is filled only when the order is in Shopware's default currency (Defaults::CURRENCY).
- `taxStatus` (top level, else `price.taxStatus`): "gross" → unit prices include tax, "net" → they
  exclude it, "tax-free" → no tax. Without it the status is inferred: positions adding up to `amountNet`
  mean net, else gross.
- Lines: only root line items count (a container's children are in its price). `product` lines are items
  (SKU = `payload.productNumber`, variant = `productId`, options as the variant title); `promotion` lines
  are discounts; other positive lines (custom, surcharges) are fee lines, other negative ones (credit)
  order discounts. Amounts come from `price` (`unitPrice`, `quantity`, `totalPrice`, `calculatedTaxes`),
  else from the top-level fields.
- Promotions are spread over the product lines: by `payload.composition` (Shopware's own per-line
  split) when it names the lines, else per tax rate by the promotion's `calculatedTaxes` (the amount it
  took at each rate), proportionally to the lines of that rate, to the cent, the last line taking the
  remainder. What cannot be placed on a line is an unallocated (header) discount.
- Shipping: one line per delivery (`shippingCosts`); when Shopware split its tax over several rates
  ("auto" shipping tax), one line per rate, so each BC line has one tax code. Without deliveries the
  order's `shippingCosts` are used.
- Tax total = `amountTotal − amountNet` (else the sum of `price.calculatedTaxes`).
- B2B: a customer with `accountType` "business" is a company customer; a company name alone is not.
- Paid = the last transaction's state is paid; cancelled = order state cancelled.

Customers (the customers flow, shop → BC): `parse_customer` / `parse_customer_addresses` read the Admin API
customer entity (`POST /api/search/customer`, `GET /api/customer/{id}` as `{"data": …}`) or a webhook whose
`data.payload.customer` is one. `customer.written` names only ids: `load_customer` reads the customer with
the Admin API first (as `load_order` for `order.written`). The customer shape is Shopware's entity as the
Admin API serialises it (camelCase: customerNumber, accountType, vatIds, defaultBillingAddress, addresses);
the contract does not verify it (docs/platforms.md says so).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from core.config import Shop
from core.errors import NeedsAttention, Skip
from core.models import (
    CENT,
    Address,
    Customer,
    CustomerKind,
    Discount,
    FeeLine,
    Order,
    OrderLine,
    ShippingLine,
    TaxLine,
    Totals,
)
from core.platforms.payload import PARSE_ERRORS, guarded, malformed, money, text, timestamp, with_client
from core.platforms.shopware.webhooks import primary_key

PLATFORM = "shopware"
DEFAULT_CURRENCY_ID = "b7d2554b0ce847cd82f3ac9bd1c0dfca"  # Shopware Defaults::CURRENCY
PAID_STATES = {"paid"}
ZERO = Decimal(0)


@guarded(PLATFORM, "order")
def unwrap(payload) -> dict:
    if not isinstance(payload, dict):
        return payload
    return _entity(payload, "order", "read the order with the Admin API (reconcile run)")


def _entity(payload: dict, name: str, written_hint: str) -> dict:
    """The order or customer a body carries: an app webhook of a business event (`data.payload.<name>`), an
    Admin API read (`data`, or a one-row search result `data[]`), or the entity itself."""
    data = payload.get("data")
    if isinstance(data, dict):
        inner = data.get("payload")
        if isinstance(inner, dict) and isinstance(inner.get(name), dict):
            return inner[name]  # app webhook of a business event
        if "payload" not in data:
            return data  # GET /api/<name>/{id}
        raise malformed(PLATFORM, name, f"the webhook {text(data.get('event'))!r} carries no {name} (entity "
                        f"written events name only ids); {written_hint}")
    if isinstance(data, list):
        if len(data) != 1 or not isinstance(data[0], dict):
            raise malformed(PLATFORM, name, f"a search result with {len(data)} {name}s (parse each of data[])")
        return data[0]
    return payload
    data = payload.get("data")
    if isinstance(data, dict):
        inner = data.get("payload")
        if isinstance(inner, dict) and isinstance(inner.get("order"), dict):
            return inner["order"]  # app webhook of a business event
        if "payload" not in data:
            return data  # GET /api/order/{id}
        raise malformed(PLATFORM, "order", f"the webhook {text(data.get('event'))!r} carries no order (entity "
                        "written events name only ids); read the order with the Admin API (reconcile run)")
    if isinstance(data, list):
        if len(data) != 1 or not isinstance(data[0], dict):
            raise malformed(PLATFORM, "order", f"a search result with {len(data)} orders (parse each of data[])")
        return data[0]
    return payload


def _price(node: dict) -> dict:
    return node.get("price") if isinstance(node.get("price"), dict) else {}


def _amount(node: dict, field: str) -> Decimal:
    """`price.<field>`, else the top-level field."""
    price = _price(node)
    return money(price[field]) if price.get(field) not in (None, "") else money(node.get(field))


def _tax_lines(price: dict) -> list[TaxLine]:
    lines = []
    for tax in price.get("calculatedTaxes") or []:
        if isinstance(tax, dict):
            lines.append(TaxLine(title=f"{money(tax.get('taxRate')).normalize()} %",
                                 rate=(money(tax.get("taxRate")) / 100).normalize(), amount=money(tax.get("tax"))))
    return lines


def _options(node: dict) -> str:
    payload = node.get("payload") if isinstance(node.get("payload"), dict) else {}
    parts = []
    for option in payload.get("options") or []:
        if isinstance(option, dict) and text(option.get("group")):
            parts.append(f"{text(option['group'])}: {text(option.get('option'))}")
    return ", ".join(parts)


def _line_id(node: dict) -> str:
    return text(node.get("id")) or text(node.get("identifier"))


def _product_line(node: dict) -> OrderLine:
    payload = node.get("payload") if isinstance(node.get("payload"), dict) else {}
    quantity = money(_price(node).get("quantity", node.get("quantity")), None)
    return OrderLine(
        external_id=_line_id(node),
        sku=text(payload.get("productNumber")),
        title=text(node.get("label")),
        variant_title=_options(node),
        product_id=text(payload.get("parentId")) or text(node.get("productId")) or text(node.get("referencedId")),
        variant_id=text(node.get("productId")) or text(node.get("referencedId")),
        quantity=quantity,
        unit_price=_amount(node, "unitPrice"),
        tax_lines=_tax_lines(_price(node)),
        requires_shipping=node.get("good") is not False,
    )


def _spread(amount: Decimal, lines: list[OrderLine]) -> list[Decimal]:
    """`amount` over `lines` in proportion to their amounts after earlier discounts, to the cent."""
    bases = [max(line.net_amount, ZERO) for line in lines]
    total = sum(bases, ZERO)
    if not total:
        return [ZERO] * len(lines)
    shares, running, given = [], ZERO, ZERO
    for base in bases:
        running += base
        share = (amount * running / total).quantize(CENT, ROUND_HALF_UP) - given
        given += share
        shares.append(share)
    return shares


def _allocate(promotion: dict, lines: list[OrderLine]) -> Decimal:
    """Put the promotion's amount on the product lines; returns what could not be placed."""
    amount = -_amount(promotion, "totalPrice")
    if amount <= 0 or not lines:
        return max(amount, ZERO)
    payload = promotion.get("payload") if isinstance(promotion.get("payload"), dict) else {}
    by_id = {line.external_id: index for index, line in enumerate(lines)}
    composition = [c for c in payload.get("composition") or [] if isinstance(c, dict)]
    if composition and all(text(c.get("id")) in by_id for c in composition):
        shares = [(by_id[text(c["id"])], money(c.get("discount")).quantize(CENT, ROUND_HALF_UP))
                  for c in composition]
        remainder = amount - sum((s for _, s in shares), ZERO)
        if abs(remainder) <= CENT * len(shares):  # rounding of the composition: the last line takes it
            index, share = shares[-1]
            shares[-1] = (index, share + remainder)
            for index, share in shares:
                lines[index].discount_amount += share
            return ZERO
    left = amount
    for tax in _price(promotion).get("calculatedTaxes") or []:
        if not isinstance(tax, dict):
            continue
        rate = (money(tax.get("taxRate")) / 100).normalize()
        part = min(abs(money(tax.get("price"))), left)
        targets = [line for line in lines if line.tax_rate == rate]
        if not targets or not part:
            continue
        for line, share in zip(targets, _spread(part, targets), strict=True):
            line.discount_amount += share
        left -= part
    if left and not _price(promotion).get("calculatedTaxes"):
        for line, share in zip(lines, _spread(left, lines), strict=True):
            line.discount_amount += share
        left = ZERO
    return left


def _shipping(order: dict) -> list[ShippingLine]:
    sources = []
    for delivery in order.get("deliveries") or []:
        if isinstance(delivery, dict) and isinstance(delivery.get("shippingCosts"), dict):
            method = delivery.get("shippingMethod") if isinstance(delivery.get("shippingMethod"), dict) else {}
            translated = method.get("translated") if isinstance(method.get("translated"), dict) else {}
            title = text(method.get("name")) or text(translated.get("name"))
            code = text(method.get("technicalName")) or title or text(delivery.get("shippingMethodId"))
            sources.append((text(delivery.get("id")), title, code, delivery["shippingCosts"]))
    if not sources and isinstance(order.get("shippingCosts"), dict):
        sources.append(("", "Shipping", "", order["shippingCosts"]))
    lines = []
    for external_id, title, code, costs in sources:
        taxes = _tax_lines(costs)
        total = money(costs.get("totalPrice"))
        if len({t.rate for t in taxes}) > 1:
            for tax, raw in zip(taxes, costs.get("calculatedTaxes") or [], strict=False):
                lines.append(ShippingLine(external_id=external_id, title=f"{title or 'Shipping'} ({tax.title})",
                                          code=code, price=money(raw.get("price")), tax_lines=[tax]))
        elif total or taxes:
            lines.append(ShippingLine(external_id=external_id, title=title or "Shipping", code=code, price=total,
                                      tax_lines=taxes))
    return lines


def _address(node, email: str = "") -> Address:
    if not isinstance(node, dict):
        return Address()
    country = node.get("country") if isinstance(node.get("country"), dict) else {}
    state = node.get("countryState") if isinstance(node.get("countryState"), dict) else {}
    return Address(
        name=f"{text(node.get('firstName'))} {text(node.get('lastName'))}".strip(),
        company=text(node.get("company")),
        line1=text(node.get("street")),
        line2=", ".join(text(node.get(f)) for f in ("additionalAddressLine1", "additionalAddressLine2")
                        if text(node.get(f))),
        city=text(node.get("city")),
        state=text(state.get("shortCode")) or text(state.get("name")),
        postal_code=text(node.get("zipcode")),
        country=text(country.get("iso")).upper(),
        phone=text(node.get("phoneNumber")),
        email=email,
    )


def _addresses(order: dict) -> tuple[dict | None, dict | None]:
    addresses = {text(a.get("id")): a for a in order.get("addresses") or [] if isinstance(a, dict)}
    billing = order.get("billingAddress") or addresses.get(text(order.get("billingAddressId")))
    shipping = None
    for delivery in order.get("deliveries") or []:
        if isinstance(delivery, dict):
            shipping = delivery.get("shippingOrderAddress") or addresses.get(
                text(delivery.get("shippingOrderAddressId")))
            if shipping:
                break
    return billing, shipping


def _customer(order: dict, billing: Address) -> Customer:
    node = order.get("orderCustomer") if isinstance(order.get("orderCustomer"), dict) else {}
    account = node.get("customer") if isinstance(node.get("customer"), dict) else {}
    business = (text(account.get("accountType")) or text(node.get("accountType"))) == "business"
    vat_ids = [text(v) for v in node.get("vatIds") or account.get("vatIds") or [] if text(v)]
    return Customer(
        external_id=text(node.get("customerId")),
        kind=CustomerKind.COMPANY if business else CustomerKind.PERSON,
        email=text(node.get("email")),
        first_name=text(node.get("firstName")),
        last_name=text(node.get("lastName")),
        company_name=text(node.get("company")) or billing.company,
        company_external_id=text(node.get("customerNumber")) if business else "",
        vat_number=vat_ids[0] if vat_ids else "",
        phone=billing.phone,
    )


def _state(node) -> str:
    return text(node.get("technicalName")) if isinstance(node, dict) else ""


def _tax_status(order: dict, roots: list[dict]) -> str:
    status = text(order.get("taxStatus")) or text(_price(order).get("taxStatus"))
    if status:
        return status
    positions = sum((_amount(n, "totalPrice") for n in roots), ZERO)
    net = order.get("amountNet", _price(order).get("netPrice"))
    return "net" if net not in (None, "") and positions == money(net) else "gross"


@guarded(PLATFORM, "webhook body")
def written_orders(body) -> dict[str, set[str]] | None:
    """{order id: its write operations} of an entity-written webhook body (`order.written`); None for any
    other body (an order, a business event)."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("payload"), list):
        return None
    written: dict[str, set[str]] = {}
    for entry in data["payload"]:
        if isinstance(entry, dict) and text(entry.get("entity")) in ("", "order") and primary_key(entry):
            written.setdefault(primary_key(entry), set()).add(text(entry.get("operation")) or "update")
    return written


@guarded(PLATFORM, "order")
def load_order(raw: bytes, shop: Shop, client_factory: Callable | None = None, external_id: str = "") -> Order:
    """The Order behind a stored payload. An `order.written` webhook names only ids: the order (the
    envelope's `external_id` when it is one of them, else the first) is read with the Admin API. Any other
    body (a business event with the order, an order stored by the reconcile run) is parsed as it is."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed(PLATFORM, "order", f"the stored body is not JSON ({exc})") from exc
    written = written_orders(body)
    if written is None:
        return parse_order(body, shop.key, shop.orders.currency_basis)
    if not written:
        raise malformed(PLATFORM, "order", f"the webhook {text(body['data'].get('event'))!r} names no order")
    order_id = external_id if external_id in written else next(iter(written))
    if client_factory is None:
        from core.platforms.shopware.client import client_for as client_factory
    order = with_client(client_factory, shop, lambda api: api.order(order_id))
    if order is None and "delete" in written[order_id]:
        raise Skip(f"Shopware order {order_id} was deleted; there is no order to import.")
    if order is None:
        raise NeedsAttention(
            f"Shopware order {order_id} named by the order.written webhook was not found with the Admin API.",
            resolution=f"check that the integration of shop {shop.key} may read orders (Settings > System > "
            "Integrations) and that the order exists in the Shopware Administration; then retry this record",
            code="order_not_found")
    return parse_order(order, shop.key, shop.orders.currency_basis)


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: Literal["shop", "presentment"] = "shop") -> Order:
    """`currency_basis` is accepted for a uniform signature: Shopware orders have one currency."""
    order = unwrap(payload)
    if not isinstance(order, dict):
        raise malformed(PLATFORM, "order", f"expected a JSON object, got {type(order).__name__}")
    missing = [f for f in ("id", "orderNumber", "lineItems") if order.get(f) in (None, "")]
    if not text(order.get("orderDateTime")) and not text(order.get("createdAt")):
        missing.append("orderDateTime")
    currency = order.get("currency") if isinstance(order.get("currency"), dict) else {}
    if not text(currency.get("isoCode")):
        missing.append("currency.isoCode (load the currency association)")
    if order.get("amountTotal") in (None, "") and _price(order).get("totalPrice") in (None, ""):
        missing.append("amountTotal")
    if isinstance(order.get("lineItems"), list):
        missing += [f"lineItems[{i}].id" for i, n in enumerate(order["lineItems"])
                    if isinstance(n, dict) and not _line_id(n)]
    if missing:
        raise malformed(PLATFORM, "order", f"missing {', '.join(missing)}")
    if not isinstance(order["lineItems"], list):
        raise malformed(PLATFORM, "order", "lineItems is not a list")
    try:
        return _order(order, shop).model_copy(update={"raw": order})  # field rules read the fetched order
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "order", f"{type(exc).__name__}: {exc}") from exc


def _order(order: dict, shop: str) -> Order:
    roots = sorted((n for n in order["lineItems"] if isinstance(n, dict) and not text(n.get("parentId"))),
                   key=lambda n: int(n.get("position") or 0))
    status = _tax_status(order, roots)
    lines = [_product_line(n) for n in roots if text(n.get("type")) in ("product", "")]
    fees, discounts, unallocated = [], [], ZERO
    for node in roots:
        kind, amount = text(node.get("type")), _amount(node, "totalPrice")
        if kind in ("product", ""):
            continue
        payload = node.get("payload") if isinstance(node.get("payload"), dict) else {}
        if kind == "promotion":
            left = _allocate(node, lines)
            unallocated += left
            discounts.append(Discount(code=text(payload.get("code")), title=text(node.get("label")),
                                      amount=-amount, unallocated_amount=left))
        elif amount < 0:
            unallocated += -amount
            discounts.append(Discount(title=text(node.get("label")) or kind, amount=-amount,
                                      unallocated_amount=-amount))
        else:
            fees.append(FeeLine(external_id=_line_id(node), title=text(node.get("label")) or kind, amount=amount,
                                tax_lines=_tax_lines(_price(node))))
    currency = order["currency"]
    billing_node, shipping_node = _addresses(order)
    email = text((order.get("orderCustomer") or {}).get("email"))
    billing = _address(billing_node, email)
    shipping_address = _address(shipping_node, email) if shipping_node else billing
    total = money(order["amountTotal"]) if order.get("amountTotal") not in (None, "") else _amount(order,
                                                                                                  "totalPrice")
    if order.get("amountNet") not in (None, ""):
        tax = total - money(order["amountNet"])
    else:
        tax = sum((t.amount for t in _tax_lines(_price(order))), ZERO)
    transactions = [t for t in order.get("transactions") or [] if isinstance(t, dict)]
    transactions.sort(key=lambda t: text(t.get("createdAt")))
    last = transactions[-1] if transactions else {}
    method = last.get("paymentMethod") if isinstance(last.get("paymentMethod"), dict) else {}
    gateway = text(method.get("technicalName")) or text(method.get("handlerIdentifier")).rsplit("\\", 1)[-1] or text(
        last.get("paymentMethodId"))
    state = _state(order.get("stateMachineState"))
    created = timestamp(order.get("orderDateTime")) or timestamp(order.get("createdAt"))
    updated = timestamp(order.get("updatedAt"))
    iso = text(currency["isoCode"]).upper()
    return Order(
        platform=PLATFORM,
        shop=shop,
        external_id=text(order["id"]),
        number=text(order["orderNumber"]),
        created_at=created,
        updated_at=updated,
        cancelled_at=(updated or created) if state == "cancelled" else None,
        financial_status=_state(last.get("stateMachineState")) or state,
        paid=_state(last.get("stateMachineState")) in PAID_STATES,
        currency=iso,
        shop_currency=iso if text(order.get("currencyId") or currency.get("id")) == DEFAULT_CURRENCY_ID else "",
        presentment_currency=iso,
        prices_include_tax=status == "gross",
        customer=_customer(order, billing),
        billing_address=billing,
        shipping_address=shipping_address,
        lines=lines,
        shipping_lines=_shipping(order),
        fee_lines=fees,
        discounts=discounts,
        payment_gateways=[gateway] if gateway else [],
        market=text(order.get("salesChannelId")),
        country=shipping_address.country or billing.country,
        note=text(order.get("customerComment")),
        totals=Totals(
            subtotal=money(order.get("positionPrice", _price(order).get("positionPrice"))),
            discounts=sum((d.amount for d in discounts), ZERO),
            shipping=money(order.get("shippingTotal")) if order.get("shippingTotal") not in (None, "") else sum(
                (s.price for s in _shipping(order)), ZERO),
            tax=tax,
            total=total,
        ),
    )


@guarded(PLATFORM, "refund")
def parse_refund(payload: dict, shop: str, currency_basis: Literal["shop", "presentment"] = "shop"):
    """Shopware core has no refund document (refunds are transaction state changes; returns are the
    commercial Returns Management): there is nothing to parse, so this always says so."""
    raise malformed(PLATFORM, "refund", "Shopware core has no refund document; book refunds in BC by hand, or "
                    "enable refunds only once a returns source is supported")


parse_refund.not_offered = True  # it exists only to say so; core/capabilities.py reads this


# ---- customers (customer.written via the Admin API, or a body carrying the customer) ----

def _unwrap_customer(payload) -> dict:
    if not isinstance(payload, dict):
        raise malformed(PLATFORM, "customer", f"expected a JSON object, got {type(payload).__name__}")
    return _entity(payload, "customer", "the worker reads the customer with the Admin API")


@guarded(PLATFORM, "webhook body")
def written_customers(body) -> dict[str, set[str]] | None:
    """{customer id: its write operations} of a `customer.written` body; None for any other body."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("payload"), list):
        return None
    written: dict[str, set[str]] = {}
    for entry in data["payload"]:
        if isinstance(entry, dict) and text(entry.get("entity")) in ("", "customer") and primary_key(entry):
            written.setdefault(primary_key(entry), set()).add(text(entry.get("operation")) or "update")
    return written


@guarded(PLATFORM, "customer")
def load_customer(payload, shop: Shop, client_factory: Callable | None = None, external_id: str = ""):
    """The customer behind a stored body: a `customer.written` webhook names only ids, so the customer (the
    envelope's `external_id` when it is one of them, else the first) is read with the Admin API; any other
    body is returned as it is for parse_customer."""
    written = written_customers(payload)
    if written is None:
        return payload
    if not written:
        raise malformed(PLATFORM, "customer", f"the webhook {text(payload['data'].get('event'))!r} names no "
                        "customer")
    customer_id = external_id if external_id in written else next(iter(written))
    if client_factory is None:
        from core.platforms.shopware.client import client_for as client_factory
    api = client_factory(shop)
    try:
        customer = api.customer(customer_id)
    finally:
        close = getattr(api, "close", None)
        if close is not None:
            close()
    if customer is None and "delete" in written[customer_id]:
        raise Skip(f"Shopware customer {customer_id} was deleted; there is nothing to import.")
    if customer is None:
        raise NeedsAttention(
            f"Shopware customer {customer_id} named by the customer.written webhook was not found with the Admin "
            "API.", resolution=f"check that the integration of shop {shop.key} may read customers (Settings > "
            "System > Integrations) and that the customer exists; then retry this record",
            code="customer_not_found")
    return customer


def _customer_address(node: dict, field: str):
    value = node.get(field)
    return value if isinstance(value, dict) else None


@guarded(PLATFORM, "customer")
def parse_customer(payload: dict, shop: str) -> Customer:
    """A Shopware customer → Customer. A company customer only with `accountType` "business" (a company
    name alone is not B2B, as for orders); its company id is the customer number, its VAT id the first of
    `vatIds`."""
    node = _unwrap_customer(payload)
    if not text(node.get("id")):
        raise malformed(PLATFORM, "customer", "missing id")
    billing = _customer_address(node, "defaultBillingAddress") or {}
    try:
        business = text(node.get("accountType")) == "business"
        vat_ids = [text(v) for v in node.get("vatIds") or [] if text(v)] if isinstance(
            node.get("vatIds"), list) else []
        return Customer(
            external_id=text(node["id"]),
            kind=CustomerKind.COMPANY if business else CustomerKind.PERSON,
            email=text(node.get("email")),
            first_name=text(node.get("firstName")) or text(billing.get("firstName")),
            last_name=text(node.get("lastName")) or text(billing.get("lastName")),
            company_name=text(node.get("company")) or text(billing.get("company")),
            company_external_id=text(node.get("customerNumber")) if business else "",
            vat_number=vat_ids[0] if vat_ids else "",
            phone=text(billing.get("phoneNumber")),
        )
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"{type(exc).__name__}: {exc}") from exc


@guarded(PLATFORM, "customer")
def parse_customer_addresses(payload: dict) -> list[Address]:
    """The default billing address first (the customer's address of record), then the default shipping
    address, then the others; each address once (by id, else by content)."""
    node = _unwrap_customer(payload)
    email = text(node.get("email"))
    nodes = [_customer_address(node, "defaultBillingAddress"), _customer_address(node, "defaultShippingAddress")]
    nodes += [a for a in node.get("addresses") or [] if isinstance(a, dict)] if isinstance(
        node.get("addresses"), list) else []
    by_id = {text(a.get("id")): a for a in nodes if a is not None and text(a.get("id"))}
    for field, key in (("defaultBillingAddressId", 0), ("defaultShippingAddressId", 1)):
        if nodes[key] is None and text(node.get(field)) in by_id:
            nodes[key] = by_id[text(node.get(field))]  # only the id was sent: take it from `addresses`
    found, seen = [], set()
    for address in nodes:
        if address is None:
            continue
        parsed = _address(address, email)
        identity = text(address.get("id")) or parsed.model_dump_json()
        if identity in seen or not (parsed.line1 or parsed.city or parsed.postal_code):
            continue
        seen.add(identity)
        found.append(parsed)
    return found


@guarded(PLATFORM, "customer")
def customer_updated_at(payload: dict):
    """When the shop last changed the customer (`updatedAt`, null until the first change: `createdAt`)."""
    node = _unwrap_customer(payload)
    try:
        return timestamp(node.get("updatedAt")) or timestamp(node.get("createdAt"))
    except PARSE_ERRORS as exc:
        raise malformed(PLATFORM, "customer", f"updatedAt: {exc}") from exc
