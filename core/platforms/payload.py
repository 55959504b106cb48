"""Reading raw platform payloads safely: money as Decimal (JSON floats go through str, never binary),
ids as strings, dates as timezone-aware datetimes, and a precise error when a required field is missing.

Untrusted JSON is read with `loads` (core/untrusted.py: bounded nesting, strict numbers), so a hostile body
ends in our NeedsAttention instead of a RecursionError or an "amount" of 1e309. Parsers catch PARSE_ERRORS
around their work, so what escapes them is always one of the project's error types.
"""

from __future__ import annotations

import functools
import math
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from core import untrusted
from core.errors import NeedsAttention
from core.untrusted import MAX_EXPONENT, MAX_NUMBER_CHARS, PARSE_ERRORS

MAX_DETAIL = 500  # characters of an error's detail in a message

__all__ = ["PARSE_ERRORS", "gid_tail", "guarded", "json_body", "json_object", "loads", "malformed", "money", "text",
           "timestamp"]

def guarded(platform: str, what: str):
    """Decorate a public parse function: whatever a hostile payload makes it raise (PARSE_ERRORS) leaves it as
    malformed(platform, what, …), so its callers only ever see the project's error types."""

    def decorate(function):
        @functools.wraps(function)
        def parse(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except PARSE_ERRORS as exc:
                raise malformed(platform, what, f"{type(exc).__name__}: {exc}") from exc

        return parse

    return decorate


def with_client(factory, shop, read):
    """`read(client)` with a client made for this one read and closed after it: how an id-only webhook's
    `load_order` fetches the order it names."""
    client = factory(shop)
    try:
        return read(client)
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            close()


def malformed(platform: str, what: str, detail: str) -> NeedsAttention:
    if len(detail) > MAX_DETAIL:  # the detail may quote a hostile value; the stored payload keeps all of it
        detail = detail[:MAX_DETAIL] + "…"
    return NeedsAttention(
        f"The {platform} payload is not a usable {what}: {detail}.",
        resolution=f"check that the webhook topic / API call delivers {what}s (the raw payload is kept in the "
        "inbox); if the shop sent a partial body, re-fetch it with the reconcile run or replay it once fixed",
        code="malformed_payload",
    )


def loads(raw: bytes | str, source: str = "webhook", what: str = "JSON document"):
    """Untrusted JSON → Python values, or NeedsAttention(malformed_payload) naming why it was refused:
    not JSON, nested deeper than MAX_DEPTH, NaN/Infinity, or a number too long or out of range."""
    try:
        return untrusted.loads(raw)
    except untrusted.UnreadableJson as exc:
        error = malformed(source, what, exc.reason)
        error.details["not_json"] = exc.not_json
        raise error from None


def json_body(raw: bytes, source: str):
    """A verified webhook body for describe(): None when it is no JSON at all (described as an unknown topic,
    as before), NeedsAttention when it is JSON we refuse to read (too deep, hostile numbers) — the receipt
    then keeps it and flags it for a person instead of answering 500 to every retry."""
    try:
        return loads(raw, source, "webhook body")
    except NeedsAttention as exc:
        if exc.details.get("not_json"):
            return None
        raise


def json_object(raw: bytes, source: str) -> dict:
    """json_body, where anything but a JSON object counts as {}."""
    body = json_body(raw, source)
    return body if isinstance(body, dict) else {}


def money(value, default: Decimal | None = Decimal(0)) -> Decimal:
    """A Decimal from a JSON string/int/float ("12.50", 12, 12.5); floats via their shortest repr.
    Refused with ValueError: NaN, Infinity, more than MAX_NUMBER_CHARS characters, |value| ≥ 10^18."""
    if value is None or value == "":
        if default is None:
            raise ValueError("amount missing")
        return default
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError(f"a {type(value).__name__} is not an amount")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not an amount")
        value = repr(value)
    literal = str(value).strip()
    if len(literal) > MAX_NUMBER_CHARS:
        raise ValueError(f"{literal[:20]}… ({len(literal)} characters) is not an amount")
    try:
        amount = Decimal(literal)
    except InvalidOperation:
        raise ValueError(f"{literal!r} is not an amount") from None
    if not amount.is_finite() or (amount and not -MAX_EXPONENT <= amount.adjusted() < MAX_EXPONENT):
        raise ValueError(f"{literal!r} is not an amount")
    return amount


def text(value) -> str:
    """A string from a JSON scalar; None, a list or an object → "" (no id or name is a container)."""
    if value is None or isinstance(value, list | dict):
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
