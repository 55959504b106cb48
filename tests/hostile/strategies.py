"""Hostile inputs derived from real ones: corpus payloads (../shared/corpus) with a few values replaced by what
an attacker or a broken shop sends — wrong types, NaN and 400-digit numbers, deep nesting, huge strings."""

from __future__ import annotations

import json
from functools import cache

from hypothesis import strategies as st

from tests.conftest import CORPUS

HOSTILE_STRINGS = ["", " ", "NaN", "sNaN", "-Infinity", "Infinity", "1E+999999999", "1e309", "-1", "-0.01", "0x1f",
                   "１２", "9" * 400, "1" * 5000, "\x00", "null", "[]", "{}", "2026-13-45T99:99:99Z", "t=1,v1=",
                   "gid://shopify/Order/", "../../etc/passwd", "%00", "\ud800".encode("utf-8", "surrogatepass")
                   .decode("utf-8", "replace")]
HOSTILE_NUMBERS = [0, -1, -10**6, 10**400, -(10**19), 2**63, 2**64, 1e308, -1e308, 5e-324, float("inf"),
                   float("-inf"), float("nan")]


def deep(levels: int, leaf=1):
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.sampled_from(HOSTILE_STRINGS), st.sampled_from(HOSTILE_NUMBERS),
)
hostile_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
    st.integers(min_value=70, max_value=3000).map(deep),
    st.integers(min_value=1, max_value=3).map(lambda n: {"id": n, "amount": [n], "value": {"amount": "NaN"}}),
)


def _paths(value, prefix=()) -> list[tuple]:
    """Paths to the values of a document (the first 5 items of a list; planted deep nests are not entered)."""
    found = [prefix]
    if len(prefix) > 12:
        return found
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value[:5]):
            found += _paths(child, (*prefix, index))
    return found


def _replace(doc, path: tuple, new, delete: bool):
    if not path:
        return new
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = new
    return doc


@st.composite
def mutated(draw, documents: list):
    """One of `documents` (deep-copied) with 1–4 values replaced by hostile ones or keys deleted."""
    doc = json.loads(json.dumps(draw(st.sampled_from(documents))))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        doc = _replace(doc, path, draw(hostile_values), delete=draw(st.booleans()))
    return doc


@st.composite
def mutated_bytes(draw, documents: list):
    """A mutated document as it arrives on the wire: JSON, sometimes with bytes flipped or cut."""
    doc = draw(mutated(documents))
    try:
        raw = json.dumps(doc, allow_nan=True).encode()
    except (ValueError, RecursionError):
        raw = b"[" * 5000
    if draw(st.integers(min_value=0, max_value=4)) == 0 and raw:
        at = draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw = raw[:at] + draw(st.binary(max_size=8)) + raw[at + 1:]
    return raw


@cache
def corpus(prefix: str) -> list:
    """Every JSON corpus document whose file name starts with `prefix` (decoded; a docs sample that is not
    valid JSON, as some published ones are, seeds the byte-level tests only through the others)."""
    documents = []
    for path in sorted(CORPUS.rglob(f"{prefix}*.json")):
        try:
            documents.append(json.loads(path.read_bytes()))
        except ValueError:
            continue
    return documents
