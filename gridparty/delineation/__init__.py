"""Grid delineation (网格划分): propose party grids from buildings and streets."""
