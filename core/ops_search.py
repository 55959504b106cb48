"""The time filter of the record list and search; shop, flow and state are filtered by core/sync/operations.py.

`from` and `to` bound when a record last changed. Each is a date (`2026-12-03`) or a date and time
(`2026-12-03T14:00`, with an offset or `Z`; without one it is UTC). `from` is inclusive; a date as `to`
includes that whole UTC day (from=2026-12-01&to=2026-12-03 is three days), a time as `to` is exclusive.
The window is applied by the storage query (UpdatedAt), so a search looks at the newest records inside it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from core.sync.operations import OperationError


def time_window(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """(since, until) in UTC from the `from` and `to` parameters; OperationError (400) when unreadable."""
    since = _moment(start, "from", end_of_day=False)
    until = _moment(end, "to", end_of_day=True)
    if since and until and since >= until:
        raise OperationError(f"from ({start}) must be before to ({end})", 400)
    return since, until


def _moment(value: str | None, name: str, *, end_of_day: bool) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 40:
        raise OperationError(f"{name} is not a date or time", 400)
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return midnight + timedelta(days=1) if end_of_day else midnight
        moment = datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: 9999-12-31 as `to`, year 1 in an offset east of UTC
        raise OperationError(f"{name} must be a date (2026-12-03) or a date and time (2026-12-03T14:00Z), "
                             f"not {value!r}", 400) from None
