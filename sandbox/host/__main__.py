"""python -m sandbox.host [--app-dir DIR] [--port N] [--settings local.settings.json]: serve until Ctrl-C.

Before serving this project's app it creates the tables, queues and blob containers the app uses in the
storage account the settings name (Azurite, locally), as the test stack does; in Azure, infra/ creates them.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from sandbox.host.config import HostError, load_local_settings
from sandbox.host.host import LocalHost

DEFAULT_PORT = 7071  # Core Tools' default
STORAGE_SETTING = "AzureWebJobsStorage"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.host", description=__doc__)
    parser.add_argument("--app-dir", type=Path, default=Path("."), help="directory holding function_app.py")
    parser.add_argument("--port", type=int, help="HTTP port (default: local.settings.json Host.LocalHttpPort "
                                                   f"or {DEFAULT_PORT})")
    parser.add_argument("--settings", type=Path, help="local.settings.json (default: the one in --app-dir)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    settings_file = args.settings or args.app_dir / "local.settings.json"
    values, settings_port = load_local_settings(settings_file) if settings_file.exists() else ({}, None)
    # As Core Tools does: a variable already in the environment wins over local.settings.json.
    for name in [n for n in values if n in os.environ]:
        print(f"Skipping '{name}' from local.settings.json: already set in the environment", file=sys.stderr)
        del values[name]

    connection = values.get(STORAGE_SETTING) or os.environ.get(STORAGE_SETTING, "")
    if (args.app_dir / "core" / "state" / "names.py").exists() and connection:
        try:
            prepare_storage(connection)
        except Exception as exc:  # noqa: BLE001 - any storage failure is the same answer: check the setting
            print(f"error: could not prepare the storage named by {STORAGE_SETTING} ({type(exc).__name__}: "
                  f"{exc}). Is Azurite running (python -m sandbox.azurite start) and the connection string "
                  "in local.settings.json current?", file=sys.stderr)
            return 1
        print("Storage ready: the app's tables, queues and blob containers exist.", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        host = LocalHost(args.app_dir, values, args.port or settings_port or DEFAULT_PORT).start()
    except HostError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        print("Functions:\n" + "\n".join(f"    {line}" for line in host.describe()), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        host.stop()
    return 0


def prepare_storage(connection: str) -> None:
    """Create what the app needs (idempotent): the same call the test stack makes."""
    from core.state import Storage

    Storage(connection_string=connection).ensure_resources()


if __name__ == "__main__":
    sys.exit(main())
