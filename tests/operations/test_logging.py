"""Structured logging: correlation fields on every line, and no configured secret or personal data in any log."""

from __future__ import annotations

import logging

import azure.functions as func
import pytest

from core.logging_setup import Redactor, install_logging, log_context, secret_setting_names, uninstall_logging
from core.state import names
from core.sync.runner import run_item
from functions import operations as fo
from tests.operations.conftest import call, http, received_order

SECRETS = {
    "BC_CLIENT_SECRET": "bc-Secret~Value.123",
    # made-up values in Shopify's token shapes, assembled so no token-shaped literal sits in the repo
    "SHOPIFY_DEMO_WEBHOOK_SECRET": "shpss" + "_0123456789abcdef",
    "SHOPIFY_DEMO_API_TOKEN": "shpat" + "_fedcba9876543210",
    "WOO_DEMO_API_CREDENTIALS": "ck_live_1:cs_live_2",
}
BEARER = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.payload.sig"
MASTER_KEY = "masterKEY-0123456789=="
EMAIL = "jane.doe@example.com"
CARD = "4111 1111 1111 1111"


@pytest.fixture
def installed(ctx, monkeypatch, caplog):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    install_logging(ctx.config)
    caplog.set_level(logging.DEBUG)
    yield
    uninstall_logging()


def every_text(caplog) -> str:
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), record.exc_text or "", str(record.args)]
        parts += [str(v) for v in vars(record).values() if isinstance(v, str)]
    return "\n".join(parts)


def test_the_secret_settings_named_in_the_config_are_the_ones_redacted(ctx):
    names_ = secret_setting_names(ctx.config)
    assert set(SECRETS) <= set(names_)
    assert "BC_CLIENT_ID" not in names_ and "BC_TENANT_ID" not in names_ and "BC_BASE_URL" not in names_
    assert "AzureWebJobsStorage" in names_


def test_no_secret_or_personal_data_reaches_the_logs_of_a_failing_operation(ctx, shop, installed, caplog):
    leaky = (f"POST https://bc.example/api?code={MASTER_KEY} failed with Authorization: Bearer {BEARER}; "
             f"secret {SECRETS['BC_CLIENT_SECRET']} token {SECRETS['SHOPIFY_DEMO_API_TOKEN']} "
             f"woo {SECRETS['WOO_DEMO_API_CREDENTIALS']} hmac {SECRETS['SHOPIFY_DEMO_WEBHOOK_SECRET']} "
             f"customer {EMAIL} card {CARD}")

    def crash(ctx_, envelope):
        raise RuntimeError(leaky)

    envelope = received_order(ctx, shop, "gid://shopify/Order/5905123456789", b"{}")
    with pytest.raises(RuntimeError):
        run_item(ctx, names.ORDERS_IMPORT, envelope, crash, dequeue_count=5, max_dequeue_count=5)
    logging.getLogger("core.sync").warning("calling %s with %s", f"https://x/api/ops/page?code={MASTER_KEY}", leaky)
    call(fo.POISON_HANDLERS[names.ORDERS_IMPORT],
         func.QueueMessage(id="qmsg-1", body=envelope.dumps().encode()))
    assert http(fo.ops_retry, "POST", body={"flow": "orders", "shop": shop,
                                            "external_id": "gid://shopify/Order/5905123456789"})[0] == 200

    text = every_text(caplog)
    assert len(caplog.records) >= 4
    for secret in [*SECRETS.values(), BEARER, MASTER_KEY, EMAIL, CARD, CARD.replace(" ", "")]:
        assert secret not in text, secret
    assert "***" in text and "j***@example.com" in text and "***1111" in text
    assert "gid://shopify/Order/5905123456789" in text  # shop ids stay readable


def test_log_lines_carry_the_correlation_fields_of_the_record_they_are_about(ctx, shop, installed, caplog):
    envelope = received_order(ctx, shop, "gid://shopify/Order/77", b"{}")
    call(fo.POISON_HANDLERS[names.ORDERS_IMPORT],
         func.QueueMessage(id="qmsg-77", body=envelope.dumps().encode()))
    line = next(r for r in caplog.records if "poisoned" in r.getMessage())
    assert line.shop == shop and line.external_id == "gid://shopify/Order/77" and line.queue_message_id == "qmsg-77"
    assert f"shop={shop}" in line.getMessage() and "queue_message_id=qmsg-77" in line.getMessage()

    log = logging.getLogger("core.sync.orders")
    with log_context(shop=shop, bc_document="salesOrders 101005"):
        log.info("created")
    outside = logging.getLogger("core.sync.orders")
    outside.info("no context here")
    created, plain = caplog.records[-2], caplog.records[-1]
    assert created.getMessage() == f'created | shop={shop} bc_document="salesOrders 101005"'
    assert plain.getMessage() == "no context here" and not hasattr(plain, "shop")


def test_the_redactor_masks_cards_and_emails_but_not_order_numbers_or_ids():
    redact = Redactor(["s3cr3t-value", "abc"])  # too short to redact safely
    assert redact("x s3cr3t-value y abc") == "x *** y abc"
    assert redact("card 5555-5555-5555-4444 ok") == "card ***4444 ok"
    assert redact("order 1234567890123456 not luhn") == "order 1234567890123456 not luhn"
    assert redact("gid://shopify/Order/4111111111111111") == "gid://shopify/Order/4111111111111111"
    assert redact("mail Jane.Doe+shop@mail.example.co.uk") == "mail J***@mail.example.co.uk"
    assert redact('{"authorization": "Basic dXNlcjpwYXNz"}') == '{"authorization": "***"}'
    assert redact("https://a/b?sig=abc%2Fdef&se=2025") == "https://a/b?sig=***&se=2025"
    assert redact("DefaultEndpointsProtocol=https;AccountKey=Zm9vYmFy==;") == (
        "DefaultEndpointsProtocol=https;AccountKey=***;")


def test_storage_request_headers_of_the_azure_sdk_stay_out_of_the_logs(ctx, installed, caplog):
    import logging

    from core.state import SyncLog

    with caplog.at_level(logging.INFO):
        SyncLog(ctx.storage).get("orders", "no-shop", "no-record")  # one storage request
    assert not [r for r in caplog.records if r.name.startswith("azure.core.pipeline")]
