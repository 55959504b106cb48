"""Is the shop still sending us its webhooks? (WooCommerce: it switches them off by itself.)

WooCommerce sets a webhook to `disabled` after more than five deliveries in a row were not answered
200–302 (class-wc-webhook.php; see core.platforms.woocommerce.webhooks.RECEIPT_FAILURES_DISABLE_WEBHOOK),
and never tells anyone. From then on only the reconcile timer brings that shop's orders in, late.
`check_woocommerce_webhooks` reads the shop's webhooks (`GET webhooks`) from the orders reconcile and
keeps one SyncLog record per webhook feeding one of the shop's flows (flow "webhooks", external id
`webhook:<id>`): needs-attention with the fix while it is disabled or paused, success once it is active
again. It never raises: a shop whose key may not read webhooks is logged, and the reconcile goes on.
"""

from __future__ import annotations

import logging

from core.config import Shop
from core.errors import BridgeError
from core.platforms import platform
from core.state import SyncStatus
from core.sync.context import Context

log = logging.getLogger("core.sync.webhook_health")


def check_woocommerce_webhooks(ctx: Context, shop: Shop, client=None) -> int:
    """Record the state of the shop's webhooks that feed its flows; returns how many are not active."""
    try:
        return _check(ctx, shop, client)
    except BridgeError as exc:
        log.warning("webhook_health shop=%s: could not read the webhooks: %s", shop.key, exc)
    except Exception:  # noqa: BLE001 - a health check must never stop the reconcile it rides on
        log.exception("webhook_health shop=%s failed", shop.key)
    return 0


def _check(ctx: Context, shop: Shop, client) -> int:
    adapter = platform("woocommerce")
    client = client or adapter.client.client_for(shop)
    hooks = client.webhooks()
    not_active = 0
    for hook in hooks:
        flow = adapter.webhooks.FLOWS.get(str(hook.get("topic") or ""))
        if flow is None or flow not in shop.flows:
            continue
        external_id = f"webhook:{hook.get('id')}"
        status = str(hook.get("status") or "")
        if status == "active":
            previous = ctx.synclog.get("webhooks", shop.key, external_id)
            if previous is not None and previous.status != SyncStatus.SUCCESS:
                ctx.synclog.record("webhooks", shop.key, external_id, SyncStatus.SUCCESS, topic=hook.get("topic"),
                                   message=f"WooCommerce webhook {hook.get('id')} ({hook.get('topic')}) is active.")
            continue
        not_active += 1
        why = ("WooCommerce switched it off after more than five failed deliveries in a row"
               if status == "disabled" else "someone set it to paused")
        ctx.synclog.record(
            "webhooks", shop.key, external_id, SyncStatus.NEEDS_ATTENTION, topic=hook.get("topic"),
            code=f"webhook_{status or 'unknown'}",
            message=f"WooCommerce webhook {hook.get('id')} \"{hook.get('name')}\" ({hook.get('topic')} → "
                    f"{hook.get('delivery_url')}) is {status}: {why}. Until it is active again, shop {shop.key} "
                    "sends no {0} and they arrive only with the reconcile timer.".format(flow),
            resolution="in WooCommerce > Settings > Advanced > Webhooks open the webhook, set Status to Active "
                       "and save; if it was disabled, first check the sync log for the failures that caused it "
                       "(a wrong secret answers 401)")
    return not_active
