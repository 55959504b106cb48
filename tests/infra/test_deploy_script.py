"""scripts/deploy.sh against a fake Azure CLI: refusals, the exact az commands, and the code package."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.infra import bicep as b

SCRIPT = b.ROOT / "scripts" / "deploy.sh"

FAKE_AZ = r"""#!/usr/bin/env bash
# Records every call; behaves like a logged-in az unless FAKE_AZ_LOGGED_OUT is set.
printf '%s\n' "$*" >> "$FAKE_AZ_LOG"
case "$1 $2" in
  "account show") [[ -z "${FAKE_AZ_LOGGED_OUT:-}" ]] || { echo "Please run 'az login'" >&2; exit 1; } ;;
  "group show") [[ -z "${FAKE_AZ_NO_GROUP:-}" ]] || exit 3 ;;
  "ad signed-in-user") echo "11111111-2222-3333-4444-555555555555" ;;
  "deployment group")
    if [[ "$3" == "create" || "$3" == "show" ]]; then
      echo '{"functionAppName": {"type": "String", "value": "bcbridge-func-abc"},
             "webhookBaseUrl": {"type": "String", "value": "https://bcbridge-func-abc.azurewebsites.net/api/webhooks/"},
             "keyVaultName": {"type": "String", "value": "kv-bcbridge-abc"},
             "managedIdentityClientId": {"type": "String", "value": "cid"},
             "managedIdentityPrincipalId": {"type": "String", "value": "oid"},
             "outboundIpAddress": {"type": "String", "value": "'"${FAKE_AZ_OUTBOUND_IP:-}"'"}}'
    fi ;;
  "functionapp deployment")
    while [[ $# -gt 0 ]]; do [[ "$1" == "--src" ]] && cp "$2" "$FAKE_AZ_CAPTURE"; shift; done ;;
esac
exit 0
"""


def make_project(root: Path, *, with_config: bool = True) -> Path:
    """A minimal project tree with runtime files and things that must stay out of the package."""
    for rel in (
        "function_app.py",
        "host.json",
        "requirements.txt",
        "core/__init__.py",
        "core/sync/runner.py",
        "functions/__init__.py",
        "functions/orders.py",
        "config/example.toml",
        "tests/test_x.py",
        "sandbox/azurite.py",
        "docs/deployment.md",
        "infra/main.bicep",
        "core/__pycache__/x.cpython-311.pyc",
        "core/sync/runner.pyc",
        "local.settings.json",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("# test\n")
    if with_config:
        (root / "config" / "bridge.toml").write_text("[bc]\n")
    return root


@pytest.fixture
def fake_az(tmp_path: Path) -> dict[str, str]:
    az = tmp_path / "bin" / "az"
    az.parent.mkdir()
    az.write_text(FAKE_AZ)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BRIDGE_", "FAKE_AZ"))}
    env.update(AZ_CLI=str(az), FAKE_AZ_LOG=str(tmp_path / "az.log"), FAKE_AZ_CAPTURE=str(tmp_path / "deployed.zip"))
    return env


@pytest.fixture
def parameters(tmp_path: Path) -> Path:
    data = json.loads(b.PARAMETERS_EXAMPLE.read_text())
    data["parameters"]["alertEmail"]["value"] = "ops@example.com"
    data["parameters"]["plainAppSettings"]["value"]["BC_CLIENT_ID"] = "6c1b6a8e-0000-4000-8000-000000000001"
    path = tmp_path / "main.parameters.json"
    path.write_text(json.dumps(data))
    return path


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


def az_calls(env: dict[str, str]) -> list[str]:
    log = Path(env["FAKE_AZ_LOG"])
    return log.read_text().splitlines() if log.exists() else []


def test_refuses_when_az_is_missing(fake_az, parameters):
    env = {**fake_az, "AZ_CLI": "/nonexistent/az"}
    result = run(["what-if", "-g", "rg-bridge", "-p", str(parameters)], env)
    assert result.returncode == 2
    assert "Azure CLI ('/nonexistent/az') not found" in result.stderr


def test_refuses_when_not_logged_in(fake_az, parameters):
    result = run(["deploy", "-g", "rg-bridge", "-p", str(parameters)], {**fake_az, "FAKE_AZ_LOGGED_OUT": "1"})
    assert result.returncode == 2
    assert "not logged in" in result.stderr and "az login" in result.stderr
    assert not any("deployment" in call for call in az_calls(fake_az))


def test_refuses_without_resource_group_or_when_it_does_not_exist(fake_az, parameters):
    result = run(["what-if", "-p", str(parameters)], fake_az)
    assert result.returncode == 2 and "no resource group" in result.stderr
    result = run(["what-if", "-g", "rg-missing", "-p", str(parameters)], {**fake_az, "FAKE_AZ_NO_GROUP": "1"})
    assert result.returncode == 2 and "az group create -n rg-missing" in result.stderr


def test_refuses_parameters_with_placeholders(fake_az):
    result = run(["what-if", "-g", "rg-bridge", "-p", str(b.PARAMETERS_EXAMPLE)], fake_az)
    assert result.returncode == 2
    assert "REPLACE_ME" in result.stderr
    assert not any("deployment group" in call for call in az_calls(fake_az))


@pytest.mark.parametrize("base_name", ["BCBridge", "bc-bridge", "bc_bridge", "bc", "bcbridge2026x", "bcbrïdge"])
def test_refuses_a_base_name_the_storage_account_name_cannot_take(fake_az, parameters, base_name):
    data = json.loads(parameters.read_text())
    data["parameters"]["baseName"] = {"value": base_name}
    parameters.write_text(json.dumps(data))
    result = run(["what-if", "-g", "rg-bridge", "-p", str(parameters)], fake_az)
    assert result.returncode == 2
    assert f"baseName '{base_name}'" in result.stderr and "lowercase letters and digits" in result.stderr
    assert not any("deployment group" in call for call in az_calls(fake_az))


@pytest.mark.parametrize("base_name", ["bcbridge", "shop24", "abc", "a1b2c3d4e5f"])
def test_accepts_lowercase_letters_and_digits_as_base_name(fake_az, parameters, base_name):
    data = json.loads(parameters.read_text())
    data["parameters"]["baseName"] = {"value": base_name}
    parameters.write_text(json.dumps(data))
    result = run(["what-if", "-g", "rg-bridge", "-p", str(parameters)], fake_az)
    assert result.returncode == 0, result.stderr


def test_base_name_limits_match_the_template():
    """deploy.sh's 3-11 matches main.bicep's @minLength/@maxLength, and 'st' + 11 + 13-char hash fits 24."""
    text = b.MAIN.read_text()
    assert "@minLength(3)\n@maxLength(11)\nparam baseName string" in text
    assert "[a-z0-9]{3,11}" in SCRIPT.read_text()
    assert "storage: take('st${baseName}${suffix}', 24)" in text


def test_what_if_runs_the_bicep_with_the_parameters_file(fake_az, parameters):
    result = run(["what-if", "-g", "rg-bridge", "-p", str(parameters)], fake_az)
    assert result.returncode == 0, result.stderr
    [call] = [c for c in az_calls(fake_az) if c.startswith("deployment group")]
    assert call == (
        f"deployment group what-if --resource-group rg-bridge --name bc-commerce-bridge "
        f"--template-file {b.MAIN} --parameters @{parameters} "
        "--parameters secretsAdminPrincipalId=11111111-2222-3333-4444-555555555555"
    )


def test_deploy_creates_infra_then_zip_deploys_only_runtime_files(fake_az, parameters, tmp_path):
    project = make_project(tmp_path / "project")
    shutil.copytree(b.ROOT / "scripts", project / "scripts")
    shutil.copytree(b.INFRA, project / "infra", dirs_exist_ok=True)
    env = {**fake_az, "BRIDGE_SECRETS_ADMIN_ID": "admin-oid"}
    result = subprocess.run(
        ["bash", str(project / "scripts" / "deploy.sh"), "deploy", "-g", "rg-bridge", "-p", str(parameters)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    calls = [c for c in az_calls(fake_az) if c.startswith(("deployment", "functionapp"))]
    assert calls[0].startswith("deployment group create --resource-group rg-bridge --name bc-commerce-bridge")
    assert calls[0].endswith("--parameters secretsAdminPrincipalId=admin-oid --query properties.outputs --output json")
    assert calls[1].startswith(
        "functionapp deployment source config-zip --resource-group rg-bridge --name bcbridge-func-abc --src "
    )
    assert "--build-remote true" in calls[1]
    with zipfile.ZipFile(fake_az["FAKE_AZ_CAPTURE"]) as zf:
        assert sorted(zf.namelist()) == [
            "config/bridge.toml",
            "config/example.toml",
            "core/__init__.py",
            "core/sync/runner.py",
            "function_app.py",
            "functions/__init__.py",
            "functions/orders.py",
            "host.json",
            "requirements.txt",
        ]
    assert "https://bcbridge-func-abc.azurewebsites.net/api/webhooks/" in result.stdout
    assert "kv-bcbridge-abc" in result.stdout


@pytest.mark.parametrize("outbound_ip", ["", "20.1.2.3"])
def test_deploy_names_the_outbound_ip_only_with_private_networking(fake_az, parameters, tmp_path, outbound_ip):
    project = make_project(tmp_path / "project")
    shutil.copytree(b.ROOT / "scripts", project / "scripts")
    script = str(project / "scripts" / "deploy.sh")
    env = {**fake_az, "FAKE_AZ_OUTBOUND_IP": outbound_ip}
    result = subprocess.run(
        ["bash", script, "deploy", "-g", "rg-bridge", "-p", str(parameters), "--code-only"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert ("Outbound IP of the app (BC, shop APIs): 20.1.2.3" in result.stdout) == bool(outbound_ip)
    assert ("Private networking is on" in result.stdout) == bool(outbound_ip)


def test_package_refuses_without_the_bridge_config(tmp_path, fake_az):
    project = make_project(tmp_path / "project", with_config=False)
    result = run(["package", "--source", str(project), "-o", str(tmp_path / "app.zip")], fake_az)
    assert result.returncode == 2
    assert "config/bridge.toml" in result.stderr and "config/example.toml" in result.stderr
    assert not (tmp_path / "app.zip").exists()


def test_package_needs_no_azure_cli(tmp_path, fake_az):
    project = make_project(tmp_path / "project")
    env = {**fake_az, "AZ_CLI": "/nonexistent/az"}
    result = run(["package", "--source", str(project), "-o", str(tmp_path / "app.zip")], env)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "app.zip") as zf:
        names = zf.namelist()
    assert "function_app.py" in names and "config/bridge.toml" in names
    assert not [n for n in names if n.startswith(("tests/", "sandbox/", "docs/", "infra/")) or n.endswith(".pyc")]


def test_unknown_command_shows_usage(fake_az):
    result = run(["destroy"], fake_az)
    assert result.returncode == 2
    assert "unknown command 'destroy'" in result.stderr and "what-if" in result.stdout
