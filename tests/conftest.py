"""Shared fixtures: one Azurite per test session (real Azure Storage semantics, in memory)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    """A running Azurite; yields it (its .connection_string) and stops it at the end of the session."""
    from sandbox import azurite as launcher

    instance = launcher.start(str(tmp_path_factory.mktemp("azurite")))
    yield instance
    instance.stop()


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


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: tests expect ../shared/corpus beside the project")
    return path


os.environ.setdefault("PYTHONHASHSEED", "0")
