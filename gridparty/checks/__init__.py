"""Full coverage, no blind spots: polygon coverage, organisation coverage, grid fusion,
snapshots, validation and the coverage report.
"""
