"""Geins orders: the webhook names an order by id only; the order itself must come from the Geins API.

No genuine Geins order body is published (the shared corpus holds the vendor's webhook samples only) and the
order API contract is unverified, so this version reads the order id (`needs_fetch`) and reports, with
the raw webhook kept for replay, that it cannot fetch the order (`load_order` → NeedsAttention
"order_fetch_unsupported"). `parse_order` refuses id-only bodies instead of inventing an order from them.
"""

from __future__ import annotations

from collections.abc import Callable

from core.config import Shop
from core.models import Order
from core.platforms.payload import guarded, malformed, text
from core.platforms.static_secret import fetch_unsupported, id_only, json_object

PLATFORM = "geins"


@guarded(PLATFORM, "order")
def needs_fetch(payload) -> str | None:
    """The Geins order id a webhook body names; None when it names none."""
    if not isinstance(payload, dict) or text(payload.get("entity")).lower() != "order":
        return None
    return text(payload.get("id")) or None


@guarded(PLATFORM, "order")
def parse_order(payload: dict, shop: str, currency_basis: str = "shop") -> Order:
    if needs_fetch(payload):
        raise id_only(PLATFORM)
    raise malformed(PLATFORM, "order", "this version has no parser for Geins order bodies (no published sample)")


@guarded(PLATFORM, "order")
def load_order(raw: bytes, shop: Shop, client_factory: Callable | None = None, external_id: str = "") -> Order:
    order_id = needs_fetch(json_object(raw))
    if not order_id:
        raise malformed(PLATFORM, "order", "the webhook body names no order id")
    raise fetch_unsupported("Geins", order_id, shop.key)
