"""One LocalHost serving tests/host/sample_app against the session's Azurite, shared by the host tests."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from azure.core.exceptions import ResourceExistsError
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from sandbox.host import LocalHost

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_APP = Path(__file__).resolve().parent / "sample_app"
FUNCTION_KEY = "function-key-0123456789"
MASTER_KEY = "master-key-9876543210"


def sample_settings(connection: str, tag: str) -> dict[str, str]:
    return {
        "AzureWebJobsStorage": connection,
        "SANDBOX_FUNCTION_KEY": FUNCTION_KEY,
        "SANDBOX_MASTER_KEY": MASTER_KEY,
        "SAMPLE_GREETING": f"hi from settings {tag}",
        "SAMPLE_FAIL_QUEUE": f"host-fail-{tag}",
        "SAMPLE_WORK_QUEUE": f"host-work-{tag}",
        "SAMPLE_DONE_QUEUE": f"host-done-{tag}",
    }


@pytest.fixture(scope="package")
def sample_host(azurite):
    """The running host; its settings are in os.environ until the host tests end."""
    settings = sample_settings(azurite.connection_string, uuid.uuid4().hex[:8])
    with LocalHost(SAMPLE_APP, settings) as host:
        yield host


@pytest.fixture(scope="package")
def app(sample_host):
    """The sample app module as the host imported it (its recorded calls)."""
    return sample_host.app_module


@pytest.fixture
def queue(sample_host) -> Callable[..., QueueClient]:
    """queue(setting_name, base64=True, suffix="", create=True): a client for one of the sample app's queues
    (name + suffix), created if missing unless create=False; base64=False gives the raw wire text."""
    clients = []

    def make(setting: str, base64: bool = True, suffix: str = "", create: bool = True) -> QueueClient:
        policies = {"message_encode_policy": TextBase64EncodePolicy(),
                    "message_decode_policy": TextBase64DecodePolicy()} if base64 else {}
        client = QueueClient.from_connection_string(
            sample_host.settings["AzureWebJobsStorage"], sample_host.settings[setting] + suffix, **policies)
        if create:
            with contextlib.suppress(ResourceExistsError):
                client.create_queue()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)
    return result
