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

Bulk mutations (`stagedUploadsCreate` + upload + `bulkOperationRunMutation`), from the same schema (the
`bulkOperationRunMutation` and `StagedUploadTargetGenerateUploadResource.BULK_MUTATION_VARIABLES` descriptions,
`BulkMutationErrorCode`) and the bulk import guide (shopify.dev/docs/api/usage/bulk-operations/imports):

- `stagedUploadsCreate(input: [{resource: BULK_MUTATION_VARIABLES, filename, mimeType, httpMethod}])` hands out
  a target: for POST, `url` (here `{base_url}/staged-uploads/`) and form `parameters` (Content-Type,
  success_action_status 201, acl, `key` `tmp/<shop>/bulk/<uuid>/bulk_op_vars`, x-goog-* and a signed `policy`);
  for PUT, a signed `url` ending in the key. Other resources are NOT_EMULATED. A mutation like any other (10).
- The upload: a multipart POST carrying every handed-out parameter unchanged and the file last (Google Cloud
  Storage's form upload), answered `success_action_status`; or a PUT of the body to the signed URL. A key not
  handed out, a changed key or policy, a missing parameter → 403 AccessDenied, nothing stored.
- `bulkOperationRunMutation(mutation:, stagedUploadPath: <the key>)`: NO_SUCH_FILE when nothing was uploaded
  under the key, INVALID_MUTATION when the mutation does not validate against the schema (or is not a
  mutation), INVALID_STAGED_UPLOAD_FILE when a line is not a JSON object, OPERATION_IN_PROGRESS while another
  bulk MUTATION of the shop is CREATED/RUNNING/CANCELING. The schema's description: one bulk mutation at a time
  per shop, "though a bulkOperationRunQuery operation can run simultaneously" — so a query and a mutation may
  run side by side here, as the guide's "one bulk operation of each type" says.
- Each line's variables run the mutation once (validated like a request: a refused line gets top-level
  `errors`, the others run). The result JSONL has one line per input line: `{"data": {<mutation>: …},
  "__lineNumber": n}` (n from 0, the input line), or `{"errors": […], "__lineNumber": n}`. No cost is drawn
  per line. Mutations the emulator can run in bulk: `productVariantsBulkUpdate`; others → NOT_EMULATED.

Test controls on the emulator: `hold_bulk_operations()` / `release_bulk_operations()` keep a new operation
RUNNING until released, `fail_next_bulk_operation(code, after_objects=0)` makes the next one FAILED,
`expire_bulk_operation(id)` (queries and mutations alike).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP

from graphql import FieldNode, GraphQLList, GraphQLNonNull, get_named_type

from . import schema
from .graphql import GraphQLError, product_variants_bulk_update, variant_node
from .schema import Request
from .store import ShopData, gid, utc_text

log = logging.getLogger("sandbox.shopify_emulator.bulk")

SLICE = 500
MAX_CONNECTIONS = 5
MAX_NESTING = 2
RUN_COST = 10
POLL_COST = 1
ACTIVE = ("CREATED", "RUNNING", "CANCELING")
ROOT_FIELDS = ("bulkOperationRunQuery", "bulkOperationRunMutation", "bulkOperationCancel", "bulkOperation",
               "currentBulkOperation", "stagedUploadsCreate")
MUTATION_ROOTS = ("bulkOperationRunQuery", "bulkOperationRunMutation", "bulkOperationCancel", "stagedUploadsCreate")
# the mutations the emulator can run once per line of a bulk mutation
BULK_MUTATIONS = {"productVariantsBulkUpdate": product_variants_bulk_update}


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
        self._signing_key = secrets.token_bytes(32)
        self._shop_number = 10_000_000 + secrets.randbelow(90_000_000)  # the shop id in a staged key
        self.staged: dict[str, dict] = {}  # key → {"parameters": {...}, "path": file or None}

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
        return RUN_COST if op.root_field in MUTATION_ROOTS else POLL_COST

    def handle(self, op: Request) -> tuple[dict, int]:
        cost = self.requested_cost(op)
        if op.root_field == "stagedUploadsCreate":
            return {"stagedUploadsCreate": self._staged_targets(op.args["input"])}, cost
        if op.root_field == "bulkOperationRunMutation":
            return {"bulkOperationRunMutation": self._run_mutation(op.args["mutation"],
                                                                   op.args["stagedUploadPath"])}, cost
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
            record = self._new_record("QUERY", query)
            fail, self._fail_next = self._fail_next, None
            answer = {"bulkOperation": _public(record), "userErrors": []}  # as created, before it starts
        self._start(record, lambda: self._produce(record, inner, fail))
        return answer

    def _new_record(self, kind: str, query: str) -> dict:
        """A CREATED operation (called under the lock)."""
        number = self.data.next_id()
        record = {"id": gid("BulkOperation", number), "status": "CREATED", "type": kind, "query": query,
                  "createdAt": utc_text(datetime.now(UTC)), "completedAt": None, "errorCode": None,
                  "objectCount": "0", "rootObjectCount": "0", "fileSize": None, "url": None,
                  "partialDataUrl": None, "_cancel": False}
        self.operations[number] = record
        return record

    def _start(self, record: dict, produce) -> None:
        self.counters["bulk_operations"] += 1
        thread = threading.Thread(target=self._execute, args=(record, produce), name="shopify-bulk", daemon=True)
        self._threads.append(thread)
        thread.start()

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

    # ---- staged uploads (the variables file of a bulk mutation) ----

    def _sign(self, text: str) -> str:
        return hmac.new(self._signing_key, text.encode(), hashlib.sha256).hexdigest()

    def _staged_targets(self, inputs: list[dict]) -> dict:
        targets = []
        for entry in inputs:
            if entry["resource"] != "BULK_MUTATION_VARIABLES":
                raise GraphQLError(f"Emulator: staged uploads for {entry['resource']} are not emulated",
                                   "NOT_EMULATED")
            key = f"tmp/{self._shop_number}/bulk/{uuid.uuid4()}/bulk_op_vars"
            signature = self._sign(key)
            if entry.get("httpMethod") == "POST":
                policy = base64.b64encode(json.dumps({"conditions": [{"key": key}]}).encode()).decode()
                parameters = {"Content-Type": entry["mimeType"], "success_action_status": "201", "acl": "private",
                              "key": key, "x-goog-date": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
                              "x-goog-credential": "bulk-uploads@shopify-emulator/auto/storage/goog4_request",
                              "x-goog-algorithm": "GOOG4-RSA-SHA256", "x-goog-signature": signature,
                              "policy": policy}
                url = f"{self._base_url()}/staged-uploads/"
            else:  # PUT: the signature travels in the URL, the parameters are headers to send along
                parameters = {"content_type": entry["mimeType"], "acl": "private"}
                url = f"{self._base_url()}/staged-uploads/{key}?X-Goog-Signature={signature}"
            with self._lock:
                self.staged[key] = {"parameters": parameters, "path": None}
            targets.append({"url": url, "resourceUrl": None,
                            "parameters": [{"name": k, "value": v} for k, v in parameters.items()]})
        return {"stagedTargets": targets, "userErrors": []}

    def accept_upload(self, method: str, path_and_query: str, headers, body: bytes) -> tuple[int, str]:
        """The storage host's answer to an upload: (status, body). POST: a multipart form with every parameter
        handed out, the file last; PUT: the signed URL. Anything else is refused (403) and nothing is stored."""
        denied = 403, "<Error><Code>AccessDenied</Code><Message>Invalid upload</Message></Error>"
        if method == "POST":
            form = _multipart(headers.get("Content-Type") or "", body)
            if form is None or "file" not in form or list(form)[-1] != "file":
                return 400, "<Error><Code>InvalidArgument</Code><Message>a form with the file last</Message></Error>"
            key = form.get("key", "")
            with self._lock:
                staged = self.staged.get(key)
            if staged is None or any(form.get(name) != value for name, value in staged["parameters"].items()):
                return denied
            content, status = form["file"], int(staged["parameters"]["success_action_status"])
        else:
            path, _, query = path_and_query.partition("?")
            key = path.removeprefix("/staged-uploads/")
            signature = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("X-Goog-Signature")
            with self._lock:
                staged = self.staged.get(key)
            if staged is None or not signature or not hmac.compare_digest(signature, self._sign(key)):
                return denied
            content, status = body, 200
        file_path = os.path.join(self._dir, f"upload-{secrets.token_hex(8)}.jsonl")
        with open(file_path, "wb") as out:
            out.write(content)
        with self._lock:
            staged["path"] = file_path
        self.counters["staged_uploads"] += 1
        return status, ""

    # ---- bulk mutations ----

    def _run_mutation(self, mutation: str, staged_path: str) -> dict:
        with self._lock:
            staged = self.staged.get(staged_path)
        if staged is None or staged["path"] is None:
            return _refused("NO_SUCH_FILE", "The JSONL file could not be found. Try uploading the file again, "
                            "and check that you've entered the URL correctly for the stagedUploadPath mutation "
                            "argument.", field=("stagedUploadPath",))
        document, errors = schema._parsed(mutation or "")
        operations = [d for d in (document.definitions if document else ()) if hasattr(d, "operation")]
        if errors or len(operations) != 1 or operations[0].operation.value != "mutation":
            detail = "; ".join(e["message"] for e in errors) or "send exactly one mutation operation"
            return _refused("INVALID_MUTATION", f"Invalid mutation: {detail}", field=("mutation",))
        roots = [s.name.value for s in operations[0].selection_set.selections if hasattr(s, "name")]
        if len(roots) != 1 or roots[0] not in BULK_MUTATIONS:
            raise GraphQLError(f"Emulator: bulk {', '.join(roots)} is not emulated", "NOT_EMULATED")
        with open(staged["path"], "rb") as lines:
            for text in lines:
                try:
                    if not isinstance(json.loads(text), dict):
                        raise ValueError
                except ValueError:
                    return _refused("INVALID_STAGED_UPLOAD_FILE", "The JSONL file submitted via the "
                                    "stagedUploadsCreate mutation is invalid.", field=("stagedUploadPath",))
        with self._lock:
            running = next((r for r in self.operations.values()
                            if r["type"] == "MUTATION" and r["status"] in ACTIVE), None)
            if running is not None:
                return _refused("OPERATION_IN_PROGRESS", f"A bulk mutation operation for this app and shop is "
                                f"already in progress: {running['id']}.", field=None)
            record = self._new_record("MUTATION", mutation)
            fail, self._fail_next = self._fail_next, None
            answer = {"bulkOperation": _public(record), "userErrors": []}
        self._start(record, lambda: self._produce_mutation(record, mutation, roots[0], staged["path"], fail))
        return answer

    def _produce_mutation(self, record: dict, mutation: str, root: str, variables_path: str,
                          fail: tuple[str, int] | None) -> None:
        token = secrets.token_urlsafe(16)
        path = os.path.join(self._dir, f"{token}.jsonl")
        objects = 0
        self._running(record)
        with open(variables_path, "rb") as lines, open(path, "w", encoding="utf-8") as out:
            for number, text in enumerate(lines):
                if record["_cancel"] or (fail is not None and objects >= fail[1]):
                    break
                try:
                    op = schema.check(mutation, json.loads(text))
                except schema.Refused as exc:
                    line = {"errors": exc.errors, "__lineNumber": number}
                else:
                    try:
                        data, _cost = BULK_MUTATIONS[root](self.data, op)  # a line draws no cost points
                        answer = schema.answer(op, data)
                    except GraphQLError as exc:
                        answer = {"errors": [exc.as_error()]}
                    if answer.get("errors") and answer.get("data") is not None:
                        raise RuntimeError(answer["errors"])  # the emulator's own bug: fail loudly
                    line = {**answer, "__lineNumber": number}
                out.write(json.dumps(line, separators=(",", ":")) + "\n")
                objects += 1
                with self._lock:
                    record["objectCount"] = record["rootObjectCount"] = str(objects)
        self._finish(record, token, path, objects, fail)

    # ---- the background run ----

    def _execute(self, record: dict, produce) -> None:
        try:
            produce()
        except Exception:  # noqa: BLE001 - an emulator bug shows as a FAILED operation, and in the log
            log.exception("bulk operation %s failed inside the emulator", record["id"])
            with self._lock:
                record.update(status="FAILED", errorCode="INTERNAL_SERVER_ERROR")

    def _produce(self, record: dict, inner: Request, fail: tuple[str, int] | None) -> None:
        token = secrets.token_urlsafe(16)
        path = os.path.join(self._dir, f"{token}.jsonl")
        objects = roots = 0
        self._running(record)
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
        self._finish(record, token, path, objects, fail)

    def _running(self, record: dict) -> None:
        with self._lock:
            if record["status"] == "CREATED":
                record["status"] = "RUNNING"
        self._release.wait()

    def _finish(self, record: dict, token: str, path: str, objects: int, fail: tuple[str, int] | None) -> None:
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


def _multipart(content_type: str, body: bytes) -> dict[str, str | bytes] | None:
    """The fields of a multipart/form-data body in their order (the file as bytes), or None."""
    if not content_type.startswith("multipart/form-data"):
        return None
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        return None
    fields: dict[str, str | bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        fields[name] = payload if name == "file" else payload.decode()
    return fields


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
