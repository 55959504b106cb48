"""Every request checked against Shopify's real Admin API 2026-04 schema, and answers cut to what was asked.

The schema is Shopify's own introspection file (`../shared/reference/shopify-admin/admin_2026-04.json.gz`, see
the README there), loaded once per process (it is large: about a second). A request goes through:

1. `check(query, variables, operation_name)` — parse, validate the document (graphql-core's rules: unknown
   fields and arguments, argument and variable types, enum literals), then validate every variable against its
   declared type (input fields, enum values such as `CountryCode`, non-null). Anything refused raises `Refused`
   with the errors in Shopify's top-level shape (below); nothing runs. What passes comes back as a `Request`:
   the one root field, its coerced arguments, and the `@idempotent(key:)` value.
2. The emulator's handlers compute a full answer for the root field (a plain dict).
3. `answer(request, data)` executes the document with graphql-core over that dict, so the response holds only
   the fields the query selected (aliases included), and every value must fit the schema: a userError `code`
   outside its enum, or a null in a non-null field, comes back as an error, never as data Shopify could not send.

Top-level error shape (Shopify's Admin API runs graphql-ruby): a list of `{"message", "locations", "path",
"extensions"}`, HTTP 200, no `data`. Invalid variables: message "Variable $input of type X! was provided
invalid value for a.b (explanation)" with `extensions {"value", "problems": [{"path", "explanation"}]}`, as
seen in answers from Shopify's GraphQL APIs (e.g. github.com/carstenlebek/shopify-non-embedded-app-template
issue 22, github.com/inspireui/support issue 676). Unknown fields: "Field 'x' doesn't exist on type 'Y'" with
`extensions {"code": "undefinedField", "typeName", "fieldName"}` (graphql-ruby's wording). The other
validation rules keep graphql-core's message and carry graphql-ruby's code where one maps, else
`"validationError"`; Shopify's exact wording for those is not in the reference.

Limits of the emulator (not Shopify's): one root field per operation (the bridge never sends more).
"""

from __future__ import annotations

import gzip
import json
import os
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    build_client_schema,
    execute,
    get_named_type,
    parse,
    type_from_ast,
    validate,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values
from graphql.utilities import validate_input_value

SCHEMA_PATH = Path(os.environ.get("SHOPIFY_ADMIN_SCHEMA") or Path(__file__).resolve().parents[3] / "shared"
                   / "reference" / "shopify-admin" / "admin_2026-04.json.gz")


@cache
def admin_schema() -> GraphQLSchema:
    """The Admin API 2026-04 schema (built once per process)."""
    if not SCHEMA_PATH.exists():
        raise FileNotFoundError(f"{SCHEMA_PATH} missing: the Shopify emulator needs Shopify's schema from "
                                "../shared/reference/shopify-admin (or set SHOPIFY_ADMIN_SCHEMA to its path)")
    data = json.loads(gzip.decompress(SCHEMA_PATH.read_bytes()))
    # Shopify's deprecation marks trip graphql-core's strict schema check; the schema itself is Shopify's own.
    return build_client_schema(data.get("data", data), assume_valid=True)


def user_error_codes(mutation: str) -> frozenset[str] | None:
    """The codes the mutation's `userErrors` may carry (its code enum); None when its userError type has no
    `code` field at all (e.g. productUpdate, fulfillmentCreate answer the plain `UserError`)."""
    payload = get_named_type(admin_schema().mutation_type.fields[mutation].type)
    error_type = get_named_type(payload.fields["userErrors"].type)
    code = error_type.fields.get("code")
    if code is None:
        return None
    enum = get_named_type(code.type)
    assert isinstance(enum, GraphQLEnumType)
    return frozenset(enum.values)


def enum_values(name: str) -> frozenset[str]:
    enum = admin_schema().type_map[name]
    assert isinstance(enum, GraphQLEnumType)
    return frozenset(enum.values)


class Refused(Exception):
    """The request is not valid against the schema: Shopify answers only these top-level errors."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


@dataclass
class Request:
    """A request that passed the schema: its one root field with coerced arguments."""

    document: DocumentNode
    operation: OperationDefinitionNode
    field: FieldNode
    variables: dict
    variable_values: object  # graphql-core's VariableValues, for reading nested arguments
    args: dict
    idempotency_key: str | None

    @property
    def root_field(self) -> str:
        return self.field.name.value

    def inner_first(self, name: str, default: int) -> int:
        """The `first:` argument of the first field called `name` inside the root field's selection."""
        node = _find_field(self.field, name)
        if node is None:
            return default
        for argument in node.arguments:
            if argument.name.value == "first":
                value = argument.value
                if value.kind == "variable":
                    return int(self.variables.get(value.name.value) or default)
                if value.kind == "int_value":
                    return int(value.value)
        return default


def _find_field(node: FieldNode, name: str) -> FieldNode | None:
    for selection in (node.selection_set.selections if node.selection_set else ()):
        if isinstance(selection, FieldNode):
            if selection.name.value == name:
                return selection
            found = _find_field(selection, name)
            if found is not None:
                return found
    return None


@lru_cache(maxsize=512)
def _parsed(query: str) -> tuple[DocumentNode | None, tuple[dict, ...]]:
    """Parse and validate a document (both depend on the text only, so repeats cost nothing)."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return None, (_error(exc, "parseError"),)
    return document, tuple(_validation_error(e) for e in validate(admin_schema(), document))


# graphql-core message → graphql-ruby's extensions.code for the same rule
_RULE_CODES = [
    (re.compile(r"^Unknown argument '(\w+)' on field '(\w+)\.(\w+)'"), "argumentNotAccepted"),
    (re.compile(r"^Field '(\w+)' argument '(\w+)' of type .* is required"), "missingRequiredArguments"),
    (re.compile(r"^Variable '\$(\w+)' of type .* used in position expecting"), "variableMismatch"),
    (re.compile(r"^Unknown type '(\w+)'"), "variableRequiresValidType"),
    (re.compile(r"^Value .* does not exist in '(\w+)' enum|^(Enum|Int|String|ID|Float|Boolean) cannot represent"),
     "argumentLiteralsIncompatible"),
    (re.compile(r"^Variable '\$(\w+)' is not defined"), "undefinedVariable"),
    (re.compile(r"^Variable '\$(\w+)' is never used"), "variableNotUsed"),
    (re.compile(r"^Unknown directive"), "undefinedDirective"),
]
_UNDEFINED_FIELD = re.compile(r"^Cannot query field '(\w+)' on type '(\w+)'")


def _error(exc: GraphQLError, code: str, message: str | None = None, **extensions) -> dict:
    error = {"message": message or exc.message,
             "locations": [{"line": loc.line, "column": loc.column} for loc in exc.locations or []]}
    if exc.path:
        error["path"] = list(exc.path)
    error["extensions"] = {"code": code, **extensions}
    return error


def _validation_error(exc: GraphQLError) -> dict:
    undefined = _UNDEFINED_FIELD.match(exc.message)
    if undefined:
        field, type_name = undefined.groups()
        return _error(exc, "undefinedField", f"Field '{field}' doesn't exist on type '{type_name}'",
                      typeName=type_name, fieldName=field)
    code = next((code for pattern, code in _RULE_CODES if pattern.search(exc.message)), "validationError")
    return _error(exc, code)


def check(query: str, variables: dict | None, operation_name: str | None = None) -> Request:
    """The request as the emulator's handlers read it, or `Refused` with Shopify's top-level errors."""
    document, errors = _parsed(query or "")
    if errors:
        raise Refused(list(errors))
    assert document is not None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        raise Refused([{"message": "An operation name is required" if not operation_name else
                        f'No operation named "{operation_name}"', "extensions": {"code": "operationNotFound"}}])
    operation = operations[0]
    variables = dict(variables or {})
    schema = admin_schema()
    problems = [_variable_error(schema, definition, variables) for definition in operation.variable_definitions or ()]
    problems = [p for p in problems if p]
    if problems:
        raise Refused(problems)
    values = get_variable_values(schema, operation.variable_definitions or (), variables)
    if isinstance(values, list):  # anything validate_input_value let through
        raise Refused([_error(e, "invalidVariable") for e in values])
    fields = [s for s in operation.selection_set.selections
              if not (isinstance(s, FieldNode) and s.name.value == "__typename")]
    if len(fields) != 1 or not isinstance(fields[0], FieldNode):
        raise Refused([{"message": "Emulator: send one root field per operation (no fragments at the root)",
                        "extensions": {"code": "BAD_REQUEST"}}])
    field = fields[0]
    root_type = schema.mutation_type if operation.operation == OperationType.MUTATION else schema.query_type
    args = get_argument_values(root_type.fields[field.name.value], field, values)
    idempotent = get_directive_values(schema.get_directive("idempotent"), field, values)
    key = (idempotent or {}).get("key")
    return Request(document=document, operation=operation, field=field, variables=variables,
                   variable_values=values, args=args, idempotency_key=str(key) if key else None)


def _variable_error(schema: GraphQLSchema, definition, variables: dict) -> dict | None:
    name = definition.variable.name.value
    var_type = type_from_ast(schema, definition.type)
    if name not in variables and definition.default_value is not None:
        return None
    value = variables.get(name)
    problems: list[dict] = []

    def collect(error: GraphQLError, path: list) -> None:
        missing = _MISSING_FIELD.search(error.message)  # graphql-ruby names the missing field in the path
        problems.append({"path": [*path, missing.group(1)] if missing else list(path),
                         "explanation": _explanation(error.message)})

    validate_input_value(value, var_type, collect)
    if not problems:
        return None
    described = ", ".join(f"{'.'.join(map(str, p['path']))} ({p['explanation']})" if p["path"]
                          else p["explanation"] for p in problems)
    location = definition.loc
    line_column = {}
    if location is not None and location.source is not None:
        from graphql.language import get_location

        at = get_location(location.source, location.start)
        line_column = {"line": at.line, "column": at.column}
    where = " for " + described if any(p["path"] for p in problems) else ""
    return {"message": f"Variable ${name} of type {var_type} was provided invalid value{where}",
            "locations": [line_column] if line_column else [],
            "extensions": {"value": value, "problems": problems}}


_ENUM_MISS = re.compile(r"^Value (.*) does not exist in '(\w+)' enum")
_MISSING_FIELD = re.compile(r"to include required field '(\w+)'")
_REQUIRED = re.compile(r"to include required field|of required type .* was not provided|"
                       r"Expected non-nullable type .* not to be null")


def _explanation(message: str) -> str:
    """graphql-ruby's explanation for the commonest problems (an enum value, a missing required value)."""
    enum = _ENUM_MISS.match(message)
    if enum:
        values = ", ".join(sorted(enum_values(enum.group(2))))
        return f'Expected "{enum.group(1).strip(chr(39))}" to be one of: {values}'
    if _REQUIRED.search(message):
        return "Expected value to not be null"
    return message.split(";")[-1].strip()


def answer(request: Request, data: dict) -> dict:
    """The response for `data` (the root field's full answer, keyed by its name): only the selected fields.

    An error here is the emulator's own bug (a value the schema cannot hold): it is returned as errors so a
    test fails on it instead of reading data Shopify could never send."""
    result = execute(admin_schema(), request.document, root_value=data, variable_values=request.variables,
                     operation_name=request.operation.name.value if request.operation.name else None)
    if result.errors:
        return {"data": result.data, "errors": [{"message": f"Emulator answer does not fit the schema: {e.message}",
                                                 "path": list(e.path or []),
                                                 "extensions": {"code": "EMULATOR_SCHEMA_VIOLATION"}}
                                                for e in result.errors]}
    return {"data": result.data}
