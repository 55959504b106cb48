"""Just enough GraphQL to answer the Admin API operations the bridge sends — no general engine.

An operation is recognised by its first root field (`orders`, `productVariants`, `inventorySetQuantities`);
its arguments are read from the field's argument list (variables `$x`, or scalar literals), and the
`@idempotent(key: …)` directive from the text after them. Selection sets are not interpreted: each root
field answers a fixed, complete shape (what the bridge asks for and a little more).

Costs (requested before running / actual after), in the spirit of Shopify's calculated query cost:

| root field | requested | actual |
|---|---|---|
| orders(first: n) | 2 + n | 2 + nodes returned |
| productVariants(first: n), with inventoryLevels(first: m) | 2 + n × (3 + m) | 2 + Σ (3 + levels) |
| inventorySetQuantities | 10 | 10 |

Search syntax understood: orders `updated_at:>='…' updated_at:<'…'` (>=, >, <=, <; quoted or bare ISO
times, AND or space between terms); productVariants `sku:A OR sku:"B C"`. Anything else → an error in
Shopify's envelope, so an unexpected query fails loudly in tests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .store import ShopData, gid, parse_time, utc_text

MAX_INPUT_ARRAY = 250
MAX_PAGE = 250
MUTATION_COST = 10


class GraphQLError(Exception):
    def __init__(self, message: str, code: str, **extra):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra

    def as_error(self) -> dict:
        return {"message": self.message, "extensions": {"code": self.code, **self.extra}}


@dataclass
class Operation:
    root_field: str
    args: dict
    directives: str
    text: str


_COMMENT = re.compile(r"#[^\n]*")
_HEADER = re.compile(r"^\s*(?:(query|mutation)\b\s*(\w+)?\s*(\([^)]*\))?)?\s*\{", re.S)
_FIELD = re.compile(r"\s*(?:\w+\s*:\s*)?(\w+)\s*")


def _balanced(text: str, start: int, open_: str = "(", close: str = ")") -> int:
    """Index just past the bracket matching text[start] (strings respected)."""
    depth, i, in_string = 0, start, False
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise GraphQLError("Parse error: unbalanced brackets", "PARSE_ERROR")


def _split_top(text: str) -> list[str]:
    parts, depth, current, in_string, escape = [], 0, [], False, False
    for ch in text:
        if in_string:
            current.append(ch)
            if escape:
                escape = False
            elif ch == "\\":
                escape = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if "".join(current).strip():
        parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def _value(token: str, variables: dict):
    token = token.strip()
    if token.startswith("$"):
        return variables.get(token[1:])
    if token.startswith('"'):
        return json.loads(token)
    if token in ("null", "true", "false"):
        return {"null": None, "true": True, "false": False}[token]
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if re.fullmatch(r"[A-Z_][A-Z0-9_]*", token):
        return token  # enum
    raise GraphQLError(f"Emulator: pass object and list arguments as variables, not literals ({token[:40]})",
                       "BAD_REQUEST")


def _arguments(text: str, variables: dict) -> dict:
    args = {}
    for part in _split_top(text):
        name, _, value = part.partition(":")
        args[name.strip()] = _value(value, variables)
    return args


def parse(query: str, variables: dict) -> Operation:
    text = _COMMENT.sub("", query or "")
    header = _HEADER.match(text)
    if not header:
        raise GraphQLError("Parse error on query: expected an operation", "PARSE_ERROR")
    pos = header.end()
    field = _FIELD.match(text, pos)
    if not field:
        raise GraphQLError("Parse error: expected a root field", "PARSE_ERROR")
    pos = field.end()
    args: dict = {}
    if pos < len(text) and text[pos] == "(":
        end = _balanced(text, pos)
        args = _arguments(text[pos + 1:end - 1], variables)
        pos = end
    brace = text.find("{", pos)
    directives = text[pos:brace if brace >= 0 else len(text)]
    return Operation(root_field=field.group(1), args=args, directives=directives, text=text)


def idempotency_key(op: Operation, variables: dict) -> str | None:
    match = re.search(r"@idempotent\s*\(\s*key\s*:\s*(\$\w+|\"(?:[^\"\\]|\\.)*\")\s*\)", op.directives)
    if not match:
        return None
    value = _value(match.group(1), variables)
    return str(value) if value else None


# ---- cursors: the sort key of the last node, so pages stay stable while data changes ----

def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


def decode_cursor(cursor: str | None) -> list | None:
    if not cursor:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        raise GraphQLError("Invalid cursor for current pagination sort.", "BAD_REQUEST") from None


def _first(op: Operation) -> int:
    first = op.args.get("first")
    if first is None:
        raise GraphQLError("you must provide one of first or last", "BAD_REQUEST")
    if not 0 < int(first) <= MAX_PAGE:
        raise GraphQLError(f"The argument `first` must be between 1 and {MAX_PAGE}.", "BAD_REQUEST")
    return int(first)


# ---- orders ----

_TIME_TERM = re.compile(r"updated_at:\s*(>=|<=|>|<)\s*(?:'([^']*)'|\"([^\"]*)\"|([^\s()]+))")


def requested_cost(op: Operation) -> int:
    if op.root_field == "orders":
        return 2 + _first(op)
    if op.root_field == "productVariants":
        levels = re.search(r"inventoryLevels\s*\(\s*first\s*:\s*(\d+)", op.text)
        return 2 + _first(op) * (3 + (int(levels.group(1)) if levels else 10))
    if op.root_field == "inventorySetQuantities":
        return MUTATION_COST
    raise GraphQLError(f"Field '{op.root_field}' doesn't exist on type 'QueryRoot'", "undefinedField")


def orders(data: ShopData, op: Operation) -> tuple[dict, int]:
    first = _first(op)
    since = until = None
    since_incl, until_incl = True, False
    for operator, *quoted in _TIME_TERM.findall(op.args.get("query") or ""):
        try:
            moment = parse_time("".join(quoted).strip())
        except ValueError:
            raise GraphQLError(f"Invalid date in search query: {''.join(quoted)!r}", "BAD_REQUEST") from None
        if operator.startswith(">"):
            since, since_incl = moment, operator == ">="
        else:
            until, until_incl = moment, operator == "<="
    by_updated = op.args.get("sortKey") == "UPDATED_AT"
    rows = data.orders_in(since, until, since_inclusive=since_incl, until_inclusive=until_incl)
    rows.sort(key=(lambda r: (r[0], r[1])) if by_updated else (lambda r: r[1]))
    after = decode_cursor(op.args.get("after"))
    if after is not None:
        if by_updated:
            mark = (parse_time(after[0]), int(after[1]))
            rows = [r for r in rows if (r[0], r[1]) > mark]
        else:
            rows = [r for r in rows if r[1] > int(after[-1])]
    page, more = rows[:first], len(rows) > first
    edges = []
    for moment, number in page:
        node = {"id": gid("Order", number), "legacyResourceId": str(number), "updatedAt": utc_text(moment),
                "name": data.orders[number].get("name")}
        cursor = encode_cursor([moment.isoformat(), number] if by_updated else [number])
        edges.append({"cursor": cursor, "node": node})
    result = {"orders": {
        "edges": edges, "nodes": [e["node"] for e in edges],
        "pageInfo": {"hasNextPage": more, "hasPreviousPage": after is not None,
                     "startCursor": edges[0]["cursor"] if edges else None,
                     "endCursor": edges[-1]["cursor"] if edges else None}}}
    return result, 2 + len(page)


# ---- variants and their inventory ----

_SKU_TERM = re.compile(r"sku:\s*(\"(?:[^\"\\]|\\.)*\"|'[^']*'|[^\s()]+)")


def product_variants(data: ShopData, op: Operation) -> tuple[dict, int]:
    first = _first(op)
    terms = _SKU_TERM.findall(op.args.get("query") or "")
    wanted = {json.loads(t) if t.startswith('"') else t.strip("'") for t in terms}
    with data.lock:
        variants = [v for v in data.variants if not terms or v.sku in wanted]
        variants.sort(key=lambda v: v.number)
        after = decode_cursor(op.args.get("after"))
        if after is not None:
            variants = [v for v in variants if v.number > int(after[0])]
        page, more = variants[:first], len(variants) > first
        edges, actual = [], 2
        for v in page:
            levels = [{"id": f"gid://shopify/InventoryLevel/{v.inventory_item_number}?inventory_item_id="
                             f"{v.inventory_item_number}&location_id={loc.rsplit('/', 1)[-1]}",
                       "location": {"id": loc, "name": data.locations.get(loc, "")},
                       "quantities": [{"name": n, "quantity": q[n]} for n in ("available", "on_hand")]}
                      for loc, q in data.levels_of(v.inventory_item_id)]
            actual += 3 + len(levels)
            node = {"id": v.id, "legacyResourceId": str(v.number), "sku": v.sku, "title": v.title,
                    "product": {"id": gid("Product", v.product_number)},
                    "inventoryItem": {"id": v.inventory_item_id, "tracked": True,
                                      "inventoryLevels": {"nodes": levels, "edges": [{"node": n} for n in levels]}}}
            edges.append({"cursor": encode_cursor([v.number]), "node": node})
    return {"productVariants": {
        "edges": edges, "nodes": [e["node"] for e in edges],
        "pageInfo": {"hasNextPage": more, "hasPreviousPage": after is not None,
                     "endCursor": edges[-1]["cursor"] if edges else None,
                     "startCursor": edges[0]["cursor"] if edges else None}}}, actual


# ---- inventorySetQuantities ----

def _fingerprint(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def inventory_set_quantities(data: ShopData, op: Operation, variables: dict, replays: dict) -> tuple[dict, int]:
    """Compare-and-swap set of quantities, all or nothing; replays by idempotency key."""
    key = idempotency_key(op, variables)
    if key is None:
        raise GraphQLError("The @idempotent directive is required for this mutation.", "BAD_REQUEST")
    payload = op.args.get("input")
    if not isinstance(payload, dict):
        raise GraphQLError("Variable $input of type InventorySetQuantitiesInput! was provided invalid value",
                           "INVALID_VARIABLE")
    quantities = payload.get("quantities") or []
    if len(quantities) > MAX_INPUT_ARRAY:
        raise GraphQLError(f"The input array size of {len(quantities)} is greater than the maximum allowed of "
                           f"{MAX_INPUT_ARRAY}.", "MAX_INPUT_SIZE_EXCEEDED")
    for index, row in enumerate(quantities):
        for required in ("inventoryItemId", "locationId", "quantity", "changeFromQuantity"):
            if required not in row:
                raise GraphQLError(
                    f"Variable $input of type InventorySetQuantitiesInput! was provided invalid value for "
                    f"quantities.{index}.{required} (Expected value to not be null)", "INVALID_VARIABLE")
    with data.lock:
        seen = replays.get(key)
        fingerprint = _fingerprint(payload)
        if seen is not None:
            if seen[0] != fingerprint:
                raise GraphQLError("The idempotency key was already used for a different request.",
                                   "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
            return seen[1], MUTATION_COST
        result = _apply_set(data, payload)
        replays[key] = (fingerprint, result)
        return result, MUTATION_COST


def _apply_set(data: ShopData, payload: dict) -> dict:
    name = payload.get("name")
    errors = []
    if name not in ("available", "on_hand"):
        errors.append({"field": ["input", "name"], "message": "The quantity name must be available or on_hand.",
                       "code": "INVALID_NAME"})
    if not payload.get("reason"):
        errors.append({"field": ["input", "reason"], "message": "The reason is required.", "code": "INVALID_REASON"})
    planned = []
    for index, row in enumerate(payload.get("quantities") or []):
        field = ["input", "quantities", str(index)]
        item = str(row["inventoryItemId"])
        location = data.location_id(row["locationId"])
        if not data.item_exists(item):
            errors.append({"field": [*field, "inventoryItemId"], "message": "The specified inventory item could "
                           "not be found.", "code": "INVALID_INVENTORY_ITEM"})
            continue
        if location not in data.locations:
            errors.append({"field": [*field, "locationId"], "message": "The specified location could not be "
                           "found.", "code": "INVALID_LOCATION"})
            continue
        level = data.levels.get((item, location))
        if level is None:
            errors.append({"field": [*field, "locationId"], "message": "The specified inventory item is not "
                           "stocked at the location.", "code": "ITEM_NOT_STOCKED_AT_LOCATION"})
            continue
        expected = row["changeFromQuantity"]
        current = level.get(name or "available", 0)
        if expected is not None and int(expected) != current:
            errors.append({"field": [*field, "changeFromQuantity"], "message": "The specified compare quantity "
                           "does not match the current quantity.", "code": "CHANGE_FROM_QUANTITY_STALE"})
            continue
        planned.append((item, location, int(row["quantity"]), level))
    if errors:
        return {"inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}}
    changes = []
    for item, location, quantity, level in planned:
        delta = quantity - level[name]
        level[name] = quantity
        if name == "available":
            level["on_hand"] += delta
        else:
            level["available"] += delta
        changes.append({"name": name, "delta": delta, "quantityAfterChange": quantity,
                        "item": {"id": item}, "location": {"id": location}})
    group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{data.next_id()}",
             "createdAt": utc_text(datetime.now(UTC)), "reason": payload.get("reason"),
             "referenceDocumentUri": payload.get("referenceDocumentUri"), "changes": changes}
    return {"inventorySetQuantities": {"inventoryAdjustmentGroup": group, "userErrors": []}}
