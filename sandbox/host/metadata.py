"""Load a v2 `function_app.py` and read the binding metadata the real host indexes."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from azure.functions.decorators.function_app import FunctionRegister

from sandbox.host.config import HostError

TRIGGERS = ("httpTrigger", "queueTrigger", "timerTrigger")
OUTPUTS = ("http", "queue")


class UnsupportedBindingError(HostError):
    """A function uses a binding type the local host does not implement."""


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    function: Callable[..., Any]
    trigger: dict[str, Any]  # the trigger binding JSON, e.g. {"type": "queueTrigger", "queueName": ...}
    outputs: tuple[dict[str, Any], ...]  # output bindings, "$return" included
    wants_context: bool  # the function takes a `context` argument

    @property
    def trigger_type(self) -> str:
        return self.trigger["type"]


def import_app(app_dir: Path, module_name: str) -> ModuleType:
    """Import app_dir/function_app.py under module_name (not "function_app", so apps never clash)."""
    script = Path(app_dir) / "function_app.py"
    if not script.exists():
        raise HostError(f"{script} does not exist: --app-dir must hold a v2 function_app.py")
    spec = importlib.util.spec_from_file_location(module_name, script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def find_app(module: ModuleType) -> FunctionRegister:
    """The one FunctionApp (or other FunctionRegister) at module level, as the Python worker finds it."""
    apps = [value for value in vars(module).values() if isinstance(value, FunctionRegister)]
    if len(apps) != 1:
        raise HostError(f"{module.__file__} must define one FunctionApp at module level, found {len(apps)}")
    return apps[0]


def index_functions(app: FunctionRegister) -> list[FunctionSpec]:
    """One FunctionSpec per enabled function. Calls app.get_functions(), which works once per app object."""
    specs = []
    for function in app.get_functions():
        name = function.get_function_name()
        if (os.environ.get(f"AzureWebJobs.{name}.Disabled") or "").lower() in ("true", "1"):
            continue
        bindings = json.loads(function.get_function_json())["bindings"]
        specs.append(_spec(name, function.get_user_function(), bindings))
    return specs


def _spec(name: str, user_function: Callable[..., Any], bindings: list[dict[str, Any]]) -> FunctionSpec:
    triggers, outputs = [], []
    for binding in bindings:
        kind, direction = binding["type"], binding.get("direction", "IN").upper()
        if direction == "OUT" and kind in OUTPUTS:
            outputs.append(binding)
        elif direction == "IN" and kind in TRIGGERS:
            triggers.append(binding)
        else:
            raise UnsupportedBindingError(
                f"Function '{name}': binding '{binding.get('name')}' of type '{kind}' ({direction}) is not "
                f"supported by the local host (triggers: {', '.join(TRIGGERS)}; "
                f"outputs: {', '.join(OUTPUTS)})"
            )
    if len(triggers) != 1:
        raise HostError(f"Function '{name}' must have exactly one trigger, has {len(triggers)}")
    binding_names = {b["name"] for b in bindings}
    parameters = inspect.signature(user_function).parameters
    return FunctionSpec(
        name=name,
        function=user_function,
        trigger=triggers[0],
        outputs=tuple(outputs),
        wants_context="context" in parameters and "context" not in binding_names,
    )
