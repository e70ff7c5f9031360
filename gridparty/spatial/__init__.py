"""Array algorithms over geometry and graphs: point and polygon assignment (numba kernels),
street networks, facility siting, flows and graph projections, polygon coverage geometry.
"""
