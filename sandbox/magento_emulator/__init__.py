"""A local stand-in for a Magento 2 / Adobe Commerce shop's REST API (bearer integration token): orders, MSI
sources and source items, shipments, base prices and product fields, credit memos — refusing what Magento
refuses (see emulator.py)."""

from .emulator import MagentoEmulator, magento_time

__all__ = ["MagentoEmulator", "magento_time"]
