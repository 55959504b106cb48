"""Hypothesis profiles for the hostile-input tests.

`ci` (the default, part of `make test`): a small budget per property so the whole folder runs in well under a
minute on a shared CI machine. `fuzz` (`make fuzz`, HYPOTHESIS_PROFILE=fuzz): the long run, HYPOTHESIS_MAX_EXAMPLES
examples per property (default 20,000). Both keep a per-example deadline: an input that makes a parser spin
is a failure ("no hang"), not a slow test.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

COMMON = {"suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
          "deadline": timedelta(seconds=5), "derandomize": False, "print_blob": True}
settings.register_profile("ci", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "60")), **COMMON)
settings.register_profile("fuzz", max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "20000")), **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
