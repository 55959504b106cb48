"""Timer triggers through the local host, and the schedule parser."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from sandbox.host import HostError
from sandbox.host.timers import Schedule
from tests.host.conftest import wait_until


def test_timer_fires_every_second_and_keeps_firing_although_it_raises(app, caplog):
    caplog.set_level(logging.INFO, logger="sandbox.host")
    seen = len(app.timer_calls)
    wait_until(lambda: len(app.timer_calls) >= seen + 3, timeout=6, what="three more timer firings")

    starts = [at for at, _ in app.timer_calls]
    gaps = [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]
    assert all(0.7 <= gap <= 1.4 for gap in gaps), gaps
    assert not any(past_due for _, past_due in app.timer_calls)
    assert any(r.getMessage().startswith("every_second timerTrigger Failed in ") for r in caplog.records)


def test_run_on_startup_fires_once_at_start(app):
    assert app.startup_calls == [False]  # its schedule (1 January, midnight) is far away


def test_ncrontab_schedule_has_seconds_first():
    at = datetime(2026, 11, 26, 14, 7, 3, tzinfo=UTC)
    assert Schedule("*/10 * * * * *", "t").next_after(at) == datetime(2026, 11, 26, 14, 7, 10, tzinfo=UTC)
    assert Schedule("0 */15 * * * *", "t").next_after(at) == datetime(2026, 11, 26, 14, 15, 0, tzinfo=UTC)
    assert Schedule("0 30 9 * * 1-5", "t").next_after(at) == datetime(2026, 11, 27, 9, 30, 0, tzinfo=UTC)


def test_timespan_schedule_is_an_interval():
    at = datetime(2026, 11, 26, 14, 7, 3, tzinfo=UTC)
    assert Schedule("00:05:00", "t").next_after(at) == datetime(2026, 11, 26, 14, 12, 3, tzinfo=UTC)


@pytest.mark.parametrize("expression", ["*/5 * * * *", "not a schedule", "99 * * * * *"])
def test_invalid_schedule_is_refused_with_the_function_name(expression):
    with pytest.raises(HostError, match="Function 'nightly': schedule"):
        Schedule(expression, "nightly")
