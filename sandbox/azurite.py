"""Start and stop Azurite (blob, queue, table) on free loopback ports, in memory.

    python -m sandbox.azurite start     # prints the connection string, writes .sandbox/azurite.json
    python -m sandbox.azurite stop

Azurite is the npm package pinned in package.json (`npm ci` installs it into node_modules/).
`--skipApiVersionCheck` is required: the current Python queue SDK sends an API version that
Azurite otherwise refuses.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sandbox.ports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
AZURITE_BIN = ROOT / "node_modules" / ".bin" / "azurite"
STATE_FILE = ROOT / ".sandbox" / "azurite.json"

# The well-known development account of Azurite (public, documented, not a secret).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass
class Azurite:
    blob_port: int
    queue_port: int
    table_port: int
    pid: int
    process: subprocess.Popen | None = None

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{self.blob_port}/{ACCOUNT};"
            f"QueueEndpoint=http://127.0.0.1:{self.queue_port}/{ACCOUNT};"
            f"TableEndpoint=http://127.0.0.1:{self.table_port}/{ACCOUNT};"
        )

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start(workdir: str | None = None) -> Azurite:
    """Start Azurite on three free ports and wait until all of them accept connections."""
    if not AZURITE_BIN.exists():
        raise RuntimeError(f"Azurite is not installed ({AZURITE_BIN} missing): run `npm ci` in {ROOT}")
    ports = free_port(), free_port(), free_port()
    location = workdir or tempfile.mkdtemp(prefix="azurite-")  # holds the log (data stays in memory)
    log = open(Path(location) / "azurite.log", "wb")  # noqa: SIM115 - handed to the child process
    process = subprocess.Popen(
        [
            str(AZURITE_BIN),
            "--blobHost", "127.0.0.1", "--blobPort", str(ports[0]),
            "--queueHost", "127.0.0.1", "--queuePort", str(ports[1]),
            "--tableHost", "127.0.0.1", "--tablePort", str(ports[2]),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    azurite = Azurite(*ports, pid=process.pid, process=process)
    try:
        for port in ports:
            wait_for_port(port, timeout=30)
    except TimeoutError:
        azurite.stop()
        raise
    return azurite


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "start"
    if command == "start":
        azurite = start()
        STATE_FILE.parent.mkdir(exist_ok=True)
        STATE_FILE.write_text(json.dumps({
            "pid": azurite.pid, "blob_port": azurite.blob_port, "queue_port": azurite.queue_port,
            "table_port": azurite.table_port, "connection_string": azurite.connection_string,
        }, indent=2))
        print(azurite.connection_string)
        return 0
    if command == "stop":
        if not STATE_FILE.exists():
            print("Azurite is not running (no .sandbox/azurite.json)")
            return 0
        state = json.loads(STATE_FILE.read_text())
        Azurite(state["blob_port"], state["queue_port"], state["table_port"], state["pid"]).stop()
        STATE_FILE.unlink()
        print(f"stopped Azurite (pid {state['pid']})")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
