"""What the real host reads before it indexes the app: app settings, local.settings.json and host.json."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class HostError(Exception):
    """The app cannot be hosted as configured; the message says what to change."""


def load_local_settings(path: Path) -> tuple[dict[str, str], int | None]:
    """The "Values" of a local.settings.json (as strings) and its Host.LocalHttpPort, if any."""
    data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    values = {name: str(value) for name, value in (data.get("Values") or {}).items()}
    port = (data.get("Host") or {}).get("LocalHttpPort")
    return values, int(port) if port else None


HOST_OVERRIDE_PREFIX = "AzureFunctionsJobHost__"


def read_host_json(app_dir: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """host.json with the app settings that override it applied, as the real host does: a setting
    `AzureFunctionsJobHost__extensions__queues__batchSize` replaces (or adds) extensions.queues.batchSize
    ("Override host.json values" in Microsoft's host.json reference; keys case-insensitive, values strings)."""
    path = Path(app_dir) / "host.json"
    host_json = json.loads(path.read_text(encoding="utf-8-sig")) if path.exists() else {}
    environ = os.environ if environ is None else environ
    for name in sorted(environ):
        if name.lower().startswith(HOST_OVERRIDE_PREFIX.lower()):
            _override(host_json, name[len(HOST_OVERRIDE_PREFIX):].split("__"), environ[name])
    return host_json


def _override(node: dict[str, Any], path: list[str], value: str) -> None:
    if not all(path):
        raise HostError(f"App setting {HOST_OVERRIDE_PREFIX}{'__'.join(path)} names no host.json path "
                        "(use __ between keys, e.g. AzureFunctionsJobHost__extensions__queues__batchSize)")
    for key in path[:-1]:
        existing = next((k for k in node if k.lower() == key.lower()), key)
        if not isinstance(node.get(existing), dict):
            node[existing] = {}
        node = node[existing]
    leaf = next((k for k in node if k.lower() == path[-1].lower()), path[-1])
    node[leaf] = value


def setting(name: str) -> str | None:
    """An app setting by name. Settings live in the environment, as in Azure."""
    return os.environ.get(name) or os.environ.get(f"AzureWebJobs{name}")


def connection_string(setting_name: str | None, function_name: str) -> str:
    """The storage connection string a binding's `connection` names (default AzureWebJobsStorage)."""
    name = setting_name or "AzureWebJobsStorage"
    value = setting(name)
    if not value:
        raise HostError(
            f"Function '{function_name}': the connection setting '{name}' is not set. "
            f"Resolution: add '{name}' (a storage connection string, e.g. Azurite's) "
            "to local.settings.json Values."
        )
    if "__" in name or "=" not in value:
        raise HostError(f"Function '{function_name}': setting '{name}' must be a connection string locally")
    return value


def resolve_expressions(text: str, function_name: str) -> str:
    """Replace %SETTING% binding expressions (queue names, schedules) with the settings' values."""

    def replace(match: re.Match[str]) -> str:
        value = setting(match[1])
        if value is None:
            raise HostError(f"Function '{function_name}': binding expression %{match[1]}% names no setting")
        return value

    return re.sub(r"%([^%]+)%", replace, text)


def parse_timespan(value: str | int | float) -> float:
    """Seconds in a .NET TimeSpan "[d.]hh:mm:ss[.fff]" (a bare number is taken as milliseconds)."""
    if isinstance(value, int | float):
        return value / 1000
    match = re.fullmatch(r"(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)", value.strip())
    if match is None:
        raise HostError(f"'{value}' is not a TimeSpan (expected hh:mm:ss, e.g. 00:00:30)")
    days, hours, minutes, seconds = match.groups()
    return ((int(days or 0) * 24 + int(hours)) * 60 + int(minutes)) * 60 + float(seconds)


def _lookup(mapping: dict[str, Any], *path: str) -> Any:
    """host.json keys are case-insensitive."""
    node: Any = mapping
    for key in path:
        if not isinstance(node, dict):
            return None
        node = next((v for k, v in node.items() if k.lower() == key.lower()), None)
    return node


def route_prefix(host_json: dict[str, Any]) -> str:
    prefix = _lookup(host_json, "extensions", "http", "routePrefix")
    return "api" if prefix is None else str(prefix).strip("/")


@dataclass(frozen=True)
class QueueOptions:
    """host.json extensions.queues, with the Storage Queues extension 5.x defaults."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    visibility_timeout: float = 0.0
    max_dequeue_count: int = 5
    max_polling_interval: float = 60.0
    message_encoding: str = "base64"

    @classmethod
    def from_host_json(cls, host_json: dict[str, Any]) -> QueueOptions:
        queues = _lookup(host_json, "extensions", "queues") or {}

        def get(key: str) -> Any:
            return _lookup(queues, key)

        batch_size = int(get("batchSize") or cls.batch_size)
        if not 1 <= batch_size <= 32:
            raise HostError(f"host.json extensions.queues.batchSize is {batch_size}; it must be 1..32")
        threshold = get("newBatchThreshold")
        encoding = str(get("messageEncoding") or cls.message_encoding).lower()
        if encoding not in ("base64", "none"):
            raise HostError(f"host.json extensions.queues.messageEncoding '{encoding}': use base64 or none")
        max_dequeue = get("maxDequeueCount")
        return cls(
            batch_size=batch_size,
            new_batch_threshold=batch_size // 2 if threshold is None else int(threshold),
            visibility_timeout=parse_timespan(get("visibilityTimeout") or "00:00:00"),
            max_dequeue_count=cls.max_dequeue_count if max_dequeue is None else int(max_dequeue),
            max_polling_interval=parse_timespan(get("maxPollingInterval") or "00:01:00"),
            message_encoding=encoding,
        )
