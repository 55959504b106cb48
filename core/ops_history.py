"""The status page's history chart: outcome counts per flow and shop, per hour (7 days) or per day (90 days).

Read from the History counters (core/state/history.py), never from the sync log, so a page load costs a
bounded read: the hourly view reads 8 UTC days of rows, the daily view 90 days of day totals. Every bucket
is present (zeros included) so the chart's bars line up; buckets are UTC hours and days.

The same buckets carry the app's Business Central usage (`bc`): requests sent, 429 answers, seconds waited
for the request budget, and — when the config is readable — how many requests BC allows per hour with the
configured principals (BC's limit is per principal: 6,000 per 5-minute window by default, config [bc.limits]).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.state import Storage
from core.state.history import BC_MEASURES, HOURLY_DAYS, OUTCOMES, RETENTION_DAYS, History

VIEWS = ("hours", "days")


class UnknownView(ValueError):
    pass


def history_view(storage: Storage, view: str = "hours", now: datetime | None = None, config=None) -> dict:
    """{view, buckets: [ISO start of each bucket], outcomes, series: [{flow, shop, counts: {outcome: [n per
    bucket]}, totals: {outcome: n}}], bc: {counts: {measure: [n per bucket]}, totals, allowed_per_hour}} for
    the last 7×24 hours (view=hours) or 90 days (view=days)."""
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
    history = History(storage)
    days = history.days(buckets[0].date(), buckets[-1].date(), hourly=view == "hours")
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
        "bc": _bc_usage(history, view, buckets, index, config),
        "generated_at": now.isoformat(),
    }


def _bc_usage(history: History, view: str, buckets: list[datetime], index: dict, config) -> dict:
    counts = {m: [0] * len(buckets) for m in BC_MEASURES}
    for day in history.bc_days(buckets[0].date(), buckets[-1].date(), hourly=view == "hours"):
        midnight = datetime(day.day.year, day.day.month, day.day.day, tzinfo=UTC)
        per_bucket = ({midnight: day.totals} if view == "days"
                      else {midnight + timedelta(hours=h): values for h, values in day.hours.items()})
        for start, values in per_bucket.items():
            n = index.get(start)
            if n is not None:
                for measure in BC_MEASURES:
                    counts[measure][n] += values[measure]
    return {
        "requests": counts["bc_requests"],
        "throttled": counts["bc_throttled"],
        "waited_s": [round(ms / 1000, 1) for ms in counts["bc_waited_ms"]],
        "totals": {"requests": sum(counts["bc_requests"]), "throttled": sum(counts["bc_throttled"]),
                   "waited_s": round(sum(counts["bc_waited_ms"]) / 1000, 1)},
        "allowed_per_hour": allowed_per_hour(config),
    }


def allowed_per_hour(config) -> int | None:
    """BC's request budget per hour for the configured principals (each has its own); None without config."""
    if config is None:
        return None
    limits = config.bc.limits
    return int(limits.requests_per_window * 3600 / limits.window_seconds) * len(config.bc.credentials)


def today_counts(storage: Storage, now: datetime | None = None) -> dict:
    """The status page's counts: how many records ended in each outcome today (UTC), in total, per flow, per
    shop and per flow and shop (`rows`), read from today's History counters (a few rows, no sync-log scan).

    These are events, not states: a record that needed attention and was then imported counts once in each.
    What needs attention now is the attention list (SyncLog rows with that status), not this. No fallback to
    the sync log: records finished before this version wrote counters are not counted on the day it was
    deployed, and from the next UTC day on every record is."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    today = now.date()
    by_status = dict.fromkeys(OUTCOMES, 0)
    by_flow: dict[str, dict[str, int]] = {}
    by_shop: dict[str, dict[str, int]] = {}
    rows = []
    for day in sorted(History(storage).days(today, today, hourly=False), key=lambda d: (d.flow, d.shop)):
        for outcome in OUTCOMES:
            n = day.totals[outcome]
            if not n:
                continue
            by_status[outcome] += n
            flow, shop = by_flow.setdefault(day.flow, {}), by_shop.setdefault(day.shop, {})
            flow[outcome], shop[outcome] = flow.get(outcome, 0) + n, shop.get(outcome, 0) + n
            rows.append({"flow": day.flow, "shop": day.shop, "status": outcome, "count": n})
    return {
        "day": today.isoformat(),
        "source": "history",
        "total": sum(by_status.values()),
        "needs_attention": by_status["needs_attention"] + by_status["failed"],
        "by_status": by_status,
        "by_flow": dict(sorted(by_flow.items())),
        "by_shop": dict(sorted(by_shop.items())),
        "rows": rows,
        "generated_at": now.isoformat(),
    }


def prune_history(storage: Storage, now: datetime | None = None) -> int:
    """Drop counters older than the daily view (RETENTION_DAYS); run by the daily retention timer."""
    return History(storage).prune(now)
