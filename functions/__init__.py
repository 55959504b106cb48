"""Thin triggers: adapt HTTP / queue / timer to core and map outcomes. Only this layer knows azure.functions."""
