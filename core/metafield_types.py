"""Shopify's metafield types: which names exist, and which of them the bridge can fill from one BC field.

Shopify's Admin schema (../shared/reference/shopify-admin, 2026-04) declares `MetafieldsSetInput.type` and
`MetafieldInput.type` as a plain String and points to the list of supported types on shopify.dev ("List of data
types", shopify.dev/docs/apps/build/metafields/list-of-data-types); the schema itself enumerates none. The names
below are taken from that page; tests/field_mapping/test_export_fields.py holds the schema to "a String that
names no types", so a future schema that does enumerate them fails a test instead of drifting.

The value is always sent as a string; its format per type (same page): text as is, `number_integer` a whole
number, `number_decimal` a decimal with a dot, `boolean` "true"/"false", `date` YYYY-MM-DD, `date_time`
YYYY-MM-DDTHH:MM:SS, `url` with scheme https/http/mailto/sms/tel, `color` #RRGGBB, `json` a JSON document.
"""

from __future__ import annotations

# What one BC field value can be written as (core/sync/export_fields.py serialises them)
SERIALISABLE = frozenset({
    "single_line_text_field", "multi_line_text_field", "number_integer", "number_decimal", "boolean", "date",
    "date_time", "url", "color", "json",
})
# Known to Shopify, but needing more than one BC value (a unit, a currency, a scale) or a Shopify id
_OTHER_BASE = frozenset({
    "dimension", "volume", "weight", "money", "rating", "link", "rich_text_field", "id", "collection_reference",
    "customer_reference", "company_reference", "file_reference", "metaobject_reference", "mixed_reference",
    "page_reference", "product_reference", "product_taxonomy_value_reference", "variant_reference",
})
_LISTABLE = frozenset({
    "single_line_text_field", "number_integer", "number_decimal", "date", "date_time", "url", "color", "boolean",
    "dimension", "volume", "weight", "rating", "link", "collection_reference", "customer_reference",
    "company_reference", "file_reference", "metaobject_reference", "mixed_reference", "page_reference",
    "product_reference", "product_taxonomy_value_reference", "variant_reference",
})
KNOWN = SERIALISABLE | _OTHER_BASE | frozenset(f"list.{name}" for name in _LISTABLE)

# MetafieldsSetInput.namespace: "Must be 3-255 characters long"; .key: "Must be 2-64 characters long and can
# contain alphanumeric, hyphen, and underscore characters" (the schema's own descriptions)
NAMESPACE_LENGTH = (3, 255)
KEY_LENGTH = (2, 64)
