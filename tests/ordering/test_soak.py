"""The CI-sized ordering soak (`make soak` runs the long one): a sample of create / paid / update / cancel
permutations with BC faults and a host kill ends with BC equal to each shop order's final state."""

from __future__ import annotations

import os

import pytest

from tests.ordering.soak import all_samples, histories, run_soak

pytestmark = pytest.mark.timeout(600)


def test_the_sample_covers_every_history_and_permutation():
    assert len(histories()) == 8
    samples = all_samples()
    assert len(samples) == 49
    full = [s for s in samples if s.history == ("create", "paid", "update", "cancel")]
    assert len({s.delivery for s in full}) == 24


def test_every_delivery_order_ends_at_the_shops_final_state(tmp_path):
    count = int(os.environ.get("BRIDGE_SOAK_ORDERS", "10"))
    summary = run_soak(count, seed=int(os.environ.get("BRIDGE_SOAK_SEED", "20261203")), kills=1,
                       timeout=400, workdir=tmp_path)
    assert summary["orders"] == count and summary["kills"] == 1
