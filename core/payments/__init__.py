"""Payment providers: settlement parsers → canonical Payout, and the providers' notifications.

Every provider module has the same functions (see core/payments/base.py): `parse_settlement`,
`verify_notification`, `describe_notification`, `fetch_settlement`, and `ACKNOWLEDGEMENT`.
Adding a provider = a module with those functions + one line in PSPS.
"""

from __future__ import annotations

from types import ModuleType

from core.errors import NeedsAttention
from core.payments import adyen, klarna, stripe
from core.payments.base import Notification

PSPS: dict[str, ModuleType] = {
    "adyen": adyen,
    "stripe": stripe,
    "klarna": klarna,
}


def psp(name: str) -> ModuleType:
    """The provider module for `name` (a payout source's `psp` in the config)."""
    try:
        return PSPS[name]
    except KeyError:
        raise NeedsAttention(
            f'The payment provider "{name}" is not supported (supported: {", ".join(PSPS)}).',
            resolution=f'set psp to one of {", ".join(PSPS)} in [[payouts]]',
            code="unknown_psp",
        ) from None


__all__ = ["PSPS", "Notification", "psp"]
