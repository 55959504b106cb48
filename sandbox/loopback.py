"""The lifecycle every shop emulator shares: an HTTP server on a loopback port, in a daemon thread.

An emulator subclasses `LoopbackServer`, sets `handler` (a BaseHTTPRequestHandler class that reaches the
emulator as `self.emulator`) and `name`, and gets start/stop/base_url and use as a context manager.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class LoopbackServer:
    handler: type[BaseHTTPRequestHandler]
    name = "emulator"
    _server: ThreadingHTTPServer | None = None

    def start(self, port: int = 0, host: str = "127.0.0.1") -> Self:
        handler = type("Handler", (self.handler,), {"emulator": self})
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.name, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"the {self.name} is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, port: int, host: str, banner: Callable[[], str]) -> None:
        """Start, print `banner()` (it may use base_url) and serve until Ctrl+C — the emulators' commands."""
        self.start(port, host)
        print(banner(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            self.stop()

    def __enter__(self) -> Self:
        return self.start() if self._server is None else self

    def __exit__(self, *exc) -> None:
        self.stop()
