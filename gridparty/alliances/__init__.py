"""Alliances, 1+1 pairing and the three lists (resources, needs, services)."""
