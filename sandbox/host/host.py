"""LocalHost: the pieces put together, in process."""

from __future__ import annotations

import itertools
import logging
import os
import sys
import threading
from pathlib import Path
from types import ModuleType

from sandbox.host.config import QueueOptions, read_host_json, route_prefix, setting
from sandbox.host.http import HttpFrontend
from sandbox.host.invoker import Invoker
from sandbox.host.metadata import FunctionSpec, find_app, import_app, index_functions
from sandbox.host.queues import QueueClients, QueueListener
from sandbox.host.timers import TimerListener

log = logging.getLogger("sandbox.host")

_app_numbers = itertools.count(1)


class LocalHost:
    """Hosts the v2 function_app.py in app_dir: HTTP on 127.0.0.1:http_port (None: a free port), queue
    triggers against the storage the settings name, timers. Settings go into os.environ before the app is
    imported and are restored on stop(). One LocalHost at a time per process (os.environ is shared)."""

    def __init__(self, app_dir: Path, settings: dict[str, str] | None = None, http_port: int | None = None):
        self.app_dir = Path(app_dir).resolve()
        self.settings = dict(settings or {})
        self.http_port = http_port
        self.app_module: ModuleType | None = None
        self.functions: list[FunctionSpec] = []
        self._saved_env: dict[str, str | None] = {}
        self._stop = threading.Event()
        self._http: HttpFrontend | None = None
        self._invoker: Invoker | None = None
        self._queues: QueueClients | None = None
        self._listeners: list[QueueListener | TimerListener] = []
        self._module_name = ""

    @property
    def base_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the host is not started")
        return f"http://127.0.0.1:{self._http.port}"

    def start(self) -> LocalHost:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        for name, value in self.settings.items():
            self._saved_env[name] = os.environ.get(name)
            os.environ[name] = value
        sys.path.insert(0, str(self.app_dir))  # the app imports its own packages, as under the real host
        self._module_name = f"_sandbox_app_{next(_app_numbers)}"
        self.app_module = import_app(self.app_dir, self._module_name)
        self.functions = index_functions(find_app(self.app_module))

        host_json = read_host_json(self.app_dir)
        self._queues = QueueClients(QueueOptions.from_host_json(host_json))
        workers = int(setting("PYTHON_THREADPOOL_THREAD_COUNT") or 32)
        self._invoker = Invoker(self._queues, self.app_dir, max_workers=workers)
        by_trigger = {kind: [s for s in self.functions if s.trigger_type == kind]
                      for kind in ("httpTrigger", "queueTrigger", "timerTrigger")}
        self._http = HttpFrontend(by_trigger["httpTrigger"], route_prefix(host_json), self._invoker,
                                  port=self.http_port or 0)
        self._listeners = [QueueListener(s, self._queues, self._invoker, self._stop)
                           for s in by_trigger["queueTrigger"]]
        self._listeners += [TimerListener(s, self._invoker, self._stop) for s in by_trigger["timerTrigger"]]
        self._http.start()
        for listener in self._listeners:
            listener.start()
        log.info("hosting %d functions from %s on %s", len(self.functions), self.app_dir, self.base_url)

    def describe(self) -> list[str]:
        """One line per function, like Core Tools prints at start."""
        lines = []
        for spec in self.functions:
            trigger = spec.trigger
            if spec.trigger_type == "httpTrigger" and self._http is not None:
                route = next(r for r in self._http.routes if r.spec is spec)
                methods = ",".join(sorted(route.methods)) if route.methods else "ANY"
                lines.append(f"{spec.name}: [{methods}] {self.base_url}/{route.template} "
                             f"(auth {trigger.get('authLevel', 'FUNCTION')})")
            elif spec.trigger_type == "queueTrigger":
                lines.append(f"{spec.name}: queueTrigger {trigger['queueName']}")
            else:
                lines.append(f"{spec.name}: timerTrigger {trigger['schedule']}")
        return lines

    def stop(self) -> None:
        """Stop polling and serving, wait for running invocations, release messages not yet started."""
        self._stop.set()
        if self._http is not None:
            self._http.stop()
        for listener in self._listeners:
            if listener.thread.is_alive():
                listener.thread.join(timeout=10)
        if self._invoker is not None:
            self._invoker.shutdown()
        if self._queues is not None:
            self._queues.close()
        sys.modules.pop(self._module_name, None)
        if str(self.app_dir) in sys.path:
            sys.path.remove(str(self.app_dir))
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._saved_env.clear()

    def __enter__(self) -> LocalHost:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
