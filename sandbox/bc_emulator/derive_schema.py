"""Derive the emulator's API schema from Microsoft's APIV2 page definitions (../shared/reference/bc-apiv2).

    python -m sandbox.bc_emulator.derive_schema            # rewrite al_pages.json from the reference
    python -m sandbox.bc_emulator.derive_schema --check    # exit 1 if al_pages.json differs

For every entity set in `ENTITY_SETS` (the ones this project reads or writes) it reads the page's `.al` file
and records, as written there:
  - page properties: EntityName, SourceTable, ODataKeyFields, and Editable / InsertAllowed / ModifyAllowed /
    DeleteAllowed (absent = true, as in AL);
  - every `field(name; source)`: its source expression, whether it is read-only (`Editable = false` on the
    field, the whole page not editable, or a platform system field such as SystemModifiedAt), and — when the
    source is a page variable, not a table field — the variable's declared AL type (the only type information
    an API page holds);
  - every `part(name; "page")` with its EntitySetName, Multiplicity and SubPageLink (what can be expanded /
    deep-inserted, and which child field points at the parent);
  - every `[ServiceEnabled]` procedure: a bound action, named as BC exposes it (first letter lower-cased).

Types and lengths of table fields live in the Base App tables, which are not in the reference; schema.py
supplies them (TYPES) and test_schema_conformance holds both together.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO.parent / "shared" / "reference" / "bc-apiv2"
OUTPUT = Path(__file__).with_name("al_pages.json")

# The entity sets core/bc and core/sync use, plus those the emulator serves for them (dimensions,
# defaultDimensions behind customer defaults, lookup tables). `companies` and `subscriptions` are platform
# entities, not pages of the APIV2 app, and are described by hand in schema.py.
ENTITY_SETS = (
    "accounts", "contacts", "currencies", "customerPaymentJournals", "customerPayments", "customers",
    "defaultDimensions", "dimensionSetLines", "dimensionValues", "dimensions", "itemCategories", "itemVariants",
    "items", "journalLines", "journals", "locations", "paymentMethods", "paymentTerms", "salesCreditMemoLines",
    "salesCreditMemos", "salesInvoiceLines", "salesInvoices", "salesOrderLines", "salesOrders",
    "salesShipmentLines", "salesShipments", "shipmentMethods", "taxAreas", "taxGroups", "unitsOfMeasure",
)

# Platform-maintained fields: no page can write them, whatever its Editable says.
SYSTEM_FIELDS = {"Rec.SystemId", "Rec.SystemModifiedAt", "Rec.SystemCreatedAt", "Rec.SystemModifiedBy",
                 "Rec.SystemCreatedBy"}

_PAGE_PROPS = ("EntityName", "EntitySetName", "SourceTable", "ODataKeyFields", "Editable", "InsertAllowed",
               "ModifyAllowed", "DeleteAllowed", "SourceTableTemporary")


def strip_comments(text: str) -> str:
    """Drop `//` comments outside quoted strings (AL quotes: '…' for text, "…" for names)."""
    out_lines = []
    for line in text.splitlines():
        quote, cut = None, len(line)
        for i, ch in enumerate(line):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "'\"":
                quote = ch
            elif line.startswith("//", i):
                cut = i
                break
        out_lines.append(line[:cut].rstrip())
    return "\n".join(out_lines)


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1] if len(name) > 1 and name[0] == name[-1] and name[0] in "'\"" else name


def _block(lines: list[str], start: int) -> tuple[list[str], int]:
    """Lines of the `{ … }` block opening at or after `start`, and the index after it (braces never
    appear inside AL field blocks except as block delimiters)."""
    i = start
    while "{" not in lines[i]:
        i += 1
    depth, body = 0, []
    for j in range(i, len(lines)):
        depth += lines[j].count("{") - lines[j].count("}")
        body.append(lines[j])
        if depth == 0:
            return body, j + 1
    raise ValueError(f"unbalanced block at line {start + 1}")


def _properties(block: list[str]) -> dict[str, str]:
    """`Name = value;` at the block's own level (not inside nested blocks or triggers)."""
    props, depth, in_code = {}, 0, 0
    for line in block:
        stripped = line.strip()
        if re.match(r"^(begin|case\b.*\bof)$", stripped, re.I):
            in_code += 1
        elif re.match(r"^end;?$", stripped, re.I):
            in_code -= 1
        if depth == 1 and not in_code:
            m = re.match(r"^(\w+)\s*=\s*(.+?);$", stripped)
            if m:
                props[m.group(1)] = m.group(2)
        depth += line.count("{") - line.count("}")
    return props


def _sub_page_link(text: str) -> list[dict]:
    """`"Document Id" = field(Id), "Parent Type" = const("Sales Order")` → child field, kind, value."""
    links = []
    for m in re.finditer(r'("[^"]+"|\w+)\s*=\s*(field|const)\(("[^"]+"|[^)]+)\)', text):
        links.append({"childField": _unquote(m.group(1)), "kind": m.group(2), "value": _unquote(m.group(3))})
    return links


def _is_false(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "false"


def parse_page(path: Path) -> dict:
    text = strip_comments(path.read_text(encoding="utf-8-sig"))
    lines = text.splitlines()
    head = next(i for i, line in enumerate(lines) if re.match(r"^page\s+\d+", line))
    page_name = _unquote(re.match(r'^page\s+\d+\s+(.+)$', lines[head]).group(1))
    page_block, _ = _block(lines, head)
    props = {k: v for k, v in _properties(page_block).items() if k in _PAGE_PROPS}
    page_editable = not _is_false(props.get("Editable"))
    variables = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\s+(\w+)\s*:\s*([^;=]+?);$", text, re.M)}

    fields, parts = [], []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        m = re.match(r"^field\(([^;]+);\s*(.+)\)$", line)
        if m:
            block, i = _block(lines, i)
            fprops = _properties(block)
            name, source = _unquote(m.group(1)), m.group(2).strip()
            entry = {"name": name, "source": source,
                     "readOnly": not page_editable or _is_false(fprops.get("Editable")) or source in SYSTEM_FIELDS}
            if not source.startswith("Rec."):
                entry["variableType"] = variables.get(source, "")
            fields.append(entry)
            continue
        m = re.match(r'^part\(([^;]+);\s*"?([^")]+)"?\)$', line)
        if m:
            block, i = _block(lines, i)
            pprops = _properties(block)
            parts.append({"name": _unquote(m.group(1)), "page": m.group(2),
                          "entitySet": _unquote(pprops.get("EntitySetName", "")),
                          "multiplicity": pprops.get("Multiplicity", "Many"),
                          "link": _sub_page_link(pprops.get("SubPageLink", ""))})
            continue
        i += 1

    actions = []
    for m in re.finditer(r"\[ServiceEnabled\][^\n]*\n(?:\s*\[[^\n]*\]\n)*\s*(?:local\s+)?procedure\s+(\w+)\(", text):
        actions.append(m.group(1)[0].lower() + m.group(1)[1:])

    return {
        "file": path.name,
        "page": page_name,
        "entityName": _unquote(props.get("EntityName", "")),
        "sourceTable": _unquote(props.get("SourceTable", "")),
        "sourceTableTemporary": props.get("SourceTableTemporary", "false").lower() == "true",
        "key": _unquote(props.get("ODataKeyFields", "")),
        "editable": page_editable,
        "insertAllowed": not _is_false(props.get("InsertAllowed")),
        "modifyAllowed": not _is_false(props.get("ModifyAllowed")),
        "deleteAllowed": not _is_false(props.get("DeleteAllowed")),
        "fields": fields,
        "parts": parts,
        "actions": sorted(actions),
    }


def derive(reference: Path = REFERENCE) -> dict:
    by_set = {}
    for path in sorted(reference.glob("*.Page.al")):
        head = path.read_text(encoding="utf-8-sig")[:4000]
        m = re.search(r"^\s{4}EntitySetName\s*=\s*'([^']+)';", head, re.M)
        if m and m.group(1) in ENTITY_SETS:
            if m.group(1) in by_set:
                raise ValueError(f"two pages define {m.group(1)}: {by_set[m.group(1)]['file']} and {path.name}")
            by_set[m.group(1)] = parse_page(path)
    missing = sorted(set(ENTITY_SETS) - set(by_set))
    if missing:
        raise ValueError(f"no APIV2 page in {reference} for: {', '.join(missing)}")
    return {
        "source": "microsoft/BCApps src/Apps/W1/APIV2/app/src/pages @ c3414ede3ec7bab5a928f312c1208dbd0f8e39a7",
        "generator": "python -m sandbox.bc_emulator.derive_schema",
        "entitySets": {name: by_set[name] for name in sorted(by_set)},
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    text = render(derive())
    if "--check" in argv:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT.name} is out of date: run python -m sandbox.bc_emulator.derive_schema")
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
