"""A local stand-in for Centra: the Integration API orders queries the bridge sends, and signed webhooks."""

from .emulator import CentraEmulator, sign_webhook, webhook_body

__all__ = ["CentraEmulator", "sign_webhook", "webhook_body"]
