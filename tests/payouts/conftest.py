"""Fixtures for the payouts tests: the app's storage on Azurite and a config with payout sources unique to
the test (tables and queues are shared with other tests; records are told apart by source key)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json

import pytest

from core.config import EXAMPLE_CONFIG, check_config
from core.state import Storage, SyncLog, names
from core.sync.context import Context, set_context

ADYEN_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
STRIPE_SECRET = "whsec_test_secret_for_payouts"


def sources_toml(suffix: str, post: bool = False) -> str:
    return f'''
[[payouts]]
key = "adyen-{suffix}"
psp = "adyen"
company = "se"
shop = "shopify-demo"
payment_journal = "ADYEN"
fee_journal = "FEES"
webhook_secret_setting = "ADYEN_HMAC_KEY"
api_key_setting = "ADYEN_REPORT_API_KEY"
post = {str(post).lower()}

[[payouts]]
key = "stripe-{suffix}"
psp = "stripe"
company = "se"
shop = "shopify-demo"
payment_journal = "STRIPE"
fee_journal = "FEES"
webhook_secret_setting = "STRIPE_WEBHOOK_SECRET"
api_key_setting = "STRIPE_API_KEY"
post = {str(post).lower()}

[[payouts]]
key = "klarna-{suffix}"
psp = "klarna"
company = "se"
shop = "shopify-demo"
payment_journal = "KLARNA"
fee_journal = "FEES"
post = {str(post).lower()}
'''


def config_with_sources(suffix: str, post: bool = False, base: str | None = None):
    text = (base if base is not None else EXAMPLE_CONFIG.read_text(encoding="utf-8")) + sources_toml(suffix, post)
    config, problems = check_config(text)
    assert config is not None, problems
    return config


@pytest.fixture(scope="session")
def app_storage(azurite) -> Storage:
    storage = Storage(connection_string=azurite.connection_string)
    storage.ensure_resources()
    return storage


@pytest.fixture
def suffix(unique_name, app_storage):
    """A payout-source suffix unique to the test; afterwards its records and queued messages are removed."""
    yield unique_name
    synclog = SyncLog(app_storage)
    for record in [r for r in synclog.query(flow="payouts") if r.shop.endswith(unique_name)]:
        synclog.delete(record)
    client = app_storage.queue(names.PAYOUTS_IMPORT)
    for message in list(client.receive_messages(messages_per_page=32, max_messages=32, visibility_timeout=5)):
        if unique_name in message.content:
            client.delete_message(message)
        else:
            client.update_message(message, visibility_timeout=0)


@pytest.fixture
def ctx(app_storage, storage_connection, suffix, monkeypatch):
    monkeypatch.setenv("ADYEN_HMAC_KEY", ADYEN_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", STRIPE_SECRET)
    context = Context(config=config_with_sources(suffix), storage=app_storage)
    set_context(context)
    yield context
    set_context(None)


def adyen_item(event: str = "REPORT_AVAILABLE", psp_reference: str = "settlement_detail_report_batch_380.csv",
               reason: str = "https://ca-test.adyen.com/reports/download/MerchantAccount/YOURCOMPANY_ACCOUNT/"
                             "settlement_detail_report_batch_380.csv", key: str = ADYEN_KEY) -> dict:
    item = {"amount": {"currency": "EUR", "value": 0}, "eventCode": event, "eventDate": "2021-01-07T01:00:00+01:00",
            "merchantAccountCode": "YOURCOMPANY_ACCOUNT", "merchantReference": "", "pspReference": psp_reference,
            "reason": reason, "success": "true"}
    # the signing string, written out independently of core.payments.adyen
    signing = f"{psp_reference}::YOURCOMPANY_ACCOUNT::0:EUR:{event}:true"
    digest = hmac.new(binascii.unhexlify(key), signing.encode(), hashlib.sha256).digest()
    item["additionalData"] = {"hmacSignature": base64.b64encode(digest).decode()}
    return item


def adyen_notification(*items: dict) -> bytes:
    return json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": i} for i in items]}).encode()


def stripe_event(payout_id: str = "po_1TestPayoutSE", event_type: str = "payout.reconciliation_completed",
                 event_id: str = "evt_1Payout") -> bytes:
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "data": {"object": {
        "id": payout_id, "object": "payout", "amount": 63518, "currency": "sek", "status": "paid",
        "reconciliation_status": "completed"}}}).encode()


def stripe_signature(raw: bytes, timestamp: int, secret: str = STRIPE_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
