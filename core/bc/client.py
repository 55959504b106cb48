"""The Business Central API client: one place that authenticates, limits, retries, pages and classifies.

    client = BcClient(api_root=".../v2.0/{tenant}/{env}/api/v2.0", pool=CredentialPool([cred]))
    co = client.company(company_id)
    for item in co.list("items", filter="type eq 'Inventory'", select=["id", "number", "inventory"]):
        ...

Every request takes a slot on a principal from the pool (waiting locally instead of provoking 429s), gets
that principal's token, and is retried per `RetryPolicy` when the failure is transient and repeating it is
safe. A POST that may have been committed is never re-sent: `BcAmbiguousWriteError` goes to the caller, and
`CompanyApi.create_once` looks the document up before posting again. The client is thread-safe.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import httpx
from azure.core.exceptions import ClientAuthenticationError

from .errors import (
    BcAmbiguousWriteError,
    BcAuthError,
    BcConflictError,
    BcError,
    BcPermanentError,
    BcRetryableError,
    error_for_status,
)
from .limiter import CredentialPool, Lease, may_wait
from .metrics import BcMetrics
from .odata import encode_query, entity_label, escape_literal, key_segment, query_params
from .retry import RetryPolicy, parse_retry_after

log = logging.getLogger("core.bc")

MAX_PAGE_SIZE = 20_000
MAX_BATCH = 100
BC_API_HOST = "https://api.businesscentral.dynamics.com"


def bc_api_root(tenant: str, environment: str, host: str = BC_API_HOST) -> str:
    """`https://api.businesscentral.dynamics.com/v2.0/{tenant}/{environment}/api/v2.0` (standard API v2.0)."""
    return f"{host.rstrip('/')}/v2.0/{quote(tenant, safe='.')}/{quote(environment, safe='')}/api/v2.0"

# Transport failures before anything reached BC: safe to repeat, even a POST.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # money has few decimals; float's shortest repr round-trips them exactly
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(body: Any) -> bytes:
    return json.dumps(body, default=_json_default, separators=(",", ":")).encode()


@dataclass(frozen=True)
class BatchOp:
    """One operation of a $batch. `url` is relative (to the company for CompanyApi.batch, else to api_root)."""

    method: str
    url: str
    body: Any = None
    headers: Mapping[str, str] | None = None


@dataclass
class BatchResult:
    """The outcome of one BatchOp: status, headers and body as BC returned them; `error` classified if not 2xx."""

    id: str
    status: int
    headers: dict[str, str]
    body: Any
    error: BcError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class CreateOnceResult:
    """`created`: this call created it (directly, or `recovered` by lookup after an ambiguous POST);
    False: it already existed in `entity_set` before the call."""

    record: dict
    created: bool
    entity_set: str
    recovered: bool = False


@dataclass
class BcResponse:
    """A finished BC response, body fully read. (Not httpx.Response: that one sits in a reference cycle
    with its stream, so its body would live until the cyclic GC runs and paging memory would creep.)"""

    status_code: int
    headers: httpx.Headers = field(repr=False)
    content: bytes = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


@dataclass
class _Attempt:
    response: BcResponse | None = None
    exception: Exception | None = None
    elapsed_ms: float = 0.0
    token: str | None = field(default=None, repr=False)
    lease: Lease | None = field(default=None, repr=False)


class BcClient:
    """Business Central API v2.0 (and published ODataV4 pages) for one tenant/environment."""

    def __init__(
        self,
        api_root: str,
        pool: CredentialPool,
        http: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 120.0,
        *,
        metrics: BcMetrics | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: Callable[[int | str, float], None] | None = None,
    ):
        self.api_root = api_root.rstrip("/")
        self.pool = pool
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.metrics = metrics or BcMetrics()
        # Called after every attempt with (status, seconds waited for the budget): the status page's BC chart
        # (core/state/history.py BcUsage.add, set by core/sync/context.py). Must not raise.
        self.on_attempt = on_attempt
        self._sleep = sleep
        self._owns_http = http is None
        if http is None:
            connections = pool.total_concurrency + 10
            http = httpx.Client(
                timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
                limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
                follow_redirects=False,
            )
        self.http = http
        parts = urlsplit(self.api_root)
        self._origin = f"{parts.scheme}://{parts.netloc}"

    # -- public -----------------------------------------------------------------------------------------

    def company(self, company_id: str) -> CompanyApi:
        return CompanyApi(self, str(company_id))

    def companies(self) -> list[dict]:
        return list(self.iterate(f"{self.api_root}/companies", entity="companies"))

    def odata_page(
        self,
        company_name: str,
        page_name: str,
        filter: str | None = None,  # noqa: A002
        select: Sequence[str] | None = None,
        top: int | None = None,
        page_size: int = 1000,
    ) -> Iterator[dict]:
        """Rows of a page published as an ODataV4 web service (e.g. an Item Card with Location_Filter)."""
        url = f"{self.odata_root}/Company('{quote(escape_literal(company_name), safe='')}')/{page_name}"
        params = query_params(filter=filter, select=select, top=top)
        return self.iterate(url, params, page_size=page_size, top=top, entity=f"ODataV4/{page_name}")

    @property
    def odata_root(self) -> str:
        """`.../v2.0/{tenant}/{env}/ODataV4`, derived from api_root `.../v2.0/{tenant}/{env}/api/v2.0`."""
        marker = self.api_root.rfind("/api/")
        if marker < 0:
            raise ValueError(f"api_root {self.api_root!r} does not contain /api/: cannot derive the ODataV4 root")
        return self.api_root[:marker] + "/ODataV4"

    def batch(self, ops: Sequence[BatchOp], isolation_snapshot: bool = False) -> list[BatchResult]:
        """`$batch` with URLs relative to api_root; chunks of 100; one result per op, in order.

        With `isolation_snapshot` the ops run in one transaction (all or nothing), so more than 100 is refused
        rather than silently split into several transactions.
        """
        if isolation_snapshot and len(ops) > MAX_BATCH:
            raise ValueError(f"an isolated $batch holds at most {MAX_BATCH} operations, got {len(ops)}")
        results: list[BatchResult] = []
        for start in range(0, len(ops), MAX_BATCH):
            results.extend(self._batch_chunk(ops[start : start + MAX_BATCH], isolation_snapshot))
        return results

    def iterate(
        self,
        url: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        page_size: int = 1000,
        top: int | None = None,
        entity: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[dict]:
        """Lazily yield every row of a collection, following `@odata.nextLink`; holds one page at a time."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        entity = entity or entity_label(url[len(self.api_root) :])
        request_headers = {"Prefer": f"odata.maxpagesize={page_size}", **(headers or {})}
        next_url: str | None = url + ("?" + encode_query(params) if params else "")
        remaining = top
        while next_url:
            response = self.send("GET", next_url, entity=entity, headers=request_headers)
            data = response.json()
            del response
            rows = data.get("value", [])
            link = data.get("@odata.nextLink")
            del data
            next_url = self._checked_next_link(next_url, link) if link else None
            for row in rows:
                yield row
                if remaining is not None:
                    remaining -= 1
                    if remaining <= 0:
                        return
            del rows

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> BcClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BcClient(api_root={self.api_root!r}, pool={self.pool!r})"

    # -- the one request path -----------------------------------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        entity: str | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
        safe: bool | None = None,
        cost: int = 1,
    ) -> BcResponse:
        """One logical request with limiting, auth, retries and classification. Returns a 2xx response.

        `safe`: may this request be repeated after an unknown outcome? Default: every method but POST.
        `cost`: rate-limit units it uses (a $batch: one per operation).
        """
        method = method.upper()
        safe = (method != "POST") if safe is None else safe
        entity = entity or entity_label(url[len(self.api_root) :] if url.startswith(self.api_root) else url)
        where = url.split("?", 1)[0]
        content = None if body is None else _dumps(body)
        base_headers = {"Accept": "application/json"}
        if content is not None:
            base_headers["Content-Type"] = "application/json"
        base_headers.update(headers or {})
        self.metrics.record_call()
        refreshed_token = False
        maybe_applied = False  # an earlier attempt may have reached BC (DELETE: a later 404 means done)
        attempt = 0
        while True:
            attempt += 1
            result = self._attempt(method, url, entity, content, base_headers, attempt, cost)
            if result.exception is not None:
                error = self._transport_error(result.exception, method, where, safe)
                if not isinstance(result.exception, _NOT_SENT):
                    maybe_applied = True
                retry_after = None
            else:
                response = result.response
                status = response.status_code
                if status < 300:
                    return response
                if status == 401 and not refreshed_token:
                    # An expired or revoked token: fetch a new one once, then believe BC.
                    result.lease.member.tokens.invalidate(result.token)
                    self.metrics.record_token_refresh()
                    refreshed_token = True
                    attempt -= 1
                    continue
                if status == 404 and method == "DELETE" and maybe_applied:
                    return response  # the earlier, unanswered DELETE did it
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                error = error_for_status(
                    status,
                    _json_or_none(response),
                    response.headers,
                    method=method,
                    url=where,
                    retry_after=retry_after,
                    text=response.text,
                    idempotent=safe,
                )
                if status in (502, 504, 408) or (status == 503 and retry_after is None):
                    maybe_applied = True
            if isinstance(error, BcAmbiguousWriteError):
                self.metrics.record_ambiguous()
                self.metrics.record_failure(error)
                raise error
            if not isinstance(error, BcRetryableError):
                self.metrics.record_failure(error)
                raise error
            delay = self.retry.delay(attempt, retry_after)
            # may_wait: the invocation's wait budget (limiter.wait_budget) keeps the sum of waits below the
            # claim lease and functionTimeout; a longer wait goes back to the queue as retry_after
            if attempt >= self.retry.max_attempts or delay > self.retry.max_wait or not may_wait(delay):
                error.retry_after = delay
                self.metrics.record_failure(error)
                raise error
            self.metrics.record_retry(delay)
            log.debug("BC %s %s: retry %d in %.2fs (%s)", method, entity, attempt, delay, error.status or "transport")
            self._sleep(delay)

    def _attempt(
        self,
        method: str,
        url: str,
        entity: str,
        content: bytes | None,
        headers: dict[str, str],
        attempt: int,
        cost: int,
    ) -> _Attempt:
        lease = self.pool.acquire(cost=cost)
        result = _Attempt(lease=lease)
        throttled_for = None
        status: int | str = "error"
        start = time.perf_counter()
        try:
            try:
                result.token = lease.bearer()
            except ClientAuthenticationError as exc:
                raise BcAuthError(
                    None, "TokenRequestFailed", f"No token for BC principal {lease.name}: {exc.message}"
                ) from exc
            request_headers = {**headers, "Authorization": f"Bearer {result.token}"}
            try:
                response = self._fetch(method, url, content, request_headers)
            except httpx.TransportError as exc:
                result.exception = exc
                status = f"error:{type(exc).__name__}"
            else:
                result.response = response
                status = response.status_code
                if status == 429:
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                    throttled_for = retry_after if retry_after is not None else self.retry.backoff(attempt)
                if status in (429, 503):
                    # the marker the "BC throttling" alert in infra/ counts
                    log.warning("bc_throttled status=%s entity=%s principal=%s retry_after=%s", status, entity,
                                lease.name, response.headers.get("Retry-After"))
        finally:
            result.elapsed_ms = (time.perf_counter() - start) * 1000
            self.pool.release(lease, throttled_for=throttled_for)
        self.metrics.record_attempt(method, entity, status, result.elapsed_ms, lease.name, lease.waited_s)
        if self.on_attempt is not None:
            self.on_attempt(status, lease.waited_s)
        log.debug(
            "BC %s %s -> %s in %.0f ms (principal %s, attempt %d, waited %.2fs for a slot)",
            method,
            entity,
            status,
            result.elapsed_ms,
            lease.name,
            attempt,
            lease.waited_s,
        )
        return result

    def _fetch(self, method: str, url: str, content: bytes | None, headers: dict[str, str]) -> BcResponse:
        request = self.http.build_request(method, url, content=content, headers=headers)
        response = self.http.send(request, stream=True)
        try:
            body = b"".join(response.iter_bytes())
        finally:
            response.close()
        return BcResponse(response.status_code, response.headers, body)

    @staticmethod
    def _transport_error(exc: Exception, method: str, where: str, safe: bool) -> BcError:
        message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if isinstance(exc, _NOT_SENT) or safe:
            return BcRetryableError(None, "Transport", message, method=method, url=where)
        return BcAmbiguousWriteError(None, "Transport", message, method=method, url=where)

    def _checked_next_link(self, current: str, link: str) -> str:
        """Follow nextLinks only to the same host: the bearer token must never go elsewhere."""
        absolute = urljoin(current, link)
        if not absolute.startswith(self._origin + "/"):
            raise BcPermanentError(
                None, "UnexpectedNextLink", f"nextLink points to another host: {urlsplit(absolute).netloc}"
            )
        return absolute

    def _batch_chunk(self, ops: Sequence[BatchOp], isolation_snapshot: bool) -> list[BatchResult]:
        requests = []
        for index, op in enumerate(ops):
            op_headers = dict(op.headers or {})
            if op.body is not None and not any(k.lower() == "content-type" for k in op_headers):
                op_headers["Content-Type"] = "application/json"
            item: dict[str, Any] = {"method": op.method.upper(), "id": str(index + 1), "url": op.url.lstrip("/")}
            if op_headers:
                item["headers"] = op_headers
            if op.body is not None:
                item["body"] = op.body
            requests.append(item)
        headers = {"Isolation": "snapshot"} if isolation_snapshot else {}
        all_reads = all(op.method.upper() == "GET" for op in ops)
        response = self.send(
            "POST",
            f"{self.api_root}/$batch",
            entity="$batch",
            body={"requests": requests},
            headers=headers,
            safe=all_reads,
            cost=len(ops),
        )
        by_id = {str(r.get("id")): r for r in (response.json().get("responses") or [])}
        results = []
        for index, op in enumerate(ops):
            op_id = str(index + 1)
            raw = by_id.get(op_id)
            if raw is None:
                error = BcAmbiguousWriteError(
                    None, "BatchResponseMissing", "BC returned no response for this operation",
                    method=op.method.upper(), url=op.url,
                )
                results.append(BatchResult(op_id, 0, {}, None, error))
                continue
            status = int(raw.get("status", 0))
            op_headers = {str(k).lower(): str(v) for k, v in (raw.get("headers") or {}).items()}
            body = raw.get("body")
            error = None
            if not 200 <= status < 300:
                error = error_for_status(
                    status,
                    body,
                    op_headers,
                    method=op.method.upper(),
                    url=op.url,
                    retry_after=parse_retry_after(op_headers.get("retry-after")),
                )
            results.append(BatchResult(op_id, status, op_headers, body, error))
        return results


def _json_or_none(response: BcResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class CompanyApi:
    """Entity sets of one company: `/companies({id})/...`. Paths may be nested: "salesOrders(<id>)/salesOrderLines"."""

    def __init__(self, client: BcClient, company_id: str):
        self.client = client
        self.company_id = company_id
        self.base = f"{client.api_root}/companies{key_segment(company_id)}"

    def __repr__(self) -> str:
        return f"CompanyApi(company_id={self.company_id!r})"

    def url(self, path: str, key: str | None = None) -> str:
        path = path.strip("/")
        return f"{self.base}/{path}{key_segment(key) if key is not None else ''}"

    def get(
        self, entity_set: str, id: str, select: Sequence[str] | None = None, expand: Sequence[str] | None = None
    ) -> dict:
        params = query_params(select=select, expand=expand)
        url = self.url(entity_set, id) + ("?" + encode_query(params) if params else "")
        return self.client.send("GET", url, entity=entity_label(entity_set)).json()

    def list(
        self,
        entity_set: str,
        filter: str | None = None,  # noqa: A002
        select: Sequence[str] | None = None,
        expand: Sequence[str] | None = None,
        top: int | None = None,
        page_size: int = 1000,
        orderby: str | None = None,
    ) -> Iterator[dict]:
        """Lazy: rows are fetched page by page (`Prefer: odata.maxpagesize`) as the caller iterates."""
        params = query_params(filter=filter, select=select, expand=expand, top=top, orderby=orderby)
        return self.client.iterate(
            self.url(entity_set), params, page_size=page_size, top=top, entity=entity_label(entity_set)
        )

    def first(
        self,
        entity_set: str,
        filter: str | None = None,  # noqa: A002
        select: Sequence[str] | None = None,
        expand: Sequence[str] | None = None,
    ) -> dict | None:
        return next(iter(self.list(entity_set, filter=filter, select=select, expand=expand, top=1, page_size=1)), None)

    def create(self, entity_set: str, body: Mapping[str, Any]) -> dict:
        """POST (deep insert allowed). Raises BcAmbiguousWriteError when BC may have committed without answering."""
        response = self.client.send("POST", self.url(entity_set), entity=entity_label(entity_set), body=body)
        return _json_or_none(response) or {}

    def update(self, entity_set: str, id: str, changes: Mapping[str, Any], *, etag: str) -> dict:
        """PATCH with If-Match (`etag` from the record's `@odata.etag`, or "*" to overwrite deliberately)."""
        response = self.client.send(
            "PATCH", self.url(entity_set, id), entity=entity_label(entity_set), body=changes, headers={"If-Match": etag}
        )
        return _json_or_none(response) or {}

    def update_with_retry(
        self,
        entity_set: str,
        id: str,
        change_fn: Callable[[dict], Mapping[str, Any] | None],
        *,
        max_attempts: int = 5,
    ) -> dict:
        """Read, `change_fn(record) -> changes`, PATCH with the record's ETag; on 409 Request_EntityChanged read
        again and re-apply. No changes (None/{}) = nothing to write: returns the record as read."""
        conflict: BcConflictError | None = None
        for _ in range(max_attempts):
            record = self.get(entity_set, id)
            changes = change_fn(record)
            if not changes:
                return record
            try:
                return self.update(entity_set, id, changes, etag=record["@odata.etag"])
            except BcConflictError as exc:
                conflict = exc
                log.debug("BC %s: record changed meanwhile, re-reading", entity_label(entity_set))
        assert conflict is not None
        raise conflict

    def delete(self, entity_set: str, id: str, *, etag: str) -> None:
        self.client.send(
            "DELETE", self.url(entity_set, id), entity=entity_label(entity_set), headers={"If-Match": etag}
        )

    def action(self, entity_set: str, id: str, name: str, *, etag: str | None = None) -> None:
        """Bound action `POST .../{set}({id})/Microsoft.NAV.{name}` (204). Not idempotent: never re-sent blindly."""
        headers = {"If-Match": etag} if etag else None
        self.client.send(
            "POST",
            f"{self.url(entity_set, id)}/Microsoft.NAV.{name}",
            entity=f"{entity_label(entity_set)}/{name}",
            headers=headers,
        )

    def batch(self, ops: Sequence[BatchOp], isolation_snapshot: bool = False) -> list[BatchResult]:
        """$batch with op URLs relative to this company ("customers", "salesOrders(<id>)/salesOrderLines")."""
        prefix = f"companies{key_segment(self.company_id)}/"
        scoped = [BatchOp(op.method, prefix + op.url.lstrip("/"), op.body, op.headers) for op in ops]
        return self.client.batch(scoped, isolation_snapshot=isolation_snapshot)

    def create_once(
        self,
        entity_set: str,
        body: Mapping[str, Any],
        lookup_filter: str,
        *,
        also_in: Sequence[str] = (),
        settle_delays: Sequence[float] = (0.5, 2.0, 5.0),
        max_posts: int = 2,
    ) -> CreateOnceResult:
        """Create a document unless it exists; exactly one even when BC commits but the answer is lost.

        1. Look it up (`lookup_filter`, e.g. `externalDocumentNumber eq 'SHOP-1001'`) in `entity_set` and
           `also_in` (a shipped and invoiced order lives on as a salesInvoice). Found: return it.
        2. POST. On BcAmbiguousWriteError look it up again after each of `settle_delays` (BC may still be
           committing). Found: that is ours. Not found after the last delay: BC did not commit, POST again
           (at most `max_posts` POSTs in all), else re-raise BcAmbiguousWriteError.

        Callers still claim the shop document first (binding row) so two workers never race here.
        """
        sets = [entity_set, *also_in]
        found = self._lookup(sets, lookup_filter)
        if found:
            return CreateOnceResult(found[1], created=False, entity_set=found[0])
        ambiguous: BcAmbiguousWriteError | None = None
        for _ in range(max_posts):
            try:
                return CreateOnceResult(self.create(entity_set, body), created=True, entity_set=entity_set)
            except BcAmbiguousWriteError as exc:
                ambiguous = exc
                log.warning(
                    "BC %s: outcome of create unknown (%s); looking it up before posting again",
                    entity_label(entity_set),
                    exc.status or exc.code,
                )
            for delay in settle_delays:
                self.client._sleep(delay)
                found = self._lookup(sets, lookup_filter)
                if found:
                    return CreateOnceResult(found[1], created=True, entity_set=found[0], recovered=True)
        assert ambiguous is not None
        raise ambiguous

    def _lookup(self, sets: Sequence[str], lookup_filter: str) -> tuple[str, dict] | None:
        for name in sets:
            record = self.first(name, filter=lookup_filter)
            if record is not None:
                return name, record
        return None
