"""What every platform's `webhooks.py` shares: the Delivery description and signature helpers.

A webhook trigger verifies the signature on the raw bytes, then asks `describe()` what arrived:
which topic, which resource, the identity used to drop duplicate deliveries, and which flow the
topic feeds (None = not ours, acknowledge and ignore).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Delivery:
    topic: str  # the platform's word: "orders/create", "order.updated", "ping"
    resource_id: str  # the order / refund id the payload is about ("" when the body names none)
    delivery_id: str  # dedupe identity: the same value on two deliveries means the same event
    is_ping: bool  # a platform's "is this URL alive" call: answer 2xx, store nothing
    flow: str | None  # "orders", "refunds", or None for topics no flow consumes


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value matched case-insensitively ("" when absent). HTTP header names are case-insensitive,
    and Azure Functions / proxies do not keep the sender's spelling."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value or ""
    return ""


def hmac_sha256_base64_matches(raw: bytes, secret: bytes, signature: str) -> bool:
    """Constant-time comparison of base64(HMAC-SHA256(raw, secret)) with the header value."""
    if not signature or not secret:
        return False
    expected = base64.b64encode(hmac.new(secret, raw, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))


def check_topic_fits_body(platform: str, topic: str, flow: str | None, body_flow: str | None) -> None:
    """Most platforms sign the body but not the topic header: an authentic order body re-sent under another
    topic (a refund, a customer) must not reach another flow. `body_flow` is what the signed body itself
    is (None when its shape says nothing); a header that disagrees is refused, and the receipt keeps the body
    as needs-attention for a person to look at."""
    if flow is None or body_flow is None or body_flow == flow:
        return
    from core.errors import NeedsAttention  # platform adapters raise the project's own errors only

    raise NeedsAttention(
        f"A {platform} delivery with topic {topic!r} carries a {body_flow[:-1]} body, not what the topic says; "
        "the topic header is not covered by the signature, so the body was kept and not imported.",
        resolution="if the shop really sent this (a misconfigured webhook), point the webhook at the right topic; "
                   "otherwise someone is replaying signed bodies: rotate the webhook secret",
        code="topic_body_mismatch")
