"""A local stand-in for Centra: the Integration API the bridge uses (orders, events, stock, shipments, prices),
the Order API's returns, and signed webhooks."""

from .emulator import CentraEmulator, sign_webhook, webhook_body

__all__ = ["CentraEmulator", "sign_webhook", "webhook_body"]
