"""The three error families every flow speaks (DESIGN.md "Rules that keep it correct").

- Retryable: try again later; the queue redelivers (after `retry_after` seconds where known).
- NeedsAttention: a person must act; `resolution` says what to do, in the operator's words.
- Skip: deliberately not processed; `reason` is recorded in the sync log.

Flows raise these; triggers map them to queue outcomes and HTTP statuses. Nothing else should
escape a flow except bugs, which the host retries and finally moves to the poison queue.
"""

from __future__ import annotations


class BridgeError(Exception):
    """Base of the three families."""


class Retryable(BridgeError):
    """A transient failure (throttling, 5xx, timeouts): the same input will likely succeed later."""

    def __init__(self, message: str, retry_after: float | None = None, duplicate: bool = False):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after
        self.duplicate = duplicate  # another delivery of the same record is being handled: keep its status


class NeedsAttention(BridgeError):
    """Only a person can fix this: a missing mapping, an inconsistent document, a BC validation error.

    `code` is stable and machine-readable (e.g. "unknown_sku"); `resolution` starts with a verb and
    names the setting or record to change.
    """

    def __init__(self, message: str, resolution: str, code: str = "needs_attention", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.resolution = resolution
        self.code = code
        self.details = details or {}

    def __str__(self) -> str:
        return f"{self.message} Resolution: {self.resolution}"


class Skip(BridgeError):
    """Deliberately not processed (a test order, before the cutoff date, a topic not enabled)."""

    def __init__(self, reason: str, duplicate: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.duplicate = duplicate  # the record was already handled: note it, keep its status
