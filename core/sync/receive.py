"""Webhook receipt: size → verify → describe → store raw payload → drop duplicates → enqueue → 2xx.

Everything here must finish well inside Shopify's 5-second limit: no BC call, no parsing beyond what
the delivery identity needs. The trigger in functions/webhooks.py only adapts HTTP to this function.

Every request gets a deliberate answer (docs/security.md):
- too large (over BRIDGE_MAX_WEBHOOK_BYTES) → 413, nothing read further;
- not authenticated — unknown shop, missing or bad signature — → 401, the same answer for all three so shop
  keys cannot be probed; the log tells the operator which it was. An unsigned body is never parsed, except
  by a platform's own `is_ping` for its documented unsigned URL check;
- authentic but unusable (describe() refuses it: too deep, hostile numbers, a shape it cannot read) → the
  raw body is stored, a needs-attention record says what to do, 200 (the shop stops retrying);
- authentic and usable → stored, queued, 200.
Platforms whose adapter sets RECEIPT_FAILURES_DISABLE_WEBHOOK (WooCommerce disables a webhook after a few
failed deliveries) never get an answer outside 200–302 except for a bad signature: a missing secret setting or
a storage failure is answered 200 and recorded (or at least logged) as needing attention.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass

from core.config import read_setting
from core.errors import BridgeError, NeedsAttention
from core.platforms import platform
from core.state import Envelope, SyncStatus, enqueue, names
from core.sync.context import Context

log = logging.getLogger("core.sync.receive")

FLOW_QUEUES = {"orders": names.ORDERS_IMPORT, "refunds": names.REFUNDS_IMPORT, "customers": names.CUSTOMERS_IMPORT}
MAX_BODY_SETTING = "BRIDGE_MAX_WEBHOOK_BYTES"
DEFAULT_MAX_BODY = 8 * 1024 * 1024  # a 250-line Shopify order is ~1 MB; keep FUNCTIONS_REQUEST_BODY_SIZE_LIMIT equal
RECEIPT_FLOW = "webhooks"  # SyncLog flow of receipt problems: no queue, so Retry cannot replay an unread body
UNAUTHENTICATED = "invalid signature"
MAX_IDENTITY_CHARS = 256  # SyncLog/Deliveries keys stop at 1 KiB after quoting; real ids are < 100 characters


@dataclass(frozen=True)
class Reply:
    status: int
    text: str


def max_body_bytes() -> int:
    try:
        return max(1, int(os.environ.get(MAX_BODY_SETTING) or DEFAULT_MAX_BODY))
    except ValueError:
        return DEFAULT_MAX_BODY


def receive_webhook(ctx: Context, shop_key: str, raw: bytes, headers: dict[str, str]) -> Reply:
    if len(raw) > max_body_bytes():
        log.warning("webhook for shop=%s refused: body of %d bytes is over %s", shop_key[:64], len(raw),
                    MAX_BODY_SETTING)
        return Reply(413, "payload too large")
    shop = ctx.config.shop(shop_key)
    if shop is None:
        log.warning("webhook refused with 401: no shop %r in the integration config", shop_key[:64])
        return Reply(401, UNAUTHENTICATED)
    adapter = platform(shop.platform)
    keeps_webhook_alive = getattr(adapter.webhooks, "RECEIPT_FAILURES_DISABLE_WEBHOOK", False)
    try:
        secret = read_setting(shop.webhook_secret_setting)
    except NeedsAttention as exc:
        log.error("webhook for shop=%s refused: %s", shop_key, exc)
        if keeps_webhook_alive:
            return _keep_unverified(ctx, shop_key, raw, headers, exc)
        return Reply(503, "webhook secret not configured")  # the shop retries later; nothing is lost

    if not _verified(adapter, shop_key, raw, headers, secret):
        if _unsigned_ping(adapter, raw, headers):
            return Reply(200, "pong")
        log.warning("webhook for shop=%s refused with 401: signature missing or invalid", shop_key)
        return Reply(401, UNAUTHENTICATED)

    try:
        delivery = _described(adapter, raw, headers)
    except Exception as exc:  # noqa: BLE001 - an authentic body must be kept whatever describe() thinks of it
        if not isinstance(exc, BridgeError):
            log.exception("webhook for shop=%s: describe() failed unexpectedly", shop_key)
        return _keep_unusable(ctx, shop_key, raw, headers, exc, keeps_webhook_alive)
    if delivery.is_ping:
        return Reply(200, "pong")
    try:
        return _accept(ctx, shop, raw, headers, delivery)
    except Exception:  # noqa: BLE001 - storage trouble: an answer the shop understands, never a 500
        log.exception("webhook for shop=%s: storing, queueing or recording the delivery failed", shop_key)
        if keeps_webhook_alive:
            log.error("ALARM webhook for shop=%s acknowledged with 200 but perhaps NOT stored or queued (topic %s, "
                      "id %s). Resolution: check the storage account; the reconcile run imports what this delivery "
                      "carried", shop_key, delivery.topic, delivery.resource_id or delivery.delivery_id)
            return Reply(200, "accepted; not stored")
        return Reply(503, "temporarily unable to store the payload")  # the shop retries later


def _accept(ctx: Context, shop, raw: bytes, headers: dict[str, str], delivery) -> Reply:
    """An authentic, described delivery: ignored (topic not enabled), dropped (duplicate) or stored and queued."""
    shop_key = shop.key
    external_id = delivery.resource_id or delivery.delivery_id
    if delivery.flow is None or delivery.flow not in shop.flows or delivery.flow not in FLOW_QUEUES:
        ctx.synclog.record(
            delivery.flow or RECEIPT_FLOW, shop_key, external_id or delivery.topic, SyncStatus.SKIPPED,
            topic=delivery.topic, event_id=delivery.delivery_id,
            message=f'Topic "{delivery.topic}" is not enabled for shop {shop_key}; acknowledged and ignored.',
            code="topic_not_enabled",
        )
        return Reply(200, "ignored: topic not enabled")

    if delivery.delivery_id and ctx.deliveries.seen(shop_key, delivery.delivery_id):
        return Reply(200, "duplicate")
    ref = ctx.inbox.store(shop_key, raw, headers)
    envelope = Envelope(flow=delivery.flow, shop=shop_key, external_id=external_id, event_id=delivery.delivery_id,
                        payload_ref=ref, topic=delivery.topic)
    enqueue(ctx.storage, FLOW_QUEUES[delivery.flow], envelope)
    if delivery.delivery_id:
        ctx.deliveries.remember(shop_key, delivery.delivery_id, ref)
    if ctx.synclog.get(delivery.flow, shop_key, external_id) is None:
        ctx.synclog.record(delivery.flow, shop_key, external_id, SyncStatus.RECEIVED, payload_ref=ref,
                           event_id=delivery.delivery_id, topic=delivery.topic,
                           message=f"Received {delivery.topic}; queued for import.")
    else:  # a later event for a known record: its current status stands until the worker decides
        ctx.synclog.note(delivery.flow, shop_key, external_id, f"Received {delivery.topic}; queued.")
    return Reply(200, "queued")


def answer_challenge(ctx: Context, shop_key: str, params: dict[str, str]) -> Reply:
    """A GET to the webhook URL: the registration check some platforms make (Adobe I/O Events echoes
    `challenge`). Platforms without one — and unknown shops, so keys cannot be probed — get 405."""
    shop = ctx.config.shop(shop_key)
    challenge_reply = getattr(platform(shop.platform).webhooks, "challenge_reply", None) if shop else None
    answer = challenge_reply(params) if challenge_reply else None
    return Reply(200, answer) if answer is not None else Reply(405, "webhooks are delivered with POST")


def _verified(adapter, shop_key: str, raw: bytes, headers: dict[str, str], secret: str) -> bool:
    try:
        return adapter.webhooks.verify(raw, headers, secret) is True
    except Exception:  # noqa: BLE001 - a verifier bug must not turn a forged request into a 500 page
        log.exception("webhook for shop=%s: signature check failed unexpectedly; answered 401", shop_key)
        return False


def _described(adapter, raw: bytes, headers: dict[str, str]):
    """describe(), refusing identities no record can carry (a 1 MB "id" would only fail in storage later)."""
    delivery = adapter.webhooks.describe(raw, headers)
    for name in ("topic", "resource_id", "delivery_id"):
        value = getattr(delivery, name)
        if not isinstance(value, str) or len(value) > MAX_IDENTITY_CHARS:
            raise NeedsAttention(
                f"The webhook's {name.replace('_', ' ')} is not a usable identity "
                f"({f'{len(value)} characters' if isinstance(value, str) else type(value).__name__}).",
                resolution="look at the stored body; if the shop really sends such ids, report it (the app keeps "
                           f"ids up to {MAX_IDENTITY_CHARS} characters)",
                code="unusable_identity",
            )
    return delivery


def _unsigned_ping(adapter, raw: bytes, headers: dict[str, str]) -> bool:
    """The platform's documented unsigned URL check (WooCommerce's `webhook_id=…`), recognised by the adapter's
    own narrow `is_ping`; nothing else of an unsigned body is read."""
    is_ping = getattr(adapter.webhooks, "is_ping", None)
    try:
        return bool(is_ping and is_ping(raw, headers))
    except Exception:  # noqa: BLE001 - an unverified body may be anything
        return False


def _body_key(raw: bytes) -> str:
    return f"body:{hashlib.sha256(raw).hexdigest()[:32]}"


def _keep_unusable(ctx: Context, shop_key: str, raw: bytes, headers: dict[str, str], exc: Exception,
                   keeps_webhook_alive: bool) -> Reply:
    """An authentic body describe() cannot use: keep it, flag it, answer 200 so the shop stops retrying."""
    detail = exc.message if isinstance(exc, NeedsAttention) else f"{type(exc).__name__}: {str(exc)[:300]}"
    try:
        ref = ctx.inbox.store(shop_key, raw, headers)
        ctx.synclog.record(
            RECEIPT_FLOW, shop_key, _body_key(raw), SyncStatus.NEEDS_ATTENTION, payload_ref=ref,
            message=f"A correctly signed webhook could not be read: {detail}",
            resolution="open this record to see the stored body; correct the order (or the setting it names) in "
                       "the shop so that it sends a new webhook, or import it by hand; the reconcile run also "
                       "picks changed orders up",
            code=exc.code if isinstance(exc, NeedsAttention) else "unreadable_webhook",
        )
    except Exception:
        log.exception("webhook for shop=%s: an unusable body could not be stored", shop_key)
        return Reply(200, "accepted; not stored") if keeps_webhook_alive else Reply(
            503, "temporarily unable to store the payload")
    return Reply(200, "stored; needs attention")


def _keep_unverified(ctx: Context, shop_key: str, raw: bytes, headers: dict[str, str],
                     exc: NeedsAttention) -> Reply:
    """No secret to check the signature with, on a platform that disables webhooks which fail: keep the body
    for inspection (it is unverified, so it is never queued) and answer 200."""
    try:
        ref = ctx.inbox.store(shop_key, raw, headers, source="unverified-webhook")
        ctx.synclog.record(
            RECEIPT_FLOW, shop_key, _body_key(raw), SyncStatus.NEEDS_ATTENTION, payload_ref=ref,
            message=f"A webhook arrived but its signature could not be checked: {exc.message} The body is kept "
                    "unverified and was not imported.",
            resolution=f"{exc.resolution}; then let the reconcile run import the orders of the gap (this record "
                       "only keeps the unverified body for inspection and cannot be retried)",
            code="webhook_secret_missing",
        )
    except Exception:
        log.exception("ALARM webhook for shop=%s acknowledged with 200 but not stored (no webhook secret); %s",
                      shop_key, exc.resolution)
    return Reply(200, "accepted; not verified")
