"""Shared fixtures: one Azurite per test session (real Azure Storage semantics, in memory).

That one Azurite also serves every LocalStack the session starts, each on a storage account of its own
(sandbox.azurite_pool): starting Azurite costs seconds, a fresh account nothing. Under pytest-xdist
(`make test`) each worker is its own session, so its own Azurite on its own free ports."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# One Hypothesis profile for every property in the suite, wherever it lives (here, not in one directory's
# conftest, so running a single directory gets the same settings as `make test`): examples bounded by
# HYPOTHESIS_MAX_EXAMPLES; no "too slow" failures on a loaded machine, but a 5 s deadline per example still
# catches an input that makes a parser hang.
COMMON = {"suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
          "deadline": timedelta(seconds=5), "derandomize": False, "print_blob": True}
settings.register_profile("ci", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60")), **COMMON)
settings.register_profile("fuzz", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "20000")), **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session", autouse=True)
def shared_azurite(tmp_path_factory):
    """The session's Azurite, started on first use (a session that needs no storage starts none); each
    LocalStack of the session gets an unused account of it instead of starting an Azurite of its own."""
    from sandbox import azurite_pool

    pool = azurite_pool.AzuritePool(str(tmp_path_factory.mktemp("azurite")))
    azurite_pool.session = pool
    yield pool
    azurite_pool.session = None
    pool.stop()


@pytest.fixture(scope="session")
def azurite(shared_azurite):
    """A running Azurite (the development account); yields it (its .connection_string); stopped at the end
    of the session."""
    return shared_azurite.default


@pytest.fixture
def storage_connection(azurite, monkeypatch) -> str:
    """The Azurite connection string, also set as AzureWebJobsStorage for code that reads settings."""
    monkeypatch.setenv("AzureWebJobsStorage", azurite.connection_string)
    return azurite.connection_string


@pytest.fixture
def unique_name(request) -> str:
    """A short name unique to this test, usable as a queue/table/container prefix (lowercase letters)."""
    import hashlib

    digest = hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:10]
    return "t" + "".join(c for c in digest if c.isalnum())


# Under pytest-xdist (`make test`: -n 4 --dist loadfile --no-loadscope-reorder) each test module runs whole on
# one worker, and workers take modules in collection order. The longest modules go first so that none of them
# starts near the end and keeps one worker busy after the others are done (checkov's first run installs it:
# minutes on a fresh machine). Only the order changes; a missing entry is ignored.
RUN_FIRST = (
    "tests/infra/test_checkov.py",
    "tests/sync/test_preview.py",
    "tests/ordering/test_shop_time.py",
    "tests/integration/test_orders_e2e.py",
    "tests/infra/test_deploy_script.py",
    "tests/refunds_more/test_refunds_woo_and_reconcile.py",
    "tests/platforms_geins/test_e2e.py",
    "tests/refunds/test_refunds_e2e.py",
    "tests/integration/test_order_changes.py",
    "tests/shipments/test_shipments_e2e.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # not an xdist worker: collection order as always
        return
    rank = {module: index for index, module in enumerate(RUN_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(RUN_FIRST)))  # stable


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: tests expect ../shared/corpus beside the project")
    return path


os.environ.setdefault("PYTHONHASHSEED", "0")
