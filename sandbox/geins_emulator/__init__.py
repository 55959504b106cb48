"""A local stand-in for Geins: the Management API calls the bridge makes, and id-only webhooks."""

from .emulator import GeinsEmulator, webhook_body

__all__ = ["GeinsEmulator", "webhook_body"]
