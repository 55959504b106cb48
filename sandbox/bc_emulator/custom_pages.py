"""Pages of a tenant's own: custom API pages and pages published as ODataV4 web services.

No AL source exists for a tenant's page, so a test declares the page (`emu.declare_page(CustomPage(...))`);
the emulator then serves it the way it serves the standard pages — the same refusals:
- a custom API page lives at `/api/{publisher}/{group}/{version}/companies({id})/{entitySet}` and is keyed on
  the SystemId (`ODataKeyFields = SystemId`, learn.microsoft.com …/developer/devenv-api-pagetype and the
  "create a new API" training module, cited in contracts/trimit-and-custom-fields.md §B);
- a published page lives at `/ODataV4/Company('{name}')/{service}` and is keyed on its table's primary key
  (`(Document_Type='Order',No='101001')`), as published UI pages are;
- unknown field in a body / $select / $filter → 400 BadRequest_PropertyNotFound; a field the page shows from
  the standard table (or a key) → 400 read-only; PATCH without If-Match → 400; stale If-Match → 409
  Request_EntityChanged; a missing row → 404. POST and DELETE are not modelled (405): the pages here show
  rows of records that the standard API creates (a sales order, an item).

A page shows the records of one emulator table. Each page field is either a standard field of that record
(`fields = {"No": "number"}`), a fixed value (`"=Order"`), or a field a table extension adds (`""`), kept in
the record's `_ext` and shared by every page over that table, as a table extension field is. Writing an
extension field modifies the record, so the record's ETag changes on the standard API too. BC's docs are
silent on whether a table extension field changes the base record's ETag; the emulator takes the stricter
reading, so a client that re-reads after such a write works either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import BcError, not_found, unknown_property
from .odata import parse_filter, parse_query
from .store import etag_of

_KEY_PART = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*'((?:[^']|'')*)'\s*(?:,|$)")


@dataclass(frozen=True)
class CustomPage:
    name: str  # EntitySetName (custom API) or service name (published page)
    table: str  # the emulator table whose records the page shows: "salesOrders", "items"
    fields: dict[str, str]  # page field → record field, "=<fixed value>", or "" (a table extension's field)
    route: str = ""  # "publisher/group/v1.0": a custom API page keyed on SystemId; "" = published ODataV4 page
    key: tuple[str, ...] = ()  # published page: the fields of its key
    entity: str = "customPage"  # the type name in error messages (Microsoft.NAV.<entity>)
    extension_defaults: dict = field(default_factory=dict)  # what an extension field reads before it is set

    def row(self, record: dict) -> dict:
        values = {"@odata.etag": etag_of(record)}
        if self.route:
            values["id"] = record["id"]
        ext = record.get("_ext", {})
        for name, source in self.fields.items():
            if source.startswith("="):
                values[name] = source[1:]
            elif source:
                values[name] = record.get(source)
            else:
                values[name] = ext.get(name, self.extension_defaults.get(name, ""))
        return values

    def known(self, name: str) -> bool:
        return name in self.fields or (bool(self.route) and name == "id")


class CustomPages:
    def __init__(self, api):
        self.api = api  # the emulator's Api: store, paging
        self.pages: dict[tuple[str, str], CustomPage] = {}  # (route or "", name) → page

    def declare(self, page: CustomPage) -> None:
        self.pages[(page.route, page.name)] = page

    def find(self, route: str, name: str) -> CustomPage | None:
        return self.pages.get((route, name))

    def metadata(self, route: str, extra: dict[str, list[str]] | None = None) -> bytes:
        """The OData CSDL (XML) BC serves at `…/$metadata`: an EntityType and EntitySet per page of `route`
        ("" = the published pages), plus `extra` pages (name → fields). Every property is typed Edm.String:
        a declared page says nothing about types."""
        sets = {p.name: (p.entity, ([*p.fields, "id"] if p.route else list(p.fields)))
                for (r, _), p in self.pages.items() if r == route}
        sets.update({name: (name, fields) for name, fields in (extra or {}).items()})
        types = "".join(
            f'<EntityType Name="{entity}">' + "".join(f'<Property Name="{f}" Type="Edm.String"/>' for f in fields)
            + "</EntityType>" for entity, fields in sets.values())
        container = "".join(f'<EntitySet Name="{name}" EntityType="NAV.{entity}"/>'
                            for name, (entity, _) in sets.items())
        return ('<?xml version="1.0" encoding="utf-8"?><edmx:Edmx Version="4.0" '
                'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
                f'<Schema Namespace="NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">{types}'
                f'<EntityContainer Name="NAV">{container}</EntityContainer></Schema>'
                "</edmx:DataServices></edmx:Edmx>").encode()

    # -- custom API pages: .../api/{route}/companies({id})/{entitySet}({SystemId}) ------------------------------
    def handle_api(self, call, route: str):
        from .server import Response, parse_segment

        segs = [parse_segment(s) for s in call.path if s]
        if segs == [("$metadata", None)]:  # what a client checks a page's fields against
            if not any(r == route for r, _ in self.pages):
                raise BcError(404, "BadRequest_ResourceNotFound", f"No API is published at {route}.")
            return Response(200, self.metadata(route))
        if len(segs) != 2 or segs[0][0] != "companies" or segs[0][1] is None:
            raise BcError(404, "BadRequest_ResourceNotFound", "Use companies({id})/<entitySet>.")
        company = self.api.store.company(segs[0][1])
        if company is None:
            raise not_found("company", segs[0][1])
        name, key = segs[1]
        page = self.find(route, name)
        if page is None:
            raise BcError(404, "BadRequest_ResourceNotFound", f"Resource not found for the segment '{name}'.")
        record = None
        if key is not None:
            record = self.api.store.get(company, page.table, key)
            if record is None:
                raise not_found(page.entity, key)
        return self._serve(call, company, page, record)

    # -- published pages: /ODataV4/Company('name')/{service}(Key='v',…) -----------------------------------------
    def handle_odata(self, call, company, page: CustomPage, key: str | None):
        record = None
        if key is not None:
            wanted = _parse_key(key, page)
            record = next((r for r in self.api.store.companies[company.id].table(page.table).values()
                           if all(str(page.row(r).get(k)) == v for k, v in wanted.items())), None)
            if record is None:
                raise not_found(page.entity, key)
        return self._serve(call, company, page, record)

    def _serve(self, call, company, page: CustomPage, record: dict | None):
        from .server import Response

        q = parse_query(call.query)
        for name in q.select or ():
            if not page.known(name):
                raise unknown_property(name, page.entity)
        if record is None:
            if call.method != "GET":
                raise BcError(405, "BadRequest_MethodNotAllowed", f"'{call.method}' is not modelled on {page.name}.")
            rows = [page.row(r) for r in company.table(page.table).values()]
            if q.filter:
                predicate = parse_filter(q.filter, page.known, page.entity)
                rows = [r for r in rows if predicate(r)]
            body, headers = self.api.page(call, q, rows, lambda r: _selected(r, q.select))
            return Response(200, {"@odata.context": f"{call.root}/$metadata#{page.name}", **body}, headers)
        if call.method == "GET":
            return Response(200, _selected(page.row(record), q.select), {"ETag": etag_of(record)})
        if call.method != "PATCH":
            raise BcError(405, "BadRequest_MethodNotAllowed", f"'{call.method}' is not modelled on {page.name}.")
        self.api.check_if_match(call, record, required=True)
        body = call.body if isinstance(call.body, dict) else {}
        changes = {k: v for k, v in body.items() if not k.startswith("@odata.")}
        for name in changes:
            if not page.known(name):
                raise unknown_property(name, page.entity)
            if name == "id" or page.fields[name] or name in page.key:
                raise BcError(400, "BadRequest_InvalidOperation", f"Control '{name}' is read-only.")
        updated = dict(record, _ext={**record.get("_ext", {}), **changes})
        self.api.store.put(company, page.table, updated)
        return Response(200, page.row(updated), {"ETag": etag_of(updated)})


def _selected(row: dict, select: list[str] | None) -> dict:
    if not select:
        return row
    return {"@odata.etag": row["@odata.etag"], **{n: row.get(n) for n in select}}


def _parse_key(text: str, page: CustomPage) -> dict[str, str]:
    """`Document_Type='Order',No='101001'` → {"Document_Type": "Order", "No": "101001"}; every key field needed."""
    if len(page.key) == 1 and "=" not in text:
        return {page.key[0]: text}  # a single key given as a bare literal
    parts: dict[str, str] = {}
    position = 0
    while position < len(text):
        match = _KEY_PART.match(text, position)
        if match is None:
            raise BcError(400, "BadRequest", f"The key ({text}) of {page.name} cannot be read.")
        parts[match.group(1)] = match.group(2).replace("''", "'")
        position = match.end()
    if sorted(parts) != sorted(page.key):
        raise BcError(400, "BadRequest", f"{page.name} is keyed on {', '.join(page.key)}.")
    return parts

