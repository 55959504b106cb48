"""Fetching announced settlements (Adyen report download, Stripe errors) and splitting multi-payout files."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from core.errors import NeedsAttention, Retryable
from core.payments import Notification, adyen, klarna, stripe
from core.state import Envelope, names
from core.sync import payouts
from tests.conftest import corpus_file

FIXTURES = Path(__file__).parent / "fixtures"
REPORT_URL = ("https://ca-test.adyen.com/reports/download/MerchantAccount/YOURCOMPANY_ACCOUNT/"
              "settlement_detail_report_batch_380.csv")


def client(handler) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_adyen_report_is_downloaded_with_the_api_key_from_adyen_only():
    report = corpus_file("payments/adyen-settlement-details-batch-380.csv").read_bytes()
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(200, content=report)

    note = Notification(event_id="e", event="REPORT_AVAILABLE", payout_id="380", location=REPORT_URL)
    assert adyen.fetch_settlement(note, "AQE-key", http=client(handler)) == report
    assert calls[0].headers["X-API-Key"] == "AQE-key"
    for url in ("https://evil.example.com/settlement_detail_report_batch_380.csv",
                "http://ca-test.adyen.com/x.csv", "https://adyen.com.evil.example/x.csv"):
        with pytest.raises(NeedsAttention) as exc:
            adyen.fetch_settlement(Notification("e", "REPORT_AVAILABLE", "380", url), "AQE-key", http=client(handler))
        assert exc.value.code == "untrusted_report_url"
    assert len(calls) == 1  # the key went nowhere else


def test_fetch_errors_are_retryable_or_need_attention():
    note = Notification(event_id="e", event="REPORT_AVAILABLE", payout_id="380", location=REPORT_URL)
    with pytest.raises(Retryable):
        adyen.fetch_settlement(note, "k", http=client(lambda r: httpx.Response(503)))
    with pytest.raises(NeedsAttention) as exc:
        adyen.fetch_settlement(note, "k", http=client(lambda r: httpx.Response(401)))
    assert exc.value.code == "report_download_refused"
    payout = Notification(event_id="evt", event="payout.reconciliation_completed", payout_id="po_1")
    with pytest.raises(Retryable):
        stripe.fetch_settlement(payout, "sk", http=client(lambda r: httpx.Response(429)))
    with pytest.raises(NeedsAttention) as exc:
        stripe.fetch_settlement(payout, "sk", http=client(lambda r: httpx.Response(403, json={})))
    assert exc.value.code == "psp_refused"
    with pytest.raises(NeedsAttention):
        klarna.fetch_settlement(payout, "user:pass")


def test_a_file_with_two_payouts_is_split_into_one_item_each(ctx, suffix):
    raw = (FIXTURES / "stripe-payout-reconciliation-itemized-2026-11.csv").read_bytes()
    source = ctx.config.payout_source(f"stripe-{suffix}")
    envelopes = payouts.queue_settlement(ctx, source, raw, queue=False)
    assert [e.external_id for e in envelopes] == ["stripe:po_1CsvA", "stripe:po_1CsvB"]
    # an item without a payout (e.g. replayed from the raw file) splits itself and books nothing
    whole = Envelope(flow="payouts", shop=source.key, payload_ref=envelopes[0].payload_ref, topic="settlement")
    outcome = payouts.import_payout(ctx, whole)
    assert "2 payouts" in outcome.message
    queued = [Envelope.loads(m.content) for m in ctx.storage.queue(names.PAYOUTS_IMPORT).peek_messages(32)
              if suffix in m.content]
    assert sorted(e.external_id for e in queued) == ["stripe:po_1CsvA", "stripe:po_1CsvB"]
    assert ctx.bindings.get("payout", source.key, "stripe:po_1CsvA") is None


def test_a_wrong_file_is_refused_before_anything_is_stored(ctx, suffix):
    source = ctx.config.payout_source(f"adyen-{suffix}")
    before = len(list(ctx.storage.container(names.INBOX).list_blobs(name_starts_with=f"{source.key}/")))
    with pytest.raises(NeedsAttention) as exc:
        payouts.queue_settlement(ctx, source, b"not,a,report\n1,2,3\n")
    assert exc.value.code == "unreadable_settlement"
    assert len(list(ctx.storage.container(names.INBOX).list_blobs(name_starts_with=f"{source.key}/"))) == before
