"""A local stand-in for a Shopware 6 shop: Admin API OAuth client credentials and the order search."""

from .emulator import ShopwareEmulator

__all__ = ["ShopwareEmulator"]
