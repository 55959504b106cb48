"""A local stand-in for a Magento 2 / Adobe Commerce shop: REST orders search with a bearer integration token."""

from .emulator import MagentoEmulator, magento_time

__all__ = ["MagentoEmulator", "magento_time"]
