"""The HTTP face of the emulator: routing, OData responses, $batch, auth, limits, faults, request log."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import pages, seed
from .custom_pages import CustomPage, CustomPages
from .errors import BcError, entity_changed, error_body, missing_if_match, not_found, unknown_property
from .faults import Faults
from .limits import Limiter, Limits
from .logic import GUID_RE, Bc
from .odata import Query, parse_filter, parse_query
from .schema import CHILDREN, LINE_SETS, REFERENCES, SETS, WEBHOOK_SETS, EntitySet, encode_enum
from .store import Store, etag_of, now_iso
from .webhooks import Notifier, expiry, handshake

JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8"
_TYPE_DEFAULTS = {"guid": "00000000-0000-0000-0000-000000000000", "code": "", "text": "", "dec": 0, "int": 0,
                  "bool": False, "date": "0001-01-01", "enum": "_x0020_", "dt": "0001-01-01T00:00:00Z"}


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass
class Call:
    """One API operation: an HTTP request, or one operation inside a $batch."""

    method: str
    path: list[str]  # decoded segments after the API root (or after ODataV4)
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any
    root: str  # absolute URL of the API root, for nextLink / context
    handshake_ok: bool | None = None  # subscription handshake done before taking the store lock


def parse_segment(segment: str) -> tuple[str, str | None]:
    if segment.endswith(")") and "(" in segment:
        name, key = segment[:-1].split("(", 1)
        key = key.strip()
        if key.startswith("'") and key.endswith("'"):
            key = key[1:-1].replace("''", "'")
        elif GUID_RE.match(key):
            key = key.lower()
        return name, key
    return segment, None


def principal_of(token: str) -> str:
    """The app id of a JWT (appid / azp claim; signature not checked), else the token itself."""
    import base64

    parts = token.split(".")
    if len(parts) == 3:
        try:
            payload = parts[1] + "=" * (-len(parts[1]) % 4)
            claims = json.loads(base64.urlsafe_b64decode(payload))
            return str(claims.get("appid") or claims.get("azp") or claims.get("oid") or token)
        except (ValueError, json.JSONDecodeError):
            return token
    return token


def check_enum_literals(spec: EntitySet, predicate) -> None:
    """An enum compared with anything but a member's encoded name is refused, as OData converts the literal to
    the enum type (`blocked eq ' '` fails; `blocked eq '_x0020_'` is the way)."""
    for name, literal in predicate.comparisons():
        members = {encode_enum(o) for o in spec.enums.get(name, ())}
        if spec.fields[name].kind == "enum" and literal is not None and literal not in members:
            raise BcError(400, "BadRequest", f"The string '{literal}' is not a valid enumeration type constant.")


class _Rollback(Exception):
    pass


class Api:
    """BC API semantics over a Store. Not thread-safe by itself: callers hold store.lock."""

    def __init__(self, emulator: BcEmulator):
        self.emu = emulator
        self.store = emulator.store
        self.bc = Bc(self.store)
        self.custom = CustomPages(self)  # tenant pages a test declares (custom_pages.py)

    # -- entry points --------------------------------------------------------------------------------------------
    def run(self, call: Call) -> Response:
        """Run one operation as its own transaction; BC errors become error responses."""
        try:
            with self.store.transaction():
                return self.route(call)
        except BcError as exc:
            return Response(exc.status, exc.body(), dict(exc.headers))

    def route(self, call: Call) -> Response:
        segs = [parse_segment(s) for s in call.path if s]
        if not segs:
            return Response(200, {"@odata.context": f"{call.root}/$metadata",
                                  "value": [{"name": n, "kind": "EntitySet", "url": n} for n in SETS]})
        name, key = segs[0]
        if name == "$metadata":
            return Response(200, {"entitySets": sorted(SETS)})
        if name == "subscriptions":
            return self.subscriptions(call, key)
        if name == "companies":
            if key is None:
                if len(segs) > 1:
                    raise BcError(400, "BadRequest", "A company id is required.")
                return self.get_collection(call, None, "companies", self.company_rows(), None)
            company = self.store.company(key)
            if company is None:
                raise not_found("company", key)
            if len(segs) == 1:
                if call.method != "GET":
                    raise BcError(405, "BadRequest_MethodNotAllowed", "Companies cannot be changed through the API.")
                return self.get_single(call, "companies", company.record)
            return self.entity_path(call, company, segs[1:])
        company_key = call.query.get("company")
        if company_key:
            company = self.store.company(company_key) or self.store.company_by_name(company_key)
            if company is None:
                raise BcError(404, "Internal_CompanyNotFound", f"Cannot find company {company_key}.")
            return self.entity_path(call, company, segs)
        if name in SETS:
            raise BcError(400, "BadRequest_RequiredParamNotProvided",
                          "A company must be specified: use companies({id})/... or ?company={id}.")
        raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{name}'.")

    def company_rows(self) -> list[dict]:
        return [c.record for c in self.store.companies.values()]

    # -- entity paths ----------------------------------------------------------------------------------------------
    def entity_path(self, call: Call, company, segs: list[tuple[str, str | None]]) -> Response:
        set_name, record, parent = None, None, None
        for i, (name, key) in enumerate(segs):
            if name.startswith("Microsoft.NAV."):
                if record is None or i != len(segs) - 1 or key is not None:
                    raise BcError(400, "BadRequest", "A bound action must follow a single entity.")
                if call.method != "POST":
                    raise BcError(405, "BadRequest_MethodNotAllowed", "Bound actions are invoked with POST.")
                self.check_if_match(call, record, required=False)
                self.bc.action(company, set_name, record, name[len("Microsoft.NAV."):])
                return Response(204)
            if set_name is None:
                spec = SETS.get(name)
                if spec is None or not spec.company_scoped:
                    raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{name}'.")
            else:
                if record is None or (set_name, name) not in CHILDREN:
                    raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{name}'.")
                parent = (set_name, record)
            set_name, record = name, None
            if key is not None:
                record = self.lookup(company, set_name, key, parent)
                if record is None and set_name == "journals" and i + 1 < len(segs) and segs[i + 1][0] == (
                        "Microsoft.NAV.post"):
                    # journals.post looks the batch up by SystemId without a template check (contract §3).
                    found = self.store.get(company, "customerPaymentJournals", key)
                    record = dict(found, _kind="customerPayments") if found else None
                if record is None:
                    raise not_found(SETS[set_name].entity, key)
        spec = SETS[set_name]
        if record is None:
            if call.method == "GET":
                rows = self.rows(company, set_name, parent)
                return self.get_collection(call, company, set_name, rows, parent)
            if call.method == "POST":
                created = self.bc.insert(company, set_name, call.body, parent=parent)
                return self.created(call, company, set_name, created)
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'{call.method}' requests for collections are not "
                          "allowed.")
        if call.method == "GET":
            return self.get_single(call, set_name, record, company)
        if call.method == "PATCH":
            self.check_if_match(call, record, required=True)
            updated = self.bc.modify(company, set_name, record, call.body)
            return Response(200, self.with_context(call, set_name, self.serialize(
                company, spec, updated, parse_query(call.query))), {"ETag": etag_of(updated)})
        if call.method == "DELETE":
            self.check_if_match(call, record, required=True)
            self.bc.delete(company, set_name, record)
            return Response(204)
        raise BcError(405, "BadRequest_MethodNotAllowed", f"'{call.method}' requests are not allowed here.")

    def lookup(self, company, set_name: str, key: str, parent) -> dict | None:
        if set_name == "dimensionSetLines":
            return self.store.get(company, set_name, f"{parent[1]['id']}:{key}") if parent else None
        record = self.store.get(company, set_name, key)
        if record is not None and parent is not None:
            fk = CHILDREN[(parent[0], set_name)]
            if record.get(fk) != parent[1]["id"]:
                return None
        return record

    def rows(self, company, set_name: str, parent) -> list[dict]:
        rows = list(company.table(set_name).values())
        if parent is not None:
            fk = CHILDREN[(parent[0], set_name)]
            rows = [r for r in rows if r.get(fk) == parent[1]["id"]]
        return rows

    def check_if_match(self, call: Call, record: dict, required: bool) -> None:
        given = call.headers.get("if-match")
        if not given:
            if required:
                raise missing_if_match()
            return
        if given.strip() == "*":
            return
        tags = [t.strip() for t in given.split(",")]
        if etag_of(record) not in tags:
            if not all(t.startswith(('W/"', '"')) for t in tags):
                raise missing_if_match()
            raise entity_changed()

    # -- reading ---------------------------------------------------------------------------------------------------
    def serialize(self, company, spec: EntitySet, row: dict, q: Query) -> dict:
        fields = spec.fields
        names = q.select if q.select else list(fields)
        for name in names:
            if name not in fields:
                raise unknown_property(name, spec.entity)
        out = {"@odata.etag": etag_of(row)} if "_v" in row else {}
        for name in names:
            value = row.get(name)
            out[name] = _TYPE_DEFAULTS.get(fields[name].kind, "") if value is None else value
        for nav, sub in q.expand.items():
            out[nav] = self.expand(company, spec, row, nav, sub)
        return out

    def expand(self, company, spec: EntitySet, row: dict, nav: str, q: Query):
        if (spec.name, nav) in CHILDREN:
            fk = CHILDREN[(spec.name, nav)]
            rows = [r for r in company.table(nav).values() if r.get(fk) == row["id"]]
            if nav in LINE_SETS:
                rows.sort(key=lambda r: r.get("sequence", 0))
            rows = self.apply_query(SETS[nav], rows, q)
            if q.top is not None:
                rows = rows[q.skip:q.skip + q.top]
            elif q.skip:
                rows = rows[q.skip:]
            return [self.serialize(company, SETS[nav], r, q) for r in rows]
        if (spec.name, nav) in REFERENCES:
            target, fk = REFERENCES[(spec.name, nav)]
            found = self.store.get(company, target, row.get(fk, "")) if row.get(fk) else None
            return self.serialize(company, SETS[target], found, q) if found else None
        raise unknown_property(nav, spec.entity)

    def apply_query(self, spec: EntitySet, rows: list[dict], q: Query) -> list[dict]:
        if q.filter:
            predicate = parse_filter(q.filter, lambda n: n in spec.fields, spec.entity)
            check_enum_literals(spec, predicate)
            rows = [r for r in rows if predicate(r)]
        for name, descending in reversed(q.orderby):
            if name not in spec.fields:
                raise unknown_property(name, spec.entity)
            rows = sorted(rows, key=lambda r, n=name: (r.get(n) is None, r.get(n) if r.get(n) is not None else 0),
                          reverse=descending)
        return rows

    def get_collection(self, call: Call, company, set_name: str, rows: list[dict], parent) -> Response:
        spec = SETS[set_name]
        q = parse_query(call.query)
        if set_name in LINE_SETS and parent is None:
            wanted = {}
            if q.filter:
                wanted = parse_filter(q.filter, lambda n: n in spec.fields, spec.entity).equalities()
            if "documentId" not in wanted and "id" not in wanted:
                raise BcError(400, "Application_DialogException",
                              "You must specify an Id or a Document Id to get the lines.")
        for name in q.select or ():
            if name not in spec.fields:  # refused even when no row would be rendered
                raise unknown_property(name, spec.entity)
        rows = self.apply_query(spec, rows, q)
        body, headers = self.page(call, q, rows, lambda r: self.serialize(company, spec, r, q))
        body = {"@odata.context": f"{call.root}/$metadata#{set_name}", **body}
        return Response(200, body, headers)

    def page(self, call: Call, q: Query, rows: list[dict], render) -> tuple[dict, dict]:
        limits = self.emu.limits
        if q.top is not None and q.top > limits.page_size:
            raise BcError(413, "BadRequest_ResultSetTooLarge",
                          f"The requested $top ({q.top}) exceeds the maximum page size ({limits.page_size}). "
                          "Use server-driven paging (Prefer: odata.maxpagesize) instead.")
        headers = {}
        page_size = limits.page_size
        prefer = call.headers.get("prefer", "")
        for part in prefer.split(","):
            part = part.strip()
            if part.lower().startswith("odata.maxpagesize="):
                try:
                    asked = int(part.split("=", 1)[1])
                except ValueError:
                    continue
                page_size = max(1, min(asked, limits.page_size))
                headers["Preference-Applied"] = f"odata.maxpagesize={page_size}"
        total = len(rows)
        rows = rows[q.skip:]
        if q.top is not None:
            rows = rows[:q.top]
        offset = 0
        if q.skiptoken:
            try:
                offset = int(q.skiptoken.strip("'").lstrip("o"))
            except ValueError:
                raise BcError(400, "BadRequest", "The skip token is not valid.") from None
        chunk = rows[offset:offset + page_size]
        body: dict[str, Any] = {}
        if q.count:
            body["@odata.count"] = total
        body["value"] = [render(r) for r in chunk]
        if offset + page_size < len(rows):
            query = {k: v for k, v in call.query.items() if k.lower() != "$skiptoken"}
            query["$skiptoken"] = f"'o{offset + page_size}'"
            query.setdefault("aid", "FIN")
            path = "/".join(urllib.parse.quote(s, safe="(),'=$") for s in call.path)
            encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
            body["@odata.nextLink"] = f"{call.root}/{path}?{encoded}"
        return body, headers

    def get_single(self, call: Call, set_name: str, record: dict, company=None) -> Response:
        q = parse_query(call.query)
        body = self.serialize(company, SETS[set_name], record, q)
        return Response(200, self.with_context(call, set_name, body), {"ETag": etag_of(record)})

    def with_context(self, call: Call, set_name: str, body: dict) -> dict:
        return {"@odata.context": f"{call.root}/$metadata#{set_name}/$entity", **body}

    def created(self, call: Call, company, set_name: str, record: dict) -> Response:
        location = f"{call.root}/companies({company.id})/{set_name}({record['id']})"
        headers = {"Location": location, "ETag": etag_of(record)}
        if "return=minimal" in call.headers.get("prefer", "") or "return-no-content" in call.headers.get("prefer", ""):
            headers["Preference-Applied"] = "return-no-content"
            return Response(204, None, headers)
        body = self.serialize(company, SETS[set_name], record, parse_query(call.query))
        return Response(201, self.with_context(call, set_name, body), headers)

    # -- subscriptions ---------------------------------------------------------------------------------------------
    def subscriptions(self, call: Call, key: str | None) -> Response:
        spec = SETS["subscriptions"]
        table = self.store.root.setdefault("subscriptions", {})
        if key is None and call.method == "GET":
            return self.get_collection(call, None, "subscriptions", list(table.values()), None)
        if key is None and call.method == "POST":
            return self.create_subscription(call, spec, table)
        record = table.get(key) if key else None
        if record is None:
            raise not_found("subscription", key or "")
        if call.method == "GET":
            return self.get_single(call, "subscriptions", record)
        self.check_if_match(call, record, required=True)
        if call.method == "DELETE":
            table.pop(key)
            return Response(204)
        if call.method == "PATCH":
            body = call.body if isinstance(call.body, dict) else {}
            for name in body:
                if name.startswith("@odata."):
                    continue
                if name not in ("notificationUrl", "clientState"):
                    raise unknown_property(name, spec.entity) if name not in spec.fields else BcError(
                        400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")
            updated = dict(record)
            updated.update({k: v for k, v in body.items() if not k.startswith("@odata.")})
            if not self.handshake(call, updated["notificationUrl"]):
                raise BcError(400, "Application_DialogException",
                              "The subscription could not be renewed: the notification URL did not echo the "
                              "validation token.")
            updated.update({"expirationDateTime": expiry(), "lastModifiedDateTime": now_iso(),
                            "_v": record["_v"] + 1})
            table[key] = updated
            return Response(200, self.with_context(call, "subscriptions", self.serialize(
                None, spec, updated, Query())), {"ETag": etag_of(updated)})
        raise BcError(405, "BadRequest_MethodNotAllowed", f"'{call.method}' is not allowed on subscriptions.")

    def create_subscription(self, call: Call, spec: EntitySet, table: dict) -> Response:
        body = call.body if isinstance(call.body, dict) else {}
        for name in body:
            if name not in spec.fields:
                raise unknown_property(name, spec.entity)
            if spec.fields[name].read_only:
                raise BcError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")
        url, resource = body.get("notificationUrl", ""), body.get("resource", "")
        if not url or not resource:
            raise BcError(400, "Application_DialogException", "notificationUrl and resource must have a value.")
        segs = [parse_segment(s) for s in resource.strip("/").split("/")]
        names = [n for n, _ in segs]
        try:
            i = names.index("companies")
            company = self.store.company(segs[i][1] or "")
            set_name = names[i + 1]
        except (ValueError, IndexError):
            company, set_name = None, ""
        if company is None or set_name not in WEBHOOK_SETS or len(names) != i + 2:
            raise BcError(400, "Application_DialogException",
                          f"The resource '{resource}' is not supported for webhook subscriptions.")
        if len(table) >= 200:
            raise BcError(400, "Application_DialogException", "The maximum number of subscriptions (200) is reached.")
        if not self.handshake(call, url):
            raise BcError(400, "Application_DialogException",
                          "The subscription could not be created: the notification URL did not echo the "
                          "validation token.")
        stamp = now_iso()
        record = {"subscriptionId": uuid.uuid4().hex, "notificationUrl": url, "resource": resource,
                  "userId": str(uuid.uuid5(uuid.NAMESPACE_URL, call.headers.get("x-principal", ""))),
                  "lastModifiedDateTime": stamp, "clientState": body.get("clientState", ""),
                  "expirationDateTime": expiry(), "systemCreatedAt": stamp, "systemModifiedAt": stamp,
                  "_v": 1, "_resource": (company.id, set_name)}
        record["_key"] = record["subscriptionId"]
        table[record["_key"]] = record
        body = self.serialize(None, spec, record, Query())
        return Response(201, self.with_context(call, "subscriptions", body), {"ETag": etag_of(record)})

    def handshake(self, call: Call, url: str) -> bool:
        return call.handshake_ok if call.handshake_ok is not None else self.emu.handshake(url)

    # -- ODataV4 pages ---------------------------------------------------------------------------------------------
    def odata_page(self, call: Call) -> Response:
        segs = [parse_segment(s) for s in call.path if s]
        if segs == [("$metadata", None)]:  # every published page (CSDL XML)
            return Response(200, self.custom.metadata("", pages.PAGE_FIELDS))
        if len(segs) != 2 or segs[0][0] != "Company" or segs[0][1] is None:
            raise BcError(404, "BadRequest_ResourceNotFound", "Use /ODataV4/Company('<name>')/<page>.")
        company = self.store.company_by_name(segs[0][1]) or self.store.company(segs[0][1])
        if company is None:
            raise BcError(404, "Internal_CompanyNotFound", f"Cannot find company {segs[0][1]}.")
        page, key = segs[1]
        custom = self.custom.find("", page)
        if custom is not None:
            return self.custom.handle_odata(call, company, custom, key)
        if page not in pages.PAGE_FIELDS:
            raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{page}'.")
        if call.method != "GET":
            raise BcError(405, "BadRequest_MethodNotAllowed", f"The page '{page}' is read-only.")
        fields = pages.PAGE_FIELDS[page]
        q = parse_query(call.query)
        predicate = parse_filter(q.filter, lambda n: n in fields, page) if q.filter else None
        flow = {k: v for k, v in (predicate.equalities() if predicate else {}).items()
                if k in ("Location_Filter", "Variant_Filter")}
        rows = pages.page_rows(page, company, flow)
        if key is not None:
            found = next((r for r in rows if r.get(pages.PAGE_KEYS.get(page, "")) == key), None)
            if found is None:
                raise not_found(page, key)
            return Response(200, self.page_row(found, fields, q))
        if predicate:
            rows = [r for r in rows if predicate(r)]
        body, headers = self.page(call, q, rows, lambda r: self.page_row(r, fields, q))
        return Response(200, {"@odata.context": f"{call.root}/$metadata#Company('{company.name}')/{page}", **body},
                        headers)

    def page_row(self, row: dict, fields: list[str], q: Query) -> dict:
        names = q.select or fields
        for name in names:
            if name not in fields:
                raise unknown_property(name, "page")
        return {"@odata.etag": etag_of(row), **{n: row.get(n) for n in names}}


class BcEmulator:
    """A Business Central online stand-in over real HTTP. See the package docstring."""

    def __init__(self, seed: str | None = "demo", *, rate_limit: int = 6000, rate_window_s: float = 300,
                 concurrency: int = 5, queue_limit: int = 95, latency_ms: float = 0, page_size: int = 20000,
                 batch_limit: int = 100, webhook_delay_s: float = 0.0, host: str = "127.0.0.1"):
        self.seed_name = seed
        self.host = host
        self.limits = Limits(rate_limit=rate_limit, rate_window_s=rate_window_s, concurrency=concurrency,
                             queue_limit=queue_limit, latency_ms=latency_ms, page_size=page_size,
                             batch_limit=batch_limit, webhook_delay_s=webhook_delay_s)
        self.limiter = Limiter(self.limits)
        self.faults = Faults()
        self.store = Store()
        self.notifier = Notifier(self.store, lambda: self.limits.webhook_delay_s)
        self._load_seed()
        self.api = Api(self)
        self._log_lock = threading.Lock()
        self.requests: list[dict] = []
        self._counters = Counter()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------------------------------
    def start(self, port: int = 0) -> BcEmulator:
        handler = _make_handler(self)
        server = ThreadingHTTPServer((self.host, port), handler)
        server.daemon_threads = True
        server.request_queue_size = 512
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="bc-emulator", daemon=True)
        self._thread.start()
        self.notifier.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        self.notifier.stop()
        self._server = None

    def __enter__(self) -> BcEmulator:
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def api_root(self, tenant: str | None = "t", environment: str = "production") -> str:
        tenant_part = f"/{tenant}" if tenant else ""
        return f"{self.base_url}/v2.0{tenant_part}/{environment}/api/v2.0"

    def odata_root(self, tenant: str | None = "t", environment: str = "production") -> str:
        tenant_part = f"/{tenant}" if tenant else ""
        return f"{self.base_url}/v2.0{tenant_part}/{environment}/ODataV4"

    # -- configuration & state -------------------------------------------------------------------------------------
    def configure(self, **settings) -> None:
        for name, value in settings.items():
            if not hasattr(self.limits, name):
                raise ValueError(f"unknown setting {name!r}")
            setattr(self.limits, name, type(getattr(self.limits, name))(value))
        self.limiter.wake()

    def _load_seed(self) -> None:
        if self.seed_name == "demo":
            seed.load_demo(self.store)
        elif self.seed_name in (None, "empty"):
            seed.load_empty(self.store)
        else:
            raise ValueError(f"unknown seed {self.seed_name!r}")

    def reset(self) -> None:
        """Back to the seed: data, number series and subscriptions (faults, limits and the log stay)."""
        with self.store.lock:
            self.store.companies.clear()
            self.store.root.clear()
            self._load_seed()

    def reset_log(self) -> None:
        with self._log_lock:
            self.requests.clear()
            self._counters.clear()
        self.limiter.reset()

    def company_id(self, name: str) -> str:
        """Company id by name or name prefix ("CRONUS SE", "CRONUS D")."""
        for company in self.store.companies.values():
            if company.name == name:
                return company.id
        matches = [c.id for c in self.store.companies.values() if c.name.startswith(name)]
        if len(matches) != 1:
            raise KeyError(f"no single company named like {name!r}")
        return matches[0]

    def records(self, company: str, set_name: str, **equal) -> list[dict]:
        """Public copies of a company's records (company id or name), optionally filtered by field equality."""
        with self.store.lock:
            comp = self.store.company(company) or self.store.company_by_name(company)
            if comp is None:
                raise KeyError(company)
            return [dict(r) for r in comp.table(set_name).values() if all(r.get(k) == v for k, v in equal.items())]

    def stock(self, company: str, item_number: str) -> dict[tuple[str, str], float]:
        """Inventory of an item per (location code, variant code)."""
        (item,) = self.records(company, "items", number=item_number)
        return {tuple(k.split("|", 1)): v for k, v in item.get("_stock", {}).items()}

    def bulk_insert(self, company: str, set_name: str, rows: list[dict]) -> None:
        """Load many records straight into a table (no validation), e.g. 50,000 customers for paging tests."""
        spec = SETS[set_name]
        with self.store.lock:
            comp = self.store.company(company) or self.store.company_by_name(company)
            for row in rows:
                record = self.api.bc.blank(spec)
                record.update(row)
                record.setdefault("id", str(uuid.uuid4()))
                if not GUID_RE.match(record["id"]) or record["id"] == "00000000-0000-0000-0000-000000000000":
                    record["id"] = str(uuid.uuid4())
                record["_key"] = record["id"]
                self.store.put(comp, set_name, record)
            self.store._changes = []

    def set_shipment_tracking(self, company: str, shipment_number: str, tracking_no: str,
                              agent_code: str = "", agent_service_code: str = "") -> None:
        """What a warehouse user does on the posted shipment ("Update Document")."""
        with self.store.lock:
            comp = self.store.company(company) or self.store.company_by_name(company)
            shipment = self.store.find(comp, "salesShipments", number=shipment_number)
            if shipment is None:
                raise KeyError(shipment_number)
            shipment = dict(shipment, _packageTrackingNo=tracking_no, _shippingAgentCode=agent_code,
                            _shippingAgentServiceCode=agent_service_code)
            self.store.put(comp, "salesShipments", shipment)

    def handshake(self, url: str) -> bool:
        return handshake(url)

    def declare_page(self, page: CustomPage) -> None:
        """Serve a tenant's own page (a custom API page or a published page): see custom_pages.py."""
        with self.store.lock:
            self.api.custom.declare(page)

    def set_extension_fields(self, company: str, table: str, match: dict, values: dict) -> None:
        """What a user types into fields a table extension adds: `values` on the record matching `match`,
        e.g. set_extension_fields("CRONUS SE", "items", {"number": "1000"}, {"VarDim_1": "RED"})."""
        with self.store.lock:
            comp = self.store.company(company) or self.store.company_by_name(company)
            record = self.store.find(comp, table, **match)
            if record is None:
                raise KeyError(match)
            self.store.put(comp, table, dict(record, _ext={**record.get("_ext", {}), **values}))

    def add_price_list_line(self, company: str, price_list_code: str, item_number: str, unit_price: float, *,
                            variant_code: str = "", currency_code: str = "", starting_date: str = "",
                            ending_date: str = "", minimum_quantity: float = 0, source_type: str = "All_Customers",
                            status: str = "Active", price_includes_vat: bool = False) -> dict:
        """A sales price list line (page SalesPriceListLines); blank dates are stored as BC shows them."""
        with self.store.lock:
            comp = self.store.company(company) or self.store.company_by_name(company)
            rows = comp.table(pages.PRICE_LIST_TABLE)
            line_no = 10000 * (1 + sum(1 for r in rows.values() if r["Price_List_Code"] == price_list_code))
            record = {"_key": f"{price_list_code}|{line_no}", "Price_List_Code": price_list_code, "Line_No": line_no,
                      "Asset_Type": "Item", "Asset_No": item_number, "Variant_Code": variant_code,
                      "Unit_Price": unit_price, "Currency_Code": currency_code,
                      "Starting_Date": starting_date or "0001-01-01", "Ending_Date": ending_date or "0001-01-01",
                      "Minimum_Quantity": minimum_quantity, "Source_Type": source_type, "Status": status,
                      "Price_Includes_VAT": price_includes_vat}
            return dict(self.store.put(comp, pages.PRICE_LIST_TABLE, record))

    def set_price_list_line(self, company: str, price_list_code: str, line_no: int, **fields) -> None:
        """Change fields of a price list line (e.g. Unit_Price=…, Ending_Date=…), as a user does in BC."""
        with self.store.lock:
            comp = self.store.company(company) or self.store.company_by_name(company)
            record = dict(comp.table(pages.PRICE_LIST_TABLE)[f"{price_list_code}|{line_no}"], **fields)
            self.store.put(comp, pages.PRICE_LIST_TABLE, record)

    @property
    def counters(self) -> dict:
        with self._log_lock:
            flat = dict(self._counters)
        by_method_entity, by_status = {}, {}
        for key, value in flat.items():
            kind, _, rest = key.partition(":")
            if kind == "me":
                by_method_entity[rest] = value
            elif kind == "st":
                by_status[rest] = value
        stats = self.limiter.stats()
        return {
            "requests": flat.get("total", 0),
            "by_method_entity": by_method_entity,
            "by_status": by_status,
            "throttled": flat.get("throttled", 0),
            "429": by_status.get("429", 0),
            "faults": flat.get("faults", 0),
            "max_in_flight": {p: s["max_in_flight"] for p, s in stats.items()},
            "max_waiting": {p: s["max_waiting"] for p, s in stats.items()},
            "in_flight": {p: s["in_flight"] for p, s in stats.items()},
        }

    # -- request processing ------------------------------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes, host: str) -> Response:
        started = time.time()
        split = urllib.parse.urlsplit(target)
        segments = [urllib.parse.unquote(s) for s in split.path.split("/")]
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        if len(segments) > 1 and segments[1] == "_emulator":
            return self.control(method, segments[2:], body)
        entry = {"method": method, "path": split.path, "entity_set": _entity_of(segments), "principal": None,
                 "started": started, "ended": None, "status": None, "fault": None}
        response = self._handle_api(method, segments, query, headers, body, host, entry)
        entry["ended"] = time.time()
        entry["status"] = None if response.drop else response.status
        with self._log_lock:
            self.requests.append(entry)
            if len(self.requests) > 200000:
                del self.requests[:100000]
            self._counters["total"] += 1
            self._counters[f"me:{method} {entry['entity_set']}"] += 1
            self._counters[f"st:{'dropped' if response.drop else response.status}"] += 1
            if entry["fault"]:
                self._counters["faults"] += 1
            if entry.get("throttled"):
                self._counters["throttled"] += 1
        return response

    def _handle_api(self, method, segments, query, headers, body, host, entry) -> Response:
        try:
            kind, index = _root_of(segments)
        except BcError as exc:
            return Response(exc.status, exc.body())
        root = f"http://{host}" + "/".join(segments[: index + 1])
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            return Response(401, error_body("Authentication_InvalidCredentials",
                                            "The server has rejected the client credentials."),
                            {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'})
        principal = principal_of(auth[7:].strip())
        entry["principal"] = principal
        decision = self.faults.decide(method, "/".join(segments))
        entry["fault"] = decision.kind or ("latency" if decision.extra_latency_ms else None)
        retry = {"Retry-After": _fmt(decision.retry_after)} if decision.retry_after is not None else {}
        if decision.kind == "429":
            return Response(429, error_body("Application_TooManyRequests", "Too many requests reached."), retry)
        if decision.kind == "503":
            return Response(503, error_body("ServiceUnavailable", "The service is temporarily unavailable."), retry)
        if decision.kind == "drop_connection":
            return Response(0, drop=True)
        try:
            parsed = json.loads(body) if body else None
        except json.JSONDecodeError:
            return Response(400, error_body("BadRequest", "Invalid Request Body: the body is not valid JSON."))
        rest = segments[index + 1:]
        is_batch = kind == "api" and rest[:1] == ["$batch"]
        cost = 1
        if is_batch:
            operations = parsed.get("requests") if isinstance(parsed, dict) else None
            if not isinstance(operations, list):
                return Response(400, error_body("BadRequest", "Invalid batch request: 'requests' is missing."))
            if len(operations) > self.limits.batch_limit:
                return Response(400, error_body(
                    "BadRequest", f"The batch request contains {len(operations)} operations; the maximum is "
                                  f"{self.limits.batch_limit}."))
            cost = max(1, len(operations))
        entry["cost"] = cost  # rate-limit units (benchmarks report them)
        try:
            self.limiter.admit(principal, cost)
        except BcError as exc:
            entry["throttled"] = True
            return Response(exc.status, exc.body(), dict(exc.headers))
        try:
            delay = (self.limits.latency_ms + decision.extra_latency_ms) / 1000
            if delay:
                time.sleep(delay)
            lowered = {k.lower(): v for k, v in headers.items()}
            lowered["x-principal"] = principal
            call = Call(method, rest, query, lowered, parsed, root)
            if kind == "api" and rest and rest[0].split("(")[0] == "subscriptions" and method in ("POST", "PATCH"):
                # The receiver may be slow: validate it before taking the store lock.
                call.handshake_ok = self._pre_handshake(rest[0], parsed)
            with self.store.lock:
                if is_batch:
                    response = self.batch(call)
                elif kind in ("odata", "custom"):
                    try:
                        if kind == "odata":
                            response = self.api.odata_page(call)
                        else:  # a custom API page: /api/{publisher}/{group}/{version}/...
                            with self.store.transaction():
                                response = self.api.custom.handle_api(call, "/".join(segments[index - 2:index + 1]))
                    except BcError as exc:
                        response = Response(exc.status, exc.body(), dict(exc.headers))
                else:
                    response = self.api.run(call)
        finally:
            self.limiter.release(principal)
        if decision.kind == "504_after_commit":
            return Response(504, error_body("GatewayTimeout", "The operation timed out."), retry)
        if decision.kind == "drop_after_commit":
            return Response(0, drop=True)
        return response

    def _pre_handshake(self, segment: str, body: Any) -> bool | None:
        url = body.get("notificationUrl") if isinstance(body, dict) else None
        if not url:
            _, key = parse_segment(segment)
            with self.store.lock:
                existing = self.store.root.get("subscriptions", {}).get(key or "")
                url = existing["notificationUrl"] if existing else None
        return self.handshake(url) if url else None

    def batch(self, call: Call) -> Response:
        operations = call.body["requests"]
        atomic = call.headers.get("isolation", "").lower() == "snapshot"
        responses: list[dict] = []
        base_path = [s for s in call.path if s != "$batch"]
        root_path = urllib.parse.urlsplit(call.root).path

        def op_call(op: dict) -> Call:
            url = str(op.get("url", ""))
            split = urllib.parse.urlsplit(url)
            path = split.path
            if url.startswith(("http://", "https://")) or path.startswith("/"):
                path = path[len(root_path):] if path.startswith(root_path) else path
            segs = base_path + [urllib.parse.unquote(s) for s in path.split("/") if s]
            headers = {k.lower(): str(v) for k, v in (op.get("headers") or {}).items()}
            return Call(str(op.get("method", "GET")).upper(), segs,
                        dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True)), headers, op.get("body"),
                        call.root)

        def as_item(op: dict, response: Response) -> dict:
            item = {"id": str(op.get("id", "")), "status": response.status,
                    "headers": {"content-type": "application/json; odata.metadata=minimal",
                                **{k.lower(): v for k, v in response.headers.items()}}}
            if response.body is not None:
                item["body"] = response.body
            return item

        if not atomic:
            for op in operations:
                responses.append(as_item(op, self.api.run(op_call(op))))
            return Response(200, {"responses": responses})
        failed: list = []
        try:
            with self.store.transaction():
                for op in operations:
                    try:
                        response = self.api.route(op_call(op))
                    except BcError as exc:
                        failed.append((op, Response(exc.status, exc.body())))
                        raise _Rollback() from exc
                    responses.append((op, response))
        except _Rollback:
            failed_op, failed_response = failed[0]
            items = []
            for op in operations:
                if op is failed_op:
                    items.append(as_item(op, failed_response))
                else:
                    items.append(as_item(op, Response(424, error_body(
                        "BadRequest_FailedDependency",
                        f"The operation was not applied: operation '{failed_op.get('id')}' of this snapshot batch "
                        "failed and the whole batch was rolled back."))))
            return Response(200, {"responses": items})
        return Response(200, {"responses": [as_item(op, r) for op, r in responses]})

    # -- control endpoints -------------------------------------------------------------------------------------------
    def control(self, method: str, segs: list[str], body: bytes) -> Response:
        name = segs[0] if segs else ""
        try:
            data = json.loads(body) if body else {}
        except json.JSONDecodeError:
            return Response(400, {"error": "invalid JSON"})
        try:
            if name == "faults" and method == "POST":
                rule = self.faults.add(**data)
                return Response(201, rule.as_dict())
            if name == "faults" and method == "DELETE":
                self.faults.clear()
                return Response(204)
            if name == "faults" and method == "GET":
                return Response(200, {"value": [r.as_dict() for r in self.faults.rules]})
            if name == "faults-seed" and method == "POST":
                self.faults.seed(int(data["seed"]))
                return Response(204)
            if name == "configure" and method == "POST":
                self.configure(**data)
                return Response(200, vars(self.limits))
            if name == "configure" and method == "GET":
                return Response(200, vars(self.limits))
            if name == "reset" and method == "POST":
                self.reset()
                return Response(204)
            if name == "requests" and method == "GET":
                with self._log_lock:
                    return Response(200, {"value": list(self.requests)})
            if name == "requests" and method == "DELETE":
                self.reset_log()
                return Response(204)
            if name == "counters" and method == "GET":
                return Response(200, self.counters)
            if name == "companies" and method == "GET":
                return Response(200, {"value": [{"id": c.id, "name": c.name, "currency": c.lcy}
                                                for c in self.store.companies.values()]})
        except (TypeError, ValueError, KeyError) as exc:
            return Response(400, {"error": str(exc)})
        return Response(404, {"error": f"unknown control endpoint {method} /_emulator/{'/'.join(segs)}"})


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _root_of(segments: list[str]) -> tuple[str, int]:
    """('api', index of 'v2.0' after 'api') or ('odata', index of 'ODataV4')."""
    for i, seg in enumerate(segments):
        if seg == "api" and i + 1 < len(segments) and segments[i + 1] == "v2.0":
            return "api", i + 1
        if seg == "api" and i + 3 < len(segments):  # a custom API page's route: publisher/group/version
            return "custom", i + 3
        if seg == "ODataV4":
            return "odata", i
    raise BcError(404, "BadRequest_ResourceNotFound", "No API route matches this URL.")


def _entity_of(segments: list[str]) -> str:
    names = []
    for seg in segments:
        name = seg.split("(", 1)[0]
        if name in SETS or name in ("$batch",) or name in pages.PAGE_FIELDS:
            names.append(name)
    if names and names[-1] == "companies" and len(names) == 1:
        return "companies"
    names = [n for n in names if n != "companies"]
    return names[-1] if names else ""


def _make_handler(emulator: BcEmulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "BcEmulator/1.0"
        # One write per response and no Nagle: otherwise delayed ACKs add ~40 ms to every keep-alive request.
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def log_message(self, format, *args):  # noqa: A002 - quiet
            return

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            response = emulator.handle(self.command, self.path, headers, body,
                                       self.headers.get("Host") or f"{emulator.host}:{emulator.port}")
            if response.drop:
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            xml = isinstance(response.body, bytes)  # $metadata is CSDL XML, everything else JSON
            payload = b"" if response.body is None else response.body if xml else json.dumps(
                response.body, ensure_ascii=False).encode()
            self.send_response(response.status)
            if response.body is not None:
                self.send_header("Content-Type", "application/xml" if xml else JSON_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("OData-Version", "4.0")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if payload:
                self.wfile.write(payload)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve  # noqa: N815

    return Handler
