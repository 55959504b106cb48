"""Business Central errors, classified once.

Every failure of a BC call ends as exactly one of these types:

- `BcRetryableError`   transient (429, 408, 502/503/504 on a safe request, connection errors, timeouts).
                       The client already retried it per its RetryPolicy; `retry_after` says when to try again.
- `BcConflictError`    409 `Request_EntityChanged`: the ETag was stale. Re-read and re-apply.
- `BcPermanentError`   any other 4xx (validation 400, 404, duplicate key 409, ...). Retrying will not help.
- `BcAuthError`        401/403 (a permanent error that names the app registration settings to check).
- `BcAmbiguousWriteError` a POST whose outcome is unknown: it was sent, and BC may have committed it.

Which POST failures are ambiguous (the decision the client is built on):

- Not processed, safe to re-send: 429 (throttled before processing), 503 *with* Retry-After (BC's
  queue/overload answer), connection refused / connect timeout / pool timeout (nothing was sent).
- Ambiguous: 504 (gateway gave up; BC may still commit), 502, 503 without Retry-After, 408 (operation
  cancelled, possibly after an AL commit), a dropped connection or a read timeout after the request was sent.

GET, PATCH with If-Match and DELETE with If-Match are safe to repeat, so for them every transient failure
is retryable. The client never re-POSTs an ambiguous request: callers get `BcAmbiguousWriteError` and look
the document up first (see `CompanyApi.create_once`).
"""

from __future__ import annotations

import re
from typing import Any

_CORRELATION_RE = re.compile(r"CorrelationId:\s*([0-9a-fA-F]{8}-[0-9a-fA-F-]{27})")
_CORRELATION_HEADERS = ("ms-correlation-x", "request-id", "x-ms-correlation-id", "x-ms-request-id")

RETRYABLE_STATUSES = frozenset({408, 429, 502, 503, 504})
ENTITY_CHANGED = "Request_EntityChanged"


class BcError(Exception):
    """A failed Business Central request. `url` never carries a token; it may carry a `$filter`."""

    def __init__(
        self,
        status: int | None,
        code: str | None,
        message: str,
        correlation_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.correlation_id = correlation_id
        self.method = method
        self.url = url

    def __str__(self) -> str:
        where = f"{self.method} {self.url}" if self.method else "BC request"
        parts = [f"{where} failed"]
        if self.status is not None:
            parts.append(f"with HTTP {self.status}")
        if self.code:
            parts.append(f"[{self.code}]")
        text = " ".join(parts) + f": {self.message}"
        if self.correlation_id and self.correlation_id not in self.message:
            text += f" (CorrelationId {self.correlation_id})"
        return text

    def to_bridge_error(self):
        """The flow-level family (core.errors) for this failure; flows `raise e.to_bridge_error() from e`."""
        from core.errors import NeedsAttention

        return NeedsAttention(
            str(self),
            resolution="Check the request data against the Business Central message above and replay the record.",
            code=f"bc_{(self.code or 'error').lower()}",
            details={"status": self.status, "bc_code": self.code, "correlation_id": self.correlation_id},
        )


class BcRetryableError(BcError):
    """Transient; already retried inside the client. Try again after `retry_after` seconds (None = unknown)."""

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after

    def to_bridge_error(self):
        from core.errors import Retryable

        return Retryable(str(self), retry_after=self.retry_after)


class BcConflictError(BcError):
    """409 Request_EntityChanged: somebody changed the record since it was read (stale ETag)."""

    def to_bridge_error(self):
        from core.errors import Retryable

        return Retryable(str(self), retry_after=1.0)


class BcPermanentError(BcError):
    """A 4xx that will fail the same way again: validation, not found, duplicate key, method not allowed."""


class BcAuthError(BcPermanentError):
    """401/403: the service principal is not accepted or lacks permissions in BC."""

    def to_bridge_error(self):
        from core.errors import NeedsAttention

        return NeedsAttention(
            str(self),
            resolution=(
                "Check the BC tenant/client id/secret or certificate settings, that the app registration has the "
                "API.ReadWrite.All application permission with admin consent, and that it is enabled with "
                "permission sets on BC page 'Microsoft Entra Applications'."
            ),
            code="bc_auth",
            details={"status": self.status, "bc_code": self.code, "correlation_id": self.correlation_id},
        )


class BcAmbiguousWriteError(BcError):
    """A POST whose outcome is unknown: BC may or may not have committed it. Look it up before re-sending."""

    def to_bridge_error(self):
        from core.errors import Retryable

        # Redelivery is safe because the flows look the document up (create_once) before creating it again.
        return Retryable(str(self), retry_after=30.0)


def parse_bc_error_body(body: Any) -> tuple[str | None, str]:
    """(code, message) from BC's `{"error": {"code", "message"}}`; tolerant of other shapes."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return (err.get("code") or None), str(err.get("message") or "")
        if isinstance(err, str):
            return None, err
    return None, ""


def correlation_id_from(message: str | None, headers: Any = None) -> str | None:
    """BC puts `CorrelationId:  <guid>.` at the end of messages; otherwise use the tracing headers."""
    if message:
        match = _CORRELATION_RE.search(message)
        if match:
            return match.group(1)
    if headers is not None:
        for name in _CORRELATION_HEADERS:
            value = headers.get(name)
            if value:
                return value
    return None


def is_ambiguous_status(status: int, has_retry_after: bool) -> bool:
    """For a POST: could BC have committed the request that got this transient status?"""
    if status == 429:
        return False
    if status == 503 and has_retry_after:
        return False
    return status in RETRYABLE_STATUSES


def error_for_status(
    status: int,
    body: Any,
    headers: Any,
    *,
    method: str,
    url: str,
    retry_after: float | None = None,
    text: str = "",
    idempotent: bool | None = None,
) -> BcError:
    """The one classifier of HTTP failures. For transient statuses, a non-idempotent request (default: a POST)
    may be ambiguous; anything else is retryable."""
    code, message = parse_bc_error_body(body)
    if not message:
        message = (text or "").strip()[:500] or f"HTTP {status}"
    correlation_id = correlation_id_from(message, headers)
    common = dict(correlation_id=correlation_id, method=method, url=url)
    if status in RETRYABLE_STATUSES:
        if idempotent is None:
            idempotent = method != "POST"
        if not idempotent and is_ambiguous_status(status, retry_after is not None):
            return BcAmbiguousWriteError(status, code, message, **common)
        return BcRetryableError(status, code, message, retry_after=retry_after, **common)
    if status == 409 and code == ENTITY_CHANGED:
        return BcConflictError(status, code, message, **common)
    if status in (401, 403):
        return BcAuthError(status, code, message, **common)
    # Everything else, including 500 Internal_ServerError (AL runtime errors roll back): repeating won't help.
    return BcPermanentError(status, code, message, **common)
