"""Field mapping rules ([[shops.field_rules]]): values from the shop's own order payload into the BC sales order.
Pure: no I/O; the order carries the payload it was parsed from (`Order.raw`): the webhook's order, or — for
the platforms whose webhooks carry ids only (Centra, Shopware, Geins, Brink, Norce) — the order the platform's
load_order fetched (each parser keeps the node it parsed).

For each rule, in the order written (docs/field-mapping.md says the same in the operator's words):
  1. `company` and `when` decide whether it applies to this order at all;
  2. the value is read at `source`, else at each of `fallbacks`; a missing value is handled by `on_missing`
     (needs_attention, skip, or `default`);
  3. it is transformed: `lookup` (a value not in the table is a problem), then `template`, then `convert`
     (text cut to max_length, decimal, date, bool);
  4. it is written: `header.<field>` on the salesOrders body, `line.<field>` on each item line (the source
     is read in that line's own payload row), `comment` as a comment line, `page.<page>.<field>` into a
     custom page after the order is created (core/sync/custom_pages.py writes it), or `charge`: a G/L account
     line with the amount, which also counts towards the shop total, so a fee the shop adds (e.g. a
     cash-on-delivery fee in a Magento extension attribute) lets the order reconcile instead of looking
     inconsistent.
A rule that cannot give its value becomes a problem naming the rule and the path, with what to change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from core.config import Company, FieldRule, Shop, parse_path
from core.errors import BridgeError
from core.models import CENT, Order, Refund
from core.platforms import PLATFORMS

ZERO = Decimal(0)
MISSING = object()
DESCRIPTION_MAX = 100  # Sales Line Description is Text[100]

# Where each platform's order payload keeps its lines, and which key matches OrderLine.external_id. For the
# platforms whose webhook carries only ids (Centra, Shopware, Geins, Brink, Norce) the payload is the order the
# bridge fetched; Norce's lines carry no id of their own (the parser numbers them), so no line rules there.
LINE_ROWS = {
    "shopify": ("line_items", "id"),
    "woocommerce": ("line_items", "id"),
    "magento": ("items", "item_id"),
    "shopware": ("lineItems", "id"),
    "centra": ("lines", "id"),
    "geins": ("Rows", "Id"),
    "brink": ("orderLines", "id"),
}
_TRUE = {"1", "true", "yes", "y", "on"}
_FALSE = {"0", "false", "no", "n", "off", ""}


@dataclass(frozen=True)
class RuleProblem:
    code: str
    message: str
    resolution: str


@dataclass
class FieldResults:
    """What the rules give for one order. `applied` is shown in the preview and kept on the mapped order."""

    header: dict = field(default_factory=dict)
    lines: dict[int, dict] = field(default_factory=dict)  # index in order.lines → fields for that BC line
    charges: list[dict] = field(default_factory=list)  # salesOrderLines bodies (lineType Account)
    comments: list[dict] = field(default_factory=list)  # salesOrderLines bodies (lineType Comment)
    pages: dict[str, dict] = field(default_factory=dict)  # custom page name → fields, written after creation
    applied: list[dict] = field(default_factory=list)
    problems: list[RuleProblem] = field(default_factory=list)

    @property
    def charges_total(self) -> Decimal:
        return sum((line["unitPrice"] for line in self.charges), ZERO)

    def apply(self, body: dict) -> None:
        """Write the results into a salesOrders body whose first lines are the order's lines, in order."""
        body.update(self.header)
        for index, values in self.lines.items():
            body["salesOrderLines"][index].update(values)
        body["salesOrderLines"].extend(self.charges)
        body["salesOrderLines"].extend(self.comments)


# --------------------------------------------------------------------------------------------- paths


def read_path(node, path: str):
    """The value at `path` in `node`, or MISSING. Values that are None or "" count as missing."""
    for step in parse_path(path):
        if isinstance(step, int):
            node = node[step] if isinstance(node, list) and -len(node) <= step < len(node) else MISSING
        elif isinstance(step, tuple):
            key, wanted = step
            node = next((row for row in node if isinstance(row, dict) and _text(row.get(key)) == wanted),
                        MISSING) if isinstance(node, list) else MISSING
        else:
            node = node.get(step, MISSING) if isinstance(node, dict) else MISSING
        if node is MISSING or node is None:
            return MISSING
    return MISSING if node == "" else node


def order_entity(order: Order) -> dict | None:
    """The order object inside the payload as received (a Magento event's data.value, Shopify's {"order": …})."""
    return _entity(order.raw, order.platform, "order")


def _entity(raw, platform: str, wrapper: str) -> dict | None:
    if not isinstance(raw, dict):
        return None
    unwrap = getattr(getattr(PLATFORMS.get(platform), "parse", None), "unwrap", None)
    if unwrap is not None:
        try:
            raw = unwrap(raw)
        except BridgeError:  # the parser accepted this payload, so this does not happen; no entity then
            return None
    if isinstance(raw, dict) and set(raw) == {wrapper} and isinstance(raw[wrapper], dict):
        return raw[wrapper]
    return raw if isinstance(raw, dict) else None


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------------------------- rules


class RuleFailed(Exception):
    def __init__(self, message: str, resolution: str, code: str = "field_rule_failed"):
        super().__init__(message)
        self.message, self.resolution, self.code = message, resolution, code


class _Skipped(Exception):
    pass


def _value(rule: FieldRule, node: dict, where: str):
    """(path used, raw value), or the rule's default; raises _Skipped / RuleFailed when there is none."""
    for path in (rule.source, *rule.fallbacks):
        value = read_path(node, path)
        if value is not MISSING:
            return path, value
    if rule.default is not None:  # the config refuses a default with on_missing = "skip"
        return "default", rule.default
    if rule.on_missing == "skip":
        raise _Skipped(f"no value at {', '.join((rule.source, *rule.fallbacks))}")
    tried = ", ".join(f'"{p}"' for p in (rule.source, *rule.fallbacks))
    raise RuleFailed(
        f'Field rule "{rule.name}" found no value at {tried} in {where}.',
        f'check the path against the stored payload; add a fallback or a default to rule "{rule.name}", or set '
        'on_missing = "skip" if the value is optional',
        code="field_rule_missing",
    )


def _transform(rule: FieldRule, value, path: str):
    if isinstance(value, (dict, list)):
        raise RuleFailed(f'Field rule "{rule.name}": "{path}" holds a {type(value).__name__}, not a value.',
                         f'point rule "{rule.name}" at a single value inside it (e.g. "{path}.<key>" or '
                         f'"{path}[0]")', code="field_rule_conversion")
    if rule.lookup:
        shown = _text(value)
        if shown not in rule.lookup:
            raise RuleFailed(f'Field rule "{rule.name}": the value "{shown}" at "{path}" is not in its lookup table.',
                             f'add "{shown}" = "<BC value>" to the lookup of rule "{rule.name}"',
                             code="field_rule_lookup")
        value = rule.lookup[shown]
    if rule.template is not None:
        value = rule.template.replace("{value}", _text(value))
    return _convert(rule, value, path)


def _convert(rule: FieldRule, value, path: str):
    try:
        if rule.convert == "decimal":
            if isinstance(value, bool):
                raise ValueError("a yes/no is not an amount")
            amount = Decimal(_text(value).strip())
            if not amount.is_finite():
                raise ValueError("not a finite number")
            return amount.quantize(CENT) if rule.target == "charge" else amount  # a line is in cents
        if rule.convert == "date":
            text = _text(value).strip()
            return (datetime.fromisoformat(text.replace("Z", "+00:00")).date() if len(text) > 10
                    else date.fromisoformat(text)).isoformat()
        if rule.convert == "bool":
            text = _text(value).strip().lower()
            if text not in _TRUE | _FALSE:
                raise ValueError("not a yes/no value")
            return text in _TRUE
    except (ValueError, InvalidOperation, ArithmeticError) as exc:
        raise RuleFailed(
            f'Field rule "{rule.name}": the value "{_text(value)}" at "{path}" is not a {rule.convert} ({exc}).',
            f'check what the shop sends at "{path}"; use a lookup or another convert in rule "{rule.name}"',
            code="field_rule_conversion",
        ) from None
    text = _text(value)
    return text[: rule.max_length] if rule.max_length else text


def _applies(rule: FieldRule, company: Company, entity: dict) -> bool:
    if rule.company is not None and rule.company != company.key:
        return False
    if rule.when is None:
        return True
    value = read_path(entity, rule.when.path)
    return value is not MISSING and (rule.when.equals is None or _text(value) == rule.when.equals)


def _charge(rule: FieldRule, amount: Decimal, company: Company) -> dict:
    line = {"lineType": "Account", "lineObjectNumber": rule.account,
            "description": (rule.description or rule.name)[:DESCRIPTION_MAX], "quantity": Decimal(1),
            "unitPrice": amount}
    if rule.tax_rate is not None:
        code = next((c for k, c in company.tax_codes.items() if _is_rate(k, rule.tax_rate)), None)
        if code:
            line["taxCode"] = code
    return line


def _is_rate(key: str, rate: Decimal) -> bool:
    try:
        return Decimal(key) == rate
    except ArithmeticError:
        return False


def map_fields(order: Order, shop: Shop, company: Company) -> FieldResults:
    """Apply the shop's field rules to `order` for `company`. Never raises for a rule: problems are returned."""
    results = FieldResults()
    rules = [rule for rule in shop.field_rules if rule.document == "order"]
    if not rules:
        return results
    entity = order_entity(order)
    for rule in rules:
        if entity is None:
            results.problems.append(RuleProblem(
                "field_rule_no_payload",
                f'Field rule "{rule.name}" cannot be applied: the order payload of {order.platform} order '
                f"{order.number} is not available to the bridge.",
                f"field rules read the order as the shop sent it or as the bridge fetched it, and this order was "
                f'read without it. Remove rule "{rule.name}" from shop "{shop.key}" or set the field in BC by '
                "hand"))
            continue
        try:
            if not _applies(rule, company, entity):
                results.applied.append({"rule": rule.name, "target": rule.target, "skipped": "condition not met"})
            elif rule.target.startswith("line."):
                _line_rule(rule, order, entity, results)
            else:
                _document_rule(rule, entity, f"order {order.number}", company, results)
        except _Skipped as skipped:
            results.applied.append({"rule": rule.name, "target": rule.target, "skipped": str(skipped)})
        except RuleFailed as failed:
            results.problems.append(RuleProblem(failed.code, failed.message, failed.resolution))
    return results


def map_refund_fields(refund: Refund, shop: Shop, company: Company) -> FieldResults:
    """The shop's `document = "credit_memo"` rules applied to a refund payload: header fields of the credit
    memo, comment lines, and charge lines (e.g. a refunded fee), which count towards the refund's total."""
    results = FieldResults()
    rules = [rule for rule in shop.field_rules if rule.document == "credit_memo"]
    if not rules:
        return results
    entity = _entity(refund.raw, refund.platform, "refund")
    where = f"refund {refund.external_id} of order {refund.order_external_id}"
    for rule in rules:
        if entity is None:
            results.problems.append(RuleProblem(
                "field_rule_no_payload", f'Field rule "{rule.name}" cannot be applied: the payload of {where} is '
                "not available to the bridge.",
                f'remove rule "{rule.name}" from shop "{shop.key}" or set the credit memo field in BC by hand'))
            continue
        try:
            if not _applies(rule, company, entity):
                results.applied.append({"rule": rule.name, "target": rule.target, "skipped": "condition not met"})
            else:
                _document_rule(rule, entity, where, company, results)
        except _Skipped as skipped:
            results.applied.append({"rule": rule.name, "target": rule.target, "skipped": str(skipped)})
        except RuleFailed as failed:
            results.problems.append(RuleProblem(failed.code, failed.message, failed.resolution))
    return results


def _document_rule(rule: FieldRule, entity: dict, where: str, company: Company, results: FieldResults) -> None:
    """A rule whose value is read once for the whole document (every target but `line.`)."""
    path, value = _value(rule, entity, where)
    value = _transform(rule, value, path)
    if rule.target == "charge":
        if value:  # a zero fee adds no line
            results.charges.append(_charge(rule, value, company))
    elif rule.target == "comment":
        text = _text(value)[:DESCRIPTION_MAX]  # a comment line is its description
        results.comments.append({"lineType": "Comment", "description": text})
    elif rule.target.startswith("page."):
        _, page, field_name = rule.target.split(".", 2)
        results.pages.setdefault(page, {})[field_name] = value
    else:
        results.header[rule.target.removeprefix("header.")] = value
    results.applied.append({"rule": rule.name, "target": rule.target, "path": path, "value": value})


def _line_rule(rule: FieldRule, order: Order, entity: dict, results: FieldResults) -> None:
    rows_path, id_key = LINE_ROWS.get(order.platform, ("", ""))
    rows = entity.get(rows_path) if rows_path else None
    if not isinstance(rows, list):
        raise RuleFailed(f'Field rule "{rule.name}" targets order lines, but the {order.platform} payload of order '
                         f"{order.number} has no line list the bridge knows.",
                         f'use a header target for rule "{rule.name}" (line rules: {", ".join(LINE_ROWS)})')
    by_id = {_text(row.get(id_key)): row for row in rows if isinstance(row, dict)}
    field_name = rule.target.removeprefix("line.")
    for index, line in enumerate(order.lines):
        row = by_id.get(line.external_id)
        if row is None:
            continue  # not from the payload's own rows (cannot happen for the platforms listed)
        try:
            path, value = _value(rule, row, f'line "{line.title}" ({line.external_id}) of order {order.number}')
        except _Skipped:
            continue
        value = _transform(rule, value, path)
        results.lines.setdefault(index, {})[field_name] = value
        results.applied.append({"rule": rule.name, "target": rule.target, "line": line.external_id, "path": path,
                                "value": value})
