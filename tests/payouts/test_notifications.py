"""PSP notifications: signatures on raw bytes (valid / forged / stale), then store → enqueue → 200."""

from __future__ import annotations

import json
import time

import azure.functions as func

from core.payments import adyen, klarna, stripe
from core.state import Envelope, Inbox, names
from functions import payouts as payout_functions
from tests.payouts.conftest import (
    ADYEN_KEY,
    STRIPE_SECRET,
    adyen_item,
    adyen_notification,
    stripe_event,
    stripe_signature,
)


def test_adyen_hmac_valid_forged_and_wrong_key():
    raw = adyen_notification(adyen_item())
    assert adyen.verify_notification(raw, {}, ADYEN_KEY)
    assert adyen.verify_notification(raw, {}, ADYEN_KEY.lower())  # hex is case-insensitive
    forged = raw.replace(b"batch_380", b"batch_381")
    assert not adyen.verify_notification(forged, {}, ADYEN_KEY)
    assert not adyen.verify_notification(raw, {}, "00" * 32)
    assert not adyen.verify_notification(raw, {}, "not-hex")
    assert not adyen.verify_notification(raw, {}, "")
    unsigned = json.loads(raw)
    del unsigned["notificationItems"][0]["NotificationRequestItem"]["additionalData"]
    assert not adyen.verify_notification(json.dumps(unsigned).encode(), {}, ADYEN_KEY)
    # one bad item spoils the delivery
    two = adyen_notification(adyen_item(), adyen_item(event="AUTHORISATION", key="11" * 32))
    assert not adyen.verify_notification(two, {}, ADYEN_KEY)


def test_adyen_describes_settlement_reports_only():
    raw = adyen_notification(adyen_item(), adyen_item(event="AUTHORISATION", psp_reference="8835"))
    report, authorisation = adyen.describe_notification(raw, {})
    assert report.is_settlement and report.payout_id == "380" and report.location.startswith("https://ca-test.")
    assert not authorisation.is_settlement


def test_stripe_signature_valid_forged_stale_and_rotated_secrets():
    raw = stripe_event()
    now = int(time.time())
    assert stripe.verify_notification(raw, {"Stripe-Signature": stripe_signature(raw, now)}, STRIPE_SECRET)
    assert stripe.verify_notification(raw, {"stripe-signature": stripe_signature(raw, now)}, STRIPE_SECRET)
    assert stripe.signature_header(raw, STRIPE_SECRET, now) == stripe_signature(raw, now)
    forged = raw.replace(b"63518", b"99999")
    assert not stripe.verify_notification(forged, {"Stripe-Signature": stripe_signature(raw, now)}, STRIPE_SECRET)
    stale = now - 301
    assert not stripe.verify_notification(raw, {"Stripe-Signature": stripe_signature(raw, stale)}, STRIPE_SECRET)
    assert stripe.verify_notification(raw, {"Stripe-Signature": stripe_signature(raw, stale)}, STRIPE_SECRET,
                                      now=stale + 10)
    # during secret rotation Stripe sends one v1 per secret
    rotated = stripe_signature(raw, now, "whsec_old") + "," + stripe_signature(raw, now).split(",")[1]
    assert stripe.verify_notification(raw, {"Stripe-Signature": rotated}, STRIPE_SECRET)
    assert not stripe.verify_notification(raw, {}, STRIPE_SECRET)
    assert not stripe.verify_notification(raw, {"Stripe-Signature": f"t={now}"}, STRIPE_SECRET)
    assert not klarna.verify_notification(raw, {}, "anything")


def _post(source: str, raw: bytes, headers: dict) -> func.HttpResponse:
    req = func.HttpRequest("POST", f"http://localhost/api/payouts/{source}", body=raw, headers=headers,
                           route_params={"source": source})
    return payout_functions.receive_payout_notification.build().get_user_function()(req)


def _queued(ctx, suffix) -> list[Envelope]:
    client = ctx.storage.queue(names.PAYOUTS_IMPORT)
    messages = list(client.peek_messages(max_messages=32))
    return [Envelope.loads(m.content) for m in messages if suffix in m.content]


def test_a_signed_adyen_report_notification_is_stored_queued_and_accepted(ctx, suffix):
    raw = adyen_notification(adyen_item())
    response = _post(f"adyen-{suffix}", raw, {"Content-Type": "application/json"})
    assert response.status_code == 200 and response.get_body() == b"[accepted]"
    [envelope] = _queued(ctx, suffix)
    assert (envelope.flow, envelope.external_id, envelope.topic) == ("payouts", "adyen:380", "notification")
    stored, _ = Inbox(ctx.storage).load(envelope.payload_ref)
    assert stored == raw
    assert ctx.synclog.get("payouts", f"adyen-{suffix}", "adyen:380").status == "received"
    # the same notification again (Adyen retries until it sees [accepted]): acknowledged, not queued twice
    assert _post(f"adyen-{suffix}", raw, {}).status_code == 200
    assert len(_queued(ctx, suffix)) == 1


def test_forged_or_unsigned_notifications_get_401_and_nothing_is_stored(ctx, suffix):
    before = len(list(ctx.storage.container(names.INBOX).list_blobs(name_starts_with=f"adyen-{suffix}/")))
    forged = adyen_notification(adyen_item()).replace(b"batch_380", b"batch_999")
    assert _post(f"adyen-{suffix}", forged, {}).status_code == 401
    raw = stripe_event()
    stale = stripe_signature(raw, int(time.time()) - 3600)
    assert _post(f"stripe-{suffix}", raw, {"Stripe-Signature": stale}).status_code == 401
    assert _post(f"stripe-{suffix}", raw, {}).status_code == 401
    assert _post("no-such-source", raw, {}).status_code == 401  # the same answer as a bad signature
    assert _post(f"klarna-{suffix}", raw, {}).status_code == 401  # Klarna sends no notifications
    assert len(list(ctx.storage.container(names.INBOX).list_blobs(name_starts_with=f"adyen-{suffix}/"))) == before
    assert _queued(ctx, suffix) == []


def test_a_stripe_payout_event_is_queued_other_events_are_only_acknowledged(ctx, suffix):
    now = int(time.time())
    other = stripe_event(event_type="payout.created", event_id="evt_other")
    response = _post(f"stripe-{suffix}", other, {"Stripe-Signature": stripe_signature(other, now)})
    assert response.status_code == 200 and _queued(ctx, suffix) == []
    raw = stripe_event()
    response = _post(f"stripe-{suffix}", raw, {"Stripe-Signature": stripe_signature(raw, now)})
    assert response.status_code == 200
    [envelope] = _queued(ctx, suffix)
    assert envelope.external_id == "stripe:po_1TestPayoutSE" and envelope.event_id == "evt_1Payout"


def test_a_missing_secret_setting_answers_503_so_the_provider_retries(ctx, suffix, monkeypatch):
    monkeypatch.delenv("ADYEN_HMAC_KEY")
    assert _post(f"adyen-{suffix}", adyen_notification(adyen_item()), {}).status_code == 503
