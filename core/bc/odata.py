"""OData v4 URL pieces for Business Central: literals, keys, query strings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote

_GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_KEY_RE = re.compile(r"\([^)]*\)")
# Readable but unambiguous: everything with a meaning in a query string (& = + # ? %) and spaces is escaped.
_QUERY_SAFE = "'(),:/$*@;"
_ENCODED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")


def escape_literal(value: str) -> str:
    """The inside of an OData string literal: a single quote is doubled (O'Brien -> O''Brien)."""
    return str(value).replace("'", "''")


def odata_string(value: str) -> str:
    """A quoted OData string literal for $filter: odata_string("O'Brien") == "'O''Brien'"."""
    return f"'{escape_literal(value)}'"


def enum_value(value) -> str:
    """An enum value as its AL name. BC answers members whose names hold spaces or punctuation XML-encoded
    (`"G_x002F_L_x0020_Account"` for "G/L Account", `"_x0020_"` for " ", `"In_x0020_Review"`), while its
    docs and most bodies use the plain name: both read the same after this."""
    return _ENCODED_CHAR.sub(lambda m: chr(int(m.group(1), 16)), "" if value is None else str(value))


def is_guid(value: str) -> bool:
    return bool(_GUID_RE.match(str(value)))


def key_segment(key: str) -> str:
    """`(key)`: GUIDs bare (BC's SystemId keys), anything else as a quoted, URL-escaped string literal."""
    key = str(key)
    if is_guid(key):
        return f"({key})"
    return "(" + quote(odata_string(key), safe="'") + ")"


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """`$filter=...&$select=...` with spaces as %20 and `+`, `&`, `#` escaped (a literal `+` in an email stays `+`)."""
    return "&".join(f"{quote(k, safe='$')}={quote(str(v), safe=_QUERY_SAFE)}" for k, v in params)


def query_params(
    *,
    filter: str | None = None,  # noqa: A002 - the OData name
    select: Sequence[str] | None = None,
    expand: Sequence[str] | None = None,
    top: int | None = None,
    orderby: str | None = None,
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if filter:
        params.append(("$filter", filter))
    if select:
        params.append(("$select", ",".join(select)))
    if expand:
        params.append(("$expand", ",".join(expand)))
    if orderby:
        params.append(("$orderby", orderby))
    if top is not None:
        params.append(("$top", str(int(top))))
    return params


def entity_label(path: str) -> str:
    """Metrics/log label of a path: keys stripped, query dropped. `salesOrders(1..)/salesOrderLines` ->
    `salesOrders/salesOrderLines`; `companies(..)/items` -> `items`."""
    path = path.split("?", 1)[0]
    path = _KEY_RE.sub("", path)
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] == "companies" and len(parts) > 1:
        parts = parts[1:]
    return "/".join(parts) or "/"
