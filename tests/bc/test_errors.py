"""Classification of BC failures and Retry-After parsing: the decisions everything else relies on."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from core.bc import (
    BcAmbiguousWriteError,
    BcAuthError,
    BcConflictError,
    BcPermanentError,
    BcRetryableError,
    RetryPolicy,
    parse_retry_after,
)
from core.bc.errors import correlation_id_from, error_for_status

GUID = "7c7b3c1e-1d2f-4b9a-9a43-0c1d2e3f4a5b"


def classify(status, method="GET", code="X", message="m", headers=None, retry_after=None):
    body = {"error": {"code": code, "message": message}}
    return error_for_status(
        status, body, httpx.Headers(headers or {}), method=method, url="https://bc/x", retry_after=retry_after
    )


@pytest.mark.parametrize("status", [408, 429, 502, 503, 504])
def test_transient_statuses_are_retryable_for_reads_and_guarded_writes(status):
    for method in ("GET", "PATCH", "DELETE"):
        assert type(classify(status, method)) is BcRetryableError


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, None, BcRetryableError),  # throttled before processing
        (429, 3.0, BcRetryableError),
        (503, 5.0, BcRetryableError),  # BC's queue/overload answer with Retry-After: not processed
        (503, None, BcAmbiguousWriteError),
        (502, None, BcAmbiguousWriteError),
        (504, None, BcAmbiguousWriteError),  # gateway gave up; BC may still commit
        (504, 10.0, BcAmbiguousWriteError),
        (408, None, BcAmbiguousWriteError),
    ],
)
def test_post_transient_statuses_split_into_safe_and_ambiguous(status, retry_after, expected):
    assert type(classify(status, "POST", retry_after=retry_after)) is expected


def test_stale_etag_is_a_conflict_but_duplicate_key_is_permanent():
    assert type(classify(409, "PATCH", code="Request_EntityChanged")) is BcConflictError
    dup = classify(409, "POST", code="Internal_EntityWithSameKeyExists")
    assert type(dup) is BcPermanentError
    assert dup.code == "Internal_EntityWithSameKeyExists"


@pytest.mark.parametrize("status", [400, 404, 405, 413, 500])
def test_other_failures_are_permanent(status):
    assert type(classify(status, "POST")) is BcPermanentError


def test_auth_failures_have_their_own_type():
    assert isinstance(classify(401), BcAuthError)
    assert isinstance(classify(403), BcPermanentError)


def test_permanent_error_carries_code_message_and_correlation_id_from_message():
    message = f'The field Quantity must be positive.  CorrelationId:  {GUID}.'
    error = classify(400, "POST", code="Application_FieldValidationException", message=message)
    assert error.code == "Application_FieldValidationException"
    assert error.message == message
    assert error.correlation_id == GUID
    assert error.status == 400 and error.method == "POST" and error.url == "https://bc/x"
    assert "Application_FieldValidationException" in str(error)


def test_correlation_id_falls_back_to_headers():
    assert correlation_id_from("no id here", httpx.Headers({"ms-correlation-x": "abc"})) == "abc"
    assert correlation_id_from("no id here", httpx.Headers({"request-id": "r-1"})) == "r-1"
    assert correlation_id_from("no id here", httpx.Headers({})) is None


def test_non_json_error_body_keeps_text():
    error = error_for_status(502, None, httpx.Headers(), method="GET", url="u", text="<html>Bad gateway</html>")
    assert "Bad gateway" in error.message and error.code is None


def test_retry_after_parsing():
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("soon") is None
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30, abs=1)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_backoff_is_jittered_exponential_and_capped():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [policy.backoff(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 10  # really jittered
    assert policy.delay(1, retry_after=12.0) == 12.0


def test_errors_map_to_the_flow_families():
    from core.errors import NeedsAttention, Retryable

    retry = BcRetryableError(429, "X", "slow down", retry_after=9.0).to_bridge_error()
    assert isinstance(retry, Retryable) and retry.retry_after == 9.0
    assert isinstance(BcAmbiguousWriteError(504, None, "lost").to_bridge_error(), Retryable)
    attention = classify(400, "POST", code="Application_FieldValidationException").to_bridge_error()
    assert isinstance(attention, NeedsAttention) and attention.resolution
