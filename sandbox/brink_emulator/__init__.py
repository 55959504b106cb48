"""A local stand-in for Brink Commerce: order events (newer and legacy) and the legacy v1 calls the bridge makes."""

from .emulator import BrinkEmulator

__all__ = ["BrinkEmulator"]
