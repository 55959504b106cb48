"""TRIMIT's size/colour matrix (docs/trimit.md; sourced notes in contracts/trimit-and-custom-fields.md §A).

TRIMIT does not use BC item variants: every size/colour SKU is its own BC Item whose `"trm Master No."` points
at a master (itself an Item of type "Master Item"), and up to five variant-dimension slots hold its colour,
size, length… — which slot means what is each tenant's choice. Standard API v2.0 shows none of these fields,
so they are read from a page declared in [[bc.custom_pages]] (a published page, or TRIMIT's own API where the
tenant exposes it as a custom page), with the field names the tenant's page uses ([shops.trimit]).

- Products BC → shop: the SKU items of one master become one shop product with one option per configured
  slot (`group_products`, pure); prices, tax and status come from each SKU item as for any item
  (product_mapping.map_item). Items without a master stay one product each.
- Orders shop → BC: a SKU is a plain BC item, so an order line is a standard Item line with `itemVariantId`
  empty. With `sku_field` the shop SKU is looked up on the page (`order_item_keys`); without it the SKU is the
  item number. Whether TRIMIT fills `"trm Master No."` or adds its matrix line when an Item line is created
  through API v2.0 is not known (unverified in the notes): the bridge does not write those fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from core.bc import BcPermanentError
from core.bc.odata import odata_string
from core.config import Bc, Company, Shop, TrimitMatrix
from core.errors import NeedsAttention
from core.models import Order
from core.sync import custom_pages
from core.sync import product_mapping as mapping


@dataclass(frozen=True)
class MatrixRow:
    """What the page says about one item."""

    item: str
    master: str  # "" = not part of a matrix
    is_master: bool
    sku: str  # the shop SKU from sku_field ("" = not configured or empty)
    values: tuple[str, ...]  # one value per configured option ("" = the slot is empty)


def matrix_rows(rows: Iterable[Mapping], matrix: TrimitMatrix) -> dict[str, MatrixRow]:
    """Item number → MatrixRow, from the page's rows (pure)."""
    out: dict[str, MatrixRow] = {}
    for row in rows:
        number = _text(row.get(matrix.item_field)).upper()
        if not number:
            continue
        kind = _text(row.get(matrix.item_type_field)) if matrix.item_type_field else ""
        out[number] = MatrixRow(
            item=number, master=_text(row.get(matrix.master_field)).upper(),
            is_master=bool(matrix.item_type_field) and kind.casefold() == matrix.master_type.casefold(),
            sku=_text(row.get(matrix.sku_field)) if matrix.sku_field else "",
            values=tuple(_text(row.get(option.field)) for option in matrix.options))
    return out


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_matrix(client, company: Company, bc: Bc, matrix: TrimitMatrix) -> dict[str, MatrixRow]:
    """Every item's matrix fields from the configured page (one paged read)."""
    page = bc.custom_page(matrix.page)
    assert page is not None  # check-config refuses a matrix whose page is not declared
    try:
        return matrix_rows(custom_pages.read_rows(client, company, page, select=matrix.fields()), matrix)
    except BcPermanentError as exc:  # no such page, or a field it does not have (in $select)
        raise NeedsAttention(
            f'BC refused reading the TRIMIT item page "{page.name}" in company {company.name or company.key}: '
            f"{exc.message}",
            resolution=f'check that the page is published (or the custom API installed) and shows {matrix.fields()}; '
                       f'correct [[bc.custom_pages]] "{page.name}" or [shops.trimit] (python -m core check-config '
                       "--bc names what BC lacks)",
            code="trimit_page_unavailable") from exc


# ---------------------------------------------------------------------------------------- products


def group_products(items: Iterable[Mapping], rows: Mapping[str, MatrixRow], matrix: TrimitMatrix,
                   options: mapping.MapOptions) -> Iterator[tuple[str, mapping.ShopProduct | None,
                                                                  list[mapping.Problem], int]]:
    """(key, product or None, problems, variants without SKU) per shop product: one per master (key: the
    master number), one per item outside any matrix (key: its number). Master items are not sold."""
    masters = {row.master for row in rows.values() if row.master}
    by_number: dict[str, Mapping] = {}
    groups: dict[str, list[tuple[Mapping, MatrixRow]]] = {}
    plain: list[Mapping] = []
    for item in items:
        number = str(item["number"]).upper()
        by_number[number] = item
        row = rows.get(number)
        if row is not None and (row.is_master or number in masters):
            continue
        if row is None or not row.master:
            plain.append(item)
        else:
            groups.setdefault(row.master, []).append((item, row))
    for item in plain:
        yield (str(item["number"]).upper(), *mapping.map_item(item, item.get("itemVariants") or [], options))
    for master in sorted(groups):
        product, problems = matrix_product(master, by_number.get(master), groups[master], matrix, options)
        yield master, product, problems, 0


def matrix_product(master: str, master_item: Mapping | None, members: list[tuple[Mapping, MatrixRow]],
                   matrix: TrimitMatrix, options: mapping.MapOptions
                   ) -> tuple[mapping.ShopProduct | None, list[mapping.Problem]]:
    """One shop product for a master and its SKU items; a SKU that cannot be shown is a problem of its own."""
    problems: list[mapping.Problem] = []
    variants: list[mapping.ShopVariant] = []
    taken: dict[tuple[str, ...], str] = {}
    blocked = 0
    names = tuple(option.name for option in matrix.options)
    for item, row in members:
        empty = [f"{o.name} (slot {o.slot}, field {o.field})" for o, v in zip(matrix.options, row.values, strict=True)
                 if not v]
        if empty:
            problems.append(mapping.Problem(
                row.item, "trimit_slot_empty",
                f"Item {row.item} of master {master} has no value for {', '.join(empty)}.",
                f"fill the variant dimension on item {row.item} in BC, or correct the options in [shops.trimit]"))
            continue
        if row.values in taken:
            problems.append(mapping.Problem(
                row.item, "trimit_duplicate_combination",
                f"Items {taken[row.values]} and {row.item} of master {master} are both "
                f"{' / '.join(row.values)}; a shop product holds each combination once.",
                "correct the variant dimensions in BC, or add the slot that tells them apart to [shops.trimit]"))
            continue
        product, item_problems, _ = mapping.map_item(item, [], options)  # price, tax and SKU as for any item
        problems += item_problems
        if product is None:
            continue
        taken[row.values] = row.item
        blocked += product.status == mapping.DRAFT
        variants.append(replace(product.variants[0], sku=row.sku or product.variants[0].sku,
                                option=" / ".join(row.values), options=row.values))
    if not variants:
        return None, problems
    variants.sort(key=lambda v: _sort_key(v.options, matrix))
    source = master_item or members[0][0]
    category = str(source.get("itemCategoryCode") or "").upper()
    every_blocked = blocked == len(variants)
    status = mapping.DRAFT if every_blocked or (master_item is not None and master_item.get("blocked")) \
        else mapping.ACTIVE
    title = str((master_item or {}).get("displayName") or "").strip() or master
    return mapping.ShopProduct(
        item=master, title=title, status=status,
        category=options.categories.get(category, category) if category else "", variants=tuple(variants),
        has_options=True, option_names=names), problems


def _sort_key(values: tuple[str, ...], matrix: TrimitMatrix) -> tuple:
    """Each option in its configured order (sizes XS, S, M…), unlisted values after them, A–Z."""
    key = []
    for option, value in zip(matrix.options, values, strict=True):
        order = [v.casefold() for v in option.order]
        position = order.index(value.casefold()) if value.casefold() in order else len(order)
        key.append((position, value.casefold()))
    return tuple(key)


# ------------------------------------------------------------------------------------------ orders


def order_item_keys(client, company: Company, bc: Bc, shop: Shop, order: Order,
                    keys: dict[str, tuple[str, str | None]]) -> dict[str, tuple[str, str | None]]:
    """With `sku_field`, a line whose SKU is not mapped in [shops.items] is looked up on the matrix page:
    the row whose sku_field is the SKU gives the item number. Without it, the SKU is the item number."""
    matrix = shop.trimit
    if matrix is None or not matrix.sku_field:
        return keys
    page = bc.custom_page(matrix.page)
    assert page is not None
    out = dict(keys)
    for line in order.lines:
        key = keys.get(line.external_id)
        if not line.sku or key is None or key != (line.sku.strip().upper(), None):
            continue  # mapped in [shops.items], or nothing to look up
        rows = custom_pages.read_rows(client, company, page, filter=f"{matrix.sku_field} eq "
                                      f"{odata_string(line.sku.strip())}", select=[matrix.item_field], page_size=2)
        found = next(iter(rows), None)
        if found is not None and _text(found.get(matrix.item_field)):
            out[line.external_id] = (_text(found.get(matrix.item_field)).upper(), None)
    return out
