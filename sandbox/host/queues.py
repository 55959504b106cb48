"""Queue triggers and queue output bindings against Azure Storage (Azurite locally).

Semantics follow the Storage Queues extension 5.x: fetch up to batchSize messages under a lease, fetch again
when no more than newBatchThreshold are still running; on success delete; on failure make the message visible
again after visibilityTimeout, or, after maxDequeueCount tries, copy it to "<queue>-poison" and delete it.
Idle polling backs off (doubling from 100 ms) to maxPollingInterval.

Message text is base64-encoded/decoded here with the stdlib (the same wire format as the SDK's
TextBase64EncodePolicy/TextBase64DecodePolicy) rather than through client policies: the trigger keeps the raw
wire text, so a poison message is the original byte for byte and a message that is not base64 fails alone
instead of breaking the whole receive call.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import os
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.functions.queue import QueueMessage
from azure.storage.queue import QueueClient
from azure.storage.queue import QueueMessage as StorageMessage

from core.state.names import POISON_SUFFIX
from sandbox.host.config import QueueOptions, connection_string, resolve_expressions
from sandbox.host.metadata import FunctionSpec

if TYPE_CHECKING:
    from sandbox.host.invoker import Invoker

log = logging.getLogger("sandbox.host")

LEASE_SECONDS = 600  # how long a received message stays invisible while its function runs (not renewed)
# SANDBOX_QUEUE_LEASE_SECONDS shortens it for soak runs that kill the host: a killed host's messages
# come back after this many seconds instead of ten minutes
LEASE_SETTING = "SANDBOX_QUEUE_LEASE_SECONDS"
MIN_POLLING_INTERVAL = 0.1


def encode(body: bytes, encoding: str) -> str:
    return base64.b64encode(body).decode("ascii") if encoding == "base64" else body.decode("utf-8")


def decode(text: str, encoding: str) -> bytes:
    return base64.b64decode(text, validate=True) if encoding == "base64" else text.encode("utf-8")


class QueueClients:
    """A raw client (no encode/decode policy) per (connection, queue); output queues created on first use."""

    def __init__(self, options: QueueOptions) -> None:
        self.options = options
        self._clients: dict[tuple[str, str], QueueClient] = {}
        self._created: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def get(self, connection: str, queue: str) -> QueueClient:
        with self._lock:
            key = (connection, queue)
            if key not in self._clients:
                self._clients[key] = QueueClient.from_connection_string(connection, queue)
            return self._clients[key]

    def send(self, connection: str, queue: str, body: bytes) -> None:
        self.send_raw(connection, queue, encode(body, self.options.message_encoding))

    def send_raw(self, connection: str, queue: str, text: str) -> None:
        client = self.get(connection, queue)
        if (connection, queue) not in self._created:
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()
            self._created.add((connection, queue))
        client.send_message(text)

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()


class QueueListener:
    """Polls one queue trigger's queue on its own thread and hands messages to the invoker."""

    def __init__(self, spec: FunctionSpec, clients: QueueClients, invoker: Invoker, stop: threading.Event):
        self.spec, self._clients, self._invoker, self._stop = spec, clients, invoker, stop
        self.options = clients.options
        self.connection = connection_string(spec.trigger.get("connection"), spec.name)
        self.queue = resolve_expressions(spec.trigger["queueName"], spec.name)
        self._client = clients.get(self.connection, self.queue)
        self._in_flight = 0
        self._idle = threading.Condition()
        self.thread = threading.Thread(target=self._poll, name=f"queue:{self.queue}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _poll(self) -> None:
        delay = MIN_POLLING_INTERVAL
        while not self._stop.is_set():
            with self._idle:  # new batch only when no more than newBatchThreshold are still running
                while self._in_flight > self.options.new_batch_threshold and not self._stop.is_set():
                    self._idle.wait(0.2)
            messages = self._receive()
            for message in messages:
                self._dispatch(message)
            if messages:
                delay = MIN_POLLING_INTERVAL
            elif not self._stop.wait(delay):
                delay = min(delay * 2, self.options.max_polling_interval)

    def _receive(self) -> list[StorageMessage]:
        batch = self.options.batch_size
        try:
            return list(self._client.receive_messages(
                max_messages=batch, messages_per_page=batch,
                visibility_timeout=int(os.environ.get(LEASE_SETTING) or LEASE_SECONDS)))
        except ResourceNotFoundError:
            return []  # the queue does not exist yet: like the real host, keep polling
        except Exception as exc:
            log.warning("queue %s: receive failed, will retry: %s", self.queue, exc)
            return []

    def _dispatch(self, message: StorageMessage) -> None:
        text = message.content or ""
        if message.dequeue_count > self.options.max_dequeue_count:
            self._settle(self._poison, message)  # tried enough already (e.g. the host died mid-invocation)
            return
        try:
            body = decode(text, self.options.message_encoding)
        except (binascii.Error, ValueError):
            log.error("queue %s: message %s is not %s-encoded; moving it to the poison queue",
                      self.queue, message.id, self.options.message_encoding)
            self._settle(self._poison, message)
            return
        with self._idle:
            self._in_flight += 1
        try:
            future = self._invoker.submit(self.spec, _trigger_message(message, body))
        except RuntimeError:  # the host is stopping
            self._done(message, None)
            return
        future.add_done_callback(lambda done: self._done(message, done))

    def _done(self, message: StorageMessage, future: Future[dict[str, Any]] | None) -> None:
        try:
            if future is None or future.cancelled():
                self._settle(self._release, message)
            elif future.exception() is None:
                self._settle(self._client.delete_message, message.id, message.pop_receipt)
            elif message.dequeue_count >= self.options.max_dequeue_count:
                self._settle(self._poison, message)
            else:
                self._settle(self._client.update_message, message.id, message.pop_receipt,
                             visibility_timeout=int(self.options.visibility_timeout))
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _poison(self, message: StorageMessage) -> None:
        poison = self.queue + POISON_SUFFIX
        self._clients.send_raw(self.connection, poison, message.content or "")  # the original wire text
        self._client.delete_message(message.id, message.pop_receipt)
        log.warning("queue %s: message %s moved to %s after %d tries",
                    self.queue, message.id, poison, message.dequeue_count)

    def _release(self, message: StorageMessage) -> None:
        self._client.update_message(message.id, message.pop_receipt, visibility_timeout=0)

    def _settle(self, action: Any, *args: Any, **kwargs: Any) -> None:
        try:
            action(*args, **kwargs)
        except Exception as exc:  # the lease runs out and the message comes back: nothing is lost
            log.warning("queue %s: could not settle a message (%s); it reappears after its lease",
                        self.queue, exc)


def _trigger_message(message: StorageMessage, body: bytes) -> QueueMessage:
    return QueueMessage(
        id=message.id,
        body=body,
        dequeue_count=message.dequeue_count,
        insertion_time=message.inserted_on,
        expiration_time=message.expires_on,
        time_next_visible=message.next_visible_on,
        pop_receipt=message.pop_receipt,
    )

