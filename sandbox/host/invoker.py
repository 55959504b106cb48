"""Run functions in a thread pool: bind arguments, write queue outputs, log one line per invocation."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import azure.functions as func

from sandbox.host.config import connection_string, resolve_expressions
from sandbox.host.metadata import FunctionSpec
from sandbox.host.queues import QueueClients

log = logging.getLogger("sandbox.host")


class OutValue(func.Out):
    """The value a function sets on an output binding (`out.set(...)`)."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


class InvocationContext(func.Context):
    def __init__(self, invocation_id: str, function_name: str, function_directory: str) -> None:
        self._ids = invocation_id, function_name, function_directory

    invocation_id = property(lambda self: self._ids[0])
    function_name = property(lambda self: self._ids[1])
    function_directory = property(lambda self: self._ids[2])
    trace_context = property(lambda self: None)
    retry_context = property(lambda self: None)
    thread_local_storage = property(lambda self: None)


class Invoker:
    """Invokes functions on a shared pool. The future's result is {binding name: value}, "$return" included;
    it fails with the function's exception. Queue outputs are written only when the function succeeds."""

    def __init__(self, queues: QueueClients, app_dir: Path, max_workers: int = 32) -> None:
        self._queues = queues
        self._app_dir = str(app_dir)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="function")

    def submit(self, spec: FunctionSpec, trigger_value: Any) -> Future[dict[str, Any]]:
        return self._pool.submit(self._invoke, spec, trigger_value)

    def shutdown(self) -> None:
        """Wait for running invocations; cancel those not started (their done-callbacks see cancelled())."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _invoke(self, spec: FunctionSpec, trigger_value: Any) -> dict[str, Any]:
        invocation_id = str(uuid.uuid4())
        outs = {b["name"]: OutValue() for b in spec.outputs if b["name"] != "$return"}
        kwargs: dict[str, Any] = {spec.trigger["name"]: trigger_value, **outs}
        if spec.wants_context:
            kwargs["context"] = InvocationContext(invocation_id, spec.name, self._app_dir)
        started = time.monotonic()
        try:
            result = spec.function(**kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
            values = {name: out.get() for name, out in outs.items()} | {"$return": result}
            self._write_queue_outputs(spec, values)
        except Exception as exc:
            log.error("%s %s Failed in %.0f ms (id=%s): %s: %s", spec.name, spec.trigger_type,
                      _ms(started), invocation_id, type(exc).__name__, exc, exc_info=exc)
            raise
        log.info("%s %s Succeeded in %.0f ms (id=%s)",
                 spec.name, spec.trigger_type, _ms(started), invocation_id)
        return values

    def _write_queue_outputs(self, spec: FunctionSpec, values: dict[str, Any]) -> None:
        for binding in spec.outputs:
            if binding["type"] != "queue" or values[binding["name"]] is None:
                continue
            connection = connection_string(binding.get("connection"), spec.name)
            queue = resolve_expressions(binding["queueName"], spec.name)
            for item in _as_list(values[binding["name"]]):
                self._queues.send(connection, queue, _message_bytes(item, spec.name, binding["name"]))


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _message_bytes(item: Any, function_name: str, binding_name: str) -> bytes:
    if isinstance(item, str):
        return item.encode("utf-8")
    if isinstance(item, bytes):
        return item
    if isinstance(item, func.QueueMessage):
        return item.get_body()
    raise TypeError(
        f"Function '{function_name}': queue output '{binding_name}' was set to a {type(item).__name__}; "
        "set a str, bytes, QueueMessage or a list of them"
    )
