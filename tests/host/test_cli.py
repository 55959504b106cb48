"""`python -m sandbox.host` serves the app from a local.settings.json until interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import httpx

from sandbox.ports import free_port, wait_for_port
from tests.host.conftest import ROOT, SAMPLE_APP, sample_settings


def test_command_serves_until_ctrl_c(azurite, tmp_path):
    settings = sample_settings(azurite.connection_string, "cli" + uuid.uuid4().hex[:6])
    settings_file = tmp_path / "local.settings.json"
    settings_file.write_text(json.dumps({"IsEncrypted": False, "Values": settings}))
    env = {name: value for name, value in os.environ.items() if name not in settings}  # the file must supply them
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.host", "--app-dir", str(SAMPLE_APP), "--port", str(port),
         "--settings", str(settings_file)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, timeout=20)
        response = httpx.get(f"http://127.0.0.1:{port}/api/hello/cli", timeout=10)
        assert (response.status_code, response.text) == (201, f"{settings['SAMPLE_GREETING']}, cli")
        assert httpx.get(f"http://127.0.0.1:{port}/api/items/1", timeout=10).status_code == 401
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, stderr
    assert f"hello: [ANY] http://127.0.0.1:{port}/api/hello/{{name?}} (auth ANONYMOUS)" in stdout
    assert "always_fails: queueTrigger %SAMPLE_FAIL_QUEUE%" in stdout
    assert "hello httpTrigger Succeeded in " in stderr
