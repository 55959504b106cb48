"""Type check of infra/ against Azure's generated resource types (the definitions the Bicep compiler uses).

For every `resource` declaration: its type@apiVersion exists; every property path it sets exists (or falls under an
`additionalProperties` map); no read-only property is set; every literal value fits (string enums, integer limits,
string lengths, booleans, objects and arrays where the type says so). Values that are a parameter with `@allowed`
are checked for every allowed value, ternaries `c ? a : b` for both branches, variables through their value, loop
and `if` bodies like plain ones. A module call passing such a parameter must pass only values the module allows.
What cannot be known before deployment (function calls, interpolated strings, references to other resources) is
left alone: the compiler and ARM check those.

Type definitions: ../shared/reference/azure-bicep-types/generated (Azure/bicep-types-az) and, for the providers it
does not hold (Microsoft.Network, for private networking), tests/infra/azure_types/generated from the same commit.

The parser reads the tokens of tests/infra/bicep_lexer.py: declarations, decorators, object and array literals and
enough of expressions to find the values above; it is not a full Bicep parser.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tests.infra import bicep_lexer as lx

ROOT = Path(__file__).resolve().parents[2]
TYPE_ROOTS = (
    ROOT.parent / "shared" / "reference" / "azure-bicep-types" / "generated",
    Path(__file__).parent / "azure_types" / "generated",
)
# Bicep's own keywords in a resource body, not part of the ARM type
BICEP_RESOURCE_KEYS = {"parent", "scope", "dependsOn"}
READ_ONLY = 2
REQUIRED = 1

# ------------------------------------------------------------------------------------------ syntax tree


@dataclass
class Lit:
    value: Any  # str, int, bool or None


@dataclass
class Obj:
    props: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Arr:
    items: list[Any]


@dataclass
class Loop:
    body: Any  # [for x in y: body]


@dataclass
class Cond:
    body: Any  # if (c) body


@dataclass
class Choice:
    options: list[Any]  # c ? a : b


@dataclass
class Ref:
    name: str


@dataclass
class Expr:
    """Anything the checker does not evaluate (calls, interpolation, arithmetic, member access)."""


@dataclass
class Param:
    name: str
    allowed: list[Any] | None
    default: Any


@dataclass
class Resource:
    symbol: str
    type_version: str
    existing: bool
    body: Any
    line: int


@dataclass
class ModuleCall:
    symbol: str
    path: str
    body: Any
    line: int


@dataclass
class Template:
    params: dict[str, Param] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    resources: list[Resource] = field(default_factory=list)
    modules: list[ModuleCall] = field(default_factory=list)


class ParseError(Exception):
    pass


BINARY = {"+", "-", "*", "/", "%", "==", "!=", "=~", "!~", "<", "<=", ">", ">=", "&&", "||", "??", "?", ":", "|"}
CLOSERS = {"newline", ",", "}", "]", ")", "eof"}


def string_value(text: str) -> str:
    if text.startswith("'''"):
        body = text[3:-3]
        return body[1:] if body.startswith("\n") else body[2:] if body.startswith("\r\n") else body
    out, i, body = [], 0, text[1:-1]
    simple = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", "$": "$"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt == "u":
                end = body.index("}", i)
                out.append(chr(int(body[i + 3 : end], 16)))
                i = end + 1
                continue
            out.append(simple.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


class Parser:
    def __init__(self, source: str) -> None:
        tokens, findings = lx.lex(source)
        if findings:
            raise ParseError("; ".join(f.describe(source) for f in findings))
        self.source = source
        self.tokens = tokens
        self.pos = 0

    # -------------------------------------------------------------- helpers

    @property
    def tok(self) -> lx.Token:
        return self.tokens[self.pos]

    def line_of(self, token: lx.Token) -> int:
        return self.source.count("\n", 0, token.start) + 1

    def next(self) -> lx.Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect(self, kind: str) -> lx.Token:
        if self.tok.kind != kind:
            raise ParseError(f"line {self.line_of(self.tok)}: expected {kind!r}, found {self.tok.text!r}")
        return self.next()

    def skip_newlines(self) -> None:
        while self.tok.kind == "newline":
            self.pos += 1

    # -------------------------------------------------------------- expressions

    def value(self, stop: frozenset[str] = frozenset()) -> Any:
        parts = [self.operand()]
        pending_questions = 0
        while self.tok.kind in BINARY and self.tok.kind not in stop:
            if self.tok.kind == ":" and pending_questions == 0:
                break  # the ":" of a `for x in y:` header or an object key, not a ternary
            op = self.next().kind
            pending_questions += (op == "?") - (op == ":")
            parts.append(op)
            self.skip_newlines() if op in {"?", ":"} and self.tok.kind == "newline" else None
            parts.append(self.operand())
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 5 and parts[1] == "?" and parts[3] == ":":
            return Choice([parts[2], parts[4]])
        return Expr()

    def operand(self) -> Any:
        token = self.tok
        if token.kind in {"!", "-"}:
            self.next()
            self.operand()
            return Expr()
        node = self.primary()
        while True:
            if self.tok.kind == "(":  # call
                self.arguments()
                node = Expr()
            elif self.tok.kind == "!" and self.tokens[self.pos + 1].kind in {".", "["}:  # non-null assertion x!.y
                self.next()
            elif self.tok.kind in {".", "::"}:  # member access, also the safe form `.?name`
                self.next()
                if self.tok.kind == "?":
                    self.next()
                self.expect("identifier")
                node = Expr()
            elif self.tok.kind == "[":
                self.index()
                node = Expr()
            else:
                return node

    def index(self) -> None:
        self.expect("[")
        self.skip_newlines()
        if self.tok.kind == "?":
            self.next()
        self.value()
        self.skip_newlines()
        self.expect("]")

    def arguments(self) -> list[Any]:
        self.expect("(")
        args = []
        self.skip_newlines()
        while self.tok.kind != ")":
            args.append(self.lambda_or_value())
            self.skip_newlines()
            if self.tok.kind == ",":
                self.next()
                self.skip_newlines()
        self.expect(")")
        return args

    def lambda_or_value(self) -> Any:
        # x => ..., (x, y) => ...
        if self.tok.kind == "identifier" and self.tokens[self.pos + 1].kind == "=>":
            self.pos += 2
            self.value()
            return Expr()
        return self.value()

    def primary(self) -> Any:
        token = self.tok
        kind = token.kind
        if kind == "{":
            return self.object()
        if kind == "[":
            return self.array()
        if kind == "(":
            self.next()
            self.skip_newlines()
            inner = [self.lambda_or_value()]
            self.skip_newlines()
            while self.tok.kind == ",":
                self.next()
                self.skip_newlines()
                inner.append(self.value())
                self.skip_newlines()
            self.expect(")")
            if self.tok.kind == "=>":
                self.next()
                self.value()
                return Expr()
            return inner[0] if len(inner) == 1 else Expr()
        if kind == "string":
            self.next()
            return Lit(string_value(token.text))
        if kind == "string_left":
            self.next()
            while True:
                self.value()
                piece = self.next()
                if piece.kind == "string_right":
                    return Expr()
                if piece.kind != "string_middle":
                    raise ParseError(f"line {self.line_of(piece)}: unterminated interpolation")
        if kind == "integer":
            self.next()
            return Lit(int(token.text))
        if kind == "identifier":
            self.next()
            if token.text in {"true", "false"}:
                return Lit(token.text == "true")
            if token.text == "null":
                return Lit(None)
            if token.text == "if" and self.tok.kind == "(":
                self.arguments()
                self.skip_newlines()
                return Cond(self.value())
            return Ref(token.text)
        raise ParseError(f"line {self.line_of(token)}: unexpected {token.text!r}")

    def object(self) -> Obj:
        self.expect("{")
        node = Obj({})
        self.skip_newlines()
        while self.tok.kind != "}":
            while self.tok.kind == "@":  # decorators on object properties (types): skip
                self.next()
                self.operand()
                self.skip_newlines()
            key_token = self.next()
            if key_token.kind == "identifier" and key_token.text == "resource" and self.tok.kind == "identifier":
                raise ParseError(f"line {self.line_of(key_token)}: nested resource declarations are not checked")
            if key_token.kind == "string":
                key = string_value(key_token.text)
            elif key_token.kind == "identifier":
                key = key_token.text
            elif key_token.kind == "string_left":  # interpolated key such as '${identityId}'
                self.pos -= 1
                self.primary()
                key = "*"
            else:
                raise ParseError(f"line {self.line_of(key_token)}: bad object key {key_token.text!r}")
            self.expect(":")
            self.skip_newlines()
            node.lines[key] = self.line_of(key_token)
            node.props[key] = self.value()
            if self.tok.kind == ",":
                self.next()
            self.skip_newlines()
        self.expect("}")
        return node

    def array(self) -> Any:
        self.expect("[")
        self.skip_newlines()
        if self.tok.kind == "identifier" and self.tok.text == "for":
            self.next()
            if self.tok.kind == "(":
                self.arguments()
            else:
                self.expect("identifier")
            if self.tok.text != "in":
                raise ParseError(f"line {self.line_of(self.tok)}: expected 'in'")
            self.next()
            self.value()
            self.expect(":")
            self.skip_newlines()
            body = self.value()
            self.skip_newlines()
            self.expect("]")
            return Loop(body)
        items = []
        while self.tok.kind != "]":
            items.append(self.value())
            if self.tok.kind == ",":
                self.next()
            self.skip_newlines()
        self.expect("]")
        return Arr(items)

    # -------------------------------------------------------------- declarations

    def skip_statement(self) -> None:
        depth = 0
        while not (self.tok.kind in {"newline", "eof"} and depth == 0):
            kind = self.next().kind
            depth += kind in {"{", "[", "(", "string_left"}
            depth -= kind in {"}", "]", ")", "string_right"}

    def skip_type(self) -> None:
        """A parameter or output type: up to "=" or the end of the line (object types may span lines)."""
        depth = 0
        while not (self.tok.kind in {"=", "newline", "eof"} and depth == 0):
            kind = self.next().kind
            depth += kind in {"{", "[", "("}
            depth -= kind in {"}", "]", ")"}

    def template(self) -> Template:
        result = Template()
        decorators: dict[str, list[Any]] = {}
        while True:
            self.skip_newlines()
            token = self.tok
            if token.kind == "eof":
                return result
            if token.kind == "@":
                self.next()
                name = self.expect("identifier").text
                if self.tok.kind == ".":  # sys.description(...)
                    self.next()
                    name = self.expect("identifier").text
                decorators[name] = self.arguments() if self.tok.kind == "(" else []
                continue
            keyword = self.expect("identifier").text
            if keyword == "param":
                name = self.expect("identifier").text
                self.skip_type()
                default = None
                if self.tok.kind == "=":
                    self.next()
                    default = self.value()
                allowed = decorators.get("allowed")
                values = None
                if allowed:
                    if not isinstance(allowed[0], Arr) or not all(isinstance(v, Lit) for v in allowed[0].items):
                        raise ParseError(f"line {self.line_of(token)}: @allowed of {name} is not a literal list")
                    values = [v.value for v in allowed[0].items]
                result.params[name] = Param(name, values, default)
            elif keyword == "var":
                name = self.expect("identifier").text
                self.expect("=")
                result.variables[name] = self.value()
            elif keyword == "resource":
                symbol = self.expect("identifier").text
                type_version = string_value(self.expect("string").text)
                existing = self.tok.kind == "identifier" and self.tok.text == "existing"
                if existing:
                    self.next()
                self.expect("=")
                result.resources.append(Resource(symbol, type_version, existing, self.value(), self.line_of(token)))
            elif keyword == "module":
                symbol = self.expect("identifier").text
                path = string_value(self.expect("string").text)
                self.expect("=")
                result.modules.append(ModuleCall(symbol, path, self.value(), self.line_of(token)))
            else:  # targetScope, output, metadata, type, func, import, ...
                self.skip_statement()
            decorators = {}


def parse(source: str) -> Template:
    return Parser(source).template()


# ------------------------------------------------------------------------------------------ type definitions


@cache
def _type_files() -> dict[str, list[Path]]:
    """'microsoft.storage@2023-05-01' -> types.json (a provider version may sit in several area folders)."""
    found: dict[str, list[Path]] = {}
    for root in TYPE_ROOTS:
        for path in root.glob("*/*/*/types.json"):
            found.setdefault(f"{path.parent.parent.name}@{path.parent.name}", []).append(path)
    return found


@cache
def _load(path: Path) -> list[dict[str, Any]]:
    return json.loads(path.read_text())


def resource_type(type_version: str) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """(the types list, the body type) of e.g. 'Microsoft.Storage/storageAccounts@2023-05-01', or None."""
    resource, _, version = type_version.partition("@")
    namespace = resource.split("/", 1)[0].lower()
    for path in _type_files().get(f"{namespace}@{version}", []):
        types = _load(path)
        for entry in types:
            if entry["$type"] == "ResourceType" and entry["name"].lower() == type_version.lower():
                return types, deref(types, entry["body"])
    return None


def deref(types: list[dict[str, Any]], ref: dict[str, str]) -> dict[str, Any]:
    return types[int(ref["$ref"].rsplit("/", 1)[1])]


# ------------------------------------------------------------------------------------------ checker


@dataclass(frozen=True)
class TypeFinding:
    file: str
    line: int
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.path}: {self.problem}"


def describe(types: list[dict[str, Any]], t: dict[str, Any]) -> str:
    kind = t["$type"]
    if kind == "StringLiteralType":
        return repr(t["value"])
    if kind == "UnionType":
        return " | ".join(describe(types, deref(types, e)) for e in t["elements"])
    return kind.removesuffix("Type").lower()


class Checker:
    def __init__(self, template: Template, file: str) -> None:
        self.template = template
        self.file = file
        self.findings: list[TypeFinding] = []
        self.checked: list[str] = []  # property paths looked up in the types (tests assert the check really ran)

    def add(self, line: int, path: str, problem: str) -> None:
        self.findings.append(TypeFinding(self.file, line, path, problem))

    def check(self) -> list[TypeFinding]:
        for res in self.template.resources:
            found = resource_type(res.type_version)
            if found is None:
                self.add(res.line, res.symbol, f"unknown resource type or API version {res.type_version!r}")
                continue
            if res.existing:
                continue
            types, body = found
            self.value(types, body, res.body, f"{res.symbol}", res.line, top=True, seen=frozenset())
        return self.findings

    def value(self, types, t, node, path, line, *, top=False, seen: frozenset[str]) -> None:
        if isinstance(node, Cond | Loop):
            self.value(types, t, node.body, path, line, top=top, seen=seen)
        elif isinstance(node, Choice):
            for option in node.options:
                self.value(types, t, option, path, line, top=top, seen=seen)
        elif isinstance(node, Ref):
            if node.name in seen:
                return
            param = self.template.params.get(node.name)
            if param is not None:
                for allowed in param.allowed or []:
                    self.value(types, t, Lit(allowed), f"{path} (@allowed of {node.name})", line, seen=seen)
                if param.allowed is None and isinstance(param.default, Lit):
                    self.value(types, t, param.default, f"{path} (default of {node.name})", line, seen=seen)
            elif node.name in self.template.variables:
                self.value(types, t, self.template.variables[node.name], path, line, seen=seen | {node.name})
        elif isinstance(node, Lit) and node.value is None:
            return  # null leaves the property out (e.g. `cond ? null : value`)
        elif isinstance(node, Lit | Obj | Arr):
            self.concrete(types, t, node, path, line, top=top, seen=seen)

    def concrete(self, types, t, node, path, line, *, top, seen) -> None:
        kind = t["$type"]
        if kind == "AnyType":
            return
        if kind == "UnionType":
            if isinstance(node, Lit):
                options = [deref(types, e) for e in t["elements"]]
                literals = [o for o in options if o["$type"] == "StringLiteralType"]
                if literals and isinstance(node.value, str):
                    # An "extensible" enum (listed values | string) compiles with any string, but the services
                    # answer unknown values with a deployment error: hold literals to the listed values.
                    options = literals
                if not any(self.accepts(types, o, node.value) for o in options):
                    self.add(line, path, f"{node.value!r} is not allowed, expected {describe(types, t)}")
                return
            objects = [deref(types, e) for e in t["elements"]]
            objects = [o for o in objects if o["$type"] in {"ObjectType", "DiscriminatedObjectType", "ArrayType"}]
            if len(objects) == 1:
                self.concrete(types, objects[0], node, path, line, top=top, seen=seen)
            return
        if kind in {"ObjectType", "DiscriminatedObjectType"}:
            if not isinstance(node, Obj):
                self.add(line, path, f"expected an object, got {type(node).__name__}")
                return
            self.object(types, t, node, path, line, top=top, seen=seen)
            return
        if kind == "ArrayType":
            if isinstance(node, Arr):
                item = deref(types, t["itemType"])
                for i, element in enumerate(node.items):
                    self.value(types, item, element, f"{path}[{i}]", line, seen=seen)
            elif isinstance(node, Lit):
                self.add(line, path, f"expected an array, got {node.value!r}")
            return
        if isinstance(node, Lit):
            if not self.accepts(types, t, node.value):
                self.add(line, path, f"{node.value!r} is not allowed, expected {describe(types, t)}")
        else:
            self.add(line, path, f"expected {describe(types, t)}, got an {type(node).__name__.lower()}")

    def properties(self, types, t, node) -> tuple[dict[str, Any], dict[str, str] | None]:
        if t["$type"] == "ObjectType":
            return dict(t.get("properties", {})), t.get("additionalProperties")
        props = dict(t.get("baseProperties", {}))
        discriminator = t["discriminator"]
        chosen = node.props.get(discriminator)
        elements = t["elements"]
        if isinstance(chosen, Lit) and chosen.value in elements:
            props.update(deref(types, elements[chosen.value]).get("properties", {}))
        else:  # not a literal: accept what any variant has
            for ref in elements.values():
                props.update(deref(types, ref).get("properties", {}))
        return props, None

    def object(self, types, t, node: Obj, path, line, *, top, seen) -> None:
        props, additional = self.properties(types, t, node)
        for key, value in node.props.items():
            key_line = node.lines.get(key, line)
            key_path = f"{path}.{key}"
            if top and key in BICEP_RESOURCE_KEYS:
                continue
            prop = props.get(key)
            self.checked.append(key_path)
            if prop is None:
                if additional is not None:
                    self.value(types, deref(types, additional), value, key_path, key_line, seen=seen)
                else:
                    self.add(key_line, key_path, f"no such property in {t.get('name', 'this object')}")
                continue
            if prop.get("flags", 0) & READ_ONLY:
                self.add(key_line, key_path, "read-only property is set")
                continue
            self.value(types, deref(types, prop["type"]), value, key_path, key_line, seen=seen)
        for name, prop in props.items():
            if prop.get("flags", 0) & REQUIRED and not prop.get("flags", 0) & READ_ONLY and name not in node.props:
                self.add(line, f"{path}.{name}", "required property is missing")

    def accepts(self, types, t, value) -> bool:
        kind = t["$type"]
        if kind == "AnyType":
            return True
        if kind == "StringLiteralType":
            return value == t["value"]
        if kind == "StringType":
            return isinstance(value, str) and t.get("minLength", 0) <= len(value) <= t.get("maxLength", 1 << 31)
        if kind == "IntegerType":
            return (
                isinstance(value, int)
                and not isinstance(value, bool)
                and t.get("minValue", -(1 << 63)) <= value <= t.get("maxValue", 1 << 63)
            )
        if kind == "BooleanType":
            return isinstance(value, bool)
        if kind == "UnionType":
            return any(self.accepts(types, deref(types, e), value) for e in t["elements"])
        return value is None


def check_source(source: str, file: str = "<snippet>") -> list[TypeFinding]:
    return Checker(parse(source), file).check()


def check_module_calls(main: Path) -> list[TypeFinding]:
    """A parameter passed to a module must exist there, and an `@allowed` list must fit the module's own list."""
    findings = []
    caller = parse(main.read_text())
    for call in caller.modules:
        target = parse((main.parent / call.path).read_text())
        body = call.body.body if isinstance(call.body, Cond) else call.body
        params = body.props.get("params") if isinstance(body, Obj) else None
        if not isinstance(params, Obj):
            continue
        for name, value in params.props.items():
            line = params.lines.get(name, call.line)
            where = f"{call.symbol}.params.{name}"
            if name not in target.params:
                findings.append(TypeFinding(main.name, line, where, f"{call.path} has no parameter {name!r}"))
                continue
            allowed = target.params[name].allowed
            if allowed is None:
                continue
            options = value.options if isinstance(value, Choice) else [value]
            for option in options:
                if isinstance(option, Ref) and option.name in caller.params:
                    sent = caller.params[option.name].allowed
                    if sent is None:
                        findings.append(TypeFinding(main.name, line, where, f"{option.name} has no @allowed list"))
                        continue
                    values = sent
                elif isinstance(option, Lit):
                    values = [option.value]
                else:
                    continue
                for v in values:
                    if v not in allowed:
                        findings.append(TypeFinding(main.name, line, where, f"{v!r} not in the module's @allowed"))
    return findings
