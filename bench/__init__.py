"""Benchmarks with their targets (python -m bench.<name>)."""
