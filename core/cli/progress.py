"""Progress of a long command (backfill, stock push, products push) on stderr while it runs.

A line at most every EVERY_SECONDS: what has been done so far, the rate, the time elapsed, and an estimate of
the time left when the total is known. On a terminal the line is rewritten in place; in a log (not a TTY) each
one is a new line. Nothing is printed for --json runs: their stdout is for machines and their stderr for
errors only. No library: a line every second needs none.
"""

from __future__ import annotations

import sys
from time import monotonic
from typing import TextIO

EVERY_SECONDS = 1.0


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class Progress:
    def __init__(self, unit: str, *, enabled: bool = True, total: int | None = None, stream: TextIO | None = None):
        self.unit, self.enabled, self.total = unit, enabled, total
        self.stream = stream or sys.stderr
        self.started = monotonic()
        self.last_line = self.started
        self.lines = 0
        self._rewriting = self.stream.isatty()

    def update(self, done: int, detail: str = "", *, force: bool = False) -> None:
        """Report `done` units (and a short `detail`); printed only if EVERY_SECONDS passed since the last line."""
        now = monotonic()
        if not self.enabled or (not force and now - self.last_line < EVERY_SECONDS):
            return
        self.last_line = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        line = f"{done:,} {self.unit} · {rate:,.1f}/s · {_duration(elapsed)} elapsed"
        if self.total:
            left = (self.total - done) / rate if rate > 0 else None
            line = f"{done:,}/{self.total:,} {self.unit} ({100 * done / self.total:.0f}%) · {rate:,.1f}/s · " + (
                f"about {_duration(left)} left" if left is not None else f"{_duration(elapsed)} elapsed")
        if detail:
            line += f" · {detail}"
        if self._rewriting:
            self.stream.write(f"\r\x1b[2K  {line}")
        else:
            self.stream.write(f"  {line}\n")
        self.stream.flush()
        self.lines += 1

    def finish(self, done: int, detail: str = "") -> None:
        """The last line (always, when enabled), ending the rewritten terminal line."""
        self.update(done, detail, force=True)
        if self.enabled and self._rewriting:
            self.stream.write("\n")
            self.stream.flush()
