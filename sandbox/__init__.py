"""Local stand-ins for the outside world: Azurite, BC and shop emulators, a small Functions host.

Development and test convenience only: nothing in core/ or functions/ imports this package.
"""
