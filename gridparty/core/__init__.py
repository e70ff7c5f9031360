"""The data model and everything it stands on: levels and columns, layers, the Hierarchy,
reading and writing, coordinates, geometry helpers, words for people and result tables.

Imports nothing above it.
"""
