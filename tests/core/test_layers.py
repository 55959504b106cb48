"""Which part may use which (../shared/DESIGN.md), read from the imports of every module, so a shortcut across
the layers fails here instead of being found in review.

`function_app.py` → `functions/` → `core/sync/` → (`core/platforms/`, `core/payments/`, `core/bc/`,
`core/state/`) → `core/models.py`, `errors.py`, `config.py`; the shop side and BC meet only in the canonical
model; production never imports `sandbox/`; only the triggers know `azure.functions`.

One seam is deliberate and held narrow here: a platform's `flows.py` (and the writer modules it names) is the
platform's side of the export flows (docs/platforms.md): it implements the writers core/sync calls, so it may
read core/sync's pure `*_mapping` modules and return the flows' result types, nothing else of core/sync
(no state, no orchestration).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What a platform's writers may take from core/sync: the pure mappings (whole modules) and these names.
FLOW_CONTRACT = {
    "core.sync.stock": {"WriteResult", "GONE", "UNKNOWN", "NOT_MANAGED"},
    "core.sync.products": {"WriteResult", "stops_the_run"},
    "core.sync.shipments": {"Pushed"},
    "core.sync.customer_export": {"Pushed"},
    "core.sync.refunds": {"RefundDelivery"},
}
WRITER_MODULES = {"flows.py", "accounts.py"}  # the platform modules that implement the flows' writers
# The lowest layer: what models, errors and config may import from core (leaf modules of constants/helpers).
FOUNDATION = {"core.models", "core.errors", "core.config", "core.untrusted", "core.state.names",
              "core.bc_api_fields", "core.metafield_types", "core.retry_after"}


def imports(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(module, names) for every absolute import in the file, at any depth (function-level imports too)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, tuple(a.name for a in node.names)))
        elif isinstance(node, ast.Import):
            found += [(a.name, ()) for a in node.names]
    return found


def targets(module: str, names: tuple[str, ...]) -> list[str]:
    """The modules an import reaches: `from core.sync import stock_mapping` reaches core.sync.stock_mapping."""
    if module in ("core", "core.sync", "core.platforms", "core.bc", "core.state", "core.payments") and names:
        return [f"{module}.{name}" for name in names]
    return [module]


def production_files() -> list[Path]:
    return [ROOT / "function_app.py", *sorted((ROOT / "functions").rglob("*.py")),
            *sorted((ROOT / "core").rglob("*.py"))]


def under(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def violations() -> list[str]:
    found = []
    for path in production_files():
        rel = path.relative_to(ROOT).as_posix()
        for module, names in imports(path):
            for target in targets(module, names):
                problem = rule_broken(rel, target, module, names)
                if problem:
                    found.append(f"{rel}: imports {target}: {problem}")
    return found


def rule_broken(rel: str, target: str, module: str, names: tuple[str, ...]) -> str | None:
    if under(target, "sandbox"):
        return "production never imports the sandbox"
    if under(target, "azure.functions") and not (rel == "function_app.py" or rel.startswith("functions/")):
        return "only the triggers know azure.functions"
    if rel.startswith("core/") and under(target, "functions"):
        return "core never imports the triggers"
    if rel.startswith(("core/bc/", "core/state/", "core/payments/")) and under(target, "core.sync", "core.platforms"):
        return "the adapters below the flows do not reach up into them or across to the shops"
    if rel.startswith("core/platforms/") and under(target, "core.bc"):
        return "the shop side and BC meet only in the canonical model"
    if rel.startswith("core/platforms/") and under(target, "core.state"):
        return "platform adapters do not touch state: bindings and cursors belong to the flows"
    if rel.startswith("core/platforms/") and under(target, "core.sync"):
        if Path(rel).name not in WRITER_MODULES:
            return "only a platform's flow writers (flows.py) use core/sync"
        if target.endswith("_mapping"):
            return None
        allowed = FLOW_CONTRACT.get(module)
        if allowed is None or not set(names) <= allowed:
            return (f"a platform's writers take from core/sync only the pure mappings and the result types of "
                    f"{sorted(FLOW_CONTRACT)}")
    if (rel in ("core/models.py", "core/errors.py", "core/config.py") and target.startswith("core")
            and not under(target, *FOUNDATION)):
        return "the canonical model, errors and config sit below everything else"
    return None


def test_every_import_keeps_to_the_layers():
    assert violations() == []


@pytest.mark.parametrize(("rel", "module", "names", "expected"), [
    ("core/platforms/norce/flows.py", "core.sync.orders", ("import_order",), "take from core/sync only"),
    ("core/platforms/norce/flows.py", "core.sync", ("stock",), "take from core/sync only"),
    ("core/platforms/norce/client.py", "core.sync.stock_mapping", ("Change",), "only a platform's flow writers"),
    ("core/platforms/http.py", "core.bc.retry", ("parse_retry_after",), "meet only in the canonical model"),
    ("core/bc/client.py", "core.platforms.shopify", ("client",), "do not reach up"),
    ("core/platforms/geins/flows.py", "core.state", ("Bindings",), "do not touch state"),
    ("core/state/bindings.py", "core.sync.orders", ("x",), "do not reach up"),
    ("core/sync/orders.py", "sandbox.bc_emulator", ("x",), "never imports the sandbox"),
    ("core/sync/orders.py", "azure.functions", (), "only the triggers"),
    ("core/config.py", "core.sync.stock", ("x",), "below everything else"),
])
def test_each_rule_catches_the_shortcut_it_names(rel, module, names, expected):
    """The checker itself: each kind of shortcut is caught (so an empty list above means something)."""
    problems = [rule_broken(rel, target, module, names) for target in targets(module, names)]
    assert any(p and expected in p for p in problems), problems


@pytest.mark.parametrize(("rel", "module", "names"), [
    ("core/platforms/norce/flows.py", "core.sync", ("stock_mapping",)),
    ("core/platforms/norce/flows.py", "core.sync.shipments", ("Pushed",)),
    ("core/platforms/magento/flows.py", "core.sync.products", ("WriteResult", "stops_the_run")),
    ("core/sync/orders.py", "core.platforms", ("platform",)),
    ("functions/orders.py", "azure.functions", ()),
])
def test_what_the_layers_allow_passes(rel, module, names):
    assert [rule_broken(rel, t, module, names) for t in targets(module, names)] == [None] * len(targets(module, names))
