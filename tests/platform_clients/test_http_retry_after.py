"""The shared shop HTTP sender reads Retry-After the way RFC 9110 writes it: delta-seconds or an HTTP-date.
A wait longer than an invocation should block becomes a Retryable for the queue at once."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import Retryable
from core.platforms.http import MAX_INLINE_WAIT_S, MAX_QUEUE_WAIT_S, retry_after, send


def _client(*answers: httpx.Response) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx.Client(transport=httpx.MockTransport(handler), base_url="https://shop.test"), seen


def test_http_date_is_honoured_not_ignored():
    when = datetime.now(UTC) + timedelta(seconds=12)
    client, seen = _client(httpx.Response(429, headers={"Retry-After": format_datetime(when, usegmt=True)}),
                           httpx.Response(200, json={}))
    slept: list[float] = []
    assert send(client, "GET", "/x", shop_name="s", max_attempts=3, sleep=slept.append).status_code == 200
    assert len(seen) == 2
    assert 9.0 <= slept[0] <= 12.5  # the date, not the exponential back-off (≤ 0.5 s on the first try)


@pytest.mark.parametrize("header", ["600", "inf", "1e300"])
def test_long_wait_goes_to_the_queue_without_sleeping(header):
    client, seen = _client(httpx.Response(503, headers={"Retry-After": header}))
    slept: list[float] = []
    with pytest.raises(Retryable) as caught:
        send(client, "GET", "/x", shop_name="s", max_attempts=5, sleep=slept.append)
    assert slept == [] and len(seen) == 1
    assert MAX_INLINE_WAIT_S < caught.value.retry_after <= MAX_QUEUE_WAIT_S


def test_bad_header_falls_back_to_backoff():
    client, _ = _client(httpx.Response(429, headers={"Retry-After": "soon"}), httpx.Response(200))
    slept: list[float] = []
    send(client, "GET", "/x", shop_name="s", max_attempts=2, sleep=slept.append)
    assert len(slept) == 1 and 0.0 < slept[0] <= 0.5


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)),
                 st.builds(lambda year, hour: f"Mon, 01 Jan {year} {hour}:00:00 GMT",
                           st.integers(-10**6, 10**7), st.integers(-5, 99)),
                 st.floats().map(str)))
def test_any_retry_after_header_gives_a_bounded_wait_or_none(header):
    wait = retry_after(httpx.Response(429, headers={"Retry-After": header}))
    assert wait is None or 0 <= wait <= MAX_QUEUE_WAIT_S
