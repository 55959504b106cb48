"""checkov over infra/: no failed check, no parsing error, every skip justified next to its resource.

checkov is heavy (~300 MB, ~30-60 s to install) and pins an old pycep-parser, so it lives in its own venv,
.venv-checkov, which this module creates on first use and reuses afterwards (gitignored). It runs offline
(--skip-download, BC_SKIP_MAPPING). checkov exits 0 on parse errors, so the JSON report is what counts.
It runs once per variant (module-scoped fixtures): infra/ as it is, and infra/ rendered with privateNetworking=true.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

from tests.infra import bicep as b

CHECKOV_VERSION = "3.3.30"
VENV = b.ROOT / ".venv-checkov"
CHECKOV = VENV / "bin" / "checkov"
STAMP = VENV / f".installed-checkov-{CHECKOV_VERSION}"


def ensure_checkov() -> Path:
    """Install the pinned checkov into .venv-checkov unless it is already there (one installer at a time)."""
    lock_path = Path(tempfile.gettempdir()) / "bc-commerce-bridge-checkov.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not STAMP.exists():
            if not (VENV / "bin" / "python").exists():
                venv.EnvBuilder(with_pip=True).create(VENV)
            subprocess.run(
                [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", f"checkov=={CHECKOV_VERSION}"],
                check=True,
                timeout=900,
            )
            STAMP.touch()
    return CHECKOV


def run_checkov(directory: Path) -> dict:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run(
        [
            str(ensure_checkov()),
            "-d",
            str(directory),
            "--framework",
            "bicep",
            "--skip-download",
            "--compact",
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.stdout.strip(), f"checkov printed nothing (exit {result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(result.stdout)
    if isinstance(report, list):  # one entry per framework
        [report] = [r for r in report if r.get("check_type") == "bicep"]
    return report


@pytest.fixture(scope="module")
def infra_report() -> dict:
    return run_checkov(b.INFRA)


@pytest.fixture(scope="module")
def private_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """checkov over infra/ as deployed with privateNetworking=true (see bicep.render_private_variant)."""
    return run_checkov(b.render_private_variant(tmp_path_factory.mktemp("private-infra")))


@pytest.mark.timeout(1200)
def test_checkov_passes_on_infra(infra_report):
    summary = infra_report["summary"]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in infra_report["results"]["failed_checks"]]
    assert summary["parsing_errors"] == 0, infra_report["results"].get("parsing_errors")
    assert failed == []
    assert summary["passed"] >= 15  # it really looked at the resources
    assert summary["resource_count"] >= 30


# Every suppression in infra/, by resource: each has its reason next to it in a `// checkov:skip=ID: reason` comment.
JUSTIFIED_SKIPS = {
    ("CKV_AZURE_225", "Microsoft.Web/serverfarms.plan"),
    ("CKV_AZURE_222", "Microsoft.Web/sites.site"),
    ("CKV_AZURE_17", "Microsoft.Web/sites.site"),
    ("CKV_AZURE_212", "Microsoft.Web/sites.site"),
    ("CKV_AZURE_78", "Microsoft.Web/sites.site"),
    ("CKV_AZURE_18", "Microsoft.Web/sites.site"),
    ("CKV_AZURE_67", "Microsoft.Web/sites.site"),
    ("CKV_AZURE_213", "Microsoft.Web/sites.site"),
    *((check, "Microsoft.Web/sites/config.signIn") for check in (
        "CKV_AZURE_13", "CKV_AZURE_63", "CKV_AZURE_65", "CKV_AZURE_66", "CKV_AZURE_80", "CKV_AZURE_88",
        "CKV_AZURE_222")),
    ("CKV_AZURE_35", "Microsoft.Storage/storageAccounts.account"),
    ("CKV_AZURE_59", "Microsoft.Storage/storageAccounts.account"),
    ("CKV_AZURE_206", "Microsoft.Storage/storageAccounts.account"),
    ("CKV_AZURE_109", "Microsoft.KeyVault/vaults.vault"),
    ("CKV_AZURE_189", "Microsoft.KeyVault/vaults.vault"),
}


def skipped(report: dict) -> set[tuple[str, str]]:
    return {(c["check_id"], c["resource"]) for c in report["results"]["skipped_checks"]}


@pytest.mark.timeout(1200)
def test_checkov_honours_every_skip_comment(infra_report):
    """The `// checkov:skip=` comments (a form Bicep compiles) are read: exactly the justified set is skipped."""
    assert skipped(infra_report) == JUSTIFIED_SKIPS
    assert infra_report["summary"]["skipped"] == len(JUSTIFIED_SKIPS)


# Skips needed only while storage and Key Vault keep a public endpoint: privateNetworking=true closes them.
PUBLIC_ENDPOINT_SKIPS = {
    ("CKV_AZURE_35", "Microsoft.Storage/storageAccounts.account"),
    ("CKV_AZURE_59", "Microsoft.Storage/storageAccounts.account"),
    ("CKV_AZURE_109", "Microsoft.KeyVault/vaults.vault"),
    ("CKV_AZURE_189", "Microsoft.KeyVault/vaults.vault"),
}


def test_public_endpoint_skips_are_the_marked_ones():
    marked = set()
    for path in b.bicep_files():
        for line in path.read_text().splitlines():
            if "checkov:skip=" in line and b.PRIVATE_ONLY_MARKER in line:
                marked.add(line.split("checkov:skip=", 1)[1].split(":", 1)[0])
    assert marked == {check_id for check_id, _ in PUBLIC_ENDPOINT_SKIPS}


@pytest.mark.timeout(1200)
def test_private_variant_passes_checkov_and_closes_the_public_endpoint_skips(private_report):
    summary = private_report["summary"]
    failed = [f"{c['check_id']} {c['resource']}" for c in private_report["results"]["failed_checks"]]
    assert summary["parsing_errors"] == 0, private_report["results"].get("parsing_errors")
    assert failed == []
    assert skipped(private_report) == JUSTIFIED_SKIPS - PUBLIC_ENDPOINT_SKIPS
    passed = {(c["check_id"], c["resource"]) for c in private_report["results"]["passed_checks"]}
    assert passed >= PUBLIC_ENDPOINT_SKIPS  # really evaluated (deny by default, public access off), not skipped


@pytest.mark.timeout(1200)
def test_every_checkov_skip_is_justified_inline(infra_report):
    skipped = infra_report["results"]["skipped_checks"]
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) >= 40, f"{check['check_id']} on {check['resource']}: give the reason in the skip comment"
    # skips sit inside the resource they excuse (checkov only honours them there)
    for check in skipped:
        path = b.INFRA / check["file_path"].lstrip("/")
        start, end = check["file_line_range"]
        lines = path.read_text().splitlines()[start - 1 : end]
        assert any(f"checkov:skip={check['check_id']}:" in line for line in lines)


@pytest.mark.timeout(1200)
def test_checkov_run_detects_failures_and_parse_errors(tmp_path):
    """The same invocation reports a failing resource and a broken file, so the checks above can fail."""
    (tmp_path / "open.bicep").write_text(
        "resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: 'stopen'\n  location: 'westeurope'\n  kind: 'StorageV2'\n"
        "  sku: {\n    name: 'Standard_LRS'\n  }\n"
        "  properties: {\n    allowBlobPublicAccess: true\n    minimumTlsVersion: 'TLS1_0'\n"
        "    supportsHttpsTrafficOnly: false\n  }\n}\n"
    )
    (tmp_path / "broken.bicep").write_text("resource sa 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n")
    report = run_checkov(tmp_path)
    assert report["summary"]["failed"] > 0
    assert report["summary"]["parsing_errors"] >= 1


if __name__ == "__main__":  # `python -m tests.infra.test_checkov`: install only (CI warm-up)
    print(ensure_checkov())
    sys.exit(0)
