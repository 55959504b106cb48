"""Export fields ([[shops.export_fields]]): BC fields out to the shop, the way field rules bring shop fields in.

Each rule reads one BC field of an item (entity "product" or "variant") or a customer (entity "customer"): a
field of BC's API page, or a field of one of the tenant's own pages ([[bc.custom_pages]]), whose rows are read
once per run and matched to the item or customer by its id (custom API page, SystemId) or number (published
page key "{number}"). The value goes through `lookup`, then `template`, then is written as Shopify's metafield
type asks (core/metafield_types.py) — as a Shopify metafield of the product, variant or B2B company, or a
WooCommerce meta_data entry of the product.

A blank BC value (empty text, the blank date, no row on the page) is not sent unless the rule has a `default`:
the shop keeps what it has. A value that cannot be written as the rule's type (text in a number_integer, a
value missing from the lookup) is a problem for that item or customer; its other values still go out.

The pure part (`shop_fields`, `serialise`) does no I/O; `read_pages` reads the pages a run's rules name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from core.bc import BcPermanentError
from core.config import Bc, Company, CustomPage, ExportField, Shop
from core.errors import NeedsAttention
from core.sync import custom_pages

BLANK_DATE = "0001-01-01"  # how BC serialises an empty Date
_URL = re.compile(r"^(https?://|mailto:|sms:|tel:)\S+$", re.IGNORECASE)
_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


@dataclass(frozen=True)
class ShopField:
    """One value for the shop: a Shopify metafield (namespace, key, type) or a WooCommerce meta_data key."""

    rule: str
    entity: str
    namespace: str
    key: str
    type: str
    value: str

    def metafield(self) -> dict:
        """Shopify's MetafieldInput / MetafieldsSetInput fields (without ownerId)."""
        return {"namespace": self.namespace, "key": self.key, "type": self.type, "value": self.value}

    def meta_data(self) -> dict:
        return {"key": self.key, "value": self.value}

    def hashable(self) -> list[str]:
        return [self.namespace, self.key, self.type, self.value]


@dataclass(frozen=True)
class FieldProblem:
    code: str
    message: str
    resolution: str


class NotWritable(ValueError):
    pass


# ------------------------------------------------------------------------------------------ values


# shopify.dev "List of data types" (metafields): the ranges Shopify accepts for the two number types
MAX_INTEGER = Decimal(9_007_199_254_740_991)
MAX_DECIMAL = Decimal("9999999999999.999999999")


def serialise(type_name: str, value) -> str | None:
    """`value` (as BC's JSON gives it) in the string form Shopify wants for `type_name`; None when blank.
    Raises NotWritable naming why a value does not fit the type."""
    if value is None or value == "" or value == BLANK_DATE:
        return None
    try:
        return _serialise(type_name, value)
    except NotWritable:  # a ValueError itself: already names the reason
        raise
    except (ValueError, OverflowError, ArithmeticError):  # a date past year 9999 in UTC, a number too long
        raise NotWritable(f'"{_text(value)[:60]}" does not fit a {type_name} metafield') from None


def _serialise(type_name: str, value) -> str:
    if type_name in ("single_line_text_field", "multi_line_text_field"):
        text = _text(value)
        # a single-line field holds no line break: BC multi-line text (rare on API pages) is joined
        return " ".join(text.splitlines()) if type_name == "single_line_text_field" else text
    if type_name == "number_integer":
        number = _number(value)
        if number != number.to_integral_value():
            raise NotWritable(f"{_text(value)} is not a whole number")
        if abs(number) > MAX_INTEGER:
            raise NotWritable(f"{_text(value)[:60]} is outside the range a number_integer metafield holds")
        return str(int(number))
    if type_name == "number_decimal":
        number = _number(value)
        if abs(number) > MAX_DECIMAL:
            raise NotWritable(f"{_text(value)[:60]} is outside the range a number_decimal metafield holds")
        return format(number.normalize(), "f") if number else "0"
    if type_name == "boolean":
        text = _text(value).strip().lower()
        if text not in _TRUE | _FALSE:
            raise NotWritable(f'"{_text(value)}" is not a yes/no value')
        return "true" if text in _TRUE else "false"
    if type_name == "date":
        return _moment(value).date().isoformat() if len(_text(value)) > 10 else _day(value)
    if type_name == "date_time":
        moment = _moment(value)
        moment = moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
        return moment.isoformat(timespec="seconds")
    if type_name == "url":
        text = _text(value).strip()
        if not _URL.match(text):
            raise NotWritable(f'"{text}" is not a URL with scheme https, http, mailto, sms or tel')
        return text
    if type_name == "color":
        text = _text(value).strip()
        if not _COLOR.match(text):
            raise NotWritable(f'"{text}" is not a colour code like #1A2B3C')
        return text.upper()
    if type_name == "json":
        return json.dumps(value if not isinstance(value, Decimal) else str(value), ensure_ascii=False,
                          separators=(",", ":"), allow_nan=False)
    raise NotWritable(f"metafield type {type_name} is not written by the bridge")  # config refuses it first


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise NotWritable("a yes/no is not a number")
    try:
        number = Decimal(_text(value).strip())
    except InvalidOperation:
        raise NotWritable(f'"{_text(value)}" is not a number') from None
    if not number.is_finite():
        raise NotWritable(f'"{_text(value)}" is not a number')
    return number


def _day(value) -> str:
    try:
        return date.fromisoformat(_text(value).strip()).isoformat()
    except ValueError:
        raise NotWritable(f'"{_text(value)}" is not a date') from None


def _moment(value) -> datetime:
    try:
        return datetime.fromisoformat(_text(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise NotWritable(f'"{_text(value)}" is not a date and time') from None


# ------------------------------------------------------------------------------------------ pages


@dataclass
class PageRows:
    """The rows of the pages a run's rules read, each page indexed by the key its rows are matched on."""

    rows: dict[str, dict[str, Mapping]] = field(default_factory=dict)  # page name → record key → row

    def value(self, page: CustomPage, record: Mapping, field_name: str):
        row = self.rows.get(page.name, {}).get(_record_key(page, record))
        return None if row is None else row.get(field_name)


def _match_fields(page: CustomPage) -> list[tuple[str, str]]:
    """(page field, "{id}" or "{number}") that tie a row to its item or customer."""
    if page.api:
        return [("id", "{id}")]
    return [(name, template) for name, template in page.key.items() if template in ("{id}", "{number}")]


def _record_key(page: CustomPage, record: Mapping) -> str:
    parts = [str(record.get("id" if template == "{id}" else "number") or "") for _, template in _match_fields(page)]
    return "|".join(parts).upper()


def _row_key(page: CustomPage, row: Mapping) -> str:
    return "|".join(str(row.get(name) or "") for name, _ in _match_fields(page)).upper()


def index_rows(page: CustomPage, rows: Iterable[Mapping]) -> dict[str, Mapping]:
    """Record key → row; the first row wins (a published page keyed on more than the number may repeat it)."""
    out: dict[str, Mapping] = {}
    for row in rows:
        out.setdefault(_row_key(page, row), row)
    return out


def pages_read(rules: Iterable[ExportField]) -> dict[str, list[str]]:
    """Page name → the fields the rules read from it."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        if rule.source.startswith("page."):
            _, page, name = rule.source.split(".", 2)
            out.setdefault(page, [])
            if name not in out[page]:
                out[page].append(name)
    return out


def read_pages(client, company: Company, bc: Bc, rules: Iterable[ExportField]) -> PageRows:
    """One paged read of every page the rules name (once per run: the rows are kept for every record)."""
    result = PageRows()
    for name, fields in pages_read(rules).items():
        page = bc.custom_page(name)
        assert page is not None  # check-config refuses a rule whose page is not declared
        select = list(dict.fromkeys([*(f for f, _ in _match_fields(page)), *fields]))
        try:
            result.rows[name] = index_rows(page, custom_pages.read_rows(client, company, page, select=select))
        except BcPermanentError as exc:
            raise NeedsAttention(
                f'BC refused reading page "{page.name}" for export fields in company {company.name or company.key}: '
                f"{exc.message}",
                resolution=f'check that the page is published (or the custom API installed) and shows {select}; '
                           f'correct [[bc.custom_pages]] "{page.name}" or the rules reading it (python -m core '
                           "check-config --bc names what BC lacks)",
                code="export_page_unavailable") from exc
    return result


# ------------------------------------------------------------------------------------------ rules


def rules_for(shop: Shop, *entities: str) -> list[ExportField]:
    return [rule for rule in shop.export_fields if rule.entity in entities]


def api_fields(rules: Iterable[ExportField]) -> list[str]:
    """The fields of BC's API page the rules read (to add to the run's $select)."""
    return list(dict.fromkeys(r.source for r in rules if not r.source.startswith("page.")))


def shop_fields(rules: Iterable[ExportField], record: Mapping, pages: PageRows, bc: Bc, what: str
                ) -> tuple[tuple[ShopField, ...], list[FieldProblem]]:
    """The values `rules` give for one BC record (an item or a customer as the API answers it). `what` names
    the record in messages ("item 1000")."""
    values: list[ShopField] = []
    problems: list[FieldProblem] = []
    for rule in rules:
        if rule.source.startswith("page."):
            _, page_name, name = rule.source.split(".", 2)
            page = bc.custom_page(page_name)
            raw = pages.value(page, record, name) if page is not None else None
        else:
            raw = record.get(rule.source)
        try:
            value = _value(rule, raw)
        except NotWritable as exc:
            problems.append(FieldProblem(
                "export_field_value", f'Export field "{rule.name}": the value of {rule.source} of {what} cannot be '
                f"written as a {rule.type} ({exc}).",
                f'correct the value in BC, or the type, lookup or template of rule "{rule.name}"'))
            continue
        if value is not None:
            values.append(ShopField(rule.name, rule.entity, rule.namespace, rule.key, rule.type, value))
    return tuple(values), problems


def _value(rule: ExportField, raw) -> str | None:
    blank = raw is None or raw == "" or raw == BLANK_DATE
    if blank:
        if rule.default is None:
            return None
        raw = rule.default
    elif rule.lookup:
        shown = _text(raw)
        if shown not in rule.lookup:
            raise NotWritable(f'"{shown}" is not in the lookup table (add "{shown}" = "<shop value>")')
        raw = rule.lookup[shown]
    if rule.template is not None:
        raw = rule.template.replace("{value}", _text(raw))
    return serialise(rule.type, raw)
