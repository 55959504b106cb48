"""In-memory BC database: companies with tables of records, number series, transactions with rollback.

Records are plain dicts holding the public API fields plus internal ones prefixed with `_` (`_key`, `_v`
version for the ETag, `_stock` per location/variant on items, ...). Every change goes through `put` /
`remove`, which log an undo entry while a transaction is open: a request (or a `$batch` with
`Isolation: snapshot`) either commits as a whole or leaves no trace, as in BC where each request is one
transaction. Callers must hold `store.lock` for the duration.
"""

from __future__ import annotations

import base64
import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def new_guid() -> str:
    return str(uuid.uuid4())


def etag_of(record: dict) -> str:
    token = base64.b64encode(f"'{record['_v']};{record.get('_key', '')[:8]};'".encode()).decode()
    return f'W/"{token}"'


class Company:
    def __init__(self, record: dict, lcy: str, country: str):
        self.record = record
        self.lcy = lcy
        self.country = country
        self.tables: dict[str, dict[str, dict]] = {}

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def name(self) -> str:
        return self.record["name"]

    def table(self, name: str) -> dict[str, dict]:
        return self.tables.setdefault(name, {})


Change = tuple[Company, str, dict | None, dict | None]  # company, table, old, new


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.companies: dict[str, Company] = {}
        self.root: dict[str, dict[str, dict]] = {}  # tables outside companies (subscriptions)
        self._versions = itertools.count(1)
        self._undo: list | None = None
        self._changes: list[Change] = []
        self.listeners: list[Callable[[list[Change]], None]] = []

    # -- companies -------------------------------------------------------------------------------------
    def add_company(self, company: Company) -> Company:
        self.companies[company.id] = company
        return company

    def company(self, key: str) -> Company | None:
        return self.companies.get(key.lower())

    def company_by_name(self, name: str) -> Company | None:
        return next((c for c in self.companies.values() if c.name == name), None)

    # -- records ---------------------------------------------------------------------------------------
    def rows(self, company: Company, table: str) -> Iterator[dict]:
        return iter(list(company.table(table).values()))

    def get(self, company: Company, table: str, key: str) -> dict | None:
        return company.table(table).get(key)

    def find(self, company: Company, table: str, **equal) -> dict | None:
        for row in company.table(table).values():
            if all(row.get(k) == v for k, v in equal.items()):
                return row
        return None

    def put(self, company: Company, table: str, record: dict, touch: bool = True) -> dict:
        """Insert or replace; bumps the version (ETag) and lastModifiedDateTime unless touch=False."""
        record.setdefault("_key", record.get("id") or new_guid())
        rows = company.table(table)
        old = rows.get(record["_key"])
        if touch:
            record["_v"] = next(self._versions)
            record["lastModifiedDateTime"] = now_iso()
        if self._undo is not None:
            self._undo.append((rows, record["_key"], old))
        rows[record["_key"]] = record
        self._changes.append((company, table, old, record))
        return record

    def remove(self, company: Company, table: str, key: str) -> dict | None:
        rows = company.table(table)
        old = rows.pop(key, None)
        if old is not None:
            if self._undo is not None:
                self._undo.append((rows, key, old))
            self._changes.append((company, table, old, None))
        return old

    def next_number(self, company: Company, series: str, start: str) -> str:
        """Next number of a number series, e.g. 'S-ORD101001' -> 'S-ORD101002' (rolled back with the txn)."""
        rows = company.table("_series")
        old = rows.get(series)
        current = old["last"] if old else None
        value = _increment(current) if current else start
        new = {"_key": series, "last": value}
        if self._undo is not None:
            self._undo.append((rows, series, old))
        rows[series] = new
        return value

    def bump(self, company: Company, table: str, key: str) -> None:
        """Mark a record modified (e.g. a header whose lines changed) so its ETag changes."""
        row = self.get(company, table, key)
        if row is not None:
            self.put(company, table, dict(row))

    # -- transactions ----------------------------------------------------------------------------------
    @contextmanager
    def transaction(self):
        if self._undo is not None:  # nested: the outer transaction decides
            yield
            return
        self._undo = []
        self._changes = []
        try:
            yield
        except BaseException:
            for rows, key, old in reversed(self._undo):
                if old is None:
                    rows.pop(key, None)
                else:
                    rows[key] = old
            self._changes = []
            raise
        finally:
            self._undo = None
        changes, self._changes = self._changes, []
        for listener in self.listeners:
            listener(changes)


def _increment(number: str) -> str:
    """BC's IncStr: increase the last run of digits, keeping its width."""
    i = len(number)
    while i > 0 and not number[i - 1].isdigit():
        i -= 1
    j = i
    while j > 0 and number[j - 1].isdigit():
        j -= 1
    if i == j:
        return number + "1"
    digits = number[j:i]
    bumped = str(int(digits) + 1).zfill(len(digits))
    return number[:j] + bumped + number[i:]
