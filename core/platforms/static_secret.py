"""Webhook authentication for platforms that sign nothing (Norce, Brink, Geins): the operator configures a
static custom header on the shop's webhook whose value is the shop's webhook secret; we compare it in
constant time. Each platform module names the header it expects and decides what its id-only bodies mean."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from core.errors import NeedsAttention
from core.platforms import payload
from core.platforms.delivery import header
from core.platforms.payload import malformed

SECRET_HEADER = "X-Webhook-Secret"  # noqa: S105 - a header name


def secret_header_matches(headers: Mapping[str, str], secret: str, name: str = SECRET_HEADER) -> bool:
    """True when header `name` equals `secret`. Empty secret or missing header → False."""
    value = header(headers, name).strip()
    if not secret or not value:
        return False
    return hmac.compare_digest(value.encode("utf-8"), secret.encode("utf-8"))


def json_object(raw: bytes, source: str = "webhook") -> dict:
    """The body as a JSON object ({} when it is not one); NeedsAttention when it is JSON we refuse to read."""
    return payload.json_object(raw, source)


def fetch_unsupported(platform: str, order_id: str, shop_key: str) -> NeedsAttention:
    """The order behind an id-only webhook cannot be read: this version has no API client for `platform`."""
    return NeedsAttention(
        f"The {platform} webhook names order {order_id} but carries no order lines or totals, and this version "
        f"has no {platform} order API client to fetch it.",
        resolution=f"create the BC sales order for {platform} order {order_id} by hand (shop {shop_key}), or "
        f"upgrade to a version with a {platform} order client and replay this record (the raw webhook is kept)",
        code="order_fetch_unsupported",
    )


def id_only(platform: str) -> NeedsAttention:
    return malformed(platform, "order", "this is an id-only webhook body; load_order fetches the order it names")
