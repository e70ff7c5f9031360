"""Flagship mentoring zones (1+X): zones, mentees, the organisations table and flagship choice."""
