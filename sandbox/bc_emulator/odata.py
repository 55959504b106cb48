"""OData query options as BC online understands them: $filter, $select, $expand, $orderby, $top, $skip.

`parse_filter` turns a `$filter` string into a predicate over plain dict rows. Supported: eq ne gt ge lt le,
and / or / not, parentheses, `field in ('a','b')`, startswith / endswith / contains, tolower / toupper;
literals: 'strings' (with '' escaping), numbers, true/false/null, GUIDs, dates (2024-01-31) and
date-times (2024-01-31T10:00:00Z, compared as instants).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .errors import BcError, unknown_property

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>'(?:[^']|'')*')
     |(?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![\w-])
     |(?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+\- ]\d{2}:\d{2})?)
     |(?P<date>\d{4}-\d{2}-\d{2})(?![\w:])
     |(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)[mMdDfFlL]?
     |(?P<punct>[(),])
     |(?P<word>[A-Za-z_$@][\w./]*)
    )""",
    re.X,
)

_COMPARE = {"eq", "ne", "gt", "ge", "lt", "le"}
_FUNCS = {"startswith", "endswith", "contains", "tolower", "toupper", "trim"}


def filter_error(message: str) -> BcError:
    return BcError(400, "BadRequest", message)


@dataclass
class _Lit:
    value: Any
    kind: str  # str guid dt date num bool null


@dataclass
class _Field:
    name: str


@dataclass
class _Call:
    name: str
    args: list


@dataclass
class _Cmp:
    op: str
    left: Any
    right: Any


@dataclass
class _In:
    left: Any
    values: list


@dataclass
class _Bool:
    op: str  # and / or / not
    items: list = field(default_factory=list)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise filter_error(f"Syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, text: str, known: Callable[[str], bool], entity: str):
        self.tokens = _tokenize(text)
        self.i = 0
        self.known = known
        self.entity = entity
        self.fields: set[str] = set()

    def peek(self, offset: int = 0):
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else (None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, value: str):
        kind, text = self.take()
        if text != value:
            raise filter_error(f"Syntax error: expected '{value}' but found '{text}'.")

    def parse(self):
        node = self.or_expr()
        if self.i != len(self.tokens):
            raise filter_error(f"Syntax error: unexpected '{self.peek()[1]}'.")
        return node

    def or_expr(self):
        items = [self.and_expr()]
        while self.peek() == ("word", "or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else _Bool("or", items)

    def and_expr(self):
        items = [self.not_expr()]
        while self.peek() == ("word", "and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else _Bool("and", items)

    def not_expr(self):
        if self.peek() == ("word", "not"):
            self.take()
            return _Bool("not", [self.not_expr()])
        return self.comparison()

    def comparison(self):
        left = self.operand()
        kind, text = self.peek()
        if kind == "word" and text in _COMPARE:
            self.take()
            return _Cmp(text, left, self.operand())
        if kind == "word" and text == "in":
            self.take()
            self.expect("(")
            values = [self.operand()]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.operand())
            self.expect(")")
            return _In(left, values)
        return left

    def operand(self):
        kind, text = self.take()
        if kind is None:
            raise filter_error("Syntax error: unexpected end of $filter.")
        if kind == "punct" and text == "(":
            node = self.or_expr()
            self.expect(")")
            return node
        if kind == "str":
            return _Lit(text[1:-1].replace("''", "'"), "str")
        if kind == "guid":
            return _Lit(text.lower(), "guid")
        if kind == "dt":
            return _Lit(parse_datetime(text), "dt")
        if kind == "date":
            return _Lit(text, "date")
        if kind == "num":
            return _Lit(float(text) if any(c in text for c in ".eE") else int(text), "num")
        if kind == "word":
            if text in ("true", "false"):
                return _Lit(text == "true", "bool")
            if text == "null":
                return _Lit(None, "null")
            if text in _FUNCS and self.peek() == ("punct", "("):
                self.take()
                args = [self.or_expr()]
                while self.peek() == ("punct", ","):
                    self.take()
                    args.append(self.or_expr())
                self.expect(")")
                return _Call(text, args)
            if not self.known(text):
                raise unknown_property(text, self.entity)
            self.fields.add(text)
            return _Field(text)
        raise filter_error(f"Syntax error: unexpected '{text}'.")


def parse_datetime(text: str) -> datetime:
    text = text.replace(" ", "+")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _value(node, row: dict):
    if isinstance(node, _Lit):
        return node.value, node.kind
    if isinstance(node, _Field):
        return row.get(node.name), None
    if isinstance(node, _Call):
        args = [_value(a, row)[0] for a in node.args]
        s = "" if args[0] is None else str(args[0])
        if node.name == "tolower":
            return s.lower(), "str"
        if node.name == "toupper":
            return s.upper(), "str"
        if node.name == "trim":
            return s.strip(), "str"
        needle = "" if args[1] is None else str(args[1])
        if node.name == "startswith":
            return s.startswith(needle), "bool"
        if node.name == "endswith":
            return s.endswith(needle), "bool"
        return needle in s, "bool"
    return _eval(node, row), "bool"


def _coerce(a, ka, b, kb):
    kind = ka or kb
    if kind == "guid":
        return (str(a).lower() if a is not None else None), (str(b).lower() if b is not None else None)
    if kind == "dt":
        return _as_dt(a), _as_dt(b)
    if kind == "num" and not isinstance(a, bool) and not isinstance(b, bool):
        try:
            return (float(a) if a is not None else None), (float(b) if b is not None else None)
        except (TypeError, ValueError):
            return a, b
    return a, b


def _as_dt(v):
    if v is None or isinstance(v, datetime):
        return v
    text = str(v)
    if len(text) == 10:
        text += "T00:00:00Z"
    return parse_datetime(text)


def _cmp(op: str, a, b) -> bool:
    if op == "eq":
        return a == b
    if op == "ne":
        return a != b
    if a is None or b is None:
        return False
    try:
        if op == "gt":
            return a > b
        if op == "ge":
            return a >= b
        if op == "lt":
            return a < b
        return a <= b
    except TypeError:
        return False


def _eval(node, row: dict) -> bool:
    if isinstance(node, _Bool):
        if node.op == "and":
            return all(_eval(n, row) for n in node.items)
        if node.op == "or":
            return any(_eval(n, row) for n in node.items)
        return not _eval(node.items[0], row)
    if isinstance(node, _Cmp):
        a, ka = _value(node.left, row)
        b, kb = _value(node.right, row)
        a, b = _coerce(a, ka, b, kb)
        return _cmp(node.op, a, b)
    if isinstance(node, _In):
        a, ka = _value(node.left, row)
        for v in node.values:
            b, kb = _value(v, row)
            x, y = _coerce(a, ka, b, kb)
            if x == y:
                return True
        return False
    value, _ = _value(node, row)
    return bool(value)


@dataclass
class Filter:
    ast: Any
    fields: set[str]

    def __call__(self, row: dict) -> bool:
        return _eval(self.ast, row)

    def comparisons(self) -> list[tuple[str, Any]]:
        """Every (field, literal) compared anywhere in the filter (eq/ne/gt/... and `in`)."""
        found, stack = [], [self.ast]
        while stack:
            node = stack.pop()
            if isinstance(node, _Bool):
                stack.extend(node.items)
            elif isinstance(node, _Cmp):
                for f, lit in ((node.left, node.right), (node.right, node.left)):
                    if isinstance(f, _Field) and isinstance(lit, _Lit):
                        found.append((f.name, lit.value))
            elif isinstance(node, _In) and isinstance(node.left, _Field):
                found.extend((node.left.name, v.value) for v in node.values if isinstance(v, _Lit))
        return found

    def equalities(self) -> dict[str, Any]:
        """`field eq literal` terms joined by top-level `and` (used for FlowFilters and required filters)."""
        terms = self.ast.items if isinstance(self.ast, _Bool) and self.ast.op == "and" else [self.ast]
        found = {}
        for t in terms:
            if isinstance(t, _Cmp) and t.op == "eq":
                if isinstance(t.left, _Field) and isinstance(t.right, _Lit):
                    found[t.left.name] = t.right.value
                elif isinstance(t.right, _Field) and isinstance(t.left, _Lit):
                    found[t.right.name] = t.left.value
        return found


def parse_filter(text: str, known: Callable[[str], bool], entity: str) -> Filter:
    parser = _Parser(text, known, entity)
    return Filter(parser.parse(), parser.fields)


def split_top_level(text: str, sep: str) -> list[str]:
    """Split on sep outside parentheses and quotes."""
    parts, depth, buf, quoted = [], 0, [], False
    for ch in text:
        if ch == "'":
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        if ch == sep and depth == 0 and not quoted:
            parts.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
    if "".join(buf).strip():
        parts.append("".join(buf).strip())
    return parts


@dataclass
class Query:
    """Query options of one level (the request, or one `$expand` item)."""

    filter: str | None = None
    select: list[str] | None = None
    expand: dict[str, Query] = field(default_factory=dict)
    orderby: list[tuple[str, bool]] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    count: bool = False
    skiptoken: str | None = None


def parse_query(options: dict[str, str]) -> Query:
    q = Query()
    for raw_key, value in options.items():
        key = raw_key.lower()
        if key == "$filter":
            q.filter = value
        elif key == "$select":
            q.select = [s.strip() for s in value.split(",") if s.strip()]
        elif key == "$expand":
            q.expand = parse_expand(value)
        elif key == "$orderby":
            for part in split_top_level(value, ","):
                bits = part.split()
                q.orderby.append((bits[0], len(bits) > 1 and bits[1].lower() == "desc"))
        elif key in ("$top", "$skip"):
            try:
                number = int(value)
            except ValueError:
                raise filter_error(f"Invalid value '{value}' for {raw_key}.") from None
            if number < 0:
                raise filter_error(f"Invalid value '{value}' for {raw_key}.")
            if key == "$top":
                q.top = number
            else:
                q.skip = number
        elif key == "$count":
            q.count = value.lower() == "true"
        elif key == "$skiptoken":
            q.skiptoken = value
    return q


def parse_expand(text: str) -> dict[str, Query]:
    result: dict[str, Query] = {}
    for item in split_top_level(text, ","):
        m = re.fullmatch(r"\s*([\w.]+)\s*(?:\((.*)\))?\s*", item, re.S)
        if not m:
            raise filter_error(f"Invalid $expand item '{item}'.")
        options = {}
        for opt in split_top_level(m.group(2) or "", ";"):
            if "=" in opt:
                k, v = opt.split("=", 1)
                options[k.strip()] = v.strip()
        result[m.group(1)] = parse_query(options)
    return result
