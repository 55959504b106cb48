"""Webhook receipt: verify → store raw payload → drop duplicates → enqueue → 2xx.

Everything here must finish well inside Shopify's 5-second limit: no BC call, no parsing beyond what
the delivery identity needs. The trigger in functions/webhooks.py only adapts HTTP to this function.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.config import read_setting
from core.errors import NeedsAttention
from core.platforms import platform
from core.state import Envelope, SyncStatus, enqueue, names
from core.sync.context import Context

log = logging.getLogger("core.sync.receive")

FLOW_QUEUES = {"orders": names.ORDERS_IMPORT, "refunds": names.REFUNDS_IMPORT, "customers": names.CUSTOMERS_IMPORT}


@dataclass(frozen=True)
class Reply:
    status: int
    text: str


def receive_webhook(ctx: Context, shop_key: str, raw: bytes, headers: dict[str, str]) -> Reply:
    shop = ctx.config.shop(shop_key)
    if shop is None:
        return Reply(404, f"unknown shop {shop_key!r}")
    adapter = platform(shop.platform)
    try:
        secret = read_setting(shop.webhook_secret_setting)
    except NeedsAttention as exc:
        # 503 makes the shop retry later instead of losing the delivery.
        log.error("webhook for shop=%s refused: %s", shop_key, exc)
        return Reply(503, "webhook secret not configured")

    if not adapter.webhooks.verify(raw, headers, secret):
        if _is_ping(adapter, raw, headers):
            return Reply(200, "pong")
        log.warning("webhook for shop=%s refused: signature missing or invalid", shop_key)
        return Reply(401, "invalid signature")

    delivery = adapter.webhooks.describe(raw, headers)
    if delivery.is_ping:
        return Reply(200, "pong")
    external_id = delivery.resource_id or delivery.delivery_id
    if delivery.flow is None or delivery.flow not in shop.flows or delivery.flow not in FLOW_QUEUES:
        ctx.synclog.record(
            delivery.flow or "webhooks", shop_key, external_id or delivery.topic, SyncStatus.SKIPPED,
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
    `challenge`). Platforms without one get 405, as a plain GET deserves."""
    shop = ctx.config.shop(shop_key)
    if shop is None:
        return Reply(404, f"unknown shop {shop_key!r}")
    challenge_reply = getattr(platform(shop.platform).webhooks, "challenge_reply", None)
    answer = challenge_reply(params) if challenge_reply else None
    return Reply(200, answer) if answer is not None else Reply(405, "webhooks are delivered with POST")


def _is_ping(adapter, raw: bytes, headers: dict[str, str]) -> bool:
    try:
        return adapter.webhooks.describe(raw, headers).is_ping
    except Exception:  # noqa: BLE001 - an unverified body may be anything
        return False
