"""Metafields in the Shopify emulator: `metafieldsSet`, and the `metafields` of productUpdate / productSet.

Derived from the reference schema (../shared/reference/shopify-admin, 2026-04): MetafieldsSetInput {ownerId!,
namespace, key!, value!, type, compareDigest}; its description caps a call at 25 metafields and says the call is
atomic; namespace "3-255 characters", key "2-64 characters … alphanumeric, hyphen, and underscore";
MetafieldsSetUserErrorCode (INVALID_TYPE, INVALID_VALUE, TOO_SHORT, TOO_LONG, INVALID, LESS_THAN_OR_EQUAL_TO).
The schema names no types (`type` is a String linking to shopify.dev's "List of data types"); the types and the
value formats checked here are from that page. Behaviours modelled: unknown type → INVALID_TYPE; a value not in
its type's format → INVALID_VALUE; an owner that does not exist → INVALID (message "Owner does not exist" is
ours: the reference does not give Shopify's text); more than 25 → LESS_THAN_OR_EQUAL_TO; nothing is written
when any entry is refused. Not modelled: metafield definitions and their validations, compareDigest, the
app-reserved namespace when namespace is left out (refused here as BLANK).
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime

from .store import ShopData, gid_number

MAX_PER_CALL = 25
MUTATION_COST = 10
TYPES = {
    "single_line_text_field": lambda v: "\n" not in v,
    "multi_line_text_field": lambda v: True,
    "number_integer": lambda v: re.fullmatch(r"-?\d{1,16}", v) is not None,
    "number_decimal": lambda v: re.fullmatch(r"-?\d{1,13}(\.\d{1,9})?", v) is not None,
    "boolean": lambda v: v in ("true", "false"),
    "date": lambda v: _parses(date.fromisoformat, v) and len(v) == 10,
    "date_time": lambda v: _parses(datetime.fromisoformat, v),
    "url": lambda v: re.match(r"^(https?://|mailto:|sms:|tel:)\S+$", v) is not None,
    "color": lambda v: re.fullmatch(r"#[0-9A-Fa-f]{6}", v) is not None,
    "json": lambda v: _parses(json.loads, v),
}
# known to Shopify but not checked here: accepted as they come
OTHER_TYPES = {"dimension", "volume", "weight", "money", "rating", "link", "rich_text_field", "id",
               "product_reference", "variant_reference", "page_reference", "file_reference",
               "collection_reference", "metaobject_reference", "mixed_reference", "customer_reference",
               "company_reference", "product_taxonomy_value_reference"}


def _parses(parse, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _known(type_name: str) -> bool:
    base = type_name.removeprefix("list.")
    return base in TYPES or base in OTHER_TYPES


def check(entries: list[dict], path: list[str]) -> list[dict]:
    """userErrors for `entries` (field paths under `path`), empty when all may be written."""
    errors = []
    for index, entry in enumerate(entries):
        where = [*path, str(index)]
        namespace, key = str(entry.get("namespace") or ""), str(entry.get("key") or "")
        type_name, value = str(entry.get("type") or ""), entry.get("value")
        if not namespace:
            errors.append(_error(where + ["namespace"], "Namespace can't be blank", "BLANK", index))
        elif not 3 <= len(namespace) <= 255:
            errors.append(_error(where + ["namespace"], "Namespace is too short or too long", "TOO_SHORT", index))
        if not 2 <= len(key) <= 64 or not re.fullmatch(r"[A-Za-z0-9_-]+", key):
            errors.append(_error(where + ["key"], "Key must be 2-64 characters: letters, digits, - and _", "INVALID",
                                 index))
        if not _known(type_name):
            errors.append(_error(where + ["type"], f"Type '{type_name}' is not a valid type", "INVALID_TYPE", index))
        elif value is None:
            errors.append(_error(where + ["value"], "Value can't be blank", "BLANK", index))
        elif type_name in TYPES and not TYPES[type_name](str(value)):
            errors.append(_error(where + ["value"], f"Value is invalid for type {type_name}", "INVALID_VALUE", index))
    return errors


def _error(field: list[str], message: str, code: str, index: int) -> dict:
    return {"field": field, "message": message, "code": code, "elementIndex": index}


def owner_exists(data: ShopData, owner: str) -> bool:
    if owner.startswith("gid://shopify/Product/"):
        return int(gid_number(owner, "Product")) in data.products
    if owner.startswith("gid://shopify/ProductVariant/"):
        return any(v.id == owner for v in data.variants)
    if owner.startswith("gid://shopify/Company/"):
        return int(gid_number(owner, "Company")) in data.companies
    return False


def store(data: ShopData, owner: str, entries: list[dict]) -> list[dict]:
    """Write (create or replace by namespace and key) and answer the Metafield nodes."""
    own = data.metafields.setdefault(owner, {})
    nodes = []
    for entry in entries:
        name = (str(entry["namespace"]), str(entry["key"]))
        current = own.get(name)
        metafield_id = current["id"] if current else f"gid://shopify/Metafield/{data.next_id()}"
        own[name] = {"id": metafield_id, "type": str(entry["type"]), "value": str(entry["value"])}
        nodes.append({"id": metafield_id, "namespace": name[0], "key": name[1], "type": own[name]["type"],
                      "value": own[name]["value"], "ownerType": owner.split("/")[3].upper()})
    return nodes


def metafields_set(data: ShopData, args: dict) -> tuple[dict, int]:
    entries = args.get("metafields") or []
    if len(entries) > MAX_PER_CALL:
        return {"metafieldsSet": {"metafields": None, "userErrors": [
            _error(["metafields"], f"Exceeded the maximum metafields input limit of {MAX_PER_CALL}.",
                   "LESS_THAN_OR_EQUAL_TO", 0)]}}, MUTATION_COST
    with data.lock:
        errors = check(entries, ["metafields"])
        for index, entry in enumerate(entries):
            if not owner_exists(data, str(entry.get("ownerId") or "")):
                errors.append(_error(["metafields", str(index), "ownerId"], "Owner does not exist", "INVALID", index))
        if errors:  # atomic: nothing is written
            return {"metafieldsSet": {"metafields": None, "userErrors": errors}}, MUTATION_COST
        nodes = [node for entry in entries for node in store(data, str(entry["ownerId"]), [entry])]
        return {"metafieldsSet": {"metafields": nodes, "userErrors": []}}, MUTATION_COST


def plain(errors: list[dict]) -> list[dict]:
    """productUpdate answers the plain UserError (field, message): no code, no elementIndex."""
    return [{"field": e["field"], "message": e["message"]} for e in errors]
