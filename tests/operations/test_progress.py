"""Progress of long commands on stderr while they run (core/cli/progress.py): backfill, stock push, products push.

The clock is replaced by one that moves a second per reading, so every report is due and rates are exact. Each
job checks, while it is still running, that its progress lines have already reached stderr.
"""

from __future__ import annotations

import io
import json
import uuid

import pytest

from core.cli import main, progress
from core.logging_setup import uninstall_logging
from core.sync.products import ProductRun
from core.sync.stock import StockRun


@pytest.fixture(autouse=True)
def _logging_restored():
    yield
    uninstall_logging()


@pytest.fixture
def clock(monkeypatch):
    """A clock that moves one second every time it is read."""
    now = [1000.0]

    def monotonic():
        now[0] += 1.0
        return now[0]

    monkeypatch.setattr(progress, "monotonic", monotonic)
    return now


class Tty(io.StringIO):
    def isatty(self):
        return True


def test_lines_carry_counts_rate_and_an_estimate_when_the_total_is_known(clock):
    out = io.StringIO()
    p = progress.Progress("SKUs read", total=400, stream=out)  # started at 1001
    p.update(100, "3 written")  # at 1002: 100 in 1 s
    p.update(150)  # at 1003: 150 in 2 s
    assert out.getvalue().splitlines() == [
        "  100/400 SKUs read (25%) · 100.0/s · about 0:00:03 left · 3 written",
        "  150/400 SKUs read (38%) · 75.0/s · about 0:00:03 left",
    ]


def test_at_most_one_line_a_second_and_none_when_disabled(monkeypatch):
    monkeypatch.setattr(progress, "monotonic", lambda: 5.0)  # time stands still
    out = io.StringIO()
    p = progress.Progress("orders read", stream=out)
    for n in range(1000):
        p.update(n)
    assert out.getvalue() == ""
    p.finish(1000)
    assert out.getvalue().startswith("  1,000 orders read · ")
    quiet = io.StringIO()
    progress.Progress("orders read", enabled=False, stream=quiet).finish(3)
    assert quiet.getvalue() == ""


def test_on_a_terminal_the_line_is_rewritten_in_place(clock):
    out = Tty()
    p = progress.Progress("items read", stream=out)
    p.update(10)
    p.finish(20)
    assert out.getvalue() == ("\r\x1b[2K  10 items read · 10.0/s · 0:00:01 elapsed"
                              "\r\x1b[2K  20 items read · 10.0/s · 0:00:02 elapsed\n")


def _fake_export(run_type, count_field, capsys, seen_while_running):
    def export(ctx, shop_key, *, full=False, progress=None):
        run = run_type(shop=shop_key, full=full)
        for n in range(1, 4):
            setattr(run, count_field, n * 5000)
            run.changes = n
            progress(run)
            seen_while_running.append(capsys.readouterr().err)  # what a person sees before the job ends
        return run
    return export


@pytest.mark.parametrize(("command", "module", "function", "run_type", "field", "unit"), [
    ("stock", "core.sync.stock", "export_stock_levels", StockRun, "skus", "SKUs read"),
    ("products", "core.sync.products", "export_products", ProductRun, "items", "items read"),
])
def test_a_push_prints_progress_as_it_goes_but_not_with_json(ctx, capsys, monkeypatch, clock, command, module,
                                                             function, run_type, field, unit):
    seen: list[str] = []
    monkeypatch.setattr(f"{module}.{function}", _fake_export(run_type, field, capsys, seen))
    assert main([command, "push", "--shop", "shopify-demo"]) == 0
    assert len(seen) == 3
    assert f"5,000 {unit} · " in seen[0] and "1 changed" in seen[0]
    assert f"15,000 {unit} · " in seen[2] and "/s · " in seen[2] and "3 changed" in seen[2]
    out, err = capsys.readouterr()
    assert err.startswith(f"  15,000 {unit} · ") and out  # the last line, then the summary on stdout

    seen.clear()
    assert main([command, "push", "--shop", "shopify-demo", "--json"]) == 0
    out, err = capsys.readouterr()
    assert seen == ["", "", ""] and err == ""
    assert json.loads(out)[field] == 15000


def test_backfill_prints_progress_while_it_reads_the_shop(ctx, capsys, monkeypatch, clock):
    """The real enqueue_changed_orders, with the shop's order list and the queue replaced."""
    from types import SimpleNamespace

    from core.errors import NeedsAttention

    seen: list[str] = []
    queued: list = []
    prefix = f"progress-{uuid.uuid4().hex[:8]}-"

    def orders_updated_between(since, until):
        for n in range(1, 5):
            yield {"id": f"{prefix}{n}"}
            seen.append(capsys.readouterr().err)

    def parse_order(raw, shop_key, basis):
        raise NeedsAttention("unreadable on purpose", resolution="none")  # queued by its id, as a real bad one

    adapter = SimpleNamespace(client=SimpleNamespace(client_for=lambda shop: SimpleNamespace(
        orders_updated_between=orders_updated_between)), parse=SimpleNamespace(parse_order=parse_order))
    monkeypatch.setattr("core.sync.orders.platform", lambda name: adapter)
    monkeypatch.setattr("core.sync.orders.enqueue", lambda storage, queue, envelope: queued.append(envelope))

    assert main(["backfill", "--shop", "shopify-demo", "--since", "2026-10-01", "--until", "2026-10-05"]) == 0
    out, err = capsys.readouterr()
    assert [e.external_id for e in queued] == [f"{prefix}{n}" for n in range(1, 5)]
    # the order before the one being read is reported as the next one is read
    assert seen[1].strip().startswith("1 orders read · ") and "1 queued" in seen[1]
    assert "3 orders read · " in seen[3] and "3 queued" in seen[3]
    assert "4 orders read · " in err and "queued 4 order(s)" in out

    seen.clear()
    queued.clear()
    assert main(["backfill", "--shop", "shopify-demo", "--since", "2026-10-01", "--until", "2026-10-05",
                 "--json"]) == 0
    out, err = capsys.readouterr()
    assert "".join(seen) == "" and err == ""
    assert json.loads(out) == {"shop": "shopify-demo", "since": "2026-10-01T00:00:00+00:00",
                               "until": "2026-10-05T00:00:00+00:00", "read": 4, "queued": 4}
