"""Installing checkov (test_checkov.py) takes minutes on a fresh machine and is mostly waiting on downloads and
disk: when test_checkov.py is among the collected tests and checkov is not installed yet, the install starts
in the background once collection is done, so the tests collected before it run meanwhile. The test module's own
ensure_checkov() then waits for it (the install holds a file lock) or finds it done."""

from __future__ import annotations

import threading

import pytest

_install: threading.Thread | None = None


def pytest_collection_finish(session: pytest.Session) -> None:
    global _install
    selected = session.items
    if _install is not None or not any(item.nodeid.startswith("tests/infra/test_checkov.py") for item in selected):
        return
    from tests.infra import test_checkov

    if test_checkov.STAMP.exists():
        return
    # a failed install is not hidden: the first checkov test installs again and reports the error
    _install = threading.Thread(target=_install_quietly, args=(test_checkov.ensure_checkov,), daemon=True,
                                name="checkov-install")
    _install.start()


def _install_quietly(ensure) -> None:
    try:
        ensure()
    except Exception:  # noqa: S110 - reported by the tests, which run ensure_checkov() again
        pass


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Let a started install finish (a half-written .venv-checkov would only be redone next time)."""
    if _install is not None:
        _install.join(timeout=900)
