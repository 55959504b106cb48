"""A webhook receiver that records the raw bytes and headers of every POST, and the two emulators."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox.shopify_emulator import ShopifyEmulator
from sandbox.woo_emulator import WooEmulator


class Receiver:
    def __init__(self, status: int = 200, delay: float = 0.0):
        self.status, self.delay = status, delay
        self.received: list[tuple[bytes, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((raw, dict(self.headers.items())))
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/api/webhooks/shop"

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def shopify():
    emu = ShopifyEmulator(shop_domain="bridge-demo.myshopify.com", access_token="shpat_test").start()
    yield emu
    emu.stop()


@pytest.fixture
def woo():
    emu = WooEmulator(consumer_key="ck_test", consumer_secret="cs_test").start()
    yield emu
    emu.stop()
