"""Timer triggers: NCRONTAB schedules (six fields, seconds first) or TimeSpan intervals, in UTC."""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from azure.functions.timer import TimerRequest
from croniter import croniter

from sandbox.host.config import HostError, parse_timespan, resolve_expressions
from sandbox.host.metadata import FunctionSpec

if TYPE_CHECKING:
    from sandbox.host.invoker import Invoker

log = logging.getLogger("sandbox.host")

PAST_DUE_AFTER = timedelta(seconds=1)  # fired this much later than scheduled: TimerRequest.past_due


class Schedule:
    def __init__(self, expression: str, function_name: str) -> None:
        self.expression = expression
        self._interval: timedelta | None = None
        if re.fullmatch(r"(\d+\.)?\d+:\d+:\d+(\.\d+)?", expression.strip()):
            self._interval = timedelta(seconds=parse_timespan(expression))
        elif len(expression.split()) != 6 or not croniter.is_valid(expression, second_at_beginning=True):
            raise HostError(f"Function '{function_name}': schedule '{expression}' is not an NCRONTAB "
                            "expression with six fields: second minute hour day month day-of-week")

    def next_after(self, moment: datetime) -> datetime:
        if self._interval is not None:
            return moment + self._interval
        return croniter(self.expression, moment, second_at_beginning=True).get_next(datetime)


class TimerListener:
    """Fires one timer function on its schedule, never overlapping itself: an occurrence that comes while
    the previous invocation still runs is skipped, as the real host does."""

    def __init__(self, spec: FunctionSpec, invoker: Invoker, stop: threading.Event) -> None:
        self.spec, self._invoker, self._stop = spec, invoker, stop
        self.schedule = Schedule(resolve_expressions(spec.trigger["schedule"], spec.name), spec.name)
        self._running: Future[dict[str, Any]] | None = None
        self._last: datetime | None = None
        self.thread = threading.Thread(target=self._run, name=f"timer:{spec.name}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        now = datetime.now(UTC)
        if self.spec.trigger.get("runOnStartup"):
            self._fire(now, now)
        scheduled = self.schedule.next_after(now)
        while True:
            wait = (scheduled - datetime.now(UTC)).total_seconds()
            if self._stop.wait(max(wait, 0)):
                return
            now = datetime.now(UTC)
            if now < scheduled:  # woke a little early
                continue
            self._fire(scheduled, now)
            scheduled = self.schedule.next_after(max(now, scheduled))

    def _fire(self, scheduled: datetime, now: datetime) -> None:
        if self._running is not None and not self._running.done():
            log.warning("%s timerTrigger skipped the %s occurrence: the previous one is still running",
                        self.spec.name, scheduled.isoformat())
            return
        next_run = self.schedule.next_after(max(now, scheduled))
        status = {"Last": (self._last or now).isoformat(), "Next": next_run.isoformat(),
                  "LastUpdated": now.isoformat()}
        request = TimerRequest(past_due=now - scheduled > PAST_DUE_AFTER, schedule_status=status,
                               schedule={"AdjustForDST": True})
        self._last = now
        with contextlib.suppress(RuntimeError):  # raised when the host is stopping
            self._running = self._invoker.submit(self.spec, request)
