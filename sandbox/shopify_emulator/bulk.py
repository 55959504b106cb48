"""Bulk query operations: `bulkOperationRunQuery`, `bulkOperation(id:)`, `currentBulkOperation`,
`bulkOperationCancel`, and the JSONL result behind the operation's `url`.

Derived from Shopify's Admin API 2026-04 schema (`BulkOperation`, `BulkOperationStatus`,
`BulkOperationErrorCode`, `BulkOperationUserErrorCode`) and the bulk operations guide / the
`bulkOperationRunQuery` reference page (shopify.dev, admin-graphql/unstable and 2026-01):

- Lifecycle (BulkOperationStatus): CREATED when the mutation answers → RUNNING in the background →
  COMPLETED (`url`, `fileSize`, `objectCount`, `rootObjectCount`, `completedAt`), or FAILED with `errorCode`
  (ACCESS_DENIED, INTERNAL_SERVER_ERROR, TIMEOUT) and `partialDataUrl` when some lines were written, or
  CANCELING → CANCELED after `bulkOperationCancel`. EXPIRED: the result is gone (Shopify keeps it seven days;
  tests call `emu.expire_bulk_operation(id)`), `url` null.
- One bulk query operation at a time per shop: another `bulkOperationRunQuery` while one is CREATED, RUNNING or
  CANCELING answers the userError OPERATION_IN_PROGRESS (BulkOperationUserErrorCode). Newer API versions allow
  more than one; the reference pages say the number "depends on the API version" without giving 2026-04's, so
  the emulator keeps the strict one and the client must handle the refusal.
- The inner query must be valid against the schema, its root field a connection (not `node`/`nodes`), with at
  most five connections nested at most two levels deep; otherwise userError INVALID, field ["query"].
- Result (groupObjects false, as the bridge asks): JSONL, one line per node. A node of a nested connection is
  its own line, after its parent, carrying `"__parentId"`: the id of the node of the enclosing connection (so a
  parent that has nested connections must select `id`). `groupObjects: true` is not emulated (it is slower on
  Shopify and nothing here needs it); asked for, the request fails loudly.
- Cost: the bulk work itself draws nothing from the cost bucket; only the calls do (`bulkOperationRunQuery`
  and `bulkOperationCancel` 10 points, a poll 1 point).
- The result `url` is a signed storage link on Shopify (no access token); here `{base_url}/bulk-results/<random
  token>.jsonl`, answered without the token header, streamed from a file.

Root fields the emulator can run in bulk: `productVariants` (with `inventoryItem { inventoryLevels }` as the
nested connection). Others → NOT_EMULATED. Rows are executed in slices of `SLICE` root nodes through
graphql-core, so the emulator holds one slice at a time.

Test controls on the emulator: `hold_bulk_operations()` / `release_bulk_operations()` keep a new operation
RUNNING until released, `fail_next_bulk_operation(code, after_objects=0)` makes the next one FAILED,
`expire_bulk_operation(id)`.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
from datetime import UTC, datetime

from graphql import FieldNode, GraphQLList, GraphQLNonNull, get_named_type

from . import schema
from .graphql import GraphQLError, variant_node
from .schema import Request
from .store import ShopData, gid, utc_text

log = logging.getLogger("sandbox.shopify_emulator.bulk")

SLICE = 500
MAX_CONNECTIONS = 5
MAX_NESTING = 2
RUN_COST = 10
POLL_COST = 1
ACTIVE = ("CREATED", "RUNNING", "CANCELING")
ROOT_FIELDS = ("bulkOperationRunQuery", "bulkOperationCancel", "bulkOperation", "currentBulkOperation")


class BulkOperations:
    def __init__(self, data: ShopData, base_url, counters):
        self.data = data
        self._base_url = base_url  # a callable: the emulator's URL is known only once it listens
        self.counters = counters
        self.operations: dict[int, dict] = {}
        self.files: dict[str, str] = {}  # token → path of the JSONL file
        self._dir = tempfile.mkdtemp(prefix="shopify-bulk-")
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._release.set()
        self._fail_next: tuple[str, int] | None = None
        self._threads: list[threading.Thread] = []

    # ---- test controls ----

    def hold(self) -> None:
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    def fail_next(self, code: str, after_objects: int = 0) -> None:
        if code not in schema.enum_values("BulkOperationErrorCode"):
            raise ValueError(f"{code} is not a BulkOperationErrorCode")
        self._fail_next = (code, after_objects)

    def expire(self, operation_id: str) -> None:
        with self._lock:
            record = self.operations[_number(operation_id)]
            for key in ("url", "partialDataUrl"):
                token = record.pop(f"_{key}_token", None)
                if token:
                    path = self.files.pop(token, None)
                    if path:
                        os.remove(path)
                record[key] = None
            record["status"] = "EXPIRED"

    def wait_idle(self, timeout: float = 30.0) -> None:
        for thread in list(self._threads):
            thread.join(timeout)

    def close(self) -> None:
        self._release.set()
        with self._lock:
            for record in self.operations.values():
                record["_cancel"] = True
        self.wait_idle(5.0)
        shutil.rmtree(self._dir, ignore_errors=True)

    def result_path(self, token: str) -> str | None:
        with self._lock:
            return self.files.get(token)

    # ---- GraphQL ----

    @staticmethod
    def requested_cost(op: Request) -> int:
        return RUN_COST if op.root_field in ("bulkOperationRunQuery", "bulkOperationCancel") else POLL_COST

    def handle(self, op: Request) -> tuple[dict, int]:
        cost = self.requested_cost(op)
        if op.root_field == "bulkOperationRunQuery":
            return {"bulkOperationRunQuery": self._run_query(op.args["query"], op.args["groupObjects"])}, cost
        if op.root_field == "bulkOperationCancel":
            return {"bulkOperationCancel": self._cancel(op.args["id"])}, cost
        with self._lock:
            if op.root_field == "bulkOperation":
                record = self.operations.get(_number(op.args["id"]))
                return {"bulkOperation": _public(record)}, cost
            wanted = op.args.get("type") or "QUERY"
            latest = max((n for n, r in self.operations.items() if r["type"] == wanted), default=None)
            return {"currentBulkOperation": _public(self.operations.get(latest))}, cost

    def _run_query(self, query: str, group_objects: bool) -> dict:
        if group_objects:
            raise GraphQLError("Emulator: groupObjects: true is not emulated (send false)", "NOT_EMULATED")
        try:
            inner = schema.check(query, {})
        except schema.Refused as exc:
            return _refused("INVALID", f"Invalid bulk query: {exc}")
        problem = _shape_problem(inner)
        if problem:
            return _refused("INVALID", problem)
        if inner.root_field != "productVariants":
            raise GraphQLError(f"Emulator: bulk {inner.root_field} is not emulated", "NOT_EMULATED")
        with self._lock:
            running = next((r for r in self.operations.values() if r["type"] == "QUERY" and r["status"] in ACTIVE),
                           None)
            if running is not None:
                return _refused("OPERATION_IN_PROGRESS", f"A bulk query operation for this app and shop is already "
                                f"in progress: {running['id']}.", field=None)
            number = self.data.next_id()
            record = {"id": gid("BulkOperation", number), "status": "CREATED", "type": "QUERY", "query": query,
                      "createdAt": utc_text(datetime.now(UTC)), "completedAt": None, "errorCode": None,
                      "objectCount": "0", "rootObjectCount": "0", "fileSize": None, "url": None,
                      "partialDataUrl": None, "_cancel": False}
            self.operations[number] = record
            fail, self._fail_next = self._fail_next, None
            answer = {"bulkOperation": _public(record), "userErrors": []}  # as created, before it starts
        self.counters["bulk_operations"] += 1
        thread = threading.Thread(target=self._execute, args=(record, inner, fail), name="shopify-bulk", daemon=True)
        self._threads.append(thread)
        thread.start()
        return answer

    def _cancel(self, operation_id: str) -> dict:
        with self._lock:
            record = self.operations.get(_number(operation_id))
            if record is None:
                return {"bulkOperation": None, "userErrors": [{"field": ["id"],
                                                               "message": "Bulk operation does not exist"}]}
            if record["status"] not in ACTIVE:
                return {"bulkOperation": _public(record), "userErrors": [{"field": None, "message": (
                    f"A bulk operation cannot be canceled when it is {record['status'].lower()}")}]}
            record["status"], record["_cancel"] = "CANCELING", True
            return {"bulkOperation": _public(record), "userErrors": []}

    # ---- the background run ----

    def _execute(self, record: dict, inner: Request, fail: tuple[str, int] | None) -> None:
        try:
            self._produce(record, inner, fail)
        except Exception:  # noqa: BLE001 - an emulator bug shows as a FAILED operation, and in the log
            log.exception("bulk operation %s failed inside the emulator", record["id"])
            with self._lock:
                record.update(status="FAILED", errorCode="INTERNAL_SERVER_ERROR")

    def _produce(self, record: dict, inner: Request, fail: tuple[str, int] | None) -> None:
        token = secrets.token_urlsafe(16)
        path = os.path.join(self._dir, f"{token}.jsonl")
        objects = roots = 0
        with self._lock:
            if record["status"] == "CREATED":
                record["status"] = "RUNNING"
        self._release.wait()
        with self.data.lock:
            variants = sorted(self.data.variants, key=lambda v: v.number)
        with open(path, "w", encoding="utf-8") as out:
            for start in range(0, len(variants), SLICE):
                if record["_cancel"]:
                    break
                if fail is not None and objects >= fail[1]:
                    break
                with self.data.lock:
                    nodes = [variant_node(self.data, v) for v in variants[start:start + SLICE]]
                answer = schema.answer(inner, {"productVariants": {
                    "edges": [{"node": n, "cursor": ""} for n in nodes], "nodes": nodes,
                    "pageInfo": {"hasNextPage": False, "hasPreviousPage": False}}})
                if answer.get("errors"):  # the emulator's own bug: fail loudly rather than answer wrongly
                    raise RuntimeError(answer["errors"])
                for line in _lines(answer["data"]["productVariants"], None):
                    out.write(json.dumps(line, separators=(",", ":")) + "\n")
                    objects += 1
                    roots += "__parentId" not in line
                with self._lock:
                    record["objectCount"], record["rootObjectCount"] = str(objects), str(roots)
        size = os.path.getsize(path)
        with self._lock:
            record["completedAt"] = utc_text(datetime.now(UTC))
            if record["_cancel"]:
                record["status"] = "CANCELED"
                os.remove(path)
            elif fail is not None:
                record["status"], record["errorCode"] = "FAILED", fail[0]
                record["completedAt"] = None
                if objects:
                    self.files[token] = path
                    record["partialDataUrl"], record["_partialDataUrl_token"] = self._url(token), token
                else:
                    os.remove(path)
            else:
                self.files[token] = path
                record.update(status="COMPLETED", fileSize=str(size), url=self._url(token), _url_token=token)
        self.counters["bulk_objects"] += objects

    def _url(self, token: str) -> str:
        return f"{self._base_url()}/bulk-results/{token}.jsonl"


def _number(operation_id) -> int:
    try:
        return int(str(operation_id).rsplit("/", 1)[-1])
    except ValueError:
        return -1


def _public(record: dict | None) -> dict | None:
    return None if record is None else {k: v for k, v in record.items() if not k.startswith("_")}


def _refused(code: str, message: str, field: list | None = ("query",)) -> dict:
    return {"bulkOperation": None, "userErrors": [{"field": list(field) if field else None, "message": message,
                                                   "code": code}]}


def _shape_problem(inner: Request) -> str | None:
    """Shopify's limits on a bulk query: a connection at the root (not node/nodes), ≤ 5 connections, ≤ 2 deep."""
    if inner.operation.operation.value != "query":
        return "Bulk queries must be a query operation (use bulkOperationRunMutation for mutations)."
    if inner.root_field in ("node", "nodes"):
        return "The top-level `node` and `nodes` fields can't be used in a bulk query."
    query_type = schema.admin_schema().query_type
    depths: list[int] = []

    def walk(node: FieldNode, parent_type, depth: int) -> None:
        field = parent_type.fields.get(node.name.value) if hasattr(parent_type, "fields") else None
        if field is None:
            return
        named = get_named_type(field.type)
        if named.name.endswith("Connection") and not isinstance(_unwrap(field.type), GraphQLList):
            depth += 1
            depths.append(depth)
        for child in (node.selection_set.selections if node.selection_set else ()):
            if isinstance(child, FieldNode):
                walk(child, named, depth)

    walk(inner.field, query_type, 0)
    if not depths or depths[0] != 1:
        return "Bulk queries must contain at least one connection, starting at the root field."
    if len(depths) > MAX_CONNECTIONS:
        return f"Bulk queries cannot contain more than {MAX_CONNECTIONS} connections."
    if max(depths) > MAX_NESTING:
        return f"Bulk queries cannot contain connections with a nesting depth greater than {MAX_NESTING}."
    return None


def _unwrap(kind):
    return kind.of_type if isinstance(kind, GraphQLNonNull) else kind


def _is_connection(value) -> bool:
    return isinstance(value, dict) and (isinstance(value.get("edges"), list) or isinstance(value.get("nodes"), list))


def _connection_nodes(connection: dict) -> list[dict]:
    if isinstance(connection.get("edges"), list):
        return [edge["node"] for edge in connection["edges"] if isinstance(edge, dict) and "node" in edge]
    return list(connection["nodes"])


def _lines(connection: dict, parent_id: str | None):
    """The JSONL lines of a connection: each node without its nested connections, then those nodes' lines."""
    for node in _connection_nodes(connection):
        children: list[dict] = []
        line = _strip(node, children)
        if parent_id is not None:
            line["__parentId"] = parent_id
        yield line
        for child in children:
            yield from _lines(child, node.get("id"))


def _strip(value: dict, children: list[dict]) -> dict:
    """A copy of a node with nested connections taken out (into `children`), at any depth of plain objects."""
    out = {}
    for key, item in value.items():
        if _is_connection(item):
            children.append(item)
        elif isinstance(item, dict):
            out[key] = _strip(item, children)
        else:
            out[key] = item
    return out
