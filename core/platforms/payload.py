"""Reading raw platform payloads safely: money as Decimal (JSON floats go through str, never binary),
ids as strings, dates as timezone-aware datetimes, and a precise error when a required field is missing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from core.errors import NeedsAttention


def malformed(platform: str, what: str, detail: str) -> NeedsAttention:
    return NeedsAttention(
        f"The {platform} payload is not a usable {what}: {detail}.",
        resolution=f"check that the webhook topic / API call delivers {what}s (the raw payload is kept in the "
        "inbox); if the shop sent a partial body, re-fetch it with the reconcile run or replay it once fixed",
        code="malformed_payload",
    )


def money(value, default: Decimal | None = Decimal(0)) -> Decimal:
    """A Decimal from a JSON string/int/float ("12.50", 12, 12.5); floats via their shortest repr."""
    if value is None or value == "":
        if default is None:
            raise ValueError("amount missing")
        return default
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, float):
        value = repr(value)
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not an amount") from exc


def text(value) -> str:
    """A string from a JSON value; None → ""."""
    if value is None:
        return ""
    return str(value).strip()


def gid_tail(gid) -> str:
    """The numeric id at the end of a Shopify GraphQL id (gid://shopify/Order/123 → "123")."""
    value = text(gid)
    return value.rsplit("/", 1)[-1] if value.startswith("gid://") else ""


def timestamp(value, naive_is_utc: bool = True) -> datetime | None:
    """An ISO 8601 timestamp; naive values are taken as UTC (WooCommerce *_gmt fields)."""
    raw = text(value)
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if parsed.tzinfo is None and naive_is_utc:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
