"""The tenant's own BC pages: field rule values written into them after a document is created, and rows read
from them (the TRIMIT matrix reads its item fields this way, core/sync/trimit.py).

Standard API pages cannot be extended (contracts/trimit-and-custom-fields.md §B), so a field a BC extension
adds is reached through a page of the tenant's own, declared in `[[bc.custom_pages]]`:
- a custom API page: `/api/{publisher}/{group}/{version}/companies({id})/{entitySet}({SystemId})`; such pages
  declare `ODataKeyFields = SystemId`, so the row of a sales order is addressed by the order's own `id`;
- a page published on the Web Services page: `/ODataV4/Company('{name}')/{service}({key fields})`, keyed on
  its table's primary key (for the Sales Header: Document_Type and No), filled from the document.

Writing is a read, a compare and a PATCH with If-Match (the row's ETag): a value already there is not
written again, so a retry or a replay after a crash writes nothing twice; a 409 (the row changed since it
was read) reads it again, as core/bc/client.update_with_retry does for standard pages.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from core.bc import BcConflictError, BcPermanentError
from core.bc.odata import escape_literal, key_segment, query_params
from core.config import Bc, Company, CustomPage
from core.errors import NeedsAttention

MAX_ATTEMPTS = 5


def _page_root(client, company: Company, page: CustomPage) -> str:
    """The collection URL of `page` in `company` (without a key)."""
    if page.api:
        root = client.api_root
        marker = root.rfind("/api/")
        return f"{root[:marker]}/api/{page.api}/companies{key_segment(company.bc_company_id)}/{page.entity_set}"
    name = quote(escape_literal(company.name or company.bc_company_id), safe="")
    return f"{client.odata_root}/Company('{name}')/{page.odata}"


def _key(page: CustomPage, document: Mapping) -> str:
    """`(SystemId)` for a custom API page; `(Field='value',…)` for a published page, from its key template."""
    if page.api:
        return key_segment(str(document["id"]))
    parts = []
    for name, template in page.key.items():
        value = template.replace("{number}", str(document.get("number", ""))).replace("{id}", str(document["id"]))
        parts.append(f"{name}='{quote(escape_literal(value), safe='')}'")
    return "(" + ",".join(parts) + ")"


def _label(page: CustomPage) -> str:
    return f"{page.entity_set}" if page.api else f"ODataV4/{page.odata}"


def _same(current, wanted) -> bool:
    """BC answers numbers as JSON numbers and dates as text: compare amounts as amounts, the rest as text."""
    if isinstance(wanted, bool) or isinstance(current, bool):
        return current == wanted
    if isinstance(wanted, Decimal) or isinstance(current, (int, float)) and not isinstance(current, bool):
        try:
            return Decimal(str(current)) == Decimal(str(wanted))
        except InvalidOperation:
            return False
    return str("" if current is None else current) == str(wanted)


def write_page_fields(co, bc: Bc, company: Company, document: Mapping, page_fields: Mapping[str, dict],
                      rule_names: Mapping[str, list[str]] | None = None) -> int:
    """Write `page_fields` (page name → {field: value}) into the rows of `document` (a created sales order as
    BC answered it). Returns how many PATCHes were sent (0 when every value was there already).
    BC's refusal (unknown field, row not found) is a NeedsAttention naming the page and its rules."""
    sent = 0
    for page_name, wanted in page_fields.items():
        page = bc.custom_page(page_name)
        if page is None or not wanted:  # check-config refuses a rule naming an undeclared page
            continue
        url = _page_root(co.client, company, page) + _key(page, document)
        try:
            sent += _write_row(co.client, url, _label(page), wanted)
        except BcPermanentError as exc:
            raise _refused(page, company, document, wanted, exc, (rule_names or {}).get(page_name, [])) from exc
    return sent


def _write_row(client, url: str, label: str, wanted: dict) -> int:
    conflict: BcConflictError | None = None
    for _ in range(MAX_ATTEMPTS):
        row = client.send("GET", url, entity=label).json()
        changes = {name: value for name, value in wanted.items() if not _same(row.get(name), value)}
        if not changes:
            return 0
        try:
            client.send("PATCH", url, entity=label, body=changes, headers={"If-Match": row["@odata.etag"]})
            return 1
        except BcConflictError as exc:  # changed between our read and our write: read it again
            conflict = exc
    assert conflict is not None
    raise conflict


def _refused(page: CustomPage, company: Company, document: Mapping, wanted: dict, exc: BcPermanentError,
             rules: list[str]) -> NeedsAttention:
    where = f'custom page "{page.name}" ({page.api + "/" + page.entity_set if page.api else page.odata})'
    named = ", ".join(f'"{r}"' for r in rules) or "the rules writing to it"
    if exc.status == 404:
        return NeedsAttention(
            f"{where} in company {company.name or company.key} has no row for BC document "
            f"{document.get('number')} ({exc.message}).",
            resolution=f'check that the page exists in BC and shows the sales order table (custom API: route and '
                       f'entity_set; published page: its service name and key), then correct [[bc.custom_pages]] '
                       f'"{page.name}" and press Retry',
            code="custom_page_unavailable")
    return NeedsAttention(
        f"BC refused writing {sorted(wanted)} to {where} for document {document.get('number')}: {exc.message}",
        resolution=f"compare the fields with the page's $metadata in BC and correct fields of [[bc.custom_pages]] "
                   f'"{page.name}" and rule(s) {named}, then press Retry',
        code="custom_page_refused")


# ------------------------------------------------------------------------------------- online check

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def metadata_fields(client, page: CustomPage) -> set[str] | None:
    """The properties BC's `$metadata` (OData CSDL, XML) declares for `page`'s entity set; None when the
    document does not list that entity set. `$metadata` is per environment, not per company."""
    import xml.etree.ElementTree as ElementTree

    if page.api:
        root = client.api_root
        url = f"{root[:root.rfind('/api/')]}/api/{page.api}/$metadata"
        entity_set = page.entity_set
    else:
        url, entity_set = f"{client.odata_root}/$metadata", page.odata
    text = client.send("GET", url, entity="$metadata", headers={"Accept": "application/xml"}).text
    # BC's own document over an authenticated connection; ElementTree resolves no external entities and expat
    # (≥ 2.4) caps entity expansion, so defusedxml is not needed for it
    document = ElementTree.fromstring(text)  # noqa: S314
    found = next((e for e in document.iter(f"{EDM}EntitySet") if e.get("Name") == entity_set), None)
    if found is None:
        return None
    type_name = str(found.get("EntityType", "")).rpartition(".")[2]
    entity_type = next((e for e in document.iter(f"{EDM}EntityType") if e.get("Name") == type_name), None)
    if entity_type is None:
        return None
    return {p.get("Name", "") for p in entity_type if p.tag in (f"{EDM}Property", f"{EDM}NavigationProperty")}


def check_pages(client, bc: Bc, rules_by_page: Mapping[str, list[str]]) -> list[tuple[str, str, str]]:
    """(where, problem, fix) for every declared page BC does not serve, or whose declared fields its
    `$metadata` lacks: what check-config cannot know offline (`python -m core check-config --bc`)."""
    problems = []
    for page in bc.custom_pages:
        where = f'bc.custom_pages["{page.name}"]'
        rules = ", ".join(f'"{r}"' for r in rules_by_page.get(page.name, [])) or "none"
        try:
            fields = metadata_fields(client, page)
        except BcPermanentError as exc:
            problems.append((where, f"BC does not serve the page's $metadata ({exc.message})",
                             "check api (publisher/group/version) or that the page is published on the Web "
                             "Services page"))
            continue
        if fields is None:
            problems.append((where, f'BC has no entity set "{page.entity_set or page.odata}" there',
                             "correct entity_set / odata to the name $metadata shows"))
            continue
        missing = [f for f in page.fields if f not in fields]
        if missing:
            problems.append((f"{where}.fields", f"the page in BC has no field(s) {missing} (rules: {rules})",
                             f"use the names $metadata shows, e.g. {sorted(fields)[:12]}"))
    return problems


def read_rows(client, company: Company, page: CustomPage, *, filter: str | None = None,  # noqa: A002
              select: list[str] | None = None, page_size: int = 1000) -> Iterator[dict]:
    """Every row of a declared page (paged), e.g. the TRIMIT item fields of all items."""
    params = query_params(filter=filter, select=select)
    url = _page_root(client, company, page)
    return client.iterate(url, params, page_size=page_size, entity=_label(page))

