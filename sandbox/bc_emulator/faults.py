"""Fault injection: make chosen requests fail the way BC online and its network sometimes do.

kinds: "429", "503" (answered before any work, optional Retry-After), "504_after_commit" (the write is
committed, then a 504 is answered — the ambiguous case), "drop_connection" (socket closed without a
response, nothing done), "drop_after_commit" (committed, then the socket is closed), "latency" (extra
`ms` while holding a concurrency slot).

A rule matches by `methods` (e.g. ["POST"]) and `path_contains` (substring of the URL path). When it
matches, `sequence` (a list of booleans, consumed one per matching request; exhausted = no fault) or
`rate` (probability from a seeded random.Random) decides; with neither, every matching request is hit.
Rules apply to HTTP requests (a `$batch` is one request). The first triggering non-latency rule wins;
latency rules add up.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import asdict, dataclass, field

KINDS = {"429", "503", "504_after_commit", "drop_connection", "drop_after_commit", "latency"}
_ids = itertools.count(1)


@dataclass
class FaultRule:
    kind: str
    rate: float | None = None
    sequence: list[bool] | None = None
    retry_after: float | None = None
    methods: list[str] | None = None
    path_contains: str | None = None
    ms: float = 0.0
    id: int = field(default_factory=lambda: next(_ids))
    hits: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class FaultDecision:
    kind: str | None = None
    retry_after: float | None = None
    extra_latency_ms: float = 0.0
    rule_id: int | None = None


class Faults:
    def __init__(self):
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._random = random.Random(0)

    def add(
        self,
        kind: str,
        rate: float | None = None,
        sequence: list[bool] | None = None,
        retry_after: float | None = None,
        methods: list[str] | str | None = None,
        path_contains: str | None = None,
        ms: float = 0.0,
    ) -> FaultRule:
        kind = str(kind)
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        if isinstance(methods, str):
            methods = [methods]
        rule = FaultRule(
            kind=kind,
            rate=rate,
            sequence=list(sequence) if sequence is not None else None,
            retry_after=retry_after,
            methods=[m.upper() for m in methods] if methods else None,
            path_contains=path_contains,
            ms=float(ms or 0),
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def seed(self, n: int) -> None:
        with self._lock:
            self._random = random.Random(n)

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def decide(self, method: str, path: str) -> FaultDecision:
        decision = FaultDecision()
        with self._lock:
            for rule in self._rules:
                if rule.methods and method.upper() not in rule.methods:
                    continue
                if rule.path_contains and rule.path_contains not in path:
                    continue
                if rule.kind != "latency" and decision.kind is not None:
                    continue
                if rule.sequence is not None:
                    hit = bool(rule.sequence.pop(0)) if rule.sequence else False
                elif rule.rate is not None:
                    hit = self._random.random() < rule.rate
                else:
                    hit = True
                if not hit:
                    continue
                rule.hits += 1
                if rule.kind == "latency":
                    decision.extra_latency_ms += rule.ms
                else:
                    decision.kind, decision.retry_after, decision.rule_id = rule.kind, rule.retry_after, rule.id
        return decision
