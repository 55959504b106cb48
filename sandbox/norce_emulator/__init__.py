"""A Norce Commerce emulator (order service, Query orders, Connect jobs, the Order Receiver push): emulator.py."""

from sandbox.norce_emulator.emulator import NorceEmulator

__all__ = ["NorceEmulator"]
