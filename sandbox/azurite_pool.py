"""One Azurite for a whole test session, with a fresh storage account for every LocalStack.

Starting Azurite (a Node process) costs seconds; a test session used to start one per LocalStack. A pool
starts one Azurite (on first use) that serves the well-known development account (`default`, what most tests
share) plus spare accounts, and hands each LocalStack a spare one nothing has used yet (`account()`): the
stack starts on storage as empty as a fresh Azurite's, since accounts never see each other's queues, tables
or blobs. Azurite reads its accounts once, from AZURITE_ACCOUNTS, when it starts.

Kept apart from sandbox.stack so a test session can set one up without importing the app.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import threading
from dataclasses import dataclass

from sandbox import azurite as launcher

# The pool LocalStack takes accounts from; set by the test session (tests/conftest.py), None elsewhere
# (the demo and the benchmarks start an Azurite per stack).
session: AzuritePool | None = None


@dataclass(frozen=True)
class AzuriteAccount:
    """One storage account of a pool's Azurite: what a stack needs of an Azurite (connection_string, stop)."""

    azurite: launcher.Azurite
    name: str
    key: str

    @property
    def connection_string(self) -> str:
        a = self.azurite
        return (f"DefaultEndpointsProtocol=http;AccountName={self.name};AccountKey={self.key};"
                f"BlobEndpoint=http://127.0.0.1:{a.blob_port}/{self.name};"
                f"QueueEndpoint=http://127.0.0.1:{a.queue_port}/{self.name};"
                f"TableEndpoint=http://127.0.0.1:{a.table_port}/{self.name};")

    def stop(self) -> None:
        """Nothing to stop: the account lives as long as its pool's Azurite."""


class AzuritePool:
    def __init__(self, workdir: str, accounts: int = 256):
        self.workdir = workdir
        self._names = [f"stack{n:04d}" for n in range(1, accounts + 1)]
        self._next = itertools.count()
        self._lock = threading.Lock()
        self._azurite: launcher.Azurite | None = None

    @staticmethod
    def _key(name: str) -> str:
        # a fixed key derived from the name: Azurite only needs base64, and these accounts hold test data
        return base64.b64encode(hashlib.sha256(f"azurite-pool:{name}".encode()).digest()).decode()

    @property
    def default(self) -> launcher.Azurite:
        """The running Azurite (its connection_string is the development account's); started if it is not."""
        with self._lock:
            if self._azurite is None:
                accounts = [f"{launcher.ACCOUNT}:{launcher.ACCOUNT_KEY}"]
                accounts += [f"{name}:{self._key(name)}" for name in self._names]
                saved = os.environ.get("AZURITE_ACCOUNTS")
                os.environ["AZURITE_ACCOUNTS"] = ";".join(accounts)  # for the child process only
                try:
                    self._azurite = launcher.start(self.workdir)
                finally:
                    if saved is None:
                        os.environ.pop("AZURITE_ACCOUNTS", None)
                    else:
                        os.environ["AZURITE_ACCOUNTS"] = saved
            return self._azurite

    def account(self) -> AzuriteAccount | None:
        """A storage account no one has used yet, or None when all are taken (the caller starts an Azurite)."""
        azurite = self.default
        index = next(self._next)
        if index >= len(self._names):
            return None
        return AzuriteAccount(azurite, self._names[index], self._key(self._names[index]))

    def stop(self) -> None:
        with self._lock:
            if self._azurite is not None:
                self._azurite.stop()
                self._azurite = None
