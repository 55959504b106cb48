"""The status page's history chart: outcome counts per flow and shop, per hour (7 days) or per day (90 days).

Read from the History counters (core/state/history.py), never from the sync log, so a page load costs a
bounded read: the hourly view reads 8 UTC days of rows, the daily view 90 days of day totals. Every bucket
is present (zeros included) so the chart's bars line up; buckets are UTC hours and days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.state import Storage
from core.state.history import HOURLY_DAYS, OUTCOMES, RETENTION_DAYS, History

VIEWS = ("hours", "days")


class UnknownView(ValueError):
    pass


def history_view(storage: Storage, view: str = "hours", now: datetime | None = None) -> dict:
    """{view, buckets: [ISO start of each bucket], outcomes, series: [{flow, shop, counts: {outcome: [n per
    bucket]}, totals: {outcome: n}}]} for the last 7×24 hours (view=hours) or 90 days (view=days)."""
    if view not in VIEWS:
        raise UnknownView(f"view must be one of {list(VIEWS)}, not {view!r}")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    if view == "hours":
        last = now.replace(minute=0, second=0, microsecond=0)
        buckets = [last - timedelta(hours=n) for n in range(HOURLY_DAYS * 24 - 1, -1, -1)]
    else:
        last = now.replace(hour=0, minute=0, second=0, microsecond=0)
        buckets = [last - timedelta(days=n) for n in range(RETENTION_DAYS - 1, -1, -1)]
    index = {bucket: n for n, bucket in enumerate(buckets)}
    days = History(storage).days(buckets[0].date(), buckets[-1].date(), hourly=view == "hours")
    series: dict[tuple[str, str], dict[str, list[int]]] = {}
    for day in days:
        counts = series.setdefault((day.flow, day.shop), {o: [0] * len(buckets) for o in OUTCOMES})
        midnight = datetime(day.day.year, day.day.month, day.day.day, tzinfo=UTC)
        if view == "days":
            for outcome in OUTCOMES:
                counts[outcome][index[midnight]] += day.totals[outcome]
            continue
        for hour, per_outcome in day.hours.items():
            n = index.get(midnight + timedelta(hours=hour))
            if n is None:  # the part of the first day before the 168-hour window
                continue
            for outcome in OUTCOMES:
                counts[outcome][n] += per_outcome[outcome]
    return {
        "view": view,
        "buckets": [b.isoformat() for b in buckets],
        "outcomes": list(OUTCOMES),
        "series": [{"flow": flow, "shop": shop, "counts": counts, "totals": {o: sum(counts[o]) for o in OUTCOMES}}
                   for (flow, shop), counts in sorted(series.items())],
        "generated_at": now.isoformat(),
    }


def prune_history(storage: Storage, now: datetime | None = None) -> int:
    """Drop counters older than the daily view (RETENTION_DAYS); run by the daily retention timer."""
    return History(storage).prune(now)
