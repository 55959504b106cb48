"""Queue triggers and queue outputs through the local host, against Azurite."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime

import httpx
from azure.core.exceptions import ResourceNotFoundError

from tests.host.conftest import wait_until

VISIBILITY_TIMEOUT = 1.0  # sample_app/host.json
MAX_DEQUEUE_COUNT = 3


def find_done(done_queue, order: str):
    """The raw text of the done-queue message for this order (peeked, not consumed), or None."""
    for message in done_queue.peek_messages(max_messages=32):
        if json.loads(base64.b64decode(message.content))["done"] == order:
            return message.content
    return None


def test_failing_message_is_tried_max_dequeue_count_times_then_poisoned(app, queue):
    fail_queue = queue("SAMPLE_FAIL_QUEUE")
    poison_queue = queue("SAMPLE_FAIL_QUEUE", base64=False, suffix="-poison", create=False)  # the host does

    def poisoned_messages():
        try:
            return poison_queue.peek_messages(max_messages=5)
        except ResourceNotFoundError:
            return None
    body = '{"order": "bad-1", "note": "åäö"}'
    fail_queue.send_message(body)

    poisoned = wait_until(poisoned_messages,
                          timeout=15, what="the message in the poison queue")

    assert [count for count, _ in app.failed_calls] == [1, 2, 3]
    starts = [at for _, at in app.failed_calls]
    print("gaps between tries:", [round(b - a, 3) for a, b in zip(starts, starts[1:], strict=False)])
    assert all(later - earlier >= VISIBILITY_TIMEOUT for earlier, later in zip(starts, starts[1:], strict=False))
    assert len(poisoned) == 1
    assert poisoned[0].content == base64.b64encode(body.encode()).decode()  # the original, as sent
    # deleted, not just invisible (the count includes invisible messages); the host copies to the poison queue
    # first and deletes after, so the poison copy can be seen a moment before the delete lands
    wait_until(lambda: fail_queue.get_queue_properties().approximate_message_count == 0, timeout=5,
               what="the original message deleted from the queue")
    time.sleep(VISIBILITY_TIMEOUT + 0.5)
    assert len(app.failed_calls) == MAX_DEQUEUE_COUNT


def test_successful_message_is_deleted_and_its_output_lands_base64_encoded(app, queue):
    work_queue = queue("SAMPLE_WORK_QUEUE")
    done_queue = queue("SAMPLE_DONE_QUEUE", base64=False)
    sent = work_queue.send_message(json.dumps({"order": "1001"}))

    raw = wait_until(lambda: find_done(done_queue, "1001"), timeout=10, what="the output message")

    assert json.loads(base64.b64decode(raw, validate=True)) == {"done": "1001", "by": "process_work"}
    call = next(c for c in app.processed if c["work"] == {"order": "1001"})
    assert call["id"] == sent.id and call["dequeue_count"] == 1 and call["pop_receipt"]
    assert isinstance(call["insertion_time"], datetime)
    assert call["function_name"] == "process_work"  # the context argument
    wait_until(lambda: work_queue.get_queue_properties().approximate_message_count == 0,
               timeout=5, what="the work message to be deleted")
    assert sum(c["work"] == {"order": "1001"} for c in app.processed) == 1


def test_http_queue_output_feeds_the_queue_trigger(sample_host, queue):
    done_queue = queue("SAMPLE_DONE_QUEUE", base64=False)
    queue("SAMPLE_WORK_QUEUE")
    response = httpx.post(f"{sample_host.base_url}/api/enqueue", content=json.dumps({"order": "2002"}))
    assert response.status_code == 202
    wait_until(lambda: find_done(done_queue, "2002"), timeout=10, what="the chained output message")


def test_message_that_is_not_base64_goes_straight_to_poison(app, queue):
    raw_work_queue = queue("SAMPLE_WORK_QUEUE", base64=False)
    poison_queue = queue("SAMPLE_WORK_QUEUE", base64=False, suffix="-poison", create=False)
    calls_before = len(app.processed)
    raw_work_queue.send_message("{not base64}")

    def poisoned():
        try:
            return [m for m in poison_queue.peek_messages(max_messages=32) if m.content == "{not base64}"]
        except ResourceNotFoundError:
            return None

    wait_until(poisoned, timeout=10, what="the undecodable message in the poison queue")
    assert len(app.processed) == calls_before
