"""Flows: one pipeline per flow (fetch → skip? → claim → ensure dependencies → map → write → bind → log).

Pure mapping lives beside the pipelines (`order_mapping.py`); it is imported without Azure or BC.
"""
