"""Brink webhooks (static secret header, id-only bodies) and their order id."""

from core.platforms.brink import parse, webhooks

__all__ = ["parse", "webhooks"]
