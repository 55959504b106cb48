"""Reading untrusted JSON (webhook bodies, stored payloads, PSP notifications and reports): nesting is bounded
and numbers are strict — finite, bounded exponent and length — so a hostile body is refused with a reason
instead of ending in a RecursionError, an OverflowError or an "amount" of 1e309.

`loads` raises UnreadableJson (a ValueError) with the reason; the callers turn it into their own
NeedsAttention (core/platforms/payload.py: malformed payload; core/payments: unreadable settlement).
"""

from __future__ import annotations

import json
from decimal import Decimal

MAX_DEPTH = 64  # real payloads nest < 10 levels; the C decoder itself gives up near 1,000
MAX_NUMBER_CHARS = 40  # longer than any id (Shopify's ≤ 20 digits) or amount we know
MAX_EXPONENT = 18  # |amount| < 10^18 (BC's decimals stop far below); smaller than 10^-18 is noise

# What a parser may raise on a hostile but well-formed payload; parsers turn these into malformed().
# ValidationError (pydantic) is a ValueError; decimal errors are ArithmeticErrors; KeyError/IndexError Lookup.
PARSE_ERRORS = (ValueError, TypeError, AttributeError, LookupError, ArithmeticError, RecursionError)


class UnreadableJson(ValueError):
    """Untrusted JSON we will not read; `not_json` tells "not JSON at all" from "JSON we refuse"."""

    def __init__(self, reason: str, not_json: bool = False):
        super().__init__(reason)
        self.reason, self.not_json = reason, not_json


def _refuse_constant(name: str):
    raise UnreadableJson(f"{name} is not a number")


def _float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise UnreadableJson(f"the number {literal[:20]}… has {len(literal)} characters")
    value = Decimal(literal)
    if value and not -MAX_EXPONENT <= value.adjusted() < MAX_EXPONENT:
        raise UnreadableJson(f"the number {literal} is out of range")
    return float(literal)  # parsers take JSON floats through repr() → Decimal; the range check kept it finite


def _int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:  # ids may be large (uint64), so only the length is bounded
        raise UnreadableJson(f"the number {literal[:20]}… has {len(literal)} characters")
    return int(literal)


def depth(value) -> int:
    """How deeply `value` nests lists and dicts (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def loads(raw: bytes | str):
    """Untrusted JSON → Python values; UnreadableJson when it is not JSON, nests deeper than MAX_DEPTH, or holds
    NaN/Infinity or a number that is too long or out of range. JSON floats stay floats (finite, checked)."""
    try:
        value = json.loads(raw, parse_constant=_refuse_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise UnreadableJson(f"it nests deeper than {MAX_DEPTH} levels") from None
    except UnreadableJson:
        raise
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableJson(f"it is not valid JSON ({str(exc)[:200]})", not_json=True) from None
    if depth(value) > MAX_DEPTH:
        raise UnreadableJson(f"it nests deeper than {MAX_DEPTH} levels")
    return value
