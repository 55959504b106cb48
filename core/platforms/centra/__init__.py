"""Centra (Integration API flavour of the webhook plugin, GraphQL Integration API)."""

from core.platforms.centra import client, parse, webhooks

__all__ = ["client", "parse", "webhooks"]
